"""One ingest batch, as plain functions: prepare, read, validate, load and archive.

The Prefect flows in ``flows.flows`` call these steps as tasks; tests and scripts can
call :func:`ingest` directly without Prefect.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from flows.datasets import Kind
from flows.faults import checkpoint
from flows.ingest.archive import (
    clear_inbox,
    record_manifest,
    stash_files,
)
from flows.ingest.housekeeping import (
    corrections_without_source,
    mark_crashed_runs,
    record_corrected_files,
)
from flows.ingest.load import (
    REGISTRY_LAYOUT,
    LoadSummary,
    combine,
    known_hashes,
    load_batch,
    loaded_registry_state,
    replace_registry,
)
from flows.ingest.normalise import StagedTable, batch_names
from flows.ingest.readers import file_hash, read_file
from flows.ingest.receive import FileOutcome, mark_repeats, read_files, read_tables
from flows.ingest.registry import Registry, keep, load_registry, read_kept
from flows.ingest.stage import merge_staged, stage_files
from flows.ingest.validate import prepare_validation, validate_files
from flows.ingest.workers import current as current_workers
from flows.ingest.workers import hold, on_worker, release_memory, run_workers, take
from flows.ingest.workers import split as split_files
from flows.messages import both
from flows.periods import Period
from flows.privacy import load_key, redact_validation
from flows.service.runlock import run_lock
from flows.settings import Settings
from flows.storage import writing
from flows.topics.tagging import tag_opinions
from flows.topics.taxonomy import load_taxonomy
from flows.warehouse import Mode, open_warehouse, refresh_snapshot, sql
from flows.warehouse.publish import publish


@dataclass
class BatchContext:
    """What every step of a batch needs: settings, registry, pseudonym key, run id."""

    settings: Settings
    registry: Registry
    key: bytes
    run_id: str
    known: set[str]
    started_at: datetime
    # Evaluator names the roster lacks, from earlier runs and batches (:func:`remember_names`).
    names: set[str] = field(default_factory=set)
    # The Prefect flow run this run belongs to (None outside Prefect), recorded in meta.runs.
    flow_run_id: str | None = None

    @property
    def registry_state(self) -> str:
        """What the ref tables were built from: the registry files and, as they hold
        pseudonyms, the key (a new key means reloading them even if no file changed), and
        the layout of the ref tables (a new column is filled by reloading them)."""
        key_digest = hashlib.sha256(self.key).hexdigest()
        state = f"{REGISTRY_LAYOUT}:{self.registry.fingerprint}{key_digest}"
        return hashlib.sha256(state.encode()).hexdigest()


def new_run_id() -> str:
    """A fresh run id for runs outside Prefect."""
    return uuid.uuid4().hex


def prepare(
    settings: Settings, run_id: str | None = None, flow_run_id: str | None = None
) -> BatchContext:
    """Load the registry and key, and the hashes of files already received."""
    registry = load_registry(settings.reference_dir, settings.registry_cache_dir)
    key = load_key(settings.key_path)
    known: set[str] = set()
    if settings.warehouse_path.exists():
        with open_warehouse(settings, Mode.READ) as con:
            known = known_hashes(con)
            workbooks = corrections_without_source(con)
        if workbooks:  # loaded by an older minyi; none once their markers are recorded
            with open_warehouse(settings, Mode.WRITE) as con:
                record_corrected_files(con, settings, workbooks)
    return BatchContext(
        settings=settings,
        registry=registry,
        key=key,
        run_id=run_id or new_run_id(),
        known=known,
        started_at=datetime.now(UTC),
        names=remembered_names(settings),
        flow_run_id=flow_run_id,
    )


def remembered_names(settings: Settings) -> set[str]:
    """The evaluator names :func:`remember_names` kept in this home; none if the file is
    missing or damaged (a name of an earlier run is then masked again once it comes again)."""
    saved = read_kept(settings.names_path)
    if saved is None:
        return set()
    try:
        names = json.loads(bytes(saved).decode("utf-8"))
    except ValueError:
        return set()
    return {n for n in names if isinstance(n, str)} if isinstance(names, list) else set()


def remember_names(
    outcomes: list[FileOutcome], context: BatchContext, found: frozenset[str] = frozenset()
) -> None:
    """Add the batch's evaluator names that the roster lacks to the names masked in text.

    A resident who evaluates without being on the roster is masked in this batch's files
    and, kept in ``MINYI_HOME/evaluator-names`` (mode 600, like the key), in every later
    batch and run, and in a rebuild. Text loaded before the name first came is left as is.
    ``found``: names found in files read elsewhere (a worker's, :func:`read_batch`).
    """
    found = (batch_names(context.registry, read_tables(outcomes)) | found) - context.names
    if found:
        context.names |= found
        payload = json.dumps(sorted(context.names), ensure_ascii=False).encode("utf-8")
        keep(context.settings.names_path, payload)


def read_batch(
    paths: list[Path], context: BatchContext, names: dict[Path, str] | None = None
) -> list[FileOutcome]:
    """Read every file of the batch (``names``: original names of archived copies), in groups
    over the run's workers (see :mod:`flows.ingest.workers`).

    Inbox files gone since the batch was listed are skipped: a run that held the run lock
    before this one loaded them and cleared them from the inbox. A worker keeps the rows it
    read for validating them (the outcome here says so, ``rows_elsewhere``) and sends back
    the evaluator names it found, which are masked in every group's files.
    """
    inbox = context.settings.inbox_dir.resolve()
    waiting = [p for p in paths if os.path.lexists(p) or not p.resolve().is_relative_to(inbox)]
    workers = current_workers()
    groups = split_files(waiting, [_size(p) for p in waiting], workers.count)
    parts = workers.map_groups(partial(_read_group, context=context, names=names), groups)
    found = frozenset().union(*(part_names for _o, part_names in parts))
    outcomes = mark_repeats([o for part_outcomes, _n in parts for o in part_outcomes])
    if found - context.names:
        remember_names([], context, found)
    checkpoint("read")
    return outcomes


def _size(path: Path) -> int:
    """A file's bytes as listed: the weight of its group (:func:`flows.ingest.workers.split`)."""
    try:
        return path.lstat().st_size
    except OSError:
        return 0


def _read_group(
    paths: list[Path],
    first: int,
    *,
    context: BatchContext,
    names: dict[Path, str] | None,
) -> tuple[list[FileOutcome], frozenset[str]]:
    """Read one group of a batch's files: here, the outcomes with their rows; on a worker,
    the rows kept there for :func:`_validate_group` and the evaluator names the roster lacks
    (those here are found by :func:`remember_names`)."""
    outcomes = read_files(paths, context.settings, context.known, names)
    if not on_worker():
        return outcomes, frozenset()
    hold((context.run_id, first), outcomes)
    found = batch_names(context.registry, read_tables(outcomes))
    return [_rows_left_behind(o) for o in outcomes], found


def _rows_left_behind(outcome: FileOutcome) -> FileOutcome:
    """A copy of a worker's outcome to send back: everything but the rows it read."""
    copy = replace(outcome, rows_elsewhere=outcome.read is not None)
    copy.release_rows()
    return copy


def stage_and_validate(
    outcomes: list[FileOutcome], context: BatchContext, *, first_sequence: int = 0
) -> tuple[list[FileOutcome], dict[Kind, StagedTable], list[dict[str, Any]]]:
    """Type and validate the rows of a batch, or of a part of one (see :func:`stage_files`):
    the outcomes with their row counts set, the staged tables, the raw GX results.

    The names masked besides the roster's are the context's, to which :func:`in_batches` has
    added the whole batch's (:func:`remember_names`) before any part is staged.
    """
    staged = stage_files(
        outcomes,
        context.registry,
        context.key,
        first_sequence=first_sequence,
        names=frozenset(context.names),
    )
    results = validate_files(outcomes, staged, context.settings)
    return outcomes, staged, results


def keep_validation_results(results: list[dict[str, Any]], context: BatchContext) -> None:
    """Keep the batch's GX results for technical readers, the offending values left out."""
    if results:
        folder = context.settings.reports_dir / "validation"
        path = folder / f"{context.run_id}.json"
        with writing(path):
            folder.mkdir(parents=True, exist_ok=True)
            # The offending values (names, comments) stay out of the file; counts and rules stay.
            redacted = redact_validation(results)
            path.write_text(json.dumps(redacted, ensure_ascii=False, default=str), encoding="utf-8")
    checkpoint("validated")


def validate_batch(
    outcomes: list[FileOutcome], context: BatchContext
) -> tuple[list[FileOutcome], dict[Kind, StagedTable]]:
    """Type and validate the batch's rows, its files in the groups they were read in, each
    where it was read (see :mod:`flows.ingest.workers`); keep the GX results for technical
    readers."""
    workers = current_workers()
    groups = split_files(outcomes, [_size(o.path) for o in outcomes], workers.count)
    parts = workers.map_groups(partial(_validate_group, context=context), groups)
    keep_validation_results([r for _o, _s, results in parts for r in results], context)
    validated = [outcome for part_outcomes, _s, _r in parts for outcome in part_outcomes]
    if len(parts) == 1:
        return validated, parts[0][1]
    return validated, merge_staged([staged for _o, staged, _r in parts])


def _validate_group(
    outcomes: list[FileOutcome], first: int, *, context: BatchContext
) -> tuple[list[FileOutcome], dict[Kind, StagedTable], list[dict[str, Any]]]:
    """Type and validate one group of a batch's files, with the rows this worker kept when
    it read them; on a worker the rows are let go once staged (it sends back only the
    outcomes' counts). A repeat of another group's file, marked duplicate here, stays one."""
    held = take((context.run_id, first))
    if isinstance(held, list) and len(held) == len(outcomes):
        outcomes = [
            kept if sent.rows_elsewhere and kept.file_hash == sent.file_hash else sent
            for sent, kept in zip(outcomes, held, strict=True)
        ]
    # Rows kept by a worker that died since: read again here.
    outcomes = [_read_again(o, context.settings) if o.rows_elsewhere else o for o in outcomes]
    validated = stage_and_validate(outcomes, context, first_sequence=first)
    if on_worker():  # here the batch loop lets them go once the batch is committed
        for outcome in outcomes:
            outcome.release_rows()
    return validated


def _read_again(outcome: FileOutcome, settings: Settings) -> FileOutcome:
    """The rows of a file read on a worker that died before validating them, read here."""
    if file_hash(outcome.path) != outcome.file_hash:
        raise RuntimeError(both("file_changed_while_read", file=outcome.file_name))
    return replace(outcome, read=read_file(outcome.path, settings), rows_elsewhere=False)


def load_and_archive(
    outcomes: list[FileOutcome],
    staged: dict[Kind, StagedTable],
    context: BatchContext,
    *,
    period: Period | None = None,
    archive: bool = True,
) -> LoadSummary:
    """Archive the new files, commit the batch in one transaction, then clear the inbox.

    Files reach the archive only once this run holds the warehouse (a locked warehouse leaves
    nothing behind) and before the commit; the manifest and the inbox follow the commit.
    Runs a killed process left 'running' are marked 'crashed' first (the run lock is held).
    """
    settings = context.settings
    now = datetime.now(UTC)
    with open_warehouse(settings, Mode.WRITE) as con:
        if archive:
            stash_files(outcomes, settings)
            checkpoint("stashed")
        mark_crashed_runs(con, now)
        con.execute(
            sql("load/start_run"),
            [context.run_id, context.flow_run_id, context.started_at, period and str(period)],
        )
        try:
            summary = load_batch(
                con,
                outcomes,
                staged,
                settings=settings,
                run_id=context.run_id,
                now=now,
            )
        except Exception:
            con.execute(sql("load/fail_run"), [datetime.now(UTC), context.run_id])
            raise
        checkpoint("committed")
        if archive:
            record_manifest(con, settings)
    if archive:
        checkpoint("manifest_written")
        clear_inbox(outcomes, settings)
    return summary


def refresh_registry(context: BatchContext) -> None:
    """Replace the warehouse's ref tables, in a transaction of their own, if the registry
    files (or the key) changed since they were loaded.

    Before any batch: a community added to the registry reaches the reports even when no file
    came, and a national roster is not pseudonymised while a batch's rows are in memory.
    """
    if context.settings.warehouse_path.exists():
        # Checked read-only first: an analyst's open query does not hold up an unchanged run.
        with open_warehouse(context.settings, Mode.READ) as con:
            if loaded_registry_state(con) == context.registry_state:
                return
    with open_warehouse(context.settings, Mode.WRITE) as con:
        con.execute("begin transaction")
        replace_registry(con, context.registry, context.key, context.registry_state)
        con.execute("commit")


def file_batches(paths: list[Path], max_bytes: int) -> list[list[Path]]:
    """``paths`` in order, cut into batches of at most ``max_bytes`` of input each.

    Each batch is read, validated and committed on its own, so memory stays bounded however
    large the inbox is; a single file larger than the bound makes a batch of its own.
    """
    batches: list[list[Path]] = []
    size = 0
    for path in paths:
        try:
            bytes_ = path.lstat().st_size
        except OSError:
            bytes_ = 0
        if not batches or (size + bytes_ > max_bytes and batches[-1]):
            batches.append([])
            size = 0
        batches[-1].append(path)
        size += bytes_
    return batches


def batch_context(context: BatchContext, number: int) -> BatchContext:
    """The context of the ``number``-th batch of a run (each batch records its own run row)."""
    return context if number == 0 else replace(context, run_id=f"{context.run_id}-{number}")


class Steps(Protocol):
    """How a run prepares, reads, validates, loads and publishes: :class:`PlainSteps`, or the
    Prefect flow's tasks (``flows.flows.TaskSteps``)."""

    def prepare(self, settings: Settings, run_id: str) -> BatchContext:
        """The run's context: registry, key, files already received."""
        ...

    def read(self, paths: list[Path], context: BatchContext) -> list[FileOutcome]:
        """Read every file of one batch."""
        ...

    def validate(
        self, outcomes: list[FileOutcome], context: BatchContext
    ) -> tuple[list[FileOutcome], dict[Kind, StagedTable]]:
        """Type and validate a batch: the outcomes with their row counts set (on Dask, the
        copies the workers sent back), and the staged tables."""
        ...

    def load(
        self, outcomes: list[FileOutcome], staged: dict[Kind, StagedTable], context: BatchContext
    ) -> LoadSummary:
        """Commit one batch and archive its files."""
        ...

    def publish(self, settings: Settings) -> None:
        """Publish the office's current rows for a city warehouse, when that is set up."""
        ...


@dataclass(frozen=True)
class PlainSteps:
    """The steps as plain function calls: ``minyi ingest``, the rebuild, tests, the benchmark.

    ``names``: the original names of archived copies (a rebuild reads the archive);
    ``archive``: copy new files to the archive and clear them from the inbox.
    """

    period: Period | None = None
    names: dict[Path, str] | None = None
    archive: bool = True

    def prepare(self, settings: Settings, run_id: str) -> BatchContext:
        """See :func:`prepare`."""
        return prepare(settings, run_id)

    def read(self, paths: list[Path], context: BatchContext) -> list[FileOutcome]:
        """See :func:`read_batch`."""
        return read_batch(paths, context, self.names)

    def validate(
        self, outcomes: list[FileOutcome], context: BatchContext
    ) -> tuple[list[FileOutcome], dict[Kind, StagedTable]]:
        """See :func:`validate_batch`."""
        return validate_batch(outcomes, context)

    def load(
        self, outcomes: list[FileOutcome], staged: dict[Kind, StagedTable], context: BatchContext
    ) -> LoadSummary:
        """See :func:`load_and_archive`."""
        return load_and_archive(outcomes, staged, context, period=self.period, archive=self.archive)

    def publish(self, settings: Settings) -> None:
        """See :func:`flows.warehouse.publish.publish`."""
        publish(settings)


@dataclass
class RunResult:
    """What a run did: its id, the half-year it ran for, the load totals, each file's outcome
    (rows released, counts kept) and the reports written."""

    run_id: str
    period: Period | None
    summary: LoadSummary
    outcomes: list[FileOutcome] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)

    @property
    def files(self) -> list[dict[str, Any]]:
        """One row per file received: name, kind, outcome, rows, reason in both languages."""
        return [
            {
                "file": o.file_name,
                "kind": o.kind,
                "outcome": o.outcome,
                "rows_read": o.rows_read,
                "rows_loaded": o.rows_read - o.rows_quarantined,
                "rows_quarantined": o.rows_quarantined,
                "reason": o.rejection.reason("en") if o.rejection else None,
                "reason_zh": o.rejection.reason("zh") if o.rejection else None,
            }
            for o in self.outcomes
        ]


