"""Corrections workbooks: one per file with quarantined rows, for organizers to fix and drop
back into the inbox."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import duckdb
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from flows.datasets import COLUMNS, HEARING_KINDS, KINDS, ROLES, VERDICTS
from flows.datasets import Column as DatasetColumn
from flows.messages import both, msg
from flows.reports.cells import (
    XLSX_OPTIONS,
    PreparedFormulas,
    column_widths,
    safe_cell,
    sheet_name,
)
from flows.reports.context import (
    Context,
    query_rows,
)
from flows.warehouse import sql

CORRECTION_SHEET = "_minyi_correction"
_CORRECTIONS_STEM = re.compile(r"\.corrections(?:\.[a-z]{2})?$")
FILE_NAME_BAD = re.compile(r'[\\/:*?"<>|\x00-\x1f]')

# Bump when the layout of corrections workbooks changes in a way their content digest would not
# see (formats are in it already): an unchanged workbook is otherwise left as it is on disk.
_CORRECTIONS_LAYOUT = 2  # 2: rows at their original row, in sheets named as the original's
_CORRECTION_FORMATS: dict[str, dict[str, object]] = {
    "header": {"bold": True, "bg_color": "#DDE6F0", "border": 1},
    "flagged": {"bg_color": "#FFF2A8"},
    "problem": {"text_wrap": True, "font_color": "#9C0006"},
}
# Rows fetched from DuckDB at a time when they are streamed.
_FETCH_ROWS = 10_000
# The hidden sheet holding the dropdowns' values (hidden sheets are not read back as data).
LISTS_SHEET = "_minyi_lists"
# Registry names (communities, organisations) get a dropdown up to this many: those of the
# file's subdistrict when it has one (file_subdistrict), else the whole registry's. Past it
# the list would weigh on every workbook, and the rule checks the name when it comes back.
LISTED_NAMES = 2_000
# Dataset columns with a closed vocabulary, by the list that holds it.
_VOCABULARY_OF = {
    "role": "role",
    "verdict": "verdict",
    "kind": "hearing_kind",
    "took_part": "yes_no",
    "community": "community",
    "org": "org",
}
_CLOSED_LISTS = {
    "role": list(ROLES),
    "verdict": list(VERDICTS),
    "hearing_kind": list(HEARING_KINDS),
    "yes_no": ["是", "否"],
    "rating": ["1", "2", "3", "4", "5"],
}


@dataclass
class CorrectionRow:
    sheet: str
    row_number: int
    values: dict[str, Any]
    problems: list[dict[str, Any]]
    evaluator: str | None = None  # roster code and masked name (C03-R017 张*), when known


@dataclass(frozen=True)
class _CorrectionSheet:
    """One sheet of a corrections workbook as plain data: everything written into it."""

    name: str
    labels: list[str]
    help: str
    rows: list[list[str | int]]  # the row's values (whole numbers as numbers), then its problem
    flagged: list[list[tuple[int, str]]]  # per row: (column, reason) of each cell to fix
    widths: list[int]
    # Where each row goes (0-based sheet row): the row it had in the original file, so that a
    # row number in this workbook is one in the original too.
    positions: list[int] = field(default_factory=list)
    dropdowns: list[tuple[int, str]] = field(default_factory=list)  # (column, list name)


def correction_files(
    cursor: duckdb.DuckDBPyConnection, period: str
) -> Iterator[tuple[str, str, str | None, dict[str, list[CorrectionRow]]]]:
    """Quarantined rows file by file: (file hash, file name, its subdistrict (see
    :func:`file_subdistrict`), rows by dataset kind). Rows are fetched in chunks, so that only
    one file's rows are held at a time; the cursor is closed at the end.

    A cursor of its own (``con.cursor()``): the warehouse is queried between two files.
    """
    with cursor:
        cursor.execute(sql("reports/correction_rows"), [period])
        names = [d[0] for d in cursor.description or []]
        file_hash, file_name = "", ""
        recorded: list[str] = []  # those the file's rows named when it loaded
        named: set[str] = set()  # those its rows to correct name, each by a name of its own
        by_kind: dict[str, list[CorrectionRow]] = defaultdict(list)
        while chunk := cursor.fetchmany(_FETCH_ROWS):
            for values in chunk:
                r = dict(zip(names, values, strict=True))
                if r["kind"] not in KINDS:
                    continue
                if r["file_hash"] != file_hash:  # the query keeps each file's rows together
                    if by_kind:
                        yield file_hash, file_name, file_subdistrict(recorded, named), by_kind
                    file_hash, file_name = r["file_hash"], str(r["file_name"])
                    recorded, named = list(r["file_subdistricts"]), set()
                    by_kind = defaultdict(list)
                if r["row_subdistrict"] is not None:
                    named.add(str(r["row_subdistrict"]))
                row_values = json.loads(r["row_values"]) if r["row_values"] else {}
                # Each problem once, in the query's order (a rule may flag a cell twice).
                problems = list({tuple(sorted(p.items())): p for p in r["problems"]}.values())
                by_kind[r["kind"]].append(
                    CorrectionRow(
                        str(r["sheet"] or ""),
                        int(r["row_number"]),
                        dict(row_values),
                        problems,
                        r["evaluator_label"],
                    )
                )
    if by_kind:
        yield file_hash, file_name, file_subdistrict(recorded, named), by_kind


def file_subdistrict(recorded: Sequence[str], named: set[str]) -> str | None:
    """A file's subdistrict when it has one only (a subdistrict office's file), else None.

    ``recorded``: those its rows named when it loaded (``meta.file_subdistricts``), whose
    communities the registry knew, so a misspelt name in every row to correct does not hide it.
    A file loaded before minyi recorded them, or whose rows name no known community, falls
    back on ``named``: those its rows to correct name.
    """
    subdistricts = set(recorded) or named
    return next(iter(subdistricts)) if len(subdistricts) == 1 else None


def correction_path(
    folder: Path, file_name: str, file_hash: str, taken: set[str], lang: str = "zh"
) -> Path:
    """``<stem>.corrections.xlsx`` in Chinese, ``<stem>.corrections.<lang>.xlsx`` otherwise;
    the source file's short hash is added when another file of the half-year has the stem.
    """
    stem = FILE_NAME_BAD.sub("_", Path(file_name.replace("\\", "/")).stem).strip(" .") or "file"
    # A corrections workbook's own rejects update that workbook: named after the original file.
    stem = _CORRECTIONS_STEM.sub("", stem) or stem
    suffix = ".corrections.xlsx" if lang == "zh" else f".corrections.{lang}.xlsx"
    name = f"{stem}{suffix}"
    if name.lower() in taken:
        name = f"{stem}-{file_hash[:8]}{suffix}"
    taken.add(name.lower())
    return folder / name


def _problem_text(row: CorrectionRow, lang: str) -> str:
    reasons = "；".join(
        " ".join(filter(None, [p[f"reason_{lang}"], p[f"action_{lang}"]])) for p in row.problems
    )
    if row.evaluator:  # the pseudonym in the row means nothing to a person
        reasons = msg("report.correction.evaluator", lang, label=row.evaluator) + reasons
    sheet = row.sheet or "CSV"
    return msg(
        "report.correction.row_problem", lang, row=row.row_number, sheet=sheet, reasons=reasons
    )


def _cell(column: DatasetColumn, value: object) -> str | int:
    """A value as the organizer sees it: whole numbers (counts, ratings) as numbers, so that
    a spreadsheet sums and checks them; everything else as the text that was read."""
    text = "" if value is None else str(value)
    if column.kind in ("int", "rating") and _WHOLE.fullmatch(text.strip()):
        return int(float(text))
    return text


_WHOLE = re.compile(r"[+-]?\d{1,15}(?:\.0+)?")


def _dropdown(column: DatasetColumn, lists: Mapping[str, Sequence[str]]) -> str | None:
    """The list a column's cells choose from, if it has one with values."""
    name = "rating" if column.kind == "rating" else _VOCABULARY_OF.get(column.name)
    return name if name and lists.get(name) else None


