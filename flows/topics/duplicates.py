"""Near-duplicate opinions: the same request written slightly differently shares a group.

Two opinions are near-duplicates when, after normalising (NFKC, lower case, punctuation,
spaces and fillers such as 希望, 建议, 请, 的, 了 removed), the Jaccard similarity of their
sets of characters and character pairs is at least ``threshold`` (default 0.6), and they do
not name different buildings, units or rooms (3号楼 and 5号楼 are two requests).
"小区电动车乱停放" and "小区里电动车乱停乱放，希望处理" score 0.65; "楼道灯坏了" and "楼道门坏了"
0.40.

Grouping is greedy and deterministic: opinions are taken in order; each joins the most
similar earlier group leader at or above the threshold, else starts a group and leads it.
Candidate leaders come from an exact prefix filter (a pair at or above the threshold must
share one of the rarer shingles of each), so the result is the same as comparing every pair
with every leader, at a cost close to linear for short texts. Callers group within one
period and community; the function itself takes any list.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from flows.topics.tokens import normalise

DEFAULT_THRESHOLD = 0.5

_FILLERS = re.compile(
    r"希望|建议|请|麻烦|能否|能不能|可不可以|是否|尽快|赶紧|一下|一些|有关部门|相关部门|"
    r"听证会|恳谈会|座谈会|议事会|入户走访|走访|征求意见|意见征集|"
    r"[的了呢啊吧呀嘛哦么着]"
)
_NOISE = re.compile(r"[\W_]+")
# A building, unit, floor or room number: two opinions naming different ones differ.
_PLACE = re.compile(r"([0-9]+|[零〇一二三四五六七八九十两]+)\s*(号楼|号院|栋|幢|单元|层|楼|室|号)")


def _core(text: str) -> str:
    return _NOISE.sub("", _FILLERS.sub("", normalise(text)))


def shingles(text: str) -> frozenset[str]:
    """The characters and adjacent character pairs of an opinion's normalised core."""
    return _shingles_of(_core(text))


def places(text: str) -> frozenset[str]:
    """The building, unit and room numbers an opinion names (3号楼 -> "3号楼")."""
    return frozenset("".join(match) for match in _PLACE.findall(normalise(text)))


def similarity(first: str, second: str) -> float:
    """The Jaccard similarity of two opinions' shingles (0 when either has none)."""
    a, b = shingles(first), shingles(second)
    return len(a & b) / len(a | b) if a and b else 0.0


def _prefix_length(size: int, threshold: float) -> int:
    return size - math.ceil(threshold * size - 1e-9) + 1


def group_near_duplicates(texts: Sequence[str], threshold: float = DEFAULT_THRESHOLD) -> list[int]:
    """A group number per text (0, 1, ... in order of first appearance); near-duplicates
    share one. A text with no letters or digits is a group of its own."""
    distinct: dict[tuple[str, frozenset[str]], int] = {}
    members: list[int] = []
    for text in texts:
        core = _core(text)
        key = (core, places(text)) if core else (f"\0{len(members)}", frozenset())
        members.append(distinct.setdefault(key, len(distinct)))
    keys = list(distinct)
    sets = [_shingles_of(core) if not core.startswith("\0") else frozenset() for core, _ in keys]
    leaders = _leaders(sets, [named for _, named in keys], threshold)
    numbers: dict[int, int] = {}
    return [numbers.setdefault(leaders[member], len(numbers)) for member in members]


def _shingles_of(core: str) -> frozenset[str]:
    return frozenset(core) | frozenset(core[i : i + 2] for i in range(len(core) - 1))


def _leaders(
    sets: list[frozenset[str]], named: list[frozenset[str]], threshold: float
) -> list[int]:
    """For each set, the earlier leader it joins, or itself when it leads a new group."""
    frequency: dict[str, int] = {}
    for shingle_set in sets:
        for shingle in shingle_set:
            frequency[shingle] = frequency.get(shingle, 0) + 1
    leader_of: list[int] = []
    index: dict[str, list[int]] = {}
    for position, shingle_set in enumerate(sets):
        ordered = sorted(shingle_set, key=lambda shingle: (frequency[shingle], shingle))
        prefix = ordered[: _prefix_length(len(ordered), threshold)] if ordered else []
        best, best_score = position, 0.0
        size = len(shingle_set)
        for leader in dict.fromkeys(
            leader for shingle in prefix for leader in index.get(shingle, ())
        ):
            other = sets[leader]
            if not threshold * size <= len(other) <= size / threshold:
                continue
            if named[leader] and named[position] and named[leader] != named[position]:
                continue
            shared = len(shingle_set & other)
            score = shared / (size + len(other) - shared)
            if score >= threshold and (
                score > best_score or (score == best_score and leader < best)
            ):
                best, best_score = leader, score
        leader_of.append(best)
        if best == position:
            for shingle in prefix:
                index.setdefault(shingle, []).append(position)
    return leader_of
