"""Reading input files: CSV in any office encoding and Excel workbooks, into text tables.

``read_file(path, settings) -> ReadResult`` or raises ``FileRejected``. The file kind comes
from the header row (wherever it sits in the first rows), never from the file name. Values
stay text: the normaliser parses numbers, dates and periods later.

This module tells the formats apart and hands each file to its reader: ``text`` (CSV and
tab-separated text), ``workbook`` (XLSX). Both find the table with ``headers`` and ``tables``;
``cells`` turns Excel values into text and ``common`` holds the types they share. Each
module keeps its own limits at its top, and a limit is patched in the module that uses it
(the names below are re-exported for importing, not for patching).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Final

from flows.ingest.readers.cells import EXCEL_EPOCH, EXCEL_SERIALS, cell_text
from flows.ingest.readers.common import (
    FileRejected,
    ReadLimits,
    ReadResult,
    SheetTable,
    TextRow,
    file_hash,
)
from flows.ingest.readers.headers import (
    HEADER_SCAN_COLUMNS,
    HEADER_SCAN_ROWS,
    HeaderMatch,
    find_header,
)
from flows.ingest.readers.tables import (
    FOOTER_INITIALS,
    NOTE_ROW,
    SERIAL_HEADERS,
    TOTAL_ROW,
    build_table,
)
from flows.ingest.readers.text import (
    BOMS,
    DELIMITERS,
    ENCODING_SAMPLE_BYTES,
    FALLBACK_DELIMITER,
    MAX_FIELD_CHARS,
    candidate_encodings,
    looks_like_text,
    read_text_file,
)
from flows.ingest.readers.workbook import (
    CORRECTION_SHEET,
    MAX_SHEET_CELLS,
    MAX_SHEET_ROWS,
    SHA256_HEX,
    SHEET_REF,
    ZIP_BOMB_BYTES,
    ZIP_BOMB_RATIO,
    RowCounter,
    correction_marker,
    merged_fill,
    read_workbook,
)
from flows.settings import Settings

__all__ = [
    "BINARY_MAGICS",
    "BOMS",
    "CORRECTION_SHEET",
    "DELIMITERS",
    "ENCODING_SAMPLE_BYTES",
    "EXCEL_EPOCH",
    "EXCEL_SERIALS",
    "FALLBACK_DELIMITER",
    "FOOTER_INITIALS",
    "HEADER_SCAN_COLUMNS",
    "HEADER_SCAN_ROWS",
    "IN_MEMORY_BYTES",
    "MAX_FIELD_CHARS",
    "MAX_SHEET_CELLS",
    "MAX_SHEET_ROWS",
    "NOTE_ROW",
    "OLE2_ENCRYPTION_STREAM",
    "OLE2_MAGIC",
    "SERIAL_HEADERS",
    "SHA256_HEX",
    "SHEET_REF",
    "TEXT_SUFFIXES",
    "TOTAL_ROW",
    "WORKBOOK_SUFFIXES",
    "ZIP_BOMB_BYTES",
    "ZIP_BOMB_RATIO",
    "ZIP_MAGIC",
    "FileRejected",
    "HeaderMatch",
    "ReadLimits",
    "ReadResult",
    "RowCounter",
    "SheetTable",
    "TextRow",
    "build_table",
    "candidate_encodings",
    "cell_text",
    "correction_marker",
    "file_format",
    "file_hash",
    "find_header",
    "looks_like_text",
    "merged_fill",
    "read_file",
]

# Files up to this size are read into memory once (hash, sniffing and parsing share the
# bytes); larger ones, hostile files among them, are streamed from the disk in bounded memory.
IN_MEMORY_BYTES: Final = 16 * 1024 * 1024

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
        return _read_checked(path, size, ReadLimits.of(settings))
    except FileRejected:
        raise
    except Exception as error:
        # Third-party readers raise their own errors on malformed files; a bad input file
        # must become a rejection with the reason, never stop the run.
        raise FileRejected("file_unreadable", error=error) from error


def _read_checked(path: Path, size: int, limits: ReadLimits) -> ReadResult:
    """Read a file already known to be of a sensible size."""
    # Ordinary files are read once into memory, then hashed and parsed from those bytes;
    # large ones are hashed and parsed from the disk, as a stream.
    data = _file_bytes(path) if size <= IN_MEMORY_BYTES else None
    digest = hashlib.sha256(data).hexdigest() if data is not None else file_hash(path)
    result = ReadResult(path=path, file_hash=digest, size_bytes=size)
    head = data[:8] if data is not None else None
    if _file_format(path, head) == "workbook":
        tables, ignored, correction_of = read_workbook(path, size, data, limits)
        result.tables, result.ignored_sheets, result.correction_of = tables, ignored, correction_of
    else:
        result.tables, result.encoding = read_text_file(path, data, limits.field_chars)
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
