"""Excel cell values as the text Excel shows: numbers to 15 digits, date serials, booleans."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final

from flows.ingest.readers.common import TextRow

EXCEL_EPOCH: Final = dt.datetime(1899, 12, 30)
# Excel serials from 1900-03-01 up to 9999-12-31 (the 1900 leap-year bug sits below 61).
EXCEL_SERIALS: Final = (61.0, 2958466.0)


def cell_text(value: object, as_date: bool = False) -> str | None:
    """A cell value as faithful, stripped text; None for an empty cell.

    Excel keeps 15 significant digits, so floats are rounded to those before their
    shortest form (0.30000000000000004 shows as 0.3 in Excel and here). With ``as_date``,
    a number is read as an Excel date serial (1900 date system).
    """
    if isinstance(value, str):
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        if as_date and EXCEL_SERIALS[0] <= value < EXCEL_SERIALS[1]:
            return _datetime_text(EXCEL_EPOCH + dt.timedelta(days=float(value)))
        return _number_text(value)
    if isinstance(value, dt.datetime):
        return _datetime_text(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip() or None


def _number_text(value: int | float) -> str:
    """A number as Excel shows it in a General cell: 98.0 -> "98", 4.5 -> "4.5"."""
    if isinstance(value, int):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(f"{value:.15g}"))


def _datetime_text(value: dt.datetime) -> str:
    """ISO date, with the time of day only when there is one."""
    # Serials carry float noise: round to the second before deciding there is a time.
    value = (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
    if value.time() == dt.time(0, 0):
        return value.date().isoformat()
    return value.isoformat(sep=" ")


def row_texts(row: Sequence[object]) -> TextRow:
    """``cell_text`` of each value of a row (none read as a date); text, numbers and dates
    inline, number texts remembered (sheets repeat the same few numbers)."""
    known = _VALUE_TEXTS.get
    return [
        (value.strip() or None)
        if type(value) is str
        else (known(value) or _value_text(value))
        if type(value) is float or type(value) is dt.date
        else cell_text(value)
        for value in row
    ]


# Texts of floats and dates by value. Equal values have equal texts (0.0 and -0.0 both read
# "0"), and a float never equals a date.
_VALUE_TEXTS: dict[float | dt.date, str] = {}


def _value_text(value: float | dt.date) -> str:
    """``cell_text`` of a float or a date (never empty), remembered."""
    if len(_VALUE_TEXTS) >= 1 << 16:
        _VALUE_TEXTS.clear()
    text = _VALUE_TEXTS[value] = str(cell_text(value))
    return text


def is_number(value: object) -> bool:
    """Whether ``cell_text`` reads the value as a date serial in a date column."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_number_type(kind: type) -> bool:
    """Whether values of this type are numbers to ``is_number``."""
    return issubclass(kind, int | float) and not issubclass(kind, bool)
