"""Reports people read: the semiannual report (HTML and XLSX), the data-quality report and
the corrections workbooks organizers fix and drop back into the inbox.

Every report is self-contained (no URL, no font or script from elsewhere): charts are inline
SVG whose text stays text, so Chinese renders with the reader's own fonts.
"""

from __future__ import annotations

import hashlib
import json
import math
import multiprocessing
import os
import re
import unicodedata
from collections import defaultdict, deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from itertools import zip_longest
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

import duckdb
import xlsxwriter
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from xlsxwriter.worksheet import Worksheet

from flows.datasets import COLUMNS, KINDS, RATING_ITEMS, column_label
from flows.messages import MESSAGES, Lang, both, msg
from flows.periods import Period
from flows.settings import Settings
from flows.warehouse import sql
from flows.warehouse.display import display_rows

TEMPLATES_DIR = Path(__file__).parent / "templates"
ALPHA = 0.05
CORRECTION_SHEET = "_minyi_correction"
ROLE_ORDER = ("deputy", "cppcc_member", "resident_rep", "unit_rep")
# Text starting with these is run as a formula by Excel, WPS and LibreOffice (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
_FILE_NAME_BAD = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_XLSX_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    # Parts are assembled in memory: no temporary file per part (a workbook has a dozen).
    "in_memory": True,
}

# Report workbooks with more cells than this are written row by row (see write_report_workbook).
LARGE_WORKBOOK_CELLS = 1_000_000
# With more registered communities than settings.report_community_limit (5,000), the report
# shows subdistricts instead of every community and lists at most this many of those under
# target: a city of a few hundred subdistricts keeps every community, a national registry
# (115,000 communities) no longer makes a 450 MB page. Every community's figures stay in the
# warehouse (minyi export).
LISTED_COMMUNITIES = 200
# The quality report lists at most this many quarantined cells per table, after a summary by
# reason: a national half-year has 175,000 of them (a 47 MB page). Every cell stays in the
# file's corrections workbook and in meta.quarantine.
LISTED_QUARANTINE_CELLS = 2_000
# The quality report (and the Prefect table artifact) lists at most this many files received:
# a national half-year has 27,000.
LISTED_RECEIPTS = 2_000
# The quality report names the corrections workbooks up to this many; past it, it counts them.
NAMED_CORRECTIONS = 50

CellKind = Literal["text", "int", "pct", "pp", "num", "p"]
K = TypeVar("K", bound=Hashable)


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


@dataclass(frozen=True)
class Figure:
    """One headline figure: a rate against its target."""

    label: str
    rate: float | None
    target: float
    detail: str
    verdict: str
    tone: str  # meets | borderline | below | none


@dataclass(frozen=True)
class ChangeTest:
    """A rate's change against the previous half-year, with Fisher's exact test."""

    change: float
    p_value: float
    significant: bool


@dataclass(frozen=True)
class _Context:
    """What every section builder needs: warehouse, settings, half-year, language."""

    con: duckdb.DuckDBPyConnection
    settings: Settings
    period: str
    lang: str
    definition: str
    # Communities in the registry (above settings.report_community_limit the report shows
    # subdistricts instead).
    communities: int = 0
    # Query results and labels already looked up while writing one set of reports.
    memo: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)

    def t(self, key: str, **values: object) -> str:
        """A report text in the context's language."""
        return msg(key, self.lang, **values)

    def query(self, name: str, *params: object) -> list[dict[str, Any]]:
        """``_query`` run once per context: several sections read the same rows."""
        key = ("query", name, *params)
        if key not in self.memo:
            self.memo[key] = _query(self.con, name, *params)
        rows: list[dict[str, Any]] = self.memo[key]
        return rows

    @property
    def by_subdistrict(self) -> bool:
        """Whether the report shows subdistricts rather than every community."""
        return self.communities > self.settings.report_community_limit

    @property
    def previous(self) -> str:
        """The half-year before the report's."""
        return str(Period.coerce(self.period).previous())


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


def _column_widths(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[int]:
    """Each column's width: its widest text plus 2, between 8 and 60."""
    widths = [display_width(h) for h in header]
    enough = _MAX_WIDTH - 2  # wider than this is cut to the maximum anyway
    for i, column in enumerate(zip_longest(*rows)):
        if widths[i] < enough:
            widths[i] = max(widths[i], _widest(column, enough))
    return [min(_MAX_WIDTH, max(8, w + 2)) for w in widths]


def _widest(values: Sequence[object], enough: int) -> int:
    """The display width of the widest of ``values`` (as ``_plain`` shows them), or at least
    ``enough`` once one is that wide. Each distinct value is measured once, longest first.
    """
    try:
        # Keyed by type too: 1 and 1.0 are equal but shown as "1" and "1.000".
        keys = zip(map(type, values), values, strict=True)
        distinct: Iterable[object] = dict(zip(keys, values, strict=True)).values()
    except TypeError:  # an unhashable value: measure them all
        distinct = values
    best = 0
    for text in sorted({_plain(v) for v in distinct}, key=len, reverse=True):
        if 2 * len(text) <= best or best >= enough:
            break  # no shorter text can be wider: a character is at most 2 columns
        best = max(best, display_width(text))
    return best


def _plain(value: object) -> str:
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


# Statistics and disclosure control


def change_test(
    positives: int, responses: int, previous_positives: int, previous_responses: int
) -> ChangeTest | None:
    """Change in rate against the previous half-year, with Fisher's exact test (two-sided)."""
    if responses <= 0 or previous_responses <= 0:
        return None
    table = [
        [positives, responses - positives],
        [previous_positives, previous_responses - previous_positives],
    ]
    from scipy.stats import fisher_exact  # imported when first needed: it takes seconds

    p_value = float(fisher_exact(table, alternative="two-sided")[1])
    change = positives / responses - previous_positives / previous_responses
    return ChangeTest(change, p_value, p_value < ALPHA)


def suppressed_cells(
    sizes: Mapping[K, int],
    min_size: int,
    groups: Sequence[Callable[[K], Hashable]] = (),
) -> set[K]:
    """Cells to hide: those under ``min_size``, plus, in any group (whose total is shown
    elsewhere) with exactly one hidden cell, its smallest shown cell, until none is left alone.
    """
    hidden = {key for key, size in sizes.items() if size < min_size}
    group_functions = list(groups) or [lambda _key: None]
    changed = True
    while changed:
        changed = False
        for group_of in group_functions:
            members: dict[Hashable, list[K]] = defaultdict(list)
            for key in sizes:
                members[group_of(key)].append(key)
            for keys in members.values():
                shown = [k for k in keys if k not in hidden]
                if len(keys) - len(shown) == 1 and shown:
                    hidden.add(min(shown, key=lambda k: (sizes[k], str(k))))
                    changed = True
    return hidden


def positives(row: Mapping[str, Any], definition: str) -> int:
    """Forms counted as satisfied under the definition (top2: 满意+基本满意; top1: 满意)."""
    satisfied = int(row["satisfied"] or 0)
    return satisfied + int(row["basically_satisfied"] or 0) if definition == "top2" else satisfied


# Queries


def _query(con: duckdb.DuckDBPyConnection, name: str, *params: object) -> list[dict[str, Any]]:
    # A text too long to show (loaded before the cell limit existed) is cut inside DuckDB.
    return display_rows(con, sql(f"reports/{name}"), list(params))


def _headline_definition(con: duckdb.DuckDBPyConnection, settings: Settings, period: str) -> str:
    rows = _query(con, "headline_definition", period)
    return str(rows[0]["definition"]) if rows else settings.satisfaction_definition


def _context(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    period: Period,
    lang: str,
) -> _Context:
    definition = _headline_definition(con, settings, str(period))
    communities = int(_query(con, "community_count")[0]["communities"])
    return _Context(con, settings, str(period), lang, definition, communities)


# Formatting


def format_cell(value: object, kind: CellKind, lang: str) -> str:
    """A cell as the HTML report shows it: percentages with one decimal, "—" when hidden."""
    if value is SUPPRESSED:
        return "—"
    if value is None:
        return ""
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


def _when(value: object, tz: str) -> str:
    if isinstance(value, datetime):
        local = value.astimezone(ZoneInfo(tz)) if value.tzinfo else value
        return local.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def _yes_no(ctx: _Context, value: object) -> str:
    if value is None:
        return ""
    return ctx.t("report.yes") if value else ctx.t("report.no")


def _label(ctx: _Context, prefix: str, value: object) -> str:
    memo = ("label", prefix, value if isinstance(value, Hashable) else repr(value))
    if memo not in ctx.memo:
        try:
            ctx.memo[memo] = ctx.t(f"report.{prefix}.{value}")
        except KeyError:
            ctx.memo[memo] = ctx.t("report.unknown") if value is None else str(value)
    label: str = ctx.memo[memo]
    return label


def _all(ctx: _Context) -> str:
    """The label of a total row: the whole subdistrict, or all subdistricts."""
    return ctx.t("report.all_subdistricts" if ctx.by_subdistrict else "report.all")


def _definition_name(ctx: _Context) -> str:
    return ctx.t(f"report.definition.{ctx.definition}")


# Charts


def _template_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates ship with the package: no stat() per chart rendered
    )
    env.filters["cell"] = format_cell
    env.filters["rows_html"] = _table_rows_html
    env.filters["pct"] = lambda v: "" if v is None else f"{v:.0%}"
    return env


