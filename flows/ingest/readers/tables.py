"""The data rows under a recognised header as a SheetTable: blank, totals and note rows left out."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter
from typing import Final

import numpy as np
import pandas as pd

from flows.datasets import COLUMNS, Kind, column_names, normalise_header
from flows.ingest.readers.common import FileRejected, SheetTable, TextRow
from flows.ingest.readers.headers import HeaderMatch, header_listing

SERIAL_HEADERS: Final = frozenset({"序号", "序", "行号", "no", "no.", "#"})
TOTAL_ROW = re.compile(r"^(合计|总计|小计|共计|总合计)")
NOTE_ROW = re.compile(
    r"^(注|说明|备注[:：]|填表人|填报人|审核人|审核|制表|负责人|联系人|联系电话|单位盖章|盖章)"
)
FOOTER_INITIALS: Final = frozenset("合总小共注说备填审制负联单盖")


def _check_required(match: HeaderMatch, sheet: str) -> Kind:
    """The kind a header names; FileRejected when unknown or missing required columns."""
    found = header_listing(match.cells, sheet)
    if match.kind is None:
        raise FileRejected("file_unknown_kind", found=found)
    present = set(match.mapping.values())
    missing = [c for c in COLUMNS[match.kind] if c.required and c.name not in present]
    if missing:
        names = ", ".join(f"{c.zh} ({c.name})" for c in missing)
        raise FileRejected("file_missing_columns", missing=names, found=found)
    return match.kind


def is_serial_header(text: str | None) -> bool:
    """Whether a header names a serial-number column (序号), which carries no data."""
    return normalise_header(text) in SERIAL_HEADERS


def _is_skipped_row(cells: TextRow, serials: Sequence[int]) -> bool:
    """Blank rows, totals rows (合计) and notes under the table (注：, 填表人) are not data."""
    in_serials = sum(1 for i in serials if i < len(cells) and cells[i] is not None)
    values = len(cells) - cells.count(None) - in_serials
    if values == 0:
        return True
    # The 合计 label often sits in the 序号 column, so the first value of the whole row counts.
    first_value = next(c for c in cells if c is not None)
    if first_value[0] not in FOOTER_INITIALS:
        return False
    first = _SPACES.sub("", unicodedata.normalize("NFKC", first_value))
    if TOTAL_ROW.match(first):
        return True
    return bool(NOTE_ROW.match(first)) and values <= max(2, (len(cells) - len(serials)) // 3)


_SPACES = re.compile(r"\s+")


def build_table(
    match: HeaderMatch, sheet: str, records: Iterable[tuple[int, TextRow]]
) -> SheetTable:
    """Collect the data rows under a recognised header into a SheetTable."""
    kind = _check_required(match, sheet)
    header = match.cells
    serials = _serial_positions(header)
    positions = list(match.mapping)
    padding: TextRow = [None] * (max(positions) + 1)
    width = len(padding)
    pick = _picker(positions)
    no_serials = len(serials)
    picked: list[tuple[str | None, ...]] = []
    row_numbers: list[int] = []
    for row_number, cells in records:
        # Cheap tests first; the full ones (same answers) only for rows that may be skipped.
        if len(cells) - cells.count(None) <= no_serials:
            if _is_skipped_row(cells, serials):
                continue
        else:
            first = cells[0]
            if first is None:
                first = next(c for c in cells if c is not None)
            if first[0] in FOOTER_INITIALS and _is_skipped_row(cells, serials):
                continue
        if cells[0] == header[0] and _repeats_header(cells, header):
            continue
        if len(cells) < width:
            cells = cells + padding[len(cells) :]
        row_numbers.append(row_number)
        picked.append(pick(cells))
    found = np.empty((len(picked), len(positions)), dtype=object)
    if picked:
        found[:] = picked
    return _sheet_table(kind, match, sheet, serials, found, np.array(row_numbers, dtype=np.int64))


def grid_table(
    match: HeaderMatch,
    sheet: str,
    data: np.ndarray,
    numbers: np.ndarray,
    present: np.ndarray | None = None,
) -> SheetTable:
    """``build_table`` of the rows of a grid (rows x columns of text or None) under a header.

    The same tests, column-wise: only rows that may be totals, notes or a repeated header
    are looked at one by one. ``numbers``: the row number of each grid row; ``present``:
    where the grid holds text, when already known.
    """
    kind = _check_required(match, sheet)
    header = match.cells
    count, width = data.shape
    if len(header) != width:
        return build_table(match, sheet, zip(numbers.tolist(), data.tolist(), strict=True))
    serials = _serial_positions(header)
    if present is None:
        present = data != None  # noqa: E711 (element-wise)
    filled = present.sum(axis=1)
    values = filled - present[:, serials].sum(axis=1) if serials else filled
    skipped = values == 0
    # _is_skipped_row: a row with values is skipped only when its first value opens a totals
    # row or a note. Rows without values have no first value, or are skipped already.
    firsts = data[np.arange(count), present.argmax(axis=1)].tolist()
    for i in [i for i, first in enumerate(firsts) if first and first[0] in FOOTER_INITIALS]:
        if not skipped[i]:
            skipped[i] = _is_skipped_row(data[i].tolist(), serials)
    # _repeats_header: the row equals the header (rows and header have the same width) and
    # holds something. Only rows starting as the header does are compared in full.
    repeats = np.zeros(count, dtype=bool)
    same_start = np.flatnonzero(data[:, 0] == header[0])
    if len(same_start):
        header_cells = np.empty(width, dtype=object)
        header_cells[:] = header
        repeats[same_start] = (data[same_start] == header_cells).all(axis=1)
        repeats &= filled > 0
    kept = ~(skipped | repeats)
    if not kept.all():
        data, numbers = data[kept], numbers[kept]
    positions = list(match.mapping)
    first, last = positions[0], positions[-1]
    if positions == list(range(first, last + 1)):
        found = data[:, first : last + 1]  # a view: columns side by side, in order
    else:
        found = data[:, positions]
    return _sheet_table(kind, match, sheet, serials, found, numbers)


def _serial_positions(header: TextRow) -> list[int]:
    """Positions of the 序号 columns of a header."""
    return [i for i, text in enumerate(header) if is_serial_header(text)]


def _sheet_table(
    kind: Kind,
    match: HeaderMatch,
    sheet: str,
    serials: list[int],
    found: np.ndarray,
    row_numbers: np.ndarray,
) -> SheetTable:
    """The SheetTable of the data rows kept: ``found`` holds their mapped cells (rows x cells)."""
    header = match.cells
    extra = [
        text
        for i, text in enumerate(header)
        if text and i not in match.mapping and i not in serials
    ]
    names = column_names(kind)
    count = len(row_numbers)
    # One object block (every column of the kind, None where the file lacks it), built from
    # a 2-D array of dtype object: pandas neither copies it nor infers types (text stays str).
    values = np.empty((count, len(names)), dtype=object)
    if count:
        values[:, [names.index(name) for name in match.mapping.values()]] = found
    rows = pd.DataFrame(values, columns=names, dtype=object, copy=False)
    rows["row_number"] = row_numbers.astype(np.int64)
    columns = {name: str(header[i]) for i, name in match.mapping.items()}
    return SheetTable(kind, sheet, match.row_number, columns, extra, rows)


def _picker(positions: list[int]) -> Callable[[TextRow], tuple[str | None, ...]]:
    """A function taking the cells at ``positions`` of a row, as a tuple."""
    if len(positions) == 1:
        (position,) = positions
        return lambda cells: (cells[position],)
    return itemgetter(*positions)


def _repeats_header(cells: TextRow, header: TextRow) -> bool:
    """Whether a row repeats the header (printed forms and pasted sheets repeat it)."""
    return cells[: len(header)] == header[: len(cells)] and any(cells)
