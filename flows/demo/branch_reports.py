"""The half-yearly reports of party branches and co-building unit organisations."""

from __future__ import annotations

import random

from flows.demo.draws import apportion, rng_for
from flows.demo.entities import Organisation, Row
from flows.demo.halfyears import after_period, period_text
from flows.periods import Period


def branch_members(seed: int, prefix: str, organisations: list[Organisation]) -> dict[str, int]:
    """Members per organisation of one subdistrict: 47 branches, about 1,755 members in all."""
    rng = rng_for(seed, "members", prefix)
    members: dict[str, int] = {}
    for kinds, total, low, high in (
        (("building_branch",), 1_240, 0.55, 1.45),
        (("market_branch", "enterprise_branch"), 280, 0.75, 1.25),
        (("temporary_branch",), 235, 0.6, 1.4),
    ):
        group = [o.org_id for o in organisations if o.kind in kinds]
        sizes = apportion(total, [rng.uniform(low, high) for _ in group])
        members.update(zip(group, sizes, strict=True))
    for org in organisations:
        if org.kind == "unit_org":
            members[org.org_id] = rng.randint(40, 200)
    return members


def _branch_report(rng: random.Random, org: Organisation, members: int) -> Row:
    """The report of one branch: about 90% of members take part in community work."""
    floating = members if org.kind == "temporary_branch" else rng.randint(0, 6)
    return {
        "members_total": members,
        "members_participating": round(members * min(1.0, rng.gauss(0.9, 0.04))),
        "in_service_registered": rng.randint(0, 12) if org.kind == "building_branch" else None,
        "floating_members": floating,
        "activities": rng.randint(2, 12),
        "took_part": None,
    }


def _unit_report(rng: random.Random, members: int, took_part: bool) -> Row:
    """The report of a co-building unit organisation: whether it took part, and how many."""
    return {
        "members_total": members,
        "members_participating": round(members * rng.uniform(0.1, 0.4)) if took_part else 0,
        "in_service_registered": rng.randint(3, 30),
        "floating_members": 0,
        "activities": rng.randint(1, 6) if took_part else 0,
        "took_part": "是" if took_part else "否",
    }


def branch_reports(
    seed: int, period: Period, prefix: str, organisations: list[Organisation]
) -> list[Row]:
    """Reports of one subdistrict's active organisations, one to three of them missing."""
    rng = rng_for(seed, "branch_reports", period, prefix)
    active = [o for o in organisations if o.is_active(period)]
    members = {
        org_id: max(1, size + rng.randint(-2, 2))
        for org_id, size in branch_members(seed, prefix, organisations).items()
    }
    overseen = sum(
        members[o.org_id] for o in active if o.kind in ("market_branch", "enterprise_branch")
    )
    units = [o.org_id for o in active if o.kind == "unit_org"]
    taking_part = set(rng.sample(units, round(len(units) * rng.uniform(0.66, 0.76))))
    missing = set(rng.sample([o.org_id for o in active], min(len(active), rng.randint(1, 3))))
    written_period = period_text(rng, period)
    reports: list[Row] = []
    for org in active:
        if org.kind == "unit_org":
            report = _unit_report(rng, members[org.org_id], org.org_id in taking_part)
        elif org.kind == "economic_committee":
            report = _branch_report(rng, org, overseen) | {"floating_members": None}
        else:
            report = _branch_report(rng, org, members[org.org_id])
        report["period"] = written_period
        report["org"] = org.org_id if rng.random() < 0.5 else org.name
        report["submitted_on"] = after_period(rng, period, 0.06)
        if org.org_id not in missing:
            reports.append(report)
    return reports