def _positions(rows: Sequence[CorrectionRow]) -> list[int]:
    """Each row at the row it had in the original (under the header in row 1); one after
    another when the numbers cannot be kept (two rows with one number)."""
    numbers = [row.row_number - 1 for row in rows]
    if all(n >= 1 for n in numbers) and len(set(numbers)) == len(numbers):
        return numbers
    return list(range(1, len(rows) + 1))


def correction_sheets(
    rows_by_kind: Mapping[str, Sequence[CorrectionRow]],
    lang: str,
    lists: Mapping[str, Sequence[str]] | None = None,
) -> list[_CorrectionSheet]:
    """The sheets of a corrections workbook: one per sheet of the original (named as it is)
    and dataset kind, each row where it was in the original."""
    sheets: list[_CorrectionSheet] = []
    taken: set[str] = set()
    lists = _CLOSED_LISTS if lists is None else lists
    for kind, kind_rows in rows_by_kind.items():
        by_sheet: dict[str, list[CorrectionRow]] = defaultdict(list)
        for row in kind_rows:
            by_sheet[row.sheet].append(row)
        for original, unsorted in by_sheet.items():
            rows = sorted(unsorted, key=lambda r: r.row_number)
            title = msg("report.correction.sheet", lang)
            if len(rows_by_kind) > 1:
                title += " " + msg(f"report.source.{kind}", lang)
            columns = COLUMNS[kind]  # type: ignore[index]
            labels = [c.zh if lang == "zh" else c.name for c in columns]
            labels.append(both("report.col.problem"))
            table: list[list[str | int]] = []
            flagged: list[list[tuple[int, str]]] = []
            for row in rows:
                bad = {p["column_name"]: p for p in row.problems if p["column_name"]}
                cells = [_cell(c, row.values.get(c.name)) for c in columns]
                table.append([*cells, _problem_text(row, lang)])
                flagged.append(
                    [
                        (col, str(bad[c.name][f"reason_{lang}"]))
                        for col, c in enumerate(columns)
                        if c.name in bad
                    ]
                )
            widths = [
                width if col < len(columns) else min(width, 70)
                for col, width in enumerate(column_widths(labels, table))
            ]
            dropdowns = [
                (col, name)
                for col, c in enumerate(columns)
                if (name := _dropdown(c, lists)) is not None
            ]
            sheets.append(
                _CorrectionSheet(
                    sheet_name(original or title, taken),
                    labels,
                    msg("report.correction.help", lang),
                    table,
                    flagged,
                    widths,
                    _positions(rows),
                    dropdowns,
                )
            )
    return sheets


