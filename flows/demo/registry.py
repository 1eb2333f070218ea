"""The demo registry's files in MINYI_HOME/reference: writing, reading and extending them.

``communities.csv``, ``organisations.csv`` and ``evaluators.csv`` (UTF-8, Unix line ends) hold
what :mod:`flows.demo.subdistrict` and :mod:`flows.demo.rosters` build. A half-year the roster
file does not cover is appended on demand, grown from the nearest earlier roster.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Final

from flows.demo.entities import Community, Evaluator, Organisation, Registry, Roster
from flows.demo.rosters import roster_after
from flows.demo.subdistrict import build_communities, build_organisations, subdistrict_of
from flows.messages import both
from flows.periods import Period, parse_period

COMMUNITIES_FILE: Final = "communities.csv"
ORGANISATIONS_FILE: Final = "organisations.csv"
EVALUATORS_FILE: Final = "evaluators.csv"
COMMUNITY_FIELDS: Final = ("community_id", "name", "households", "residents")
ORGANISATION_FIELDS: Final = ("org_id", "name", "kind", "community_id", "active_from", "active_to")
EVALUATOR_FIELDS: Final = ("period", "evaluator", "role", "community_id")

# The half-years the committed roster covers; other periods are appended on demand.
ROSTER_PERIODS: Final[tuple[Period, ...]] = tuple(
    Period(year, half) for year in (2024, 2025, 2026, 2027) for half in (1, 2)
)


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """A UTF-8 registry CSV with a header row and Unix line ends."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _roster_rows(period: Period, roster: Roster) -> Iterator[tuple[str, str, str, str]]:
    """Rows of evaluators.csv for one half-year."""
    for community_id, people in roster.items():
        for person in people:
            yield str(period), person.name, person.role, community_id


def write_registry(
    reference_dir: Path,
    seed: int = 2026,
    subdistricts: int = 1,
    periods: Sequence[Period] = ROSTER_PERIODS,
) -> list[Path]:
    """Write communities.csv, organisations.csv and evaluators.csv for N seed-like subdistricts."""
    check_subdistricts(subdistricts)
    reference_dir.mkdir(parents=True, exist_ok=True)
    communities: list[Community] = []
    organisations: list[Organisation] = []
    for index in range(subdistricts):
        local = build_communities(seed, index, subdistricts)
        communities += local
        organisations += build_organisations(seed, local, index, subdistricts)
    written = [
        _write_csv(
            reference_dir / COMMUNITIES_FILE,
            COMMUNITY_FIELDS,
            ((c.community_id, c.name, c.households, c.residents) for c in communities),
        ),
        _write_csv(
            reference_dir / ORGANISATIONS_FILE,
            ORGANISATION_FIELDS,
            (
                (o.org_id, o.name, o.kind, o.community_id, o.active_from, o.active_to)
                for o in organisations
            ),
        ),
    ]
    written.append(_write_rosters(reference_dir / EVALUATORS_FILE, seed, communities, periods))
    return written


def _write_rosters(
    path: Path, seed: int, communities: list[Community], periods: Sequence[Period]
) -> Path:
    """evaluators.csv for consecutive half-years, each roster grown from the one before."""
    roster: Roster = {c.community_id: [] for c in communities}
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(EVALUATOR_FIELDS)
        for period in sorted(periods):
            roster = {
                cid: roster_after(seed, cid, period, people) for cid, people in roster.items()
            }
            writer.writerows(_roster_rows(period, roster))
    return path


def check_subdistricts(subdistricts: int) -> None:
    """Refuse a subdistrict count below one."""
    if subdistricts < 1:
        raise ValueError(both("generate_subdistricts_invalid", count=subdistricts))


def check_registry_size(reference_dir: Path, subdistricts: int) -> None:
    """Refuse to generate N subdistricts' files from a registry of another size."""
    found = len({subdistrict_of(c.community_id) for c in read_communities(reference_dir)})
    if found != subdistricts:
        raise ValueError(
            both("generate_registry_mismatch", found=found, wanted=subdistricts, path=reference_dir)
        )


def registry_present(reference_dir: Path) -> bool:
    """Whether the three registry files exist."""
    names = (COMMUNITIES_FILE, ORGANISATIONS_FILE, EVALUATORS_FILE)
    return all((reference_dir / name).is_file() for name in names)


def _read_csv(path: Path) -> Iterator[dict[str, str]]:
    """Rows of a registry CSV as dicts of text."""
    with path.open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def read_communities(reference_dir: Path) -> list[Community]:
    """The communities of the registry."""
    return [
        Community(r["community_id"], r["name"], int(r["households"]), int(r["residents"]))
        for r in _read_csv(reference_dir / COMMUNITIES_FILE)
    ]


def read_organisations(reference_dir: Path) -> list[Organisation]:
    """The organisations of the registry."""
    return [
        Organisation(
            r["org_id"], r["name"], r["kind"], r["community_id"], r["active_from"], r["active_to"]
        )
        for r in _read_csv(reference_dir / ORGANISATIONS_FILE)
    ]


def _read_rosters(
    path: Path, periods: Iterable[Period]
) -> tuple[list[Period], dict[Period, Roster]]:
    """Every half-year evaluators.csv covers, and the rosters of some of them by community."""
    wanted = {str(p): p for p in periods}
    rosters: dict[Period, Roster] = {p: {} for p in wanted.values()}
    present: dict[str, None] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh)
        position = {name: i for i, name in enumerate(next(rows))}
        at_period, at_name, at_role, at_community = (position[f] for f in EVALUATOR_FIELDS)
        for row in rows:
            present[row[at_period]] = None
            period = wanted.get(row[at_period])
            if period is not None:
                people = rosters[period].setdefault(row[at_community], [])
                people.append(Evaluator(row[at_name], row[at_role]))
    covered = sorted(p for p in map(parse_period, present) if p is not None)
    return covered, {p: r for p, r in rosters.items() if p in covered}


def _base_period(period: Period, present: list[Period]) -> Period | None:
    """The roster a missing half-year grows from: the latest before it, else the earliest."""
    before = [p for p in present if p < period]
    return max(before) if before else (min(present) if present else None)


def ensure_rosters(
    reference_dir: Path, periods: Iterable[Period], communities: list[Community], seed: int
) -> dict[Period, Roster]:
    """The rosters of the requested half-years, appending to evaluators.csv those it lacks."""
    path = reference_dir / EVALUATORS_FILE
    requested = sorted(set(periods))
    present, rosters = _read_rosters(path, requested)
    missing = [p for p in requested if p not in present]
    bases = {b for p in missing if (b := _base_period(p, present)) is not None} - set(rosters)
    if bases:
        rosters |= _read_rosters(path, bases)[1]
    for period in missing:
        base_period = _base_period(period, present)
        base = rosters[base_period] if base_period is not None else {}
        roster = {
            c.community_id: roster_after(seed, c.community_id, period, base.get(c.community_id, []))
            for c in communities
        }
        _append_roster(path, period, roster)
        rosters[period] = roster
        present = sorted([*present, period])
    return {p: rosters[p] for p in requested}


def _append_roster(path: Path, period: Period, roster: Roster) -> None:
    """Append one half-year's roster rows to evaluators.csv."""
    with path.open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(_roster_rows(period, roster))


def load_registry(reference_dir: Path, periods: Iterable[Period], seed: int = 2026) -> Registry:
    """Communities, organisations and the rosters of these half-years (extended if needed)."""
    communities = read_communities(reference_dir)
    rosters = ensure_rosters(reference_dir, periods, communities, seed)
    return Registry(communities, read_organisations(reference_dir), rosters)
