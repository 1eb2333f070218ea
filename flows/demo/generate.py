"""The demo's input files for some half-years: rows from the registry, a few spoiled, written out.

:func:`generate` is what ``minyi demo``, ``minyi generate``, the tests and the benchmarks call.
For each half-year and subdistrict it collects the rows organizers would receive
(:mod:`~flows.demo.evaluations`, :mod:`~flows.demo.hearings`, :mod:`~flows.demo.branch_reports`),
spoils a few on purpose (:mod:`~flows.demo.spoil`) and writes the files
(:mod:`~flows.demo.submissions`). Everything is drawn from seeded generators, so the same seed
gives byte-identical files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from flows.demo.branch_reports import branch_reports
from flows.demo.entities import Community, Organisation, Roster, Round
from flows.demo.evaluations import evaluation_forms
from flows.demo.hearings import hearing_records
from flows.demo.registry import (
    check_registry_size,
    check_subdistricts,
    load_registry,
    registry_present,
    write_registry,
)
from flows.demo.spoil import spoil_round
from flows.demo.subdistrict import subdistrict_of
from flows.demo.submissions import write_per_community, write_per_subdistrict
from flows.periods import Period
from flows.settings import Settings

# subdistrict_of is imported from here by callers that already import generate.
__all__ = ["collect_round", "generate", "subdistrict_of"]

_Item = TypeVar("_Item")


def _grouped(items: Iterable[_Item], key_of: Callable[[_Item], str]) -> dict[str, list[_Item]]:
    """Items grouped by the subdistrict prefix of their id, in order."""
    groups: dict[str, list[_Item]] = {}
    for item in items:
        groups.setdefault(subdistrict_of(key_of(item)), []).append(item)
    return groups


def collect_round(
    seed: int,
    period: Period,
    prefix: str,
    communities: list[Community],
    organisations: list[Organisation],
    roster: Roster,
) -> Round:
    """Every row one subdistrict's organizers collect for one half-year."""
    forms = {
        c.community_id: evaluation_forms(seed, period, c, roster.get(c.community_id, []))
        for c in communities
    }
    hearings = [record for c in communities for record in hearing_records(seed, period, c)]
    return Round(forms, hearings, branch_reports(seed, period, prefix, organisations))


def generate(
    settings: Settings,
    periods: list[Period],
    *,
    seed: int = 2026,
    out_dir: Path | None = None,
    subdistricts: int = 1,
    bad_rows: bool = True,
) -> list[Path]:
    """Write the input files of these half-years from the registry; return their paths."""
    check_subdistricts(subdistricts)
    reference_dir = settings.reference_dir
    if not registry_present(reference_dir):
        write_registry(reference_dir, seed, subdistricts)
    check_registry_size(reference_dir, subdistricts)
    registry = load_registry(reference_dir, periods, seed)
    target = out_dir or settings.inbox_dir
    target.mkdir(parents=True, exist_ok=True)
    communities = _grouped(registry.communities, lambda c: c.community_id)
    organisations = _grouped(registry.organisations, lambda o: o.org_id)
    known_names = {c.name for c in registry.communities}
    written: list[Path] = []
    for period in sorted(set(periods)):
        for prefix, local in communities.items():
            round_ = collect_round(
                seed, period, prefix, local, organisations.get(prefix, []), registry.rosters[period]
            )
            if bad_rows:
                spoil_round(seed, period, prefix, round_, known_names)
            if subdistricts == 1:
                written += write_per_community(target, period, local, round_)
            else:
                written += write_per_subdistrict(target, period, prefix, round_)
    return written
