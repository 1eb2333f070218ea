"""Each expectation suite catches each of its rules, cell by cell."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from flows.settings import Settings
from tests.helpers import (
    branch_report,
    evaluation,
    failures_by_row,
    hearing,
    validated,
    write_csv,
)

# Row 1 is the header, so the n-th data row is row n + 1.
EVALUATION_CASES = [
    ("rating-above-5", evaluation(service_attitude="6"), "service_attitude", "rating_range"),
    ("rating-zero", evaluation(openness="0"), "openness", "rating_range"),
    ("rating-not-number", evaluation(efficiency="好"), "efficiency", "bad_rating"),
    ("rating-half", evaluation(efficiency="4.5"), "efficiency", "bad_rating"),
    ("unknown-verdict", evaluation(verdict="一般"), "verdict", "unknown_verdict"),
    ("missing-verdict", evaluation(verdict=""), "verdict", "required"),
    ("unknown-role", evaluation(role="街坊"), "role", "unknown_role"),
    ("unknown-community", evaluation(community="东风社区"), "community", "unknown_community"),
    ("bad-period", evaluation(period="2026H3"), "period", "bad_period"),
    ("bad-date", evaluation(evaluated_on="2026-02-30"), "evaluated_on", "bad_date"),
    (
        "date-before-period",
        evaluation(evaluated_on="2025-12-01"),
        "evaluated_on",
        "date_before_period",
    ),
    ("missing-evaluator", evaluation(evaluator=""), "evaluator", "required"),
]


@pytest.mark.parametrize(
    ("row", "column", "rule"),
    [case[1:] for case in EVALUATION_CASES],
    ids=[case[0] for case in EVALUATION_CASES],
)
def test_evaluation_rule(tmp_path: Path, settings: Settings, row, column, rule) -> None:
    path = write_csv(tmp_path / "e.csv", "evaluations", [evaluation(evaluator="好人"), row])
    (outcome,) = validated(settings, [path])
    assert failures_by_row(outcome) == {(3, column, rule)}


def test_duplicate_form_quarantines_both_rows(tmp_path: Path, settings: Settings) -> None:
    rows = [evaluation(evaluator="甲"), evaluation(evaluator="乙"), evaluation(evaluator="甲")]
    (outcome,) = validated(settings, [write_csv(tmp_path / "e.csv", "evaluations", rows)])
    assert failures_by_row(outcome) == {
        (2, "evaluator", "duplicate_form"),
        (4, "evaluator", "duplicate_form"),
    }


HEARING_CASES = [
    (
        "resolved-over-raised",
        hearing(opinions_resolved="9"),
        "opinions_resolved",
        "resolved_over_raised",
    ),
    (
        "negative-attendees",
        hearing(attendees="-3", residents="", deputies="", party_members=""),
        "attendees",
        "negative_count",
    ),
    ("parts-over-total", hearing(attendees="10"), "attendees", "attendance_parts_over_total"),
    ("unknown-kind", hearing(kind="座谈会"), "kind", "unknown_hearing_kind"),
    ("bad-date", hearing(held_on="三月中旬"), "held_on", "bad_date"),
    ("bad-number", hearing(attendees="很多"), "attendees", "bad_number"),
    ("unknown-community", hearing(community="C99"), "community", "unknown_community"),
]


@pytest.mark.parametrize(
    ("row", "column", "rule"),
    [case[1:] for case in HEARING_CASES],
    ids=[case[0] for case in HEARING_CASES],
)
def test_hearing_rule(tmp_path: Path, settings: Settings, row, column, rule) -> None:
    path = write_csv(tmp_path / "h.csv", "hearings", [hearing(record_id="H-0"), row])
    (outcome,) = validated(settings, [path])
    assert failures_by_row(outcome) == {(3, column, rule)}


def test_duplicate_hearing_record(tmp_path: Path, settings: Settings) -> None:
    rows = [hearing(record_id="H-1"), hearing(record_id="H-1", topic="另一议题")]
    (outcome,) = validated(settings, [write_csv(tmp_path / "h.csv", "hearings", rows)])
    assert {rule for _, _, rule in failures_by_row(outcome)} == {"duplicate_record"}
    assert len(failures_by_row(outcome)) == 2


REPORT_CASES = [
    (
        "participating-over-total",
        branch_report(members_participating="41"),
        "members_participating",
        "participating_over_total",
    ),
    (
        "registered-over-total",
        branch_report(in_service_registered="50"),
        "in_service_registered",
        "registered_over_total",
    ),
    ("unknown-org", branch_report(org="幸福里社区第五楼院党支部"), "org", "unknown_org"),
    ("bad-period", branch_report(period="2026年第三季度"), "period", "bad_period"),
    ("negative-activities", branch_report(activities="-1"), "activities", "negative_count"),
    ("bad-boolean", branch_report(took_part="也许"), "took_part", "bad_boolean"),
    ("missing-total", branch_report(members_total=""), "members_total", "required"),
]


@pytest.mark.parametrize(
    ("row", "column", "rule"),
    [case[1:] for case in REPORT_CASES],
    ids=[case[0] for case in REPORT_CASES],
)
def test_branch_report_rule(tmp_path: Path, settings: Settings, row, column, rule) -> None:
    path = write_csv(tmp_path / "b.csv", "branch_reports", [branch_report(org="B02"), row])
    (outcome,) = validated(settings, [path])
    assert failures_by_row(outcome) == {(3, column, rule)}


def test_org_and_community_accepted_by_registered_name(tmp_path: Path, settings: Settings) -> None:
    rows = [branch_report(org="和平社区第一楼院党支部")]
    (outcome,) = validated(settings, [write_csv(tmp_path / "b.csv", "branch_reports", rows)])
    assert failures_by_row(outcome) == set()
    assert outcome.frame["org_id"].tolist() == ["B01"]


def test_great_expectations_keeps_its_info_logs_out_of_the_console(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """GX sets INFO on loggers of its own; an organizer's console shows errors only."""
    from flows.ingest import validate

    validate._context.cache_clear()
    with caplog.at_level(logging.INFO):
        validate._context()
    assert [r.getMessage() for r in caplog.records if r.name.startswith("great_")] == []


def test_great_expectations_does_not_hash_the_rows_it_validates(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GX's batch fingerprint (an MD5 of the whole frame) is unused and took a third of its time."""
    from great_expectations.execution_engine import pandas_execution_engine as engine

    def no_hashing(frame: object) -> str:
        raise AssertionError("GX hashed the staged rows")

    monkeypatch.setattr(engine, "hash_pandas_dataframe", no_hashing)
    path = write_csv(tmp_path / "e.csv", "evaluations", [evaluation(verdict="一般")])
    (outcome,) = validated(settings, [path])
    assert failures_by_row(outcome) == {(2, "verdict", "unknown_verdict")}
