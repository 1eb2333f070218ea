"""The demo subdistrict: counts as the seed text gives them, ids and names unique at scale."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from flows.demo.subdistrict import build_communities, build_organisations, subdistrict_of


def test_communities_and_organisations_match_the_seed() -> None:
    communities = build_communities(2026)
    organisations = build_organisations(2026, communities)
    assert [c.community_id for c in communities] == [f"C{n:02d}" for n in range(1, 10)]
    assert all(c.name.endswith("社区") for c in communities)
    assert sum(c.households for c in communities) == pytest.approx(21_000, rel=0.05)
    assert sum(c.residents for c in communities) == pytest.approx(68_000, rel=0.05)
    assert Counter(o.kind for o in organisations) == {
        "building_branch": 31,
        "market_branch": 3,
        "enterprise_branch": 4,
        "temporary_branch": 9,
        "economic_committee": 1,
        "unit_org": 38,
    }
    per_community = Counter(o.community_id for o in organisations if o.kind == "building_branch")
    assert set(per_community) == {c.community_id for c in communities}
    assert set(per_community.values()) <= {3, 4}
    unit_partners = {o.community_id for o in organisations if o.kind == "unit_org"}
    assert unit_partners == set(per_community)
    subdistrict_level = [o for o in organisations if o.kind not in ("building_branch", "unit_org")]
    assert all(o.community_id == "" for o in subdistrict_level)
    assert any(o.active_from for o in organisations)
    assert any(o.active_to for o in organisations)


@pytest.mark.parametrize(
    ("identifier", "prefix"),
    [("S0001-C01", "S0001"), ("S0123-U38", "S0123"), ("C01", ""), ("B99", "")],
)
def test_subdistrict_of_reads_the_prefix(identifier: str, prefix: str) -> None:
    assert subdistrict_of(identifier) == prefix


def test_ids_carry_the_prefix_only_when_there_are_several_subdistricts() -> None:
    single = build_communities(2026)
    assert all(subdistrict_of(c.community_id) == "" for c in single)
    second = build_communities(2026, index=1, count=3)
    assert {subdistrict_of(c.community_id) for c in second} == {"S0002"}
    organisations = build_organisations(2026, second, index=1, count=3)
    assert all(re.fullmatch(r"S0002-[BMETKU]\d{2}", o.org_id) for o in organisations)
    assert all(o.community_id.startswith("S0002-") for o in organisations if o.community_id)


def test_names_stay_unique_past_every_place_name() -> None:
    # 37 stems x 15 suffixes = 555 place names; beyond that a number is added.
    count = 600
    names = [c.name for i in range(count) for c in build_communities(2026, i, count)]
    assert len(set(names)) == len(names) == 9 * count
