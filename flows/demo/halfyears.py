"""The half-year as forms write it, and the days forms fall on around it."""

from __future__ import annotations

import random
from datetime import date, timedelta

from flows.periods import Period


def period_label(period: Period) -> str:
    """The half-year as file names and titles write it: ``2026年上半年``."""
    return f"{period.year}年{'上' if period.half == 1 else '下'}半年"


def period_text(rng: random.Random, period: Period) -> str:
    """The half-year written in one of the ways forms write it."""
    half = "上" if period.half == 1 else "下"
    return rng.choice(
        (
            period_label(period),
            period_label(period),
            f"{period.year}{half}半年",
            str(period),
            f"{period.year}-H{period.half}",
        )
    )


def after_period(rng: random.Random, period: Period, late_share: float) -> date:
    """A date shortly after the half-year ends: mostly within 15 days, a few later."""
    late = rng.random() < late_share
    return period.end + timedelta(days=rng.randint(16, 45) if late else rng.randint(1, 15))


def day_within(rng: random.Random, period: Period) -> date:
    """A day inside the half-year."""
    return period.start + timedelta(days=rng.randint(0, (period.end - period.start).days))