def _table_rows_html(table: Table, lang: str) -> Markup:
    """The body rows of a report table in HTML: one ``<tr>`` per row, cells shown with
    ``format_cell``; a grouped table starts a group row whenever its first column changes.

    Built here rather than in ``_table.html.j2`` because a report has up to a million cells.
    """
    kinds = [c.kind for c in table.columns]
    text_class = "opinion" if table.key == "opinions" else ""
    classes = ["num" if kind != "text" else text_class for kind in kinds]
    first = 1 if table.grouped else 0
    group_row = '<tr class="group"><td colspan="' + str(len(kinds) - 1) + '">{}</td></tr>\n'
    out: list[str] = []
    group: object = None
    for row in table.rows:
        if first and row[0] != group:
            group = row[0]
            out.append(group_row.format(escape(group)))
        out.append("<tr>\n")
        for i in range(first, len(row)):
            value = row[i]
            # format_cell shows a text as it is (whatever the column): the call worth saving.
            shown = value if type(value) is str else format_cell(value, kinds[i], lang)
            css = "hidden" if shown == "—" else classes[i]
            out.append(f'<td class="{css}">{shown.translate(_HTML_ESCAPES)}</td>\n')
        out.append("</tr>\n")
    return Markup("".join(out))


# What markupsafe.escape (Jinja's autoescape) replaces, for a plain str, as a translate table.
_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"})


_ENV = _template_env()


@dataclass(frozen=True)
class _Point:
    label: str
    rate: float
    low: float
    high: float
    verdict: str
    small: bool


def _axis_low(values: Iterable[float], target: float) -> float:
    """Where a rate axis starts: a round figure below every value and the target."""
    lowest = max(0.0, min([*values, target - 0.05]))
    low = math.floor(lowest * 20) / 20
    return min(0.9, low if 1.0 - low <= 0.3 else math.floor(lowest * 10) / 10)


def dot_interval_chart(points: Sequence[_Point], target: float, title: str, lang: str) -> Markup:
    """An inline SVG: one row per group, dot at the rate, bar over its interval, target line."""
    if not points:
        return Markup("")
    low = _axis_low((p.low for p in points), target)
    left, right, top, row_height = 190.0, 730.0, 44.0, 24.0

    def x(value: float) -> float:
        return round(left + (value - low) / (1.0 - low) * (right - left), 1)

    step = 0.05 if 1.0 - low <= 0.3 else 0.1
    ticks = [round(low + i * step, 4) for i in range(round((1.0 - low) / step) + 1)]
    rows = [
        {
            "y": top + (i + 0.5) * row_height,
            "label": p.label,
            "cx": x(p.rate),
            "x1": x(max(p.low, low)),
            "x2": x(p.high),
            "verdict": p.verdict,
            "small": p.small,
            "text": f"{p.rate:.1%}",
        }
        for i, p in enumerate(points)
    ]
    height = top + len(points) * row_height + 12
    return Markup(
        _ENV.get_template("charts/dot_interval.svg.j2").render(
            rows=rows,
            ticks=[{"x": x(t), "text": f"{t:.0%}"} for t in ticks],
            target_x=x(target),
            target_text=msg("report.headline.target", lang, target=f"{target:.0%}"),
            title=title,
            top=top,
            bottom=height - 12,
            height=height,
        )
    )


def trend_chart(
    label: str, series: Sequence[tuple[str, float | None]], target: float, low: float
) -> Markup:
    """A small inline SVG line chart of one community's rate over half-years."""
    width, height, pad_x, top, bottom = 230.0, 120.0, 30.0, 22.0, 96.0
    count = max(1, len(series) - 1)

    def y(value: float) -> float:
        return round(bottom - (value - low) / (1.0 - low) * (bottom - top), 1)

    points = [
        {"x": round(pad_x + i * (width - 2 * pad_x) / count, 1), "y": y(max(v, low)), "v": v}
        for i, (_p, v) in enumerate(series)
        if v is not None
    ]
    return Markup(
        _ENV.get_template("charts/trend.svg.j2").render(
            label=label,
            points=points,
            path=" ".join(f"{p['x']},{p['y']}" for p in points),
            first=series[0][0] if series else "",
            last=series[-1][0] if series else "",
            target_y=y(target),
            width=width,
            height=height,
            bottom=bottom,
        )
    )


# The semiannual report's sections


def _satisfaction_rows(ctx: _Context, period: str) -> list[dict[str, Any]]:
    """Every community × role cell and rollup; only the rollups when showing subdistricts."""
    name = "satisfaction_rollups" if ctx.by_subdistrict else "satisfaction"
    return ctx.query(name, period, ctx.definition)


def _member_rows(ctx: _Context) -> list[dict[str, Any]]:
    """Member participation per community and in total; only the total when showing
    subdistricts."""
    name = "member_participation_total" if ctx.by_subdistrict else "member_participation"
    return ctx.query(name, ctx.period)


def _cell_key(row: Mapping[str, Any]) -> tuple[str | None, str | None]:
    return (row["community_id"], row["role"])


def _headline_figures(ctx: _Context) -> list[Figure]:
    """Satisfaction, member and unit participation for the whole subdistrict."""
    sat = next(
        (r for r in _satisfaction_rows(ctx, ctx.period) if _cell_key(r) == (None, None)), None
    )
    members = next((r for r in _member_rows(ctx) if not r["community_id"]), None)
    units = next(iter(ctx.query("unit_participation", ctx.period)), None)
    settings = ctx.settings
    figures = [
        Figure(
            ctx.t("report.headline.satisfaction", definition=_definition_name(ctx)),
            sat["rate"] if sat else None,
            float(sat["target"]) if sat else settings.satisfaction_target,
            ctx.t(
                "report.headline.interval",
                low=f"{sat['ci_low']:.1%}",
                high=f"{sat['ci_high']:.1%}",
                n=sat["responses"],
            )
            if sat
            else ctx.t("report.no_data"),
            _label(ctx, "verdict", sat["verdict"]) if sat else "",
            str(sat["verdict"]) if sat else "none",
        )
    ]
    for key, row, part, total, target in (
        ("members", members, "members_participating", "members_total", settings.member_target),
        ("units", units, "orgs_took_part", "orgs_registered", settings.unit_target),
    ):
        meets = row["meets_target"] if row else None
        figures.append(
            Figure(
                ctx.t(f"report.headline.{key}"),
                row["rate"] if row else None,
                float(row["target"]) if row and row["target"] is not None else target,
                ctx.t("report.headline.count", part=row[part], total=row[total])
                if row
                else ctx.t("report.no_data"),
                "" if meets is None else _label(ctx, "verdict", "meets" if meets else "below"),
                "none" if meets is None else ("meets" if meets else "below"),
            )
        )
    return figures


def _headline_table(ctx: _Context, figures: Sequence[Figure]) -> Table:
    columns = [
        Col(ctx.t("report.col.measure")),
        Col(ctx.t("report.col.value"), "pct"),
        Col(ctx.t("report.col.target"), "pct"),
        Col(ctx.t("report.col.verdict")),
        Col(ctx.t("report.col.detail")),
    ]
    rows: list[list[object]] = [[f.label, f.rate, f.target, f.verdict, f.detail] for f in figures]
    return Table("headline", ctx.t("report.section.headline"), columns, rows)


def _rate_columns(ctx: _Context, first: list[Col]) -> list[Col]:
    return [
        *first,
        Col(ctx.t("report.col.responses"), "int"),
        Col(ctx.t("report.col.satisfied"), "int"),
        Col(ctx.t("report.col.basically_satisfied"), "int"),
        Col(ctx.t("report.col.dissatisfied"), "int"),
        Col(ctx.t("report.col.rate"), "pct"),
        Col(ctx.t("report.col.ci_low"), "pct"),
        Col(ctx.t("report.col.ci_high"), "pct"),
        Col(ctx.t("report.col.verdict")),
        Col(ctx.t("report.col.small_sample")),
        Col(ctx.t("report.col.rate_previous"), "pct"),
        Col(ctx.t("report.col.change"), "pp"),
        Col(ctx.t("report.col.p_value"), "p"),
        Col(ctx.t("report.col.change_test")),
    ]


def _rate_cells(
    ctx: _Context, row: Mapping[str, Any], previous: Mapping[str, Any] | None
) -> list[object]:
    """The figures of one satisfaction row, with its change against the previous half-year."""
    test = None
    previous_rate: object = None
    if previous is not None:
        if previous["responses"] < ctx.settings.min_cell_size:
            previous_rate = SUPPRESSED
        else:
            previous_rate = previous["rate"]
            test = change_test(
                positives(row, ctx.definition),
                int(row["responses"]),
                positives(previous, ctx.definition),
                int(previous["responses"]),
            )
    return [
        row["responses"],
        row["satisfied"],
        row["basically_satisfied"],
        row["dissatisfied"],
        row["rate"],
        row["ci_low"],
        row["ci_high"],
        _label(ctx, "verdict", row["verdict"]),
        ctx.t("report.yes") if row["small_sample"] else "",
        previous_rate,
        test.change if test else None,
        test.p_value if test else None,
        None
        if test is None
        else ctx.t("report.significant" if test.significant else "report.not_significant"),
    ]


