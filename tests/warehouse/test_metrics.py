"""The metric views in sql/metrics, checked against numbers worked out by hand or by statsmodels."""

from __future__ import annotations

import statistics
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from statsmodels.stats.proportion import proportion_confint

from tests.warehouse_fixtures import evaluation, insert_rows, make_warehouse, rows_as_dicts

BRANCH_KINDS_AND_OTHERS = [
    {"org_id": "B1", "name": "一号楼院党支部", "kind": "building_branch", "community_id": "C1"},
    {"org_id": "B2", "name": "二号楼院党支部", "kind": "building_branch", "community_id": "C1"},
    {"org_id": "M1", "name": "农贸市场党支部", "kind": "market_branch", "community_id": "C2"},
    {
        "org_id": "T1",
        "name": "流动党员临时党支部",
        "kind": "temporary_branch",
        "community_id": None,
    },
    {"org_id": "E1", "name": "综合经济党委", "kind": "economic_committee", "community_id": None},
    {"org_id": "U1", "name": "市档案局机关党委", "kind": "unit_org", "community_id": "C1"},
]


@pytest.fixture
def warehouse(tmp_path: Path):
    """An empty warehouse with the default settings (target 98%, top2, 10 responses, 15 days)."""
    con = make_warehouse(tmp_path)
    yield con
    con.close()


def one_row(con: duckdb.DuckDBPyConnection, query: str, params: list[Any]) -> dict[str, Any]:
    """The single row ``query`` returns, failing the test when there are none or several."""
    rows = rows_as_dicts(con, query, params)
    assert len(rows) == 1, rows
    return rows[0]


def satisfaction(
    con: duckdb.DuckDBPyConnection,
    *,
    period: str = "2026H1",
    community_id: str | None = None,
    role: str | None = None,
    definition: str = "top2",
) -> dict[str, Any]:
    """One cell of metrics.satisfaction; NULL community or role means the rollup over it."""
    return one_row(
        con,
        "select * from metrics.satisfaction where period = ? and definition = ?"
        " and community_id is not distinct from ? and role is not distinct from ?",
        [period, definition, community_id, role],
    )


def verdicts(satisfied: int, responses: int) -> list[dict[str, Any]]:
    """``responses`` forms for community C1, of which ``satisfied`` say 满意, the rest 不满意."""
    return [
        evaluation("C1", "satisfied" if i < satisfied else "dissatisfied") for i in range(responses)
    ]


# --- satisfaction ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("satisfied", "responses"),
    [(25, 25), (0, 12), (1, 1), (47, 48), (30, 40)],
    ids=["all-25-of-25", "none-0-of-12", "single-1-of-1", "typical-47-of-48", "30-of-40"],
)
def test_satisfaction_wilson_interval_matches_statsmodels(warehouse, satisfied, responses):
    insert_rows(warehouse, "core.evaluations", verdicts(satisfied, responses))
    low, high = proportion_confint(satisfied, responses, alpha=0.05, method="wilson")

    for community_id in ("C1", None):
        row = satisfaction(warehouse, community_id=community_id, role=None)
        assert row["responses"] == responses
        assert row["rate"] == pytest.approx(satisfied / responses, abs=1e-12)
        assert row["ci_low"] == pytest.approx(low, abs=1e-12)
        assert row["ci_high"] == pytest.approx(high, abs=1e-12)
        assert 0.0 <= row["ci_low"] <= row["rate"] <= row["ci_high"] <= 1.0


@pytest.mark.parametrize(
    ("satisfied", "responses", "bound", "exact"),
    [(25, 25, "ci_high", 1.0), (1, 1, "ci_high", 1.0), (0, 12, "ci_low", 0.0)],
    ids=["all-satisfied-high-is-1", "one-of-one-high-is-1", "none-satisfied-low-is-0"],
)
def test_satisfaction_interval_is_exact_at_the_bounds(
    warehouse, satisfied, responses, bound, exact
):
    insert_rows(warehouse, "core.evaluations", verdicts(satisfied, responses))
    assert satisfaction(warehouse)[bound] == exact


