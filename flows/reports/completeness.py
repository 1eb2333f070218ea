"""Completeness and timeliness of the reports expected, and who is missing or late."""

from __future__ import annotations

from flows.reports.cells import (
    Table,
)
from flows.reports.columns import col, cols, row_values
from flows.reports.context import (
    Context,
    query_rows,
    subdistrict_label,
    vocab_label,
)


def reporting_tables(ctx: Context) -> list[Table]:
    """Completeness and timeliness per source, and who is missing or late."""
    summary = query_rows(ctx.con, "reporting", ctx.period)
    columns = cols(
        ctx,
        "source",
        "expected",
        "received",
        "on_time",
        "late",
        "missing",
        "completeness",
        "timeliness",
    )
    rows = [
        row_values(ctx, columns, r, missing=int(r["expected"] or 0) - int(r["received"] or 0))
        for r in summary
    ]
    note = [ctx.t("report.note.timeliness", days=ctx.settings.report_deadline_days)]
    reporting = Table("reporting", ctx.t("report.section.reporting"), columns, rows, notes=note)
    if ctx.by_subdistrict:
        return [reporting, _subdistrict_gaps_table(ctx, note)]
    gaps = query_rows(ctx.con, "reporting_gaps", ctx.period)
    gap_cols = cols(ctx, "source", "unit", "community", "status", "submitted_on")
    gap_rows = [
        row_values(
            ctx,
            gap_cols,
            g,
            unit=vocab_label(ctx, "role", g["role"]) if g["role"] else g["unit_name"],
        )
        for g in gaps
    ]
    return [reporting, Table("gaps", ctx.t("report.section.gaps"), gap_cols, gap_rows, notes=note)]


def _subdistrict_gaps_table(ctx: Context, notes: list[str]) -> Table:
    """How many reports are missing or late per subdistrict and source."""
    rows: list[list[object]] = [
        [
            subdistrict_label(ctx, g),
            vocab_label(ctx, "source", g["source"]),
            g["missing"],
            g["late"],
        ]
        for g in query_rows(ctx.con, "subdistrict_gaps", ctx.period)
    ]
    columns = [
        col(ctx, "subdistrict"),
        col(ctx, "source"),
        col(ctx, "missing"),
        col(ctx, "late"),
    ]
    title = ctx.t("report.section.gaps_by_subdistrict")
    return Table("gaps_by_subdistrict", title, columns, rows, notes=notes)
