"""Completeness and timeliness of the reports expected, and who is missing or late."""

from __future__ import annotations

from flows.reports.cells import (
    Table,
)
from flows.reports.columns import col, cols, row_values
from flows.reports.context import (
    Context,
    all_label,
    query_rows,
    subdistrict_label,
    vocab_label,
)


def reporting_tables(ctx: Context) -> list[Table]:
    """Completeness and timeliness per source; per community how many reports to chase; and
    who is missing, rejected for correction or late (by roster code, never a name in clear)."""
    summary = query_rows(ctx.con, "reporting", ctx.period)
    columns = cols(
        ctx,
        "source",
        "expected",
        "received",
        "on_time",
        "late",
        "rejected",
        "missing",
        "completeness",
        "timeliness",
    )
    rows = [row_values(ctx, columns, r) for r in summary]
    note = [ctx.t("report.note.timeliness", days=ctx.settings.report_deadline_days)]
    reporting = Table("reporting", ctx.t("report.section.reporting"), columns, rows, notes=note)
    if ctx.by_subdistrict:
        return [reporting, _subdistrict_gaps_table(ctx, note)]
    return [reporting, _gap_counts_table(ctx), _gaps_table(ctx, note)]


def _gap_counts_table(ctx: Context) -> Table:
    """Per community and source: reports without a valid form, and late ones."""
    columns = cols(ctx, "community", "source", "expected", "on_time", "late", "rejected", "missing")
    rows = [
        row_values(
            ctx,
            columns,
            r,
            community=all_label(ctx) if r["is_total"] else r["community_name"],
        )
        for r in query_rows(ctx.con, "gap_counts", ctx.period)
    ]
    title = ctx.t("report.section.gap_counts")
    return Table("gap_counts", title, columns, rows, intro=ctx.t("report.intro.gap_counts"))


def _gaps_table(ctx: Context, notes: list[str]) -> Table:
    """Each report missing, rejected or late, grouped by community."""
    columns = cols(
        ctx, "community", "source", "code", "masked_name", "unit", "status", "submitted_on"
    )
    columns.append(col(ctx, "rows_rejected"))
    rows = [
        row_values(
            ctx,
            columns,
            g,
            community=g["community_name"] or all_label(ctx),
            unit=vocab_label(ctx, "role", g["role"])
            if g["role"]
            else vocab_label(ctx, "org", g["org_kind"])
            if g["org_kind"]
            else "",
            rows_rejected=g["rows_rejected"] or None,
        )
        for g in query_rows(ctx.con, "reporting_gaps", ctx.period)
    ]
    title = ctx.t("report.section.gaps")
    intro = ctx.t("report.intro.gaps")
    return Table("gaps", title, columns, rows, intro=intro, notes=notes, grouped=True)


def _subdistrict_gaps_table(ctx: Context, notes: list[str]) -> Table:
    """How many reports are missing or late per subdistrict and source."""
    rows: list[list[object]] = [
        [
            subdistrict_label(ctx, g),
            vocab_label(ctx, "source", g["source"]),
            g["missing"],
            g["rejected"],
            g["late"],
        ]
        for g in query_rows(ctx.con, "subdistrict_gaps", ctx.period)
    ]
    columns = [
        col(ctx, "subdistrict"),
        col(ctx, "source"),
        col(ctx, "missing"),
        col(ctx, "rejected"),
        col(ctx, "late"),
    ]
    title = ctx.t("report.section.gaps_by_subdistrict")
    return Table("gaps_by_subdistrict", title, columns, rows, notes=notes)