def test_satisfaction_top2_counts_basically_satisfied_and_top1_does_not(warehouse):
    insert_rows(
        warehouse,
        "core.evaluations",
        [evaluation("C1", "satisfied")] * 6
        + [evaluation("C1", "basically_satisfied")] * 3
        + [evaluation("C1", "dissatisfied")],
    )
    top2 = satisfaction(warehouse, community_id="C1", role="deputy", definition="top2")
    top1 = satisfaction(warehouse, community_id="C1", role="deputy", definition="top1")

    for row in (top2, top1):
        assert (row["satisfied"], row["basically_satisfied"], row["dissatisfied"]) == (6, 3, 1)
        assert row["responses"] == 10
    assert top2["rate"] == pytest.approx(9 / 10)
    assert top1["rate"] == pytest.approx(6 / 10)
    assert top1["ci_high"] == pytest.approx(
        proportion_confint(6, 10, alpha=0.05, method="wilson")[1]
    )
    assert (top2["is_headline"], top1["is_headline"]) == (True, False)


def test_satisfaction_headline_follows_the_configured_definition(tmp_path):
    con = make_warehouse(tmp_path, satisfaction_definition="top1")
    insert_rows(con, "core.evaluations", verdicts(3, 4))
    headline = rows_as_dicts(con, "select definition from metrics.satisfaction where is_headline")
    assert {row["definition"] for row in headline} == {"top1"}
    con.close()


@pytest.mark.parametrize(
    ("satisfied", "responses", "expected"),
    [
        (49, 50, "meets"),
        (25, 25, "meets"),
        (47, 48, "borderline"),
        (9, 10, "borderline"),
        (40, 50, "below"),
        (44, 48, "below"),
    ],
    ids=[
        "meets-exactly-98pct",
        "meets-all-satisfied",
        "borderline-47-of-48-ci-high-99.6pct",
        "borderline-9-of-10-ci-high-98.2pct",
        "below-40-of-50-ci-high-88.8pct",
        "below-44-of-48-ci-high-96.7pct",
    ],
)
def test_satisfaction_verdict_against_the_98pct_target(warehouse, satisfied, responses, expected):
    insert_rows(warehouse, "core.evaluations", verdicts(satisfied, responses))
    row = satisfaction(warehouse)
    assert row["target"] == 0.98
    assert row["verdict"] == expected


@pytest.mark.parametrize(
    ("responses", "small"),
    [(1, True), (9, True), (10, False), (11, False)],
    ids=["1-form", "9-forms-below-minimum", "10-forms-at-minimum", "11-forms"],
)
def test_satisfaction_flags_small_samples_below_min_responses(warehouse, responses, small):
    insert_rows(warehouse, "core.evaluations", verdicts(responses, responses))
    assert satisfaction(warehouse)["small_sample"] is small


def test_satisfaction_compares_with_the_previous_half_year_across_new_year(warehouse):
    insert_rows(
        warehouse,
        "core.evaluations",
        [evaluation("C1", "satisfied", period="2025H2", role="deputy")] * 3
        + [evaluation("C1", "dissatisfied", period="2025H2", role="deputy")]
        + [evaluation("C2", "satisfied", period="2025H2", role="resident_rep")]
        + [evaluation("C2", "basically_satisfied", period="2025H2", role="resident_rep")]
        + [evaluation("C1", "satisfied", period="2026H1", role="deputy")] * 2
        + [evaluation("C2", "satisfied", period="2026H1", role="resident_rep")] * 2
        + [evaluation("C1", "satisfied", period="2026H1", role="cppcc_member")],
    )
    cases = [
        # community, role, definition, rate in 2025H2 (None: no such cell then)
        ("C1", "deputy", "top2", 3 / 4),
        ("C1", None, "top2", 3 / 4),
        ("C2", "resident_rep", "top2", 2 / 2),
        ("C2", "resident_rep", "top1", 1 / 2),
        (None, "deputy", "top1", 3 / 4),
        (None, None, "top2", 5 / 6),
        (None, None, "top1", 4 / 6),
        ("C1", "cppcc_member", "top2", None),
        (None, "cppcc_member", "top2", None),
    ]
    for community_id, role, definition, previous in cases:
        row = satisfaction(warehouse, community_id=community_id, role=role, definition=definition)
        assert row["rate_previous"] == pytest.approx(previous), (community_id, role, definition)

    earlier = rows_as_dicts(
        warehouse, "select rate_previous from metrics.satisfaction where period = '2025H2'"
    )
    assert earlier
    assert all(row["rate_previous"] is None for row in earlier)


def test_satisfaction_ignores_superseded_rows(warehouse):
    insert_rows(
        warehouse,
        "core.evaluations",
        [evaluation("C1", "dissatisfied", superseded_by="b" * 64)] * 3
        + [evaluation("C1", "satisfied")] * 2,
    )
    row = satisfaction(warehouse)
    assert (row["responses"], row["dissatisfied"], row["rate"]) == (2, 0, 1.0)


