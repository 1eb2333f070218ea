"""The registry files: written as built, read back the same, rosters extended on demand."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from flows.demo.registry import (
    COMMUNITIES_FILE,
    EVALUATORS_FILE,
    ORGANISATIONS_FILE,
    ROSTER_PERIODS,
    check_registry_size,
    check_subdistricts,
    load_registry,
    read_communities,
    read_organisations,
    registry_present,
    write_registry,
)
from flows.demo.rosters import roster_after
from flows.demo.subdistrict import build_communities, build_organisations
from flows.periods import Period
from flows.settings import REPO_ROOT
from tests.demo.readback import read_csv


def test_committed_registry_is_the_generators_output(tmp_path: Path) -> None:
    write_registry(tmp_path, 2026)
    committed = REPO_ROOT / "data" / "reference"
    for name in (COMMUNITIES_FILE, ORGANISATIONS_FILE, EVALUATORS_FILE):
        assert (tmp_path / name).read_bytes() == (committed / name).read_bytes(), name


def test_the_registry_reads_back_as_it_was_built(tmp_path: Path) -> None:
    write_registry(tmp_path, 11, subdistricts=2)
    built = [build_communities(11, i, 2) for i in range(2)]
    assert read_communities(tmp_path) == built[0] + built[1]
    assert read_organisations(tmp_path) == [
        org for i in range(2) for org in build_organisations(11, built[i], i, 2)
    ]


def test_the_registry_is_present_only_with_all_three_files(tmp_path: Path) -> None:
    assert not registry_present(tmp_path)
    write_registry(tmp_path, 2026)
    assert registry_present(tmp_path)
    (tmp_path / EVALUATORS_FILE).unlink()
    assert not registry_present(tmp_path)


def test_loaded_rosters_are_those_of_the_file(tmp_path: Path) -> None:
    write_registry(tmp_path, 2026)
    before = (tmp_path / EVALUATORS_FILE).read_bytes()
    registry = load_registry(tmp_path, [Period(2026, 1)])
    assert (tmp_path / EVALUATORS_FILE).read_bytes() == before
    rows = [r for r in read_csv(tmp_path / EVALUATORS_FILE) if r["period"] == "2026H1"]
    loaded = registry.rosters[Period(2026, 1)]
    assert [(p.name, p.role) for people in loaded.values() for p in people] == [
        (r["evaluator"], r["role"]) for r in rows
    ]
    assert len(registry.communities) == 9
    assert len(registry.organisations) == 86


def test_roster_is_extended_for_a_period_outside_the_registry(tmp_path: Path) -> None:
    def run(folder: str) -> Path:
        reference_dir = tmp_path / folder
        write_registry(reference_dir, 2026)
        load_registry(reference_dir, [Period(2028, 2)], 2026)
        return reference_dir / EVALUATORS_FILE

    roster_path = run("a")
    assert roster_path.read_bytes() == run("b").read_bytes()
    write_registry(tmp_path / "plain", 2026)
    before = (tmp_path / "plain" / EVALUATORS_FILE).read_bytes()
    assert roster_path.read_bytes().startswith(before)
    roster = read_csv(roster_path)
    added = [r for r in roster if r["period"] == "2028H2"]
    sizes = Counter(r["community_id"] for r in added)
    assert len(sizes) == 9
    assert all(16 <= n <= 60 for n in sizes.values())
    latest = {(r["community_id"], r["evaluator"]) for r in roster if r["period"] == "2027H2"}
    assert len({(r["community_id"], r["evaluator"]) for r in added} & latest) > 0.7 * len(added)


def test_a_half_year_before_the_roster_grows_from_the_earliest(tmp_path: Path) -> None:
    write_registry(tmp_path, 2026)
    earliest = load_registry(tmp_path, [ROSTER_PERIODS[0]]).rosters[ROSTER_PERIODS[0]]
    earlier = Period(2023, 1)
    extended = load_registry(tmp_path, [earlier]).rosters[earlier]
    assert extended == {
        cid: roster_after(2026, cid, earlier, people) for cid, people in earliest.items()
    }


def test_a_subdistrict_count_below_one_is_refused() -> None:
    check_subdistricts(1)
    with pytest.raises(ValueError, match="at least 1"):
        check_subdistricts(0)


def test_a_registry_of_another_size_is_refused(tmp_path: Path) -> None:
    write_registry(tmp_path, 2026, subdistricts=2)
    check_registry_size(tmp_path, 2)
    with pytest.raises(ValueError, match="subdistrict"):
        check_registry_size(tmp_path, 1)
