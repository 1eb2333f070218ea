"""Reading input files: CSV in any office encoding and Excel workbooks, into text tables.

``read_file(path, settings) -> ReadResult`` or raises ``FileRejected``. The file kind comes
from the header row (wherever it sits in the first rows), never from the file name. Values
stay text: the normaliser parses numbers, dates and periods later.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import datetime as dt
import functools
import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, repeat, zip_longest
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd
import python_calamine as calamine
from charset_normalizer import from_bytes

from flows.datasets import (
    COLUMNS,
    HEADER_INDEX,
    KINDS,
    Kind,
    column_names,
    names_no_column,
    normalise_header,
    required_columns,
)
from flows.messages import msg
from flows.settings import Settings

if TYPE_CHECKING:
    from _csv import Reader

TextRow = list[str | None]

# Header detection looks at this many non-blank rows and columns from the top of a table.
HEADER_SCAN_ROWS: Final = 30
HEADER_SCAN_COLUMNS: Final = 200
# One CSV field longer than this is refused (usually an unmatched quote swallowing the file).
MAX_FIELD_CHARS: Final = 1 << 20
ENCODING_SAMPLE_BYTES: Final = 1 << 16
# A workbook expanding past both limits is treated as a zip bomb.
ZIP_BOMB_RATIO: Final = 50
ZIP_BOMB_BYTES: Final = 200 * 1024 * 1024
# calamine allocates every cell of a sheet's bounding box: two far-apart cells in a 5 KB file
# would ask for terabytes and abort the process, so the box is measured first.
MAX_SHEET_CELLS: Final = 30_000_000
# Far more rows than any office's forms: a million empty formatted rows would take calamine
# half a minute and hundreds of megabytes, so such sheets are refused before reading.
MAX_SHEET_ROWS: Final = 500_000
# Files up to this size are read into memory once (hash, sniffing and parsing share the
# bytes); larger ones, hostile files among them, are streamed from the disk in bounded memory.
IN_MEMORY_BYTES: Final = 16 * 1024 * 1024
CORRECTION_SHEET: Final = "_minyi_correction"

TEXT_SUFFIXES: Final = frozenset({".csv", ".txt", ".tsv"})
WORKBOOK_SUFFIXES: Final = frozenset({".xlsx", ".xlsm"})
ZIP_MAGIC: Final = b"PK\x03\x04"
OLE2_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Encrypted OOXML is an OLE2 container holding an "EncryptionInfo" stream (UTF-16 name).
OLE2_ENCRYPTION_STREAM: Final = "EncryptionInfo".encode("utf-16-le")
BINARY_MAGICS: Final = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"%PDF",
    b"Rar!",
    b"7z\xbc\xaf",
    b"\x1f\x8b",
)
BOMS: Final = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
DELIMITERS: Final = (",", "\t", ";", "|")
# The Chinese comma is a delimiter only when nothing else splits the lines: it is common
# inside opinions and comments.
FALLBACK_DELIMITER: Final = "，"

SERIAL_HEADERS: Final = frozenset({"序号", "序", "行号", "no", "no.", "#"})
TOTAL_ROW = re.compile(r"^(合计|总计|小计|共计|总合计)")
NOTE_ROW = re.compile(
    r"^(注|说明|备注[:：]|填表人|填报人|审核人|审核|制表|负责人|联系人|联系电话|单位盖章|盖章)"
)
FOOTER_INITIALS: Final = frozenset("合总小共注说备填审制负联单盖")
SHEET_REF = re.compile(rb'r="(?:([A-Z]{2,3})([0-9]+)|[A-Z]?([0-9]{6,}))"')
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
EXCEL_EPOCH: Final = dt.datetime(1899, 12, 30)
# Excel serials from 1900-03-01 up to 9999-12-31 (the 1900 leap-year bug sits below 61).
EXCEL_SERIALS: Final = (61.0, 2958466.0)


class FileRejected(Exception):
    """A whole file cannot be taken: not a table of a known kind, unreadable, too large."""

    def __init__(self, key: str, **values: object) -> None:
        self.key = key
        self.values = values
        super().__init__(msg(key, "en", **values))

    def reason(self, lang: str) -> str:
        """The reason in one language."""
        return msg(self.key, lang, **self.values)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled by Dask workers: rebuild from the key, not from the formatted message.
        return (_rejected, (self.key, self.values))


def _rejected(key: str, values: dict[str, object]) -> FileRejected:
    return FileRejected(key, **values)


@dataclass
class SheetTable:
    """The data rows of one table of a known kind, as text, with where each row came from."""

    kind: Kind
    sheet: str  # sheet name; "" for CSV
    header_row: int  # 1-based row of the header in the sheet or file
    columns: dict[str, str]  # canonical column name -> header text as found
    extra_columns: list[str]  # header texts not recognised (kept for lineage, reported)
    # One row per data row: every canonical column of the kind (missing optional ones are
    # None), values as stripped text or None, plus "row_number" (1-based, as the user sees it).
    rows: pd.DataFrame


@dataclass
class ReadResult:
    """Everything read from one file."""

    path: Path
    file_hash: str
    size_bytes: int
    tables: list[SheetTable] = field(default_factory=list)
    encoding: str | None = None  # for text files: the encoding detected
    # For a corrections workbook written by minyi (hidden sheet "_minyi_correction", cell A1
    # holding the source file's hash): that hash. Its rows replace rows one by one.
    correction_of: str | None = None
    # Visible sheets holding no table of a known kind (or no data rows under the header).
    ignored_sheets: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        """Data rows read across all tables."""
        return sum(len(t.rows) for t in self.tables)


@dataclass(frozen=True)
class HeaderMatch:
    """The header row found at the top of a table, and the kind it names (None if unknown)."""

    kind: Kind | None
    row_number: int
    cells: TextRow
    mapping: dict[int, str]  # cell position -> canonical column name


def file_hash(path: Path) -> str:
    """sha256 of the file's bytes, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_file(path: Path, settings: Settings) -> ReadResult:
    """Read one CSV or XLSX file into tables of known kinds; raise FileRejected otherwise."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise FileRejected("file_unreadable", error=error) from error
    if size > settings.max_file_bytes:
        raise FileRejected("file_too_large", size=size, limit=settings.max_file_bytes)
    if size == 0:
        raise FileRejected("file_empty")
    try:
        return _read_checked(path, size)
    except FileRejected:
        raise
    except Exception as error:
        # Third-party readers raise their own errors on malformed files; a bad input file
        # must become a rejection with the reason, never stop the run.
        raise FileRejected("file_unreadable", error=error) from error


def _read_checked(path: Path, size: int) -> ReadResult:
    """Read a file already known to be of a sensible size."""
    # Ordinary files are read once into memory, then hashed and parsed from those bytes;
    # large ones are hashed and parsed from the disk, as a stream.
    data = _file_bytes(path) if size <= IN_MEMORY_BYTES else None
    digest = hashlib.sha256(data).hexdigest() if data is not None else file_hash(path)
    result = ReadResult(path=path, file_hash=digest, size_bytes=size)
    head = data[:8] if data is not None else None
    if _file_format(path, head) == "workbook":
        tables, ignored, correction_of = _read_workbook(path, size, data)
        result.tables, result.ignored_sheets, result.correction_of = tables, ignored, correction_of
    else:
        result.tables, result.encoding = _read_text_file(path, data)
    return result


def _file_bytes(path: Path) -> bytes:
    """The whole file."""
    with path.open("rb") as fh:
        return fh.read()


def file_format(path: Path) -> str:
    """'workbook' or 'text', judged from the first bytes and the suffix; else FileRejected."""
    return _file_format(path, None)


def _file_format(path: Path, head: bytes | None) -> str:
    """``file_format`` with the first bytes already read (None: read them from the file)."""
    suffix = path.suffix.lower()
    if head is None:
        with path.open("rb") as fh:
            head = fh.read(8)
    if head.startswith(ZIP_MAGIC):
        return "workbook"
    if head.startswith(OLE2_MAGIC):
        if suffix in WORKBOOK_SUFFIXES and _holds_encryption_stream(path):
            raise FileRejected("file_password_protected")
        raise FileRejected("file_old_excel")
    if suffix in WORKBOOK_SUFFIXES:
        raise FileRejected("file_corrupt", suffix=suffix)
    if suffix not in TEXT_SUFFIXES or head.startswith(BINARY_MAGICS):
        raise FileRejected("file_unsupported", suffix=suffix or path.name)
    return "text"


def _holds_encryption_stream(path: Path) -> bool:
    """Whether an OLE2 file names an EncryptionInfo stream (a password-protected workbook)."""
    with path.open("rb") as fh:
        return OLE2_ENCRYPTION_STREAM in fh.read()


def cell_text(value: object, as_date: bool = False) -> str | None:
    """A cell value as faithful, stripped text; None for an empty cell.

    Excel keeps 15 significant digits, so floats are rounded to those before their
    shortest form (0.30000000000000004 shows as 0.3 in Excel and here). With ``as_date``,
    a number is read as an Excel date serial (1900 date system).
    """
    if isinstance(value, str):
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        if as_date and EXCEL_SERIALS[0] <= value < EXCEL_SERIALS[1]:
            return _datetime_text(EXCEL_EPOCH + dt.timedelta(days=float(value)))
        return _number_text(value)
    if isinstance(value, dt.datetime):
        return _datetime_text(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip() or None


def _number_text(value: int | float) -> str:
    """A number as Excel shows it in a General cell: 98.0 -> "98", 4.5 -> "4.5"."""
    if isinstance(value, int):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(f"{value:.15g}"))


def _datetime_text(value: dt.datetime) -> str:
    """ISO date, with the time of day only when there is one."""
    # Serials carry float noise: round to the second before deciding there is a time.
    value = (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
    if value.time() == dt.time(0, 0):
        return value.date().isoformat()
    return value.isoformat(sep=" ")


def find_header(rows: Sequence[tuple[int, TextRow]]) -> HeaderMatch | None:
    """The row (among the first non-blank ones) that best names the columns of a known kind.

    A two-row header (group labels above item names, merged in Excel but flat in CSV) is
    read as the lower row with its blanks taken from the row above. Without a known kind,
    the first row with several cells is returned with ``kind=None``, for the rejection
    message. None when there are no rows at all.
    """
    best: tuple[tuple[float, int, bool], HeaderMatch] | None = None
    fallback: HeaderMatch | None = None
    previous: TextRow = []
    previous_keys: list[str] = []
    for row_number, cells in rows[:HEADER_SCAN_ROWS]:
        # Each cell's header key is found once per row (not once per kind and candidate).
        # A row naming no column maps nothing for any kind; its stacked form maps only
        # columns the row above names at the same places, so it never scores above the row
        # above (which wins ties as a plain row): most rows are passed over at once.
        keys = _header_keys(cells[:HEADER_SCAN_COLUMNS])
        if not _HEADER_KEYS.isdisjoint(keys):
            best = _better_header(best, row_number, cells, True, keys)
            stacked_keys = [
                key if c is not None else (p or "")
                for c, key, p in zip_longest(cells[:HEADER_SCAN_COLUMNS], keys, previous_keys)
            ]
            # Identical keys map identically, and the plain row wins such a tie.
            if stacked_keys != keys:
                stacked = [c if c is not None else p for c, p in zip_longest(cells, previous)]
                best = _better_header(best, row_number, stacked, False, stacked_keys)
        if fallback is None and sum(c is not None for c in cells) > 1:
            fallback = HeaderMatch(None, row_number, cells, {})
        previous, previous_keys = cells, keys
    if best is not None:
        return best[1]
    if fallback is not None:
        return fallback
    return HeaderMatch(None, rows[0][0], rows[0][1], {}) if rows else None


def _better_header(
    best: tuple[tuple[float, int, bool], HeaderMatch] | None,
    row_number: int,
    candidate: TextRow,
    plain: bool,
    keys: list[str],
) -> tuple[tuple[float, int, bool], HeaderMatch] | None:
    """The best header so far after trying one candidate row against every kind."""
    hits = [(i, key) for i, key in enumerate(keys) if key in _HEADER_KEYS]
    for kind in KINDS:
        mapping = _match_keys(kind, hits)
        required = _REQUIRED[kind]
        share = len(required & set(mapping.values())) / len(required)
        score = (share, len(mapping), plain)
        if share >= 0.5 and (best is None or score > best[0]):
            best = (score, HeaderMatch(kind, row_number, candidate, mapping))
    return best


# Every normalised header text naming a column of some kind, and each kind's required columns.
_HEADER_KEYS: Final = frozenset(key for index in HEADER_INDEX.values() for key in index)
_REQUIRED: Final = {kind: frozenset(required_columns(kind)) for kind in KINDS}


# Header keys by cell text: normalise_header(cell or "") when that names a column of some
# kind, else "" (all find_header needs to know). Blank cells (None) have the key "".
_HEADER_KEY_CACHE: dict[str | None, str] = {None: ""}
_HEADER_KEY_CACHE_SIZE: Final = 1 << 16


def _header_keys(cells: TextRow) -> list[str]:
    """``_header_key`` of each cell: the same header texts head thousands of files."""
    try:
        keys = list(map(_HEADER_KEY_CACHE.get, cells))
    except TypeError:  # an unhashable value
        return [_header_key(c) for c in cells]
    position = -1
    for _ in range(keys.count(None)):
        position = keys.index(None, position + 1)
        keys[position] = _header_key(cells[position])
    return keys  # type: ignore[return-value]


def _header_key(cell: str | None) -> str:
    """normalise_header(cell or "") when that names a column of some kind, else "".

    Data cells mostly hold a digit or ideograph no header holds: they are not normalised.
    """
    if type(cell) is not str:
        key = normalise_header(cell or "")
        return key if key in _HEADER_KEYS else ""
    if len(_HEADER_KEY_CACHE) >= _HEADER_KEY_CACHE_SIZE:
        _HEADER_KEY_CACHE.clear()
        _HEADER_KEY_CACHE[None] = ""
    key = "" if names_no_column(cell) else normalise_header(cell)
    key = _HEADER_KEY_CACHE[cell] = key if key in _HEADER_KEYS else ""
    return key


def _match_keys(kind: Kind, hits: list[tuple[int, str]]) -> dict[int, str]:
    """``match_headers`` over normalised header texts: the first cell naming a column wins."""
    index = HEADER_INDEX[kind]
    found: dict[int, str] = {}
    taken: set[str] = set()
    for position, key in hits:
        name = index.get(key)
        if name and name not in taken:
            found[position] = name
            taken.add(name)
    return found


def _check_required(match: HeaderMatch, sheet: str) -> Kind:
    """The kind a header names; FileRejected when unknown or missing required columns."""
    found = _listing(match.cells, sheet)
    if match.kind is None:
        raise FileRejected("file_unknown_kind", found=found)
    present = set(match.mapping.values())
    missing = [c for c in COLUMNS[match.kind] if c.required and c.name not in present]
    if missing:
        names = ", ".join(f"{c.zh} ({c.name})" for c in missing)
        raise FileRejected("file_missing_columns", missing=names, found=found)
    return match.kind


def _listing(cells: TextRow, sheet: str) -> str:
    """The header texts of a row for a message, prefixed with the sheet name in workbooks."""
    texts = ", ".join(c for c in cells[:HEADER_SCAN_COLUMNS] if c) or "-"
    return f"[{sheet}] {texts}" if sheet else texts


def _is_serial_header(text: str | None) -> bool:
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


def _grid_table(
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
    return [i for i, text in enumerate(header) if _is_serial_header(text)]


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


def _read_text_file(path: Path, data: bytes | None = None) -> tuple[list[SheetTable], str]:
    """Read a CSV or tab-separated text file, trying the encodings its bytes allow.

    ``data``: the file's bytes when already read (else it is streamed from ``path``).
    """
    if data is None:
        with path.open("rb") as fh:
            sample = fh.read(ENCODING_SAMPLE_BYTES)
    else:
        sample = data[:ENCODING_SAMPLE_BYTES]
    for encoding, decoded in _candidates(sample):
        # A file no longer than the sample may have been decoded whole already.
        text = decoded if data is not None and len(data) <= len(sample) else None
        try:
            table = (
                _read_csv(path, encoding)
                if data is None
                else _read_csv_bytes(path, data, encoding, text)
            )
        except UnicodeDecodeError:
            continue
        if table.rows.empty:
            raise FileRejected("file_empty")
        return [table], encoding
    raise FileRejected("file_encoding")


def candidate_encodings(sample: bytes) -> Iterator[str]:
    """Encodings worth trying for a text file, safest first, judged on its first bytes."""
    for encoding, _text in _candidates(sample):
        yield encoding


def _candidates(sample: bytes) -> Iterator[tuple[str, str | None]]:
    """``candidate_encodings``, each with the whole sample decoded when that was checked on
    the way (None when not, or when bytes are left over at its end)."""
    for bom, encoding in BOMS:
        if sample.startswith(bom):
            yield encoding, None
            return
    if b"\x00" in sample:
        utf16 = _utf16_without_bom(sample)
        if utf16:
            yield utf16, None
        return
    for encoding in ("utf-8", "gb18030"):
        decoded = _sensible_text(sample, encoding)
        if decoded is not None:
            yield encoding, decoded[0] if decoded[1] else None
    guess = from_bytes(sample).best()
    if (
        guess is not None
        and guess.chaos <= 0.1
        and guess.encoding not in ("utf_8", "gb18030")
        and (decoded := _sensible_text(sample, guess.encoding)) is not None
    ):
        yield guess.encoding, decoded[0] if decoded[1] else None


def _utf16_without_bom(sample: bytes) -> str | None:
    """utf-16-le/-be when NUL bytes sit at every other position (ASCII text in UTF-16)."""
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.3 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) > 0.3 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _sensible_text(sample: bytes, encoding: str) -> tuple[str, bool] | None:
    """The sample decoded, when it decodes strictly and reads as office text, not mojibake
    (else None); and whether it decoded to its last byte: then the text is exactly
    ``sample.decode(encoding)``."""
    try:
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        text = decoder.decode(sample, final=False)
    except (UnicodeDecodeError, LookupError):
        return None
    if not looks_like_text(text):
        return None
    try:
        whole = decoder.decode(b"", final=True) == ""
    except UnicodeDecodeError:
        whole = False
    return text, whole


def looks_like_text(text: str) -> bool:
    """Mostly CJK, ASCII and common punctuation; hardly any control or private-use characters.

    GB18030 decodes almost any byte string, so a strict decode alone proves nothing: bytes
    of another encoding come out as rare characters, private-use or control codes.
    """
    # Counted with regular expressions, not character by character. Text of plain characters
    # (common, visible, assigned) and white space only passes at once; else runs of plain
    # characters go first, then white space, and what is left is judged one by one.
    clean, plain, space = _text_patterns()
    if clean.fullmatch(text):
        return True
    rest = plain.sub("", text)
    others = space.sub("", rest)
    visible = len(text) - (len(rest) - len(others))
    if not visible:
        return True
    common = visible - len(others) + sum(1 for ch in others if _is_common_char(ch))
    if not common >= visible * 0.95:
        return False
    odd = sum(1 for ch in others if unicodedata.category(ch) in _ODD_CATEGORIES)
    return odd <= visible * 0.001


_ODD_CATEGORIES: Final = frozenset({"Cc", "Co", "Cn", "Cs"})
# The ranges ``_is_common_char`` accepts.
_COMMON_RANGES: Final = (
    (0x0000, 0x007F),
    (0x4E00, 0x9FFF),
    (0x3000, 0x303F),
    (0xFF00, 0xFFEF),
    (0x2000, 0x27BF),
    (0x00A0, 0x00FF),
    (0x3200, 0x33FF),
    (0x2E80, 0x2FDF),
)


@functools.cache
def _text_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Text of plain characters (common, not white space, not odd) and white space only, runs
    of plain characters, and runs of white space."""
    plain = [
        code
        for low, high in _COMMON_RANGES
        for code in range(low, high + 1)
        if not chr(code).isspace() and unicodedata.category(chr(code)) not in _ODD_CATEGORIES
    ]
    plain.sort()
    spans: list[list[int]] = []
    for code in plain:
        if spans and spans[-1][1] == code - 1:
            spans[-1][1] = code
        else:
            spans.append([code, code])
    members = "".join(
        f"\\U{low:08x}" if low == high else f"\\U{low:08x}-\\U{high:08x}" for low, high in spans
    )
    # \s matches exactly the characters str.isspace() accepts.
    return re.compile(f"[{members}\\s]*"), re.compile(f"[{members}]+"), re.compile(r"\s+")


