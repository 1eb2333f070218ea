"""The data-quality report: runs, files received, files rejected and quarantined cells."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb

from flows.datasets import KINDS, column_label
from flows.messages import MESSAGES, Lang, msg
from flows.periods import Period
from flows.reports.cells import (
    Table,
)
from flows.reports.columns import cols, row_values
from flows.reports.context import (
    Context,
    query_rows,
    vocab_label,
    when,
)
from flows.settings import Settings

# The quality report lists at most this many quarantined cells per table, after a summary by
# reason: a national half-year has 175,000 of them (a 47 MB page). Every cell stays in the
# file's corrections workbook and in meta.quarantine.
LISTED_QUARANTINE_CELLS = 2_000
# The quality report (and the Prefect table artifact) lists at most this many files received:
# a national half-year has 27,000.
LISTED_RECEIPTS = 2_000


def _column_label(kind: object, name: object, lang: str) -> str:
    if name is None:
        return ""
    return column_label(str(kind), str(name)) if lang == "zh" else str(name)


def _receipts(con: duckdb.DuckDBPyConnection, period: str) -> list[dict[str, Any]]:
    return query_rows(con, "quality_receipts", period)


def attention(receipt: Mapping[str, Any]) -> int:
    """How soon someone must act on a file received: 0 rejected, 1 with rows quarantined,
    2 nothing to do."""
    return 0 if receipt["outcome"] == "rejected" else 1 if receipt["rows_quarantined"] else 2


def actionable_first(receipts: Sequence[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """At most ``limit`` of the files received, in their order: all of them when they fit,
    else those to act on first (see :func:`attention`). The quality report, the Prefect
    artifact and ``minyi run``'s list choose with it."""
    if len(receipts) <= limit:
        return list(receipts)
    order = sorted(range(len(receipts)), key=lambda i: attention(receipts[i]))
    return [receipts[i] for i in sorted(order[:limit])]


def quality_rows(
    con: duckdb.DuckDBPyConnection, settings: Settings, period: Period, *, lang: str = "zh"
) -> list[dict[str, object]]:
    """Each file received for the half-year (labels in ``lang``), for a Prefect table artifact;
    past LISTED_RECEIPTS files, those with something to act on first."""
    tz = settings.timezone
    labels = [
        msg(f"report.col.{key}", lang)
        for key in ("file", "kind", "received_at", "rows_read", "rows_loaded")
    ]
    labels += [msg("report.col.rows_quarantined", lang), msg("report.col.outcome", lang)]
    return [
        dict(
            zip(
                labels,
                [
                    r["file_name"],
                    msg(f"report.source.{r['kind']}", lang) if r["kind"] in KINDS else "",
                    when(r["received_at"], tz),
                    r["rows_read"],
                    r["rows_loaded"],
                    r["rows_quarantined"],
                    _outcome(r["outcome"], lang),
                ],
                strict=True,
            )
        )
        for r in actionable_first(_receipts(con, str(period)), LISTED_RECEIPTS)
    ]


def _outcome(outcome: object, lang: str) -> str:
    key = f"report.outcome.{outcome}"
    return (
        msg(key, lang)
        if outcome in ("loaded", "duplicate", "rejected", "superseded")
        else str(outcome)
    )


def quality_tables(ctx: Context, run_id: str | None) -> list[Table]:
    """Runs, files received, files rejected whole and quarantined rows of the half-year."""
    tz, lang = ctx.settings.timezone, ctx.lang
    receipts = _receipts(ctx.con, ctx.period)
    run_ids = {r["run_id"] for r in receipts} | ({run_id} if run_id else set())
    runs = [
        r
        for r in query_rows(ctx.con, "quality_runs")
        if r["run_id"] in run_ids or r["period"] == ctx.period
    ]
    # Run ids stay out of the page (the sources appendix of the semiannual report has them):
    # a run is named by when it started.
    run_cols = cols(
        ctx,
        "started_at",
        "finished_at",
        "run_status",
        "files_seen",
        "rows_read",
        "rows_loaded",
        "rows_quarantined",
    )
    run_rows = [row_values(ctx, run_cols, r) for r in runs]
    started = {r["run_id"]: when(r["started_at"], tz) for r in runs}
    receipt_rows: list[list[object]] = [
        [
            started.get(r["run_id"], ""),
            r["file_name"],
            vocab_label(ctx, "source", r["kind"]) if r["kind"] else "",
            when(r["received_at"], tz),
            r["rows_read"],
            r["rows_loaded"],
            r["rows_quarantined"],
            _outcome(r["outcome"], lang),
        ]
        for r in sorted(
            actionable_first(receipts, LISTED_RECEIPTS),
            key=lambda r: (str(r["run_id"]), str(r["received_at"])),
        )
    ]
    receipt_notes = []
    if len(receipts) > len(receipt_rows):
        receipt_notes.append(
            ctx.t(
                "report.quality.receipts_listed",
                listed=f"{len(receipt_rows):,}",
                total=f"{len(receipts):,}",
            )
        )
    receipt_cols = cols(
        ctx,
        "started_at",
        "file",
        "kind",
        "received_at",
        "rows_read",
        "rows_loaded",
        "rows_quarantined",
        "outcome",
    )
    rejected: list[list[object]] = [
        [f["file_name"], str(f["file_hash"])[:12], when(f["received_at"], tz), f[f"reason_{lang}"]]
        for f in query_rows(ctx.con, "quality_rejected")
    ]
    rejected_cols = cols(ctx, "file", "hash", "received_at", "reason")
    return [
        Table("runs", ctx.t("report.section.runs_quality"), run_cols, run_rows),
        Table(
            "receipts",
            ctx.t("report.section.receipts"),
            receipt_cols,
            receipt_rows,
            notes=receipt_notes,
            grouped=True,
        ),
        Table("rejected", ctx.t("report.section.rejected"), rejected_cols, rejected),
        *_quarantine_tables(ctx, ctx.period, "quarantine", ""),
        *_unknown_period_tables(ctx),
    ]


