"""The semiannual report assembled from its sections, and every report of a half-year written."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from flows.periods import Period
from flows.reports.cells import (
    Col,
    Table,
)
from flows.reports.completeness import reporting_tables
from flows.reports.concerns import concerns_tables
from flows.reports.context import (
    Context,
    make_context,
    write_text,
)
from flows.reports.correction_writing import CorrectionsBeingWritten
from flows.reports.headline import Figure, headline_figures, headline_table
from flows.reports.hearings import hearing_tables
from flows.reports.html import render_quality, render_report
from flows.reports.opinions import opinions_table, subdistrict_opinions_table
from flows.reports.participation import participation_tables
from flows.reports.quality import quality_tables
from flows.reports.satisfaction import items_table, satisfaction_tables, trends_table
from flows.reports.sources import method_notes, source_tables
from flows.reports.trends import trends_by_metric_table
from flows.reports.xlsx import write_report_workbook
from flows.settings import Settings


def report_tables(ctx: Context, figures: Sequence[Figure]) -> list[Table]:
    """Every section of the semiannual report, in reading order."""
    notes = method_notes(ctx)
    return [
        headline_table(ctx, figures),
        *satisfaction_tables(ctx),
        items_table(ctx),
        trends_table(ctx),
        *participation_tables(ctx),
        *hearing_tables(ctx),
        *reporting_tables(ctx),
        trends_by_metric_table(ctx),
        *concerns_tables(ctx),
        subdistrict_opinions_table(ctx) if ctx.by_subdistrict else opinions_table(ctx),
        *source_tables(ctx),
        Table(
            "notes",
            ctx.t("report.section.notes"),
            [Col(ctx.t("report.section.notes"))],
            [[n] for n in notes],
        ),
    ]


def write_reports(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    period: Period,
    *,
    lang: str = "zh",
    run_id: str | None = None,
) -> list[Path]:
    """Write the half-year's report (HTML, XLSX), quality report and corrections workbooks; with
    more than ``settings.report_community_limit`` communities the report shows subdistricts."""
    ctx = make_context(con, settings, period, lang)
    folder = settings.reports_dir / str(period)
    folder.mkdir(parents=True, exist_ok=True)
    # Corrections workbooks are written (by worker processes when there are many) while this
    # process writes the report.
    with CorrectionsBeingWritten(ctx, folder / "corrections") as being_written:
        figures = headline_figures(ctx)
        tables = report_tables(ctx, figures)
        paths = [
            write_text(folder / f"report.{lang}.html", render_report(ctx, figures, tables)),
            write_report_workbook(folder / f"report.{lang}.xlsx", tables, lang),
        ]
        corrections = being_written.finish()
    quality = render_quality(ctx, quality_tables(ctx, run_id), corrections)
    paths.append(write_text(folder / f"quality.{lang}.html", quality))
    return paths + corrections
