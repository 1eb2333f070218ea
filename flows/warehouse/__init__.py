"""The DuckDB warehouse: SQL files by name, connections that wait for locks, schema and views."""

from __future__ import annotations

import hashlib
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
    """A connection to the settings' warehouse, closed on exit; creates the schema when writing.

    A warehouse an older minyi wrote is brought up to this version's schema, macros and views
    first, also when only reading: reports rely on them (a new macro, a changed view).
    """
    if not read_only:
        settings.home.mkdir(parents=True, exist_ok=True)
    elif settings.warehouse_path.exists():
        upgrade_if_stale(settings)
    con = connect(
        settings.warehouse_path,
        read_only=read_only,
        timeout_seconds=settings.lock_timeout_seconds,
        config=_config(settings, read_only=read_only),
    )
    try:
        if not read_only:
            ensure_schema(con)
        yield con
    finally:
        con.close()


def _config(settings: Settings, *, read_only: bool) -> dict[str, str | bool | int]:
    return {
        "memory_limit": settings.duckdb_memory_limit,
        **({} if read_only else STORAGE_COMPATIBILITY),
    }


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create schemas, tables and macros that do not exist yet; (re)create the metric views
    when the SQL that defines them changed since the warehouse was last written."""
    for name in sql_names("schema"):
        con.execute(sql(name))
    if _schema_state(con) != schema_fingerprint():
        refresh_views(con)
        con.execute(sql("load/set_schema_state"), [schema_fingerprint()])


@cache
def schema_fingerprint() -> str:
    """A digest of the SQL that shapes the warehouse: schema, macros and metric views."""
    digest = hashlib.sha256()
    for name in [*sql_names("schema"), *sql_names("metrics")]:
        digest.update(f"{name}\0{sql(name)}\0".encode())
    return digest.hexdigest()


def _schema_state(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        row = con.execute(sql("load/schema_state")).fetchone()
    except duckdb.CatalogException:  # written by a minyi older than the fingerprint
        return None
    return None if row is None else str(row[0])


def upgrade_if_stale(settings: Settings) -> bool:
    """Bring a warehouse written by another minyi version up to this one's schema and views.

    Returns True if it was upgraded. A warehouse that cannot be written (a read-only copy or
    folder) is left as it is; reading it then works as far as its own schema allows.
    """
    path = settings.warehouse_path
    timeout = settings.lock_timeout_seconds
    con = connect(
        path, read_only=True, timeout_seconds=timeout, config=_config(settings, read_only=True)
    )
    try:
        current = _schema_state(con) == schema_fingerprint()
    finally:
        con.close()
    if current:
        return False
    try:
        con = connect(path, timeout_seconds=timeout, config=_config(settings, read_only=False))
    except duckdb.IOException:
        return False  # no write permission: read it as it is
    try:
        ensure_schema(con)
    finally:
        con.close()
    return True


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
