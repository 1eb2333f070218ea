"""Satisfaction sections: figures, change tests and hidden small cells."""

from __future__ import annotations

from pathlib import Path

import duckdb
import openpyxl
import openpyxl.utils
import pytest

from flows.messages import msg
from flows.settings import Settings
from tests.reports.builders import (
    report_html,
    section_of,
    sheet_rows,
    view_rate,
)


def test_community_figures_match_warehouse(
    written: list[Path], settings: Settings, warehouse: duckdb.DuckDBPyConnection
) -> None:
    section = section_of(report_html(settings), "by_community")
    for community in ("C01", "C02", "C03"):
        rate, low, high = view_rate(warehouse, community)
        for value in (rate, low, high):
            assert f"{value:.1%}" in section
    assert "<svg" in section and "<text" in section and "东华社区" in section
    # Sorted by rate: 南湖 100%, 东华 96%, 西园 60%.
    assert section.index("南湖社区") < section.index("东华社区") < section.index("西园社区")


def test_fisher_flags_only_the_real_drop(written: list[Path], settings: Settings) -> None:
    rows = sheet_rows(written[1], msg("report.section.by_community", "zh"))
    header, data = rows[0], {r[0]: r for r in rows[1:] if r[0]}
    test = header.index(msg("report.col.change_test", "zh"))
    assert data["东华社区"][test] == msg("report.not_significant", "zh")
    assert data["西园社区"][test] == msg("report.significant", "zh")
    change = header.index(msg("report.col.change", "zh"))
    # Percentage points, as a number: 60% this half-year against 96% before.
    assert data["西园社区"][change] == pytest.approx((30 / 50 - 48 / 50) * 100)
    cell = openpyxl.load_workbook(written[1])[msg("report.section.by_community", "zh")]
    column = cell[openpyxl.utils.get_column_letter(change + 1)][1:]
    formats = {c.number_format for c in column if isinstance(c.value, float)}
    assert formats == {'+0.0" 个百分点";-0.0" 个百分点";0.0" 个百分点"'}
    assert data["南湖社区"][test] is None  # no previous half-year


def test_small_cells_are_suppressed(written: list[Path], settings: Settings) -> None:
    rows = sheet_rows(written[1], msg("report.section.community_role", "zh"))
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
    section = section_of(report_html(settings), "community_role")
    assert "—" in section
    assert msg("report.note.suppression", "zh", min_cell=settings.min_cell_size) in section
