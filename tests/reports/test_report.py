"""Every report of a half-year, written from the warehouse."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from flows.messages import msg
from flows.periods import Period
from flows.reports import (
    write_reports,
)
from flows.settings import Settings
from tests.reports.builders import (
    HALF_YEAR,
    PERIOD,
    REPORT_SECTIONS,
    report_html,
)

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
    html = report_html(settings)
    for key in REPORT_SECTIONS:
        assert f'<section id="{key}">' in html, key
    assert msg("report.title", "zh", period="2026年上半年") in html
    assert "2026H1" not in html.split("</h1>")[0]  # a period as a reader says it
    assert "Fisher" in html and "0.05" in html
    assert msg("report.note.suppression", "zh", min_cell=settings.min_cell_size) in html


def test_english_report(warehouse: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    paths = write_reports(warehouse, settings, HALF_YEAR, lang="en")
    html = paths[0].read_text(encoding="utf-8")
    assert paths[0].name == "report.en.html"
    assert '<html lang="en">' in html
    assert msg("report.title", "en", period="H1 2026") in html
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


def test_half_year_without_data(warehouse: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    paths = write_reports(warehouse, settings, Period(2030, 1))
    html = paths[0].read_text(encoding="utf-8")
    assert msg("report.no_data", "zh") in html
    assert [p.name for p in paths[:3]] == ["report.zh.html", "report.zh.xlsx", "quality.zh.html"]
    # Row 7's half-year cannot be read, but its file's can (2026H1): no corrections here.
    assert len(paths) == 3
