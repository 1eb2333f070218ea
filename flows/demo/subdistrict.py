"""The demo subdistrict shaped like the seed: its communities and organisations, ids and names.

One subdistrict has 9 communities (21,000 households, 68,000 residents), 31 building branches,
7 market and enterprise branches, 9 temporary branches, 1 integrated economic committee and 38
co-building unit organisations. With several subdistricts, ids carry an ``S0001``-style prefix
and names a place name, so both stay unique.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Final

from flows.demo.draws import apportion, rng_for
from flows.demo.entities import Community, Organisation

_COMMUNITY_NAMES: Final = (
    "和平",
    "新兴",
    "南营门",
    "五大道",
    "劝业场",
    "小白楼",
    "体育馆",
    "南市",
    "滨江",
)
_SUBDISTRICT_STEMS: Final = tuple(
    "长江黄河泰山华山中山解放建设人民胜利团结友谊东湖西湖南湖北湖青年红旗朝阳前进"
    "新华光荣振兴长春永安太平安定康宁福安昌平丰台海河滨海龙潭凤鸣锦绣文华"
)
_SUBDISTRICT_SUFFIXES: Final = tuple("路道里桥门园湖山城庄街港湾坊苑")
_MARKET_BRANCHES: Final = (
    "滨江道商业街市场党支部",
    "南市食品街市场党支部",
    "西康路农贸市场党支部",
)
_ENTERPRISE_BRANCHES: Final = (
    "华信科技有限公司党支部",
    "津海物流有限公司党支部",
    "恒达律师事务所党支部",
    "同仁物业服务有限公司党支部",
)
_TEMPORARY_BRANCHES: Final = (
    "南市食品街商户临时党支部",
    "滨江道商户临时党支部",
    "快递外卖骑手临时党支部",
    "家政服务人员临时党支部",
    "网约车司机临时党支部",
    "小白楼商务楼宇临时党支部",
    "装修施工人员临时党支部",
    "劝业场商户临时党支部",
    "外来务工人员临时党支部",
)
_ECONOMIC_COMMITTEE: Final = "综合经济党委"
_AGENCIES: Final = (
    "市发展改革委",
    "市教委",
    "市科技局",
    "市工业和信息化局",
    "市民政局",
    "市司法局",
    "市财政局",
    "市人力资源和社会保障局",
    "市规划和自然资源局",
    "市生态环境局",
    "市住房和城乡建设委",
    "市城市管理委",
    "市交通运输委",
    "市水务局",
    "市农业农村委",
    "市商务局",
    "市文化和旅游局",
    "市卫生健康委",
    "市退役军人事务局",
    "市应急管理局",
    "市审计局",
    "市国资委",
    "市市场监管委",
    "市体育局",
    "市统计局",
    "市医保局",
    "市信访办",
    "市政务服务办",
    "市粮食和物资储备局",
    "市机关事务管理局",
    "市合作交流办",
    "市地方金融监管局",
    "市档案馆",
    "市气象局",
    "市民族宗教委",
    "市外办",
    "市总工会",
    "市妇联",
)
_CHINESE_ORDINALS: Final = ("一", "二", "三", "四", "五", "六")


def subdistrict_of(identifier: str) -> str:
    """The subdistrict prefix of a community or organisation id (``S0001``), "" if none."""
    return identifier.split("-", 1)[0] if "-" in identifier else ""


def _prefixed(prefix: str, identifier: str) -> str:
    """An id with the subdistrict prefix when there is one."""
    return f"{prefix}-{identifier}" if prefix else identifier


def _subdistrict_prefix(index: int, count: int) -> str:
    """``S0001``-style prefix of the index-th subdistrict, "" when there is only one."""
    return f"S{index + 1:04d}" if count > 1 else ""


def _subdistrict_stem(index: int, count: int) -> str:
    """A place name that makes names unique across subdistricts ("" for a single one)."""
    if count == 1:
        return ""
    stems, suffixes = len(_SUBDISTRICT_STEMS) // 2, len(_SUBDISTRICT_SUFFIXES)
    stem = _SUBDISTRICT_STEMS[2 * (index % stems)] + _SUBDISTRICT_STEMS[2 * (index % stems) + 1]
    stem += _SUBDISTRICT_SUFFIXES[(index // stems) % suffixes]
    cycle = index // (stems * suffixes)
    return f"{stem}{cycle + 1}" if cycle else stem


def build_communities(seed: int, index: int = 0, count: int = 1) -> list[Community]:
    """The nine communities of one subdistrict: 21,000 households and 68,000 residents."""
    rng = rng_for(seed, "communities", index)
    prefix, stem = _subdistrict_prefix(index, count), _subdistrict_stem(index, count)
    households = apportion(21_000, [rng.uniform(0.7, 1.3) for _ in _COMMUNITY_NAMES])
    residents = apportion(68_000, [h * rng.uniform(2.9, 3.6) for h in households])
    return [
        Community(_prefixed(prefix, f"C{n:02d}"), f"{stem}{name}社区", hh, people)
        for n, (name, hh, people) in enumerate(
            zip(_COMMUNITY_NAMES, households, residents, strict=True), start=1
        )
    ]


def _building_branches(rng: random.Random, communities: list[Community]) -> list[Organisation]:
    """31 building branches, three or four under each community."""
    with_four = set(rng.sample(range(len(communities)), 31 - 3 * len(communities)))
    prefix = subdistrict_of(communities[0].community_id)
    branches: list[Organisation] = []
    for position, community in enumerate(communities):
        for ordinal in _CHINESE_ORDINALS[: 4 if position in with_four else 3]:
            org_id = _prefixed(prefix, f"B{len(branches) + 1:02d}")
            name = f"{community.name}第{ordinal}楼院党支部"
            branches.append(Organisation(org_id, name, "building_branch", community.community_id))
    return branches


def _subdistrict_orgs(prefix: str, stem: str) -> list[Organisation]:
    """Market, enterprise and temporary branches and the economic committee (no community)."""
    label = f"{stem}街道" if stem else ""
    groups = (
        ("M", "market_branch", _MARKET_BRANCHES),
        ("E", "enterprise_branch", _ENTERPRISE_BRANCHES),
        ("T", "temporary_branch", _TEMPORARY_BRANCHES),
        ("K", "economic_committee", (_ECONOMIC_COMMITTEE,)),
    )
    orgs = [
        Organisation(_prefixed(prefix, f"{letter}{n:02d}"), f"{label}{name}", kind, "")
        for letter, kind, names in groups
        for n, name in enumerate(names, start=1)
    ]
    # A temporary branch closes when its floating members move on: shows active_to.
    last_temporary = _prefixed(prefix, f"T{len(_TEMPORARY_BRANCHES):02d}")
    return [replace(o, active_to="2025H1") if o.org_id == last_temporary else o for o in orgs]


def _unit_orgs(rng: random.Random, communities: list[Community], stem: str) -> list[Organisation]:
    """38 municipal agency party organisations, each in co-building with one community."""
    prefix = subdistrict_of(communities[0].community_id)
    partners = [communities[i % len(communities)].community_id for i in range(len(_AGENCIES))]
    rng.shuffle(partners)
    label = f"（{stem}街道）" if stem else ""
    orgs = [
        Organisation(
            _prefixed(prefix, f"U{n:02d}"), f"{agency}机关党委{label}", "unit_org", partner
        )
        for n, (agency, partner) in enumerate(zip(_AGENCIES, partners, strict=True), start=1)
    ]
    # The newest co-building agreement started in the second half of 2025: shows active_from.
    orgs[-1] = replace(orgs[-1], active_from="2025H2")
    return orgs


def build_organisations(
    seed: int, communities: list[Community], index: int = 0, count: int = 1
) -> list[Organisation]:
    """The 86 organisations of one subdistrict, as the seed text counts them."""
    rng = rng_for(seed, "organisations", index)
    prefix, stem = _subdistrict_prefix(index, count), _subdistrict_stem(index, count)
    return [
        *_building_branches(rng, communities),
        *_subdistrict_orgs(prefix, stem),
        *_unit_orgs(rng, communities, stem),
    ]
