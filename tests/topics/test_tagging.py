"""Opinion tags in the warehouse: metrics.opinions and metrics.opinion_topics, kept current."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from flows.ingest.batch import ingest
from flows.ingest.rebuild import rebuild
from flows.settings import Settings
from flows.topics.tagging import refresh_tags, tag_frame, tag_opinions, tagging_fingerprint
from flows.topics.taxonomy import Taxonomy, TaxonomyError, load_taxonomy
from tests.helpers import evaluation, hearing, write_csv
from tests.warehouse_fixtures import evaluation as evaluation_row
from tests.warehouse_fixtures import insert_rows, make_warehouse, rows_as_dicts
from tests.warehouse_state import query

TAXONOMY = """topic,name_zh,name_en,keywords,hints,examples
parking,停车交通,Parking,停车|车位|电动车,,
sanitation,环境卫生,Sanitation,垃圾|卫生,,
lifts,电梯,Lifts,电梯,,
"""


@pytest.fixture
def taxonomy(tmp_path: Path) -> Taxonomy:
    path = tmp_path / "topics.csv"
    path.write_text(TAXONOMY, encoding="utf-8")
    return load_taxonomy(path)


def _opinion(community: str, text: str, period: str = "2026H1", **columns: object) -> dict:
    return evaluation_row(community, "satisfied", period=period, comments=text, **columns)


def _hearing(
    community: str, topic: str, raised: int, resolved: int, period: str = "2026H1"
) -> dict[str, object]:
    return {
        "record_key": f"{community}-{topic}",
        "period": period,
        "community_id": community,
        "kind": "hearing",
        "held_on": "2026-03-05" if period.endswith("H1") else "2025-09-05",
        "topic": topic,
        "opinions_raised": raised,
        "opinions_resolved": resolved,
    }


def _warehouse(home: Path) -> duckdb.DuckDBPyConnection:
    con = make_warehouse(home)
    insert_rows(
        con,
        "core.evaluations",
        [
            _opinion("C01", "小区停车太难，晚上没有车位"),
            _opinion("C01", "小区停车太难了，晚上没车位"),  # a near-duplicate of the first
            _opinion("C01", "楼下垃圾没人清，电动车乱停"),  # two topics
            _opinion("C01", "希望多组织一些读书会"),  # no keyword: 其他
            _opinion("C01", "无"),  # says nothing: no opinion
            _opinion("C02", "垃圾桶太少"),
            _opinion("C01", "垃圾站太臭", period="2025H2"),
            _opinion("C01", "车位不够", period="2025H2"),
            _opinion("C01", "车位太少", period="2025H2"),
        ],
    )
    insert_rows(
        con,
        "core.hearings",
        [_hearing("C01", "加装电梯听证会", 10, 6), _hearing("C02", "电梯维修", 4, 4)],
    )
    return con


def test_opinions_carry_their_topics_group_source_and_lineage(
    home: Path, taxonomy: Taxonomy
) -> None:
    con = _warehouse(home)
    summary = refresh_tags(con, taxonomy)
    assert (summary.pools, summary.opinions) == (3, 11)  # 2026H1 C01, C02 and 2025H2 C01
    rows = rows_as_dicts(
        con,
        "select * from metrics.opinions where period = '2026H1' and community_id = 'C01' "
        "order by source, row_number",
    )
    by_text = {row["text"]: row for row in rows}
    assert "无" not in by_text, "a form that says nothing is no opinion"
    assert by_text["小区停车太难，晚上没有车位"]["topics"] == ["parking"]
    assert sorted(by_text["楼下垃圾没人清，电动车乱停"]["topics"]) == ["parking", "sanitation"]
    assert by_text["希望多组织一些读书会"]["topics"] == ["other"]
    assert by_text["加装电梯听证会"]["topics"] == ["lifts"]
    assert by_text["加装电梯听证会"]["source"] == "hearings"
    first, second = by_text["小区停车太难，晚上没有车位"], by_text["小区停车太难了，晚上没车位"]
    assert first["group_id"] == second["group_id"]
    assert len({row["group_id"] for row in rows}) == len(rows) - 1
    assert all(row["file_hash"] and row["row_number"] for row in rows)


def test_opinion_topics_count_share_change_and_resolution(home: Path, taxonomy: Taxonomy) -> None:
    con = _warehouse(home)
    refresh_tags(con, taxonomy)
    cells = {
        (row["community_id"], row["topic"]): row
        for row in rows_as_dicts(
            con, "select * from metrics.opinion_topics where period = '2026H1'"
        )
    }
    # C01 2026H1: 5 opinions (4 forms, 无 left out, and 1 hearing); parking in 3 of them.
    parking = cells[("C01", "parking")]
    assert (parking["opinions"], parking["requests"]) == (3, 2)
    assert parking["share"] == pytest.approx(3 / 5)
    # 2025H2 C01: 3 opinions, parking in 2: change +1, share 2/3 before.
    assert (parking["opinions_previous"], parking["change"]) == (2, 1)
    assert parking["share_change"] == pytest.approx(3 / 5 - 2 / 3)
    assert parking["name_zh"] == "停车交通"
    sanitation = cells[("C01", "sanitation")]
    assert (sanitation["opinions"], sanitation["opinions_previous"], sanitation["change"]) == (
        1,
        1,
        0,
    )
    lifts = cells[("C01", "lifts")]
    assert (lifts["raised"], lifts["resolved"], lifts["resolution_rate"]) == (10, 6, 0.6)
    assert lifts["opinions_previous"] == 0, "C01 had opinions in 2025H2, none on lifts"
    assert cells[("C02", "lifts")]["opinions_previous"] is None, "C02 had none in 2025H2"
    # The subdistrict (community_id NULL): 5 + 2 opinions; lifts raised 10 + 4, resolved 6 + 4.
    everywhere = cells[(None, "lifts")]
    assert (everywhere["opinions"], everywhere["raised"], everywhere["resolved"]) == (2, 14, 10)
    assert everywhere["share"] == pytest.approx(2 / 7)
    assert cells[(None, "other")]["is_fallback"] is True


def test_only_changed_pools_are_tagged_again(home: Path, taxonomy: Taxonomy) -> None:
    con = _warehouse(home)
    refresh_tags(con, taxonomy)
    assert refresh_tags(con, taxonomy).pools == 0
    con.execute("update core.evaluations set superseded_by = 'b' where comments = '垃圾桶太少'")
    insert_rows(con, "core.evaluations", [_opinion("C02", "垃圾桶太少，电梯老坏")])
    summary = refresh_tags(con, taxonomy)
    assert (summary.pools, summary.opinions) == (1, 2), "C02 2026H1: the new form and a hearing"
    topics = con.execute(
        "select topics from metrics.opinions where community_id = 'C02' and source = 'evaluations'"
    ).fetchall()
    assert [sorted(row[0]) for row in topics] == [["lifts", "sanitation"]]
    assert con.execute("select count(*) from core.opinion_tags").fetchone() == (11,)


def test_a_new_taxonomy_retags_every_pool(home: Path, taxonomy: Taxonomy, tmp_path: Path) -> None:
    con = _warehouse(home)
    refresh_tags(con, taxonomy)
    edited = tmp_path / "edited.csv"
    edited.write_text(TAXONOMY + "reading,读书,Reading,读书会,,\n", encoding="utf-8")
    changed = load_taxonomy(edited)
    assert tagging_fingerprint(changed) != tagging_fingerprint(taxonomy)
    assert refresh_tags(con, changed).pools == 3
    found = con.execute(
        "select topics from metrics.opinions where text = '希望多组织一些读书会'"
    ).fetchall()
    assert found == [(["reading"],)]
    assert con.execute("select count(*) from ref.topics").fetchone() == (5,)


def test_group_numbers_restart_in_each_pool(taxonomy: Taxonomy) -> None:
    import pandas as pd

    frame = pd.DataFrame(
        {
            "period": ["2026H1"] * 4,
            "community_id": ["C01", "C01", "C02", "C02"],
            "text": ["垃圾桶太少", "垃圾桶太少了", "电梯老坏", "垃圾桶太少"],
        }
    )
    assert tag_frame(frame, taxonomy)["group_number"].tolist() == [0, 0, 0, 1]


def _comments_file(
    settings: Settings, name: str, comments: list[str], community: str = "和平社区"
) -> Path:
    rows = [
        evaluation(evaluator=f"评议{number}", comments=text, community=community)
        for number, text in enumerate(comments)
    ]
    return write_csv(settings.inbox_dir / name, "evaluations", rows)


def test_ingest_and_rebuild_keep_the_tags_current(settings: Settings) -> None:
    ingest(
        settings,
        [
            _comments_file(settings, "e.csv", ["小区晚上停车难", "楼道里堆满杂物"]),
            write_csv(settings.inbox_dir / "h.csv", "hearings", [hearing(topic="加装电梯")]),
        ],
    )
    statement = "select source, text, topics from metrics.opinions order by source, text"
    tagged = query(settings, statement)
    assert {text: (source, topics) for source, text, topics in tagged} == {
        "小区晚上停车难": ("evaluations", ["parking"]),
        "楼道里堆满杂物": ("evaluations", ["sanitation"]),
        "加装电梯": ("hearings", ["repairs"]),
    }
    ingest(settings, [_comments_file(settings, "e2.csv", ["电梯经常停运"], "新兴社区")])
    assert len(query(settings, statement)) == 4, "another community's forms add to the first's"
    ingest(settings, [_comments_file(settings, "e3.csv", ["垃圾分类点太远"])])
    assert ("楼道里堆满杂物",) not in query(settings, "select text from metrics.opinions"), (
        "a community's new file replaces its forms, and their opinions"
    )
    incremental = query(settings, "select * from metrics.opinions order by all")
    rebuild(settings)
    assert query(settings, "select * from metrics.opinions order by all") == incremental


def test_tagging_keeps_jiebas_dictionary_in_the_homes_cache(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.topics import tokens

    monkeypatch.setattr(tokens, "_tokenizer", None)  # built by this ingest, not an earlier test
    monkeypatch.setattr(tokens, "_cache_dir", None)
    monkeypatch.setattr(tokens, "_clause_cache", {})
    # A clause no earlier test segmented (the classifier remembers clauses it has seen).
    ingest(settings, [_comments_file(settings, "e.csv", ["篮球场边上的路灯晚上不亮"])])
    kept = list(settings.jieba_cache_dir.iterdir())
    assert [path.name.startswith("prefix-dictionary-") for path in kept] == [True]
    assert settings.jieba_cache_dir.parent == settings.home / "cache"


def test_a_broken_taxonomy_stops_the_ingest_before_anything_is_loaded(
    settings: Settings, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_text("topic,name_zh,name_en,keywords\nparking,停车,,停车\n", encoding="utf-8")
    settings = Settings(**{**settings.__dict__, "topics": str(broken)})
    with pytest.raises(TaxonomyError, match=r"broken\.csv.*2"):
        ingest(settings, [_comments_file(settings, "e.csv", ["停车难"])])
    assert not settings.warehouse_path.exists()
    with pytest.raises(TaxonomyError, match=r"broken\.csv"):
        tag_opinions(settings)
