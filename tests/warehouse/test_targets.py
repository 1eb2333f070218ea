"""How far each figure is from its target, totals that reconcile, like divided by like, and
the evaluators' roster codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.warehouse.test_metrics import BRANCH_KINDS_AND_OTHERS, branch_report, verdicts
from tests.warehouse_fixtures import insert_rows, make_warehouse, rows_as_dicts


@pytest.fixture
def warehouse(tmp_path: Path):
    """An empty warehouse with the default settings (98%, 90%, 70%)."""
    con = make_warehouse(tmp_path)
    yield con
    con.close()


@pytest.mark.parametrize(
    ("satisfied", "responses", "short"),
    # 98% of 50 is 49; of 40, 39.2 -> 40; of 100 met already at 98.
    [(45, 50, 4), (49, 50, 0), (38, 40, 2), (98, 100, 0), (50, 50, 0), (0, 12, 12)],
    ids=["45-of-50", "49-of-50-exact", "38-of-40-ceil", "98-of-100", "all", "none-of-12"],
)
def test_satisfaction_short_of_target(warehouse, satisfied, responses, short):
    insert_rows(warehouse, "core.evaluations", verdicts(satisfied, responses))
    (row,) = rows_as_dicts(
        warehouse,
        "select short_of_target, rate, verdict from metrics.satisfaction where community_id = "
        "'C1' and role is null and definition = 'top2'",
    )
    assert row["short_of_target"] == short
    assert (row["short_of_target"] == 0) == (row["verdict"] == "meets")


def _members(warehouse) -> None:
    insert_rows(warehouse, "ref.organisations", BRANCH_KINDS_AND_OTHERS)
    insert_rows(
        warehouse,
        "core.branch_reports",
        [
            branch_report("B1", 20, 18),
            branch_report("B2", 10, 9),
            branch_report("M1", 30, 24),
            branch_report("T1", 5, 5),  # directly under the subdistrict: no community
            branch_report("E1", 100, 50),
            branch_report("U1", 40, 10, took_part=True),
        ],
    )


def test_member_total_is_the_communities_plus_what_is_outside_them(warehouse):
    _members(warehouse)
    rows = rows_as_dicts(
        warehouse,
        "select * from metrics.member_participation where period = '2026H1' "
        "order by community_id nulls last",
    )
    communities, total = rows[:-1], rows[-1]
    assert total["community_id"] is None
    # C1: 30 members, 27 taking part; C2: 30, 24; T1 outside any community: 5, 5.
    assert (total["branches_outside_communities"], total["members_total_outside_communities"]) == (
        1,
        5,
    )
    for column in ("members_total", "members_participating"):
        outside = total[f"{column}_outside_communities"]
        assert total[column] == sum(r[column] for r in communities) + outside
    assert all(r["members_total_outside_communities"] == 0 for r in communities)
    # 90% of 30 is 27: C1 meets it, C2 needs 3 more; all: 90% of 65 = 58.5 -> 59 - 56 = 3.
    assert [r["short_of_target"] for r in rows] == [0, 3, 3]


def test_unit_figures_divide_organisations_by_organisations(warehouse):
    _members(warehouse)
    insert_rows(
        warehouse,
        "ref.organisations",
        [
            {"org_id": f"U{n}", "name": f"单位{n}", "kind": "unit_org", "community_id": "C2"}
            for n in range(2, 6)
        ],
    )
    insert_rows(warehouse, "core.branch_reports", [branch_report("U2", 8, 1, took_part=True)])
    (units,) = rows_as_dicts(
        warehouse,
        "select * from metrics.participation_by_org_kind where org_kind = 'unit_org'",
    )
    # Five unit organisations registered, two took part: 2 / 5, not members 11 / 48.
    assert (units["measure"], units["numerator"], units["denominator"]) == ("organisations", 2, 5)
    assert units["rate"] == pytest.approx(0.4)
    # 70% of 5 is 3.5 -> 4 organisations: 2 more.
    assert units["short_of_target"] == 2
    (unit_row,) = rows_as_dicts(warehouse, "select * from metrics.unit_participation")
    assert (unit_row["orgs_took_part"], unit_row["orgs_registered"]) == (2, 5)
    assert unit_row["short_of_target"] == 2
    (branches,) = rows_as_dicts(
        warehouse,
        "select * from metrics.participation_by_org_kind where org_kind = 'building_branch'",
    )
    assert (branches["measure"], branches["numerator"], branches["denominator"]) == (
        "members",
        27,
        30,
    )


def test_evaluator_codes_are_stable_when_a_later_round_adds_evaluators(warehouse):
    first = [
        {"period": "2026H1", "evaluator_key": key, "role": "resident_rep", "community_id": "C3"}
        for key in ("ev_b", "ev_a", "ev_c")
    ] + [{"period": "2026H1", "evaluator_key": "ev_d", "role": "deputy", "community_id": "C3"}]
    insert_rows(warehouse, "ref.evaluators", first)
    codes = "select evaluator_key, code from ref.evaluator_codes"
    before = dict(warehouse.execute(codes).fetchall())
    assert before == {"ev_a": "C3-R001", "ev_b": "C3-R002", "ev_c": "C3-R003", "ev_d": "C3-D001"}
    # The next round: ev_b leaves, ev_0 (sorting first by key) joins; earlier codes stay.
    insert_rows(
        warehouse,
        "ref.evaluators",
        [
            {"period": "2026H2", "evaluator_key": k, "role": "resident_rep", "community_id": "C3"}
            for k in ("ev_a", "ev_c", "ev_0")
        ],
    )
    after = dict(warehouse.execute(codes).fetchall())
    assert {k: after[k] for k in before} == before
    assert after["ev_0"] == "C3-R004"
