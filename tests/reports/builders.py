"""A small warehouse for the report tests: one half-year and the one before, built by hand."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import openpyxl

from flows.messages import msg
from flows.periods import Period
from flows.settings import Settings
from tests.warehouse_fixtures import LOADED_AT, insert_rows

PERIOD = "2026H1"
HALF_YEAR = Period(2026, 1)
PREVIOUS = "2025H2"
EVAL_HASH = "e" * 64
PREV_HASH = "d" * 64
HEAR_HASH = "f" * 64
BRANCH_HASH = "b" * 64
REJECTED_HASH = "0" * 64
FORMULA_COMMENT = '=HYPERLINK("evil.example","点我")'
CHROMIUM = Path("/usr/bin/chromium")


# The semiannual report's sections: each is a <section> of the HTML and a sheet of
# the XLSX.
REPORT_SECTIONS = (
    "headline",
    "by_community",
    "by_role",
    "community_role",
    "items",
    "trends",
    "members",
    "org_kinds",
    "units",
    "hearings",
    "hearing_kinds",
    "reporting",
    "gaps",
    "opinions",
    "files",
    "runs",
    "notes",
)


def form_rows(
    period: str,
    community: str,
    verdicts: dict[str, int],
    roles: dict[str, int],
    file_hash: str,
    run_id: str,
    comments: dict[int, str] | None = None,
) -> list[dict[str, Any]]:
    """One evaluation row per form: verdicts and roles handed out in order."""
    verdict_list = [v for v, n in verdicts.items() for _ in range(n)]
    role_list = [r for r, n in roles.items() for _ in range(n)]
    assert len(verdict_list) == len(role_list)
    return [
        {
            "period": period,
            "community_id": community,
            "evaluator_key": f"ev_{community.lower()}{period.lower()}{i:05d}",
            "role": role,
            "service_attitude": 5 - i % 2,
            "efficiency": 4,
            "environment": 5 - i % 3,
            "openness": 4,
            "practical_results": 5,
            "verdict": verdict,
            "comments": (comments or {}).get(i),
            "evaluated_on": date(2026, 6, 20) if period == PERIOD else date(2025, 12, 20),
            "file_hash": file_hash,
            "sheet": "评议表",
            "row_number": i + 2,
            "run_id": run_id,
            "loaded_at": LOADED_AT,
        }
        for i, (verdict, role) in enumerate(zip(verdict_list, role_list, strict=True))
    ]


def add_reference(con: duckdb.DuckDBPyConnection) -> None:
    insert_rows(
        con,
        "ref.communities",
        [
            {"community_id": "C01", "name": "东华社区", "households": 2000, "residents": 6000},
            {"community_id": "C02", "name": "西园社区", "households": 1500, "residents": 4500},
            {"community_id": "C03", "name": "南湖社区", "households": 1800, "residents": 5000},
        ],
    )
    orgs = [
        ("B01", "东华楼院党支部", "building_branch", "C01"),
        ("B02", "西园楼院党支部", "building_branch", "C02"),
        ("B03", "南湖市场党支部", "market_branch", "C03"),
        ("U01", "区税务局机关党支部", "unit_org", "C01"),
        ("U02", "区医院党委", "unit_org", "C02"),
        ("U03", "区教育局机关党支部", "unit_org", "C03"),
    ]
    insert_rows(
        con,
        "ref.organisations",
        [{"org_id": o, "name": n, "kind": k, "community_id": c} for o, n, k, c in orgs],
    )


def add_evaluations(con: duckdb.DuckDBPyConnection) -> None:
    previous = [
        *form_rows(
            PREVIOUS,
            "C01",
            {"satisfied": 25},
            {"deputy": 10, "resident_rep": 15},
            PREV_HASH,
            "run-1",
        ),
        *form_rows(
            PREVIOUS,
            "C02",
            {"satisfied": 40, "basically_satisfied": 8, "dissatisfied": 2},
            {"deputy": 20, "resident_rep": 30},
            PREV_HASH,
            "run-1",
        ),
    ]
    current = [
        # 25/25 -> 24/25: not a significant change.
        *form_rows(
            PERIOD,
            "C01",
            {"satisfied": 20, "basically_satisfied": 4, "dissatisfied": 1},
            {"deputy": 10, "resident_rep": 13, "cppcc_member": 2},
            EVAL_HASH,
            "run-2",
            comments={
                0: "希望增加停车位",
                3: FORMULA_COMMENT,
                5: "  ",
                7: "希望增加停车位",
                9: " 希望增加停车位",
            },
        ),
        # 48/50 -> 30/50: a significant drop.
        *form_rows(
            PERIOD,
            "C02",
            {"satisfied": 25, "basically_satisfied": 5, "dissatisfied": 20},
            {"deputy": 20, "resident_rep": 25, "cppcc_member": 5},
            EVAL_HASH,
            "run-2",
            comments={1: "楼道照明经常坏"},
        ),
        *form_rows(
            PERIOD,
            "C03",
            {"satisfied": 12},
            {"deputy": 6, "resident_rep": 6},
            EVAL_HASH,
            "run-2",
        ),
    ]
    insert_rows(con, "core.evaluations", previous + current)
    roster = {(r["period"], r["evaluator_key"], r["role"], r["community_id"]) for r in current}
    roster.add((PERIOD, "ev_missing00000001", "unit_rep", "C03"))
    insert_rows(
        con,
        "ref.evaluators",
        [{"period": p, "evaluator_key": k, "role": r, "community_id": c} for p, k, r, c in roster],
    )


def branch_report_rows(
    con: duckdb.DuckDBPyConnection, reports: list[tuple[str, int, int, bool, date]]
) -> None:
    """Branch reports of PERIOD from one file: (org, members, participating, took part, date)."""
    insert_rows(
        con,
        "core.branch_reports",
        [
            {
                "period": PERIOD,
                "org_id": org,
                "members_total": total,
                "members_participating": part,
                "took_part": took,
                "submitted_on": submitted,
                "file_hash": BRANCH_HASH,
                "row_number": i + 2,
                "sheet": "Sheet1",
                "run_id": "run-2",
                "loaded_at": LOADED_AT,
            }
            for i, (org, total, part, took, submitted) in enumerate(reports)
        ],
    )


def add_hearings_and_branches(con: duckdb.DuckDBPyConnection) -> None:
    lineage = {"sheet": "Sheet1", "run_id": "run-2", "loaded_at": LOADED_AT}
    hearings = [
        ("H1", "C01", "hearing", date(2026, 3, 5), 40, 0, 12, 10),
        ("H2", "C01", "home_visit", date(2026, 4, 9), 6, 120, 8, 8),
        ("H3", "C02", "consultation", date(2026, 5, 2), 25, 0, 9, 6),
    ]
    insert_rows(
        con,
        "core.hearings",
        [
            {
                "record_key": key,
                "record_id": key,
                "period": PERIOD,
                "community_id": community,
                "kind": kind,
                "held_on": held,
                "topic": "议题",
                "attendees": attendees,
                "households_visited": visited,
                "opinions_raised": raised,
                "opinions_resolved": resolved,
                "file_hash": HEAR_HASH,
                "row_number": i + 2,
                **lineage,
            }
            for i, (key, community, kind, held, attendees, visited, raised, resolved) in enumerate(
                hearings
            )
        ],
    )
    reports = [
        ("B01", 40, 38, True, date(2026, 7, 3)),
        ("B02", 30, 24, True, date(2026, 7, 20)),  # late: deadline is 15 days after 30 June
        ("B03", 10, 10, True, date(2026, 7, 1)),
        ("U01", 12, 6, True, date(2026, 7, 2)),
        ("U02", 8, 2, False, date(2026, 7, 2)),
    ]
    branch_report_rows(con, reports)


def add_bookkeeping(con: duckdb.DuckDBPyConnection) -> None:
    runs = [
        ("run-1", datetime(2026, 1, 5, 6, tzinfo=UTC), PREVIOUS),
        ("run-2", datetime(2026, 7, 5, 6, tzinfo=UTC), PERIOD),
    ]
    insert_rows(
        con,
        "meta.runs",
        [
            {"run_id": r, "started_at": t, "finished_at": t, "period": p, "status": "completed"}
            for r, t, p in runs
        ],
    )
    files = [
        (PREV_HASH, "2025下半年评议表.xlsx", "evaluations", "run-1", "loaded", 75, 75, 0),
        (EVAL_HASH, "2026上半年评议表.xlsx", "evaluations", "run-2", "loaded", 89, 87, 2),
        (HEAR_HASH, "听证记录.xlsx", "hearings", "run-2", "loaded", 3, 3, 0),
        (BRANCH_HASH, "党支部报表.csv", "branch_reports", "run-2", "loaded", 5, 5, 0),
        (REJECTED_HASH, "会议照片.xlsx", None, "run-2", "rejected", 0, 0, 0),
    ]
    insert_rows(
        con,
        "meta.files",
        [
            {
                "file_hash": h,
                "file_name": name,
                "kind": kind,
                "received_at": LOADED_AT if run == "run-2" else runs[0][1],
                "run_id": run,
                "status": status,
                "rows_read": read,
                "rows_loaded": loaded,
                "rows_quarantined": quarantined,
                "reason_zh": msg("file_unknown_kind", "zh", found="照片")
                if status == "rejected"
                else None,
                "reason_en": msg("file_unknown_kind", "en", found="照片")
                if status == "rejected"
                else None,
            }
            for h, name, kind, run, status, read, loaded, quarantined in files
        ],
    )
    receipts = [(h, name, run, status) for h, name, _k, run, status, *_ in files]
    receipts.append((EVAL_HASH, "2026上半年评议表(1).xlsx", "run-2", "duplicate"))
    insert_rows(
        con,
        "meta.file_receipts",
        [
            {
                "run_id": run,
                "file_hash": h,
                "file_name": name,
                "received_at": LOADED_AT,
                "outcome": outcome,
            }
            for h, name, run, outcome in receipts
        ],
    )


def add_quarantine(con: duckdb.DuckDBPyConnection) -> None:
    row7 = {
        "period": "2026年中",
        "community": "东华社区",
        "evaluator": "ev_0123456789abcdef",
        "role": "居民代表",
        "service_attitude": "6",
        "efficiency": "4",
        "environment": "5",
        "openness": "4",
        "practical_results": "5",
        "verdict": "满意",
        "comments": "=cmd|' /C calc'!A0",
        "evaluated_on": "2026-06-20",
    }
    row9 = {
        **row7,
        "period": "2026H1",
        "service_attitude": "5",
        "verdict": "很好",
        "comments": None,
    }
    cells = [
        (7, "period", "2026年中", "bad_period", None, row7),
        (7, "service_attitude", "6", "rating_range", None, row7),
        (9, "verdict", "很好", "bad_verdict", PERIOD, row9),
    ]
    insert_rows(
        con,
        "meta.quarantine",
        [
            {
                "run_id": "run-2",
                "file_hash": EVAL_HASH,
                "file_name": "2026上半年评议表.xlsx",
                "kind": "evaluations",
                "sheet": "评议表",
                "row_number": row,
                "column_name": column,
                "value": value,
                "rule": rule,
                "reason_zh": f"原因：{column} 填写有误",
                "reason_en": f"Reason: {column} is wrong",
                "action_zh": "请改正",
                "action_en": "Please fix it",
                "period": period,
                "row_values": json.dumps(values, ensure_ascii=False),
            }
            for row, column, value, rule, period, values in cells
        ],
    )


def report_html(settings: Settings, name: str = "report.zh.html") -> str:
    return (settings.reports_dir / PERIOD / name).read_text(encoding="utf-8")


def section_of(html: str, key: str) -> str:
    start = html.index(f'<section id="{key}">')
    return html[start : html.index("</section>", start)]


def view_rate(con: duckdb.DuckDBPyConnection, community: str | None) -> tuple[float, ...]:
    row = con.execute(
        "select rate, ci_low, ci_high from metrics.satisfaction where period = ? and role is null"
        " and definition = 'top2' and community_id is not distinct from ?",
        [PERIOD, community],
    ).fetchone()
    assert row is not None
    return tuple(float(v) for v in row)


def sheet_rows(path: Path, title: str) -> list[list[Any]]:
    sheet = openpyxl.load_workbook(path)[title]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def own_warehouse(template: Path, settings: Settings) -> Path:
    settings.home.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, settings.warehouse_path)
    return settings.warehouse_path
