"""What the generator deals in: the registry's communities, organisations and rosters, and rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flows.periods import Period, parse_period

Row = dict[str, Any]


@dataclass(frozen=True)
class Community:
    """A community in the registry: id, name, households and residents."""

    community_id: str
    name: str
    households: int
    residents: int


@dataclass(frozen=True)
class Organisation:
    """A branch, the economic committee or a unit organisation in the registry."""

    org_id: str
    name: str
    kind: str
    community_id: str
    active_from: str = ""
    active_to: str = ""

    def is_active(self, period: Period) -> bool:
        """Whether the organisation exists in this half-year."""
        start = parse_period(self.active_from) if self.active_from else None
        end = parse_period(self.active_to) if self.active_to else None
        return (start is None or start <= period) and (end is None or period <= end)


@dataclass(frozen=True)
class Evaluator:
    """One person on a community's roster: name and role (Chinese label)."""

    name: str
    role: str


Roster = dict[str, list[Evaluator]]


@dataclass
class Registry:
    """Communities, organisations and the rosters of the requested half-years."""

    communities: list[Community]
    organisations: list[Organisation]
    rosters: dict[Period, Roster]


@dataclass
class Round:
    """One subdistrict's rows for one half-year, before writing: forms by community id."""

    forms: dict[str, list[Row]]
    hearings: list[Row]
    reports: list[Row]
