"""Forms filled as an office would, for ``minyi demo``: values chosen from each form's own
dropdown lists and within its checks, so a newcomer sees forms go out and come back."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from flows.collection.templates import FIRST_DATA_ROW, HEADER_ROW
from flows.periods import Period

# Totals that must stay at or above their parts (members taking part, people attending).
_TOTALS = {"党员总数": (40, 80), "参加人数": (60, 120)}
_PARTS = {"参与社区工作党员数": (20, 38), "在职党员报到数": (0, 10), "流动党员数": (0, 5)}
_SMALL = (0, 15)
# 5 and 4 most often, as real rounds rate; 满意 most often.
_WEIGHTS = {"5": 6, "4": 3, "3": 1, "2": 0.3, "1": 0.1, "满意": 8, "基本满意": 2, "不满意": 0.4}


def form_checks(sheet: Worksheet) -> dict[int, tuple[str, list[str]]]:
    """Each checked column's validation type and, for a list, its choices, by column number."""
    found: dict[int, tuple[str, list[str]]] = {}
    for rule in sheet.data_validations.dataValidation:
        for cells in rule.sqref.ranges:
            choices = (rule.formula1 or "").strip('"').split(",") if rule.type == "list" else []
            found[cells.min_col] = (rule.type or "any", choices)
    return found


def _value(
    rng: random.Random, header: str, kind: str, choices: list[str], period: Period, row: int
) -> object:
    if kind == "list":
        return rng.choices(choices, [_WEIGHTS.get(c, 1) for c in choices])[0]
    if kind == "whole":
        if header in ("收集意见数", "办结数"):
            return 4 if header == "收集意见数" else rng.randint(0, 4)
        low, high = _TOTALS.get(header) or _PARTS.get(header) or _SMALL
        return rng.randint(low, high)
    if kind == "date":
        return period.end + timedelta(days=rng.randint(1, 10))
    if header == "意见建议":
        return rng.choice([None, None, "希望增加停车位", "楼道照明经常坏"])
    return f"{header}{row - HEADER_ROW}"


def fill_form(
    path: Path, target: Path, period: Period, *, new_rows: int = 1, left_out: int = 0, seed: int
) -> Path:
    """Fill a form's prefilled rows but the last ``left_out`` (on a form without prefilled
    rows, ``new_rows`` new ones) and save it as ``target``."""
    rng = random.Random(seed)
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    names = {c.column: c.value for c in sheet[HEADER_ROW] if c.value}
    prefilled = [
        r
        for r in range(FIRST_DATA_ROW, sheet.max_row + 1)
        if sheet.cell(row=r, column=1).value is not None
    ]
    chosen = (
        prefilled[: len(prefilled) - left_out]
        if prefilled
        else list(range(FIRST_DATA_ROW, FIRST_DATA_ROW + new_rows))
    )
    for row in chosen:
        for column, (kind, choices) in form_checks(sheet).items():
            value = _value(rng, str(names.get(column, "")), kind, choices, period, row)
            if kind == "date" and names.get(column) == "日期":  # hearings: within the half-year
                value = period.start + timedelta(days=rng.randint(0, 170))
            sheet.cell(row=row, column=column).value = value
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target


def return_some_forms(forms: list[Path], inbox: Path, period: Period, seed: int) -> list[Path]:
    """The first community's forms, filled and dropped in ``inbox`` as if they came back: its
    evaluation and branch report forms with the last three rows left out (the reminders then
    name them), three hearings."""
    first = sorted(forms)[0].name.split("-")[1] if forms else None
    mine = sorted(p for p in forms if p.name.split("-")[1] == first)
    return [
        fill_form(path, inbox / path.name, period, new_rows=3, left_out=3, seed=seed + number)
        for number, path in enumerate(mine)
    ]
