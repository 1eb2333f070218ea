"""The files and runs the figures come from, and the notes on method."""

from __future__ import annotations

from flows.reports.cells import (
    Table,
)
from flows.reports.columns import col
from flows.reports.context import (
    Context,
    definition_name,
    query_rows,
    subdistrict_note,
    vocab_label,
    when,
)
from flows.reports.statistics import ALPHA


def source_tables(ctx: Context) -> list[Table]:
    """The files and runs this half-year's current rows come from."""
    tz = ctx.settings.timezone
    files: list[list[object]] = [
        [
            f["file_name"],
            str(f["file_hash"])[:12],
            vocab_label(ctx, "source", f["kind"]),
            when(f["received_at"], tz),
            f["rows_current"],
        ]
        for f in query_rows(ctx.con, "source_files", ctx.period)
    ]
    runs: list[list[object]] = [
        [
            r["run_id"],
            when(r["started_at"], tz),
            when(r["finished_at"], tz),
            vocab_label(ctx, "run", r["status"]),
            r["rows_current"],
        ]
        for r in query_rows(ctx.con, "source_runs", ctx.period)
    ]
    note = ctx.t("report.note.sources")
    return [
        Table(
            "files",
            ctx.t("report.section.files"),
            [
                col(ctx, "file"),
                col(ctx, "hash"),
                col(ctx, "kind"),
                col(ctx, "received_at"),
                col(ctx, "rows_loaded"),
            ],
            files,
            intro=note,
        ),
        Table(
            "runs",
            ctx.t("report.section.runs"),
            [
                col(ctx, "run"),
                col(ctx, "started_at"),
                col(ctx, "finished_at"),
                col(ctx, "run_status"),
                col(ctx, "rows_loaded"),
            ],
            runs,
            intro=note,
        ),
    ]


def method_notes(ctx: Context) -> list[str]:
    """How the figures are defined, tested and protected."""
    s = ctx.settings
    return [
        ctx.t("report.note.definition", definition=definition_name(ctx)),
        ctx.t("report.note.interval"),
        ctx.t("report.note.small_sample", min_responses=s.min_responses),
        ctx.t("report.note.suppression", min_cell=s.min_cell_size),
        ctx.t("report.note.fisher", previous=ctx.period_name(ctx.previous), alpha=ALPHA),
        ctx.t("report.note.participation"),
        ctx.t("report.note.timeliness", days=s.report_deadline_days),
        ctx.t("report.note.coverage"),
        *([subdistrict_note(ctx)] if ctx.by_subdistrict else []),
    ]
