"""Fisher's exact test of a change and the small-cell rule."""

from __future__ import annotations

import math
import pickle
from typing import Any

import pytest

from flows.reports import (
    SUPPRESSED,
    change_test,
    suppressed_cells,
)

# Pure logic


@pytest.mark.parametrize(
    ("counts", "significant"),
    [
        pytest.param((24, 25, 25, 25), False, id="25of25-to-24of25"),
        pytest.param((30, 50, 48, 50), True, id="48of50-to-30of50"),
        pytest.param((25, 25, 25, 25), False, id="unchanged"),
    ],
)
def test_change_test_flags_only_real_changes(
    counts: tuple[int, int, int, int], significant: bool
) -> None:
    result = change_test(*counts)
    assert result is not None
    assert result.significant is significant
    assert result.p_value == pytest.approx(_fisher_two_sided(*counts))


def _fisher_two_sided(a: int, n1: int, c: int, n2: int) -> float:
    """Fisher's two-sided p by summing hypergeometric probabilities no larger than observed."""
    total, successes = n1 + n2, a + c

    def prob(x: int) -> float:
        return math.comb(n1, x) * math.comb(n2, successes - x) / math.comb(total, successes)

    observed = prob(a)
    support = range(max(0, successes - n2), min(n1, successes) + 1)
    return min(1.0, sum(prob(x) for x in support if prob(x) <= observed * (1 + 1e-7)))


def test_change_test_without_previous_is_none() -> None:
    assert change_test(10, 10, 0, 0) is None


@pytest.mark.parametrize(
    ("sizes", "groups", "hidden"),
    [
        pytest.param({"a": 10, "b": 12}, (), set(), id="none-small"),
        pytest.param({"a": 2, "b": 12, "c": 20}, (), {"a", "b"}, id="complement-smallest"),
        pytest.param({"a": 2, "b": 1, "c": 20}, (), {"a", "b"}, id="two-small-enough"),
        pytest.param(
            {("x", "r1"): 2, ("x", "r2"): 10, ("y", "r1"): 9, ("y", "r2"): 11},
            (lambda k: k[0], lambda k: k[1]),
            {("x", "r1"), ("x", "r2"), ("y", "r1"), ("y", "r2")},
            id="grid-rows-and-columns",
        ),
    ],
)
def test_suppressed_cells(sizes: dict[Any, int], groups: Any, hidden: set[Any]) -> None:
    assert suppressed_cells(sizes, 3, groups) == hidden


def test_suppressed_survives_pickling() -> None:
    assert pickle.loads(pickle.dumps(SUPPRESSED)) is SUPPRESSED
    assert pickle.loads(pickle.dumps([1, SUPPRESSED]))[1] is SUPPRESSED
