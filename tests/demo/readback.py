"""The generator's files read back as rows keyed by canonical column name, for the demo tests."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from flows.datasets import COLUMNS, Kind
from flows.demo.halfyears import period_label
from flows.periods import Period, parse_period

FOUR_PERIODS = [Period(2025, 1), Period(2025, 2), Period(2026, 1), Period(2026, 2)]
ZH_TO_NAME = {kind: {c.zh: c.name for c in cols} for kind, cols in COLUMNS.items()}
RATING_ITEMS = [c.name for c in COLUMNS["evaluations"] if c.kind == "rating"]


def read_csv(path: Path) -> list[dict[str, str]]:
    """A registry CSV as dicts."""
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def sheet_rows(path: Path) -> list[list[Any]]:
    """The cells of a workbook's first sheet."""
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def as_records(
    kind: Kind, header: Sequence[object], rows: Sequence[Sequence[object]]
) -> list[dict[str, Any]]:
    """Data rows keyed by canonical column name (序号 and unknown headers dropped)."""
    names = [ZH_TO_NAME[kind].get(str(h)) for h in header]
    return [{n: v for n, v in zip(names, row, strict=True) if n} for row in rows]


def read_evaluations(path: Path) -> list[dict[str, Any]]:
    """Forms of one evaluation workbook (title line, then header) or CSV."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            text_header, *text_rows = list(csv.reader(fh))
        return as_records("evaluations", text_header, text_rows)
    _, header, *rows = sheet_rows(path)
    return as_records("evaluations", header, rows)


def read_hearings(path: Path) -> list[dict[str, Any]]:
    """Records of one GB18030 hearing CSV."""
    with path.open(encoding="gb18030", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    return as_records("hearings", header, rows)


def read_reports(path: Path) -> list[dict[str, Any]]:
    """Rows of one branch report workbook (header on the first line)."""
    header, *rows = sheet_rows(path)
    return as_records("branch_reports", header, rows)


def is_iso_date(text: str) -> bool:
    """Whether the text is a real calendar date written YYYY-MM-DD."""
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def is_active(org: dict[str, str], period: Period) -> bool:
    """Whether a registry organisation exists in the half-year."""
    start, end = parse_period(org["active_from"]), parse_period(org["active_to"])
    return (start is None or start <= period) and (end is None or period <= end)


def files_of(paths: list[Path], marker: str, period: Period | None = None) -> list[Path]:
    """Generated files whose name holds the marker (and the period's label)."""
    label = "" if period is None else period_label(period)
    return [p for p in paths if marker in p.name and p.name.startswith(label)]
