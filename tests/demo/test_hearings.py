"""Hearing records: meetings and home visits of the half-year, numbered by date, adding up."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from flows.datasets import HEARING_KINDS
from flows.demo.entities import Community
from flows.demo.hearings import hearing_records
from flows.periods import Period
from flows.settings import Settings
from tests.demo.readback import files_of, is_iso_date, read_hearings


def test_records_are_numbered_in_date_order_within_the_half_year() -> None:
    period = Period(2026, 2)
    small = Community("S0002-C04", "小区社区", 300, 900)
    records = hearing_records(2026, period, small)
    kinds = Counter(r["kind"] for r in records)
    assert kinds["入户走访"] >= 6
    assert 2 <= kinds["听证会"] + kinds["恳谈会"] <= 5
    assert [r["record_id"] for r in records] == [
        f"H2026H2-S0002-C04-{n:03d}" for n in range(1, len(records) + 1)
    ]
    days = [r["held_on"] for r in records]
    assert days == sorted(days)
    assert period.start <= days[0] and days[-1] <= period.end
    assert len({r["community"] for r in records}) == 1
    assert records[0]["community"] in (small.name, small.community_id)
    for record in records:
        assert 0 <= record["opinions_resolved"] <= record["opinions_raised"]
        assert (record["households_visited"] is not None) == (record["kind"] == "入户走访")


def test_more_households_get_more_visits() -> None:
    period = Period(2026, 1)

    def visits(households: int) -> int:
        community = Community("C01", "和平社区", households, households * 3)
        return sum(r["kind"] == "入户走访" for r in hearing_records(2026, period, community))

    # One round of visits per 120-200 households, at least six.
    assert visits(600) == 6
    assert 4_000 // 200 <= visits(4_000) <= 4_000 // 120 + 1


def test_hearing_records_add_up(demo: tuple[Settings, list[Path]]) -> None:
    _, paths = demo
    records = [r for path in files_of(paths, "听证") for r in read_hearings(path)]
    good = [
        r
        for r in records
        if r["kind"] in HEARING_KINDS
        and is_iso_date(r["held_on"])
        and int(r["attendees"]) >= 0
        and int(r["opinions_resolved"]) <= int(r["opinions_raised"])
    ]
    assert len(good) >= 0.95 * len(records)
    for record in good:
        split = int(record["residents"]) + int(record["deputies"]) + int(record["party_members"])
        assert split <= int(record["attendees"])
        assert (record["households_visited"] != "") == (record["kind"] == "入户走访")
        assert re.fullmatch(r"H\d{4}H[12]-C0\d-\d{3}", record["record_id"])
    meetings = Counter(r["kind"] for r in good)
    assert meetings["入户走访"] > meetings["听证会"] + meetings["恳谈会"] > 0
