"""Reports people read: the semiannual report (HTML and XLSX), the data-quality report and
the corrections workbooks organizers fix and drop back into the inbox.

Every report is self-contained (no URL, no font or script from elsewhere): charts are inline
SVG whose text stays text, so Chinese renders with the reader's own fonts.

One module per concern: ``context`` (warehouse, settings, half-year, language), ``cells`` and
``columns`` (how a value is shown; every report column described once), ``statistics``,
``charts``, one module per section (``headline``, ``satisfaction``, ``participation``,
``hearings``, ``completeness``, ``opinions``, ``sources``, ``quality``, ``corrections``), the
writers (``html``, ``xlsx``) and ``report``, which writes a half-year's reports.
"""

from __future__ import annotations

from flows.reports.cells import (
    SUPPRESSED,
    CellKind,
    Col,
    Table,
    display_width,
    format_cell,
    looks_like_formula,
    safe_cell,
    sheet_name,
)
from flows.reports.corrections import CORRECTION_SHEET
from flows.reports.headline import Figure, headline_markdown
from flows.reports.quality import actionable_first, attention, quality_rows
from flows.reports.report import write_reports
from flows.reports.statistics import ChangeTest, change_test, positives, suppressed_cells
from flows.reports.xlsx import write_report_workbook

__all__ = [
    "CORRECTION_SHEET",
    "SUPPRESSED",
    "CellKind",
    "ChangeTest",
    "Col",
    "Figure",
    "Table",
    "actionable_first",
    "attention",
    "change_test",
    "display_width",
    "format_cell",
    "headline_markdown",
    "looks_like_formula",
    "positives",
    "quality_rows",
    "safe_cell",
    "sheet_name",
    "suppressed_cells",
    "write_report_workbook",
    "write_reports",
]
