"""Branch reports: members as the seed counts them, about 90% taking part, a few missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.datasets import BRANCH_KINDS
from flows.demo.branch_reports import branch_members, branch_reports
from flows.demo.subdistrict import build_communities, build_organisations
from flows.periods import Period, parse_period
from flows.settings import Settings
from tests.demo.readback import FOUR_PERIODS, files_of, is_active, read_csv, read_reports

ORGANISATIONS = build_organisations(2026, build_communities(2026))


def test_members_add_up_to_the_seed_by_kind_of_branch() -> None:
    members = branch_members(2026, "", ORGANISATIONS)
    assert set(members) == {o.org_id for o in ORGANISATIONS if o.kind != "economic_committee"}

    def total(*kinds: str) -> int:
        return sum(members[o.org_id] for o in ORGANISATIONS if o.kind in kinds)

    # The seed: 1,240 in building branches, 280 in market and enterprise, 235 temporary.
    assert total("building_branch") == 1_240
    assert total("market_branch", "enterprise_branch") == 280
    assert total("temporary_branch") == 235
    units = [members[o.org_id] for o in ORGANISATIONS if o.kind == "unit_org"]
    assert all(40 <= n <= 200 for n in units)


def test_reports_are_of_active_organisations_with_the_period_written() -> None:
    period = Period(2025, 1)
    reports = branch_reports(2026, period, "", ORGANISATIONS)
    active = [o for o in ORGANISATIONS if o.is_active(period)]
    known = {o.org_id for o in active} | {o.name for o in active}
    assert {r["org"] for r in reports} <= known
    assert 1 <= len(active) - len(reports) <= 3
    assert {parse_period(r["period"]) for r in reports} == {period}
    assert len({r["period"] for r in reports}) == 1
    for report in reports:
        assert 0 <= report["members_participating"] <= report["members_total"]
        assert report["submitted_on"] > period.end


def test_branch_participation_is_near_the_seed(demo: tuple[Settings, list[Path]]) -> None:
    settings, paths = demo
    organisations = read_csv(settings.reference_dir / "organisations.csv")
    kind_of = {o["org_id"]: o["kind"] for o in organisations}
    kind_of |= {o["name"]: o["kind"] for o in organisations}
    id_of = {o["name"]: o["org_id"] for o in organisations} | {
        o["org_id"]: o["org_id"] for o in organisations
    }
    reports = [
        r for path in files_of(paths, "党支部") for r in read_reports(path) if r["org"] in kind_of
    ]
    branches = [r for r in reports if kind_of[r["org"]] in BRANCH_KINDS]
    share = sum(r["members_participating"] for r in branches) / sum(
        r["members_total"] for r in branches
    )
    assert 0.85 <= share <= 0.95
    units = [r for r in reports if kind_of[r["org"]] == "unit_org"]
    assert 0.6 <= sum(r["took_part"] == "是" for r in units) / len(units) <= 0.8
    assert all(r["took_part"] == "" for r in branches)
    members = {id_of[r["org"]]: r["members_total"] for r in branches}
    assert len(members) == 47
    assert sum(members.values()) == pytest.approx(1_755, rel=0.10)
    assert all(20 <= members[o] <= 60 for o in members if kind_of[o] == "building_branch")


@pytest.mark.parametrize("period", FOUR_PERIODS, ids=str)
def test_one_to_three_active_organisations_do_not_report(
    demo: tuple[Settings, list[Path]], period: Period
) -> None:
    settings, paths = demo
    organisations = read_csv(settings.reference_dir / "organisations.csv")
    reported = {r["org"] for r in read_reports(files_of(paths, "党支部", period)[0])}
    active = [o for o in organisations if is_active(o, period)]
    silent = [o for o in active if o["org_id"] not in reported and o["name"] not in reported]
    assert 1 <= len(silent) <= 3
    inactive = [o for o in organisations if o not in active]
    assert not [o for o in inactive if o["org_id"] in reported or o["name"] in reported]