def test_satisfaction_has_every_grouping_set_and_both_definitions(warehouse):
    insert_rows(
        warehouse,
        "core.evaluations",
        [
            evaluation("C1", "satisfied", role="deputy"),
            evaluation("C1", "satisfied", role="resident_rep"),
            evaluation("C2", "dissatisfied", role="deputy"),
        ],
    )
    rows = rows_as_dicts(
        warehouse, "select community_id, role, definition, responses from metrics.satisfaction"
    )
    cells = {(r["community_id"], r["role"]) for r in rows}
    assert cells == {
        ("C1", "deputy"),
        ("C1", "resident_rep"),
        ("C2", "deputy"),
        ("C1", None),
        ("C2", None),
        (None, "deputy"),
        (None, "resident_rep"),
        (None, None),
    }
    assert len(rows) == 2 * len(cells)
    assert {r["definition"] for r in rows} == {"top1", "top2"}
    assert min(r["responses"] for r in rows) >= 1


# --- item scores -------------------------------------------------------------------------------

C1_RATINGS = {"service_attitude": [5, 4, 3], "efficiency": [5, None, 4], "openness": [2, 2, 5]}
C2_RATINGS = {"service_attitude": [1, 5], "efficiency": [None, None], "openness": [4, None]}


def rated(community_id: str, ratings: dict[str, list[int | None]]) -> list[dict[str, Any]]:
    """One evaluation per position in the rating lists, with those item ratings."""
    count = len(next(iter(ratings.values())))
    return [
        evaluation(
            community_id, "satisfied", **{item: values[i] for item, values in ratings.items()}
        )
        for i in range(count)
    ]


@pytest.mark.parametrize(
    ("community_id", "item", "values"),
    [
        ("C1", "service_attitude", [5, 4, 3]),
        ("C1", "efficiency", [5, 4]),
        ("C1", "openness", [2, 2, 5]),
        ("C2", "service_attitude", [1, 5]),
        (None, "service_attitude", [5, 4, 3, 1, 5]),
        (None, "efficiency", [5, 4]),
        (None, "openness", [2, 2, 5, 4]),
    ],
    ids=[
        "C1-attitude",
        "C1-efficiency-blank-skipped",
        "C1-openness",
        "C2-attitude",
        "all-attitude",
        "all-efficiency",
        "all-openness",
    ],
)
def test_item_scores_mean_and_sample_sd(warehouse, community_id, item, values):
    insert_rows(warehouse, "core.evaluations", rated("C1", C1_RATINGS) + rated("C2", C2_RATINGS))
    row = one_row(
        warehouse,
        "select * from metrics.item_scores"
        " where period = '2026H1' and item = ? and community_id is not distinct from ?",
        [item, community_id],
    )
    assert row["responses"] == len(values)
    assert row["mean"] == pytest.approx(statistics.mean(values))
    assert row["sd"] == pytest.approx(statistics.stdev(values))


def test_item_scores_single_rating_has_no_sd_and_blank_items_no_row(warehouse):
    insert_rows(warehouse, "core.evaluations", rated("C1", C1_RATINGS) + rated("C2", C2_RATINGS))
    rows = rows_as_dicts(
        warehouse, "select * from metrics.item_scores where community_id = 'C2' order by item"
    )
    by_item = {row["item"]: row for row in rows}
    assert set(by_item) == {"service_attitude", "openness"}
    assert (by_item["openness"]["responses"], by_item["openness"]["mean"]) == (1, 4.0)
    assert by_item["openness"]["sd"] is None


# --- member participation ----------------------------------------------------------------------


def branch_report(org_id: str, total: int, participating: int, **columns: Any) -> dict[str, Any]:
    """One core.branch_reports row for 2026H1 unless another period is given."""
    return {
        "period": "2026H1",
        "org_id": org_id,
        "members_total": total,
        "members_participating": participating,
        "submitted_on": date(2026, 7, 3),
        **columns,
    }


@pytest.fixture
def member_reports(warehouse):
    """Reports from party branches, the economic committee and a unit organisation."""
    insert_rows(warehouse, "ref.organisations", BRANCH_KINDS_AND_OTHERS)
    insert_rows(
        warehouse,
        "core.branch_reports",
        [
            branch_report("B1", 20, 18),
            branch_report("B1", 20, 2, superseded_by="c" * 64),
            # Two current reports for B2: the later submission counts.
            branch_report("B2", 10, 1, submitted_on=date(2026, 7, 1)),
            branch_report("B2", 10, 9, submitted_on=date(2026, 7, 2)),
            branch_report("M1", 30, 24),
            branch_report("T1", 5, 5),
            branch_report("E1", 100, 50),
            branch_report("U1", 40, 10, took_part=True),
        ],
    )
    return warehouse


