"""What every reader gives or raises: the table and result types, the rejection, the file hash."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from flows.datasets import Kind
from flows.messages import msg
from flows.settings import Settings

TextRow = list[str | None]


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


@dataclass(frozen=True)
class ReadLimits:
    """What one input file may hold, checked before a reader allocates it."""

    # Characters in one workbook cell (Excel's own limit is 32,767).
    cell_chars: int = Settings.max_cell_chars
    # The workbook's parts decompressed, as their zip entries declare them.
    workbook_bytes: int = Settings.max_workbook_bytes
    # Characters in one CSV field.
    field_chars: int = Settings.max_field_chars

    @classmethod
    def of(cls, settings: Settings) -> ReadLimits:
        """The limits the settings set."""
        return cls(
            cell_chars=settings.max_cell_chars,
            workbook_bytes=settings.max_workbook_bytes,
            field_chars=settings.max_field_chars,
        )


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


def file_hash(path: Path) -> str:
    """sha256 of the file's bytes, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
