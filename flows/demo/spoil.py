"""Deliberately wrong rows: a few of each kind the pipeline must catch, per half-year."""

from __future__ import annotations

import random
from typing import Final

from flows.datasets import Kind
from flows.demo.draws import rng_for
from flows.demo.entities import Round, Row
from flows.demo.evaluations import RATING_COLUMNS
from flows.periods import Period

# Every kind of deliberately wrong row, by dataset: what the row looks like and which rule
# of the pipeline should catch it. A few of each are written per period and subdistrict.
BAD_ROWS: Final[dict[Kind, dict[str, str]]] = {
    "evaluations": {
        "rating_out_of_range": "one item rated 6 or 0 (ratings are 1 to 5)",
        "unknown_verdict": "overall verdict 一般, not 满意 / 基本满意 / 不满意",
        "unknown_community": "a community name that is not in the registry",
        "duplicate_form": "the same evaluator's form twice in one file",
        "missing_verdict": "overall verdict left empty",
    },
    "hearings": {
        "resolved_over_raised": "more opinions resolved than raised",
        "negative_attendees": "a negative number of attendees",
        "unparseable_date": "a date that is no date (2026-02-30, 三月中旬)",
        "unknown_kind": "a kind that is not 听证会 / 恳谈会 / 入户走访 (座谈会)",
    },
    "branch_reports": {
        "participating_over_total": "more members participating than members in total",
        "unknown_org": "an organisation that is not in the registry",
        "invalid_period": "a period that is no half-year (2026H3, 2026年第三季度)",
    },
}
_UNKNOWN_COMMUNITIES: Final = ("东风社区", "向阳社区", "光华社区", "幸福里社区")
_UNKNOWN_ORGS: Final = ("幸福里社区第五楼院党支部", "B99", "市邮政管理局机关党委")


def _pick(rng: random.Random, rows: list[Row], used: set[int]) -> Row:
    """A row not yet made bad (falls back to any row in tiny tables)."""
    fresh = [r for r in rows if id(r) not in used] or rows
    row = rng.choice(fresh)
    used.add(id(row))
    return row


def _spoil_evaluations(
    rng: random.Random, forms: dict[str, list[Row]], unknown_community: str
) -> None:
    """Make a few evaluation forms wrong in each way of BAD_ROWS["evaluations"]."""
    used: set[int] = set()
    communities = [cid for cid, rows in forms.items() if rows]
    if not communities:
        return
    for defect in BAD_ROWS["evaluations"]:
        for _ in range(rng.randint(1, 2)):
            rows = forms[rng.choice(communities)]
            row = _pick(rng, rows, used)
            if defect == "rating_out_of_range":
                row[rng.choice(RATING_COLUMNS)] = rng.choice((6, 0))
            elif defect == "unknown_verdict":
                row["verdict"] = "一般"
            elif defect == "unknown_community":
                row["community"] = unknown_community
            elif defect == "missing_verdict":
                row["verdict"] = None
            else:
                rows.insert(rng.randint(0, len(rows)), dict(row))


def _spoil_hearings(rng: random.Random, records: list[Row], period: Period) -> None:
    """Make a few hearing records wrong in each way of BAD_ROWS["hearings"]."""
    used: set[int] = set()
    if not records:
        return
    for defect in BAD_ROWS["hearings"]:
        for _ in range(rng.randint(1, 2)):
            record = _pick(rng, records, used)
            if defect == "resolved_over_raised":
                record["opinions_resolved"] = record["opinions_raised"] + rng.randint(1, 3)
            elif defect == "negative_attendees":
                record["attendees"] = -record["attendees"]
            elif defect == "unparseable_date":
                record["held_on"] = rng.choice((f"{period.year}-02-30", "三月中旬"))
            else:
                record["kind"] = "座谈会"


def _spoil_branch_reports(rng: random.Random, reports: list[Row], period: Period) -> None:
    """Make a few branch reports wrong in each way of BAD_ROWS["branch_reports"]."""
    used: set[int] = set()
    if not reports:
        return
    for defect in BAD_ROWS["branch_reports"]:
        for _ in range(rng.randint(1, 2)):
            report = _pick(rng, reports, used)
            if defect == "participating_over_total":
                report["members_participating"] = report["members_total"] + rng.randint(1, 5)
            elif defect == "invalid_period":
                report["period"] = rng.choice((f"{period.year}H3", f"{period.year}年第三季度"))
            else:
                extra = dict(report) | {"org": rng.choice(_UNKNOWN_ORGS)}
                reports.insert(rng.randint(0, len(reports)), extra)


def spoil_round(
    seed: int, period: Period, prefix: str, round_: Round, known_names: set[str]
) -> None:
    """Add the deliberately bad rows of BAD_ROWS to one subdistrict's half-year."""
    rng = rng_for(seed, "bad_rows", period, prefix)
    unknown = next(n for n in _UNKNOWN_COMMUNITIES if n not in known_names)
    _spoil_evaluations(rng, round_.forms, unknown)
    _spoil_hearings(rng, round_.hearings, period)
    _spoil_branch_reports(rng, round_.reports, period)
