"""The XLSX writer: the report as a workbook, one sheet per section."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from flows.messages import msg
from flows.reports.cells import (
    XLSX_OPTIONS,
    CellKind,
    Rate,
    Table,
    column_widths,
    rate_decimals,
    rate_shown,
    safe_cell,
    sheet_name,
)

# Report workbooks with more cells than this are written row by row (see write_report_workbook).
LARGE_WORKBOOK_CELLS = 1_000_000

_NUM_FORMATS: dict[CellKind, str | None] = {
    "text": None,
    "int": "#,##0",
    "pct": "0.0%",
    "pp": '+0.0" {unit}";-0.0" {unit}";0.0" {unit}"',  # the value in percentage points
    "num": "0.00",
    "p": "0.000",
}


def _write_table_rows(
    sheet: Worksheet,
    rows: Sequence[Sequence[object]],
    formats: Sequence[Any],
    kinds: Sequence[CellKind],
    rate_format: Callable[[int], Any],
) -> None:
    """``safe_cell`` for every cell from the second row on, with the common types first: a
    change in percentage points as its number of points, a rate beside its target with the
    decimals that keep it on the side of the target its verdict says."""
    write_string, write_number = sheet.write_string, sheet.write_number
    points = [kind == "pp" for kind in kinds]
    for r, row in enumerate(rows, start=1):
        for col, (value, cell_format) in enumerate(zip(row, formats, strict=True)):
            kind = type(value)
            if kind is str:
                write_string(r, col, value, cell_format)
            elif (kind is float or kind is int) and points[col]:
                write_number(r, col, value * 100, cell_format)  # type: ignore[operator]
            elif kind is float or kind is int:
                write_number(r, col, value, cell_format)
            elif isinstance(value, Rate):
                places = rate_decimals(value, value.target)
                shown = rate_shown(value, value.target)
                exact = shown == round(value, places + 2)
                write_number(r, col, float(value) if exact else shown, rate_format(places))
            else:
                safe_cell(sheet, r, col, value, cell_format)


def _flag_below(sheet: Worksheet, table: Table, colours: Mapping[str, Any], lang: str) -> None:
    """Colour verdict cells by conditional formatting: below target red, borderline amber;
    and a value beside its target red when it is under it."""
    last = len(table.rows)
    keys = [c.key for c in table.columns]
    if "target" in keys:
        target = xl_col_to_name(keys.index("target"))
        for key in ("value", "participation_rate"):
            if key in keys:
                col = keys.index(key)
                value = xl_col_to_name(col)
                sheet.conditional_format(
                    1,
                    col,
                    last,
                    col,
                    {
                        "type": "formula",
                        "criteria": f"=AND(ISNUMBER({value}2),ISNUMBER({target}2),"
                        f"{value}2<{target}2)",
                        "format": colours["below"],
                    },
                )
    for col, spec in enumerate(table.columns):
        if spec.key == "verdict":
            marks = [("below", "report.verdict.below"), ("borderline", "report.verdict.borderline")]
        elif spec.key == "meets_target":
            marks = [("below", "report.no")]
        else:
            continue
        for tone, key in marks:
            sheet.conditional_format(
                1,
                col,
                last,
                col,
                {
                    "type": "cell",
                    "criteria": "==",
                    "value": json.dumps(msg(key, lang), ensure_ascii=False),
                    "format": colours[tone],
                },
            )


def write_report_workbook(path: Path, tables: Sequence[Table], lang: str = "zh") -> Path:
    """The report as a workbook: one sheet per section, bold frozen headers, real percentages,
    changes in percentage points, a filter on every table, verdicts coloured."""
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
    unit = msg("report.pp_unit", lang)
    formats = {
        kind: workbook.add_format({"num_format": spec.format(unit=unit)} if spec else {})
        for kind, spec in _NUM_FORMATS.items()
    }
    rate_formats: dict[int, Any] = {}

    def rate_format(places: int) -> Any:
        if places not in rate_formats:
            spec = "0." + "0" * places + "%" if places else "0%"
            rate_formats[places] = workbook.add_format({"num_format": spec})
        return rate_formats[places]

    colours = {
        "below": workbook.add_format({"bg_color": "#F8D7DA", "font_color": "#9C0006"}),
        "borderline": workbook.add_format({"bg_color": "#FFF2CC", "font_color": "#7F6000"}),
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
        kinds = [c.kind for c in table.columns]
        _write_table_rows(sheet, table.rows, [formats[k] for k in kinds], kinds, rate_format)
        if table.rows:
            sheet.autofilter(0, 0, len(table.rows), len(labels) - 1)
            _flag_below(sheet, table, colours, lang)
        for i, text in enumerate([table.intro, *table.notes] if table.intro else table.notes):
            safe_cell(sheet, len(table.rows) + 2 + i, 0, text, note)
    workbook.close()
    os.replace(tmp, path)
    return path
