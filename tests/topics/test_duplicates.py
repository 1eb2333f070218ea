"""Near-duplicate grouping: the same request written differently shares a group."""

from __future__ import annotations

import pytest

from flows.topics import group_near_duplicates, similarity
from flows.topics.duplicates import places, shingles


def test_similarity_by_hand() -> None:
    # Cores 小区电动车乱停放 and 小区里电动车乱停乱放: characters 8 and 9, 8 shared;
    # pairs 7 and 9, 5 shared (小区 电动 动车 车乱 乱停): (8 + 5) / (17 + 16 - 13) = 13/20.
    assert similarity("小区电动车乱停放", "小区里电动车乱停乱放") == pytest.approx(13 / 20)
    assert shingles("希望楼道灯坏了！") == shingles("楼道灯坏")
    assert similarity("", "楼道灯坏了") == 0.0


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("小区电动车乱停放", "小区里电动车乱停乱放"),
        ("小区电动车乱停放", "小区里电动车乱停乱放，希望处理"),
        ("楼道灯坏了，希望尽快修理", "楼道的灯坏了，请尽快维修"),
        ("希望增加停车位", "建议增加停车位。"),
        ("电梯经常坏", "电梯经常坏，希望修一下"),
        ("广场舞噪音太大", "广场舞的噪音太大了，影响休息"),
    ],
    ids=["issue-example", "with-request", "lights", "fillers", "longer", "dance-noise"],
)
def test_rewordings_share_a_group(first: str, second: str) -> None:
    assert group_near_duplicates([first, second]) == [0, 0]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("3号楼电梯坏了", "5号楼电梯坏了"),
        ("三单元楼道灯不亮", "五单元楼道灯不亮"),
        ("楼道灯坏了", "楼道门坏了"),
        ("希望增加停车位", "希望增加充电桩"),
        ("物业费太贵", "停车费太贵"),
    ],
    ids=["other-building", "other-unit", "lights-or-door", "parking-or-charging", "fees"],
)
def test_different_requests_stay_apart(first: str, second: str) -> None:
    assert group_near_duplicates([first, second]) == [0, 1]


def test_places_are_read_in_digits_and_chinese() -> None:
    assert places("3号楼2单元的灯坏了") == {"3号楼", "2单元"}
    assert places("三单元门口") == {"三单元"}
    assert places("楼道灯坏了") == frozenset()


def test_groups_are_numbered_in_order_of_first_appearance() -> None:
    texts = ["楼道灯坏了", "物业费太贵", "楼道的灯坏了", "物业费太贵了！", "小区停车难"]
    assert group_near_duplicates(texts) == [0, 1, 0, 1, 2]


def test_empty_texts_are_groups_of_their_own() -> None:
    assert group_near_duplicates(["", "！！", "楼道灯坏了", ""]) == [0, 1, 2, 3]


def test_within_keeps_communities_apart() -> None:
    texts = ["小区电动车乱停放", "小区里电动车乱停乱放", "小区电动车乱停放"]
    assert group_near_duplicates(texts, within=["C01", "C02", "C01"]) == [0, 1, 0]
    with pytest.raises(ValueError, match="one key per text"):
        group_near_duplicates(texts, within=["C01"])


def test_a_text_joins_its_most_similar_leader() -> None:
    texts = ["楼道灯坏了", "电梯坏了", "楼道的灯坏了好几天"]
    assert group_near_duplicates(texts) == [0, 1, 0]


def test_threshold_is_a_parameter() -> None:
    pair = ["垃圾桶太少了", "垃圾桶太脏了"]
    assert similarity(*pair) == pytest.approx(7 / 11)
    assert group_near_duplicates(pair) == [0, 0]
    assert group_near_duplicates(pair, threshold=0.7) == [0, 1]