def _rate_table(
    ctx: _Context,
    key: str,
    label_col: Col,
    rows: Sequence[tuple[str, Mapping[str, Any]]],
    previous: Mapping[tuple[str | None, str | None], Mapping[str, Any]],
    hidden: set[tuple[str | None, str | None]],
) -> Table:
    """A satisfaction table sorted by rate with its dot-and-interval chart."""
    shown = sorted(
        (item for item in rows if _cell_key(item[1]) not in hidden),
        key=lambda item: (-float(item[1]["rate"]), item[0]),
    )
    table_rows: list[list[object]] = [
        [label, *_rate_cells(ctx, row, previous.get(_cell_key(row)))] for label, row in shown
    ]
    width = len(_rate_columns(ctx, [label_col]))
    table_rows += [
        [label, *[SUPPRESSED] * (width - 1)]
        for label, row in sorted(rows, key=lambda item: item[0])
        if _cell_key(row) in hidden
    ]
    points = [
        _Point(
            label,
            float(r["rate"]),
            float(r["ci_low"]),
            float(r["ci_high"]),
            str(r["verdict"]),
            bool(r["small_sample"]),
        )
        for label, r in shown
    ]
    title = ctx.t(f"report.section.{key}")
    chart_title = f"{title} · {_definition_name(ctx)}"
    return Table(
        key,
        title,
        _rate_columns(ctx, [label_col]),
        table_rows,
        intro=ctx.t(
            "report.intro.by_community",
            target=f"{ctx.settings.satisfaction_target:.0%}",
            min_responses=ctx.settings.min_responses,
        ),
        notes=_suppression_notes(ctx, hidden),
        chart=dot_interval_chart(points, ctx.settings.satisfaction_target, chart_title, ctx.lang),
    )


def _suppression_notes(ctx: _Context, hidden: Iterable[object]) -> list[str]:
    return (
        [ctx.t("report.note.suppression", min_cell=ctx.settings.min_cell_size)]
        if any(True for _ in hidden)
        else []
    )


def _satisfaction_tables(ctx: _Context) -> list[Table]:
    """Satisfaction by community, by role, and by community × role (small cells hidden)."""
    current = _satisfaction_rows(ctx, ctx.period)
    previous = {_cell_key(r): r for r in _satisfaction_rows(ctx, ctx.previous)}
    minimum = ctx.settings.min_cell_size
    by_community = [
        (r["community_name"], r) for r in current if r["community_id"] and not r["role"]
    ]
    by_role = [
        (_label(ctx, "role", r["role"]), r) for r in current if r["role"] and not r["community_id"]
    ]
    sizes = {_cell_key(r): int(r["responses"]) for _label_text, r in by_community + by_role}
    hidden_communities = suppressed_cells({k: v for k, v in sizes.items() if k[1] is None}, minimum)
    hidden_roles = suppressed_cells({k: v for k, v in sizes.items() if k[0] is None}, minimum)
    role_table = _rate_table(
        ctx, "by_role", Col(ctx.t("report.col.role")), by_role, previous, hidden_roles
    )
    if ctx.by_subdistrict:
        return [_subdistrict_rate_table(ctx), _under_target_table(ctx), role_table]
    return [
        _rate_table(
            ctx,
            "by_community",
            Col(ctx.t("report.col.community")),
            by_community,
            previous,
            hidden_communities,
        ),
        role_table,
        _community_role_table(ctx, current, hidden_communities),
    ]


def _role_rank(role: object) -> int:
    return ROLE_ORDER.index(str(role)) if role in ROLE_ORDER else len(ROLE_ORDER)


def _community_role_table(
    ctx: _Context, current: Sequence[Mapping[str, Any]], hidden_communities: set[Any]
) -> Table:
    """Community × role: the breakdown most likely to reveal one person, so hidden the most."""
    cells = sorted(
        (r for r in current if r["community_id"] and r["role"]),
        key=lambda r: (str(r["community_name"]), _role_rank(r["role"])),
    )
    sizes = {_cell_key(r): int(r["responses"]) for r in cells}
    hidden = suppressed_cells(
        sizes, ctx.settings.min_cell_size, groups=(lambda k: k[0], lambda k: k[1])
    )
    hidden |= {k for k in sizes if (k[0], None) in hidden_communities}
    columns = [
        Col(ctx.t("report.col.community")),
        Col(ctx.t("report.col.role")),
        Col(ctx.t("report.col.responses"), "int"),
        Col(ctx.t("report.col.rate"), "pct"),
        Col(ctx.t("report.col.ci_low"), "pct"),
        Col(ctx.t("report.col.ci_high"), "pct"),
        Col(ctx.t("report.col.verdict")),
        Col(ctx.t("report.col.small_sample")),
    ]
    rows: list[list[object]] = []
    for r in cells:
        label = [r["community_name"], _label(ctx, "role", r["role"])]
        if _cell_key(r) in hidden:
            rows.append([*label, *[SUPPRESSED] * 6])
            continue
        rows.append(
            [
                *label,
                r["responses"],
                r["rate"],
                r["ci_low"],
                r["ci_high"],
                _label(ctx, "verdict", r["verdict"]),
                ctx.t("report.yes") if r["small_sample"] else "",
            ]
        )
    title = ctx.t("report.section.community_role")
    return Table("community_role", title, columns, rows, notes=_suppression_notes(ctx, hidden))


def _items_table(ctx: _Context) -> Table:
    """Mean score of each rated item per community (or subdistrict); those under the cell size
    hidden."""
    if ctx.by_subdistrict:
        key, place = "items_by_subdistrict", "report.col.subdistrict"
        scores = _as_communities(ctx, _query(ctx.con, "subdistrict_items", ctx.period))
    else:
        key, place = "items", "report.col.community"
        scores = _query(ctx.con, "item_scores", ctx.period)
    by_community: dict[str | None, dict[str, Any]] = defaultdict(dict)
    names: dict[str | None, str] = {}
    for s in scores:
        by_community[s["community_id"]][s["item"]] = s
        names[s["community_id"]] = s["community_name"] or _all(ctx)
    sizes = {
        c: max(int(s["responses"]) for s in items.values())
        for c, items in by_community.items()
        if c is not None
    }
    hidden = suppressed_cells(sizes, ctx.settings.min_cell_size)
    columns = [
        Col(ctx.t(place)),
        Col(ctx.t("report.col.responses"), "int"),
        *[Col(ctx.t(f"report.item.{item}"), "num") for item in RATING_ITEMS],
    ]
    order = sorted((c for c in by_community if c is not None), key=lambda c: names[c])
    rows: list[list[object]] = []
    for community in [*order, None] if None in by_community else order:
        items = by_community[community]
        label = names[community] if community else _all(ctx)
        if community in hidden:
            rows.append([label, *[SUPPRESSED] * (len(columns) - 1)])
            continue
        means = [items[i]["mean"] if i in items else None for i in RATING_ITEMS]
        rows.append([label, max(int(s["responses"]) for s in items.values()), *means])
    return Table(
        key, ctx.t(f"report.section.{key}"), columns, rows, notes=_suppression_notes(ctx, hidden)
    )


def _trends_table(ctx: _Context) -> Table:
    """Each community's (or subdistrict's) rate over every loaded half-year up to this one, with
    small charts (by subdistrict: one, of all communities)."""
    if ctx.by_subdistrict:
        section, place = "trends_by_subdistrict", "report.col.subdistrict"
        trend = _query(ctx.con, "subdistrict_trend", ctx.period, ctx.definition)
        rows = _as_communities(ctx, trend)
    else:
        section, place = "trends", "report.col.community"
        rows = _query(ctx.con, "satisfaction_trend", ctx.period, ctx.definition)
    periods = sorted({str(r["period"]) for r in rows})
    sizes = {
        (r["period"], r["community_id"]): int(r["responses"]) for r in rows if r["community_id"]
    }
    hidden = suppressed_cells(sizes, ctx.settings.min_cell_size, groups=(lambda k: k[0],))
    series: dict[str | None, dict[str, object]] = defaultdict(dict)
    names: dict[str | None, str] = {None: _all(ctx)}
    for r in rows:
        key = (r["period"], r["community_id"])
        series[r["community_id"]][r["period"]] = SUPPRESSED if key in hidden else r["rate"]
        if r["community_id"]:
            names[r["community_id"]] = r["community_name"]
    order = [*sorted((c for c in series if c), key=lambda c: names[c]), None]
    target = ctx.settings.satisfaction_target
    values = [v for s in series.values() for v in s.values() if isinstance(v, float)]
    low = _axis_low(values, target)
    charts = [
        trend_chart(
            names[c],
            [(p, v if isinstance(v := series[c].get(p), float) else None) for p in periods],
            target,
            low,
        )
        for c in order
        if c in series and (c is None or not ctx.by_subdistrict)
    ]
    return Table(
        section,
        ctx.t(f"report.section.{section}"),
        [Col(ctx.t(place)), *[Col(p, "pct") for p in periods]],
        [[names[c], *[series[c].get(p) for p in periods]] for c in order if c in series],
        intro=ctx.t(f"report.intro.{section}", definition=_definition_name(ctx), low=f"{low:.0%}"),
        notes=_suppression_notes(ctx, hidden),
        chart=Markup("").join(charts),
    )


