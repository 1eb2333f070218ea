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


def _page(
    ctx: Context, template: str, *, title: str, subtitle: str, no_data: str, **content: object
) -> str:
    """A page from ``template``: its title (for the period), subtitle, generation time, contents
    heading and empty-report text in the context's language, with the given content."""
    return ENV.get_template(template).render(
        lang=ctx.lang,
        title=ctx.t(title, period=ctx.period_name()),
        subtitle=ctx.t(subtitle),
        generated=_generated(ctx),
        contents=ctx.t("report.contents"),
        no_data=ctx.t(no_data),
        **content,
    )


def render_report(ctx: Context, figures: Sequence[Figure], tables: Sequence[Table]) -> str:
    """The semiannual report as one self-contained HTML page."""
    return _page(
        ctx,
        "report.html.j2",
        title="report.title",
        subtitle="report.subtitle",
        no_data="report.no_data",
        figures=figures,
        tables=tables,
    )


def render_quality(ctx: Context, tables: Sequence[Table], corrections: Sequence[Path]) -> str:
    """The data-quality report as one self-contained HTML page."""
    if len(corrections) > NAMED_CORRECTIONS:
        note = ctx.t("report.quality.corrections_many", count=f"{len(corrections):,}")
    elif corrections:
        note = ctx.t("report.quality.corrections", names=", ".join(p.name for p in corrections))
    else:
        note = ""
    return _page(
        ctx,
        "quality.html.j2",
        title="report.quality_title",
        subtitle="report.quality.intro",
        no_data="report.quality.none",
        corrections=note,
        tables=tables,
    )
