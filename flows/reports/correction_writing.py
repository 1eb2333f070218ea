"""The half-year's corrections workbooks written (see :mod:`flows.reports.corrections` for
what one holds): the manifest that spares unchanged workbooks, the worker processes that
write many, and the thread that feeds them while the other reports are written."""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import duckdb

from flows.reports.context import Context, write_text
from flows.reports.corrections import (
    CorrectionRow,
    Lists,
    Vocabularies,
    correction_digest,
    correction_files,
    correction_path,
    correction_sheets,
    write_correction_sheets,
)

# What was written, per language, so that a later run skips workbooks whose content is the same.
_CORRECTIONS_MANIFEST = ".minyi-corrections.{lang}.json"
# Past this many corrections workbooks, worker processes bring the rest up to date (see
# _CorrectionWriter), this many to a task.
PARALLEL_CORRECTIONS = 100
_CORRECTIONS_PER_TASK = 50
# At most this many worker processes (about 55 MiB each): memory stays bounded on large hosts.
MAX_CORRECTION_WORKERS = 4


def _untouched(path: Path, written: Mapping[str, Any]) -> bool:
    """Whether the file is as written (same size and modification time): an organizer may
    have edited it in place, and then it is written again."""
    try:
        stat = path.stat()
    except OSError:
        return False
    return written.get("size") == stat.st_size and written.get("mtime_ns") == stat.st_mtime_ns


