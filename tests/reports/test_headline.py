"""The headline figures against the warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from flows.reports import (
    headline_markdown,
)
from flows.reports.context import make_context
from flows.reports.headline import headline_figures
from flows.settings import Settings
from tests.reports.builders import (
    HALF_YEAR,
    report_html,
    view_rate,
)


def test_headline_names_definition_and_matches_warehouse(
    written: list[Path], settings: Settings, warehouse: duckdb.DuckDBPyConnection
) -> None:
    headline = report_html(settings).split("<nav>")[0]
    rate, low, high = view_rate(warehouse, None)
    assert rate == pytest.approx(66 / 87)  # 24/25 + 30/50 + 12/12
    assert f"{rate:.1%}" in headline
    assert f"{low:.1%}" in headline and f"{high:.1%}" in headline
    assert "满意+基本满意" in headline
    assert "98%" in headline
    # Members: branches only (B01-B03): 72 of 80; units: 1 of 3 took part.
    assert "90.0%" in headline and "72 / 80" in headline
    assert "33.3%" in headline and "1 / 3" in headline


def test_headline_markdown(warehouse: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    text = headline_markdown(warehouse, settings, HALF_YEAR, lang="en")
    assert f"{66 / 87:.1%}" in text and "top-two-box" in text
    assert "| Party members taking part in community work | 90.0%" in text


def test_headline_says_how_far_a_figure_is_from_its_target(
    warehouse: duckdb.DuckDBPyConnection, settings: Settings
) -> None:
    for figure in headline_figures(make_context(warehouse, settings, HALF_YEAR, "zh")):
        if figure.rate is not None and figure.rate < figure.target:
            assert figure.short.startswith("还差"), figure
            assert (float(figure.shown.rstrip("%")) / 100) < figure.target
        else:
            assert figure.short == ""
