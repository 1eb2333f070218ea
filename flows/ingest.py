"""Reading, staging and validating a batch of input files, one outcome per file.

The stages the flow wires together: :func:`read_files` (hash and read each file, the part
that can run on many workers), :func:`stage_files` (type all rows of each kind at once),
:func:`validate_files` (run the suites over them), then ``flows.load``.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from flows.datasets import Kind
from flows.inbox_guard import link_identity, refusal, safe_file_name
from flows.normalise import Failure, StagedTable, TableSource, stage_table, table_scrubber
from flows.readers import FileRejected, ReadResult, SheetTable, file_hash, read_file
from flows.registry import Registry
from flows.settings import Settings
from flows.validate import validate_tables

TEMPORARY_NAMES = ("~$", ".~", ".tmp", ".part", ".crdownload", ".swp")
# A file untouched (content and metadata) for this long is taken as completely copied.
SETTLE_SECONDS = 2.0


# The rows of a released table: one empty frame shared by all (27,000 files nationally).
_NO_ROWS = pd.DataFrame()


@dataclass
class FileOutcome:
    """What happened to one file: loaded (with row counts), duplicate or rejected."""

    path: Path
    file_hash: str
    size_bytes: int
    outcome: str  # new | duplicate | rejected, then loaded after the load stage
    read: ReadResult | None = None
    rejection: FileRejected | None = None
    duplicate_of: str | None = None
    received_as: str | None = None  # the original name, when reading an archived copy
    rows_read: int = 0  # data rows read, set when staged
    rows_quarantined: int = 0  # data rows held back with a reason, set when validated

    @property
    def file_name(self) -> str:
        """The file's name as received, cleaned of separators and control characters."""
        return safe_file_name(self.received_as or self.path.name)

    @property
    def kind(self) -> Kind | None:
        """The dataset kind of the file's tables (the first table's)."""
        return self.read.tables[0].kind if self.read and self.read.tables else None

    def release_rows(self) -> None:
        """Forget the rows read once the file's batch is committed; ``rows_read`` and the rest
        of what a run's summary shows are kept.

        A run over a national inbox must not keep every batch's rows alive until it ends.
        """
        if self.read is not None:
            empty = [replace(t, rows=_NO_ROWS) for t in self.read.tables]
            self.read = replace(self.read, tables=empty)

    @property
    def is_correction(self) -> bool:
        """True for a corrections workbook written by minyi."""
        return bool(self.read and self.read.correction_of)


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
    known: set[str],
    names: dict[Path, str] | None = None,
) -> list[FileOutcome]:
    """Hash and read every file; files already received are marked duplicate unread."""
    outcomes: list[FileOutcome] = []
    seen: dict[str, str] = {}
    for path in paths:
        name = (names or {}).get(path)
        outcomes.append(_read_one(path, name, settings, known, seen))
    return outcomes


def read_tables(outcomes: list[FileOutcome]) -> list[SheetTable]:
    """The tables read from the files."""
    return [t for o in outcomes if o.read for t in o.read.tables]


def stage_files(
    outcomes: list[FileOutcome],
    registry: Registry,
    key: bytes,
    *,
    first_sequence: int = 0,
    names: frozenset[str] | None = None,
) -> dict[Kind, StagedTable]:
    """Type the rows of every new file, all files of a kind at once.

    The roster's names and ``names`` (by default those in the evaluation files of
    ``outcomes``, :func:`batch_names`) are masked in every file's text; what is kept about
    rejected files (reasons, extra columns) is masked too. When ``outcomes`` are a part of a
    batch (staged on another worker), ``first_sequence`` is the position of the first in the
    batch.
    """
    scrub = table_scrubber(registry, read_tables(outcomes), names)
    sources: dict[Kind, list[TableSource]] = defaultdict(list)
    for sequence, outcome in enumerate(outcomes, start=first_sequence):
        if outcome.rejection is not None:
            values = outcome.rejection.values
            outcome.rejection.values = {k: scrub.value(str(v)) for k, v in values.items()}
        if outcome.read is None or outcome.outcome != "new":
            continue
        for table in outcome.read.tables:
            table.extra_columns = [str(scrub(c)) for c in table.extra_columns]
            sources[table.kind].append(
                TableSource(
                    outcome.file_hash, outcome.file_name, sequence, outcome.is_correction, table
                )
            )
        outcome.rows_read = sum(len(t.rows) for t in outcome.read.tables)
    return {
        kind: stage_table(kind, kind_sources, registry, key, scrub)
        for kind, kind_sources in sources.items()
    }


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
    outcomes: list[FileOutcome],
    staged: dict[Kind, StagedTable],
    settings: Settings,
) -> list[dict[str, Any]]:
    """Validate the staged rows with each kind's suite; count each file's quarantined rows."""
    results: list[dict[str, Any]] = []
    for kind, table in staged.items():
        validation = validate_tables(kind, table, settings.validation_chunk_rows)
        results.extend(validation.results)
        table.failures = _first_per_cell(table.failures + validation.failures)
    failed_by_file: dict[str, set[str]] = defaultdict(set)
    for table in staged.values():
        for failure in table.failures:
            failed_by_file[failure.row_id.split(":", 1)[0]].add(failure.row_id)
    for outcome in outcomes:
        if outcome.outcome == "new":
            outcome.rows_quarantined = len(failed_by_file.get(outcome.file_hash[:16], set()))
    return results


def merge_staged(parts: list[dict[Kind, StagedTable]]) -> dict[Kind, StagedTable]:
    """The staged tables of a batch's parts (in batch order) as the whole batch's."""
    by_kind: dict[Kind, list[StagedTable]] = defaultdict(list)
    for part in parts:
        for kind, table in part.items():
            by_kind[kind].append(table)
    return {
        kind: StagedTable(
            kind,
            pd.concat([t.frame for t in tables], ignore_index=True),
            pd.concat([t.raw for t in tables], ignore_index=True),
            [failure for t in tables for failure in t.failures],
        )
        for kind, tables in by_kind.items()
    }


def _first_per_cell(failures: list[Failure]) -> list[Failure]:
    """One failure per (row, column): a value that did not parse is not also 'missing'."""
    kept: dict[tuple[str, str], Failure] = {}
    for failure in failures:
        kept.setdefault((failure.row_id, failure.column), failure)
    return list(kept.values())


def row_values(table: StagedTable, row_ids: set[str]) -> dict[str, str]:
    """The text as read (names pseudonymised) of the given rows, as JSON, by row id."""
    chosen = table.frame["row_id"].isin(row_ids)
    columns = [c for c in table.raw.columns if c != "row_number"]
    raw = table.raw.loc[chosen, columns].astype(object)
    records = raw.where(raw.notna(), None).to_dict("records")
    return {
        row_id: json.dumps(record, ensure_ascii=False)
        for row_id, record in zip(table.frame.loc[chosen, "row_id"], records, strict=True)
    }
