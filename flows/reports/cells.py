"""Cells as both writers show them: what is hidden, how a value is formatted, how wide a
spreadsheet column is, and text that must never run as a formula."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any, Literal

from markupsafe import Markup
from xlsxwriter.worksheet import Worksheet

from flows.messages import msg

# Text starting with these is run as a formula by Excel, WPS and LibreOffice (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
XLSX_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    # Parts are assembled in memory: no temporary file per part (a workbook has a dozen).
    "in_memory": True,
}


CellKind = Literal["text", "int", "pct", "pp", "num", "p"]


class _Suppressed:
    """A cell hidden by the small-cell rule."""

    def __repr__(self) -> str:
        return "SUPPRESSED"

    def __reduce__(self) -> str:
        return "SUPPRESSED"  # unpickles as the one instance, so ``is SUPPRESSED`` still holds


SUPPRESSED = _Suppressed()


@dataclass(frozen=True)
class Col:
    """One column of a report table: its label and how its values are shown."""

    label: str
    kind: CellKind = "text"
    key: str = ""  # its entry in flows.reports.columns.COLUMNS ("": a column of its own)
    width: int | None = None  # spreadsheet width; None: fitted to the values
    note: str = ""  # what the column counts: a tooltip in HTML, a comment in XLSX


@dataclass
class Table:
    """One section of a report: an HTML table, and one XLSX sheet."""

    key: str
    title: str
    columns: list[Col]
    rows: list[list[object]]
    intro: str = ""
    notes: list[str] = field(default_factory=list)
    chart: Markup | None = None
    grouped: bool = False  # HTML shows the first column as group headings


# Cells and spreadsheets


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would run this text as a formula."""
    return text.startswith(_FORMULA_START)


def safe_cell(sheet: Worksheet, row: int, col: int, value: object, cell_format: Any = None) -> None:
    """Write one cell: numbers as numbers, every text (formula-like or not) as a literal string."""
    if value is None:
        sheet.write_blank(row, col, None, cell_format)
    elif value is SUPPRESSED:
        sheet.write_string(row, col, "—", cell_format)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, cell_format)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value, cell_format)
    else:
        sheet.write_string(row, col, str(value), cell_format)


# Formulas as xlsxwriter writes them, by (formula, expand future functions, use them).
_PREPARED_FORMULAS: dict[tuple[str, bool, bool], str] = {}


class PreparedFormulas(Worksheet):
    """A worksheet that prepares each distinct formula once per process: xlsxwriter runs about
    150 regular expressions over every formula it writes (to spell Excel's newer functions),
    a dropdown's list reference included, three of them in every corrections workbook. The
    prepared text depends only on the formula and the two flags, so the XML is unchanged."""

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        key = (formula, expand_future_functions, bool(self.use_future_functions))
        prepared = _PREPARED_FORMULAS.get(key)
        if prepared is None:
            if len(_PREPARED_FORMULAS) >= 10_000:
                _PREPARED_FORMULAS.clear()
            prepared = _PREPARED_FORMULAS[key] = super()._prepare_formula(
                formula, expand_future_functions
            )
        return prepared


class _CharWidths(dict[str, int]):
    """Columns each character takes, looked up in Unicode once per distinct character."""

    def __missing__(self, ch: str) -> int:
        width = self[ch] = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        return width


_CHAR_WIDTHS = _CharWidths()
_MAX_WIDTH = 60  # widest column a sheet gets


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: Chinese characters count double."""
    if text.isascii():
        return len(text)
    return sum(map(_CHAR_WIDTHS.__getitem__, text))


def column_widths(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[int]:
    """Each column's width: its widest text plus 2, between 8 and 60."""
    widths = [display_width(h) for h in header]
    enough = _MAX_WIDTH - 2  # wider than this is cut to the maximum anyway
    for i, column in enumerate(zip_longest(*rows)):
        if widths[i] < enough:
            widths[i] = max(widths[i], _widest(column, enough))
    return [min(_MAX_WIDTH, max(8, w + 2)) for w in widths]


def _widest(values: Sequence[object], enough: int) -> int:
    """The display width of the widest of ``values`` (as ``plain`` shows them), or at least
    ``enough`` once one is that wide. Each distinct value is measured once, longest first.
    """
    try:
        # Keyed by type too: 1 and 1.0 are equal but shown as "1" and "1.000".
        keys = zip(map(type, values), values, strict=True)
        distinct: Iterable[object] = dict(zip(keys, values, strict=True)).values()
    except TypeError:  # an unhashable value: measure them all
        distinct = values
    best = 0
    for text in sorted({plain(v) for v in distinct}, key=len, reverse=True):
        if 2 * len(text) <= best or best >= enough:
            break  # no shorter text can be wider: a character is at most 2 columns
        best = max(best, display_width(text))
    return best


def plain(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    return "—" if value is SUPPRESSED else str(value)


def sheet_name(title: str, taken: set[str]) -> str:
    """A valid, unique worksheet name (at most 31 characters, none of []:*?/\\)."""
    base = _SHEET_NAME_BAD.sub(" ", title).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


class Rate(float):
    """A rate shown beside its target: its text never rounds across the target."""

    target: float

    def __new__(cls, value: float, target: float) -> Rate:
        rate = super().__new__(cls, value)
        rate.target = target
        return rate

    def __reduce__(self) -> tuple[type[Rate], tuple[float, float]]:
        return (Rate, (float(self), self.target))


# Beyond this many decimals a percentage is cut toward its verdict rather than rounded.
_MAX_RATE_DECIMALS = 4


def rate_decimals(value: float, target: float | None, decimals: int = 1) -> int:
    """Decimals a percentage needs so that, shown, it is on the same side of its target as
    it is (97.96% under a 98% target is "97.96%", never "98.0%")."""
    if target is None:
        return decimals
    below = value < target
    for places in range(decimals, _MAX_RATE_DECIMALS + 1):
        if (round(value, places + 2) < target) == below:
            return places
    return _MAX_RATE_DECIMALS


def rate_shown(value: float, target: float | None = None, decimals: int = 1) -> float:
    """The rate as it is shown (see ``rate_text``), as a number."""
    places = rate_decimals(value, target, decimals)
    shown = round(value, places + 2)
    if target is not None and (shown < target) != (value < target):
        step = 10 ** (places + 2)
        shown = (math.floor if value < target else math.ceil)(value * step) / step
    return shown


def rate_text(value: float, target: float | None = None, decimals: int = 1) -> str:
    """A rate as a percentage that agrees with its verdict against ``target`` (see
    ``rate_decimals``); past four decimals it is cut toward the verdict."""
    places = rate_decimals(value, target, decimals)
    return f"{rate_shown(value, target, decimals):.{places}%}"


def format_cell(value: object, kind: CellKind, lang: str) -> str:
    """A cell as the HTML report shows it: percentages with one decimal, "—" when hidden."""
    if value is SUPPRESSED:
        return "—"
    if value is None:
        return ""
    if kind == "pct" and isinstance(value, Rate):
        return rate_text(value, value.target)
    if kind == "pct" and isinstance(value, int | float):
        return f"{value:.1%}"
    if kind == "pp" and isinstance(value, int | float):
        return msg("report.pp", lang, value=value * 100)
    if kind == "int" and isinstance(value, int | float):
        return f"{int(value):,}"
    if kind == "num" and isinstance(value, int | float):
        return f"{value:.2f}"
    if kind == "p" and isinstance(value, int | float):
        return "< 0.001" if value < 0.001 else f"{value:.3f}"
    return str(value)