@pytest.mark.parametrize(
    ("community_id", "total", "participating", "meets"),
    [("C1", 30, 27, True), ("C2", 30, 24, False), (None, 65, 56, False)],
    ids=["C1-27-of-30-meets-90pct", "C2-24-of-30-below", "all-incl-subdistrict-branch"],
)
def test_member_participation_counts_party_branches_only(
    member_reports, community_id, total, participating, meets
):
    row = one_row(
        member_reports,
        "select * from metrics.member_participation"
        " where period = '2026H1' and community_id is not distinct from ?",
        [community_id],
    )
    assert (row["members_total"], row["members_participating"]) == (total, participating)
    assert row["rate"] == pytest.approx(participating / total)
    assert row["target"] == 0.90
    assert row["meets_target"] is meets


def test_member_participation_has_one_all_communities_row(member_reports):
    rows = rows_as_dicts(member_reports, "select community_id from metrics.member_participation")
    assert sorted(rows, key=lambda r: str(r["community_id"])) == [
        {"community_id": "C1"},
        {"community_id": "C2"},
        {"community_id": None},
    ]


# --- unit participation ------------------------------------------------------------------------


def test_unit_participation_counts_active_unit_organisations(warehouse):
    insert_rows(
        warehouse,
        "ref.organisations",
        [
            {"org_id": "U1", "name": "市档案局", "kind": "unit_org", "community_id": "C1"},
            {
                "org_id": "U2",
                "name": "市图书馆",
                "kind": "unit_org",
                "community_id": "C1",
                "active_from": "2026H1",
            },
            {
                "org_id": "U3",
                "name": "已撤销单位",
                "kind": "unit_org",
                "community_id": "C2",
                "active_to": "2025H2",
            },
            {"org_id": "U4", "name": "市税务局", "kind": "unit_org", "community_id": "C2"},
            {
                "org_id": "B1",
                "name": "一号楼院党支部",
                "kind": "building_branch",
                "community_id": "C1",
            },
        ],
    )
    insert_rows(
        warehouse,
        "core.branch_reports",
        [
            branch_report("U1", 10, 5, period="2025H2", took_part=True),
            branch_report("U3", 10, 5, period="2025H2", took_part=True),
            branch_report("U4", 10, 5, period="2025H2", took_part=True),
            branch_report("U1", 10, 5, took_part=True),
            branch_report("U2", 10, 0, took_part=False),
            # U3 closed in 2025H2: its 2026H1 report counts neither way.
            branch_report("U3", 10, 5, took_part=True),
            branch_report("B1", 10, 9, took_part=True),
        ],
    )
    rows = rows_as_dicts(warehouse, "select * from metrics.unit_participation order by period")
    # 2025H2: U1, U3, U4 registered (U2 not yet), all three took part.
    # 2026H1: U1, U2, U4 registered (U3 closed), only U1 took part.
    assert [
        (r["period"], r["orgs_registered"], r["orgs_took_part"], r["meets_target"]) for r in rows
    ] == [("2025H2", 3, 3, True), ("2026H1", 3, 1, False)]
    assert rows[0]["rate"] == pytest.approx(1.0)
    assert rows[1]["rate"] == pytest.approx(1 / 3)
    assert rows[1]["target"] == 0.70


# --- hearings ----------------------------------------------------------------------------------


def hearing(
    community_id: str,
    kind: str,
    attendees: int,
    raised: int,
    resolved: int,
    visited: int,
    **columns: Any,
) -> dict[str, Any]:
    """One core.hearings row held in 2026H1."""
    return {
        "record_key": f"{community_id}-{kind}-{attendees}-{raised}-{visited}",
        "period": "2026H1",
        "community_id": community_id,
        "kind": kind,
        "held_on": date(2026, 3, 15),
        "attendees": attendees,
        "opinions_raised": raised,
        "opinions_resolved": resolved,
        "households_visited": visited,
        **columns,
    }


