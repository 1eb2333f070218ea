"""The XLSX writer: the report as a workbook, one sheet per section."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from flows.reports.cells import (
    XLSX_OPTIONS,
    CellKind,
    Table,
    column_widths,
    safe_cell,
    sheet_name,
)

# Report workbooks with more cells than this are written row by row (see write_report_workbook).
LARGE_WORKBOOK_CELLS = 1_000_000

_NUM_FORMATS: dict[CellKind, str | None] = {
    "text": None,
    "int": "#,##0",
    "pct": "0.0%",
    "pp": "+0.0%;-0.0%;0.0%",
    "num": "0.00",
    "p": "0.000",
}


def _write_table_rows(
    sheet: Worksheet, rows: Sequence[Sequence[object]], formats: Sequence[Any]
) -> None:
    """``safe_cell`` for every cell from the second row on, with the common types first."""
    write_string, write_number = sheet.write_string, sheet.write_number
    for r, row in enumerate(rows, start=1):
        for col, (value, cell_format) in enumerate(zip(row, formats, strict=True)):
            kind = type(value)
            if kind is str:
                write_string(r, col, value, cell_format)
            elif kind is float or kind is int:
                write_number(r, col, value, cell_format)
            else:
                safe_cell(sheet, r, col, value, cell_format)


def write_report_workbook(path: Path, tables: Sequence[Table]) -> Path:
    """The report as a workbook: one sheet per section, bold frozen headers, real percentages."""
    tmp = path.with_name(path.name + ".tmp")
    cells = sum(len(t.rows) * len(t.columns) for t in tables)
    # xlsxwriter keeps every cell in memory (a national report has about 10 million); past
    # this many it writes row by row to temporary files instead, in bounded memory.
    streamed = cells > LARGE_WORKBOOK_CELLS
    options = {**XLSX_OPTIONS, "in_memory": False, "constant_memory": True} if streamed else {}
    workbook = xlsxwriter.Workbook(str(tmp), {**XLSX_OPTIONS, **options})
    header = workbook.add_format(
        {"bold": True, "bg_color": "#DDE6F0", "border": 1, "text_wrap": True, "valign": "top"}
    )
    note = workbook.add_format({"italic": True, "font_color": "#555555"})
    formats = {
        kind: workbook.add_format({"num_format": spec} if spec else {})
        for kind, spec in _NUM_FORMATS.items()
    }
    taken: set[str] = set()
    for table in tables:
        sheet = workbook.add_worksheet(sheet_name(table.title, taken))
        labels = [c.label for c in table.columns]
        # Widths and panes first, then rows strictly in order (what row-by-row writing needs).
        fitted = column_widths(labels, table.rows)
        for col, (spec, width) in enumerate(zip(table.columns, fitted, strict=True)):
            sheet.set_column(col, col, spec.width or width)
        sheet.freeze_panes(1, 1 if len(labels) > 4 else 0)
        for col, spec in enumerate(table.columns):
            sheet.write_string(0, col, spec.label, header)
            if spec.note:
                sheet.write_comment(0, col, spec.note)
        _write_table_rows(sheet, table.rows, [formats[c.kind] for c in table.columns])
        for i, text in enumerate([table.intro, *table.notes] if table.intro else table.notes):
            safe_cell(sheet, len(table.rows) + 2 + i, 0, text, note)
    workbook.close()
    os.replace(tmp, path)
    return path
