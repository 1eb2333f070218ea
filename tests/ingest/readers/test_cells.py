"""Excel cell values as text: what Excel shows, dates from serials in date columns only."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.ingest.readers.cells import cell_text, is_number, is_number_type, row_texts
from tests.ingest.readers.forms import MANY, SHEET_VALUES


@pytest.mark.parametrize(
    ("value", "as_date", "text"),
    [
        pytest.param(None, False, None, id="none"),
        pytest.param("  ", False, None, id="blank"),
        pytest.param(" 东风 ", False, "东风", id="stripped"),
        pytest.param(98.0, False, "98", id="whole-float"),
        pytest.param(4.5, False, "4.5", id="float"),
        pytest.param(0.1 + 0.2, False, "0.3", id="float-15-digits"),
        pytest.param(13800138000.0, False, "13800138000", id="phone-number"),
        pytest.param(7, False, "7", id="int"),
        pytest.param(True, False, "TRUE", id="true"),
        pytest.param(False, True, "FALSE", id="false-in-date-column"),
        pytest.param(46086.0, True, "2026-03-05", id="date-serial"),
        pytest.param(46086.0, False, "46086", id="serial-outside-date-column"),
        pytest.param(46086.5, True, "2026-03-05 12:00:00", id="datetime-serial"),
        pytest.param(dt.date(2026, 3, 5), False, "2026-03-05", id="date"),
        pytest.param(dt.datetime(2026, 3, 5), False, "2026-03-05", id="midnight"),
        pytest.param(dt.time(9, 30), False, "09:30:00", id="time"),
    ],
)
def test_cell_text(value: object, as_date: bool, text: str | None) -> None:
    assert cell_text(value, as_date) == text


@MANY
@given(row=st.lists(st.one_of(st.just(""), SHEET_VALUES), max_size=12))
def test_row_texts_are_the_cell_texts(row: list[object]) -> None:
    # Read twice: the second time the remembered texts of floats and dates are used.
    expected = [cell_text(value) for value in row]
    assert row_texts(row) == expected
    assert row_texts(row) == expected


@pytest.mark.parametrize(
    ("value", "number"),
    [
        pytest.param(46086, True, id="int"),
        pytest.param(46086.5, True, id="float"),
        pytest.param(True, False, id="bool"),
        pytest.param("46086", False, id="text"),
        pytest.param(dt.date(2026, 3, 5), False, id="date"),
    ],
)
def test_only_numbers_are_read_as_date_serials(value: object, number: bool) -> None:
    assert is_number(value) is number
    assert is_number_type(type(value)) is number
