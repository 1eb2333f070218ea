"""Opening the warehouse: one context manager for every caller, with its mode, waiting for locks."""

from __future__ import annotations

import fcntl
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from enum import StrEnum
from pathlib import Path

import duckdb

from flows.messages import both
from flows.settings import Settings
from flows.warehouse.schema import ensure_schema, recorded_schema, schema_fingerprint
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
    # An analyst's statement: read-only, no access to files, settings it cannot change.
    QUERY = "query"


class WarehouseLocked(RuntimeError):
    """Another process held the warehouse longer than the configured wait."""


def _is_lock_error(error: BaseException) -> bool:
    return bool(_LOCK_ERROR.search(str(error)))


def connect(
    path: Path,
    *,
    read_only: bool = False,
    timeout_seconds: float = 60.0,
    notify: Callable[[str], None] | None = None,
    config: Config | None = None,
    queries: tuple[Path, float] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file, waiting up to ``timeout_seconds`` while another process holds it.

    ``queries``: the lock file analysts' queries hold and their timeout. While a query holds
    the warehouse, the wait lasts until that query must have ended (a query never makes a
    run fail).
    """
    deadline = time.monotonic() + timeout_seconds
    told = False
    waited_for_query = False
    delay = 0.1
    say = notify or (lambda m: print(m, file=sys.stderr))
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=dict(config or {}))
        except duckdb.IOException as error:
            if not _is_lock_error(error):
                raise
            if queries is not None and not waited_for_query and queries_running(queries[0]):
                waited_for_query = True
                grace = queries[1] + QUERY_GRACE_SECONDS
                deadline = max(deadline, time.monotonic() + grace)
                say(both("warehouse_wait_for_query", seconds=grace))
            if time.monotonic() >= deadline:
                raise WarehouseLocked(
                    both("warehouse_locked_gave_up", seconds=timeout_seconds)
                ) from error
            if not told:
                holder = str(error).split("Conflicting lock is held in")[-1].strip()[:120]
                say(both("warehouse_locked_wait", holder=holder, seconds=timeout_seconds))
                told = True
            time.sleep(delay)
            delay = min(delay * 1.5, 2.0)


# After its timeout, a query still closes its connection: a writer waits this much longer.
QUERY_GRACE_SECONDS = 10.0


def query_lock_path(settings: Settings) -> Path:
    """The file analysts' queries hold (shared) while they read the warehouse."""
    return settings.home / ".query.lock"


def queries_running(lock_path: Path) -> bool:
    """Whether any query holds the query lock file now."""
    try:
        handle = lock_path.open("rb")
    except OSError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


@contextmanager
def _holding_query_lock(settings: Settings) -> Iterator[None]:
    """Hold the query lock (shared) for a query's connection; nothing when it cannot be made
    (a read-only home: no run writes there either)."""
    path = query_lock_path(settings)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        yield
        return
    with os.fdopen(fd, "rb") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _config(settings: Settings, mode: Mode) -> Config:
    config: Config = {"memory_limit": settings.duckdb_memory_limit}
    if settings.duckdb_threads > 0:
        config["threads"] = settings.duckdb_threads
    if mode is Mode.WRITE:
        config.update(STORAGE_COMPATIBILITY)
    if mode is Mode.QUERY:
        # The local file system is disabled once the file is open (sql/query/lock_down.sql):
        # DuckDB lets a connection read its own database file's bytes even without external
        # access (read_blob of the warehouse).
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
    """A connection to the settings' warehouse in ``mode``, closed on exit.

    Writing creates the warehouse and its schema. A warehouse an older minyi wrote is brought
    up to this version's schema, macros and views first, also when only reading: reports
    rely on them (a new macro, a changed view). ``wait_seconds`` (default: the settings' lock
    timeout) bounds the wait for another process; ``notify`` is told once that it waits.
    """
    wait = settings.lock_timeout_seconds if wait_seconds is None else wait_seconds
    if mode is Mode.WRITE:
        settings.home.mkdir(parents=True, exist_ok=True)
    elif settings.warehouse_path.exists():
        upgrade_if_stale(settings, wait, notify)
    queries = None
    if mode is Mode.WRITE and settings.query_timeout_seconds > 0:
        queries = (query_lock_path(settings), settings.query_timeout_seconds)
    with ExitStack() as stack:
        if mode is Mode.QUERY:
            stack.enter_context(_holding_query_lock(settings))
        con = connect(
            settings.warehouse_path,
            read_only=mode is not Mode.WRITE,
            timeout_seconds=wait,
            notify=notify,
            config=_config(settings, mode),
            queries=queries,
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
