"""Receiving a batch of files: hash each one, mark those already received as duplicates,
read the rest. One outcome per file."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from flows.datasets import Kind
from flows.ingest.inbox import link_identity, refusal, safe_file_name
from flows.ingest.readers import FileRejected, ReadResult, SheetTable, file_hash, read_file
from flows.privacy import mask_personal_numbers
from flows.settings import Settings

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
    # The name with known persons' names masked too, set when the batch is staged.
    masked_name: str | None = None
    # Read on a worker process, which keeps the rows until it validates them: this copy has
    # none (see flows.ingest.workers).
    rows_elsewhere: bool = False

    @property
    def file_name(self) -> str:
        """The file's name as received, cleaned of separators and control characters, with
        phone and ID numbers masked (and, once staged, known names): it is stored and shown."""
        if self.masked_name is not None:
            return self.masked_name
        return mask_personal_numbers(safe_file_name(self.received_as or self.path.name))

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


def mark_repeats(outcomes: list[FileOutcome]) -> list[FileOutcome]:
    """Outcomes with a repeat of an earlier file of the batch marked duplicate, as one read does.

    Groups read apart cannot see each other's hashes; without this, two copies of one file
    in different groups would both be staged and fail the suites' uniqueness rules.
    """
    first: dict[str, str] = {}
    marked: list[FileOutcome] = []
    for outcome in outcomes:
        if outcome.outcome != "duplicate" and outcome.file_hash in first:
            outcome = FileOutcome(
                outcome.path,
                outcome.file_hash,
                outcome.size_bytes,
                "duplicate",
                duplicate_of=first[outcome.file_hash],
                received_as=outcome.received_as,
            )
        elif outcome.size_bytes:
            first.setdefault(outcome.file_hash, outcome.received_as or outcome.path.name)
        marked.append(outcome)
    return marked


def read_tables(outcomes: list[FileOutcome]) -> list[SheetTable]:
    """The tables read from the files."""
    return [t for o in outcomes if o.read for t in o.read.tables]


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
