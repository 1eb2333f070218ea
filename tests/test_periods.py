"""Half-year parsing and the last closed half-year."""

from datetime import UTC, datetime

import pytest

from flows.periods import Period, last_closed_period, parse_period, periods_ending_at


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026H1", Period(2026, 1)),
        ("2026h2", Period(2026, 2)),
        ("2026-H1", Period(2026, 1)),
        ("2026上半年", Period(2026, 1)),
        ("2026年上半年", Period(2026, 1)),
        ("2026年下半年", Period(2026, 2)),
        ("２０２６年 下半年", Period(2026, 2)),
        ("2014S1", Period(2014, 1)),
    ],
    ids=[
        "canonical",
        "lower-h",
        "dash",
        "cn-no-nian",
        "cn-first",
        "cn-second",
        "fullwidth",
        "dhis2",
    ],
)
def test_parse_period_accepts_the_forms_offices_write(text: str, expected: Period) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize("text", ["2026H3", "2026年第三季度", "", "H1", "1999H1x"])
def test_parse_period_rejects_what_is_not_a_half_year(text: str) -> None:
    assert parse_period(text) is None


def test_period_bounds_and_neighbours() -> None:
    period = Period(2026, 1)
    assert (period.start.isoformat(), period.end.isoformat()) == ("2026-01-01", "2026-06-30")
    assert str(period.previous()) == "2025H2"
    assert str(Period(2025, 2).next()) == "2026H1"


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        # 1 July 00:30 in Shanghai is still 30 June in UTC: H1 has closed locally.
        (datetime(2026, 6, 30, 16, 30, tzinfo=UTC), "2026H1"),
        (datetime(2026, 6, 30, 15, 30, tzinfo=UTC), "2025H2"),
        (datetime(2027, 1, 5, 0, 0, tzinfo=UTC), "2026H2"),
    ],
    ids=["just-after-local-midnight", "just-before", "january-run"],
)
def test_last_closed_period_uses_shanghai_time(utc: datetime, expected: str) -> None:
    assert str(last_closed_period(utc)) == expected


def test_periods_ending_at_is_oldest_first() -> None:
    assert [str(p) for p in periods_ending_at(Period(2026, 1), 3)] == ["2025H1", "2025H2", "2026H1"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026H1", Period(2026, 1)),
        ("2026年上半年", Period(2026, 1)),
        ({"year": 2025, "half": 2}, Period(2025, 2)),
        (Period(2024, 2), Period(2024, 2)),
    ],
    ids=["canonical", "as-forms-write-it", "json-object", "already-typed"],
)
def test_coerce_parses_once_at_the_edge(value: object, expected: Period) -> None:
    assert Period.coerce(value) == expected


@pytest.mark.parametrize("value", ["2026H3", "", None, 2026], ids=["H3", "empty", "none", "int"])
def test_coerce_refuses_what_is_no_half_year(value: object) -> None:
    with pytest.raises(ValueError, match="not a half-year"):
        Period.coerce(value)


def test_a_flow_parameter_takes_and_shows_a_period_as_its_text() -> None:
    from pydantic import TypeAdapter

    adapter = TypeAdapter(Period | None)
    assert adapter.validate_python("2026年下半年") == Period(2026, 2)
    assert adapter.dump_python(Period(2026, 2), mode="json") == "2026H2"
    assert adapter.json_schema()["anyOf"][0]["type"] == "string"
