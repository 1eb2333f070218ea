"""The files and runs the figures come from."""

from __future__ import annotations

from pathlib import Path

from flows.settings import Settings
from tests.reports.builders import (
    EVAL_HASH,
    report_html,
    section_of,
)


def test_traceability_lists_files_and_runs(written: list[Path], settings: Settings) -> None:
    html = report_html(settings)
    files = section_of(html, "files")
    assert "2026上半年评议表.xlsx" in files and EVAL_HASH[:12] in files
    assert "2025下半年评议表.xlsx" not in files
    assert "run-2" in section_of(html, "runs")