def _is_common_char(ch: str) -> bool:
    """ASCII, CJK ideographs and the punctuation, symbols and full-width forms offices use."""
    code = ord(ch)
    return (
        code < 0x80
        or 0x4E00 <= code <= 0x9FFF
        or 0x3000 <= code <= 0x303F
        or 0xFF00 <= code <= 0xFFEF
        or 0x2000 <= code <= 0x27BF
        or 0x00A0 <= code <= 0x00FF
        or 0x3200 <= code <= 0x33FF
        or 0x2E80 <= code <= 0x2FDF
    )


def _read_csv(path: Path, encoding: str) -> SheetTable:
    """Parse one delimited text file in a known encoding into a table, streamed from disk."""
    # The default limit (128 KiB) is process-wide; raise it to the field limit minyi enforces.
    csv.field_size_limit(MAX_FIELD_CHARS)
    with path.open("r", encoding=encoding, errors="strict", newline="") as stream:
        head = stream.read(ENCODING_SAMPLE_BYTES)
        stream.seek(0)
        delimiter, hint_lines = _delimiter(head)
        reader = csv.reader(stream, delimiter=delimiter)
        return _csv_table(_csv_records(reader), hint_lines)


def _read_csv_bytes(path: Path, data: bytes, encoding: str, text: str | None = None) -> SheetTable:
    """``_read_csv`` of a file's bytes already in memory: the same table, decoded at once.

    ``text``: ``data.decode(encoding)`` when already known.
    """
    if text is None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            # A stream fails only when it reaches the bad bytes: a header rejected before
            # then is the answer. Streaming the file again gives exactly that.
            return _read_csv(path, encoding)
    csv.field_size_limit(MAX_FIELD_CHARS)
    delimiter, hint_lines = _delimiter(text[:ENCODING_SAMPLE_BYTES])
    table = _plain_text_table(text, delimiter, hint_lines)
    if table is not None:
        return table
    return _csv_table(_text_records(text, delimiter), hint_lines)


