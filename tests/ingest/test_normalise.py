"""Typing the text as read: numbers, dates, periods and yes/no in the shapes offices type, and
whole tables typed at once with their failures, ids and pseudonyms."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from flows.datasets import COLUMNS, Kind
from flows.ingest.normalise import (
    MISSING,
    Failure,
    StagedTable,
    TableSource,
    parse_bool,
    parse_date,
    parse_int,
    parse_period_text,
    stage_table,
    table_scrubber,
)
from flows.ingest.readers import SheetTable
from flows.ingest.registry import Registry, load_registry
from flows.privacy import PSEUDONYM
from flows.settings import Settings
from tests.helpers import EVALUATION

INTS = {
    "plain": ("12", 12),
    "full-width": ("１２", 12),
    "thousands": ("1,234", 1234),
    "excel-float": ("12.0", 12),
    "with-unit": ("12人", 12),
    "unit-after-space": ("3 户", 3),
    "negative-kept-for-the-suite": ("-3", -3),
    "fraction": ("12.5", MISSING),
    "words": ("很多", MISSING),
    "empty": ("", MISSING),
    "not-a-number": ("nan", MISSING),
}


@pytest.mark.parametrize(("text", "expected"), list(INTS.values()), ids=list(INTS))
def test_parse_int(text: str, expected: object) -> None:
    assert parse_int(text) is expected if expected is MISSING else parse_int(text) == expected


MARCH_5 = date(2026, 3, 5)
DATES = {
    "iso": ("2026-03-05", MARCH_5),
    "slashes-no-zeros": ("2026/3/5", MARCH_5),
    "dots": ("2026.3.5", MARCH_5),
    "chinese": ("2026年3月5日", MARCH_5),
    "with-time": ("2026-03-05 10:30", MARCH_5),
    "with-seconds": ("2026-03-05T10:30:15", MARCH_5),
    "compact": ("20260305", MARCH_5),
    "full-width": ("２０２６．３．５", MARCH_5),
    # Excel counts days from 1899-12-30: 2025-01-01 is 45658, +365 is 2026-01-01, +59 is 1 March.
    "excel-serial": ("46086", MARCH_5),
    "excel-serial-float": ("46086.0", MARCH_5),
    "no-such-day": ("2026-02-30", MISSING),
    "words": ("三月中旬", MISSING),
    "serial-too-small": ("12345", MISSING),
    "year-and-month": ("2026-03", MISSING),
}


@pytest.mark.parametrize(("text", "expected"), list(DATES.values()), ids=list(DATES))
def test_parse_date(text: str, expected: object) -> None:
    assert parse_date(text) is expected if expected is MISSING else parse_date(text) == expected


BOOLS = {
    "shi": ("是", True),
    "fou": ("否", False),
    "yes-any-case": ("Yes", True),
    "no-padded": (" N ", False),
    "tick": ("√", True),
    "cross": ("×", False),
    "took-part": ("已参与", True),
    "did-not": ("未参与", False),
    "one": ("1", True),
    "maybe": ("也许", MISSING),
    "empty": ("", MISSING),
}


@pytest.mark.parametrize(("text", "expected"), list(BOOLS.values()), ids=list(BOOLS))
def test_parse_bool(text: str, expected: object) -> None:
    assert parse_bool(text) is expected


PERIODS = {
    "canonical": ("2026H1", "2026H1"),
    "lower-case": ("2026h2", "2026H2"),
    "chinese-first-half": ("2026年上半年", "2026H1"),
    "chinese-second-half": ("2026下半年", "2026H2"),
    "full-width": ("２０２６Ｈ１", "2026H1"),
    "quarter": ("2026年第三季度", MISSING),
    "third-half": ("2026H3", MISSING),
}


@pytest.mark.parametrize(("text", "expected"), list(PERIODS.values()), ids=list(PERIODS))
def test_parse_period_text(text: str, expected: object) -> None:
    parsed = parse_period_text(text)
    assert parsed is expected if expected is MISSING else parsed == expected


@pytest.fixture
def registry(settings: Settings) -> Registry:
    return load_registry(settings.reference_dir)


def _table(kind: Kind, rows: list[dict[str, str | None]], sheet: str = "") -> SheetTable:
    """A table as a reader gives it: every column of the kind, text or None, row numbers."""
    names = [c.name for c in COLUMNS[kind]]
    frame = pd.DataFrame(
        [{**dict.fromkeys(names), **row, "row_number": n} for n, row in enumerate(rows, 2)]
    )
    return SheetTable(kind, sheet, 1, {n: n for n in names}, [], frame)


def _stage(
    kind: Kind, registry: Registry, *tables: SheetTable, key: bytes = b"k" * 32
) -> StagedTable:
    sources = [
        TableSource(f"{n:x}" * 64, f"file{n}.csv", n, False, table)
        for n, table in enumerate(tables, 1)
    ]
    scrub = table_scrubber(registry, list(tables))
    return stage_table(kind, sources, registry, key, scrub)


def _evaluation(**changes: str | None) -> dict[str, str | None]:
    """A valid evaluation with the period and date as offices type them, some cells changed."""
    row: dict[str, str | None] = {
        **EVALUATION,
        "period": "2026年上半年",
        "evaluated_on": "2026/7/3",
    }
    row.update(changes)
    return row


def test_a_batch_of_evaluations_is_typed_with_lineage(registry: Registry) -> None:
    first = _table("evaluations", [_evaluation(), _evaluation(evaluator="测试乙")], "表1")
    second = _table("evaluations", [_evaluation(community="C02", role="deputy")])
    staged = _stage("evaluations", registry, first, second)
    frame = staged.frame

    assert staged.failures == []
    assert frame["row_id"].tolist() == [f"{'1' * 16}:表1:2", f"{'1' * 16}:表1:3", f"{'2' * 16}::2"]
    assert frame["sequence"].tolist() == [1, 1, 2]
    assert frame["file_name"].tolist() == ["file1.csv", "file1.csv", "file2.csv"]
    assert frame["period"].tolist() == ["2026H1"] * 3
    assert frame["period_start"].tolist() == [pd.Timestamp(2026, 1, 1)] * 3
    assert frame["community_id"].tolist() == ["C01", "C01", "C02"]
    assert frame["community_known"].tolist() == [True, True, True]
    assert frame["role"].tolist() == ["resident_rep", "resident_rep", "deputy"]
    assert frame["verdict"].tolist() == ["satisfied"] * 3
    assert str(frame["service_attitude"].dtype) == "Int64"
    assert frame["evaluated_on"].tolist() == [pd.Timestamp(2026, 7, 3)] * 3


def test_evaluator_names_become_keyed_pseudonyms_everywhere(registry: Registry) -> None:
    rows = [_evaluation(evaluator="王秀英"), _evaluation(evaluator=" 王秀英 ")]
    staged = _stage("evaluations", registry, _table("evaluations", rows))
    keys = staged.frame["evaluator_key"].tolist()
    assert "evaluator" not in staged.frame.columns
    assert all(PSEUDONYM.match(k) for k in keys) and keys[0] == keys[1]
    assert staged.raw["evaluator"].tolist() == keys, "the text kept for the quarantine too"
    other_key = _stage("evaluations", registry, _table("evaluations", rows), key=b"o" * 32)
    assert other_key.frame["evaluator_key"].tolist()[0] != keys[0]


def test_cells_that_cannot_be_typed_become_missing_with_a_failure(registry: Registry) -> None:
    rows = [_evaluation(), _evaluation(efficiency="好", evaluated_on="三月中旬", period="2026H3")]
    staged = _stage("evaluations", registry, _table("evaluations", rows))
    bad_row = f"{'1' * 16}::3"

    assert set(staged.failures) == {
        Failure(bad_row, "efficiency", "好", "bad_rating"),
        Failure(bad_row, "evaluated_on", "三月中旬", "bad_date"),
        Failure(bad_row, "period", "2026H3", "bad_period"),
    }
    typed = staged.frame.iloc[1]
    assert pd.isna(typed["efficiency"]) and pd.isna(typed["evaluated_on"])
    assert staged.raw.iloc[1]["efficiency"] == "好", "the text as read is kept beside"


def test_values_that_parse_but_break_a_rule_are_left_for_the_suites(registry: Registry) -> None:
    rows = [_evaluation(service_attitude="9", verdict="一般", community="东风社区")]
    staged = _stage("evaluations", registry, _table("evaluations", rows))
    typed = staged.frame.iloc[0]
    assert staged.failures == []
    assert (typed["service_attitude"], typed["verdict"]) == (9, "一般")
    assert (typed["community_id"], bool(typed["community_known"])) == ("东风社区", False)


def test_missing_cells_are_missing_not_failures(registry: Registry) -> None:
    staged = _stage("evaluations", registry, _table("evaluations", [_evaluation(efficiency=None)]))
    assert staged.failures == []
    assert pd.isna(staged.frame.iloc[0]["efficiency"])


def _hearing(**changes: str | None) -> dict[str, str | None]:
    row: dict[str, str | None] = {
        "record_id": None,
        "community": "C01",
        "kind": "恳谈会",
        "held_on": "2026-08-05",
        "topic": "加装电梯，联系人13912345678",
        "attendees": "30人",
        "residents": "20",
        "deputies": "3",
        "party_members": None,
        "opinions_raised": "6",
        "opinions_resolved": "4",
    }
    row.update(changes)
    return row


def test_hearings_get_a_period_a_record_key_and_attendance_parts(registry: Registry) -> None:
    rows = [_hearing(), _hearing(record_id="H-7", residents=None, deputies=None)]
    staged = _stage("hearings", registry, _table("hearings", rows))
    frame = staged.frame

    assert frame["period"].tolist() == ["2026H2", "2026H2"]
    assert frame["kind"].tolist() == ["consultation", "consultation"]
    assert frame["attendees"].tolist() == [30, 30]
    assert frame["attendance_parts"].tolist()[0] == 23
    assert pd.isna(frame["attendance_parts"].tolist()[1]), "no parts given: unknown, not 0"
    assert frame["record_key"].tolist()[1] == "H-7"
    assert frame["record_key"].tolist()[0].startswith("h_")
    assert "13912345678" not in frame["topic"].iloc[0]
    assert "13912345678" not in staged.raw["topic"].iloc[0]


def test_a_hearings_key_without_an_id_follows_what_it_was(registry: Registry) -> None:
    def key(**changes: str | None) -> str:
        staged = _stage("hearings", registry, _table("hearings", [_hearing(**changes)]))
        return str(staged.frame["record_key"].iloc[0])

    assert key() == key(attendees="31"), "the same meeting with a corrected count"
    assert key() != key(topic="另一议题")
    assert key() != key(held_on="2026-08-06")


def test_branch_reports_resolve_organisations_and_yes_no(registry: Registry) -> None:
    rows = [
        {"period": "2026年上半年", "org": "和平社区第一楼院党支部", "members_total": "40",
         "members_participating": "36", "took_part": "是", "submitted_on": "2026-07-08"},
        {"period": "2026H1", "org": "U01", "members_total": "10",
         "members_participating": "7", "took_part": "否", "submitted_on": "2026-07-09"},
    ]  # fmt: skip
    staged = _stage("branch_reports", registry, _table("branch_reports", rows))
    frame = staged.frame
    assert frame["org_id"].tolist() == ["B01", "U01"]
    assert frame["org_known"].tolist() == [True, True]
    assert frame["took_part"].tolist() == [True, False]
    assert str(frame["took_part"].dtype) == "boolean"


def test_a_kind_with_no_tables_stages_no_rows(registry: Registry) -> None:
    staged = stage_table("hearings", [], registry, b"k" * 32, table_scrubber(registry, []))
    assert len(staged.frame) == 0 and staged.failures == []
