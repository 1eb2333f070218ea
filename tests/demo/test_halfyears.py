"""Half-year texts and dates: labels, the ways forms write a period, days around it."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from flows.demo.halfyears import after_period, day_within, period_label, period_text
from flows.periods import Period, parse_period
from flows.settings import Settings
from tests.demo.readback import files_of, read_evaluations, read_reports


@pytest.mark.parametrize(
    ("period", "label"),
    [(Period(2026, 1), "2026年上半年"), (Period(2025, 2), "2025年下半年")],
    ids=str,
)
def test_period_label_is_how_titles_write_the_half_year(period: Period, label: str) -> None:
    assert period_label(period) == label


@pytest.mark.parametrize("period", [Period(2026, 1), Period(2025, 2)], ids=str)
def test_every_way_forms_write_the_period_reads_back_as_it(period: Period) -> None:
    rng = random.Random(1)
    texts = {period_text(rng, period) for _ in range(200)}
    half = "上" if period.half == 1 else "下"
    assert texts == {
        f"{period.year}年{half}半年",
        f"{period.year}{half}半年",
        f"{period.year}H{period.half}",
        f"{period.year}-H{period.half}",
    }
    assert {parse_period(text) for text in texts} == {period}


@pytest.mark.parametrize("period", [Period(2026, 1), Period(2025, 2)], ids=str)
def test_days_fall_inside_or_just_after_the_half_year(period: Period) -> None:
    rng = random.Random(2)
    inside = [day_within(rng, period) for _ in range(500)]
    assert period.start <= min(inside) and max(inside) <= period.end
    on_time = [(after_period(rng, period, 0.0) - period.end).days for _ in range(500)]
    late = [(after_period(rng, period, 1.0) - period.end).days for _ in range(500)]
    assert (min(on_time), max(on_time)) == (1, 15)
    assert (min(late), max(late)) == (16, 45)


def test_dates_follow_the_period_end(demo: tuple[Settings, list[Path]]) -> None:
    _, paths = demo
    period = Period(2026, 1)
    days = [
        (form["evaluated_on"] - period.end).days
        for path in files_of(paths, "代表评议", period)
        for form in read_evaluations(path)
    ]
    days += [
        (report["submitted_on"] - period.end).days
        for report in read_reports(files_of(paths, "党支部", period)[0])
    ]
    assert min(days) >= 1
    assert 0.85 <= sum(d <= 15 for d in days) / len(days) < 1.0