def _plain_text_table(text: str, delimiter: str, hint_lines: int) -> SheetTable | None:
    """``_csv_table`` of a plain text, column-wise; None when the text is not that plain.

    Plain: no quote character anywhere, one kind of line end, every non-empty line holding
    the same number of fields, no line over the field size limit. Each line is then one record
    that the csv module splits exactly as ``str.split`` does, and empty lines are blank
    records, which are never data.
    """
    if '"' in text:
        return None
    split = _split_lines(text)
    if split is None:
        return None
    every_line = split[0]
    lines = every_line[hint_lines:]
    first = hint_lines + 1
    if "" in lines:
        numbers = [first + i for i, line in enumerate(lines) if line]
        lines = [line for line in lines if line]
    else:
        numbers = list(range(first, first + len(lines)))
    if not lines or max(map(len, lines)) > MAX_FIELD_CHARS:
        return None
    separators = lines[0].count(delimiter)
    counts = list(map(str.count, lines, repeat(delimiter)))
    if counts.count(separators) != len(counts):
        return None
    joined = delimiter.join(lines)
    fields = joined.split(delimiter)
    # str.split() cuts at the white space str.strip() strips: when it cuts nothing, no field
    # needs stripping.
    if joined.split(None, 1) != [joined]:
        fields = [f.strip() for f in fields]
    grid = np.fromiter(fields, dtype=object, count=len(fields))
    present = grid != ""
    grid[~present] = None
    grid = grid.reshape(len(lines), separators + 1)
    present = present.reshape(grid.shape)
    nonblank = np.flatnonzero(present.any(axis=1))[:HEADER_SCAN_ROWS].tolist()
    match = find_header([(numbers[i], grid[i].tolist()) for i in nonblank])
    if match is None:
        raise FileRejected("file_empty")
    start = bisect.bisect_right(numbers, match.row_number)
    data_numbers = np.array(numbers[start:], dtype=np.int64)
    return _grid_table(match, "", grid[start:], data_numbers, present[start:])


