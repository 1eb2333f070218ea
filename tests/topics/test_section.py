"""The figures of the section 居民关注: top topics, trend, examples, 其他's words, suppression."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from flows.periods import Period
from flows.settings import load_settings
from flows.topics.section import (
    example_opinions,
    other_terms,
    residents_section,
    top_topics,
    topic_trend,
)
from flows.topics.tagging import refresh_tags
from flows.topics.taxonomy import load_taxonomy
from tests.warehouse_fixtures import evaluation, insert_rows, make_warehouse, rows_as_dicts

TAXONOMY = """topic,name_zh,name_en,keywords,hints,examples
parking,停车交通,Parking,停车|车位|电动车,,
sanitation,环境卫生,Sanitation,垃圾|卫生,,
lifts,电梯,Lifts,电梯,,
"""
H1 = Period(2026, 1)


def _forms(community: str, texts: list[str], period: str = "2026H1") -> list[dict]:
    return [evaluation(community, "satisfied", period=period, comments=text) for text in texts]


@pytest.fixture
def con(home: Path, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """C01: parking 4 (3 alike), sanitation 2, 其他 4 about 读书会; C02: parking 1, lifts 3;
    2025H2: C01 parking 1, sanitation 3."""
    warehouse = make_warehouse(home)
    rows = [
        *_forms(
            "C01",
            [
                "晚上停车太难了",
                "晚上停车太难",
                "晚上停车真的太难了",
                "电动车乱停在消防通道，电话13812345678",
                "垃圾清运不及时",
                "垃圾桶太臭",
                "希望多办读书会",
                "读书会办得好",
                "读书会能否周末办",
                "王某某家门口太吵",
            ],
        ),
        *_forms("C02", ["车位不够", "电梯老坏", "电梯该修了", "电梯困人"]),
        *_forms("C01", ["车位太少", "垃圾站臭", "垃圾分类", "垃圾满了"], period="2025H2"),
    ]
    insert_rows(warehouse, "core.evaluations", rows)
    path = tmp_path / "topics.csv"
    path.write_text(TAXONOMY, encoding="utf-8")
    refresh_tags(warehouse, load_taxonomy(path))
    return warehouse


def test_top_topics_count_share_and_change(con: duckdb.DuckDBPyConnection) -> None:
    topics = top_topics(con, H1, "C01")
    assert [(t.topic, t.opinions) for t in topics] == [
        ("parking", 4),
        ("other", 4),  # 其他 after a topic raised as often
        ("sanitation", 2),
    ]
    parking = next(t for t in topics if t.topic == "parking")
    assert parking.share == pytest.approx(4 / 10)
    assert parking.requests == 2, "three ways of writing 晚上停车太难 are one request"
    assert (parking.opinions_previous, parking.change, parking.direction) == (1, 3, "up")
    sanitation = next(t for t in topics if t.topic == "sanitation")
    assert (sanitation.change, sanitation.direction) == (-1, "down")
    assert top_topics(con, H1, "C01", limit=1)[0].opinions == 4
    subdistrict = {t.topic: t.opinions for t in top_topics(con, H1)}
    assert subdistrict == {"parking": 5, "other": 4, "lifts": 3, "sanitation": 2}
    assert next(t for t in top_topics(con, H1, "C02") if t.topic == "lifts").direction == "new"


def test_the_section_figures_equal_the_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    section = residents_section(con, load_settings(env={}), H1)
    warehouse = {
        (row["community_id"], row["topic"]): row["opinions"]
        for row in rows_as_dicts(
            con,
            "select * from metrics.opinion_topics where period = ? and opinions > 0",
            ["2026H1"],
        )
    }
    shown = {(None, t.topic): t.opinions for t in section.subdistrict.topics}
    for community in section.communities:
        shown |= {(community.community_id, t.topic): t.opinions for t in community.topics}
    assert shown == warehouse
    assert [c.community_id for c in section.communities] == ["C01", "C02"]


def test_examples_group_near_duplicates_and_mask_numbers(con: duckdb.DuckDBPyConnection) -> None:
    examples = example_opinions(con, H1, "C01", min_cell_size=3)
    parking = examples["parking"]
    assert [(e.text, e.opinions) for e in parking] == [
        ("晚上停车太难", 3),
        ("电动车乱停在消防通道，电话[电话]", 1),
    ]
    assert all("13812345678" not in e.text for group in examples.values() for e in group)
    assert (
        example_opinions(con, H1, "C01", min_cell_size=3, per_topic=1)["parking"][0].opinions == 3
    )


def test_no_text_of_a_topic_a_community_raised_fewer_times_than_the_threshold(
    con: duckdb.DuckDBPyConnection,
) -> None:
    community = example_opinions(con, H1, "C01", min_cell_size=3)
    assert "sanitation" not in community, "C01 raised sanitation twice: count only"
    subdistrict = example_opinions(con, H1, None, min_cell_size=3)
    texts = [e.text for group in subdistrict.values() for e in group]
    assert "车位不够" not in texts, "C02's one parking opinion is not shown for the subdistrict"
    assert "垃圾清运不及时" not in texts
    assert {e.community_id for e in subdistrict["lifts"]} == {"C02"}
    assert "sanitation" in example_opinions(con, H1, "C01", min_cell_size=2)
    section = residents_section(con, load_settings(env={"MINYI_MIN_CELL_SIZE": "5"}), H1)
    assert section.subdistrict.examples == {}


def test_other_terms_leave_out_words_few_opinions_hold(con: duckdb.DuckDBPyConnection) -> None:
    assert other_terms(con, H1, "C01", min_cell_size=3) == [("读书会", 3)]
    assert ("家门口", 1) in other_terms(con, H1, "C01", min_cell_size=1)
    assert other_terms(con, H1, "C02", min_cell_size=1) == []


def test_trend_over_half_years(con: duckdb.DuckDBPyConnection) -> None:
    trend = {(p.period, p.topic): p.opinions for p in topic_trend(con, H1, "C01", periods=2)}
    assert trend == {
        ("2025H2", "parking"): 1,
        ("2025H2", "sanitation"): 3,
        ("2026H1", "parking"): 4,
        ("2026H1", "sanitation"): 2,
        ("2026H1", "other"): 4,
    }
    assert {p.period for p in topic_trend(con, H1, "C01", periods=1)} == {"2026H1"}


def test_labels_in_both_languages(con: duckdb.DuckDBPyConnection) -> None:
    from flows.topics.section import COLUMNS, column_label, direction_label, example_label

    assert [column_label(c, "zh") for c in COLUMNS][:2] == ["主题", "意见数"]
    assert direction_label("up", "en") == "rising"
    group = example_opinions(con, H1, "C01", min_cell_size=3)["parking"]
    assert example_label(group[0], "zh") == "晚上停车太难（3 条相近意见）"
    assert example_label(group[1], "en") == group[1].text


def test_sheet_rows_hold_counts_everywhere_and_text_only_where_allowed(
    con: duckdb.DuckDBPyConnection,
) -> None:
    from flows.topics.section import COLUMNS, sheet_rows

    rows = sheet_rows(residents_section(con, load_settings(env={}), H1), "zh")
    assert set(rows[0]) == {"community_id", *COLUMNS}
    assert rows[0]["community_id"] is None, "the subdistrict comes first"
    cells = {(row["community_id"], row["topic"]): row for row in rows}
    assert cells[("C01", "停车交通")]["examples"].startswith("晚上停车太难（3 条相近意见）")
    assert cells[("C01", "环境卫生")]["opinions"] == 2
    assert cells[("C01", "环境卫生")]["examples"] == "", "2 opinions: the count, no text"
    assert cells[(None, "环境卫生")]["examples"] == ""
    assert cells[("C01", "停车交通")]["trend"] == "上升"
