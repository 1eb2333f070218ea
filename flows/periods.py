"""Half-year periods: parsing the ways forms write them, bounds, and the last closed one."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

_PATTERNS = [
    re.compile(r"^(?P<y>\d{4})\s*-?\s*[Hh](?P<h>[12])$"),
    re.compile(r"^(?P<y>\d{4})\s*[Ss](?P<h>[12])$"),
    re.compile(r"^(?P<y>\d{4})\s*年?\s*度?\s*(?P<half>上|下)\s*半\s*年\s*度?$"),
]


@dataclass(frozen=True, order=True)
class Period:
    """A half-year: ``2026H1`` is January to June 2026, ``2026H2`` July to December."""

    year: int
    half: int

    def __str__(self) -> str:
        return f"{self.year}H{self.half}"

    @property
    def start(self) -> date:
        """First day of the half-year."""
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> date:
        """Last day of the half-year."""
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    def previous(self) -> Period:
        """The half-year before this one."""
        return Period(self.year, 1) if self.half == 2 else Period(self.year - 1, 2)

    def next(self) -> Period:
        """The half-year after this one."""
        return Period(self.year, 2) if self.half == 1 else Period(self.year + 1, 1)

    @classmethod
    def coerce(cls, value: object) -> Period:
        """A Period from a Period, its text in any form forms write, or ``{"year", "half"}``;
        ValueError otherwise. Used where a period enters: options, flow parameters."""
        if isinstance(value, Period):
            return value
        if isinstance(value, dict) and {"year", "half"} <= value.keys():
            return cls(int(value["year"]), int(value["half"]))
        parsed = parse_period(value)
        if parsed is None:
            raise ValueError(f"not a half-year: {value!r} (expected 2026H1, 2026年上半年, ...)")
        return parsed

    @classmethod
    def __get_pydantic_core_schema__(cls, _source: Any, _handler: Any) -> Any:
        """Flow parameters take and show a period as its text (``2026H1``)."""
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(
            cls.coerce, serialization=core_schema.to_string_ser_schema()
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, _schema: Any, _handler: Any) -> dict[str, Any]:
        """The JSON schema of a period parameter, as the Prefect UI shows it."""
        return {"type": "string", "pattern": r"^\d{4}H[12]$", "examples": ["2026H1"]}


def parse_period(value: object) -> Period | None:
    """Parse ``2026H1``, ``2026-H1``, ``2026上半年``, ``2026年下半年``; None if not a period."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    for pattern in _PATTERNS:
        match = pattern.match(text)
        if match:
            year = int(match.group("y"))
            groups = match.groupdict()
            half = int(groups["h"]) if groups.get("h") else (1 if groups["half"] == "上" else 2)
            if 2000 <= year <= 2100:
                return Period(year, half)
    return None


def period_of(day: date) -> Period:
    """The half-year a date falls in."""
    return Period(day.year, 1 if day.month <= 6 else 2)


def last_closed_period(now: datetime | None = None, tz: str = "Asia/Shanghai") -> Period:
    """The most recent half-year that has ended, in the office's time zone."""
    local = (now or datetime.now(ZoneInfo(tz))).astimezone(ZoneInfo(tz))
    return period_of(local.date()).previous()


def periods_ending_at(last: Period, count: int) -> list[Period]:
    """``count`` consecutive half-years ending with ``last``, oldest first."""
    periods = [last]
    for _ in range(count - 1):
        periods.append(periods[-1].previous())
    return list(reversed(periods))
