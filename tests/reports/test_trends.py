"""Trends: every headline metric over the half-years loaded, one row per half-year × community
× metric."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from flows.messages import msg
from flows.reports.context import make_context
from flows.reports.trends import trends_by_metric_table
from flows.settings import Settings
from tests.reports.builders import HALF_YEAR, report_html, section_of, sheet_rows


def test_trends_carry_every_metric_with_changes_in_points(
    written: list[Path], settings: Settings
) -> None:
    rows = sheet_rows(written[1], msg("report.section.trend_rows", "zh"))
    header, data = rows[0], [r for r in rows[1:] if r[0]]
    assert header[:3] == [msg(f"report.col.{k}", "zh") for k in ("period", "community", "metric")]
    by_key = {(r[0], r[1], r[2]): r for r in data}
    satisfaction = msg("report.metric.satisfaction", "zh")
    # 西园社区: 48 of 50 satisfied (top two) in 2025H2, 30 of 50 in 2026H1.
    before = by_key[("2025年下半年", "西园社区", satisfaction)]
    now = by_key[("2026年上半年", "西园社区", satisfaction)]
    assert before[3] == pytest.approx(48 / 50) and now[3] == pytest.approx(30 / 50)
    assert now[5] == pytest.approx((30 / 50 - 48 / 50) * 100)  # percentage points
    assert before[5] is None  # nothing before the first half-year
    metrics = {r[2] for r in data}
    assert msg("report.metric.members", "zh") in metrics
    assert msg("report.metric.units", "zh") in metrics
    source = msg("report.source.evaluations", "zh")
    assert msg("report.metric.completeness", "zh", source=source) in metrics
    html = section_of(report_html(settings), "trend_rows")
    assert html.count("<svg") >= 3  # a chart per metric for the whole subdistrict


def test_trend_figures_match_the_warehouse(
    warehouse: duckdb.DuckDBPyConnection, settings: Settings
) -> None:
    ctx = make_context(warehouse, settings, HALF_YEAR, "en")
    table = trends_by_metric_table(ctx)
    members = {
        (r[0], r[1]): r[3]
        for r in table.rows
        if r[2] == msg("report.metric.members", "en") and isinstance(r[3], float)
    }
    expected = warehouse.execute(
        "select period, coalesce(c.name, m.community_id), members_participating, members_total"
        " from metrics.member_participation as m"
        " left join ref.communities as c using (community_id) where members_total > 0"
    ).fetchall()
    assert expected
    for period, community, part, total in expected:
        name = community or msg("report.all", "en")
        assert members[(ctx.period_name(period), name)] == pytest.approx(part / total)