def _read_manifest(path: Path) -> dict[str, dict[str, Any]]:
    """Digest, size and modification time of each workbook written, by file name."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    return {name: entry for name, entry in files.items() if isinstance(entry, dict)}


# One corrections workbook to bring up to date: where, for which file, its rows, what the
# manifest recorded of it (None: nothing), its dropdowns' values.
_CorrectionJob = tuple[
    Path, str, Mapping[str, Sequence[CorrectionRow]], dict[str, Any] | None, Lists
]


def _update_correction(job: _CorrectionJob, lang: str) -> dict[str, Any]:
    """Write one corrections workbook unless the manifest's entry shows it is as it would be
    written; the manifest's entry for it."""
    path, file_hash, rows_by_kind, written, lists = job
    sheets = correction_sheets(rows_by_kind, lang, lists)
    digest = correction_digest(file_hash, sheets, lists)
    if written and written.get("digest") == digest and _untouched(path, written):
        return written
    stat = write_correction_sheets(path, file_hash, sheets, lists).stat()
    return {"digest": digest, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _update_corrections(jobs: Sequence[_CorrectionJob], lang: str) -> list[dict[str, Any]]:
    """``_update_correction`` for several workbooks (a worker process's task)."""
    return [_update_correction(job, lang) for job in jobs]


def _cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class _CorrectionWriter:
    """Brings corrections workbooks up to date and collects their manifest entries.

    A workbook costs a few milliseconds of xlsxwriter packaging however small it is, and a
    national half-year has tens of thousands. Up to PARALLEL_CORRECTIONS are written here, in
    ``finish``; past it every one goes to one worker process per CPU, a batch at a time, with
    few batches waiting (bounded memory), while this process writes the other reports.
    Workers are spawned: a script that writes reports needs ``if __name__ == "__main__":``, as
    with any use of multiprocessing (minyi's commands, Prefect and pytest have it).
    """

    def __init__(self, lang: str) -> None:
        self.entries: dict[str, dict[str, Any]] = {}
        self._lang = lang
        self._held: list[_CorrectionJob] = []  # written here unless there are more
        self._batch: list[_CorrectionJob] = []
        self._pending: deque[tuple[Future[list[dict[str, Any]]], list[str]]] = deque()
        self._pool: ProcessPoolExecutor | None = None
        # A daemonic process (a Dask worker, say) may not start processes of its own.
        daemon = multiprocessing.current_process().daemon
        self._workers = 1 if daemon else min(_cpus(), MAX_CORRECTION_WORKERS)

    def __enter__(self) -> _CorrectionWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def add(self, job: _CorrectionJob) -> None:
        """Hold one workbook to write here, or queue it for a worker process."""
        if self._workers < 2:  # no worker processes: written now, nothing held
            self.entries[job[0].name] = _update_correction(job, self._lang)
            return
        if self._pool is None and len(self._held) < PARALLEL_CORRECTIONS:
            self._held.append(job)
            return
        for queued in [*self._held, job]:
            self._batch.append(queued)
            if len(self._batch) >= _CORRECTIONS_PER_TASK:
                self._submit()
        self._held = []

    def finish(self) -> dict[str, dict[str, Any]]:
        """Write the workbooks held here, wait for every queued one; the manifest entries of
        all."""
        for job in self._held:
            self.entries[job[0].name] = _update_correction(job, self._lang)
        if self._batch:
            self._submit()
        while self._pending:
            self._collect()
        return self.entries

    def _submit(self) -> None:
        if self._pool is None:
            # spawn, not fork: the parent holds DuckDB's and Prefect's threads.
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(self._workers, mp_context=context)
        future = self._pool.submit(_update_corrections, self._batch, self._lang)
        self._pending.append((future, [path.name for path, *_rest in self._batch]))
        self._batch = []
        while len(self._pending) > 2 * self._workers:
            self._collect()

    def _collect(self) -> None:
        future, names = self._pending.popleft()
        self.entries.update(zip(names, future.result(), strict=True))


class CorrectionsBeingWritten:
    """The half-year's corrections workbooks, written while the caller writes the other
    reports: a thread reads the quarantined rows (on a cursor of its own) and hands the
    workbooks to ``_CorrectionWriter``; ``finish`` waits for them and records what was written.

    Reports are written on every run: a workbook whose content, and whose file, are as the
    manifest beside them records (``_CORRECTIONS_MANIFEST``) is left as it is.
    Use as a context manager: leaving it on an error stops the thread and the workers.
    """

    def __init__(self, ctx: Context, folder: Path) -> None:
        self._folder = folder
        self._lang = ctx.lang
        self._manifest = folder / _CORRECTIONS_MANIFEST.format(lang=ctx.lang)
        self._written = _read_manifest(self._manifest)
        self._vocabularies = Vocabularies.of(ctx)
        self._writer = _CorrectionWriter(ctx.lang)
        self._paths: list[Path] = []
        self._stop = threading.Event()
        self._error: BaseException | None = None
        cursor = ctx.con.cursor()  # made here: the connection is not shared across threads
        self._thread = threading.Thread(
            target=self._feed, args=(cursor, ctx.period), name="minyi-corrections", daemon=True
        )
        self._thread.start()

    def __enter__(self) -> CorrectionsBeingWritten:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._writer.__exit__()

    def _feed(self, cursor: duckdb.DuckDBPyConnection, period: str) -> None:
        taken: set[str] = set()
        try:
            for file_hash, name, subdistrict, by_kind in correction_files(cursor, period):
                if self._stop.is_set():
                    return
                if not self._paths:
                    self._folder.mkdir(parents=True, exist_ok=True)
                path = correction_path(self._folder, name, file_hash, taken, self._lang)
                self._paths.append(path)
                lists = self._vocabularies.of_file(subdistrict)
                self._writer.add((path, file_hash, by_kind, self._written.get(path.name), lists))
        except BaseException as error:  # raised again in finish, in the caller's thread
            self._error = error
        finally:
            cursor.close()

    def finish(self) -> list[Path]:
        """Wait for every workbook; their paths. Workbooks of earlier runs that are not
        written any more (their file was corrected) drop out of the manifest, and are removed
        unless someone edited them in place since."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        entries = self._writer.finish()
        folder, written = self._folder, self._written
        for name, entry in written.items():
            obsolete = name not in entries and Path(name).name == name and name.endswith(".xlsx")
            if obsolete and _untouched(folder / name, entry):
                (folder / name).unlink()
        if entries != written:
            text = json.dumps({"version": 1, "files": entries}, ensure_ascii=False, sort_keys=True)
            write_text(self._manifest, text + "\n")
        _remove_other_languages(folder, self._lang)
        return list(self._paths)


def _remove_other_languages(folder: Path, lang: str) -> None:
    """Remove the workbooks another language's reports left here, as their manifest records
    them (one workbook per source file in the folder: two would both come back), unless
    someone edited them in place; then their manifest."""
    for other in ("zh", "en"):
        manifest = folder / _CORRECTIONS_MANIFEST.format(lang=other)
        if other == lang or not manifest.is_file():
            continue
        kept = {}
        for name, entry in _read_manifest(manifest).items():
            path = folder / name
            if Path(name).name != name or not name.endswith(".xlsx"):
                continue
            if _untouched(path, entry):
                path.unlink()
            elif path.exists():
                kept[name] = entry
        if kept:
            text = json.dumps({"version": 1, "files": kept}, ensure_ascii=False, sort_keys=True)
            write_text(manifest, text + "\n")
        else:
            manifest.unlink()
