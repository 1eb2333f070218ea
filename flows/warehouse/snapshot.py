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
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from flows.settings import Settings
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


def snapshot_schema_is_current(settings: Settings) -> bool:
    """True when the snapshot was written with this version's schema, macros and views.

    Nobody writes the snapshot, so opening it read-only never waits."""
    con = duckdb.connect(str(settings.snapshot_path), read_only=True)
    try:
        return recorded_schema(con) == schema_fingerprint()
    finally:
        con.close()


def copy_over_snapshot(settings: Settings) -> None:
    """Copy the warehouse file to a temporary name beside it and rename the copy over the
    snapshot. The warehouse must be closed and checkpointed (no WAL): see
    ``flows.warehouse.connection.refresh_snapshot``."""
    source, snapshot = settings.warehouse_path, settings.snapshot_path
    partial = snapshot.with_name(f"{snapshot.name}.{os.getpid()}.partial")
    try:
        shutil.copyfile(source, partial)
        with partial.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, snapshot)
    finally:
        partial.unlink(missing_ok=True)
    _fsync_dir(snapshot.parent)


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
