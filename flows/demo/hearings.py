"""The hearing records a community keeps: hearings, consultation meetings and home visits."""

from __future__ import annotations

import random

from flows.demo.draws import rng_for
from flows.demo.entities import Community, Row
from flows.demo.halfyears import day_within
from flows.demo.opinions import hearing_topic
from flows.periods import Period


def _meeting(rng: random.Random, period: Period) -> Row:
    """A hearing or consultation meeting: tens of attendees, a handful of opinions."""
    deputies, party_members = rng.randint(2, 8), rng.randint(5, 20)
    residents = rng.randint(10, 60)
    raised = rng.randint(3, 15)
    kind = rng.choice(("听证会", "恳谈会"))
    held_on = day_within(rng, period)
    return {
        "kind": kind,
        "held_on": held_on,
        "topic": hearing_topic(rng, kind),
        "attendees": residents + deputies + party_members + rng.randint(0, 5),
        "residents": residents,
        "deputies": deputies,
        "party_members": party_members,
        "households_visited": None,
        "opinions_raised": raised,
        "opinions_resolved": sum(rng.random() < 0.85 for _ in range(raised)),
    }


def _home_visit(rng: random.Random, period: Period) -> Row:
    """A round of door-to-door visits by a few staff, deputies and party members."""
    residents, deputies, party_members = rng.randint(0, 2), rng.randint(0, 2), rng.randint(1, 4)
    raised = rng.randint(0, 12)
    return {
        "kind": "入户走访",
        "held_on": day_within(rng, period),
        "topic": hearing_topic(rng, "入户走访"),
        "attendees": residents + deputies + party_members + rng.randint(1, 3),
        "residents": residents,
        "deputies": deputies,
        "party_members": party_members,
        "households_visited": rng.randint(15, 50),
        "opinions_raised": raised,
        "opinions_resolved": sum(rng.random() < 0.8 for _ in range(raised)),
    }


def hearing_records(seed: int, period: Period, community: Community) -> list[Row]:
    """One community's meetings and home visits of the half-year, numbered by date."""
    rng = rng_for(seed, "hearings", period, community.community_id)
    visits = max(6, round(community.households / rng.uniform(120, 200)))
    records = [_meeting(rng, period) for _ in range(rng.randint(2, 5))]
    records += [_home_visit(rng, period) for _ in range(visits)]
    records.sort(key=lambda r: r["held_on"])
    by_name = rng.random() < 0.7
    for number, record in enumerate(records, start=1):
        record["record_id"] = f"H{period}-{community.community_id}-{number:03d}"
        record["community"] = community.name if by_name else community.community_id
    return records
