"""Reports: the semiannual report (HTML, XLSX), the quality report and corrections workbooks."""

from __future__ import annotations

import json
import math
import os
import pickle
import random
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import openpyxl
import pytest
import xlsxwriter

from flows import reports
from flows.datasets import COLUMNS, HEARING_KINDS, ORG_KINDS, RATING_ITEMS, ROLES
from flows.messages import msg
from flows.periods import Period
from flows.reports import (
    CORRECTION_SHEET,
    SUPPRESSED,
    change_test,
    headline_markdown,
    looks_like_formula,
    quality_rows,
    safe_cell,
    suppressed_cells,
    write_reports,
)
from flows.settings import Settings
from tests.warehouse_fixtures import make_warehouse

PERIOD = "2026H1"
HALF_YEAR = Period(2026, 1)
PREVIOUS = "2025H2"
EVAL_HASH = "e" * 64
PREV_HASH = "d" * 64
HEAR_HASH = "f" * 64
BRANCH_HASH = "b" * 64
REJECTED_HASH = "0" * 64
LOADED_AT = datetime(2026, 7, 5, 6, 0, tzinfo=UTC)
FORMULA_COMMENT = '=HYPERLINK("evil.example","点我")'
CHROMIUM = Path("/usr/bin/chromium")


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        con.execute(f"insert into {table} ({columns}) values ({marks})", list(row.values()))


