"""CSV and tab-separated text in any office encoding: encoding and delimiter sniffing, records.

Files already in memory take the fast ways (whole-text decoding, plain text split column-wise,
quote-free lines split without the csv module); each gives what the csv module over a stream
gives (tests/ingest/readers/test_text.py compares them).
"""

from __future__ import annotations

import bisect
import codecs
import csv
import functools
import io
import re
import unicodedata
from collections.abc import Iterator
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np
from charset_normalizer import from_bytes

from flows.ingest.readers.common import FileRejected, SheetTable, TextRow
from flows.ingest.readers.headers import HEADER_SCAN_ROWS, find_header
from flows.ingest.readers.tables import build_table, grid_table
from flows.settings import Settings

if TYPE_CHECKING:
    from _csv import Reader

# One CSV field longer than this is refused (usually an unmatched quote swallowing the file),
# unless the settings say otherwise (``max_field_chars``).
MAX_FIELD_CHARS: Final = Settings.max_field_chars
ENCODING_SAMPLE_BYTES: Final = 1 << 16
BOMS: Final = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
DELIMITERS: Final = (",", "\t", ";", "|")
# The Chinese comma is a delimiter only when nothing else splits the lines: it is common
# inside opinions and comments.
FALLBACK_DELIMITER: Final = "，"


def read_text_file(
    path: Path, data: bytes | None = None, field_chars: int = MAX_FIELD_CHARS
) -> tuple[list[SheetTable], str]:
    """Read a CSV or tab-separated text file, trying the encodings its bytes allow.

    ``data``: the file's bytes when already read (else it is streamed from ``path``);
    ``field_chars``: the most characters one field may hold, else the file is refused.
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
                _read_csv(path, encoding, field_chars)
                if data is None
                else _read_csv_bytes(path, data, encoding, text, field_chars)
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


def _read_csv(path: Path, encoding: str, field_chars: int = MAX_FIELD_CHARS) -> SheetTable:
    """Parse one delimited text file in a known encoding into a table, streamed from disk."""
    # The limit is process-wide: set it to the field limit minyi enforces for this file.
    csv.field_size_limit(field_chars)
    with path.open("r", encoding=encoding, errors="strict", newline="") as stream:
        head = stream.read(ENCODING_SAMPLE_BYTES)
        stream.seek(0)
        delimiter, hint_lines = _delimiter(head)
        reader = csv.reader(stream, delimiter=delimiter)
        return _csv_table(_csv_records(reader, field_chars), hint_lines)


def _read_csv_bytes(
    path: Path,
    data: bytes,
    encoding: str,
    text: str | None = None,
    field_chars: int = MAX_FIELD_CHARS,
) -> SheetTable:
    """``_read_csv`` of a file's bytes already in memory: the same table, decoded at once.

    ``text``: ``data.decode(encoding)`` when already known.
    """
    if text is None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            # A stream fails only when it reaches the bad bytes: a header rejected before
            # then is the answer. Streaming the file again gives exactly that.
            return _read_csv(path, encoding, field_chars)
    csv.field_size_limit(field_chars)
    delimiter, hint_lines = _delimiter(text[:ENCODING_SAMPLE_BYTES])
    table = _plain_text_table(text, delimiter, hint_lines, field_chars)
    if table is not None:
        return table
    return _csv_table(_text_records(text, delimiter, field_chars), hint_lines)


def _plain_text_table(
    text: str, delimiter: str, hint_lines: int, field_chars: int = MAX_FIELD_CHARS
) -> SheetTable | None:
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
    if not lines or max(map(len, lines)) > field_chars:
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
    return grid_table(match, "", grid[start:], data_numbers, present[start:])


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


def _text_records(
    text: str, delimiter: str, field_chars: int = MAX_FIELD_CHARS
) -> Iterator[tuple[int, TextRow]]:
    """``_csv_records`` of a whole decoded text, as ``csv.reader`` over its lines reads it.

    Lines without a quote character split on the delimiter exactly as the csv module splits
    them, much faster; a record starting on a line with a quote goes through ``csv.reader``
    (it may run over several lines). Text mixing line ends (CR, LF and CRLF) goes through
    ``csv.reader`` whole.
    """
    split = _split_lines(text)
    if split is None:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        yield from _csv_records(reader, field_chars)
        return
    lines, end, terminated = split
    count = len(lines)
    index = 0
    while index < count:
        line = lines[index]
        if '"' not in line:
            fields = line.split(delimiter) if line else []
            if len(line) > field_chars and max(map(len, fields)) > field_chars:
                raise FileRejected("file_field_too_large", line=index + 1, limit=field_chars)
            index += 1
            yield index, [f.strip() or None for f in fields]
            continue
        reader = csv.reader(_line_feed(lines, index, end, terminated), delimiter=delimiter)
        try:
            fields = next(reader)
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise FileRejected(
                    "file_field_too_large", line=index + 1, limit=field_chars
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


def _csv_records(
    reader: Reader, field_chars: int = MAX_FIELD_CHARS
) -> Iterator[tuple[int, TextRow]]:
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
                    "file_field_too_large", line=line + 1, limit=field_chars
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
        try:
            yield len(next(reader))
        except csv.Error:
            return  # a field over the limit: the parse that follows refuses the file
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
