"""The DuckDB warehouse: SQL files by name, connections that wait for locks, schema and views."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import duckdb

from flows.messages import both
from flows.settings import SQL_DIR, Settings

# New warehouse files use the v1.0.0 storage format so that DuckDB 1.1 to 1.5 clients
# (what analysts are likely to have) can open them; 2.0's default format cannot be.
STORAGE_COMPATIBILITY: dict[str, str | bool | int] = {"storage_compatibility_version": "v1.0.0"}

_LOCK_ERROR = re.compile(r"Could not set lock on file|Conflicting lock is held", re.IGNORECASE)


class WarehouseLocked(RuntimeError):
    """Another process held the warehouse longer than the configured wait."""


@cache
def sql(name: str) -> str:
    """The text of ``sql/<name>.sql`` (e.g. ``metrics/satisfaction``)."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def sql_names(folder: str) -> list[str]:
    """Names of the SQL files in ``sql/<folder>``, sorted, without suffix."""
    return [f"{folder}/{p.stem}" for p in sorted((SQL_DIR / folder).glob("*.sql"))]


def _is_lock_error(error: BaseException) -> bool:
    return bool(_LOCK_ERROR.search(str(error)))


def connect(
    path: Path,
    *,
    read_only: bool = False,
    timeout_seconds: float = 60.0,
    notify: Callable[[str], None] | None = None,
    config: dict[str, str | bool | int] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, waiting up to ``timeout_seconds`` while another process holds it."""
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
                holder = str(error).split("Conflicting lock is held in")[-1].strip()[:120]
                text = both("warehouse_locked_wait", holder=holder, seconds=timeout_seconds)
                (notify or (lambda m: print(m, file=sys.stderr)))(text)
                told = True
            time.sleep(delay)
            delay = min(delay * 1.5, 2.0)


@contextmanager
def open_warehouse(
    settings: Settings, *, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the settings' warehouse, closed on exit; creates the schema when writing."""
    if not read_only:
        settings.home.mkdir(parents=True, exist_ok=True)
    con = connect(
        settings.warehouse_path,
        read_only=read_only,
        timeout_seconds=settings.lock_timeout_seconds,
        config={
            "memory_limit": settings.duckdb_memory_limit,
            **({} if read_only else STORAGE_COMPATIBILITY),
        },
    )
    try:
        if not read_only:
            ensure_schema(con)
        yield con
    finally:
        con.close()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create schemas, tables and macros that do not exist yet."""
    for name in sql_names("schema"):
        con.execute(sql(name))


def write_settings(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Store the targets and rules the metric views read."""
    con.execute("delete from meta.settings")
    con.execute(
        sql("load/settings"),
        [
            settings.satisfaction_target,
            settings.satisfaction_definition,
            settings.min_responses,
            settings.member_target,
            settings.unit_target,
            settings.report_deadline_days,
        ],
    )


def refresh_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """(Re)create every metric view from ``sql/metrics/*.sql``; returns the view names."""
    created = []
    for name in sql_names("metrics"):
        view = name.split("/", 1)[1]
        con.execute(f"create or replace view metrics.{view} as\n{sql(name)}")
        created.append(f"metrics.{view}")
    return created
