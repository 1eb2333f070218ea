"""The 居民关注 section: its figures equal the warehouse's, small groups show no text."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from flows.periods import Period
from flows.reports.cells import SUPPRESSED
from flows.reports.concerns import concerns_tables
from flows.reports.context import make_context
from flows.settings import load_settings
from flows.topics.tagging import refresh_tags
from flows.topics.taxonomy import load_taxonomy
from tests.warehouse_fixtures import evaluation, insert_rows, make_warehouse

TAXONOMY = """topic,name_zh,name_en,keywords,hints,examples
parking,停车交通,Parking,停车|车位,,
lifts,电梯,Lifts,电梯,,
"""


@pytest.fixture
def con(home: Path, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """2026H1: C01 parking 3, lifts 1, one 其他; C02 lifts 3. 2025H2: C01 parking 1."""
    warehouse = make_warehouse(home)
    texts = {
        ("C01", "2026H1"): [
            "晚上停车太难了",
            "车位不够",
            "晚上停车太难",
            "电梯老坏",
            "希望多办读书会",
        ],
        ("C02", "2026H1"): ["电梯该修了", "电梯困人", "电梯老坏了"],
        ("C01", "2025H2"): ["车位不够"],
    }
    rows = [
        evaluation(community, "satisfied", period=period, comments=text)
        for (community, period), written in texts.items()
        for text in written
    ]
    insert_rows(warehouse, "core.evaluations", rows)
    path = tmp_path / "topics.csv"
    path.write_text(TAXONOMY, encoding="utf-8")
    refresh_tags(warehouse, load_taxonomy(path))
    return warehouse


def _by_place_and_topic(con: duckdb.DuckDBPyConnection, lang: str) -> dict[tuple, list]:
    ctx = make_context(con, load_settings(), Period(2026, 1), lang)
    topics, _ = concerns_tables(ctx)
    return {(row[0], row[1]): row for row in topics.rows}


def test_the_counts_are_the_warehouse_counts(con: duckdb.DuckDBPyConnection) -> None:
    rows = _by_place_and_topic(con, "en")
    expected = dict(
        con.execute(
            "select topic, opinions from metrics.opinion_topics "
            "where period = '2026H1' and community_id is null"
        ).fetchall()
    )
    assert expected == {"parking": 3, "lifts": 4, "other": 1}  # stated by hand, too
    assert rows[("Whole subdistrict", "Parking")][2] == 3
    assert rows[("Whole subdistrict", "Lifts")][2] == 4
    assert rows[("Whole subdistrict", "Parking")][3] == pytest.approx(3 / 8)
    assert rows[("Whole subdistrict", "Parking")][4].startswith("+2")  # 1 in 2025H2


def test_a_topic_raised_fewer_than_the_minimum_shows_no_text(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = _by_place_and_topic(con, "zh")
    c01 = next(place for place, topic in rows if topic == "停车交通" and place != "全街道")
    lifts_once = rows[(c01, "电梯")]
    assert lifts_once[2] == 1 and lifts_once[-1] is SUPPRESSED
    assert "电梯老坏" not in str(rows[(c01, "电梯")])
    parking = rows[(c01, "停车交通")]
    assert parking[-1] is not SUPPRESSED and "停车" in str(parking[-1])


def test_the_section_says_when_nothing_was_raised(home: Path) -> None:
    ctx = make_context(make_warehouse(home), load_settings(), Period(2026, 1), "en")
    topics, others = concerns_tables(ctx)
    assert topics.rows == [] and others.rows == []
    assert topics.notes == ["No opinions were received this half-year."]


def test_the_same_wording_from_two_communities_is_one_example_with_both_counts() -> None:
    from flows.reports.concerns import _merged
    from flows.topics.section import Example

    examples = [
        Example("parking", "C01", "停车难", 3, ("evaluations",)),
        Example("parking", "C02", "停车难", 4, ("evaluations",)),
        Example("parking", "C02", "车位少", 5, ("evaluations",)),
    ]
    assert [(e.text, e.opinions) for e in _merged(examples)] == [("停车难", 7), ("车位少", 5)]
