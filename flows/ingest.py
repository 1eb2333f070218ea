"""Reading and validating a batch of input files, one outcome per file.

The stages the flow wires together: :func:`read_files` (hash, read, type each file),
:func:`validate_files` (run the suites over all rows of each kind), then ``flows.load``.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from flows.datasets import Kind
from flows.inbox_guard import link_identity, refusal, safe_file_name
from flows.normalise import Failure, StagedTable, stage_table, table_scrubber
from flows.privacy import Scrubber
from flows.readers import FileRejected, ReadResult, file_hash, read_file
from flows.registry import Registry
from flows.settings import Settings
from flows.validate import validate_tables

TEMPORARY_NAMES = ("~$", ".~", ".tmp", ".part", ".crdownload", ".swp")
# A file untouched (content and metadata) for this long is taken as completely copied.
SETTLE_SECONDS = 2.0


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
    received_as: str | None = None  # the original name, when reading an archived copy

    @property
    def file_name(self) -> str:
        """The file's name as received, cleaned of separators and control characters."""
        return safe_file_name(self.received_as or self.path.name)

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
    """Files waiting in the inbox, oldest first, without temporary or hidden files.

    Symbolic links are listed (never followed) so that the batch refuses them with a reason.
    """
    if not settings.inbox_dir.is_dir():
        return []
    files = [
        p
        for p in settings.inbox_dir.rglob("*")
        if (p.is_symlink() or p.is_file()) and not is_temporary(p)
    ]
    return sorted(files, key=lambda p: (p.lstat().st_mtime, p.name))


@dataclass(frozen=True)
class InboxSplit:
    """Inbox files that are complete, and those still being written (left for the next poll)."""

    settled: list[Path]
    being_written: list[Path]


def _fingerprint(path: Path) -> tuple[int, int, int] | None:
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _last_change(fingerprint: tuple[int, int, int]) -> float:
    # ctime too: a copy that restores the source's old mtime still bumps ctime when it ends.
    return max(fingerprint[1], fingerprint[2]) / 1e9


def _changed_within(path: Path, seconds: float, now: float) -> bool:
    fingerprint = _fingerprint(path)
    return fingerprint is not None and now - _last_change(fingerprint) < seconds


def settled_files(
    paths: list[Path],
    settle_seconds: float = SETTLE_SECONDS,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> InboxSplit:
    """Split files into settled and still changing; recently changed files are looked at twice."""
    first = {path: _fingerprint(path) for path in paths}
    now = clock()
    young = [p for p in paths if _changed_within(p, settle_seconds, now)]
    if young:
        sleep(settle_seconds)
    changed = {p for p in young if _fingerprint(p) != first[p]}
    return InboxSplit(
        settled=[p for p in paths if first[p] is not None and p not in changed],
        being_written=[p for p in paths if p in changed],
    )


def ready_inbox_files(settings: Settings, settle_seconds: float = SETTLE_SECONDS) -> list[Path]:
    """Inbox files that are complete; files still being copied are left for the next poll."""
    return settled_files(inbox_files(settings), settle_seconds).settled


def inbox_backlog(
    settings: Settings, settle_seconds: float = SETTLE_SECONDS, now: float | None = None
) -> InboxSplit:
    """Files waiting in the inbox, and those still being written (temporary or just changed)."""
    if not settings.inbox_dir.is_dir():
        return InboxSplit([], [])
    now = time.time() if now is None else now
    temporary = sorted(p for p in settings.inbox_dir.rglob("*") if p.is_file() and is_temporary(p))
    waiting = inbox_files(settings)
    young = [p for p in waiting if _changed_within(p, settle_seconds, now)]
    return InboxSplit([p for p in waiting if p not in young], temporary + young)


def read_files(
    paths: list[Path],
    settings: Settings,
    registry: Registry,
    key: bytes,
    known: set[str],
    names: dict[Path, str] | None = None,
) -> list[FileOutcome]:
    """Hash, read and type every file; files already loaded are marked duplicate unread."""
    outcomes: list[FileOutcome] = []
    seen: dict[str, str] = {}
    for path in paths:
        name = (names or {}).get(path)
        outcomes.append(_read_one(path, name, settings, known, seen))
    # Names from every evaluation file of the batch are masked in all files' text.
    tables = [t for o in outcomes if o.read for t in o.read.tables]
    scrub = table_scrubber(registry, tables)
    for outcome in outcomes:
        _stage(outcome, registry, key, scrub)
    return outcomes


def _stage(outcome: FileOutcome, registry: Registry, key: bytes, scrub: Scrubber) -> None:
    """Type the tables of a file just read; mask personal data in what is kept about it."""
    if outcome.rejection is not None:
        values = outcome.rejection.values
        outcome.rejection.values = {k: scrub.value(str(v)) for k, v in values.items()}
    if outcome.read is None:
        return
    for table in outcome.read.tables:
        table.extra_columns = [str(scrub(c)) for c in table.extra_columns]
    outcome.staged = [
        stage_table(outcome.read, t, registry, key, outcome.file_name, scrub)
        for t in outcome.read.tables
    ]


def _read_one(
    path: Path,
    name: str | None,
    settings: Settings,
    known: set[str],
    seen: dict[str, str],
) -> FileOutcome:
    refused = refusal(path)
    if refused is not None:
        digest = link_identity(path)
        return FileOutcome(path, digest, 0, "rejected", rejection=refused, received_as=name)
    size = path.stat().st_size
    digest = file_hash(path)
    if digest in known or digest in seen:
        return FileOutcome(
            path, digest, size, "duplicate", duplicate_of=seen.get(digest), received_as=name
        )
    seen[digest] = name or path.name
    try:
        read = read_file(path, settings)
    except FileRejected as rejection:
        return FileOutcome(path, digest, size, "rejected", rejection=rejection, received_as=name)
    return FileOutcome(path, digest, size, "new", read=read, received_as=name)


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
