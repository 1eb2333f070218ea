"""How far a figure is from its target, in what a person can act on: more satisfied forms,
more members, more organisations, and the gap in percentage points."""

from __future__ import annotations

import math

from flows.reports.context import Context


def short_of_target(part: int, total: int, target: float) -> int:
    """How many more of ``total`` must count (satisfied forms, members, organisations) for
    ``part / total`` to reach ``target``, the total staying the same; 0 when it does."""
    if total <= 0:
        return 0
    # The tolerance keeps a product that floating point puts a hair above a whole number
    # (0.07 * 100 = 7.000000000000001) from asking for one more.
    return max(0, math.ceil(target * total - part - 1e-9))


def short_text(ctx: Context, key: str, rate: float, target: float, count: int) -> str:
    """ "还差 4 人（1.2 个百分点）" / "4 more member(s) (1.2 pp)"; "" when the target is met."""
    if count <= 0 or rate >= target:
        return ""
    gap = (target - rate) * 100
    # Never "0.0": a gap under a tenth of a point shows its hundredths (at least 0.01).
    points = f"{gap:.1f}" if gap >= 0.05 else f"{max(gap, 0.01):.2f}"
    return ctx.t(f"report.headline.short.{key}", count=f"{count:,}", points=points)
