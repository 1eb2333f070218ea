"""Inline SVG charts whose text stays text: dot-and-interval by group, trend lines."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from flows.messages import msg
from flows.reports.cells import rate_text
from flows.reports.templating import ENV


@dataclass(frozen=True)
class Point:
    label: str
    rate: float
    low: float
    high: float
    verdict: str
    small: bool


def axis_low(values: Iterable[float], target: float) -> float:
    """Where a rate axis starts: a round figure below every value and the target."""
    lowest = max(0.0, min([*values, target - 0.05]))
    low = math.floor(lowest * 20) / 20
    return min(0.9, low if 1.0 - low <= 0.3 else math.floor(lowest * 10) / 10)


# Wide enough that a value label always fits right of its interval, even one ending at 100%.
CHART_WIDTH = 800


def dot_interval_chart(points: Sequence[Point], target: float, title: str, lang: str) -> Markup:
    """An inline SVG: one row per group, dot at the rate, bar over its interval, target line."""
    if not points:
        return Markup("")
    low = axis_low((p.low for p in points), target)
    left, right, top, row_height = 190.0, 730.0, 44.0, 24.0

    def x(value: float) -> float:
        return round(left + (value - low) / (1.0 - low) * (right - left), 1)

    step = 0.05 if 1.0 - low <= 0.3 else 0.1
    ticks = [round(low + i * step, 4) for i in range(round((1.0 - low) / step) + 1)]
    rows = [
        {
            "y": top + (i + 0.5) * row_height,
            "label": p.label,
            "cx": x(p.rate),
            "x1": x(max(p.low, low)),
            "x2": x(p.high),
            "verdict": p.verdict,
            "small": p.small,
            "text": rate_text(p.rate, target),
        }
        for i, p in enumerate(points)
    ]
    height = top + len(points) * row_height + 12
    return Markup(
        ENV.get_template("charts/dot_interval.svg.j2").render(
            rows=rows,
            ticks=[{"x": x(t), "text": f"{t:.0%}"} for t in ticks],
            target_x=x(target),
            target_text=msg("report.headline.target", lang, target=f"{target:.0%}"),
            title=title,
            top=top,
            bottom=height - 12,
            height=height,
            width=CHART_WIDTH,
        )
    )


def trend_chart(
    label: str, series: Sequence[tuple[str, float | None]], target: float, low: float
) -> Markup:
    """A small inline SVG line chart of one community's rate over half-years."""
    width, height, pad_x, top, bottom = 230.0, 120.0, 30.0, 22.0, 96.0
    count = max(1, len(series) - 1)

    def y(value: float) -> float:
        return round(bottom - (value - low) / (1.0 - low) * (bottom - top), 1)

    points = [
        {
            "x": round(pad_x + i * (width - 2 * pad_x) / count, 1),
            "y": y(max(v, low)),
            "text": rate_text(v, target),
        }
        for i, (_p, v) in enumerate(series)
        if v is not None
    ]
    return Markup(
        ENV.get_template("charts/trend.svg.j2").render(
            label=label,
            points=points,
            path=" ".join(f"{p['x']},{p['y']}" for p in points),
            first=series[0][0] if series else "",
            last=series[-1][0] if series else "",
            target_y=y(target),
            width=width,
            height=height,
            bottom=bottom,
        )
    )