def correction_digest(
    file_hash: str,
    sheets: Sequence[_CorrectionSheet],
    lists: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """sha256 of everything a corrections workbook is made of, and of how it is laid out."""
    content = [
        _CORRECTIONS_LAYOUT,
        xlsxwriter.__version__,
        XLSX_OPTIONS,
        _CORRECTION_FORMATS,
        CORRECTION_SHEET,
        file_hash,
        [[getattr(sheet, f.name) for f in fields(sheet)] for sheet in sheets],
        {name: lists[name] for sheet in sheets for _col, name in sheet.dropdowns} if lists else {},
    ]
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_correction_sheets(
    path: Path,
    file_hash: str,
    sheets: Sequence[_CorrectionSheet],
    lists: Mapping[str, Sequence[str]] | None = None,
) -> Path:
    """Write a corrections workbook (replacing ``path`` only once it is complete)."""
    tmp = path.with_name(path.name + ".tmp")
    workbook = xlsxwriter.Workbook(str(tmp), XLSX_OPTIONS)
    header = workbook.add_format(_CORRECTION_FORMATS["header"])
    flagged = workbook.add_format(_CORRECTION_FORMATS["flagged"])
    problem = workbook.add_format(_CORRECTION_FORMATS["problem"])
    ranges = _dropdown_ranges(sheets, lists or {})
    for spec in sheets:
        sheet = workbook.add_worksheet(spec.name, worksheet_class=PreparedFormulas)
        last = len(spec.labels) - 1  # the problem column
        for col, label in enumerate(spec.labels):
            sheet.write_string(0, col, label, header)
        sheet.write_comment(0, last, spec.help)
        positions = spec.positions or list(range(1, len(spec.rows) + 1))
        for r, cells, bad in zip(positions, spec.rows, spec.flagged, strict=True):
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
        bottom = max(positions, default=0)
        sheet.autofilter(0, 0, bottom, last)
        for col, name in spec.dropdowns:
            sheet.data_validation(1, col, max(bottom, 1), col, ranges[name])
    marker = workbook.add_worksheet(CORRECTION_SHEET)
    marker.write_string(0, 0, file_hash)
    marker.hide()
    if ranges:
        _write_lists(workbook.add_worksheet(LISTS_SHEET), sheets, lists or {})
    workbook.close()
    os.replace(tmp, path)
    return path


def _used_lists(sheets: Sequence[_CorrectionSheet]) -> list[str]:
    return sorted({name for sheet in sheets for _col, name in sheet.dropdowns})


def _dropdown_ranges(
    sheets: Sequence[_CorrectionSheet], lists: Mapping[str, Sequence[str]]
) -> dict[str, dict[str, Any]]:
    """Each list's data validation: a dropdown over its column of the hidden lists sheet;
    closed vocabularies refuse other values, registry names only warn (a new name may be
    right, and the rules check it when the workbook comes back)."""
    ranges: dict[str, dict[str, Any]] = {}
    for col, name in enumerate(_used_lists(sheets)):
        letter = xl_col_to_name(col)
        closed = name in _CLOSED_LISTS
        ranges[name] = {
            "validate": "list",
            "source": f"='{LISTS_SHEET}'!${letter}$1:${letter}${len(lists[name])}",
            "error_type": "stop" if closed else "warning",
        }
    return ranges


def _write_lists(
    sheet: Worksheet, sheets: Sequence[_CorrectionSheet], lists: Mapping[str, Sequence[str]]
) -> None:
    """The dropdowns' values, one list per column, in a hidden sheet."""
    for col, name in enumerate(_used_lists(sheets)):
        for row, value in enumerate(lists[name]):
            sheet.write_string(row, col, value)
    sheet.hide()


# The dropdowns' values by list name (see _CLOSED_LISTS and Vocabularies).
Lists = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class Vocabularies:
    """The dropdowns' values: the closed vocabularies, and the registry's community and
    organisation names, of the whole registry and of each subdistrict, each list when it has
    at most LISTED_NAMES names.

    A file with a subdistrict (:func:`file_subdistrict`, as a subdistrict office's file has)
    offers that subdistrict's names: an organizer picks among a few, and the workbook stays
    small however large the registry. Any other file offers the whole registry's.
    """

    whole: dict[str, list[str]]
    by_subdistrict: dict[str, dict[str, list[str]]]

    @classmethod
    def of(cls, ctx: Context) -> Vocabularies:
        whole: dict[str, list[str]] = {k: list(v) for k, v in _CLOSED_LISTS.items()}
        by_subdistrict: dict[str, dict[str, list[str]]] = {}
        for r in query_rows(ctx.con, "correction_vocabularies", LISTED_NAMES):
            names = [str(name) for name in r["names"]]
            if r["whole_registry"]:
                whole[str(r["list"])] = names
            else:
                lists = by_subdistrict.setdefault(str(r["subdistrict"]), dict(_CLOSED_LISTS))
                lists[str(r["list"])] = names
        return cls(whole, by_subdistrict)

    def of_file(self, subdistrict: str | None) -> Lists:
        """The lists of a file of this subdistrict (None: none known, or several)."""
        if subdistrict is None:
            return self.whole
        return self.by_subdistrict.get(subdistrict, _CLOSED_LISTS)
