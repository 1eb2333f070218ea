"""The warehouse's shape: schemas, tables, macros and metric views, brought up to this version."""

from __future__ import annotations

import hashlib
import re
from functools import cache

import duckdb

from flows.settings import Settings
from flows.warehouse.statements import sql, sql_names


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create schemas, tables and macros that do not exist yet; (re)create the metric views
    when the SQL that defines them changed since the warehouse was last written."""
    for name in sql_names("schema"):
        con.execute(sql(name))
    if recorded_schema(con) != schema_fingerprint():
        refresh_views(con)
        con.execute(sql("load/set_schema_state"), [schema_fingerprint()])


@cache
def schema_fingerprint() -> str:
    """A digest of the SQL that shapes the warehouse: schema, macros and metric views."""
    digest = hashlib.sha256()
    for name in [*sql_names("schema"), *sql_names("metrics")]:
        digest.update(f"{name}\0{sql(name)}\0".encode())
    return digest.hexdigest()


def recorded_schema(con: duckdb.DuckDBPyConnection) -> str | None:
    """The fingerprint the warehouse was last brought up to; None if never recorded."""
    try:
        row = con.execute(sql("load/schema_state")).fetchone()
    except duckdb.CatalogException:  # written by a minyi older than the fingerprint
        return None
    return None if row is None else str(row[0])


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


def replace_evaluator_codes(con: duckdb.DuckDBPyConnection) -> None:
    """Derive ``ref.evaluator_codes`` again from ``ref.evaluators``, once the roster changed
    (a registry load, a city warehouse's build): its readers no longer number the roster."""
    con.execute("delete from ref.evaluator_code_rows")
    con.execute(sql("load/replace_evaluator_codes"))


def refresh_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """(Re)create every metric view from ``sql/metrics/*.sql``; returns the view names."""
    created = []
    for name in metric_view_order():
        view = name.split("/", 1)[1]
        con.execute(f"create or replace view metrics.{view} as\n{sql(name)}")
        created.append(f"metrics.{view}")
    return created


_VIEW_REFERENCE = re.compile(r"\bmetrics\.([a-z_][a-z0-9_]*)")


def metric_view_order() -> list[str]:
    """The metric view files in an order that creates each view after the views it reads
    (DuckDB binds a view when it is created); otherwise by name."""
    names = sql_names("metrics")
    known = {name.split("/", 1)[1]: name for name in names}
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in ordered:
            return
        if name in visiting:
            raise ValueError(f"metric views read each other in a cycle: {name}")
        visiting.add(name)
        for view in sorted(set(_VIEW_REFERENCE.findall(sql(name)))):
            if view in known and known[view] != name:
                visit(known[view])
        visiting.discard(name)
        ordered.append(name)

    for name in names:
        visit(name)
    return ordered
