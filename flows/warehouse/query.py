"""Ad-hoc queries for analysts: read-only, no file access, with a readable table output."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import duckdb

from flows.messages import both
from flows.settings import Settings
from flows.warehouse import Mode, open_warehouse

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

# pandas and pyarrow (about 0.3 s to import) are imported where a frame or table is needed:
# ``minyi query`` prints most results without them (:func:`show_query`).

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
    with open_warehouse(settings, Mode.QUERY) as con:
        try:
            check_read_only(con, statement)
            return con.execute(statement).fetchdf()
        except duckdb.PermissionException as error:
            raise QueryRefused(both("query_file_access_refused")) from error


# Column types whose values print the same from DuckDB's Python values as from the frame
# :func:`run_query` returns (a DATE there is a timestamp, a DECIMAL or a FLOAT a float64).
_PRINTED_ALIKE = frozenset(
    {
        "BOOLEAN",
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
        "DOUBLE",
        "VARCHAR",
    }
)


def show_query(settings: Settings, statement: str) -> None:
    """Run a read-only query and print its rows as :func:`render_table` prints
    :func:`run_query`'s frame; without pandas when every column is of a type that prints
    alike either way (most of minyi's tables and views)."""
    frame = None
    with open_warehouse(settings, Mode.QUERY) as con:
        try:
            check_read_only(con, statement)
            cursor = con.execute(statement)
            description = cursor.description or []
            columns = [str(d[0]) for d in description]
            if description and {str(d[1]) for d in description} <= _PRINTED_ALIKE:
                rows = cursor.fetchall()
            else:
                frame = cursor.fetchdf()
        except duckdb.PermissionException as error:
            raise QueryRefused(both("query_file_access_refused")) from error
    if frame is not None:
        render_table(frame)
    else:
        _print_table(columns, [[_cell(v) for v in row] for row in rows])


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


# Text starting with these is run as a formula when a CSV is opened in Excel, WPS or
# LibreOffice; OWASP's advice is a leading single quote, which they show but do not run.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_PATTERN = r"^([=+\-@\t\r])"


def _defuse(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows with every formula-like text cell prefixed by a quote, for CSV output."""
    import pandas as pd

    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(_defuse)
    return safe


def spreadsheet_safe_arrow(table: pa.Table) -> pa.Table:
    """An Arrow table with every formula-like text cell prefixed by a quote, for CSV output."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for i, field in enumerate(table.schema):
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
            column = pc.replace_substring_regex(
                table.column(i), pattern=_FORMULA_PATTERN, replacement="'\\1"
            )
            table = table.set_column(i, field, column)
    return table


def render_table(frame: pd.DataFrame) -> None:
    """Print rows as an aligned table."""
    import pandas as pd

    _print_table(
        [str(column) for column in frame.columns],
        [["" if pd.isna(v) else str(v) for v in row] for row in frame.itertuples(index=False)],
    )


def _print_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    Console().print(table)