def _csv_table(records: Iterator[tuple[int, TextRow]], hint_lines: int) -> SheetTable:
    """The table of a text file's records: header found in the first rows, then the data."""
    for _ in range(hint_lines):
        next(records, None)
    scanned = _take_nonblank(records, HEADER_SCAN_ROWS)
    match = find_header(scanned)
    if match is None:
        raise FileRejected("file_empty")
    after_header = [r for r in scanned if r[0] > match.row_number]
    return build_table(match, "", _chain(after_header, records))


def _text_records(text: str, delimiter: str) -> Iterator[tuple[int, TextRow]]:
    """``_csv_records`` of a whole decoded text, as ``csv.reader`` over its lines reads it.

    Lines without a quote character split on the delimiter exactly as the csv module splits
    them, much faster; a record starting on a line with a quote goes through ``csv.reader``
    (it may run over several lines). Text mixing line ends (CR, LF and CRLF) goes through
    ``csv.reader`` whole.
    """
    split = _split_lines(text)
    if split is None:
        yield from _csv_records(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        return
    lines, end, terminated = split
    count = len(lines)
    index = 0
    while index < count:
        line = lines[index]
        if '"' not in line:
            fields = line.split(delimiter) if line else []
            if len(line) > MAX_FIELD_CHARS and max(map(len, fields)) > MAX_FIELD_CHARS:
                raise FileRejected("file_field_too_large", line=index + 1, limit=MAX_FIELD_CHARS)
            index += 1
            yield index, [f.strip() or None for f in fields]
            continue
        reader = csv.reader(_line_feed(lines, index, end, terminated), delimiter=delimiter)
        try:
            fields = next(reader)
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise FileRejected(
                    "file_field_too_large", line=index + 1, limit=MAX_FIELD_CHARS
                ) from error
            raise
        yield index + 1, [f.strip() or None for f in fields]
        index += reader.line_num


def _split_lines(text: str) -> tuple[list[str], str, int] | None:
    """Lines of a text using one line end (LF or CRLF), the end, and how many lines it ends.

    None for text mixing line ends. The line after the last line end is kept only when it
    holds something, as a text stream reads it.
    """
    if "\r" not in text:
        lines = text.split("\n")
        end = "\n"
    else:
        lines = text.split("\r\n")
        end = "\r\n"
        # Every CR and every LF belongs to a CRLF, else line ends are mixed.
        if not text.count("\r") == len(lines) - 1 == text.count("\n"):
            return None
    terminated = len(lines) - 1
    if not lines[-1]:
        lines.pop()
    return lines, end, terminated


def _line_feed(lines: list[str], start: int, end: str, terminated: int) -> Iterator[str]:
    """The lines from ``start`` with their line ends, as a text stream yields them."""
    for index in range(start, len(lines)):
        yield lines[index] + end if index < terminated else lines[index]


def _csv_records(reader: Reader) -> Iterator[tuple[int, TextRow]]:
    """CSV records as stripped text with the line number each record starts on."""
    line = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise FileRejected(
                    "file_field_too_large", line=line + 1, limit=MAX_FIELD_CHARS
                ) from error
            raise
        yield line + 1, [f.strip() or None for f in fields]
        line = reader.line_num


def _delimiter(head: str) -> tuple[str, int]:
    """The delimiter of a text file and how many leading hint lines (Excel's "sep=;") to skip."""
    newline = head.find("\n")
    first = (head if newline < 0 else head[:newline]).strip().lstrip("\ufeff")
    if first.lower().startswith("sep=") and len(first) == 5:
        return first[4], 1
    lines = [ln for ln in _first_lines(head, HEADER_SCAN_ROWS * 2) if ln.strip()]
    if len(head) == ENCODING_SAMPLE_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the sample may cut the last line
    best, best_score = ",", 0
    quoted = any('"' in line for line in lines)
    for delimiter in (*DELIMITERS, FALLBACK_DELIMITER):
        if delimiter == FALLBACK_DELIMITER and best_score:
            break
        score = _delimiter_score(lines, delimiter, quoted)
        if score > best_score:
            best, best_score = delimiter, score
    return best, 0


def _first_lines(text: str, count: int) -> list[str]:
    """``text.splitlines()[:count]``, splitting only as much of the text as that takes."""
    size = 4096
    while size < len(text):
        lines = text[:size].splitlines()
        # With a further line started inside the prefix, the first ``count`` are whole.
        if len(lines) > count:
            return lines[:count]
        size *= 4
    return text.splitlines()[:count]


def _delimiter_score(lines: list[str], delimiter: str, quoted: bool = True) -> int:
    """How many sample lines split into the most common multi-field width.

    ``quoted``: whether any line holds a quote character (False: each line is one record).
    """
    if quoted:
        multi = [w for w in _field_counts(lines, delimiter) if w > 1]
    else:
        # One record a line: as wide as its delimiters plus one (lines here are not empty).
        multi = [n + 1 for n in map(str.count, lines, repeat(delimiter)) if n]
    if not multi:
        return 0
    mode = max(set(multi), key=multi.count)
    return multi.count(mode) * min(mode, 50)


def _field_counts(lines: list[str], delimiter: str) -> Iterator[int]:
    """The width of each record ``csv.reader(lines, delimiter=delimiter)`` reads."""
    index = 0
    while index < len(lines):
        line = lines[index]
        if '"' not in line:
            index += 1
            yield line.count(delimiter) + 1 if line else 0
            continue
        reader = csv.reader(iter(lines[index:]), delimiter=delimiter)
        yield len(next(reader))
        index += reader.line_num


def _take_nonblank(records: Iterator[tuple[int, TextRow]], count: int) -> list[tuple[int, TextRow]]:
    """The next ``count`` records that hold at least one value."""
    taken: list[tuple[int, TextRow]] = []
    for record in records:
        if any(c is not None for c in record[1]):
            taken.append(record)
            if len(taken) == count:
                break
    return taken


def _chain(
    first: list[tuple[int, TextRow]], rest: Iterator[tuple[int, TextRow]]
) -> Iterator[tuple[int, TextRow]]:
    """Records already scanned, then the rest of the file."""
    yield from first
    yield from rest


def _read_workbook(
    path: Path, size: int, data: bytes | None = None
) -> tuple[list[SheetTable], list[str], str | None]:
    """Read every visible sheet holding a table; note the correction marker if present.

    ``data``: the file's bytes when already read, for the archive checks.
    """
    _check_workbook_archive(path, size, data)
    try:
        book = calamine.CalamineWorkbook.from_path(path)
    except calamine.PasswordError as error:
        raise FileRejected("file_password_protected") from error
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
        table, match = _read_sheet(sheet)
        if table is not None and len(table.rows):
            tables.append(table)
            continue
        ignored.append(meta.name)
        if match is not None and table is None:
            unknown.append(match)
    if not tables:
        if unknown:
            raise FileRejected("file_unknown_kind", found=_listing(unknown[0].cells, ""))
        raise FileRejected("file_empty")
    return tables, ignored, correction_of


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


def _read_sheet(sheet: calamine.CalamineSheet) -> tuple[SheetTable | None, HeaderMatch | None]:
    """The table of one sheet, or None with the best header-like row when there is none."""
    grid = sheet.to_python(skip_empty_area=False)
    filled = merged_fill(sheet.merged_cell_ranges or [], grid)
    width = len(grid[0]) if grid else 0
    if width and all(len(row) == width for row in grid):
        return _read_grid(sheet.name, grid, width, filled)
    return _read_rows(sheet.name, grid, filled)


def _read_grid(
    name: str, grid: list[list[Any]], width: int, filled: dict[int, dict[int, object]]
) -> tuple[SheetTable | None, HeaderMatch | None]:
    """``_read_rows`` of a rectangular sheet (as calamine gives them), column-wise."""
    cells = _row_texts(list(chain.from_iterable(grid)))
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
    serials = [i for i, text in enumerate(match.cells) if _is_serial_header(text)]
    start = match.row_number
    data = texts[start:]
    for col in dates:
        # Only numbers read differently as dates (Excel date serials).
        column = [row[col] for row in grid[start:]]
        if any(_is_number_type(kind) for kind in set(map(type, column))):
            for i, value in enumerate(column):
                if _is_number(value):
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
    return _grid_table(match, name, data[rows], numbers[rows], present[rows]), match


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
        cells = converted[index] = _row_texts(row)
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
    serials = {i for i, text in enumerate(match.cells) if _is_serial_header(text)}

    def records() -> Iterator[tuple[int, TextRow]]:
        for index in range(match.row_number, len(grid)):
            row = grid[index]
            known = converted.pop(index, None)
            cells = _row_texts(row) if known is None else known.copy()
            for col in dates:
                # Only numbers read differently as dates (Excel date serials).
                if col < len(row) and _is_number(row[col]):
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


def _row_texts(row: Sequence[object]) -> TextRow:
    """``cell_text`` of each value of a row (none read as a date); text, numbers and dates
    inline, number texts remembered (sheets repeat the same few numbers)."""
    known = _VALUE_TEXTS.get
    return [
        (value.strip() or None)
        if type(value) is str
        else (known(value) or _value_text(value))
        if type(value) is float or type(value) is dt.date
        else cell_text(value)
        for value in row
    ]


# Texts of floats and dates by value. Equal values have equal texts (0.0 and -0.0 both read
# "0"), and a float never equals a date.
_VALUE_TEXTS: dict[float | dt.date, str] = {}


def _value_text(value: float | dt.date) -> str:
    """``cell_text`` of a float or a date (never empty), remembered."""
    if len(_VALUE_TEXTS) >= 1 << 16:
        _VALUE_TEXTS.clear()
    text = _VALUE_TEXTS[value] = str(cell_text(value))
    return text


def _is_number(value: object) -> bool:
    """Whether ``cell_text`` reads the value as a date serial in a date column."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_number_type(kind: type) -> bool:
    """Whether values of this type are numbers to ``_is_number``."""
    return issubclass(kind, int | float) and not issubclass(kind, bool)


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


def _check_workbook_archive(path: Path, size: int, data: bytes | None = None) -> None:
    """Refuse a workbook zip that is not an .xlsx, expands too far, or spans huge sheets."""
    try:
        with zipfile.ZipFile(path if data is None else io.BytesIO(data)) as archive:
            members = archive.infolist()
            names = {m.filename for m in members}
            if "xl/workbook.xml" not in names:
                raise FileRejected("file_unsupported", suffix=path.suffix.lower() or path.name)
            expanded = sum(m.file_size for m in members)
            if expanded > ZIP_BOMB_BYTES and expanded > ZIP_BOMB_RATIO * size:
                raise FileRejected("file_zip_bomb", uncompressed=expanded, compressed=size)
            for member in members:
                if member.filename.startswith("xl/worksheets/") and member.filename.endswith(
                    ".xml"
                ):
                    _check_sheet_extent(archive, member)
    except zipfile.BadZipFile as error:
        raise FileRejected("file_corrupt", suffix=path.suffix.lower()) from error


def _check_sheet_extent(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    """Refuse a sheet whose cell references span more than MAX_SHEET_CELLS cells.

    Only deep rows (6+ digits) and wide columns (AA onwards) are collected: rows below
    100000 and columns up to Z are assumed, which keeps the scan fast on ordinary sheets.
    """
    max_row, max_col = 99_999, 26
    tail = b""
    rows = RowCounter()
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
            if rows.rows > MAX_SHEET_ROWS:
                break
    sheet = Path(member.filename).stem
    max_row, max_col = max(max_row, rows.rows), max(max_col, rows.widest)
    if max_row * max_col > MAX_SHEET_CELLS:
        raise FileRejected("file_sheet_too_large", sheet=sheet, rows=max_row, columns=max_col)
    if max_row > MAX_SHEET_ROWS:
        raise FileRejected("file_sheet_too_many_rows", sheet=sheet, limit=MAX_SHEET_ROWS)


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