def _unknown_period_tables(ctx: Context) -> list[Table]:
    """Cells whose half-year neither the row nor its file gives (期间不明): listed once, in the
    latest half-year's report, not in every half-year's."""
    shown_in = [r["shown_in_period"] for r in query_rows(ctx.con, "quality_unknown_shown_in")]
    if str(ctx.period) not in shown_in:
        return []
    return _quarantine_tables(ctx, None, "quarantine_unknown", ctx.t("report.quality.unknown_note"))


def _rule_text(summary: Mapping[str, Any], lang: Lang) -> tuple[str, str]:
    """A rule's reason with "…" for the value, and its advice; as stored for a rule this
    version has no message for."""
    rule, kind, column = summary["rule"], summary["kind"], summary["column_name"] or ""
    if f"rule.{rule}" not in MESSAGES:
        return str(summary[f"reason_{lang}"]), str(summary[f"action_{lang}"] or "")
    label = column_label(str(kind), column)
    reason = msg(f"rule.{rule}", lang, column=column, column_zh=label, value="…")
    action = msg(f"action.{rule}", lang) if f"action.{rule}" in MESSAGES else ""
    return reason, action


def _quarantine_tables(ctx: Context, period: str | None, key: str, intro: str) -> list[Table]:
    """The quarantined cells by reason (how many cells, rows, files), then one row per cell:
    where, what was written, why, and what to do. Past LISTED_QUARANTINE_CELLS cells the list
    stops; every cell stays in the corrections workbooks and in ``meta.quarantine``. Cells of
    files a corrections workbook has replaced are counted in a note, not listed."""
    lang = ctx.lang
    summary = query_rows(ctx.con, "quality_quarantine_summary", period)
    total = sum(int(r["cells"]) for r in summary)
    cells = query_rows(ctx.con, "quality_quarantine", period, LISTED_QUARANTINE_CELLS)
    rows: list[list[object]] = [
        [
            q["file_name"],
            q["sheet"] or "",
            q["row_number"],
            _column_label(q["kind"], q["column_name"], lang),
            q["value"],
            q[f"reason_{lang}"],
            q[f"action_{lang}"] or "",
        ]
        for q in cells
    ]
    columns = cols(ctx, "file", "sheet", "row_number", "column", "cell_value", "reason", "action")
    notes = []
    corrected = query_rows(ctx.con, "quality_corrected", period)[0]
    if corrected["cells"]:
        notes.append(
            ctx.t(
                "report.quality.corrected",
                cells=f"{corrected['cells']:,}",
                files=f"{corrected['files']:,}",
            )
        )
    if total > len(rows):
        notes.append(
            ctx.t("report.quality.cells_listed", listed=f"{len(rows):,}", total=f"{total:,}")
        )
    by_reason: list[list[object]] = [
        [
            vocab_label(ctx, "source", r["kind"]) if r["kind"] else "",
            _column_label(r["kind"], r["column_name"], lang),
            *_rule_text(r, lang),
            r["cells"],
            r["row_count"],
            r["files"],
        ]
        for r in summary
    ]
    reason_columns = cols(
        ctx, "kind", "column", "reason", "action", "cells", "rows_quarantined", "files"
    )
    return [
        Table(
            f"{key}_reasons",
            ctx.t(f"report.section.{key}_reasons"),
            reason_columns,
            by_reason,
            intro=intro,
        ),
        Table(key, ctx.t(f"report.section.{key}"), columns, rows, intro=intro, notes=notes),
    ]
