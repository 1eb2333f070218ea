"""The data-quality report."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest

from flows.messages import msg
from flows.reports import html as html_writer
from flows.reports import (
    quality,
    quality_rows,
    write_reports,
)
from flows.settings import Settings
from tests.reports.builders import (
    HALF_YEAR,
    PERIOD,
    report_html,
    section_of,
)

# The quality report and corrections


def test_quality_report(written: list[Path], settings: Settings) -> None:
    html = report_html(settings, "quality.zh.html")
    for name in ("2026上半年评议表.xlsx", "听证记录.xlsx", "党支部报表.csv", "会议照片.xlsx"):
        assert name in html
    assert msg("file_unknown_kind", "zh", found="照片") in html
    assert msg("report.outcome.duplicate", "zh") in html
    quarantine = section_of(html, "quarantine")
    assert "原因：verdict 填写有误" in quarantine and "请改正" in quarantine
    assert "总体评价" in quarantine  # column shown by its Chinese header
    unknown = section_of(html, "quarantine_unknown")
    assert "原因：period 填写有误" in unknown and "2026年中" in unknown
    assert "2025下半年评议表.xlsx" not in html


def _quarantined_cells(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute(
        "select count(*) from (select distinct file_hash, sheet, row_number, column_name,"
        " reason_zh from meta.quarantine where period = ?)",
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
    monkeypatch.setattr(quality, "LISTED_QUARANTINE_CELLS", 1)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        total = _quarantined_cells(con)
        write_reports(con, settings, HALF_YEAR, run_id="run-2")
    assert total == 4  # the cell, its copy, and their two copies
    html = report_html(settings, "quality.zh.html")
    listed = section_of(html, "quarantine")
    assert len(re.findall(r"<tr>", listed)) == 1 + 1  # header and the one cell
    assert msg("report.quality.cells_listed", "zh", listed="1", total=f"{total:,}") in listed
    reasons = section_of(html, "quarantine_reasons")
    assert sum(_int_cells(reasons, 4)) == total
    assert "原因：verdict 填写有误" in reasons


def test_quality_report_counts_many_corrections_workbooks(
    warehouse: duckdb.DuckDBPyConnection, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(html_writer, "NAMED_CORRECTIONS", 0)
    written = write_reports(warehouse, settings, HALF_YEAR, run_id="run-2")
    workbooks = [p for p in written if p.parent.name == "corrections"]
    html = report_html(settings, "quality.zh.html")
    assert workbooks
    assert msg("report.quality.corrections_many", "zh", count=f"{len(workbooks):,}") in html
    assert workbooks[0].name not in html


def test_many_files_received_are_listed_actionable_first(
    warehouse: duckdb.DuckDBPyConnection, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A national half-year has 27,000 files: past the limit, the quality report and the
    Prefect artifact list those rejected or with quarantined rows first, in their order."""
    every = quality_rows(warehouse, Settings(), HALF_YEAR, lang="en")
    actionable = [
        r["File"]
        for r in every
        if r["Outcome"] == "rejected" or r[msg("report.col.rows_quarantined", "en")]
    ]
    assert 0 < len(actionable) < len(every)
    monkeypatch.setattr(quality, "LISTED_RECEIPTS", len(actionable))
    assert [
        r["File"] for r in quality_rows(warehouse, Settings(), HALF_YEAR, lang="en")
    ] == actionable
    write_reports(warehouse, settings, HALF_YEAR, run_id="run-2")
    section = section_of(report_html(settings, "quality.zh.html"), "receipts")
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
        "Rows not loaded (to correct)",
        "Outcome",
    }
    assert by_name["2026上半年评议表.xlsx"]["Rows not loaded (to correct)"] == 2
    assert by_name["2026上半年评议表(1).xlsx"]["Outcome"] == "duplicate"
    assert by_name["会议照片.xlsx"]["Outcome"] == "rejected"
    assert "2025下半年评议表.xlsx" not in by_name
