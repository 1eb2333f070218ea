"""Reading input files: CSV in any office encoding and Excel workbooks, into text tables.

``read_file(path, settings) -> ReadResult`` or raises ``FileRejected``. The file kind comes
from the header row (wherever it sits in the first rows), never from the file name. Values
stay text: the normaliser parses numbers, dates and periods later.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pandas as pd
import python_calamine as calamine
from charset_normalizer import from_bytes

from flows.datasets import (
    COLUMNS,
    KINDS,
    Kind,
    column_names,
    match_headers,
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
    result = ReadResult(path=path, file_hash=file_hash(path), size_bytes=size)
    if file_format(path) == "workbook":
        tables, ignored, correction_of = _read_workbook(path, size)
        result.tables, result.ignored_sheets, result.correction_of = tables, ignored, correction_of
    else:
        result.tables, result.encoding = _read_text_file(path)
    return result


def file_format(path: Path) -> str:
    """'workbook' or 'text', judged from the first bytes and the suffix; else FileRejected."""
    suffix = path.suffix.lower()
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
    for row_number, cells in rows[:HEADER_SCAN_ROWS]:
        stacked = [c if c is not None else p for c, p in zip_longest(cells, previous)]
        for candidate, plain in ((cells, True), (stacked, False)):
            headers = [c or "" for c in candidate[:HEADER_SCAN_COLUMNS]]
            for kind in KINDS:
                mapping = match_headers(kind, headers)
                required = required_columns(kind)
                share = len(set(required) & set(mapping.values())) / len(required)
                score = (share, len(mapping), plain)
                if share >= 0.5 and (best is None or score > best[0]):
                    best = (score, HeaderMatch(kind, row_number, candidate, mapping))
        if fallback is None and sum(c is not None for c in cells) > 1:
            fallback = HeaderMatch(None, row_number, cells, {})
        previous = cells
    if best is not None:
        return best[1]
    if fallback is not None:
        return fallback
    return HeaderMatch(None, rows[0][0], rows[0][1], {}) if rows else None


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
    serials = [i for i, text in enumerate(match.cells) if _is_serial_header(text)]
    extra = [
        text
        for i, text in enumerate(match.cells)
        if text and i not in match.mapping and i not in serials
    ]
    positions = list(match.mapping)
    padding: TextRow = [None] * (max(positions) + 1)
    picked: list[TextRow] = []
    row_numbers: list[int] = []
    for row_number, cells in records:
        if _is_skipped_row(cells, serials) or _repeats_header(cells, match.cells):
            continue
        if len(cells) < len(padding):
            cells = cells + padding[len(cells) :]
        row_numbers.append(row_number)
        picked.append([cells[i] for i in positions])
    by_name = dict(zip(match.mapping.values(), zip(*picked, strict=True), strict=False))
    none_column = [None] * len(row_numbers)
    rows = pd.DataFrame(
        {
            name: pd.Series(by_name.get(name, none_column), dtype=object)
            for name in column_names(kind)
        },
        index=pd.RangeIndex(len(row_numbers)),
    )
    rows["row_number"] = pd.Series(row_numbers, dtype="int64")
    columns = {name: str(match.cells[i]) for i, name in match.mapping.items()}
    return SheetTable(kind, sheet, match.row_number, columns, extra, rows)


def _repeats_header(cells: TextRow, header: TextRow) -> bool:
    """Whether a row repeats the header (printed forms and pasted sheets repeat it)."""
    return cells[: len(header)] == header[: len(cells)] and any(cells)


def _read_text_file(path: Path) -> tuple[list[SheetTable], str]:
    """Read a CSV or tab-separated text file, trying the encodings its bytes allow."""
    with path.open("rb") as fh:
        sample = fh.read(ENCODING_SAMPLE_BYTES)
    for encoding in candidate_encodings(sample):
        try:
            table = _read_csv(path, encoding)
        except UnicodeDecodeError:
            continue
        if table.rows.empty:
            raise FileRejected("file_empty")
        return [table], encoding
    raise FileRejected("file_encoding")


def candidate_encodings(sample: bytes) -> Iterator[str]:
    """Encodings worth trying for a text file, safest first, judged on its first bytes."""
    for bom, encoding in BOMS:
        if sample.startswith(bom):
            yield encoding
            return
    if b"\x00" in sample:
        utf16 = _utf16_without_bom(sample)
        if utf16:
            yield utf16
        return
    for encoding in ("utf-8", "gb18030"):
        if _decodes_sensibly(sample, encoding):
            yield encoding
    guess = from_bytes(sample).best()
    if (
        guess is not None
        and guess.chaos <= 0.1
        and guess.encoding not in ("utf_8", "gb18030")
        and _decodes_sensibly(sample, guess.encoding)
    ):
        yield guess.encoding


def _utf16_without_bom(sample: bytes) -> str | None:
    """utf-16-le/-be when NUL bytes sit at every other position (ASCII text in UTF-16)."""
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.3 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) > 0.3 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _decodes_sensibly(sample: bytes, encoding: str) -> bool:
    """Whether the sample decodes strictly and reads as office text, not mojibake."""
    try:
        text = codecs.getincrementaldecoder(encoding)("strict").decode(sample, final=False)
    except (UnicodeDecodeError, LookupError):
        return False
    return looks_like_text(text)


def looks_like_text(text: str) -> bool:
    """Mostly CJK, ASCII and common punctuation; hardly any control or private-use characters.

    GB18030 decodes almost any byte string, so a strict decode alone proves nothing: bytes
    of another encoding come out as rare characters, private-use or control codes.
    """
    visible = [ch for ch in text if not ch.isspace()]
    if not visible:
        return True
    odd = sum(1 for ch in visible if unicodedata.category(ch) in ("Cc", "Co", "Cn", "Cs"))
    common = sum(1 for ch in visible if _is_common_char(ch))
    return odd <= len(visible) * 0.001 and common >= len(visible) * 0.95


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
    """Parse one delimited text file in a known encoding into a table."""
    # The default limit (128 KiB) is process-wide; raise it to the field limit minyi enforces.
    csv.field_size_limit(MAX_FIELD_CHARS)
    with path.open("r", encoding=encoding, errors="strict", newline="") as stream:
        head = stream.read(ENCODING_SAMPLE_BYTES)
        stream.seek(0)
        delimiter, hint_lines = _delimiter(head)
        reader = csv.reader(stream, delimiter=delimiter)
        records = _csv_records(reader)
        for _ in range(hint_lines):
            next(records, None)
        scanned = _take_nonblank(records, HEADER_SCAN_ROWS)
        match = find_header(scanned)
        if match is None:
            raise FileRejected("file_empty")
        after_header = [r for r in scanned if r[0] > match.row_number]
        return build_table(match, "", _chain(after_header, records))


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
    first = head.split("\n", 1)[0].strip().lstrip("\ufeff")
    if first.lower().startswith("sep=") and len(first) == 5:
        return first[4], 1
    lines = [ln for ln in head.splitlines()[: HEADER_SCAN_ROWS * 2] if ln.strip()]
    if len(head) == ENCODING_SAMPLE_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the sample may cut the last line
    best, best_score = ",", 0
    for delimiter in (*DELIMITERS, FALLBACK_DELIMITER):
        if delimiter == FALLBACK_DELIMITER and best_score:
            break
        score = _delimiter_score(lines, delimiter)
        if score > best_score:
            best, best_score = delimiter, score
    return best, 0


def _delimiter_score(lines: list[str], delimiter: str) -> int:
    """How many sample lines split into the most common multi-field width."""
    widths = [len(fields) for fields in csv.reader(lines, delimiter=delimiter)]
    multi = [w for w in widths if w > 1]
    if not multi:
        return 0
    mode = max(set(multi), key=multi.count)
    return multi.count(mode) * min(mode, 50)


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


def _read_workbook(path: Path, size: int) -> tuple[list[SheetTable], list[str], str | None]:
    """Read every visible sheet holding a table; note the correction marker if present."""
    _check_workbook_archive(path, size)
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

    def row_text(index: int, dates: frozenset[int] = frozenset()) -> TextRow:
        return [cell_text(value, col in dates) for col, value in enumerate(grid[index])]

    def with_merges(index: int, cells: TextRow, dates: frozenset[int] = frozenset()) -> TextRow:
        for col, value in filled.get(index, {}).items():
            cells[col] = cell_text(value, col in dates)
        return cells

    scanned: list[tuple[int, TextRow]] = []
    for index in range(len(grid)):
        cells = with_merges(index, row_text(index))
        if any(c is not None for c in cells):
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
            cells = row_text(index, dates)
            # Judged before merged cells are filled: a row whose only values come from a
            # merged cell above (or a pre-printed 序号) is a blank row of the form.
            if all(c is None for i, c in enumerate(cells) if i not in serials):
                continue
            yield index + 1, with_merges(index, cells, dates)

    return build_table(match, sheet.name, records()), match


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


def _check_workbook_archive(path: Path, size: int) -> None:
    """Refuse a workbook zip that is not an .xlsx, expands too far, or spans huge sheets."""
    try:
        with zipfile.ZipFile(path) as archive:
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
        for i, part in enumerate(parts):
            cells = sum(part.count(tag) for tag in _CELL_TAGS)
            if i == 0:
                cells += self._pending_cells
                self._pending_cells = 0
            self.rows += 1
            self.widest = max(self.widest, cells)
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
