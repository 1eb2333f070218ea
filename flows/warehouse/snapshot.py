"""The readers' copy of the warehouse: refreshed after each successful run, swapped by rename.

DuckDB lets one process write a file or several read it, never both. So nobody but a run
opens the live warehouse: analysts, ``minyi query``, ``minyi report``, ``minyi export`` and
``minyi status`` read ``<warehouse>.snapshot.duckdb`` beside it. A run, holding the run lock
once its last batch is committed, copies the warehouse to a temporary name and renames the
copy over the snapshot. A reader that has the old snapshot open keeps reading the old file
(the rename only changes which file the name points to), a reader opening it afterwards gets
the new one, and no reader ever sees a half-written copy or holds up a run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from flows.messages import both
from flows.service.runlock import RunLocked, run_lock
from flows.settings import Settings
from flows.warehouse.connection import (
    Mode,
    WarehouseLocked,
    connect,
    open_warehouse,
)
from flows.warehouse.schema import recorded_schema, schema_fingerprint


def wal_path(path: Path) -> Path:
    """DuckDB's write-ahead log beside a database file."""
    return Path(f"{path}.wal")


def snapshot_time(settings: Settings) -> datetime | None:
    """When the snapshot was last refreshed; None when there is none."""
    try:
        return datetime.fromtimestamp(settings.snapshot_path.stat().st_mtime, tz=UTC)
    except FileNotFoundError:
        return None


def snapshot_is_current(settings: Settings) -> bool:
    """True when the snapshot holds the warehouse as it is now (nothing written since)."""
    source, snapshot = settings.warehouse_path, settings.snapshot_path
    if not snapshot.exists() or wal_path(source).exists():
        return False
    return snapshot.stat().st_mtime_ns >= source.stat().st_mtime_ns


def refresh_snapshot(settings: Settings) -> bool:
    """Copy the warehouse beside itself and rename the copy over the snapshot.

    Call holding the run lock, with no connection of this process writing the warehouse.
    Returns False when there is nothing to do (no warehouse, or no change since the last).
    """
    source, snapshot = settings.warehouse_path, settings.snapshot_path
    if not source.exists() or snapshot_is_current(settings):
        return False
    if wal_path(source).exists():
        # What the WAL holds is not in the file yet: fold it in before copying the file.
        with open_warehouse(settings, Mode.WRITE) as con:
            con.execute("CHECKPOINT")
    partial = snapshot.with_name(f"{snapshot.name}.{os.getpid()}.partial")
    try:
        shutil.copyfile(source, partial)
        with partial.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, snapshot)
    finally:
        partial.unlink(missing_ok=True)
    _fsync_dir(snapshot.parent)
    return True


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def current_snapshot(
    settings: Settings, wait_seconds: float, notify: Callable[[str], None] | None = None
) -> Path:
    """The snapshot to read, made first when missing or written by another minyi version.

    Making it takes the run lock (waiting up to ``wait_seconds`` for a run to finish); a
    snapshot that exists but is out of date is read as it is when a run holds the lock.
    """
    snapshot = settings.snapshot_path
    if snapshot.exists() and _schema_is_current(settings, snapshot, wait_seconds, notify):
        return snapshot
    if not settings.warehouse_path.exists():
        return snapshot  # nothing to copy: the caller says the warehouse is missing
    try:
        with run_lock(settings.home, wait_seconds):
            refresh_stale(settings, wait_seconds, notify)
    except RunLocked:
        if not snapshot.exists():
            busy = both("snapshot_missing_run_busy", seconds=wait_seconds)
            raise WarehouseLocked(busy) from None
    return snapshot


def refresh_stale(
    settings: Settings, wait_seconds: float, notify: Callable[[str], None] | None = None
) -> None:
    """Refresh the snapshot, bringing the warehouse up to this version's schema first."""
    with open_warehouse(settings, Mode.WRITE, wait_seconds=wait_seconds, notify=notify):
        pass  # opening to write upgrades schema, macros and views
    refresh_snapshot(settings)


def _schema_is_current(
    settings: Settings, snapshot: Path, wait_seconds: float, notify: Callable[[str], None] | None
) -> bool:
    con = connect(snapshot, read_only=True, timeout_seconds=wait_seconds, notify=notify)
    try:
        return recorded_schema(con) == schema_fingerprint()
    finally:
        con.close()
