"""The XLSX writer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import openpyxl.utils
import pytest

from flows import reports
from flows.messages import msg
from flows.reports import (
    SUPPRESSED,
    xlsx,
)
from tests.reports.builders import (
    REPORT_SECTIONS,
    sheet_rows,
)


def test_xlsx_sheets_formats_and_frozen_headers(written: list[Path]) -> None:
    workbook = openpyxl.load_workbook(written[1])
    for key in REPORT_SECTIONS:
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
    workbook_class = xlsx.xlsxwriter.Workbook

    def recorded(path: str, opts: dict[str, Any]) -> Any:
        options.append(opts)
        return workbook_class(path, opts)

    monkeypatch.setattr(xlsx.xlsxwriter, "Workbook", recorded)
    kept = reports.write_report_workbook(tmp_path / "kept.xlsx", tables)
    monkeypatch.setattr(xlsx, "LARGE_WORKBOOK_CELLS", 0)
    streamed = reports.write_report_workbook(tmp_path / "streamed.xlsx", tables)
    assert [o.get("constant_memory", False) for o in options] == [False, True]
    for title in ("满意度", "缺报"):
        assert sheet_rows(streamed, title) == sheet_rows(kept, title)
    sheet = openpyxl.load_workbook(streamed)["满意度"]
    assert sheet.freeze_panes == "A2" and sheet["A3"].value == "=1+1"
    assert sheet["A3"].data_type == "s"  # text, never a formula


def test_tables_have_filters_and_below_target_verdicts_are_coloured(written: list[Path]) -> None:
    book = openpyxl.load_workbook(written[1])
    sheet = book[msg("report.section.by_community", "zh")]
    last = sheet.cell(1, sheet.max_column).column_letter
    assert sheet.auto_filter.ref is not None and sheet.auto_filter.ref.startswith("A1:" + last)
    rules = [r for rng in sheet.conditional_formatting for r in rng.rules]
    below = json.dumps(msg("report.verdict.below", "zh"), ensure_ascii=False)
    assert any(below in r.formula for r in rules)
    headline = book[msg("report.section.headline", "zh")]
    assert headline.auto_filter.ref and headline.auto_filter.ref.startswith("A1:")


def test_values_under_their_target_are_coloured(written: list[Path]) -> None:
    """The headline's value column is coloured where it is under the target column beside."""
    sheet = openpyxl.load_workbook(written[1])[msg("report.section.headline", "zh")]
    header = [c.value for c in sheet[1]]
    value = openpyxl.utils.get_column_letter(header.index(msg("report.col.value", "zh")) + 1)
    target = openpyxl.utils.get_column_letter(header.index(msg("report.col.target", "zh")) + 1)
    formulas = [f for rng in sheet.conditional_formatting for r in rng.rules for f in r.formula]
    assert f"AND(ISNUMBER({value}2),ISNUMBER({target}2),{value}2<{target}2)" in formulas
