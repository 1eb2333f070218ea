"""Excel workbooks (.xlsx) through calamine: visible sheets as tables, merged cells filled,
the corrections marker, forms minyi wrote (read by their hidden sheet), and the archive checks
made before calamine opens a file."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, repeat
from pathlib import Path
from typing import Any, Final
from xml.etree import ElementTree

import numpy as np
import python_calamine as calamine

from flows.datasets import COLUMNS
from flows.ingest.readers.cells import cell_text, is_number, is_number_type, row_texts
from flows.ingest.readers.common import FileRejected, ReadLimits, SheetTable, TextRow
from flows.ingest.readers.headers import HEADER_SCAN_ROWS, HeaderMatch, find_header, header_listing
from flows.ingest.readers.longtext import (
    GapMeter,
    oversized_cell,
    oversized_shared_string,
)
from flows.ingest.readers.tables import build_table, grid_table, is_serial_header
from flows.ingest.readers.template import read_mark, template_table
from flows.privacy import mask_personal_numbers

# A workbook expanding past both limits is treated as a zip bomb.
ZIP_BOMB_RATIO: Final = 50
ZIP_BOMB_BYTES: Final = 200 * 1024 * 1024
# calamine allocates every cell of a sheet's bounding box: two far-apart cells in a 5 KB file
# would ask for terabytes and abort the process, so the box is measured first.
MAX_SHEET_CELLS: Final = 30_000_000
# Far more rows than any office's forms: a million empty formatted rows would take calamine
# half a minute and hundreds of megabytes, so such sheets are refused before reading.
MAX_SHEET_ROWS: Final = 500_000
CORRECTION_SHEET: Final = "_minyi_correction"
SHEET_REF = re.compile(rb'r="(?:([A-Z]{2,3})([0-9]+)|[A-Z]?([0-9]{6,}))"')
SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def read_workbook(
    path: Path, size: int, data: bytes | None = None, limits: ReadLimits | None = None
) -> tuple[list[SheetTable], list[str], str | None]:
    """Read every visible sheet holding a table; note the correction marker if present.

    ``data``: the file's bytes when already read, for the archive checks; ``limits``: what
    the workbook may hold (default: the settings' defaults).
    """
    _check_workbook_archive(path, size, data, limits or ReadLimits())
    try:
        book = calamine.CalamineWorkbook.from_path(path)
    except calamine.PasswordError as error:
        raise FileRejected("file_password_protected") from error
    returned_form = _read_returned_form(book)
    if returned_form is not None:
        return returned_form
    tables: list[SheetTable] = []
    ignored: list[str] = []
    unknown: list[HeaderMatch] = []
    correction_of: str | None = None
    for meta in book.sheets_metadata:
        if meta.name == CORRECTION_SHEET:
            correction_of = _correction_marker(book.get_sheet_by_name(meta.name))
            continue
        visible = meta.visible == calamine.SheetVisibleEnum.Visible
        if not visible or meta.typ != calamine.SheetTypeEnum.WorkSheet:
            continue
        sheet = book.get_sheet_by_name(meta.name)
        # A sheet named after a person's phone or ID number: the name is stored and shown.
        table, match = _read_sheet(sheet, mask_personal_numbers(meta.name))
        if table is not None and len(table.rows):
            tables.append(table)
            continue
        ignored.append(mask_personal_numbers(meta.name))
        if match is not None and table is None:
            unknown.append(match)
    if not tables:
        if unknown:
            raise FileRejected("file_unknown_kind", found=header_listing(unknown[0].cells, ""))
        raise FileRejected("file_empty")
    return tables, ignored, correction_of


def _read_returned_form(
    book: calamine.CalamineWorkbook,
) -> tuple[list[SheetTable], list[str], str | None] | None:
    """A form minyi wrote (hidden sheet ``_minyi_template``), read by the columns it names;
    None for any other workbook, or a form whose header can no longer be found."""
    mark = read_mark(book)
    if mark is None:
        return None
    visible = [
        meta.name
        for meta in book.sheets_metadata
        if meta.visible == calamine.SheetVisibleEnum.Visible
        and meta.typ == calamine.SheetTypeEnum.WorkSheet
    ]
    # The form's own sheet first; should it have been renamed, the other visible sheets.
    candidates = [mark.sheet] if mark.sheet in visible else visible
    for name in candidates:
        table = template_table(mark, book.get_sheet_by_name(name))
        if table is None:
            continue
        if not len(table.rows):
            raise FileRejected("file_empty")
        return [table], [n for n in visible if n != name], None
    return None


def correction_marker(path: Path) -> str | None:
    """The hash of the file a minyi corrections workbook at ``path`` was written for; None for
    any other workbook. Only the hidden marker sheet is read."""
    book = calamine.CalamineWorkbook.from_path(path)
    if CORRECTION_SHEET not in book.sheet_names:
        return None
    return _correction_marker(book.get_sheet_by_name(CORRECTION_SHEET))


def _correction_marker(sheet: calamine.CalamineSheet) -> str:
    """The source file hash in A1 of the correction sheet."""
    grid = sheet.to_python(skip_empty_area=False, nrows=1)
    value = cell_text(grid[0][0]) if grid and grid[0] else None
    marker = (value or "").lower()
    if not SHA256_HEX.fullmatch(marker):
        raise FileRejected("file_bad_correction_marker", value=value or "-")
    return marker


def _read_sheet(
    sheet: calamine.CalamineSheet, name: str
) -> tuple[SheetTable | None, HeaderMatch | None]:
    """The table of one sheet, or None with the best header-like row when there is none."""
    grid = sheet.to_python(skip_empty_area=False)
    filled = merged_fill(sheet.merged_cell_ranges or [], grid)
    width = len(grid[0]) if grid else 0
    if width and all(len(row) == width for row in grid):
        return _read_grid(name, grid, width, filled)
    return _read_rows(name, grid, filled)


def _read_grid(
    name: str, grid: list[list[Any]], width: int, filled: dict[int, dict[int, object]]
) -> tuple[SheetTable | None, HeaderMatch | None]:
    """``_read_rows`` of a rectangular sheet (as calamine gives them), column-wise."""
    cells = row_texts(list(chain.from_iterable(grid)))
    shape = (len(grid), width)
    texts = np.fromiter(cells, dtype=object, count=len(cells)).reshape(shape)
    present = texts != None  # noqa: E711 (element-wise)
    # The header is looked for with merged cells filled (none read as a date).
    scan, scan_present = texts, present
    if filled:
        scan, scan_present = texts.copy(), present.copy()
        for index, merged in filled.items():
            for col, value in merged.items():
                scan[index, col] = text = cell_text(value)
                scan_present[index, col] = text is not None
    nonblank = np.flatnonzero(scan_present.any(axis=1))[:HEADER_SCAN_ROWS]
    match = find_header([(i + 1, scan[i].tolist()) for i in nonblank.tolist()])
    if match is None or match.kind is None:
        return None, match
    date_kinds = {c.name for c in COLUMNS[match.kind] if c.kind == "date"}
    dates = frozenset(i for i, name in match.mapping.items() if name in date_kinds)
    serials = [i for i, text in enumerate(match.cells) if is_serial_header(text)]
    start = match.row_number
    data = texts[start:]
    for col in dates:
        # Only numbers read differently as dates (Excel date serials).
        column = [row[col] for row in grid[start:]]
        if any(is_number_type(kind) for kind in set(map(type, column))):
            for i, value in enumerate(column):
                if is_number(value):
                    data[i, col] = cell_text(value, True)
    # Judged before merged cells are filled: a row whose only values come from a merged cell
    # above (or a pre-printed 序号) is a blank row of the form. (Read as dates or not, values
    # are text.)
    present = present[start:].copy()
    values = present.sum(axis=1)
    if serials:
        values -= present[:, serials].sum(axis=1)
    for index, merged in filled.items():
        if index >= start:
            for col, value in merged.items():
                data[index - start, col] = text = cell_text(value, col in dates)
                present[index - start, col] = text is not None
    rows = values > 0
    numbers = np.arange(start + 1, len(grid) + 1, dtype=np.int64)
    return grid_table(match, name, data[rows], numbers[rows], present[rows]), match


def _read_rows(
    name: str, grid: list[list[Any]], filled: dict[int, dict[int, object]]
) -> tuple[SheetTable | None, HeaderMatch | None]:
    """The table of a sheet's rows, or None with the best header-like row when there is none."""

    def with_merges(index: int, cells: TextRow, dates: frozenset[int] = frozenset()) -> TextRow:
        for col, value in filled.get(index, {}).items():
            cells[col] = cell_text(value, col in dates)
        return cells

    # Rows converted while looking for the header, before merged cells are filled: the data
    # rows among them are not converted twice.
    converted: dict[int, TextRow] = {}
    scanned: list[tuple[int, TextRow]] = []
    for index, row in enumerate(grid):
        cells = converted[index] = row_texts(row)
        if index in filled:
            cells = with_merges(index, cells.copy())
        if cells.count(None) < len(cells):
            scanned.append((index + 1, cells))
            if len(scanned) == HEADER_SCAN_ROWS:
                break
    match = find_header(scanned)
    if match is None or match.kind is None:
        return None, match
    date_kinds = {c.name for c in COLUMNS[match.kind] if c.kind == "date"}
    dates = frozenset(i for i, name in match.mapping.items() if name in date_kinds)
    serials = {i for i, text in enumerate(match.cells) if is_serial_header(text)}

    def records() -> Iterator[tuple[int, TextRow]]:
        for index in range(match.row_number, len(grid)):
            row = grid[index]
            known = converted.pop(index, None)
            cells = row_texts(row) if known is None else known.copy()
            for col in dates:
                # Only numbers read differently as dates (Excel date serials).
                if col < len(row) and is_number(row[col]):
                    cells[col] = cell_text(row[col], True)
            # Judged before merged cells are filled: a row whose only values come from a
            # merged cell above (or a pre-printed 序号) is a blank row of the form.
            values = len(cells) - cells.count(None)
            if values == 0 or (
                serials
                and values == sum(1 for i in serials if i < len(cells) and cells[i] is not None)
            ):
                continue
            yield index + 1, with_merges(index, cells, dates) if index in filled else cells

    return build_table(match, name, records()), match


def merged_fill(
    ranges: Iterable[tuple[tuple[int, int], tuple[int, int]]], grid: Sequence[Sequence[object]]
) -> dict[int, dict[int, object]]:
    """Values for cells hidden under vertical merges, by row and column: the top value.

    A community name merged down a block of rows applies to every row of the block; it is
    filled down the block's first column. Horizontal merges (titles, notes) keep their
    value in the first cell only.
    """
    filled: dict[int, dict[int, object]] = {}
    for (top, left), (bottom, _right) in ranges:
        if bottom <= top or top >= len(grid) or left >= len(grid[top]):
            continue
        for row in range(top + 1, min(bottom, len(grid) - 1) + 1):
            filled.setdefault(row, {})[left] = grid[top][left]
    return filled


def _check_workbook_archive(path: Path, size: int, data: bytes | None, limits: ReadLimits) -> None:
    """Refuse a workbook zip that is not an .xlsx, expands too far, spans huge sheets or holds
    a cell over the character limit: all judged on the zip's entries, streamed."""
    try:
        with zipfile.ZipFile(path if data is None else io.BytesIO(data)) as archive:
            members = archive.infolist()
            names = {m.filename for m in members}
            if "xl/workbook.xml" not in names:
                raise FileRejected("file_unsupported", suffix=path.suffix.lower() or path.name)
            # Declared sizes: zipfile stops reading a member at its declared size, and
            # calamine refuses a member larger than declared.
            expanded = sum(m.file_size for m in members)
            if expanded > ZIP_BOMB_BYTES and expanded > ZIP_BOMB_RATIO * size:
                raise FileRejected("file_zip_bomb", uncompressed=expanded, compressed=size)
            if expanded > limits.workbook_bytes:
                raise FileRejected(
                    "file_workbook_too_large", uncompressed=expanded, limit=limits.workbook_bytes
                )
            shared = _oversized_shared_string(archive, members, limits.cell_chars)
            sheet_names = _sheet_names(archive)
            for member in members:
                if member.filename.startswith("xl/worksheets/") and member.filename.endswith(
                    ".xml"
                ):
                    sheet = sheet_names.get(member.filename, Path(member.filename).stem)
                    sheet = mask_personal_numbers(sheet)
                    _check_sheet(archive, member, sheet, limits.cell_chars, shared)
            if shared is not None:
                # No cell shows it, yet calamine would still load it whole.
                raise FileRejected(
                    "file_cell_too_large", sheet="-", cell="-", limit=limits.cell_chars
                )
    except zipfile.BadZipFile as error:
        raise FileRejected("file_corrupt", suffix=path.suffix.lower()) from error


def _oversized_shared_string(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], limit: int
) -> tuple[int, int] | None:
    """(index, characters) of the first shared string over ``limit``; None when none is."""
    for member in members:
        if member.filename.lower().endswith("sharedstrings.xml"):
            meter = GapMeter((b"<si>", b"<si "))
            with archive.open(member) as stream:
                for block in iter(lambda: stream.read(1 << 22), b""):
                    meter.feed(block)
                    if meter.longest > limit:
                        break  # the parser below finds which string, and stops there
            if meter.longest > limit:
                with archive.open(member) as stream:
                    return oversized_shared_string(stream, limit)
    return None


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet names by their part in the zip ("xl/worksheets/sheet1.xml" -> "评议"), as far as
    the workbook's small index parts tell; parts it does not name keep their file stem."""
    try:
        parts = [archive.getinfo(n) for n in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")]
        if any(p.file_size > 1 << 20 for p in parts):
            return {}
        book, rels = (ElementTree.fromstring(archive.read(p)) for p in parts)
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {
        rel.get("Id"): rel.get("Target", "") for rel in rels if rel.tag.endswith("Relationship")
    }
    names: dict[str, str] = {}
    for sheet in book.iter():
        if not sheet.tag.endswith("}sheet"):
            continue
        rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
        target = targets.get(rid, "")
        if target:
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            names[part] = sheet.get("name", "")
    return names


def _check_sheet(
    archive: zipfile.ZipFile,
    member: zipfile.ZipInfo,
    sheet: str,
    cell_chars: int,
    shared: tuple[int, int] | None,
) -> None:
    """Refuse a sheet whose cell references span more than MAX_SHEET_CELLS cells, or which
    holds a cell over ``cell_chars`` characters (its own text, or the shared string
    ``shared`` (index, characters) already found over the limit).

    Only deep rows (6+ digits) and wide columns (AA onwards) are collected: rows below
    100000 and columns up to Z are assumed, which keeps the scan fast on ordinary sheets.
    """
    max_row, max_col = 99_999, 26
    tail = b""
    rows = RowCounter()
    gaps = GapMeter((b"<c ", b"<c>"))
    with archive.open(member) as stream:
        for block in iter(lambda: stream.read(1 << 22), b""):
            chunk = tail + block
            for letters, row, deep_row in SHEET_REF.findall(chunk):
                if letters:
                    max_col = max(max_col, _column_number(letters))
                max_row = max(max_row, int(row or deep_row))
            tail = chunk[-32:]
            # Rows and cells without an r="..." reference take the next position: count them.
            rows.feed(block)
            if gaps.longest <= cell_chars:
                gaps.feed(block)
            if rows.rows > MAX_SHEET_ROWS:
                break
    max_row, max_col = max(max_row, rows.rows), max(max_col, rows.widest)
    if max_row * max_col > MAX_SHEET_CELLS:
        raise FileRejected("file_sheet_too_large", sheet=sheet, rows=max_row, columns=max_col)
    if max_row > MAX_SHEET_ROWS:
        raise FileRejected("file_sheet_too_many_rows", sheet=sheet, limit=MAX_SHEET_ROWS)
    if gaps.longest > cell_chars or shared is not None:
        with archive.open(member) as stream:
            found = oversized_cell(stream, cell_chars, shared)
        if found is not None:
            raise FileRejected("file_cell_too_large", sheet=sheet, cell=found[0], limit=cell_chars)


_CELL_TAGS: Final = (b"<c ", b"<c>", b"<c/>")


class RowCounter:
    """Counts ``<row>`` elements of a sheet's XML fed in blocks, and the most cells in one."""

    def __init__(self) -> None:
        self.rows = 0
        self.widest = 0
        self._pending = b""
        self._pending_cells = 0

    def feed(self, block: bytes) -> None:
        """Count the rows completed by ``block``; the last, open row waits for the next block."""
        parts = (self._pending + block).split(b"<row")
        self._pending = parts.pop()
        if parts:
            counts = [
                sum(cells)
                for cells in zip(
                    *(map(bytes.count, parts, repeat(tag)) for tag in _CELL_TAGS), strict=True
                )
            ]
            counts[0] += self._pending_cells
            self._pending_cells = 0
            self.rows += len(parts)
            self.widest = max(self.widest, *counts)
        if len(self._pending) > 1 << 22:
            # One enormous row: keep its count, not its bytes (a tag may straddle the cut).
            self._pending_cells += sum(self._pending.count(tag) for tag in _CELL_TAGS)
            self._pending = self._pending[-8:]


def _column_number(letters: bytes) -> int:
    """Excel column letters as a 1-based number: A -> 1, AA -> 27."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number