@pytest.fixture
def hearing_records(warehouse):
    """Three communities (1000, 500, 250 households); hearings in C1 and C2 only."""
    insert_rows(
        warehouse,
        "ref.communities",
        [
            {"community_id": "C1", "name": "东华社区", "households": 1000},
            {"community_id": "C2", "name": "西城社区", "households": 500},
            {"community_id": "C3", "name": "南关社区", "households": 250},
        ],
    )
    insert_rows(
        warehouse,
        "core.hearings",
        [
            hearing("C1", "hearing", 30, 10, 8, 0),
            hearing("C1", "home_visit", 2, 4, 4, 100),
            hearing("C1", "home_visit", 3, 0, 0, 50),
            hearing("C2", "consultation", 20, 0, 0, 0),
            hearing("C2", "home_visit", 1, 2, 1, 75),
            hearing("C2", "hearing", 99, 9, 9, 999, superseded_by="d" * 64),
        ],
    )
    return warehouse


@pytest.mark.parametrize(
    ("community_id", "kind", "expected"),
    [
        ("C1", "home_visit", (2, 5, 4, 4, 1.0, 150, 150 / 1000)),
        ("C1", None, (3, 35, 14, 12, 12 / 14, 150, 150 / 1000)),
        ("C2", "consultation", (1, 20, 0, 0, None, 0, 0.0)),
        ("C2", None, (2, 21, 2, 1, 1 / 2, 75, 75 / 500)),
        (None, "home_visit", (3, 6, 6, 5, 5 / 6, 225, 225 / 1750)),
        (None, "hearing", (1, 30, 10, 8, 8 / 10, 0, 0.0)),
        (None, None, (5, 56, 16, 13, 13 / 16, 225, 225 / 1750)),
    ],
    ids=[
        "C1-home-visits",
        "C1-all-kinds",
        "C2-consultation-no-opinions",
        "C2-all-kinds-superseded-ignored",
        "all-communities-home-visits",
        "all-communities-hearings",
        "all-communities-all-kinds",
    ],
)
def test_hearings_rollups_and_household_coverage(hearing_records, community_id, kind, expected):
    row = one_row(
        hearing_records,
        "select * from metrics.hearings where period = '2026H1'"
        " and community_id is not distinct from ? and kind is not distinct from ?",
        [community_id, kind],
    )
    events, attendees, raised, resolved, resolution_rate, visited, coverage = expected
    assert (row["events"], row["attendees"]) == (events, attendees)
    assert (row["opinions_raised"], row["opinions_resolved"]) == (raised, resolved)
    assert row["resolution_rate"] == pytest.approx(resolution_rate)
    assert row["households_visited"] == visited
    assert row["household_coverage"] == pytest.approx(coverage)
    assert row["households"] == (
        1750 if community_id is None else {"C1": 1000, "C2": 500}[community_id]
    )


def test_hearings_row_count_is_cells_plus_rollups(hearing_records):
    (count,) = hearing_records.execute("select count(*) from metrics.hearings").fetchone()
    # 4 community-kind cells, 2 communities, 3 kinds, 1 grand total.
    assert count == 4 + 2 + 3 + 1


# --- reporting completeness and timeliness -----------------------------------------------------


