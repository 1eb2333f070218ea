"""Filling minyi's forms as an office would: openpyxl, values chosen from the forms' own
dropdown lists, numbers and dates within the forms' own checks."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from flows.collection.sample import form_checks
from flows.collection.templates import HEADER_ROW

# Counts that must stay above their parts (attendees >= residents + deputies + party members).
LARGE = {"参加人数": 100, "党员总数": 100}


def headers(sheet: Worksheet) -> dict[str, int]:
    """Column number by header text."""
    return {c.value: c.column for c in sheet[HEADER_ROW] if c.value}


def prefilled_rows(sheet: Worksheet) -> list[int]:
    """Rows minyi prefilled (the first column holds a code)."""
    return [
        row
        for row in range(HEADER_ROW + 1, sheet.max_row + 1)
        if sheet.cell(row=row, column=1).value is not None
    ]


def fill_row(sheet: Worksheet, row: int, seed: int, **overrides: Any) -> None:
    """Fill every checked cell of a row with a valid value; ``overrides`` by header text."""
    names = {number: header for header, number in headers(sheet).items()}
    for column, (kind, choices) in form_checks(sheet).items():
        cell = sheet.cell(row=row, column=column)
        if kind == "list":
            cell.value = choices[seed % len(choices)]
        elif kind == "whole":
            cell.value = LARGE.get(names[column], 10 + seed % 5)
        elif kind == "date":
            cell.value = datetime(2026, 6, 20)
        else:
            cell.value = f"{names[column]}{seed}"
    columns = headers(sheet)
    for header, value in overrides.items():
        sheet.cell(row=row, column=columns[header]).value = value


def fill_form(
    path: Path, rows: int | None = None, target: Path | None = None, **overrides: Any
) -> Path:
    """Fill the first ``rows`` prefilled rows (all by default), or on a form without
    prefilled rows (hearings) that many new ones; save to ``target`` (default: in place)."""
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    chosen = prefilled_rows(sheet) or list(range(HEADER_ROW + 1, HEADER_ROW + 1 + (rows or 1)))
    for seed, row in enumerate(chosen[: rows if rows is not None else len(chosen)]):
        fill_row(sheet, row, seed, **overrides)
    out = target or path
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out
