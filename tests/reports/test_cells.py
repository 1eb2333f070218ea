"""Cells: formula-like text stays text, column widths, labels for every vocabulary."""

from __future__ import annotations

import random
import unicodedata
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from flows import reports
from flows.datasets import HEARING_KINDS, ORG_KINDS, RATING_ITEMS, ROLES
from flows.messages import msg
from flows.reports import (
    SUPPRESSED,
    cells,
    looks_like_formula,
    safe_cell,
)
from flows.reports.cells import Rate, format_cell, rate_text


@pytest.mark.parametrize(
    "text",
    ["=1+2", "+SUM(A1)", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("x")'],
    ids=["equals", "plus", "minus", "at", "tab", "cr", "hyperlink"],
)
def test_safe_cell_writes_formula_like_text_as_text(tmp_path: Path, text: str) -> None:
    path = tmp_path / "cells.xlsx"
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    sheet = workbook.add_worksheet()
    safe_cell(sheet, 0, 0, text)
    safe_cell(sheet, 1, 0, 0.5)
    workbook.close()
    cells = openpyxl.load_workbook(path).active
    assert cells is not None
    assert looks_like_formula(text)
    assert cells["A1"].data_type == "s"
    # xlsxwriter stores a carriage return as the XML escape _x000D_, which openpyxl keeps.
    assert str(cells["A1"].value).replace("_x000D_", "\r") == text
    assert cells["A2"].value == 0.5


# Widths and HTML rows, computed faster, are as before


def _display_width_before(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _column_widths_before(header: list[str], rows: list[list[object]]) -> list[int]:
    """How column widths were computed, cell by cell."""
    widths = [_display_width_before(h) for h in header]
    for row in rows:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], _display_width_before(cells.plain(value)))
    return [min(60, max(8, w + 2)) for w in widths]


def _random_value(rng: random.Random) -> object:
    pick = rng.randrange(10)
    if pick == 0:
        return None
    if pick == 1:
        return SUPPRESSED
    if pick == 2:
        return rng.choice([1, 1.0, True, 0, -0.0, 12345.6789, -3, 10**9])
    if pick == 3:
        return rng.random() * 10 ** rng.randrange(8)
    if pick == 4:
        return date(2026, 1, 1 + rng.randrange(28))
    alphabet = "ab Z9-—东华社区满意（）ＡＢ①é\u0301\t"
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 70)))


def _random_number(rng: random.Random) -> object:
    return rng.choice([1, 1.0, True, 0, -0.0, -3, 123456789, 123456789.0, None, SUPPRESSED])


def test_column_widths_as_before() -> None:
    rng = random.Random(20260701)
    for n in range(600):
        value = _random_value if n % 2 else _random_number  # numbers only: 1 is not 1.0
        width = rng.randrange(1, 6)
        header = [str(_random_value(rng))[:6] for _ in range(width)]
        rows = [
            [value(rng) for _ in range(rng.randrange(0, width + 1))]
            for _ in range(rng.randrange(0, 40))
        ]
        assert cells.column_widths(header, rows) == _column_widths_before(header, rows)
    assert reports.display_width("东华 Community") == _display_width_before("东华 Community")


def test_every_vocabulary_has_labels_in_both_languages() -> None:
    vocabularies = {
        "role": ROLES.values(),
        "item": RATING_ITEMS,
        "hearing": HEARING_KINDS.values(),
        "org": ORG_KINDS,
        "source": ("evaluations", "hearings", "branch_reports"),
        "verdict": ("meets", "borderline", "below"),
        "definition": ("top2", "top1"),
        "status": ("missing", "late"),
        "outcome": ("loaded", "duplicate", "rejected", "superseded"),
        "run": ("running", "completed", "failed"),
    }
    for prefix, values in vocabularies.items():
        for value in values:
            zh, en = msg(f"report.{prefix}.{value}", "zh"), msg(f"report.{prefix}.{value}", "en")
            assert zh and en and zh != en, (prefix, value)


@pytest.mark.parametrize(
    ("rate", "shown"),
    [
        (0.9795, "97.95%"),
        (0.97949, "97.9%"),
        (0.9796, "97.96%"),
        (0.97999, "97.999%"),
        (0.9799999, "97.9999%"),
        (0.98, "98.0%"),
        (0.98004, "98.0%"),
        (0.975, "97.5%"),
    ],
    ids=lambda v: str(v),
)
def test_a_rate_never_reads_as_meeting_a_target_it_misses(rate: float, shown: str) -> None:
    """97.96% under a 98% target is 97.96%, never "98.0%"; at or over it, one decimal."""
    assert rate_text(rate, 0.98) == shown
    number = float(shown.rstrip("%")) / 100
    assert (number < 0.98) == (rate < 0.98)
    assert format_cell(Rate(rate, 0.98), "pct", "zh") == shown
    assert format_cell(rate, "pct", "zh") == f"{rate:.1%}"  # no target: one decimal
