"""The DuckDB warehouse: SQL files by name, connections that wait for locks, schema and views.

Everything that opens the warehouse goes through :func:`open_warehouse` with its
:class:`Mode`; what reads it for others (queries, exports, publishing) lives beside.
"""

from __future__ import annotations

from flows.warehouse.connection import (
    STORAGE_COMPATIBILITY,
    Mode,
    WarehouseLocked,
    connect,
    open_warehouse,
    refresh_snapshot,
    upgrade_if_stale,
)
from flows.warehouse.schema import (
    ensure_schema,
    refresh_views,
    replace_evaluator_codes,
    schema_fingerprint,
    write_settings,
)
from flows.warehouse.statements import sql, sql_names

__all__ = [
    "STORAGE_COMPATIBILITY",
    "Mode",
    "WarehouseLocked",
    "connect",
    "ensure_schema",
    "open_warehouse",
    "refresh_snapshot",
    "refresh_views",
    "replace_evaluator_codes",
    "schema_fingerprint",
    "sql",
    "sql_names",
    "upgrade_if_stale",
    "write_settings",
]
