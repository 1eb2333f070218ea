"""Rosters of evaluators per community: synthetic names and roles, grown half-year by half-year."""

from __future__ import annotations

import random
from typing import Final

from flows.demo.draws import rng_for
from flows.demo.entities import Evaluator
from flows.periods import Period

_SURNAMES: Final = tuple(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
)
_GIVEN_CHARACTERS: Final = tuple(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红建国志文斌海燕春梅林波宇浩凯鹏"
    "辉晨欣怡佳婷雪琳晶琴云莉颖慧淑珍凤荣德福祥振兴宏亮永立新俊峰秋菊树森桂香金宝玉成"
)

_ROLE_RESIDENT: Final = "居民代表"
_ROLE_DEPUTY: Final = "人大代表"
_ROLE_CPPCC: Final = "政协委员"
_ROLE_UNIT: Final = "单位代表"


def _new_name(rng: random.Random, taken: set[str]) -> str:
    """A synthetic Chinese full name not yet used in this community and period."""
    while True:
        given_length = 1 if rng.random() < 0.3 else 2
        name = rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN_CHARACTERS, k=given_length))
        if name not in taken:
            taken.add(name)
            return name


def fresh_roster(seed: int, community_id: str) -> list[Evaluator]:
    """A first roster for a community: 16-60 people, mostly resident representatives."""
    rng = rng_for(seed, "roster", "fresh", community_id)
    size = rng.randint(16, 60)
    roles = [_ROLE_DEPUTY] * rng.randint(1, 3) + [_ROLE_CPPCC] * rng.randint(1, 2)
    roles += [_ROLE_UNIT] * rng.randint(0, 4)
    roles += [_ROLE_RESIDENT] * (size - len(roles))
    taken: set[str] = set()
    return [Evaluator(_new_name(rng, taken), role) for role in roles]


def roster_after(
    seed: int, community_id: str, period: Period, previous: list[Evaluator]
) -> list[Evaluator]:
    """The roster of ``period`` grown from an earlier one: most people stay, a few change."""
    if not previous:
        return fresh_roster(seed, community_id)
    rng = rng_for(seed, "roster", period, community_id)
    taken = {person.name for person in previous}
    roster = [
        person if rng.random() < 0.9 else Evaluator(_new_name(rng, taken), person.role)
        for person in previous
    ]
    change = rng.randint(-2, 2)
    if change < 0 and len(roster) + change >= 16:
        roster = roster[:change]
    elif change > 0 and len(roster) + change <= 60:
        roster += [Evaluator(_new_name(rng, taken), _ROLE_RESIDENT) for _ in range(change)]
    return roster
