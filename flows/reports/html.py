"""The HTML writer: the semiannual report and the data-quality report as self-contained pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flows.reports.cells import (
    Table,
)
from flows.reports.context import (
    Context,
)
from flows.reports.headline import Figure
from flows.reports.templating import ENV

# The quality report names the corrections workbooks up to this many; past it, it counts them.
NAMED_CORRECTIONS = 50


def _generated(ctx: Context) -> str:
    now = datetime.now(ZoneInfo(ctx.settings.timezone))
    return ctx.t("report.generated", when=now.strftime("%Y-%m-%d %H:%M"), tz=ctx.settings.timezone)


def render_report(ctx: Context, figures: Sequence[Figure], tables: Sequence[Table]) -> str:
    """The semiannual report as one self-contained HTML page."""
    return ENV.get_template("report.html.j2").render(
        lang=ctx.lang,
        title=ctx.t("report.title", period=ctx.period_name()),
        subtitle=ctx.t("report.subtitle"),
        generated=_generated(ctx),
        contents=ctx.t("report.contents"),
        figures=figures,
        tables=tables,
        no_data=ctx.t("report.no_data"),
    )


def render_quality(ctx: Context, tables: Sequence[Table], corrections: Sequence[Path]) -> str:
    """The data-quality report as one self-contained HTML page."""
    if len(corrections) > NAMED_CORRECTIONS:
        note = ctx.t("report.quality.corrections_many", count=f"{len(corrections):,}")
    elif corrections:
        note = ctx.t("report.quality.corrections", names=", ".join(p.name for p in corrections))
    else:
        note = ""
    return ENV.get_template("quality.html.j2").render(
        lang=ctx.lang,
        title=ctx.t("report.quality_title", period=ctx.period_name()),
        subtitle=ctx.t("report.quality.intro"),
        generated=_generated(ctx),
        contents=ctx.t("report.contents"),
        corrections=note,
        tables=tables,
        no_data=ctx.t("report.quality.none"),
    )
