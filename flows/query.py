"""Ad-hoc queries for analysts: read-only, no file access, with a readable table output."""

from __future__ import annotations

import duckdb
import pandas as pd

from flows.messages import both
from flows.settings import Settings
from flows.warehouse import connect

# Statement types an analyst may run; everything else (INSERT, COPY, ATTACH, SET, ...) is refused.
_ALLOWED = {"SELECT", "EXPLAIN"}


class QueryRefused(ValueError):
    """The statement would change the warehouse or reach outside it."""


def check_read_only(con: duckdb.DuckDBPyConnection, statement: str) -> None:
    """Raise QueryRefused unless every statement in ``statement`` only reads."""
    for parsed in con.extract_statements(statement):
        kind = str(parsed.type).rsplit(".", 1)[-1].upper()
        if kind not in _ALLOWED:
            raise QueryRefused(both("query_write_refused", statement=kind))


def run_query(settings: Settings, statement: str) -> pd.DataFrame:
    """Run a read-only query against the warehouse and return its rows."""
    con = connect(
        settings.warehouse_path,
        read_only=True,
        timeout_seconds=settings.lock_timeout_seconds,
        config={"enable_external_access": False, "lock_configuration": True},
    )
    try:
        check_read_only(con, statement)
        return con.execute(statement).fetchdf()
    finally:
        con.close()


def render_table(frame: pd.DataFrame) -> None:
    """Print rows as an aligned table."""
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for column in frame.columns:
        table.add_column(str(column))
    for row in frame.itertuples(index=False):
        table.add_row(*["" if pd.isna(v) else str(v) for v in row])
    Console().print(table)
