"""The column table: every column described once, read by both writers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import openpyxl

from flows.messages import MESSAGES, msg
from flows.reports import Col, Table
from flows.reports.columns import COLUMNS, col, cols, row_values
from flows.reports.context import make_context
from flows.reports.templating import ENV
from flows.reports.xlsx import write_report_workbook
from flows.settings import Settings
from tests.reports.builders import HALF_YEAR


def test_every_column_has_a_label_in_both_languages() -> None:
    for key, spec in COLUMNS.items():
        assert f"report.col.{key}" in MESSAGES, key
        assert all(MESSAGES[f"report.col.{key}"]), key
        assert spec.note is None or spec.note in MESSAGES, key


def test_row_values_show_vocabularies_times_and_flags(
    warehouse: duckdb.DuckDBPyConnection, settings: Settings
) -> None:
    ctx = make_context(warehouse, replace(settings, timezone="Asia/Shanghai"), HALF_YEAR, "zh")
    columns = cols(ctx, "role", "responses", "submitted_on", "small_sample", "meets_target")
    row = {
        "role": "deputy",
        "responses": 12,
        "submitted_on": datetime(2026, 7, 1, 2, 30, tzinfo=UTC),
        "small_sample": True,
        "meets_target": False,
    }
    assert row_values(ctx, columns, row, responses=13) == [
        msg("report.role.deputy", "zh"),
        13,
        "2026-07-01 10:30",  # UTC+8
        msg("report.yes", "zh"),
        msg("report.no", "zh"),
    ]
    assert [c.kind for c in columns] == ["text", "int", "text", "text", "text"]
    assert col(ctx, "period_rate", "2026H1").label == "2026H1"


def test_both_writers_read_a_columns_width_and_note(tmp_path: Path) -> None:
    wide = Col("社区", key="community", width=30, note="社区名称")
    table = Table("t", "表", [wide, Col("人数", "int")], [["和平社区", 3]])
    path = write_report_workbook(tmp_path / "t.xlsx", [table])
    sheet = openpyxl.load_workbook(path)["表"]
    assert sheet.column_dimensions["A"].width > 30 - 1
    assert sheet["A1"].comment is not None and sheet["A1"].comment.text == "社区名称"
    html = ENV.get_template("_table.html.j2").module.render(table, "")  # type: ignore[attr-defined]
    assert 'title="社区名称"' in str(html)
