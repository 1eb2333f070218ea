"""Text too long to show, cut where rows leave the warehouse for a report or a person.

Readers refuse a cell over the limit, but a warehouse loaded before the limit existed may
hold one (a comment of 190 million characters): reports and query output show its first
``DISPLAY_CHARS`` characters and an ellipsis, and keep working.
"""

from __future__ import annotations

from itertools import repeat
from typing import TYPE_CHECKING, Any, Final

import duckdb

if TYPE_CHECKING:  # imported where used: `minyi query` prints most results without them
    import pandas as pd
    import pyarrow as pa

# Excel's cell limit: nothing longer can be shown in a workbook cell either.
DISPLAY_CHARS: Final = 32_767
ELLIPSIS: Final = "…"


def display_rows(
    con: duckdb.DuckDBPyConnection,
    statement: str,
    params: list[object],
    limit: int = DISPLAY_CHARS,
) -> list[dict[str, Any]]:
    """The rows of ``statement`` by column name, each text cut to ``limit`` characters.

    Run with ``execute`` like any statement (a relation would refuse a connection whose last
    result is unread); the cut is made as the rows are fetched.
    """
    cursor = con.execute(statement, params)
    names = [d[0] for d in cursor.description or []]
    return [
        dict(zip(names, map(_shown, row, repeat(limit)), strict=True)) for row in cursor.fetchall()
    ]


def _shown(value: object, limit: int) -> object:
    if type(value) is not str or len(value) <= limit:
        return value
    return cut_text(value, limit)


def cut_long_text(table: pa.Table, limit: int = DISPLAY_CHARS) -> pa.Table:
    """An Arrow table with every text longer than ``limit`` characters cut, ellipsis last."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for index, field in enumerate(table.schema):
        if not (pa.types.is_string(field.type) or pa.types.is_large_string(field.type)):
            continue
        column = table.column(index)
        too_long = pc.greater(pc.utf8_length(column), limit)
        if not pc.any(too_long).as_py():
            continue
        cut = pc.binary_join_element_wise(
            pc.utf8_slice_codeunits(column, 0, limit - len(ELLIPSIS)), ELLIPSIS, ""
        )
        table = table.set_column(index, field, pc.if_else(too_long, cut, column))
    return table


def cut_text(value: object, limit: int = DISPLAY_CHARS) -> object:
    """A text longer than ``limit`` characters cut, ellipsis last; anything else unchanged."""
    if isinstance(value, str) and len(value) > limit:
        return value[: limit - len(ELLIPSIS)] + ELLIPSIS
    return value


def cut_long_frame(frame: pd.DataFrame, limit: int = DISPLAY_CHARS) -> pd.DataFrame:
    """Rows with every text longer than ``limit`` characters cut (a copy when any is)."""
    import pandas as pd

    cut = frame
    for index in range(frame.shape[1]):
        values = frame.iloc[:, index]
        if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
            continue
        lengths = values.map(lambda v: len(v) if isinstance(v, str) else 0)
        if len(lengths) and lengths.max() > limit:
            if cut is frame:
                cut = frame.copy()
            cut.isetitem(index, values.map(lambda v: cut_text(v, limit)).tolist())
    return cut
