"""Tidying the warehouse before a run: runs a killed process left 'running' become 'crashed'."""

from __future__ import annotations

from datetime import datetime

import duckdb

from flows.settings import Settings
from flows.warehouse import open_warehouse, sql


def mark_crashed_runs(con: duckdb.DuckDBPyConnection, now: datetime) -> int:
    """Mark meta.runs rows still 'running' as 'crashed'; returns how many.

    Call only while holding the run lock (flows.runlock): then no other run is live, so a
    'running' row can only belong to a process that died before recording its end.
    """
    changed = con.execute(sql("load/mark_crashed_runs"), [now]).fetchone()
    return int(changed[0]) if changed else 0


def sweep_crashed_runs(settings: Settings, now: datetime) -> int:
    """Open the warehouse (when it exists) and mark runs left 'running' as 'crashed'."""
    if not settings.warehouse_path.exists():
        return 0
    with open_warehouse(settings) as con:
        return mark_crashed_runs(con, now)