def _forms(
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


def _reference(con: duckdb.DuckDBPyConnection) -> None:
    _insert(
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
    _insert(
        con,
        "ref.organisations",
        [{"org_id": o, "name": n, "kind": k, "community_id": c} for o, n, k, c in orgs],
    )


def _evaluations(con: duckdb.DuckDBPyConnection) -> None:
    previous = [
        *_forms(
            PREVIOUS,
            "C01",
            {"satisfied": 25},
            {"deputy": 10, "resident_rep": 15},
            PREV_HASH,
            "run-1",
        ),
        *_forms(
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
        *_forms(
            PERIOD,
            "C01",
            {"satisfied": 20, "basically_satisfied": 4, "dissatisfied": 1},
            {"deputy": 10, "resident_rep": 13, "cppcc_member": 2},
            EVAL_HASH,
            "run-2",
            comments={0: "希望增加停车位", 3: FORMULA_COMMENT, 5: "  "},
        ),
        # 48/50 -> 30/50: a significant drop.
        *_forms(
            PERIOD,
            "C02",
            {"satisfied": 25, "basically_satisfied": 5, "dissatisfied": 20},
            {"deputy": 20, "resident_rep": 25, "cppcc_member": 5},
            EVAL_HASH,
            "run-2",
            comments={1: "楼道照明经常坏"},
        ),
        *_forms(
            PERIOD,
            "C03",
            {"satisfied": 12},
            {"deputy": 6, "resident_rep": 6},
            EVAL_HASH,
            "run-2",
        ),
    ]
    _insert(con, "core.evaluations", previous + current)
    roster = {(r["period"], r["evaluator_key"], r["role"], r["community_id"]) for r in current}
    roster.add((PERIOD, "ev_missing00000001", "unit_rep", "C03"))
    _insert(
        con,
        "ref.evaluators",
        [{"period": p, "evaluator_key": k, "role": r, "community_id": c} for p, k, r, c in roster],
    )


def _branch_reports(
    con: duckdb.DuckDBPyConnection, reports: list[tuple[str, int, int, bool, date]]
) -> None:
    """Branch reports of PERIOD from one file: (org, members, participating, took part, date)."""
    _insert(
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


def _hearings_and_branches(con: duckdb.DuckDBPyConnection) -> None:
    lineage = {"sheet": "Sheet1", "run_id": "run-2", "loaded_at": LOADED_AT}
    hearings = [
        ("H1", "C01", "hearing", date(2026, 3, 5), 40, 0, 12, 10),
        ("H2", "C01", "home_visit", date(2026, 4, 9), 6, 120, 8, 8),
        ("H3", "C02", "consultation", date(2026, 5, 2), 25, 0, 9, 6),
    ]
    _insert(
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
    _branch_reports(con, reports)


def _bookkeeping(con: duckdb.DuckDBPyConnection) -> None:
    runs = [
        ("run-1", datetime(2026, 1, 5, 6, tzinfo=UTC), PREVIOUS),
        ("run-2", datetime(2026, 7, 5, 6, tzinfo=UTC), PERIOD),
    ]
    _insert(
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
    _insert(
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
    _insert(
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


def _quarantine(con: duckdb.DuckDBPyConnection) -> None:
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
    _insert(
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


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    """Settings pointed at a fresh home in tmp_path."""
    return Settings(home=tmp_path / "home")


@pytest.fixture(scope="module")
def template_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small warehouse with two half-years of data, built once and copied by each test."""
    home = tmp_path_factory.mktemp("template")
    path = home / "warehouse.duckdb"
    con = make_warehouse(home)
    _reference(con)
    _evaluations(con)
    _hearings_and_branches(con)
    _bookkeeping(con)
    _quarantine(con)
    con.close()
    return path


@pytest.fixture()
def warehouse(template_warehouse: Path, settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """The test's own copy of the warehouse, opened read-only as the reports are."""
    settings.home.mkdir(parents=True)
    shutil.copy(template_warehouse, settings.warehouse_path)
    reader = duckdb.connect(str(settings.warehouse_path), read_only=True)
    yield reader
    reader.close()


@pytest.fixture()
def written(warehouse: duckdb.DuckDBPyConnection, settings: Settings) -> list[Path]:
    """The reports written in Chinese."""
    return write_reports(warehouse, settings, HALF_YEAR, run_id="run-2")


def _html(settings: Settings, name: str = "report.zh.html") -> str:
    return (settings.reports_dir / PERIOD / name).read_text(encoding="utf-8")


def _section(html: str, key: str) -> str:
    start = html.index(f'<section id="{key}">')
    return html[start : html.index("</section>", start)]


def _view_rate(con: duckdb.DuckDBPyConnection, community: str | None) -> tuple[float, ...]:
    row = con.execute(
        "select rate, ci_low, ci_high from metrics.satisfaction where period = ? and role is null"
        " and definition = 'top2' and community_id is not distinct from ?",
        [PERIOD, community],
    ).fetchone()
    assert row is not None
    return tuple(float(v) for v in row)


def _sheet_rows(path: Path, title: str) -> list[list[Any]]:
    sheet = openpyxl.load_workbook(path)[title]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


# Pure logic


@pytest.mark.parametrize(
    ("counts", "significant"),
    [
        pytest.param((24, 25, 25, 25), False, id="25of25-to-24of25"),
        pytest.param((30, 50, 48, 50), True, id="48of50-to-30of50"),
        pytest.param((25, 25, 25, 25), False, id="unchanged"),
    ],
)
def test_change_test_flags_only_real_changes(
    counts: tuple[int, int, int, int], significant: bool
) -> None:
    result = change_test(*counts)
    assert result is not None
    assert result.significant is significant
    assert result.p_value == pytest.approx(_fisher_two_sided(*counts))


def _fisher_two_sided(a: int, n1: int, c: int, n2: int) -> float:
    """Fisher's two-sided p by summing hypergeometric probabilities no larger than observed."""
    total, successes = n1 + n2, a + c

    def prob(x: int) -> float:
        return math.comb(n1, x) * math.comb(n2, successes - x) / math.comb(total, successes)

    observed = prob(a)
    support = range(max(0, successes - n2), min(n1, successes) + 1)
    return min(1.0, sum(prob(x) for x in support if prob(x) <= observed * (1 + 1e-7)))


def test_change_test_without_previous_is_none() -> None:
    assert change_test(10, 10, 0, 0) is None


@pytest.mark.parametrize(
    ("sizes", "groups", "hidden"),
    [
        pytest.param({"a": 10, "b": 12}, (), set(), id="none-small"),
        pytest.param({"a": 2, "b": 12, "c": 20}, (), {"a", "b"}, id="complement-smallest"),
        pytest.param({"a": 2, "b": 1, "c": 20}, (), {"a", "b"}, id="two-small-enough"),
        pytest.param(
            {("x", "r1"): 2, ("x", "r2"): 10, ("y", "r1"): 9, ("y", "r2"): 11},
            (lambda k: k[0], lambda k: k[1]),
            {("x", "r1"), ("x", "r2"), ("y", "r1"), ("y", "r2")},
            id="grid-rows-and-columns",
        ),
    ],
)
def test_suppressed_cells(sizes: dict[Any, int], groups: Any, hidden: set[Any]) -> None:
    assert suppressed_cells(sizes, 3, groups) == hidden


@pytest.mark.parametrize(
    "text",
    ["=1+2", "+SUM(A1)", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("x")'],
    ids=["equals", "plus", "minus", "at", "tab", "cr", "hyperlink"],
)
def test_safe_cell_writes_formula_like_text_as_text(tmp_path: Path, text: str) -> None:
    path = tmp_path / "cells.xlsx"
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    sheet = workbook.add_worksheet()
    safe_cell(sheet, 0, 0, text)
    safe_cell(sheet, 1, 0, 0.5)
    workbook.close()
    cells = openpyxl.load_workbook(path).active
    assert cells is not None
    assert looks_like_formula(text)
    assert cells["A1"].data_type == "s"
    # xlsxwriter stores a carriage return as the XML escape _x000D_, which openpyxl keeps.
    assert str(cells["A1"].value).replace("_x000D_", "\r") == text
    assert cells["A2"].value == 0.5


# The semiannual report


def test_writes_every_report(written: list[Path], settings: Settings) -> None:
    folder = settings.reports_dir / PERIOD
    assert written[:3] == [
        folder / "report.zh.html",
        folder / "report.zh.xlsx",
        folder / "quality.zh.html",
    ]
    assert written[3:] == [folder / "corrections" / "2026上半年评议表.corrections.xlsx"]
    assert all(p.is_file() for p in written)
    assert not list(folder.rglob("*.tmp"))


def test_html_has_every_section(written: list[Path], settings: Settings) -> None:
    html = _html(settings)
    for key in (
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
    ):
        assert f'<section id="{key}">' in html, key
    assert msg("report.title", "zh", period=PERIOD) in html
    assert "Fisher" in html and "0.05" in html
    assert msg("report.note.suppression", "zh", min_cell=settings.min_cell_size) in html


def test_headline_names_definition_and_matches_warehouse(
    written: list[Path], settings: Settings, warehouse: duckdb.DuckDBPyConnection
) -> None:
    headline = _html(settings).split("<nav>")[0]
    rate, low, high = _view_rate(warehouse, None)
    assert rate == pytest.approx(66 / 87)  # 24/25 + 30/50 + 12/12
    assert f"{rate:.1%}" in headline
    assert f"{low:.1%}" in headline and f"{high:.1%}" in headline
    assert "满意+基本满意" in headline
    assert "98%" in headline
    # Members: branches only (B01-B03): 72 of 80; units: 1 of 3 took part.
    assert "90.0%" in headline and "72 / 80" in headline
    assert "33.3%" in headline and "1 / 3" in headline


def test_community_figures_match_warehouse(
    written: list[Path], settings: Settings, warehouse: duckdb.DuckDBPyConnection
) -> None:
    section = _section(_html(settings), "by_community")
    for community in ("C01", "C02", "C03"):
        rate, low, high = _view_rate(warehouse, community)
        for value in (rate, low, high):
            assert f"{value:.1%}" in section
    assert "<svg" in section and "<text" in section and "东华社区" in section
    # Sorted by rate: 南湖 100%, 东华 96%, 西园 60%.
    assert section.index("南湖社区") < section.index("东华社区") < section.index("西园社区")


def test_english_report(warehouse: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    paths = write_reports(warehouse, settings, HALF_YEAR, lang="en")
    html = paths[0].read_text(encoding="utf-8")
    assert paths[0].name == "report.en.html"
    assert '<html lang="en">' in html
    assert msg("report.title", "en", period=PERIOD) in html
    assert "top-two-box" in html
    assert "Fisher" in html and "exact test" in html


def test_no_external_url(written: list[Path]) -> None:
    for path in written:
        if path.suffix != ".html":
            continue
        html = path.read_text(encoding="utf-8")
        assert "http://" not in html and "https://" not in html, path.name
        assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:[a-z]+:)?//""", html), path.name
        assert "@import" not in html and "<script" not in html and "<link" not in html


def test_fisher_flags_only_the_real_drop(written: list[Path], settings: Settings) -> None:
    rows = _sheet_rows(written[1], msg("report.section.by_community", "zh"))
    header, data = rows[0], {r[0]: r for r in rows[1:] if r[0]}
    test = header.index(msg("report.col.change_test", "zh"))
    assert data["东华社区"][test] == msg("report.not_significant", "zh")
    assert data["西园社区"][test] == msg("report.significant", "zh")
    change = header.index(msg("report.col.change", "zh"))
    assert data["西园社区"][change] == pytest.approx(30 / 50 - 48 / 50)
    assert data["南湖社区"][test] is None  # no previous half-year


def test_small_cells_are_suppressed(written: list[Path], settings: Settings) -> None:
    rows = _sheet_rows(written[1], msg("report.section.community_role", "zh"))
    cells = {(r[0], r[1]): r[2:] for r in rows[1:] if r[1]}
    # 东华社区 has 2 CPPCC members: hidden, and its smallest neighbour with it.
    assert set(cells[("东华社区", "政协委员")]) == {"—"}
    assert set(cells[("东华社区", "人大代表")]) == {"—"}
    # The CPPCC column would then give 西园社区's cell away from the role total, and so on
    # through rows (community totals) and columns (role totals) until no cell stands alone.
    assert set(cells[("西园社区", "政协委员")]) == {"—"}
    assert set(cells[("南湖社区", "人大代表")]) == {"—"}
    assert set(cells[("东华社区", "居民代表")]) == {"—"}
    assert cells[("西园社区", "居民代表")][0] == 25
    section = _section(_html(settings), "community_role")
    assert "—" in section
    assert msg("report.note.suppression", "zh", min_cell=settings.min_cell_size) in section


def test_xlsx_sheets_formats_and_frozen_headers(written: list[Path]) -> None:
    workbook = openpyxl.load_workbook(written[1])
    for key in (
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
    ):
        assert msg(f"report.section.{key}", "zh")[:31] in workbook.sheetnames, key
    sheet = workbook[msg("report.section.by_community", "zh")]
    header = [c.value for c in sheet[1]]
    rate = header.index(msg("report.col.rate", "zh")) + 1
    assert sheet.cell(row=2, column=rate).number_format == "0.0%"
    assert isinstance(sheet.cell(row=2, column=rate).value, int | float)
    assert sheet.freeze_panes in ("A2", "B2")
    assert sheet.cell(row=1, column=1).font.bold
    assert sheet.column_dimensions["A"].width >= 8
    members = workbook[msg("report.section.members", "zh")]
    assert members.cell(row=2, column=4).number_format == "0.0%"


def test_opinions_without_identity(written: list[Path], settings: Settings) -> None:
    section = _section(_html(settings), "opinions")
    assert "希望增加停车位" in section and "楼道照明经常坏" in section
    assert "ev_" not in section
    for role in ("deputy", "cppcc_member", "resident_rep", "unit_rep"):
        assert msg(f"report.role.{role}", "zh") not in section
    assert section.count('<td class="opinion">') == 3  # the blank opinion is left out
    sheet = openpyxl.load_workbook(written[1])[msg("report.section.opinions", "zh")]
    formula = [c for row in sheet.iter_rows() for c in row if c.value == FORMULA_COMMENT]
    assert formula and formula[0].data_type == "s"


def test_gaps_name_missing_and_late(written: list[Path], settings: Settings) -> None:
    section = _section(_html(settings), "gaps")
    assert "西园楼院党支部" in section and msg("report.status.late", "zh") in section
    assert "区教育局机关党支部" in section and msg("report.status.missing", "zh") in section
    assert "单位代表" in section and "ev_missing" not in section


def test_traceability_lists_files_and_runs(written: list[Path], settings: Settings) -> None:
    html = _html(settings)
    files = _section(html, "files")
    assert "2026上半年评议表.xlsx" in files and EVAL_HASH[:12] in files
    assert "2025下半年评议表.xlsx" not in files
    assert "run-2" in _section(html, "runs")


def test_headline_markdown(warehouse: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    text = headline_markdown(warehouse, settings, HALF_YEAR, lang="en")
    assert f"{66 / 87:.1%}" in text and "top-two-box" in text
    assert "| Party members taking part in community work | 90.0%" in text


# The quality report and corrections


def test_quality_report(written: list[Path], settings: Settings) -> None:
    html = _html(settings, "quality.zh.html")
    for name in ("2026上半年评议表.xlsx", "听证记录.xlsx", "党支部报表.csv", "会议照片.xlsx"):
        assert name in html
    assert msg("file_unknown_kind", "zh", found="照片") in html
    assert msg("report.outcome.duplicate", "zh") in html
    quarantine = _section(html, "quarantine")
    assert "原因：verdict 填写有误" in quarantine and "请改正" in quarantine
    assert "总体评价" in quarantine  # column shown by its Chinese header
    # Row 7's period cannot be read, but its file's other rows are of 2026H1: it is listed there.
    assert "原因：period 填写有误" in quarantine and "2026年中" in quarantine
    assert "2025下半年评议表.xlsx" not in html


def _quarantined_cells(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute(
        "select count(*) from (select distinct file_hash, sheet, row_number, column_name,"
        " reason_zh from metrics._open_quarantine where period = ?)",
        [PERIOD],
    ).fetchone()
    assert row is not None
    return int(row[0])


def _int_cells(section: str, column: int) -> list[int]:
    rows = re.findall(r"<tr>(.*?)</tr>", section, flags=re.S)
    values = []
    for row in rows:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        if len(cells) > column:
            values.append(int(cells[column].replace(",", "")))
    return values


def test_quality_report_lists_a_bounded_number_of_cells(
    template_warehouse: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A national half-year has 175,000 quarantined cells: the page lists the first ones, after
    a summary by reason that still counts every one of them."""
    settings.home.mkdir(parents=True)
    shutil.copy(template_warehouse, settings.warehouse_path)
    with duckdb.connect(str(settings.warehouse_path)) as con:  # copies of the cell
        for offset in (100, 200):
            con.execute(
                "insert into meta.quarantine select * replace (row_number + ? as row_number)"
                " from meta.quarantine where period = ?",
                [offset, PERIOD],
            )
    monkeypatch.setattr(reports, "LISTED_QUARANTINE_CELLS", 1)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        total = _quarantined_cells(con)
        write_reports(con, settings, HALF_YEAR, run_id="run-2")
    # The cell, its copy, their two copies, and row 7's two cells (its file's half-year).
    assert total == 4 + 2
    html = _html(settings, "quality.zh.html")
    listed = _section(html, "quarantine")
    assert len(re.findall(r"<tr>", listed)) == 1 + 1  # header and the one cell
    assert msg("report.quality.cells_listed", "zh", listed="1", total=f"{total:,}") in listed
    reasons = _section(html, "quarantine_reasons")
    assert sum(_int_cells(reasons, 4)) == total
    assert "原因：verdict 填写有误" in reasons


def test_quality_report_counts_many_corrections_workbooks(
    warehouse: duckdb.DuckDBPyConnection, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reports, "NAMED_CORRECTIONS", 0)
    written = write_reports(warehouse, settings, HALF_YEAR, run_id="run-2")
    workbooks = [p for p in written if p.parent.name == "corrections"]
    html = _html(settings, "quality.zh.html")
    assert workbooks
    assert msg("report.quality.corrections_many", "zh", count=f"{len(workbooks):,}") in html
    assert workbooks[0].name not in html


def test_many_files_received_are_listed_actionable_first(
    warehouse: duckdb.DuckDBPyConnection, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A national half-year has 27,000 files: past the limit, the quality report and the
    Prefect artifact list those rejected or with quarantined rows first, in their order."""
    every = quality_rows(warehouse, Settings(), HALF_YEAR, lang="en")
    actionable = [r["File"] for r in every if r["Outcome"] == "rejected" or r["Rows quarantined"]]
    assert 0 < len(actionable) < len(every)
    monkeypatch.setattr(reports, "LISTED_RECEIPTS", len(actionable))
    assert [
        r["File"] for r in quality_rows(warehouse, Settings(), HALF_YEAR, lang="en")
    ] == actionable
    write_reports(warehouse, settings, HALF_YEAR, run_id="run-2")
    section = _section(_html(settings, "quality.zh.html"), "receipts")
    note = msg(
        "report.quality.receipts_listed", "zh", listed=str(len(actionable)), total=str(len(every))
    )
    assert note in section
    assert "2026上半年评议表(1).xlsx" not in section  # a duplicate: nothing to act on


def test_quality_rows(warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = quality_rows(warehouse, Settings(), HALF_YEAR, lang="en")
    by_name = {r["File"]: r for r in rows}
    assert set(rows[0]) == {
        "File",
        "Kind",
        "Received at",
        "Rows read",
        "Rows loaded",
        "Rows quarantined",
        "Outcome",
    }
    assert by_name["2026上半年评议表.xlsx"]["Rows quarantined"] == 2
    assert by_name["2026上半年评议表(1).xlsx"]["Outcome"] == "duplicate"
    assert by_name["会议照片.xlsx"]["Outcome"] == "rejected"
    assert "2025下半年评议表.xlsx" not in by_name


def test_corrections_workbook(written: list[Path]) -> None:
    workbook = openpyxl.load_workbook(written[3])
    marker = workbook[CORRECTION_SHEET]
    assert marker.sheet_state == "hidden"
    assert marker["A1"].value == EVAL_HASH
    sheet = workbook[workbook.sheetnames[0]]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    expected = [c.zh for c in COLUMNS["evaluations"]]
    assert rows[0] == [*expected, "问题说明 / Problem"]
    assert len(rows) == 3  # rows 7 and 9: one line per row, not per failed cell
    row7 = dict(zip(rows[0], rows[1], strict=True))
    assert row7["评议期"] == "2026年中" and row7["服务态度"] == "6"
    assert row7["评议人"] == "ev_0123456789abcdef"
    assert "原因：period 填写有误" in row7["问题说明 / Problem"]
    assert "原因：service_attitude 填写有误" in row7["问题说明 / Problem"]
    comments = sheet.cell(row=2, column=expected.index("意见建议") + 1)
    assert comments.value == "=cmd|' /C calc'!A0" and comments.data_type == "s"
    assert sheet.freeze_panes == "A2"


def test_corrections_keep_distinct_names(
    warehouse: duckdb.DuckDBPyConnection, settings: Settings, tmp_path: Path
) -> None:
    other = replace(settings, home=tmp_path / "other")
    paths = write_reports(warehouse, other, HALF_YEAR, lang="en")
    workbook = openpyxl.load_workbook(paths[3])
    header = [c.value for c in workbook[workbook.sheetnames[0]][1]]
    assert header[:2] == ["period", "community"]


def test_corrections_in_both_languages_side_by_side(
    warehouse: duckdb.DuckDBPyConnection, settings: Settings
) -> None:
    (zh,) = write_reports(warehouse, settings, HALF_YEAR)[3:]
    (en,) = write_reports(warehouse, settings, HALF_YEAR, lang="en")[3:]
    assert zh.name == "2026上半年评议表.corrections.xlsx"  # as it always was
    assert en.name == "2026上半年评议表.corrections.en.xlsx"
    assert zh.parent == en.parent
    zh_header = _sheet_rows(zh, openpyxl.load_workbook(zh).sheetnames[0])[0]
    en_header = _sheet_rows(en, openpyxl.load_workbook(en).sheetnames[0])[0]
    assert zh_header[:2] == ["评议期", "社区"] and en_header[:2] == ["period", "community"]


# Writing many reports fast: unchanged workbooks left alone


def _identity(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns


def test_unchanged_corrections_are_not_written_again(
    warehouse: duckdb.DuckDBPyConnection, settings: Settings
) -> None:
    (path,) = write_reports(warehouse, settings, HALF_YEAR)[3:]
    manifest = path.parent / ".minyi-corrections.zh.json"
    assert path.name in json.loads(manifest.read_text(encoding="utf-8"))["files"]
    first = _identity(path)
    assert write_reports(warehouse, settings, HALF_YEAR)[3:] == [path]
    assert _identity(path) == first  # same content: the file was left as it was
    write_reports(warehouse, settings, HALF_YEAR, lang="en")  # the other language's own manifest
    assert _identity(path) == first
    # Edited in place (or replaced) since: written again.
    path.write_bytes(b"not a workbook any more")
    write_reports(warehouse, settings, HALF_YEAR)
    assert openpyxl.load_workbook(path)[CORRECTION_SHEET]["A1"].value == EVAL_HASH
    second = _identity(path)
    assert second != first
    # A manifest lost or unreadable: everything is written again.
    manifest.write_text("{not json", encoding="utf-8")
    write_reports(warehouse, settings, HALF_YEAR)
    assert _identity(path) != second
    assert openpyxl.load_workbook(path)[CORRECTION_SHEET]["A1"].value == EVAL_HASH


def _own_warehouse(template: Path, settings: Settings) -> Path:
    settings.home.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, settings.warehouse_path)
    return settings.warehouse_path


def _write_from(path: Path, settings: Settings) -> list[Path]:
    with duckdb.connect(str(path), read_only=True) as con:
        return write_reports(con, settings, HALF_YEAR, run_id="run-2")


def test_changed_corrections_are_written_again(
    template_warehouse: Path, settings: Settings
) -> None:
    path = _own_warehouse(template_warehouse, settings)
    (workbook,) = _write_from(path, settings)[3:]
    first = _identity(workbook)
    with duckdb.connect(str(path)) as con:
        con.execute(
            "update meta.quarantine set reason_zh = '原因：总体评价另有写法' where row_number = 9"
        )
    (again,) = _write_from(path, settings)[3:]
    assert again == workbook and _identity(workbook) != first
    problems = [
        r[-1] for r in _sheet_rows(workbook, openpyxl.load_workbook(workbook).sheetnames[0])
    ]
    assert any("原因：总体评价另有写法" in str(p) for p in problems)


def test_suppressed_survives_pickling() -> None:
    assert pickle.loads(pickle.dumps(SUPPRESSED)) is SUPPRESSED
    assert pickle.loads(pickle.dumps([1, SUPPRESSED]))[1] is SUPPRESSED


# Widths and HTML rows, computed faster, are as before


def _display_width_before(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _column_widths_before(header: list[str], rows: list[list[object]]) -> list[int]:
    """How column widths were computed, cell by cell."""
    widths = [_display_width_before(h) for h in header]
    for row in rows:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], _display_width_before(reports._plain(value)))
    return [min(60, max(8, w + 2)) for w in widths]


def _random_value(rng: random.Random) -> object:
    pick = rng.randrange(10)
    if pick == 0:
        return None
    if pick == 1:
        return SUPPRESSED
    if pick == 2:
        return rng.choice([1, 1.0, True, 0, -0.0, 12345.6789, -3, 10**9])
    if pick == 3:
        return rng.random() * 10 ** rng.randrange(8)
    if pick == 4:
        return date(2026, 1, 1 + rng.randrange(28))
    alphabet = "ab Z9-—东华社区满意（）ＡＢ①é\u0301\t"
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 70)))


def _random_number(rng: random.Random) -> object:
    return rng.choice([1, 1.0, True, 0, -0.0, -3, 123456789, 123456789.0, None, SUPPRESSED])


def test_column_widths_as_before() -> None:
    rng = random.Random(20260701)
    for n in range(600):
        value = _random_value if n % 2 else _random_number  # numbers only: 1 is not 1.0
        width = rng.randrange(1, 6)
        header = [str(_random_value(rng))[:6] for _ in range(width)]
        rows = [
            [value(rng) for _ in range(rng.randrange(0, width + 1))]
            for _ in range(rng.randrange(0, 40))
        ]
        assert reports._column_widths(header, rows) == _column_widths_before(header, rows)
    assert reports.display_width("东华 Community") == _display_width_before("东华 Community")


_ROWS_BEFORE = """{% set ns = namespace(group=None) %}
{% for row in table.rows %}
{% if table.grouped and row[0] != ns.group %}
{% set ns.group = row[0] %}
<tr class="group"><td colspan="{{ table.columns|length - 1 }}">{{ row[0] }}</td></tr>
{% endif %}
<tr>
{% for value in row %}
{% set col = table.columns[loop.index0] %}
{% if not (table.grouped and loop.first) %}
{% set shown = value|cell(col.kind, lang) %}
<td class="{{ 'hidden' if shown == '—' else ('num' if col.kind != 'text' else ('opinion' if table.key == 'opinions' else '')) }}">{{ shown }}</td>
{% endif %}
{% endfor %}
</tr>
{% endfor %}
"""  # noqa: E501  (the rows of _table.html.j2 before they were built in Python)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("key", ["opinions", "gaps"])
@pytest.mark.parametrize("grouped", [False, True])
def test_html_rows_as_before(lang: str, key: str, grouped: bool) -> None:
    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["cell"] = reports.format_cell
    before = env.from_string(_ROWS_BEFORE)
    kinds: list[reports.CellKind] = ["text", "text", "int", "pct", "pp", "num", "p"]
    columns = [reports.Col(f"c{i}", kind) for i, kind in enumerate(kinds)]
    rng = random.Random(7)
    values: list[object] = [None, SUPPRESSED, "—", "<b>&'\"", "东华社区", 3, 0.25, -0.01, 0.0004]
    rows = [
        [rng.choice([None, "甲", "乙", "<&>"]), *[rng.choice(values) for _ in kinds[1:]]]
        for _ in range(60)
    ]
    rows.sort(key=lambda r: str(r[0]))
    table = reports.Table(key, "title", columns, rows, grouped=grouped)
    assert str(reports._table_rows_html(table, lang)) == before.render(table=table, lang=lang)


# In a browser


def _chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--enable-logging=stderr",
        "--v=0",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run(
        [str(CHROMIUM), *flags, *args], capture_output=True, text=True, timeout=120, check=False
    )


_BROWSER_ERRORS = re.compile(
    r"Uncaught|Failed to load resource|ERR_(?:FILE_NOT_FOUND|NAME_NOT_RESOLVED|INTERNET|CONNECTION)"
)


def test_report_renders_in_chromium(
    written: list[Path], settings: Settings, tmp_path: Path
) -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (apt-get install chromium fonts-noto-cjk)")
        pytest.skip("chromium is not installed")
    url = written[0].as_uri()
    dom = _chromium(["--dump-dom", url], tmp_path / "profile-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert msg("report.title", "zh", period=PERIOD) in dom.stdout
    assert not _BROWSER_ERRORS.search(dom.stderr), dom.stderr[-2000:]
    shot = tmp_path / "report.png"
    run = _chromium(
        [f"--screenshot={shot}", "--window-size=1280,2400", "--hide-scrollbars", url],
        tmp_path / "profile-shot",
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert shot.is_file() and shot.stat().st_size > 20_000
    assert not _BROWSER_ERRORS.search(run.stderr), run.stderr[-2000:]
    keep = os.environ.get("MINYI_KEEP_SCREENSHOT")
    if keep:
        shutil.copy(shot, keep)


def test_browser_check_catches_a_broken_resource(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (apt-get install chromium fonts-noto-cjk)")
        pytest.skip("chromium is not installed")
    page = tmp_path / "broken.html"
    page.write_text('<html><body><img src="missing.png"><script>nope(</script></body></html>')
    run = _chromium(["--dump-dom", page.as_uri()], tmp_path / "profile-broken")
    assert _BROWSER_ERRORS.search(run.stderr), run.stderr[-2000:]


def test_every_vocabulary_has_labels_in_both_languages() -> None:
    vocabularies = {
        "role": ROLES.values(),
        "item": RATING_ITEMS,
        "hearing": HEARING_KINDS.values(),
        "org": ORG_KINDS,
        "source": ("evaluations", "hearings", "branch_reports"),
        "verdict": ("meets", "borderline", "below"),
        "definition": ("top2", "top1"),
        "status": ("missing", "late"),
        "outcome": ("loaded", "duplicate", "rejected", "superseded"),
        "run": ("running", "completed", "failed"),
    }
    for prefix, values in vocabularies.items():
        for value in values:
            zh, en = msg(f"report.{prefix}.{value}", "zh"), msg(f"report.{prefix}.{value}", "en")
            assert zh and en and zh != en, (prefix, value)


def test_half_year_without_data(warehouse: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    paths = write_reports(warehouse, settings, Period(2030, 1))
    html = paths[0].read_text(encoding="utf-8")
    assert msg("report.no_data", "zh") in html
    assert [p.name for p in paths[:3]] == ["report.zh.html", "report.zh.xlsx", "quality.zh.html"]
    # Row 7's half-year cannot be read, but its file's can (2026H1): no corrections here.
    assert len(paths) == 3


def test_large_report_workbooks_are_written_row_by_row_with_the_same_cells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tables = [
        reports.Table(
            "satisfaction",
            "满意度",
            [reports.Col("社区"), reports.Col("人数", "int"), reports.Col("满意率", "pct")],
            [["和平社区", 12, 0.98], ["=1+1", 3, SUPPRESSED], ["新兴社区", None, 0.5]],
            intro="说明",
            notes=["注"],
        ),
        reports.Table("gaps", "缺报", [reports.Col("组织")], [["B01"], ["B02"]]),
    ]
    options: list[dict[str, Any]] = []
    workbook_class = reports.xlsxwriter.Workbook

    def recorded(path: str, opts: dict[str, Any]) -> Any:
        options.append(opts)
        return workbook_class(path, opts)

    monkeypatch.setattr(reports.xlsxwriter, "Workbook", recorded)
    kept = reports.write_report_workbook(tmp_path / "kept.xlsx", tables)
    monkeypatch.setattr(reports, "LARGE_WORKBOOK_CELLS", 0)
    streamed = reports.write_report_workbook(tmp_path / "streamed.xlsx", tables)
    assert [o.get("constant_memory", False) for o in options] == [False, True]
    for title in ("满意度", "缺报"):
        assert _sheet_rows(streamed, title) == _sheet_rows(kept, title)
    sheet = openpyxl.load_workbook(streamed)["满意度"]
    assert sheet.freeze_panes == "A2" and sheet["A3"].value == "=1+1"
    assert sheet["A3"].data_type == "s"  # text, never a formula


# National scale: above the community limit the report shows subdistricts

# (community, name, satisfied, dissatisfied): S0001-C03 has too few forms to be shown.
SUBDISTRICT_COMMUNITIES = [
    ("S0001-C01", "甲街道东社区", 20, 0),
    ("S0001-C02", "甲街道西社区", 15, 5),
    ("S0001-C03", "甲街道南社区", 2, 0),
    ("S0002-C01", "乙街道东社区", 29, 1),
    ("S0002-C02", "乙街道西社区", 10, 0),
    ("S0002-C03", "乙街道南社区", 18, 7),
]
SUBDISTRICT_OPINION = "小区门口路灯不亮"


@pytest.fixture(scope="module")
def subdistrict_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse of two subdistricts (S0001, S0002) of three communities each."""
    home = tmp_path_factory.mktemp("subdistricts")
    path = home / "warehouse.duckdb"
    con = make_warehouse(home)
    _insert(
        con,
        "ref.communities",
        [
            {"community_id": c, "name": n, "households": 1000, "residents": 3000}
            for c, n, _s, _d in SUBDISTRICT_COMMUNITIES
        ],
    )
    orgs = [
        ("S0001-B01", "甲东楼院党支部", "building_branch", "S0001-C01", 40, 36),
        ("S0001-M01", "甲街道市场党支部", "market_branch", None, 10, 10),  # under the subdistrict
        ("S0002-B01", "乙东楼院党支部", "building_branch", "S0002-C01", 30, 24),
    ]
    _insert(
        con,
        "ref.organisations",
        [{"org_id": o, "name": n, "kind": k, "community_id": c} for o, n, k, c, *_ in orgs],
    )
    forms = [
        row
        for c, _n, satisfied, dissatisfied in SUBDISTRICT_COMMUNITIES
        for row in _forms(
            PERIOD,
            c,
            {"satisfied": satisfied, "dissatisfied": dissatisfied},
            {"resident_rep": satisfied + dissatisfied},
            EVAL_HASH,
            "run-2",
            comments={0: SUBDISTRICT_OPINION} if c == "S0002-C03" else None,
        )
    ]
    _insert(con, "core.evaluations", forms)
    _branch_reports(
        con, [(org, total, part, True, date(2026, 7, 3)) for org, _n, _k, _c, total, part in orgs]
    )
    con.close()
    return path


def _subdistrict_reports(
    template: Path, settings: Settings, lang: str = "zh", limit: int = 5
) -> list[Path]:
    with duckdb.connect(str(_own_warehouse(template, settings)), read_only=True) as con:
        limited = replace(settings, report_community_limit=limit)
        return write_reports(con, limited, HALF_YEAR, lang=lang)


def test_report_shows_subdistricts_above_the_community_limit(
    subdistrict_template: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reports, "LISTED_COMMUNITIES", 2)
    _subdistrict_reports(subdistrict_template, settings)
    html = _html(settings)
    for key in (
        "headline",
        "by_subdistrict",
        "under_target",
        "by_role",
        "items_by_subdistrict",
        "trends_by_subdistrict",
        "members_by_subdistrict",
        "hearings_by_subdistrict",
        "gaps_by_subdistrict",
        "opinions_by_subdistrict",
        "notes",
    ):
        assert f'<section id="{key}">' in html, key
    for key in ("by_community", "community_role", "items", "trends", "members", "opinions"):
        assert f'<section id="{key}">' not in html, key
    by_subdistrict = _section(html, "by_subdistrict")
    assert by_subdistrict.count("<tr>") == 2 + 1  # header, S0001, S0002
    # 37 of 42 forms and 57 of 65, computed by hand: S0001's rate is higher, so it comes first.
    assert by_subdistrict.index("S0001") < by_subdistrict.index("S0002")
    assert "88.1%" in by_subdistrict and "87.7%" in by_subdistrict
    # Listed: the two below target, lowest first; not the borderline one (limit 2), not the
    # communities that meet it, and not the one with two forms.
    under = _section(html, "under_target")
    assert under.index("乙街道南社区") < under.index("甲街道西社区")
    for name in ("乙街道东社区", "甲街道东社区", "乙街道西社区", "甲街道南社区"):
        assert name not in html, name
    intro = msg("report.intro.under_target", "zh", under=3, below=2, listed=2, target="98%")
    assert intro in under
    opinions = _section(html, "opinions_by_subdistrict")
    assert SUBDISTRICT_OPINION not in html and "S0002" in opinions
    assert msg("report.note.by_subdistrict", "zh", limit=5) in _section(html, "notes")


def test_subdistrict_figures_match_a_hand_count(
    subdistrict_template: Path, settings: Settings
) -> None:
    from statsmodels.stats.proportion import proportion_confint

    paths = _subdistrict_reports(subdistrict_template, settings)
    rows = _sheet_rows(paths[1], msg("report.section.by_subdistrict", "zh"))
    header = rows[0]
    by_code = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:] if r[0]}
    for code, positives, responses, below in (("S0001", 37, 42, 1), ("S0002", 57, 65, 1)):
        row = by_code[code]
        low, high = proportion_confint(positives, responses, alpha=0.05, method="wilson")
        assert row["评议表数"] == responses and row["社区数"] == 3
        assert row["未达标社区数"] == below
        assert row["满意率"] == pytest.approx(positives / responses)
        assert (row["区间下限"], row["区间上限"]) == (pytest.approx(low), pytest.approx(high))
        assert row["结论"] == msg("report.verdict.below", "zh")
    members = _sheet_rows(paths[1], msg("report.section.members_by_subdistrict", "zh"))
    # The market branch has no community: it counts in its subdistrict S0001 (46 of 50).
    assert [r[:4] for r in members[1:4]] == [
        ["S0001", 50, 46, pytest.approx(0.92)],
        ["S0002", 30, 24, pytest.approx(0.8)],
        [msg("report.all_subdistricts", "zh"), 80, 70, pytest.approx(0.875)],
    ]
    sheets = openpyxl.load_workbook(paths[1]).sheetnames
    assert msg("report.section.by_community", "zh") not in sheets


def test_subdistrict_report_in_english(subdistrict_template: Path, settings: Settings) -> None:
    _subdistrict_reports(subdistrict_template, settings, lang="en")
    html = _html(settings, "report.en.html")
    for key in ("by_subdistrict", "under_target", "opinions_by_subdistrict", "gaps_by_subdistrict"):
        assert msg(f"report.section.{key}", "en") in html
    assert msg("report.intro.opinions_by_subdistrict", "en") in html
    assert not re.search(r"[\u4e00-\u9fff]", _section(html, "by_subdistrict").split("<table>")[0])


def test_community_limit_is_inclusive(subdistrict_template: Path, settings: Settings) -> None:
    _subdistrict_reports(subdistrict_template, settings, limit=len(SUBDISTRICT_COMMUNITIES))
    html = _html(settings)
    assert '<section id="by_community">' in html and '<section id="by_subdistrict">' not in html


def test_registry_subdistricts_come_before_the_codes(
    subdistrict_template: Path, settings: Settings
) -> None:
    """Real community codes (12-digit administrative codes) have no "-": the registry names
    the subdistrict. Here it puts every community, and the branch under none, in one."""
    path = _own_warehouse(subdistrict_template, settings)
    with duckdb.connect(str(path)) as con:
        con.execute("update ref.communities set subdistrict = '110101001'")
        con.execute("update ref.organisations set subdistrict = '110101001'")
    with duckdb.connect(str(path), read_only=True) as con:
        limited = replace(settings, report_community_limit=5)
        paths = write_reports(con, limited, HALF_YEAR)
    rows = _sheet_rows(paths[1], msg("report.section.by_subdistrict", "zh"))
    data = [r for r in rows[1:] if r[0] and r[1] is not None]  # not the notes below
    assert [r[0] for r in data] == ["110101001"]
    by_code = dict(zip(rows[0], data[0], strict=True))
    assert by_code["评议表数"] == 42 + 65 and by_code["社区数"] == 6
    assert by_code["满意率"] == pytest.approx((37 + 57) / (42 + 65))
    members = _sheet_rows(paths[1], msg("report.section.members_by_subdistrict", "zh"))
    assert [r[:3] for r in members[1:2]] == [["110101001", 80, 70]]
    html = _html(settings)
    assert "S0001" not in _section(html, "by_subdistrict")


def test_communities_without_subdistrict_code(
    warehouse: duckdb.DuckDBPyConnection, settings: Settings
) -> None:
    write_reports(warehouse, replace(settings, report_community_limit=2), PERIOD)
    html = _html(settings)
    by_subdistrict = _section(html, "by_subdistrict")
    assert msg("report.subdistrict.none", "zh") in by_subdistrict
    assert by_subdistrict.count("<tr>") == 1 + 1
    assert "东华社区" not in by_subdistrict


def test_many_corrections_are_written_by_worker_processes(
    warehouse: duckdb.DuckDBPyConnection, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    (serial,) = write_reports(warehouse, settings, HALF_YEAR)[3:]
    expected = _sheet_rows(serial, openpyxl.load_workbook(serial).sheetnames[0])
    serial.unlink()
    monkeypatch.setattr(reports, "PARALLEL_CORRECTIONS", 0)
    monkeypatch.setattr(reports, "_CORRECTIONS_PER_TASK", 1)
    monkeypatch.setattr(reports, "_FETCH_ROWS", 1)  # the file's two rows come in two chunks
    monkeypatch.setattr(reports, "_cpus", lambda: 2)
    submitted: list[int] = []
    submit = reports._CorrectionWriter._submit

    def counted_submit(writer: reports._CorrectionWriter) -> None:
        submitted.append(len(writer._batch))
        submit(writer)

    monkeypatch.setattr(reports._CorrectionWriter, "_submit", counted_submit)
    (pooled,) = write_reports(warehouse, settings, HALF_YEAR)[3:]
    assert submitted == [1], "the workbook went to a worker process, not the serial path"
    assert pooled == serial
    assert _sheet_rows(pooled, openpyxl.load_workbook(pooled).sheetnames[0]) == expected
    # The manifest records what the workers wrote: the next run leaves it as it is.
    first = _identity(pooled)
    write_reports(warehouse, settings, HALF_YEAR)
    assert _identity(pooled) == first
