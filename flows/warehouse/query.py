"""Ad-hoc queries for analysts: read-only, no file access, with a readable table output."""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from flows.messages import both
from flows.settings import Settings
from flows.warehouse import Mode, open_warehouse
from flows.warehouse.display import cut_long_frame

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
    """Run a read-only query against the warehouse and return its rows (texts too long to
    show cut to Excel's cell limit)."""
    with open_warehouse(settings, Mode.QUERY) as con:
        try:
            check_read_only(con, statement)
            return cut_long_frame(con.execute(statement).fetchdf())
        except duckdb.PermissionException as error:
            raise QueryRefused(both("query_file_access_refused")) from error


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
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(_defuse)
    return safe


def spreadsheet_safe_arrow(table: pa.Table) -> pa.Table:
    """An Arrow table with every formula-like text cell prefixed by a quote, for CSV output."""
    for i, field in enumerate(table.schema):
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
            column = pc.replace_substring_regex(
                table.column(i), pattern=_FORMULA_PATTERN, replacement="'\\1"
            )
            table = table.set_column(i, field, column)
    return table


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