def _participation_tables(ctx: _Context) -> list[Table]:
    """Member participation per community (or subdistrict), per kind of organisation, units."""
    if ctx.by_subdistrict:
        key, place = "members_by_subdistrict", "report.col.subdistrict"
        members = _as_communities(ctx, _query(ctx.con, "subdistrict_members", ctx.period))
    else:
        key, place = "members", "report.col.community"
        members = _member_rows(ctx)
    member_rows: list[list[object]] = [
        [
            r["community_name"] if r["community_id"] else _all(ctx),
            r["members_total"],
            r["members_participating"],
            r["rate"],
            r["target"],
            _yes_no(ctx, r["meets_target"]),
        ]
        for r in members
    ]
    member_cols = [
        Col(ctx.t(place)),
        Col(ctx.t("report.col.members_total"), "int"),
        Col(ctx.t("report.col.members_participating"), "int"),
        Col(ctx.t("report.col.participation_rate"), "pct"),
        Col(ctx.t("report.col.target"), "pct"),
        Col(ctx.t("report.col.meets_target")),
    ]
    kinds = _query(ctx.con, "participation_by_org_kind", ctx.period)
    kind_cols = [
        Col(ctx.t("report.col.org_kind")),
        Col(ctx.t("report.col.orgs_registered"), "int"),
        Col(ctx.t("report.col.reports_received"), "int"),
        Col(ctx.t("report.col.members_total"), "int"),
        Col(ctx.t("report.col.members_participating"), "int"),
        Col(ctx.t("report.col.participation_rate"), "pct"),
        Col(ctx.t("report.col.in_service_registered"), "int"),
        Col(ctx.t("report.col.activities"), "int"),
        Col(ctx.t("report.col.orgs_took_part"), "int"),
    ]
    kind_rows: list[list[object]] = [
        [
            _label(ctx, "org", r["kind"]),
            r["orgs_registered"],
            r["reports_received"],
            r["members_total"],
            r["members_participating"],
            r["rate"],
            r["in_service_registered"],
            r["activities"],
            r["orgs_took_part"],
        ]
        for r in kinds
    ]
    units = ctx.query("unit_participation", ctx.period)
    unit_cols = [
        Col(ctx.t("report.col.orgs_registered"), "int"),
        Col(ctx.t("report.col.orgs_took_part"), "int"),
        Col(ctx.t("report.col.participation_rate"), "pct"),
        Col(ctx.t("report.col.target"), "pct"),
        Col(ctx.t("report.col.meets_target")),
    ]
    unit_rows: list[list[object]] = [
        [
            r["orgs_registered"],
            r["orgs_took_part"],
            r["rate"],
            r["target"],
            _yes_no(ctx, r["meets_target"]),
        ]
        for r in units
    ]
    note = [ctx.t("report.note.participation")]
    return [
        Table(key, ctx.t(f"report.section.{key}"), member_cols, member_rows, notes=note),
        Table("org_kinds", ctx.t("report.section.org_kinds"), kind_cols, kind_rows),
        Table("units", ctx.t("report.section.units"), unit_cols, unit_rows, notes=note),
    ]


def _hearing_cells(r: Mapping[str, Any]) -> list[object]:
    return [
        r["events"],
        r["attendees"],
        r["opinions_raised"],
        r["opinions_resolved"],
        r["resolution_rate"],
        r["households_visited"],
        r["household_coverage"],
    ]


def _hearing_tables(ctx: _Context) -> list[Table]:
    """Hearings, consultations and home visits per community (or subdistrict) and per kind."""
    if ctx.by_subdistrict:
        key, place = "hearings_by_subdistrict", "report.col.subdistrict"
        subdistricts = _query(ctx.con, "subdistrict_hearings", ctx.period)
        rollups = _query(ctx.con, "hearing_rollups", ctx.period)
        rows = [*_as_communities(ctx, subdistricts), *rollups]
    else:
        key, place = "hearings", "report.col.community"
        rows = _query(ctx.con, "hearings", ctx.period)
    figures = [
        Col(ctx.t("report.col.events"), "int"),
        Col(ctx.t("report.col.attendees"), "int"),
        Col(ctx.t("report.col.opinions_raised"), "int"),
        Col(ctx.t("report.col.opinions_resolved"), "int"),
        Col(ctx.t("report.col.resolution_rate"), "pct"),
        Col(ctx.t("report.col.households_visited"), "int"),
        Col(ctx.t("report.col.household_coverage"), "pct"),
    ]
    total = [r for r in rows if not r["community_id"] and not r["kind"]]
    community_rows: list[list[object]] = [
        [r["community_name"] if r["community_id"] else _all(ctx), *_hearing_cells(r)]
        for r in [*(r for r in rows if r["community_id"] and not r["kind"]), *total]
    ]
    kind_rows: list[list[object]] = [
        [
            _label(ctx, "hearing", r["kind"]) if r["kind"] else _all(ctx),
            *_hearing_cells(r),
        ]
        for r in [*(r for r in rows if r["kind"] and not r["community_id"]), *total]
    ]
    note = [ctx.t("report.note.coverage")]
    return [
        Table(
            key,
            ctx.t(f"report.section.{key}"),
            [Col(ctx.t(place)), *figures],
            community_rows,
            notes=note,
        ),
        Table(
            "hearing_kinds",
            ctx.t("report.section.hearing_kinds"),
            [Col(ctx.t("report.col.hearing_kind")), *figures],
            kind_rows,
            notes=note,
        ),
    ]


def _reporting_tables(ctx: _Context) -> list[Table]:
    """Completeness and timeliness per source, and who is missing or late."""
    summary = _query(ctx.con, "reporting", ctx.period)
    columns = [
        Col(ctx.t("report.col.source")),
        Col(ctx.t("report.col.expected"), "int"),
        Col(ctx.t("report.col.received"), "int"),
        Col(ctx.t("report.col.on_time"), "int"),
        Col(ctx.t("report.col.late"), "int"),
        Col(ctx.t("report.col.missing"), "int"),
        Col(ctx.t("report.col.completeness"), "pct"),
        Col(ctx.t("report.col.timeliness"), "pct"),
    ]
    rows: list[list[object]] = [
        [
            _label(ctx, "source", r["source"]),
            r["expected"],
            r["received"],
            r["on_time"],
            r["late"],
            int(r["expected"] or 0) - int(r["received"] or 0),
            r["completeness"],
            r["timeliness"],
        ]
        for r in summary
    ]
    note = [ctx.t("report.note.timeliness", days=ctx.settings.report_deadline_days)]
    reporting = Table("reporting", ctx.t("report.section.reporting"), columns, rows, notes=note)
    if ctx.by_subdistrict:
        return [reporting, _subdistrict_gaps_table(ctx, note)]
    gaps = _query(ctx.con, "reporting_gaps", ctx.period)
    gap_rows: list[list[object]] = [
        [
            _label(ctx, "source", g["source"]),
            _label(ctx, "role", g["role"]) if g["role"] else g["unit_name"],
            g["community_name"],
            _label(ctx, "status", g["status"]),
            _when(g["submitted_on"], ctx.settings.timezone),
        ]
        for g in gaps
    ]
    gap_cols = [
        Col(ctx.t("report.col.source")),
        Col(ctx.t("report.col.unit")),
        Col(ctx.t("report.col.community")),
        Col(ctx.t("report.col.status")),
        Col(ctx.t("report.col.submitted_on")),
    ]
    return [reporting, Table("gaps", ctx.t("report.section.gaps"), gap_cols, gap_rows, notes=note)]


def _opinions_table(ctx: _Context) -> Table:
    """Free-text opinions grouped by community, with nothing that identifies who wrote them."""
    rows: list[list[object]] = [
        [r["community_name"], r["opinion"]] for r in _query(ctx.con, "opinions", ctx.period)
    ]
    return Table(
        "opinions",
        ctx.t("report.section.opinions"),
        [Col(ctx.t("report.col.community")), Col(ctx.t("report.col.opinion"))],
        rows,
        intro=ctx.t("report.intro.opinions"),
        grouped=True,
    )


def _source_tables(ctx: _Context) -> list[Table]:
    """The files and runs this half-year's current rows come from."""
    tz = ctx.settings.timezone
    files: list[list[object]] = [
        [
            f["file_name"],
            str(f["file_hash"])[:12],
            _label(ctx, "source", f["kind"]),
            _when(f["received_at"], tz),
            f["rows_current"],
        ]
        for f in _query(ctx.con, "source_files", ctx.period)
    ]
    runs: list[list[object]] = [
        [
            r["run_id"],
            _when(r["started_at"], tz),
            _when(r["finished_at"], tz),
            _label(ctx, "run", r["status"]),
            r["rows_current"],
        ]
        for r in _query(ctx.con, "source_runs", ctx.period)
    ]
    note = ctx.t("report.note.sources")
    return [
        Table(
            "files",
            ctx.t("report.section.files"),
            [
                Col(ctx.t("report.col.file")),
                Col(ctx.t("report.col.hash")),
                Col(ctx.t("report.col.kind")),
                Col(ctx.t("report.col.received_at")),
                Col(ctx.t("report.col.rows_loaded"), "int"),
            ],
            files,
            intro=note,
        ),
        Table(
            "runs",
            ctx.t("report.section.runs"),
            [
                Col(ctx.t("report.col.run")),
                Col(ctx.t("report.col.started_at")),
                Col(ctx.t("report.col.finished_at")),
                Col(ctx.t("report.col.run_status")),
                Col(ctx.t("report.col.rows_loaded"), "int"),
            ],
            runs,
            intro=note,
        ),
    ]


