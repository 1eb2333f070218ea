"""Tagging: whole-word keywords, hints in pairs, several topics, 其他 and its frequent words."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.settings import DEFAULT_TOPICS, load_settings
from flows.topics import classify, explain, load_taxonomy, other_terms, says_nothing
from flows.topics.taxonomy import Taxonomy

SMALL = (
    "topic,name_zh,name_en,keywords,hints\n"
    "sanitation,环境卫生,Sanitation,卫生|垃圾|杂物,\n"
    "health,医疗健康,Health,医院|卫生服务站,\n"
    "parking,停车交通,Parking,停车|车位|停车位|乱停乱放,车\n"
    "neighbours,邻里纠纷,Neighbours,噪音|吵,楼上|半夜\n"
    "repairs,设施维修,Repairs,扶手|修,\n"
)


@pytest.fixture(scope="module")
def shipped() -> Taxonomy:
    return load_taxonomy(DEFAULT_TOPICS)


@pytest.fixture
def small(tmp_path: Path) -> Taxonomy:
    path = tmp_path / "small.csv"
    path.write_text(SMALL, encoding="utf-8")
    return load_taxonomy(path)


def test_keywords_match_whole_words_not_substrings(small: Taxonomy) -> None:
    # 卫生 is inside 卫生服务站: a substring search would call this sanitation.
    assert classify(["社区卫生服务站人太多"], small) == [["health"]]
    assert explain("社区卫生服务站人太多", small) == {"health": ["卫生服务站"]}


def test_a_term_inside_a_longer_match_does_not_count(small: Taxonomy) -> None:
    # 车位 is not counted again inside 停车位.
    assert explain("希望增加停车位", small) == {"parking": ["停车位"]}


def test_one_hint_is_not_enough_two_are(small: Taxonomy) -> None:
    assert classify(["楼上新搬来一户"], small, learned=False) == [["other"]]
    assert classify(["楼上半夜总是拖椅子"], small) == [["neighbours"]]
    assert explain("楼上半夜总是拖椅子", small) == {"neighbours": ["楼上?", "半夜?"]}


def test_an_opinion_raising_two_matters_gets_both_strongest_first(small: Taxonomy) -> None:
    assert classify(["楼道里堆满杂物，电动车乱停乱放占了车位"], small) == [
        ["parking", "sanitation"]
    ]


def test_a_joined_word_counts_the_terms_it_begins_and_ends_with(small: Taxonomy) -> None:
    # The user dictionary has no 楼梯扶手; jieba joins it; 扶手 ends it.
    assert classify(["楼梯扶手松了"], small) == [["repairs"]]


def test_nothing_matched_is_other_and_nothing_said_is_no_topic(small: Taxonomy) -> None:
    texts = ["手机信号太差", "无", "  没有意见。", "", "/", "暂无"]
    assert classify(texts, small) == [["other"], [], [], [], [], []]
    assert says_nothing(None) and not says_nothing("无人管")


def test_identical_texts_get_equal_but_separate_lists(small: Taxonomy) -> None:
    tagged = classify(["小区停车难", "小区停车难"], small)
    tagged[0].append("changed")
    assert tagged[1] == ["parking"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("晚上七点以后小区里根本找不到地方放车", {"parking"}),
        ("楼道的声控灯坏了半个月", {"repairs"}),
        ("楼上每天半夜拖椅子，说了也不听", {"neighbours"}),
        ("独居老人没人照应，希望常去看看", {"elderly"}),
        ("消防通道被私家车占了，着火了救护车进不来", {"safety", "parking"}),
        ("手机信号太差，在家打电话都断线", {"other"}),
    ],
    ids=["parking-without-停车", "lights", "noise", "living-alone", "two-topics", "other"],
)
def test_shipped_taxonomy_on_everyday_opinions(
    shipped: Taxonomy, text: str, expected: set[str]
) -> None:
    assert set(classify([text], shipped)[0]) == expected


def test_every_shipped_example_lands_in_its_topic(shipped: Taxonomy) -> None:
    for topic in shipped.topics:
        for example, found in zip(topic.examples, classify(topic.examples, shipped), strict=True):
            assert topic.code in found, (example, found)


def test_other_terms_counts_opinions_not_words() -> None:
    texts = ["手机信号太差", "手机信号太差", "手机信号太弱，快递也慢", "希望快递送上门", "无"]
    terms = dict(other_terms(texts))
    # 手机信号 is in three opinions; 快递 in two; 希望 is a stopword, 差 a single character.
    assert terms["手机信号"] == 3
    assert terms["快递"] == 2
    assert "希望" not in terms and "差" not in terms
    assert other_terms(texts, limit=1) == [("手机信号", 3)]


def test_minyi_topics_names_another_taxonomy(tmp_path: Path, small: Taxonomy) -> None:
    settings = load_settings(env={"MINYI_HOME": str(tmp_path), "MINYI_TOPICS": str(small.path)})
    assert settings.topics_path == small.path
    assert classify(["楼上半夜吵"], load_taxonomy(settings.topics_path)) == [["neighbours"]]


def test_topics_setting_defaults_to_the_shipped_file_and_resolves_from_home(
    tmp_path: Path,
) -> None:
    assert load_settings(env={"MINYI_HOME": str(tmp_path)}).topics_path == DEFAULT_TOPICS
    (tmp_path / "settings.toml").write_text('topics = "mine.csv"\n', encoding="utf-8")
    assert load_settings(env={"MINYI_HOME": str(tmp_path)}).topics_path == tmp_path / "mine.csv"
    env = {"MINYI_HOME": str(tmp_path), "MINYI_TOPICS": "other.csv"}
    assert load_settings(env=env).topics_path == tmp_path / "other.csv"
