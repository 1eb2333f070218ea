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
from flows.reports.statistics import fisher_two_sided

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


def test_fisher_two_sided_is_scipys_on_every_small_table() -> None:
    """Every 2×2 table with rows of up to 10, and scipy's p-value for it."""
    from scipy.stats import fisher_exact

    for n1 in range(11):
        for n2 in range(11):
            for a in range(n1 + 1):
                for c in range(n2 + 1):
                    table = [[a, n1 - a], [c, n2 - c]]
                    expected = float(fisher_exact(table, alternative="two-sided")[1])
                    assert fisher_two_sided(a, n1 - a, c, n2 - c) == pytest.approx(
                        expected, rel=1e-12, abs=1e-300
                    ), table


@pytest.mark.parametrize(
    "table",
    [
        pytest.param((195_129, 45_038, 177_273, 44_039), id="city-sized, p about 7e-23"),
        pytest.param((100_023, 139_626, 15, 1), id="lopsided"),
        pytest.param((2_950, 50, 2_900, 100), id="a subdistrict's year"),
        pytest.param((0, 300_000, 300_000, 0), id="p underflows"),
        pytest.param((480, 20, 480, 20), id="unchanged"),
    ],
)
def test_fisher_two_sided_is_scipys_on_large_tables(table: tuple[int, int, int, int]) -> None:
    from scipy.stats import fisher_exact

    a, b, c, d = table
    expected = float(fisher_exact([[a, b], [c, d]], alternative="two-sided")[1])
    assert fisher_two_sided(*table) == pytest.approx(expected, rel=1e-9, abs=1e-300)