@pytest.fixture
def reporting_round(warehouse):
    """2026H1 (ends 30 June): four rostered evaluators and four active organisations."""
    insert_rows(
        warehouse,
        "ref.communities",
        [
            {"community_id": "C1", "name": "东华社区", "households": 1000},
            {"community_id": "C2", "name": "西城社区", "households": 500},
        ],
    )
    insert_rows(
        warehouse,
        "ref.evaluators",
        [
            {"period": "2026H1", "evaluator_key": "K1", "role": "deputy", "community_id": "C1"},
            {
                "period": "2026H1",
                "evaluator_key": "K2",
                "role": "resident_rep",
                "community_id": "C1",
            },
            {
                "period": "2026H1",
                "evaluator_key": "K3",
                "role": "cppcc_member",
                "community_id": "C2",
            },
            {"period": "2026H1", "evaluator_key": "K4", "role": "deputy", "community_id": "C2"},
            # The next round's roster is already known; that period must not be reported yet.
            {"period": "2026H2", "evaluator_key": "K1", "role": "deputy", "community_id": "C1"},
        ],
    )
    insert_rows(
        warehouse,
        "core.evaluations",
        [
            evaluation("C1", "satisfied", evaluator_key="K1", evaluated_on=date(2026, 6, 20)),
            evaluation("C1", "satisfied", evaluator_key="K2", evaluated_on=date(2026, 7, 15)),
            evaluation("C2", "satisfied", evaluator_key="K3", evaluated_on=date(2026, 7, 20)),
            # K4 is rostered for C2: a form for C1, a superseded one and an unrostered
            # evaluator's form do not count as K4's report.
            evaluation("C1", "satisfied", evaluator_key="K4", evaluated_on=date(2026, 7, 1)),
            evaluation(
                "C2",
                "satisfied",
                evaluator_key="K4",
                evaluated_on=date(2026, 7, 1),
                superseded_by="e" * 64,
            ),
            evaluation("C1", "satisfied", evaluator_key="K9", evaluated_on=date(2026, 7, 1)),
        ],
    )
    insert_rows(
        warehouse,
        "ref.organisations",
        [
            {
                "org_id": "B1",
                "name": "一号楼院党支部",
                "kind": "building_branch",
                "community_id": "C1",
            },
            {
                "org_id": "B2",
                "name": "二号楼院党支部",
                "kind": "building_branch",
                "community_id": "C1",
            },
            {
                "org_id": "E1",
                "name": "综合经济党委",
                "kind": "economic_committee",
                "community_id": None,
            },
            {"org_id": "U1", "name": "市档案局", "kind": "unit_org", "community_id": "C1"},
            {
                "org_id": "U3",
                "name": "已撤销单位",
                "kind": "unit_org",
                "community_id": "C2",
                "active_to": "2025H2",
            },
        ],
    )
    insert_rows(
        warehouse,
        "core.branch_reports",
        [
            branch_report("B1", 10, 9, submitted_on=date(2026, 7, 10)),
            branch_report("B2", 10, 9, submitted_on=date(2026, 7, 16)),
            branch_report("E1", 10, 9, submitted_on=date(2026, 7, 1)),
        ],
    )
    return warehouse


@pytest.mark.parametrize("source", ["evaluations", "branch_reports"])
def test_reporting_completeness_and_on_time_rate(reporting_round, source):
    # evaluations: K1..K4 expected; K1, K2 (on the deadline, 15 July) on time, K3 late, K4 missing.
    # branch_reports: B1, B2, E1, U1 active; B1, E1 on time, B2 late (16 July), U1 missing.
    row = one_row(reporting_round, "select * from metrics.reporting where source = ?", [source])
    assert row["period"] == "2026H1"
    assert (row["expected"], row["received"], row["on_time"], row["late"]) == (4, 3, 2, 1)
    assert row["missing"] == 1
    assert row["completeness"] == pytest.approx(3 / 4)
    assert row["timeliness"] == pytest.approx(2 / 4)


def test_reporting_gaps_list_the_missing_and_late(reporting_round):
    rows = rows_as_dicts(
        reporting_round,
        "select period, source, unit_id, unit_name, community_id, status, submitted_on"
        " from metrics.reporting_gaps order by source, unit_id",
    )
    assert rows == [
        {
            "period": "2026H1",
            "source": "branch_reports",
            "unit_id": "B2",
            "unit_name": "二号楼院党支部",
            "community_id": "C1",
            "status": "late",
            "submitted_on": date(2026, 7, 16),
        },
        {
            "period": "2026H1",
            "source": "branch_reports",
            "unit_id": "U1",
            "unit_name": "市档案局",
            "community_id": "C1",
            "status": "missing",
            "submitted_on": None,
        },
        {
            "period": "2026H1",
            "source": "evaluations",
            "unit_id": "K3",
            "unit_name": "政协委员 · 西城社区",
            "community_id": "C2",
            "status": "late",
            "submitted_on": date(2026, 7, 20),
        },
        {
            "period": "2026H1",
            "source": "evaluations",
            "unit_id": "K4",
            "unit_name": "人大代表 · 西城社区",
            "community_id": "C2",
            "status": "missing",
            "submitted_on": None,
        },
    ]


def test_reporting_deadline_comes_from_settings(tmp_path):
    con = make_warehouse(tmp_path, report_deadline_days=30)
    insert_rows(
        con,
        "ref.evaluators",
        [{"period": "2026H1", "evaluator_key": "K3", "role": "deputy", "community_id": "C2"}],
    )
    insert_rows(
        con,
        "core.evaluations",
        [evaluation("C2", "satisfied", evaluator_key="K3", evaluated_on=date(2026, 7, 20))],
    )
    row = one_row(con, "select * from metrics.reporting where source = 'evaluations'", [])
    assert (row["received"], row["on_time"], row["late"]) == (1, 1, 0)
    (gaps,) = con.execute("select count(*) from metrics.reporting_gaps").fetchone()
    assert gaps == 0
    con.close()
