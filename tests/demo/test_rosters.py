"""Rosters: 16 to 60 synthetic people per community, mostly the same from one half-year on."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from flows.datasets import ROLES
from flows.demo.registry import EVALUATORS_FILE, ROSTER_PERIODS, write_registry
from flows.demo.rosters import fresh_roster, roster_after
from flows.periods import Period
from tests.demo.readback import read_csv


@pytest.mark.parametrize("community_id", ["C01", "C09", "S0042-C03"])
def test_a_fresh_roster_is_sized_and_mostly_residents(community_id: str) -> None:
    roster = fresh_roster(2026, community_id)
    roles = Counter(person.role for person in roster)
    assert 16 <= len(roster) <= 60
    assert set(roles) <= set(ROLES)
    assert 1 <= roles["人大代表"] <= 3
    assert 1 <= roles["政协委员"] <= 2
    assert roles["居民代表"] > len(roster) / 2
    assert len({person.name for person in roster}) == len(roster)
    assert fresh_roster(2026, community_id) == roster


def test_a_roster_without_a_predecessor_starts_fresh() -> None:
    assert roster_after(2026, "C01", Period(2030, 1), []) == fresh_roster(2026, "C01")


@pytest.mark.parametrize("community_id", ["C01", "C05", "C09"])
def test_a_grown_roster_replaces_a_few_people_in_their_role(community_id: str) -> None:
    previous = fresh_roster(2026, community_id)
    for half_year in (Period(2026, 1), Period(2026, 2), Period(2027, 1)):
        roster = roster_after(2026, community_id, half_year, previous)
        assert abs(len(roster) - len(previous)) <= 2
        assert 16 <= len(roster) <= 60
        assert len({p.name for p in roster}) == len(roster)
        for before, after in zip(previous, roster, strict=False):
            assert after.role == before.role
            assert after == before or after.name not in {p.name for p in previous}
        assert all(p.role == "居民代表" for p in roster[len(previous) :])
        kept = {p.name for p in roster} & {p.name for p in previous}
        assert len(kept) > len(previous) / 2


def test_rosters_are_sized_named_and_stable(tmp_path: Path) -> None:
    write_registry(tmp_path, 2026)
    roster = read_csv(tmp_path / EVALUATORS_FILE)
    assert sorted({r["period"] for r in roster}) == [str(p) for p in ROSTER_PERIODS]
    assert {r["role"] for r in roster} <= set(ROLES)
    names = Counter((r["period"], r["community_id"], r["evaluator"]) for r in roster)
    assert max(names.values()) == 1
    sizes = Counter((r["period"], r["community_id"]) for r in roster)
    assert all(16 <= size <= 60 for size in sizes.values())
    first = {(r["community_id"], r["evaluator"]) for r in roster if r["period"] == "2024H1"}
    second = {(r["community_id"], r["evaluator"]) for r in roster if r["period"] == "2024H2"}
    assert len(first & second) / len(first) > 0.8
