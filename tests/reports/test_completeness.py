"""Completeness: who is missing or late."""

from __future__ import annotations

from pathlib import Path

from flows.messages import msg
from flows.settings import Settings
from tests.reports.builders import (
    report_html,
    section_of,
)


def test_gaps_name_missing_and_late(written: list[Path], settings: Settings) -> None:
    section = section_of(report_html(settings), "gaps")
    assert "西园楼院党支部" in section and msg("report.status.late", "zh") in section
    assert "区教育局机关党支部" in section and msg("report.status.missing", "zh") in section
    assert "单位代表" in section and "ev_missing" not in section
