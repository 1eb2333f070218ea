"""Writing rows as the files offices send: CSV as office software exports it, XLSX workbooks.

A table is written under the dataset's Chinese headers (:data:`flows.datasets.COLUMNS`), in the
encoding given (the hearing exports are GB18030), optionally numbered (序号) and, for workbooks,
under a title line. Workbooks carry a fixed creation time so their bytes do not vary.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path

import xlsxwriter

from flows.datasets import COLUMNS, Kind, column_names
from flows.demo.entities import Row
from flows.periods import Period


def _cell_text(value: object) -> object:
    """A value as a CSV cell: dates in ISO form, empty for None."""
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


def _headers(kind: Kind) -> list[str]:
    """The Chinese headers of a dataset, in form order."""
    return [c.zh for c in COLUMNS[kind]]


def write_table_csv(
    path: Path, kind: Kind, rows: Iterable[Row], encoding: str, numbered: bool
) -> Path:
    """A CSV as office software exports it: Chinese headers, CRLF line ends."""
    names = column_names(kind)
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow((["序号"] if numbered else []) + _headers(kind))
        for number, row in enumerate(rows, start=1):
            cells = [_cell_text(row.get(name)) for name in names]
            writer.writerow([number, *cells] if numbered else cells)
    return path


def write_table_xlsx(
    path: Path, kind: Kind, rows: Sequence[Row], created: datetime, title: str | None
) -> Path:
    """A workbook with one sheet: an optional title line, Chinese headers, typed cells."""
    names = column_names(kind)
    numbered = title is not None
    headers = (["序号"] if numbered else []) + _headers(kind)
    # A workbook holds at most one subdistrict's ~90 rows, so building it in memory stays
    # small and avoids xlsxwriter's per-workbook temporary files (three times faster).
    workbook = xlsxwriter.Workbook(str(path), {"in_memory": True})
    workbook.set_properties({"created": created, "author": "minyi"})
    sheet = workbook.add_worksheet("评议表" if kind == "evaluations" else "报表")
    bold = workbook.add_format({"bold": True, "border": 1, "align": "center"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.set_column(0, len(headers) - 1, 12)
    top = 0
    if title is not None:
        sheet.merge_range(0, 0, 0, len(headers) - 1, title, workbook.add_format({"bold": True}))
        top = 1
    sheet.write_row(top, 0, headers, bold)
    for offset, row in enumerate(rows, start=1):
        cells = ([offset] if numbered else []) + [row.get(name) for name in names]
        for column, value in enumerate(cells):
            if isinstance(value, date):
                sheet.write_datetime(top + offset, column, value, day)
            elif value is not None:
                sheet.write(top + offset, column, value)
    workbook.close()
    return path


def workbook_created(period: Period) -> datetime:
    """A fixed creation time for a period's workbooks, so their bytes do not vary."""
    return datetime.combine(period.end + timedelta(days=1), time(9, 0))
