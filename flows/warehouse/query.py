"""Ad-hoc queries for analysts: read-only, no file access, with a readable table output."""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import duckdb

from flows.messages import both
from flows.settings import Settings
from flows.warehouse import Mode, open_warehouse
from flows.warehouse.display import cut_long_frame, cut_text

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

# pandas and pyarrow (about 0.3 s to import) are imported where a frame or table is needed:
# ``minyi query`` prints most results without them (:func:`show_query`).

# Statement types an analyst may run; everything else (INSERT, COPY, ATTACH, SET, ...) is refused.
_ALLOWED = {"SELECT", "EXPLAIN"}
# EXPLAIN ANALYZE runs the statement it explains: only a SELECT may follow it. The options
# form (EXPLAIN (ANALYZE, FORMAT json) ...) counts too.
_EXPLAIN = re.compile(r"\s*explain\s*(\([^)]*\))?\s*(analy[sz]e\b)?", re.IGNORECASE)
_LEADING_COMMENTS = re.compile(r"\A(?:\s+|--[^\n]*(?:\n|\Z)|/\*.*?\*/)*", re.DOTALL)


class QueryRefused(ValueError):
    """The statement would change the warehouse or reach outside it, or is empty."""


class QueryTimedOut(RuntimeError):
    """The query ran longer than its timeout and was interrupted."""


def _kind(parsed: duckdb.Statement) -> str:
    return str(parsed.type).rsplit(".", 1)[-1].upper()


def check_read_only(con: duckdb.DuckDBPyConnection, statement: str) -> None:
    """Raise QueryRefused unless every statement in ``statement`` only reads."""
    statements = con.extract_statements(statement)
    if not statements:
        raise QueryRefused(both("query_empty"))
    for parsed in statements:
        kind = _kind(parsed)
        if kind not in _ALLOWED:
            raise QueryRefused(both("query_write_refused", statement=kind))
        if kind == "EXPLAIN":
            _check_explained(con, parsed.query)


def _check_explained(con: duckdb.DuckDBPyConnection, query: str) -> None:
    """Refuse EXPLAIN ANALYZE of anything but one SELECT (it runs the statement)."""
    text = _LEADING_COMMENTS.sub("", query, count=1)
    match = _EXPLAIN.match(text)
    if match is None:
        if re.search(r"analy[sz]e", query, re.IGNORECASE):
            raise QueryRefused(both("query_explain_analyze_refused"))
        return
    options, analyze = match.groups()
    if not (analyze or (options and re.search(r"analy[sz]e", options, re.IGNORECASE))):
        return
    try:
        inner = con.extract_statements(text[match.end() :])
    except duckdb.Error:
        inner = []
    if len(inner) != 1 or _kind(inner[0]) != "SELECT":
        raise QueryRefused(both("query_explain_analyze_refused"))


@contextmanager
def _guarded(con: duckdb.DuckDBPyConnection, statement: str, timeout: float) -> Iterator[None]:
    """Refuse what does not only read; interrupt the query after ``timeout`` seconds (0:
    never); turn DuckDB's refusals into messages."""
    try:
        check_read_only(con, statement)
    except duckdb.ParserException as error:
        raise QueryRefused(both("query_syntax", error=error)) from error
    timer = threading.Timer(timeout, con.interrupt) if timeout > 0 else None
    if timer is not None:
        timer.daemon = True
        timer.start()
    try:
        yield
    except duckdb.InterruptException as error:
        raise QueryTimedOut(both("query_timed_out", seconds=timeout)) from error
    except duckdb.PermissionException as error:
        raise QueryRefused(both("query_file_access_refused")) from error
    finally:
        if timer is not None:
            timer.cancel()


def run_query(
    settings: Settings, statement: str, timeout_seconds: float | None = None
) -> pd.DataFrame:
    """Run a read-only query against the warehouse and return its rows (texts too long to
    show cut to Excel's cell limit); interrupted after ``timeout_seconds`` (default: the
    settings'; 0: never)."""
    timeout = settings.query_timeout_seconds if timeout_seconds is None else timeout_seconds
    with open_warehouse(settings, Mode.QUERY) as con, _guarded(con, statement, timeout):
        return cut_long_frame(con.execute(statement).fetchdf())


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


def show_query(settings: Settings, statement: str, timeout_seconds: float | None = None) -> None:
    """Run a read-only query (guarded as :func:`run_query`) and print its rows as
    :func:`render_table` prints :func:`run_query`'s frame; without pandas when every column
    is of a type that prints alike either way (most of minyi's tables and views)."""
    frame = None
    timeout = settings.query_timeout_seconds if timeout_seconds is None else timeout_seconds
    with open_warehouse(settings, Mode.QUERY) as con, _guarded(con, statement, timeout):
        cursor = con.execute(statement)
        description = cursor.description or []
        columns = [str(d[0]) for d in description]
        if description and {str(d[1]) for d in description} <= _PRINTED_ALIKE:
            rows = cursor.fetchall()
        else:
            frame = cut_long_frame(cursor.fetchdf())
    if frame is not None:
        render_table(frame)
    else:
        _print_table(columns, [[_cell(cut_text(v)) for v in row] for row in rows])


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
