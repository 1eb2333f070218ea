"""generate(): the same seed gives the same bytes; several subdistricts; a registry that fits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flows.demo.generate import generate
from flows.demo.registry import EVALUATORS_FILE, write_registry
from flows.periods import Period
from flows.settings import Settings
from tests.demo.readback import files_of, read_csv, read_evaluations


@pytest.mark.parametrize("subdistricts", [1, 2], ids=["one-subdistrict", "two-subdistricts"])
def test_same_seed_gives_identical_bytes_and_another_seed_differs(
    tmp_path: Path, subdistricts: int
) -> None:
    def run(folder: str, seed: int) -> dict[str, bytes]:
        settings = Settings(home=tmp_path / folder)
        paths = generate(settings, [Period(2026, 1)], seed=seed, subdistricts=subdistricts)
        paths += sorted(settings.reference_dir.iterdir())
        return {p.name: p.read_bytes() for p in paths}

    first, again, other = run("a", 7), run("b", 7), run("c", 8)
    assert first == again
    assert first.keys() == other.keys()
    assert all(first[name] != other[name] for name in first)


def test_many_subdistricts_have_prefixed_consistent_ids(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    paths = generate(settings, [Period(2026, 1)], subdistricts=3)
    communities = read_csv(settings.reference_dir / "communities.csv")
    organisations = read_csv(settings.reference_dir / "organisations.csv")
    roster = read_csv(settings.reference_dir / EVALUATORS_FILE)
    assert len(communities) == 27
    assert len(organisations) == 3 * 86
    assert communities[0]["community_id"] == "S0001-C01"
    assert organisations[0]["org_id"] == "S0001-B01"
    assert len({c["name"] for c in communities}) == 27
    assert len({o["name"] for o in organisations}) == 3 * 86
    prefix = {c["community_id"]: c["community_id"][:5] for c in communities}
    for org in organisations:
        assert re.fullmatch(r"S000[123]-[BMETKU]\d{2}", org["org_id"])
        if org["community_id"]:
            assert prefix[org["community_id"]] == org["org_id"][:5]
    assert {r["community_id"] for r in roster} == set(prefix)
    assert sorted(p.name for p in paths) == sorted(
        f"2026年上半年_{what}_S000{n}.{ext}"
        for n in (1, 2, 3)
        for what, ext in (("代表评议", "csv"), ("听证恳谈走访记录", "csv"), ("党支部报表", "xlsx"))
    )
    names = {c["name"]: c["community_id"] for c in communities}
    for path in files_of(paths, "代表评议"):
        subdistrict = path.stem[-5:]
        known = [f["community"] for f in read_evaluations(path) if f["community"] in names | prefix]
        assert {names.get(c, c)[:5] for c in known} == {subdistrict}
        assert len(known) > 300


def test_a_half_year_outside_the_roster_is_generated_and_rostered(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    write_registry(settings.reference_dir, 2026)
    paths = generate(settings, [Period(2028, 2)])
    assert len(files_of(paths, "代表评议", Period(2028, 2))) == 9
    roster = read_csv(settings.reference_dir / EVALUATORS_FILE)
    assert {r["community_id"] for r in roster if r["period"] == "2028H2"} == {
        f"C0{n}" for n in range(1, 10)
    }


def test_a_registry_of_another_size_is_refused_untouched(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    write_registry(settings.reference_dir, 2026)
    roster = (settings.reference_dir / EVALUATORS_FILE).read_bytes()
    with pytest.raises(ValueError, match="subdistrict"):
        generate(settings, [Period(2030, 1)], subdistricts=2)
    assert (settings.reference_dir / EVALUATORS_FILE).read_bytes() == roster
    assert not settings.inbox_dir.exists()
    with pytest.raises(ValueError, match="at least 1"):
        generate(settings, [Period(2026, 1)], subdistricts=0)
