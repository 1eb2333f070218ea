"""Opening the warehouse: one context manager for every caller, with its mode, waiting for locks."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path

import duckdb

from flows.messages import both
from flows.service.runlock import RunLocked, run_lock
from flows.settings import Settings
from flows.warehouse.schema import ensure_schema, recorded_schema, schema_fingerprint
from flows.warehouse.snapshot import (
    copy_over_snapshot,
    snapshot_is_current,
    snapshot_schema_is_current,
    wal_path,
)
from flows.warehouse.statements import sql

# New warehouse files use the v1.0.0 storage format so that DuckDB 1.1 to 1.5 clients
# (what analysts are likely to have) can open them; 2.0's default format cannot be.
STORAGE_COMPATIBILITY: dict[str, str | bool | int] = {"storage_compatibility_version": "v1.0.0"}

_LOCK_ERROR = re.compile(r"Could not set lock on file|Conflicting lock is held", re.IGNORECASE)

Config = dict[str, str | bool | int]


class Mode(StrEnum):
    """Why a connection is opened, which decides how."""

    # The run's writer: creates the warehouse and its schema; the only mode that changes data.
    WRITE = "write"
    # minyi's own reading (reports, export, publishing, status): read-only.
    READ = "read"
    # An analyst's statement: read-only on the snapshot, no access to files, settings it
    # cannot change.
    QUERY = "query"
    # Reading for people outside a run (minyi report, export, status): read-only on the
    # snapshot, so that it never holds up a run.
    SNAPSHOT = "snapshot"


class WarehouseLocked(RuntimeError):
    """Another process held the warehouse longer than the configured wait."""


_HOLDER = re.compile(
    r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)(?: by user (?P<user>\S+?))?"
    r"[.\s]*(?:See also|$)",
    re.DOTALL,
)


def lock_holder(error_text: str) -> str:
    """Who holds the lock, from DuckDB's message, as one whole line: "program (PID n, user u)".

    DuckDB says "... Conflicting lock is held in /usr/bin/python3 (PID 42) by user minyi. See
    also ..."; text that does not look like that is given as its first line, never cut.
    """
    found = _HOLDER.search(error_text)
    if found is None:
        lines = error_text.strip().splitlines()
        return lines[0] if lines else "?"
    user = f", user {found['user']}" if found["user"] else ""
    return f"{found['program'].strip()} (PID {found['pid']}{user})"


def _is_lock_error(error: BaseException) -> bool:
    return bool(_LOCK_ERROR.search(str(error)))


def connect(
    path: Path,
    *,
    read_only: bool = False,
    timeout_seconds: float = 60.0,
    notify: Callable[[str], None] | None = None,
    config: Config | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file, waiting up to ``timeout_seconds`` while another process holds it."""
    deadline = time.monotonic() + timeout_seconds
    told = False
    delay = 0.1
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=dict(config or {}))
        except duckdb.IOException as error:
            if not _is_lock_error(error):
                raise
            if time.monotonic() >= deadline:
                raise WarehouseLocked(
                    both("warehouse_locked_gave_up", seconds=timeout_seconds)
                ) from error
            if not told:
                holder = lock_holder(str(error))
                text = both("warehouse_locked_wait", holder=holder, seconds=timeout_seconds)
                (notify or (lambda m: print(m, file=sys.stderr)))(text)
                told = True
            time.sleep(delay)
            delay = min(delay * 1.5, 2.0)


def _config(settings: Settings, mode: Mode) -> Config:
    config: Config = {"memory_limit": settings.duckdb_memory_limit}
    if settings.duckdb_threads > 0:
        config["threads"] = settings.duckdb_threads
    if mode is Mode.WRITE:
        config.update(STORAGE_COMPATIBILITY)
    if mode is Mode.QUERY:
        # The local file system is disabled once the file is open (sql/query/lock_down.sql):
        # DuckDB lets a connection read its own database file's bytes even without external
        # access (read_blob of the snapshot).
        config.update({"enable_external_access": False})
    return config


