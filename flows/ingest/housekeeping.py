"""Tidying the warehouse before a run: runs a killed process left 'running' become 'crashed';
corrections workbooks an older minyi loaded learn which file they correct."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from flows.ingest.archive import archive_path
from flows.ingest.readers import FileRejected, correction_marker
from flows.settings import Settings
from flows.warehouse import Mode, open_warehouse, sql


def mark_crashed_runs(con: duckdb.DuckDBPyConnection, now: datetime) -> int:
    """Mark meta.runs rows still 'running' as 'crashed'; returns how many.

    Call only while holding the run lock (flows.service.runlock): then no other run is live, so a
    'running' row can only belong to a process that died before recording its end.
    """
    changed = con.execute(sql("load/mark_crashed_runs"), [now]).fetchone()
    return int(changed[0]) if changed else 0


def sweep_crashed_runs(settings: Settings, now: datetime) -> int:
    """Open the warehouse (when it exists) and mark runs left 'running' as 'crashed'."""
    if not settings.warehouse_path.exists():
        return 0
    with open_warehouse(settings, Mode.WRITE) as con:
        return mark_crashed_runs(con, now)


def corrections_without_source(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Corrections workbooks loaded without the file they correct recorded (by a minyi older
    than ``meta.files.corrects``): their hash and name."""
    return con.execute(sql("load/corrections_without_source")).fetchall()


def record_corrected_files(
    con: duckdb.DuckDBPyConnection, settings: Settings, workbooks: list[tuple[str, str]]
) -> int:
    """Read each workbook's marker again from its archived copy and record the file it
    corrects, so that its file's quarantine counts as corrected; returns how many.

    A copy that is missing or unreadable is left unknown, as before.
    """
    found = []
    for file_hash, file_name in workbooks:
        path = archive_path(settings, file_hash, Path(file_name).suffix)
        try:
            marker = correction_marker(path) if path.is_file() else None
        except (FileRejected, OSError, ValueError):
            marker = None
        if marker:
            found.append([marker, file_hash])
    if found:
        con.executemany(sql("load/set_corrects"), found)
    return len(found)
