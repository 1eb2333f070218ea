"""Reading and validating a batch of input files, one outcome per file.

The stages the flow wires together: :func:`read_files` (hash, read, type each file),
:func:`validate_files` (run the suites over all rows of each kind), then ``flows.load``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from flows.datasets import Kind
from flows.normalise import Failure, StagedTable, stage_table
from flows.readers import FileRejected, ReadResult, file_hash, read_file
from flows.registry import Registry
from flows.settings import Settings
from flows.validate import validate_tables

TEMPORARY_NAMES = ("~$", ".~", ".tmp", ".part", ".crdownload", ".swp")


@dataclass
class FileOutcome:
    """What happened to one file: loaded (with row counts), duplicate or rejected."""

    path: Path
    file_hash: str
    size_bytes: int
    outcome: str  # new | duplicate | rejected, then loaded after the load stage
    read: ReadResult | None = None
    staged: list[StagedTable] = field(default_factory=list)
    rejection: FileRejected | None = None
    duplicate_of: str | None = None

    @property
    def file_name(self) -> str:
        """The file's name as received."""
        return self.path.name

    @property
    def kind(self) -> Kind | None:
        """The dataset kind of the file's tables (the first table's)."""
        return self.staged[0].kind if self.staged else None

    @property
    def rows_read(self) -> int:
        """Data rows read from the file."""
        return sum(len(t.frame) for t in self.staged)

    @property
    def failed_rows(self) -> set[str]:
        """Row ids with at least one failure."""
        return {f.row_id for t in self.staged for f in t.failures}

    @property
    def rows_quarantined(self) -> int:
        """Data rows held back with a reason."""
        return len(self.failed_rows)


def is_temporary(path: Path) -> bool:
    """True for editor lock files and partial downloads that must not be ingested yet."""
    name = path.name.lower()
    return name.startswith(("~$", ".~", ".")) or name.endswith(TEMPORARY_NAMES)


def inbox_files(settings: Settings) -> list[Path]:
    """Files waiting in the inbox, oldest first, without temporary or hidden files."""
    if not settings.inbox_dir.is_dir():
        return []
    files = [
        p
        for p in settings.inbox_dir.rglob("*")
        if p.is_file() and not p.is_symlink() and not is_temporary(p)
    ]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


def read_files(
    paths: list[Path], settings: Settings, registry: Registry, key: bytes, known: set[str]
) -> list[FileOutcome]:
    """Hash, read and type every file; files already loaded are marked duplicate unread."""
    outcomes: list[FileOutcome] = []
    seen: dict[str, str] = {}
    for path in paths:
        outcomes.append(_read_one(path, settings, registry, key, known, seen))
    return outcomes


def _read_one(
    path: Path,
    settings: Settings,
    registry: Registry,
    key: bytes,
    known: set[str],
    seen: dict[str, str],
) -> FileOutcome:
    size = path.stat().st_size
    digest = file_hash(path)
    if digest in known or digest in seen:
        return FileOutcome(path, digest, size, "duplicate", duplicate_of=seen.get(digest))
    seen[digest] = path.name
    try:
        read = read_file(path, settings)
    except FileRejected as rejection:
        return FileOutcome(path, digest, size, "rejected", rejection=rejection)
    staged = [stage_table(read, table, registry, key) for table in read.tables]
    return FileOutcome(path, digest, size, "new", read=read, staged=staged)


def validate_files(
    outcomes: list[FileOutcome], registry: Registry, settings: Settings
) -> list[dict[str, Any]]:
    """Validate every new file's rows with its kind's suite; failures land on each table."""
    by_kind: dict[Kind, list[StagedTable]] = defaultdict(list)
    for outcome in outcomes:
        for table in outcome.staged:
            by_kind[table.kind].append(table)
    results: list[dict[str, Any]] = []
    for kind, tables in by_kind.items():
        validation = validate_tables(kind, tables, registry, settings.validation_chunk_rows)
        results.extend(validation.results)
        by_file: dict[str, list[Failure]] = defaultdict(list)
        for failure in validation.failures:
            by_file[failure.row_id.rsplit(":", 1)[0]].append(failure)
        for table in tables:
            table_key = f"{table.file_hash[:16]}:{table.sheet}"
            table.failures = _first_per_cell(table.failures + by_file.get(table_key, []))
    return results


def _first_per_cell(failures: list[Failure]) -> list[Failure]:
    """One failure per (row, column): a value that did not parse is not also 'missing'."""
    kept: dict[tuple[str, str], Failure] = {}
    for failure in failures:
        kept.setdefault((failure.row_id, failure.column), failure)
    return list(kept.values())


def row_values(table: StagedTable) -> pd.Series:
    """Each row's text as read (names pseudonymised), as JSON, indexed like the table."""
    columns = [c for c in table.raw.columns if c != "row_number"]
    records = table.raw[columns].astype(object).where(table.raw[columns].notna(), None)
    return pd.Series(
        [json.dumps(r, ensure_ascii=False) for r in records.to_dict("records")],
        index=table.frame.index,
    )
