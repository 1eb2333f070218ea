"""Seeded draws: generators by purpose, and whole numbers in proportion to weights."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.demo.draws import apportion, rng_for
from flows.periods import Period


def test_a_generator_is_seeded_by_the_seed_and_its_purpose_as_text() -> None:
    # String seeds hash the same in every process, unlike hash() of a tuple.
    drawn = rng_for(7, "roster", Period(2026, 1), "C01").random()
    assert drawn == random.Random("7:roster:2026H1:C01").random()
    assert drawn != rng_for(7, "roster", Period(2026, 2), "C01").random()
    assert drawn != rng_for(8, "roster", Period(2026, 1), "C01").random()


@pytest.mark.parametrize(
    ("total", "weights", "parts"),
    [
        # 10/3 = 3.33 each: the first of the equal remainders gets the extra one.
        pytest.param(10, [1, 1, 1], [4, 3, 3], id="equal-weights"),
        # 3.5, 1.75, 1.75: floors 3+1+1 = 5, the two largest remainders (0.75) get one each.
        pytest.param(7, [0.5, 0.25, 0.25], [3, 2, 2], id="largest-remainder"),
        pytest.param(21_000, [1.0], [21_000], id="one-share"),
        pytest.param(5, [], [], id="no-weights"),
    ],
)
def test_apportion_by_largest_remainder(total: int, weights: list[float], parts: list[int]) -> None:
    assert apportion(total, weights) == parts


@given(
    st.integers(min_value=0, max_value=100_000),
    st.lists(st.floats(min_value=0.01, max_value=100.0), min_size=1, max_size=60),
)
def test_apportioned_parts_add_up_and_stay_within_one_of_their_share(
    total: int, weights: list[float]
) -> None:
    parts = apportion(total, weights)
    assert sum(parts) == total
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part - total * weight / sum(weights)) < 1 + 1e-6