# The semiannual report by subdistrict: above settings.report_community_limit communities


def _subdistrict_label(ctx: _Context, row: Mapping[str, Any]) -> str:
    """A subdistrict's code as the report shows it ("all" for the total row)."""
    if row.get("is_total"):
        return _all(ctx)
    code = row["subdistrict"]
    return str(code) if code else ctx.t("report.subdistrict.none")


def _as_communities(ctx: _Context, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Subdistrict rows shaped as the per-community sections read them: the subdistrict's label
    as community_id and community_name, community_id None for the total."""
    shaped = []
    for row in rows:
        label = _subdistrict_label(ctx, row)
        community = None if row.get("is_total") else label
        shaped.append({**row, "community_id": community, "community_name": label})
    return shaped


def _subdistrict_note(ctx: _Context) -> str:
    return ctx.t("report.note.by_subdistrict", limit=f"{ctx.settings.report_community_limit:,}")


def _subdistrict_rate_table(ctx: _Context) -> Table:
    """Satisfaction per subdistrict, sorted by rate, with how many communities are below target."""
    minimum = ctx.settings.min_cell_size
    current = ctx.query("subdistrict_satisfaction", ctx.period, ctx.definition, minimum)
    previous = {
        r["subdistrict"]: r
        for r in ctx.query("subdistrict_satisfaction", ctx.previous, ctx.definition, minimum)
    }
    hidden = suppressed_cells({r["subdistrict"]: int(r["responses"]) for r in current}, minimum)
    columns = _rate_columns(
        ctx,
        [
            Col(ctx.t("report.col.subdistrict")),
            Col(ctx.t("report.col.communities"), "int"),
            Col(ctx.t("report.col.communities_below"), "int"),
        ],
    )
    shown = sorted(
        (r for r in current if r["subdistrict"] not in hidden),
        key=lambda r: (-float(r["rate"]), _subdistrict_label(ctx, r)),
    )
    rows: list[list[object]] = [
        [
            _subdistrict_label(ctx, r),
            r["communities"],
            r["communities_below"],
            *_rate_cells(ctx, r, previous.get(r["subdistrict"])),
        ]
        for r in shown
    ]
    rows += sorted(
        [_subdistrict_label(ctx, r), *[SUPPRESSED] * (len(columns) - 1)]
        for r in current
        if r["subdistrict"] in hidden
    )
    return Table(
        "by_subdistrict",
        ctx.t("report.section.by_subdistrict"),
        columns,
        rows,
        intro=ctx.t(
            "report.intro.by_subdistrict",
            communities=f"{ctx.communities:,}",
            limit=f"{ctx.settings.report_community_limit:,}",
            target=f"{ctx.settings.satisfaction_target:.0%}",
        ),
        notes=_suppression_notes(ctx, hidden),
    )


def _under_target_table(ctx: _Context) -> Table:
    """The communities under the satisfaction target, those below it first, at most
    LISTED_COMMUNITIES; small communities (and any that would give them away) left out."""
    minimum = ctx.settings.min_cell_size
    sizes = {
        (r["subdistrict"], r["community_id"]): int(r["responses"])
        for r in _query(ctx.con, "community_sizes", ctx.period, ctx.definition)
    }
    # A subdistrict's total is shown: one hidden community in it would be its total minus
    # the others, so the rule hides a second one there, as in every per-community table.
    hidden = suppressed_cells(sizes, minimum, groups=(lambda key: key[0],))
    listed = _query(
        ctx.con,
        "communities_under_target",
        ctx.period,
        ctx.definition,
        sorted(community for _subdistrict, community in hidden),
        LISTED_COMMUNITIES,
    )
    columns = [
        Col(ctx.t("report.col.subdistrict")),
        Col(ctx.t("report.col.community")),
        Col(ctx.t("report.col.responses"), "int"),
        Col(ctx.t("report.col.rate"), "pct"),
        Col(ctx.t("report.col.ci_low"), "pct"),
        Col(ctx.t("report.col.ci_high"), "pct"),
        Col(ctx.t("report.col.verdict")),
        Col(ctx.t("report.col.small_sample")),
    ]
    rows: list[list[object]] = [
        [
            _subdistrict_label(ctx, r),
            r["community_name"],
            r["responses"],
            r["rate"],
            r["ci_low"],
            r["ci_high"],
            _label(ctx, "verdict", r["verdict"]),
            ctx.t("report.yes") if r["small_sample"] else "",
        ]
        for r in listed
    ]
    under = int(listed[0]["under_target"]) if listed else 0
    below = int(listed[0]["below_target"]) if listed else 0
    return Table(
        "under_target",
        ctx.t("report.section.under_target"),
        columns,
        rows,
        intro=ctx.t(
            "report.intro.under_target",
            under=f"{under:,}",
            below=f"{below:,}",
            listed=f"{len(rows):,}",
            target=f"{ctx.settings.satisfaction_target:.0%}",
        ),
        notes=_suppression_notes(ctx, hidden),
    )


def _subdistrict_gaps_table(ctx: _Context, notes: list[str]) -> Table:
    """How many reports are missing or late per subdistrict and source."""
    rows: list[list[object]] = [
        [_subdistrict_label(ctx, g), _label(ctx, "source", g["source"]), g["missing"], g["late"]]
        for g in _query(ctx.con, "subdistrict_gaps", ctx.period)
    ]
    columns = [
        Col(ctx.t("report.col.subdistrict")),
        Col(ctx.t("report.col.source")),
        Col(ctx.t("report.col.missing"), "int"),
        Col(ctx.t("report.col.late"), "int"),
    ]
    title = ctx.t("report.section.gaps_by_subdistrict")
    return Table("gaps_by_subdistrict", title, columns, rows, notes=notes)


def _subdistrict_opinions_table(ctx: _Context) -> Table:
    """How many opinions each subdistrict's forms carry (their text stays in the warehouse)."""
    rows: list[list[object]] = [
        [_subdistrict_label(ctx, r), r["communities"], r["opinions"]]
        for r in _query(ctx.con, "subdistrict_opinions", ctx.period)
    ]
    columns = [
        Col(ctx.t("report.col.subdistrict")),
        Col(ctx.t("report.col.communities"), "int"),
        Col(ctx.t("report.col.opinions"), "int"),
    ]
    return Table(
        "opinions_by_subdistrict",
        ctx.t("report.section.opinions_by_subdistrict"),
        columns,
        rows,
        intro=ctx.t("report.intro.opinions_by_subdistrict"),
    )


def _method_notes(ctx: _Context) -> list[str]:
    """How the figures are defined, tested and protected."""
    s = ctx.settings
    return [
        ctx.t("report.note.definition", definition=_definition_name(ctx)),
        ctx.t("report.note.interval"),
        ctx.t("report.note.small_sample", min_responses=s.min_responses),
        ctx.t("report.note.suppression", min_cell=s.min_cell_size),
        ctx.t("report.note.fisher", previous=ctx.previous, alpha=ALPHA),
        ctx.t("report.note.participation"),
        ctx.t("report.note.timeliness", days=s.report_deadline_days),
        ctx.t("report.note.coverage"),
        *([_subdistrict_note(ctx)] if ctx.by_subdistrict else []),
    ]


def _report_tables(ctx: _Context, figures: Sequence[Figure]) -> list[Table]:
    notes = _method_notes(ctx)
    return [
        _headline_table(ctx, figures),
        *_satisfaction_tables(ctx),
        _items_table(ctx),
        _trends_table(ctx),
        *_participation_tables(ctx),
        *_hearing_tables(ctx),
        *_reporting_tables(ctx),
        _subdistrict_opinions_table(ctx) if ctx.by_subdistrict else _opinions_table(ctx),
        *_source_tables(ctx),
        Table(
            "notes",
            ctx.t("report.section.notes"),
            [Col(ctx.t("report.section.notes"))],
            [[n] for n in notes],
        ),
    ]


# The data-quality report


def _column_label(kind: object, name: object, lang: str) -> str:
    if name is None:
        return ""
    return column_label(str(kind), str(name)) if lang == "zh" else str(name)


def _receipts(con: duckdb.DuckDBPyConnection, period: str) -> list[dict[str, Any]]:
    return _query(con, "quality_receipts", period)


def attention(receipt: Mapping[str, Any]) -> int:
    """How soon someone must act on a file received: 0 rejected, 1 with rows quarantined,
    2 nothing to do."""
    return 0 if receipt["outcome"] == "rejected" else 1 if receipt["rows_quarantined"] else 2


def actionable_first(receipts: Sequence[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """At most ``limit`` of the files received, in their order: all of them when they fit,
    else those to act on first (see :func:`attention`). The quality report, the Prefect
    artifact and ``minyi run``'s list choose with it."""
    if len(receipts) <= limit:
        return list(receipts)
    order = sorted(range(len(receipts)), key=lambda i: attention(receipts[i]))
    return [receipts[i] for i in sorted(order[:limit])]


def quality_rows(
    con: duckdb.DuckDBPyConnection, settings: Settings, period: Period, *, lang: str = "zh"
) -> list[dict[str, object]]:
    """Each file received for the half-year (labels in ``lang``), for a Prefect table artifact;
    past LISTED_RECEIPTS files, those with something to act on first."""
    tz = settings.timezone
    labels = [
        msg(f"report.col.{key}", lang)
        for key in ("file", "kind", "received_at", "rows_read", "rows_loaded")
    ]
    labels += [msg("report.col.rows_quarantined", lang), msg("report.col.outcome", lang)]
    return [
        dict(
            zip(
                labels,
                [
                    r["file_name"],
                    msg(f"report.source.{r['kind']}", lang) if r["kind"] in KINDS else "",
                    _when(r["received_at"], tz),
                    r["rows_read"],
                    r["rows_loaded"],
                    r["rows_quarantined"],
                    _outcome(r["outcome"], lang),
                ],
                strict=True,
            )
        )
        for r in actionable_first(_receipts(con, str(period)), LISTED_RECEIPTS)
    ]


def _outcome(outcome: object, lang: str) -> str:
    key = f"report.outcome.{outcome}"
    return (
        msg(key, lang)
        if outcome in ("loaded", "duplicate", "rejected", "superseded")
        else str(outcome)
    )


def _quality_tables(ctx: _Context, run_id: str | None) -> list[Table]:
    """Runs, files received, files rejected whole and quarantined rows of the half-year."""
    tz, lang = ctx.settings.timezone, ctx.lang
    receipts = _receipts(ctx.con, ctx.period)
    run_ids = {r["run_id"] for r in receipts} | ({run_id} if run_id else set())
    runs = [
        r
        for r in _query(ctx.con, "quality_runs")
        if r["run_id"] in run_ids or r["period"] == ctx.period
    ]
    run_rows: list[list[object]] = [
        [
            r["run_id"],
            _when(r["started_at"], tz),
            _when(r["finished_at"], tz),
            _label(ctx, "run", r["status"]),
            r["files_seen"],
            r["rows_read"],
            r["rows_loaded"],
            r["rows_quarantined"],
        ]
        for r in runs
    ]
    run_cols = [
        Col(ctx.t("report.col.run")),
        Col(ctx.t("report.col.started_at")),
        Col(ctx.t("report.col.finished_at")),
        Col(ctx.t("report.col.run_status")),
        Col(ctx.t("report.col.files_seen"), "int"),
        Col(ctx.t("report.col.rows_read"), "int"),
        Col(ctx.t("report.col.rows_loaded"), "int"),
        Col(ctx.t("report.col.rows_quarantined"), "int"),
    ]
    receipt_rows: list[list[object]] = [
        [
            r["run_id"],
            r["file_name"],
            _label(ctx, "source", r["kind"]) if r["kind"] else "",
            _when(r["received_at"], tz),
            r["rows_read"],
            r["rows_loaded"],
            r["rows_quarantined"],
            _outcome(r["outcome"], lang),
        ]
        for r in sorted(
            actionable_first(receipts, LISTED_RECEIPTS),
            key=lambda r: (str(r["run_id"]), str(r["received_at"])),
        )
    ]
    receipt_notes = []
    if len(receipts) > len(receipt_rows):
        receipt_notes.append(
            ctx.t(
                "report.quality.receipts_listed",
                listed=f"{len(receipt_rows):,}",
                total=f"{len(receipts):,}",
            )
        )
    receipt_cols = [
        Col(ctx.t("report.col.run")),
        Col(ctx.t("report.col.file")),
        Col(ctx.t("report.col.kind")),
        Col(ctx.t("report.col.received_at")),
        Col(ctx.t("report.col.rows_read"), "int"),
        Col(ctx.t("report.col.rows_loaded"), "int"),
        Col(ctx.t("report.col.rows_quarantined"), "int"),
        Col(ctx.t("report.col.outcome")),
    ]
    rejected: list[list[object]] = [
        [f["file_name"], str(f["file_hash"])[:12], _when(f["received_at"], tz), f[f"reason_{lang}"]]
        for f in _query(ctx.con, "quality_rejected")
    ]
    rejected_cols = [
        Col(ctx.t("report.col.file")),
        Col(ctx.t("report.col.hash")),
        Col(ctx.t("report.col.received_at")),
        Col(ctx.t("report.col.reason")),
    ]
    return [
        Table("runs", ctx.t("report.section.runs_quality"), run_cols, run_rows),
        Table(
            "receipts",
            ctx.t("report.section.receipts"),
            receipt_cols,
            receipt_rows,
            notes=receipt_notes,
            grouped=True,
        ),
        Table("rejected", ctx.t("report.section.rejected"), rejected_cols, rejected),
        *_quarantine_tables(ctx, ctx.period, "quarantine", ""),
        *_quarantine_tables(ctx, None, "quarantine_unknown", ctx.t("report.quality.unknown_note")),
    ]


def _rule_text(summary: Mapping[str, Any], lang: Lang) -> tuple[str, str]:
    """A rule's reason with "…" for the value, and its advice; as stored for a rule this
    version has no message for."""
    rule, kind, column = summary["rule"], summary["kind"], summary["column_name"] or ""
    if f"rule.{rule}" not in MESSAGES:
        return str(summary[f"reason_{lang}"]), str(summary[f"action_{lang}"] or "")
    label = column_label(str(kind), column)
    reason = msg(f"rule.{rule}", lang, column=column, column_zh=label, value="…")
    action = msg(f"action.{rule}", lang) if f"action.{rule}" in MESSAGES else ""
    return reason, action


def _quarantine_tables(ctx: _Context, period: str | None, key: str, intro: str) -> list[Table]:
    """The quarantined cells by reason (how many cells, rows, files), then one row per cell:
    where, what was written, why, and what to do. Past LISTED_QUARANTINE_CELLS cells the list
    stops; every cell stays in the corrections workbooks and in ``meta.quarantine``. Cells of
    files a corrections workbook has replaced are counted in a note, not listed."""
    lang = ctx.lang
    summary = _query(ctx.con, "quality_quarantine_summary", period)
    total = sum(int(r["cells"]) for r in summary)
    cells = _query(ctx.con, "quality_quarantine", period, LISTED_QUARANTINE_CELLS)
    rows: list[list[object]] = [
        [
            q["file_name"],
            q["sheet"] or "",
            q["row_number"],
            _column_label(q["kind"], q["column_name"], lang),
            q["value"],
            q[f"reason_{lang}"],
            q[f"action_{lang}"] or "",
        ]
        for q in cells
    ]
    columns = [
        Col(ctx.t("report.col.file")),
        Col(ctx.t("report.col.sheet")),
        Col(ctx.t("report.col.row_number"), "int"),
        Col(ctx.t("report.col.column")),
        Col(ctx.t("report.col.cell_value")),
        Col(ctx.t("report.col.reason")),
        Col(ctx.t("report.col.action")),
    ]
    notes = []
    corrected = _query(ctx.con, "quality_corrected", period)[0]
    if corrected["cells"]:
        notes.append(
            ctx.t(
                "report.quality.corrected",
                cells=f"{corrected['cells']:,}",
                files=f"{corrected['files']:,}",
            )
        )
    if total > len(rows):
        notes.append(
            ctx.t("report.quality.cells_listed", listed=f"{len(rows):,}", total=f"{total:,}")
        )
    by_reason: list[list[object]] = [
        [
            _label(ctx, "source", r["kind"]) if r["kind"] else "",
            _column_label(r["kind"], r["column_name"], lang),
            *_rule_text(r, lang),
            r["cells"],
            r["row_count"],
            r["files"],
        ]
        for r in summary
    ]
    reason_columns = [
        Col(ctx.t("report.col.kind")),
        Col(ctx.t("report.col.column")),
        Col(ctx.t("report.col.reason")),
        Col(ctx.t("report.col.action")),
        Col(ctx.t("report.col.cells"), "int"),
        Col(ctx.t("report.col.rows_quarantined"), "int"),
        Col(ctx.t("report.col.files"), "int"),
    ]
    return [
        Table(
            f"{key}_reasons",
            ctx.t(f"report.section.{key}_reasons"),
            reason_columns,
            by_reason,
            intro=intro,
        ),
        Table(key, ctx.t(f"report.section.{key}"), columns, rows, intro=intro, notes=notes),
    ]


# Corrections workbooks

# Bump when the layout of corrections workbooks changes in a way their content digest would not
# see (formats are in it already): an unchanged workbook is otherwise left as it is on disk.
_CORRECTIONS_LAYOUT = 1
_CORRECTION_FORMATS: dict[str, dict[str, object]] = {
    "header": {"bold": True, "bg_color": "#DDE6F0", "border": 1},
    "flagged": {"bg_color": "#FFF2A8"},
    "problem": {"text_wrap": True, "font_color": "#9C0006"},
}
# What was written, per language, so that a later run skips workbooks whose content is the same.
_CORRECTIONS_MANIFEST = ".minyi-corrections.{lang}.json"
# Past this many corrections workbooks, worker processes bring the rest up to date (see
# _CorrectionWriter), this many to a task.
PARALLEL_CORRECTIONS = 100
_CORRECTIONS_PER_TASK = 50
# At most this many worker processes (about 55 MiB each): memory stays bounded on large hosts.
MAX_CORRECTION_WORKERS = 4
# Rows fetched from DuckDB at a time when they are streamed.
_FETCH_ROWS = 10_000


@dataclass
class _CorrectionRow:
    sheet: str
    row_number: int
    values: dict[str, Any]
    problems: list[dict[str, Any]]


@dataclass(frozen=True)
class _CorrectionSheet:
    """One sheet of a corrections workbook as plain data: everything written into it."""

    name: str
    labels: list[str]
    help: str
    rows: list[list[str]]  # the row's values as text, then what is wrong with it
    flagged: list[list[tuple[int, str]]]  # per row: (column, reason) of each cell to fix
    widths: list[int]


def _correction_files(
    ctx: _Context,
) -> Iterator[tuple[str, str, dict[str, list[_CorrectionRow]]]]:
    """Quarantined rows file by file: (file hash, file name, rows by dataset kind). Rows are
    fetched in chunks, so that only one file's rows are held at a time."""
    # A cursor of its own: the caller may query the warehouse between two files.
    with ctx.con.cursor() as cursor:
        cursor.execute(sql("reports/correction_rows"), [ctx.period])
        names = [d[0] for d in cursor.description or []]
        file_hash, file_name = "", ""
        by_kind: dict[str, list[_CorrectionRow]] = defaultdict(list)
        while chunk := cursor.fetchmany(_FETCH_ROWS):
            for values in chunk:
                r = dict(zip(names, values, strict=True))
                if r["kind"] not in KINDS:
                    continue
                if r["file_hash"] != file_hash:  # the query keeps each file's rows together
                    if by_kind:
                        yield file_hash, file_name, by_kind
                    file_hash, file_name = r["file_hash"], str(r["file_name"])
                    by_kind = defaultdict(list)
                row_values = json.loads(r["row_values"]) if r["row_values"] else {}
                problems = list({json.dumps(p, sort_keys=True): p for p in r["problems"]}.values())
                by_kind[r["kind"]].append(
                    _CorrectionRow(
                        str(r["sheet"] or ""), int(r["row_number"]), dict(row_values), problems
                    )
                )
    if by_kind:
        yield file_hash, file_name, by_kind


def _correction_path(
    folder: Path, file_name: str, file_hash: str, taken: set[str], lang: str = "zh"
) -> Path:
    """``<stem>.corrections.xlsx`` in Chinese, ``<stem>.corrections.<lang>.xlsx`` otherwise;
    the source file's short hash is added when another file of the half-year has the stem.
    """
    stem = _FILE_NAME_BAD.sub("_", Path(file_name.replace("\\", "/")).stem).strip(" .") or "file"
    suffix = ".corrections.xlsx" if lang == "zh" else f".corrections.{lang}.xlsx"
    name = f"{stem}{suffix}"
    if name.lower() in taken:
        name = f"{stem}-{file_hash[:8]}{suffix}"
    taken.add(name.lower())
    return folder / name


def _problem_text(row: _CorrectionRow, lang: str) -> str:
    reasons = "；".join(
        " ".join(filter(None, [p[f"reason_{lang}"], p[f"action_{lang}"]])) for p in row.problems
    )
    sheet = row.sheet or "CSV"
    return msg(
        "report.correction.row_problem", lang, row=row.row_number, sheet=sheet, reasons=reasons
    )


def _correction_sheets(
    rows_by_kind: Mapping[str, Sequence[_CorrectionRow]], lang: str
) -> list[_CorrectionSheet]:
    """The sheets of a corrections workbook: one per dataset kind, one row per source row."""
    sheets: list[_CorrectionSheet] = []
    taken: set[str] = set()
    for kind, rows in rows_by_kind.items():
        title = msg("report.correction.sheet", lang)
        if len(rows_by_kind) > 1:
            title += " " + msg(f"report.source.{kind}", lang)
        columns = COLUMNS[kind]  # type: ignore[index]
        labels = [c.zh if lang == "zh" else c.name for c in columns]
        labels.append(both("report.col.problem"))
        table: list[list[str]] = []
        flagged: list[list[tuple[int, str]]] = []
        for row in rows:
            bad = {p["column_name"]: p for p in row.problems if p["column_name"]}
            raw = [row.values.get(c.name) for c in columns]
            table.append(["" if v is None else str(v) for v in raw] + [_problem_text(row, lang)])
            flagged.append(
                [
                    (col, str(bad[c.name][f"reason_{lang}"]))
                    for col, c in enumerate(columns)
                    if c.name in bad
                ]
            )
        widths = [
            width if col < len(columns) else min(width, 70)
            for col, width in enumerate(_column_widths(labels, table))
        ]
        sheets.append(
            _CorrectionSheet(
                sheet_name(title, taken),
                labels,
                msg("report.correction.help", lang),
                table,
                flagged,
                widths,
            )
        )
    return sheets


def _correction_digest(file_hash: str, sheets: Sequence[_CorrectionSheet]) -> str:
    """sha256 of everything a corrections workbook is made of, and of how it is laid out."""
    content = [
        _CORRECTIONS_LAYOUT,
        xlsxwriter.__version__,
        _XLSX_OPTIONS,
        _CORRECTION_FORMATS,
        CORRECTION_SHEET,
        file_hash,
        [[getattr(sheet, f.name) for f in fields(sheet)] for sheet in sheets],
    ]
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _write_correction_sheets(
    path: Path, file_hash: str, sheets: Sequence[_CorrectionSheet]
) -> Path:
    """Write a corrections workbook (replacing ``path`` only once it is complete)."""
    tmp = path.with_name(path.name + ".tmp")
    workbook = xlsxwriter.Workbook(str(tmp), _XLSX_OPTIONS)
    header = workbook.add_format(_CORRECTION_FORMATS["header"])
    flagged = workbook.add_format(_CORRECTION_FORMATS["flagged"])
    problem = workbook.add_format(_CORRECTION_FORMATS["problem"])
    for spec in sheets:
        sheet = workbook.add_worksheet(spec.name)
        last = len(spec.labels) - 1  # the problem column
        for col, label in enumerate(spec.labels):
            sheet.write_string(0, col, label, header)
        sheet.write_comment(0, last, spec.help)
        for r, (cells, bad) in enumerate(zip(spec.rows, spec.flagged, strict=True), start=1):
            reasons = dict(bad)
            for col, value in enumerate(cells[:-1]):
                if col in reasons:
                    safe_cell(sheet, r, col, value, flagged)
                    sheet.write_comment(r, col, reasons[col])
                else:
                    safe_cell(sheet, r, col, value, None)
            safe_cell(sheet, r, last, cells[-1], problem)
        for col, width in enumerate(spec.widths):
            sheet.set_column(col, col, width)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, len(spec.rows), last)
    marker = workbook.add_worksheet(CORRECTION_SHEET)
    marker.write_string(0, 0, file_hash)
    marker.hide()
    workbook.close()
    os.replace(tmp, path)
    return path


def _untouched(path: Path, written: Mapping[str, Any]) -> bool:
    """Whether the file is as written (same size and modification time): an organizer may
    have edited it in place, and then it is written again."""
    try:
        stat = path.stat()
    except OSError:
        return False
    return written.get("size") == stat.st_size and written.get("mtime_ns") == stat.st_mtime_ns


def _read_manifest(path: Path) -> dict[str, dict[str, Any]]:
    """Digest, size and modification time of each workbook written, by file name."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    return {name: entry for name, entry in files.items() if isinstance(entry, dict)}


# One corrections workbook to bring up to date: where, for which file, its rows, what the
# manifest recorded of it (None: nothing).
_CorrectionJob = tuple[Path, str, Mapping[str, Sequence[_CorrectionRow]], dict[str, Any] | None]


def _update_correction(job: _CorrectionJob, lang: str) -> dict[str, Any]:
    """Write one corrections workbook unless the manifest's entry shows it is as it would be
    written; the manifest's entry for it."""
    path, file_hash, rows_by_kind, written = job
    sheets = _correction_sheets(rows_by_kind, lang)
    digest = _correction_digest(file_hash, sheets)
    if written and written.get("digest") == digest and _untouched(path, written):
        return written
    stat = _write_correction_sheets(path, file_hash, sheets).stat()
    return {"digest": digest, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _update_corrections(jobs: Sequence[_CorrectionJob], lang: str) -> list[dict[str, Any]]:
    """``_update_correction`` for several workbooks (a worker process's task)."""
    return [_update_correction(job, lang) for job in jobs]


def _cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class _CorrectionWriter:
    """Brings corrections workbooks up to date and collects their manifest entries.

    A workbook costs a few milliseconds of xlsxwriter packaging however small it is, and a
    national half-year has tens of thousands: past PARALLEL_CORRECTIONS the rest go to one
    worker process per CPU, a batch at a time, with few batches waiting (bounded memory).
    Workers are spawned: a script that writes reports needs ``if __name__ == "__main__":``, as
    with any use of multiprocessing (minyi's commands, Prefect and pytest have it).
    """

    def __init__(self, lang: str) -> None:
        self.entries: dict[str, dict[str, Any]] = {}
        self._lang = lang
        self._count = 0
        self._batch: list[_CorrectionJob] = []
        self._pending: deque[tuple[Future[list[dict[str, Any]]], list[str]]] = deque()
        self._pool: ProcessPoolExecutor | None = None
        # A daemonic process (a Dask worker, say) may not start processes of its own.
        daemon = multiprocessing.current_process().daemon
        self._workers = 1 if daemon else min(_cpus(), MAX_CORRECTION_WORKERS)

    def __enter__(self) -> _CorrectionWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def add(self, job: _CorrectionJob) -> None:
        """Bring one workbook up to date now, or queue it for a worker process."""
        self._count += 1
        if self._count <= PARALLEL_CORRECTIONS or self._workers < 2:
            self.entries[job[0].name] = _update_correction(job, self._lang)
            return
        self._batch.append(job)
        if len(self._batch) >= _CORRECTIONS_PER_TASK:
            self._submit()

    def finish(self) -> dict[str, dict[str, Any]]:
        """Wait for every queued workbook; the manifest entries of all."""
        if self._batch:
            self._submit()
        while self._pending:
            self._collect()
        return self.entries

    def _submit(self) -> None:
        if self._pool is None:
            # spawn, not fork: the parent holds DuckDB's and Prefect's threads.
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(self._workers, mp_context=context)
        future = self._pool.submit(_update_corrections, self._batch, self._lang)
        self._pending.append((future, [path.name for path, *_rest in self._batch]))
        self._batch = []
        while len(self._pending) > 2 * self._workers:
            self._collect()

    def _collect(self) -> None:
        future, names = self._pending.popleft()
        self.entries.update(zip(names, future.result(), strict=True))


def _write_corrections(ctx: _Context, folder: Path) -> list[Path]:
    """Write the half-year's corrections workbooks in the context's language; their paths.

    Reports are written on every run: a workbook whose content, and whose file, are as the
    manifest beside them records (``_CORRECTIONS_MANIFEST``) is left as it is.
    """
    taken: set[str] = set()
    manifest = folder / _CORRECTIONS_MANIFEST.format(lang=ctx.lang)
    written = _read_manifest(manifest)
    paths: list[Path] = []
    with _CorrectionWriter(ctx.lang) as writer:
        for file_hash, name, by_kind in _correction_files(ctx):
            if not paths:
                folder.mkdir(parents=True, exist_ok=True)
            path = _correction_path(folder, name, file_hash, taken, ctx.lang)
            paths.append(path)
            writer.add((path, file_hash, by_kind, written.get(path.name)))
        entries = writer.finish()
    # Workbooks of earlier runs that are not written any more (their file was corrected) drop
    # out of the manifest, and are removed unless someone edited them in place since.
    for name, entry in written.items():
        obsolete = name not in entries and Path(name).name == name and name.endswith(".xlsx")
        if obsolete and _untouched(folder / name, entry):
            (folder / name).unlink()
    if entries != written:
        text = json.dumps({"version": 1, "files": entries}, ensure_ascii=False, sort_keys=True)
        _write_text(manifest, text + "\n")
    return paths


# Writing


def _write_text(path: Path, text: str) -> Path:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


_NUM_FORMATS: dict[CellKind, str | None] = {
    "text": None,
    "int": "#,##0",
    "pct": "0.0%",
    "pp": "+0.0%;-0.0%;0.0%",
    "num": "0.00",
    "p": "0.000",
}


def _write_table_rows(
    sheet: Worksheet, rows: Sequence[Sequence[object]], formats: Sequence[Any]
) -> None:
    """``safe_cell`` for every cell from the second row on, with the common types first."""
    write_string, write_number = sheet.write_string, sheet.write_number
    for r, row in enumerate(rows, start=1):
        for col, (value, cell_format) in enumerate(zip(row, formats, strict=True)):
            kind = type(value)
            if kind is str:
                write_string(r, col, value, cell_format)
            elif kind is float or kind is int:
                write_number(r, col, value, cell_format)
            else:
                safe_cell(sheet, r, col, value, cell_format)


def write_report_workbook(path: Path, tables: Sequence[Table]) -> Path:
    """The report as a workbook: one sheet per section, bold frozen headers, real percentages."""
    tmp = path.with_name(path.name + ".tmp")
    cells = sum(len(t.rows) * len(t.columns) for t in tables)
    # xlsxwriter keeps every cell in memory (a national report has about 10 million); past
    # this many it writes row by row to temporary files instead, in bounded memory.
    streamed = cells > LARGE_WORKBOOK_CELLS
    options = {**_XLSX_OPTIONS, "in_memory": False, "constant_memory": True} if streamed else {}
    workbook = xlsxwriter.Workbook(str(tmp), {**_XLSX_OPTIONS, **options})
    header = workbook.add_format(
        {"bold": True, "bg_color": "#DDE6F0", "border": 1, "text_wrap": True, "valign": "top"}
    )
    note = workbook.add_format({"italic": True, "font_color": "#555555"})
    formats = {
        kind: workbook.add_format({"num_format": spec} if spec else {})
        for kind, spec in _NUM_FORMATS.items()
    }
    taken: set[str] = set()
    for table in tables:
        sheet = workbook.add_worksheet(sheet_name(table.title, taken))
        labels = [c.label for c in table.columns]
        # Widths and panes first, then rows strictly in order (what row-by-row writing needs).
        for col, width in enumerate(_column_widths(labels, table.rows)):
            sheet.set_column(col, col, width)
        sheet.freeze_panes(1, 1 if len(labels) > 4 else 0)
        for col, label in enumerate(labels):
            sheet.write_string(0, col, label, header)
        _write_table_rows(sheet, table.rows, [formats[c.kind] for c in table.columns])
        for i, text in enumerate([table.intro, *table.notes] if table.intro else table.notes):
            safe_cell(sheet, len(table.rows) + 2 + i, 0, text, note)
    workbook.close()
    os.replace(tmp, path)
    return path


def _generated(ctx: _Context) -> str:
    now = datetime.now(ZoneInfo(ctx.settings.timezone))
    return ctx.t("report.generated", when=now.strftime("%Y-%m-%d %H:%M"), tz=ctx.settings.timezone)


def render_report(ctx: _Context, figures: Sequence[Figure], tables: Sequence[Table]) -> str:
    """The semiannual report as one self-contained HTML page."""
    return _ENV.get_template("report.html.j2").render(
        lang=ctx.lang,
        title=ctx.t("report.title", period=ctx.period),
        subtitle=ctx.t("report.subtitle"),
        generated=_generated(ctx),
        contents=ctx.t("report.contents"),
        figures=figures,
        tables=tables,
        no_data=ctx.t("report.no_data"),
    )


def render_quality(
    ctx: _Context, tables: Sequence[Table], corrections: Sequence[Path], run_id: str | None
) -> str:
    """The data-quality report as one self-contained HTML page."""
    if len(corrections) > NAMED_CORRECTIONS:
        note = ctx.t("report.quality.corrections_many", count=f"{len(corrections):,}")
    elif corrections:
        note = ctx.t("report.quality.corrections", names=", ".join(p.name for p in corrections))
    else:
        note = ""
    return _ENV.get_template("quality.html.j2").render(
        lang=ctx.lang,
        title=ctx.t("report.quality_title", period=ctx.period),
        subtitle=ctx.t("report.quality.intro"),
        generated=_generated(ctx) + (f" · {ctx.t('report.col.run')} {run_id}" if run_id else ""),
        contents=ctx.t("report.contents"),
        corrections=note,
        tables=tables,
        no_data=ctx.t("report.quality.none"),
    )


def write_reports(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    period: Period,
    *,
    lang: str = "zh",
    run_id: str | None = None,
) -> list[Path]:
    """Write the half-year's report (HTML, XLSX), quality report and corrections workbooks; with
    more than ``settings.report_community_limit`` communities the report shows subdistricts."""
    ctx = _context(con, settings, period, lang)
    folder = settings.reports_dir / str(period)
    folder.mkdir(parents=True, exist_ok=True)
    figures = _headline_figures(ctx)
    tables = _report_tables(ctx, figures)
    corrections = _write_corrections(ctx, folder / "corrections")
    paths = [
        _write_text(folder / f"report.{lang}.html", render_report(ctx, figures, tables)),
        write_report_workbook(folder / f"report.{lang}.xlsx", tables),
    ]
    quality = render_quality(ctx, _quality_tables(ctx, run_id), corrections, run_id)
    paths.append(_write_text(folder / f"quality.{lang}.html", quality))
    return paths + corrections


def headline_markdown(
    con: duckdb.DuckDBPyConnection, settings: Settings, period: Period, *, lang: str = "zh"
) -> str:
    """The headline figures as Markdown, for a Prefect artifact."""
    ctx = _context(con, settings, period, lang)
    lines = [
        f"### {ctx.t('report.headline.md_title', period=period)}",
        "",
        "| {} | {} | {} | {} |".format(
            ctx.t("report.col.measure"),
            ctx.t("report.col.value"),
            ctx.t("report.col.target"),
            ctx.t("report.col.verdict"),
        ),
        "|---|---|---|---|",
    ]
    for f in _headline_figures(ctx):
        value = "—" if f.rate is None else f"{f.rate:.1%} ({f.detail})"
        lines.append(f"| {f.label} | {value} | {f.target:.0%} | {f.verdict} |")
    return "\n".join(lines) + "\n"
