"""Completeness and timeliness of the reports expected, and who is missing or late."""

from __future__ import annotations

from flows.reports.cells import (
    Col,
    Table,
)
from flows.reports.context import (
    Context,
    query_rows,
    subdistrict_label,
    vocab_label,
    when,
)


def reporting_tables(ctx: Context) -> list[Table]:
    """Completeness and timeliness per source, and who is missing or late."""
    summary = query_rows(ctx.con, "reporting", ctx.period)
    columns = [
        Col(ctx.t("report.col.source")),
        Col(ctx.t("report.col.expected"), "int"),
        Col(ctx.t("report.col.received"), "int"),
        Col(ctx.t("report.col.on_time"), "int"),
        Col(ctx.t("report.col.late"), "int"),
        Col(ctx.t("report.col.missing"), "int"),
        Col(ctx.t("report.col.completeness"), "pct"),
        Col(ctx.t("report.col.timeliness"), "pct"),
    ]
    rows: list[list[object]] = [
        [
            vocab_label(ctx, "source", r["source"]),
            r["expected"],
            r["received"],
            r["on_time"],
            r["late"],
            int(r["expected"] or 0) - int(r["received"] or 0),
            r["completeness"],
            r["timeliness"],
        ]
        for r in summary
    ]
    note = [ctx.t("report.note.timeliness", days=ctx.settings.report_deadline_days)]
    reporting = Table("reporting", ctx.t("report.section.reporting"), columns, rows, notes=note)
    if ctx.by_subdistrict:
        return [reporting, _subdistrict_gaps_table(ctx, note)]
    gaps = query_rows(ctx.con, "reporting_gaps", ctx.period)
    gap_rows: list[list[object]] = [
        [
            vocab_label(ctx, "source", g["source"]),
            vocab_label(ctx, "role", g["role"]) if g["role"] else g["unit_name"],
            g["community_name"],
            vocab_label(ctx, "status", g["status"]),
            when(g["submitted_on"], ctx.settings.timezone),
        ]
        for g in gaps
    ]
    gap_cols = [
        Col(ctx.t("report.col.source")),
        Col(ctx.t("report.col.unit")),
        Col(ctx.t("report.col.community")),
        Col(ctx.t("report.col.status")),
        Col(ctx.t("report.col.submitted_on")),
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
        Col(ctx.t("report.col.subdistrict")),
        Col(ctx.t("report.col.source")),
        Col(ctx.t("report.col.missing"), "int"),
        Col(ctx.t("report.col.late"), "int"),
    ]
    title = ctx.t("report.section.gaps_by_subdistrict")
    return Table("gaps_by_subdistrict", title, columns, rows, notes=notes)
