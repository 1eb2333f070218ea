"""Opinions without anything that identifies who wrote them."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from flows.messages import msg
from flows.settings import Settings
from tests.reports.builders import (
    FORMULA_COMMENT,
    report_html,
    section_of,
)


def test_opinions_without_identity(written: list[Path], settings: Settings) -> None:
    section = section_of(report_html(settings), "opinions")
    assert "希望增加停车位" in section and "楼道照明经常坏" in section
    assert "ev_" not in section
    for role in ("deputy", "cppcc_member", "resident_rep", "unit_rep"):
        assert msg(f"report.role.{role}", "zh") not in section
    # The blank opinion is left out; the same opinion three times is one row, counted.
    assert section.count('<td class="opinion">') == 3
    assert '<td class="opinion">希望增加停车位</td>\n<td class="num">3</td>' in section
    sheet = openpyxl.load_workbook(written[1])[msg("report.section.opinions", "zh")]
    formula = [c for row in sheet.iter_rows() for c in row if c.value == FORMULA_COMMENT]
    assert formula and formula[0].data_type == "s"
