"""Small warehouses for tests: schema, settings and metric views in a temporary folder."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from flows.settings import Settings, load_settings
from flows.warehouse import (
    STORAGE_COMPATIBILITY,
    connect,
    ensure_schema,
    replace_evaluator_codes,
    write_settings,
)

LOADED_AT = datetime(2026, 7, 5, 6, 0, tzinfo=UTC)
_LINEAGE_TABLES = ("core.evaluations", "core.hearings", "core.branch_reports")
_row_numbers = itertools.count(2)


def make_warehouse(home: Path, **settings: Any) -> duckdb.DuckDBPyConnection:
    """A warehouse in ``home`` with the schema and every view, and the given settings stored."""
    con = connect(home / "warehouse.duckdb", config=STORAGE_COMPATIBILITY)
    ensure_schema(con)
    write_settings(con, load_settings(env={"MINYI_HOME": str(home)}, **settings))
    return con


def with_lineage(row: Mapping[str, Any]) -> dict[str, Any]:
    """The row with the lineage columns core.* tables require, unless already given."""
    return {
        "file_hash": "a" * 64,
        "row_number": next(_row_numbers),
        "run_id": "test-run",
        "loaded_at": LOADED_AT,
        **row,
    }


def insert_rows(
    con: duckdb.DuckDBPyConnection, table: str, rows: Iterable[Mapping[str, Any]]
) -> None:
    """Insert rows given as dicts into ``table``; core.* rows get lineage columns filled in.
    Roster rows bring their codes along, as a registry load derives them."""
    for row in rows:
        values = with_lineage(row) if table in _LINEAGE_TABLES else dict(row)
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        con.execute(f"insert into {table} ({columns}) values ({marks})", list(values.values()))
    if table == "ref.evaluators":
        replace_evaluator_codes(con)


def evaluation(
    community_id: str,
    verdict: str,
    *,
    period: str = "2026H1",
    role: str = "deputy",
    evaluator_key: str | None = None,
    **columns: Any,
) -> dict[str, Any]:
    """One core.evaluations row; the evaluator key is made up unless given."""
    return {
        "period": period,
        "community_id": community_id,
        "evaluator_key": evaluator_key or f"key-{next(_row_numbers)}",
        "role": role,
        "verdict": verdict,
        **columns,
    }


def rows_as_dicts(
    con: duckdb.DuckDBPyConnection, query: str, params: list[Any] | None = None
) -> list[dict[str, Any]]:
    """Result rows of ``query`` as dicts keyed by column name."""
    cursor = con.execute(query, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def as_if_written_by_an_older_minyi(settings: Settings) -> None:
    """No schema fingerprint, a macro the reports use missing, a metric view missing, and
    columns added since missing."""
    con = duckdb.connect(str(settings.warehouse_path))
    con.execute("drop table meta.schema_state")
    con.execute("drop macro meta.subdistrict")
    con.execute("drop macro meta.org_subdistrict")
    con.execute("alter table ref.communities drop column subdistrict")
    con.execute("alter table ref.organisations drop column subdistrict")
    con.execute("drop view metrics._open_quarantine")
    con.execute("alter table meta.files drop column corrects")
    con.execute("drop view metrics.satisfaction")
    con.execute("drop macro meta.wilson_low")
    con.close()
