"""Free-text opinions per community; per subdistrict only how many there are."""

from __future__ import annotations

from flows.reports.cells import (
    Table,
)
from flows.reports.columns import cols, row_values
from flows.reports.context import (
    Context,
    query_rows,
    subdistrict_label,
)


def opinions_table(ctx: Context) -> Table:
    """Free-text opinions grouped by community, the same opinion once with how many forms
    raise it, with nothing that identifies who wrote them."""
    columns = cols(ctx, "community", "opinion", "opinion_forms")
    rows = [row_values(ctx, columns, r) for r in query_rows(ctx.con, "opinions", ctx.period)]
    return Table(
        "opinions",
        ctx.t("report.section.opinions"),
        columns,
        rows,
        intro=ctx.t("report.intro.opinions"),
        grouped=True,
    )


def subdistrict_opinions_table(ctx: Context) -> Table:
    """How many opinions each subdistrict's forms carry (their text stays in the warehouse)."""
    rows: list[list[object]] = [
        [subdistrict_label(ctx, r), r["communities"], r["opinions"]]
        for r in query_rows(ctx.con, "subdistrict_opinions", ctx.period)
    ]
    columns = cols(ctx, "subdistrict", "communities", "opinions")
    return Table(
        "opinions_by_subdistrict",
        ctx.t("report.section.opinions_by_subdistrict"),
        columns,
        rows,
        intro=ctx.t("report.intro.opinions_by_subdistrict"),
    )