def ingest(
    settings: Settings,
    paths: list[Path],
    steps: Steps | None = None,
    *,
    run_id: str | None = None,
    period: Period | None = None,
) -> RunResult:
    """Read, validate, load and archive ``paths`` in bounded batches, holding the run lock,
    tag the opinions by topic, then publish: what ``minyi run``, the inbox poll and
    ``minyi ingest`` all do.

    ``steps`` default to plain calls recording ``period``. The outcomes keep each file's
    counts; its rows are let go once its batch is committed. The topic taxonomy is read
    first: a broken file (TaxonomyError) stops the run before anything is loaded.
    """
    steps = steps or PlainSteps(period=period)
    taxonomy = load_taxonomy(settings.topics_path)
    summaries: list[LoadSummary] = []
    outcomes: list[FileOutcome] = []
    with run_lock(settings.home, settings.lock_timeout_seconds):
        context = steps.prepare(settings, run_id or new_run_id())
        for summary, loaded in in_batches(context, paths, steps):
            summaries.append(summary)
            outcomes.extend(loaded)
        tag_opinions(settings, taxonomy)
        steps.publish(settings)
        refresh_snapshot(settings)
    return RunResult(context.run_id, period, combine(summaries), outcomes)


def in_batches(
    context: BatchContext,
    paths: list[Path],
    steps: Steps,
    *,
    step: Callable[[str], object] = lambda _name: None,
) -> Iterator[tuple[LoadSummary, list[FileOutcome]]]:
    """Each batch of ``paths`` read, validated and committed in turn (memory stays bounded
    however many files there are), with its files' outcomes, their rows released.

    The one batch loop of the ingest, the rebuild, the Prefect flow and the benchmark.
    ``step`` is called with "registry" once the ref tables are current, and with "read",
    "validate" and "load" as each step of a batch ends (the benchmark times them). With no
    paths and no warehouse yet, an empty batch is committed too: the run is recorded in the
    new warehouse, so that reports, status and queries work (a first run before any file
    arrived, a rebuild of an empty archive).
    """
    groups = file_batches(paths, context.settings.batch_bytes)
    if not groups and not context.settings.warehouse_path.exists():
        groups = [[]]
    with run_workers(context.settings, [_size(p) for p in paths]) as workers:
        workers.start(warm_up)  # while the registry is brought up to date
        refresh_registry(context)
        release_memory()
        step("registry")
        yield from _each_batch(context, groups, steps, step)


def warm_up() -> None:
    """What a worker process does first (see :mod:`flows.ingest.workers`): import the steps
    and prepare Great Expectations, before the first group of files arrives."""
    prepare_validation()


def _each_batch(
    context: BatchContext,
    groups: list[list[Path]],
    steps: Steps,
    step: Callable[[str], object],
) -> Iterator[tuple[LoadSummary, list[FileOutcome]]]:
    for number, group in enumerate(groups):
        part = batch_context(context, number)
        outcomes = steps.read(group, part)
        remember_names(outcomes, part)
        step("read")
        outcomes, staged = steps.validate(outcomes, part)
        step("validate")
        summary = steps.load(outcomes, staged, part)
        del staged  # not alive while the next batch is read
        context.known |= {o.file_hash for o in outcomes}
        for outcome in outcomes:
            outcome.release_rows()
        release_memory()
        step("load")
        yield summary, outcomes
