"""Forms minyi wrote (``minyi templates``) and an office returns: recognised by their hidden
sheet, read by the columns that sheet names, without guessing the header.

The hidden sheet ``_minyi_template`` holds key/value rows (template version, dataset kind,
half-year, community, data sheet, header row) and one ``column`` row per column of the form:
its header text, the canonical column it fills ("" for a column shown only to help the
reader, such as the masked name), and its part: ``fill`` (the office fills it), ``fixed``
(minyi prefilled it: period, community, role, the evaluator's pseudonym) or ``display``.

Columns are found by their header text, wherever they moved; a header the form did not have
is an extra column as in any file; rows added under the form load like the others. A row
whose ``fill`` columns are all blank is a form nobody returned, not a data row. Blank period
and community cells take the form's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, cast

import python_calamine as calamine

from flows.datasets import COLUMNS, KINDS, Kind
from flows.ingest.readers.cells import cell_text, is_number, row_texts
from flows.ingest.readers.common import SheetTable, TextRow
from flows.ingest.readers.headers import HEADER_SCAN_ROWS, HeaderMatch
from flows.ingest.readers.tables import build_table

TEMPLATE_SHEET: Final = "_minyi_template"
TEMPLATE_MARK: Final = "minyi-template"
TEMPLATE_VERSION: Final = 1
PARTS: Final = ("fill", "fixed", "display")


@dataclass(frozen=True)
class TemplateColumn:
    """One column of a form: header text, canonical column ("" when shown only), part."""

    header: str
    name: str
    part: str


@dataclass(frozen=True)
class TemplateMark:
    """What the hidden sheet of a form records."""

    version: int
    kind: Kind
    period: str
    community_id: str
    community: str
    sheet: str
    header_row: int
    columns: tuple[TemplateColumn, ...]

    def rows(self) -> list[list[object]]:
        """The hidden sheet's rows (for the writer)."""
        rows: list[list[object]] = [
            [TEMPLATE_MARK, self.version],
            ["kind", self.kind],
            ["period", self.period],
            ["community_id", self.community_id],
            ["community", self.community],
            ["sheet", self.sheet],
            ["header_row", self.header_row],
        ]
        rows.extend(["column", c.header, c.name, c.part] for c in self.columns)
        return rows


def parse_mark(grid: list[list[Any]]) -> TemplateMark | None:
    """The mark a hidden sheet's rows hold; None when they are not a mark this version reads."""
    values: dict[str, str] = {}
    columns: list[TemplateColumn] = []
    for row in grid:
        cells = [cell_text(v) or "" for v in row] + ["", "", "", ""]
        if cells[0] == "column":
            if cells[3] in PARTS and cells[1]:
                columns.append(TemplateColumn(cells[1], cells[2], cells[3]))
        elif cells[0]:
            values[cells[0]] = cells[1]
    try:
        version = int(values.get(TEMPLATE_MARK, ""))
        header_row = int(values.get("header_row", ""))
    except ValueError:
        return None
    kind = values.get("kind")
    if version != TEMPLATE_VERSION or kind not in KINDS or not columns:
        return None
    known = {c.name for c in COLUMNS[cast(Kind, kind)]} | {""}
    if any(c.name not in known for c in columns):
        return None
    return TemplateMark(
        version=version,
        kind=cast(Kind, kind),
        period=values.get("period", ""),
        community_id=values.get("community_id", ""),
        community=values.get("community", ""),
        sheet=values.get("sheet", ""),
        header_row=header_row,
        columns=tuple(columns),
    )


def read_mark(book: calamine.CalamineWorkbook) -> TemplateMark | None:
    """The mark of a workbook minyi wrote as a form; None for any other workbook."""
    if TEMPLATE_SHEET not in book.sheet_names:
        return None
    grid = book.get_sheet_by_name(TEMPLATE_SHEET).to_python(skip_empty_area=False)
    return parse_mark(grid)


def _header_position(mark: TemplateMark, texts: list[TextRow]) -> int | None:
    """The index of the header row: where the mark says, else (rows inserted above) the first
    row naming at least half of the form's columns."""
    headers = {c.header for c in mark.columns}

    def hits(row: TextRow) -> int:
        return sum(1 for cell in row if cell in headers)

    expected = mark.header_row - 1
    if 0 <= expected < len(texts) and hits(texts[expected]) * 2 >= len(headers):
        return expected
    for index, row in enumerate(texts[:HEADER_SCAN_ROWS]):
        if hits(row) * 2 >= len(headers):
            return index
    return None


def template_table(mark: TemplateMark, sheet: calamine.CalamineSheet) -> SheetTable | None:
    """The rows of a returned form's data sheet, by the columns its mark names; None when the
    sheet no longer shows the form's header (it is then read like any sheet)."""
    grid = sheet.to_python(skip_empty_area=False)
    texts = [row_texts(row) for row in grid]
    position = _header_position(mark, texts)
    if position is None:
        return None
    by_header = {c.header: c for c in mark.columns}
    header = texts[position]
    mapping: dict[int, str] = {}
    fill: list[int] = []
    cells: TextRow = []
    for index, text in enumerate(header):
        column = by_header.get(text) if text is not None else None
        # Columns shown only to help (the masked name) are neither data nor extra columns.
        cells.append(None if column is not None and not column.name else text)
        if column is None or not column.name or column.name in mapping.values():
            continue
        mapping[index] = column.name
        if column.part == "fill":
            fill.append(index)
    dates = {i for i, name in mapping.items() if _is_date(mark.kind, name)}
    defaults = {
        i: value
        for i, name in mapping.items()
        if (value := {"period": mark.period, "community": mark.community}.get(name))
    }
    width = len(header)

    def records() -> list[tuple[int, TextRow]]:
        kept = []
        for index in range(position + 1, len(grid)):
            row = grid[index]
            values = (texts[index] + [None] * width)[: max(width, len(texts[index]))]
            if not any(values[i] is not None for i in fill):
                continue  # a form nobody returned (only minyi's prefilled cells)
            for col in dates:
                if col < len(row) and is_number(row[col]):
                    values[col] = cell_text(row[col], True)
            for col, value in defaults.items():
                if values[col] is None:
                    values[col] = value
            kept.append((index + 1, values))
        return kept

    match = HeaderMatch(mark.kind, position + 1, cells, mapping)
    return build_table(match, sheet.name, records())


def _is_date(kind: Kind, name: str) -> bool:
    return any(c.name == name and c.kind == "date" for c in COLUMNS[kind])
