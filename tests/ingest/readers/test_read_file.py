"""read_file: telling formats apart, refusing what is no table, reading from memory or disk."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from flows.ingest import readers
from flows.ingest.readers import read_file
from flows.settings import Settings, load_settings
from tests.ingest.readers.forms import (
    HEARING_HEADER,
    HEARING_ROW,
    outcome,
    rejected,
    write_csv,
    write_xlsx,
)

# Every name ``from flows.ingest.readers import ...`` gave before the readers were split.
PUBLIC_NAMES = [
    "BINARY_MAGICS",
    "BOMS",
    "CORRECTION_SHEET",
    "DELIMITERS",
    "ENCODING_SAMPLE_BYTES",
    "EXCEL_EPOCH",
    "EXCEL_SERIALS",
    "FALLBACK_DELIMITER",
    "FOOTER_INITIALS",
    "FileRejected",
    "HEADER_SCAN_COLUMNS",
    "HEADER_SCAN_ROWS",
    "HeaderMatch",
    "IN_MEMORY_BYTES",
    "MAX_FIELD_CHARS",
    "MAX_SHEET_CELLS",
    "MAX_SHEET_ROWS",
    "NOTE_ROW",
    "OLE2_ENCRYPTION_STREAM",
    "OLE2_MAGIC",
    "ReadResult",
    "ReadLimits",
    "RowCounter",
    "SERIAL_HEADERS",
    "SHA256_HEX",
    "SHEET_REF",
    "SheetTable",
    "TEXT_SUFFIXES",
    "TOTAL_ROW",
    "TextRow",
    "WORKBOOK_SUFFIXES",
    "ZIP_BOMB_BYTES",
    "ZIP_BOMB_RATIO",
    "ZIP_MAGIC",
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


def test_every_public_name_still_imports_from_the_package() -> None:
    assert sorted(readers.__all__) == sorted(PUBLIC_NAMES)
    assert all(hasattr(readers, name) for name in PUBLIC_NAMES)


def ole2_bytes(encrypted: bool) -> bytes:
    """The start of an OLE2 compound file, as old .xls and encrypted .xlsx files are."""
    body = "EncryptionInfo".encode("utf-16-le") if encrypted else "Workbook".encode("utf-16-le")
    return readers.OLE2_MAGIC + b"\0" * 504 + body + b"\0" * 1000


def zip_bytes(member: str) -> bytes:
    """A small zip archive holding one member."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, "x")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "key"),
    [
        pytest.param("old.xls", ole2_bytes(False), "file_old_excel", id="xls"),
        pytest.param("old-renamed.xlsx", ole2_bytes(False), "file_old_excel", id="xls-as-xlsx"),
        pytest.param("secret.xlsx", ole2_bytes(True), "file_password_protected", id="password"),
        pytest.param("archive.zip", zip_bytes("a.txt"), "file_unsupported", id="zip"),
        pytest.param("letter.docx", zip_bytes("word/document.xml"), "file_unsupported", id="docx"),
        pytest.param(
            "fake.xlsx", zip_bytes("word/document.xml"), "file_unsupported", id="docx-xlsx"
        ),
        pytest.param("photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 50, "file_unsupported", id="png"),
        pytest.param(
            "photo.csv", b"\x89PNG\r\n\x1a\n" + b"\0" * 50, "file_unsupported", id="png-csv"
        ),
        pytest.param("notes.pdf", b"%PDF-1.4 ...", "file_unsupported", id="pdf"),
        pytest.param("empty.csv", b"", "file_empty", id="empty"),
        pytest.param("text.xlsx", "社区,评议人\n".encode(), "file_corrupt", id="text-as-xlsx"),
        pytest.param("cut.xlsx", b"PK\x03\x04" + b"\x14\0" * 40, "file_corrupt", id="truncated"),
    ],
)
def test_files_that_are_not_tables_are_rejected_with_a_key(
    tmp_path: Path, settings: Settings, name: str, content: bytes, key: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    error = rejected(path, settings)
    assert error.key == key
    assert error.reason("zh") and error.reason("en")


def test_format_comes_from_the_first_bytes(tmp_path: Path) -> None:
    book = write_xlsx(tmp_path / "a.xlsx", {"a": [HEARING_HEADER]})
    text = write_csv(tmp_path / "a.csv", [HEARING_HEADER])
    renamed = tmp_path / "a.txt"
    renamed.write_bytes(book.read_bytes())
    assert [readers.file_format(p) for p in (book, text, renamed)] == [
        "workbook",
        "text",
        "workbook",
    ]
    photo = tmp_path / "photo.csv"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(readers.FileRejected):
        readers.file_format(photo)


def test_too_large_file_is_refused_without_reading(tmp_path: Path) -> None:
    small = load_settings(env={"MINYI_HOME": str(tmp_path), "MINYI_MAX_FILE_BYTES": "100"})
    path = write_csv(tmp_path / "h.csv", [HEARING_HEADER, HEARING_ROW] * 3)
    error = rejected(path, small)
    assert error.key == "file_too_large"
    assert error.values == {"size": path.stat().st_size, "limit": 100}


def test_result_records_hash_and_size(tmp_path: Path, settings: Settings) -> None:
    path = write_csv(tmp_path / "h.csv", [HEARING_HEADER, HEARING_ROW])
    result = read_file(path, settings)
    assert result.file_hash == readers.file_hash(path)
    assert result.size_bytes == path.stat().st_size
    assert result.rows_read == 1


def test_memory_and_disk_read_the_same_workbooks_and_texts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = tmp_path / "b.xlsx"
    with xlsxwriter.Workbook(book) as workbook:
        sheet = workbook.add_worksheet("东风")
        sheet.write_row(0, 0, HEARING_HEADER)
        sheet.write_row(1, 0, ["007", "东风社区", "听证会", 46086, "加装电梯", 35.0, 12, 10])
        sheet.merge_range(2, 1, 3, 1, "东风社区")
    text = tmp_path / "h.csv"
    lines = [",".join(HEARING_HEADER), "007,东风社区,听证会,2026-03-05,加装电梯,35,12,10", ""]
    text.write_bytes("\r\n".join(lines).encode("gb18030"))
    config = load_settings(env={"MINYI_HOME": str(tmp_path / "home")})
    # Which way each read went: whole files read into memory are counted.
    whole_reads: list[Path] = []
    file_bytes = readers._file_bytes

    def counted(path: Path) -> bytes:
        whole_reads.append(path)
        return file_bytes(path)

    monkeypatch.setattr(readers, "_file_bytes", counted)
    in_memory = [outcome(lambda p=p: read_file(p, config)) for p in (book, text)]
    assert all(isinstance(o, tuple) and o[-1] for o in in_memory)  # both read, with tables
    assert whole_reads == [book, text]
    monkeypatch.setattr(readers, "IN_MEMORY_BYTES", 0)
    assert [outcome(lambda p=p: read_file(p, config)) for p in (book, text)] == in_memory
    assert whole_reads == [book, text]  # the second time, both were streamed from the disk