@contextmanager
def open_warehouse(
    settings: Settings,
    mode: Mode,
    *,
    wait_seconds: float | None = None,
    notify: Callable[[str], None] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the settings' warehouse in ``mode``, closed on exit; QUERY and
    SNAPSHOT read the snapshot beside it (flows.warehouse.snapshot).

    Writing creates the warehouse and its schema. A warehouse an older minyi wrote is brought
    up to this version's schema, macros and views first, also when only reading: reports
    rely on them (a new macro, a changed view). ``wait_seconds`` (default: the settings' lock
    timeout) bounds the wait for another process; ``notify`` is told once that it waits.
    """
    wait = settings.lock_timeout_seconds if wait_seconds is None else wait_seconds
    path = settings.warehouse_path
    if mode is Mode.WRITE:
        settings.home.mkdir(parents=True, exist_ok=True)
    elif mode in (Mode.QUERY, Mode.SNAPSHOT):
        path = current_snapshot(settings, wait, notify)
    elif path.exists():
        upgrade_if_stale(settings, wait, notify)
    con = connect(
        path,
        read_only=mode is not Mode.WRITE,
        timeout_seconds=wait,
        notify=notify,
        config=_config(settings, mode),
    )
    try:
        if mode is Mode.WRITE:
            ensure_schema(con)
        if mode is Mode.QUERY:
            con.execute(sql("query/lock_down"))
        yield con
    finally:
        con.close()


def upgrade_if_stale(
    settings: Settings,
    wait_seconds: float | None = None,
    notify: Callable[[str], None] | None = None,
) -> bool:
    """Bring a warehouse written by another minyi version up to this one's schema and views.

    Returns True if it was upgraded. A warehouse that cannot be written (a read-only copy or
    folder) is left as it is; reading it then works as far as its own schema allows.
    """
    path = settings.warehouse_path
    timeout = settings.lock_timeout_seconds if wait_seconds is None else wait_seconds
    config = _config(settings, Mode.READ)
    con = connect(path, read_only=True, timeout_seconds=timeout, notify=notify, config=config)
    try:
        current = recorded_schema(con) == schema_fingerprint()
    finally:
        con.close()
    if current:
        return False
    try:
        con = connect(
            path, timeout_seconds=timeout, notify=notify, config=_config(settings, Mode.WRITE)
        )
    except duckdb.IOException:
        return False  # no write permission: read it as it is
    try:
        ensure_schema(con)
    finally:
        con.close()
    return True


def refresh_snapshot(settings: Settings) -> bool:
    """Refresh the readers' snapshot (flows.warehouse.snapshot) from the warehouse.

    Call holding the run lock, with no connection of this process writing the warehouse.
    Returns False when there is nothing to do (no warehouse, or no change since the last).
    """
    if not settings.warehouse_path.exists() or snapshot_is_current(settings):
        return False
    if wal_path(settings.warehouse_path).exists():
        # What the WAL holds is not in the file yet: fold it in before copying the file.
        with open_warehouse(settings, Mode.WRITE) as con:
            con.execute("CHECKPOINT")
    copy_over_snapshot(settings)
    return True


def current_snapshot(
    settings: Settings, wait_seconds: float, notify: Callable[[str], None] | None = None
) -> Path:
    """The snapshot to read, made first when missing or written by another minyi version.

    Making it takes the run lock (waiting up to ``wait_seconds`` for a run to finish); a
    snapshot that exists but is out of date is read as it is when a run holds the lock.
    """
    snapshot = settings.snapshot_path
    if snapshot.exists() and snapshot_schema_is_current(settings):
        return snapshot
    if not settings.warehouse_path.exists():
        return snapshot  # nothing to copy: the caller says the warehouse is missing
    try:
        with run_lock(settings.home, wait_seconds):
            # Opening to write brings schema, macros and views up to this version first.
            with open_warehouse(settings, Mode.WRITE, wait_seconds=wait_seconds, notify=notify):
                pass
            refresh_snapshot(settings)
    except RunLocked:
        if not snapshot.exists():
            busy = both("snapshot_missing_run_busy", seconds=wait_seconds)
            raise WarehouseLocked(busy) from None
    return snapshot
