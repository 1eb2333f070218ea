"""The half-year's forms, one XLSX per community and source, written from the registry.

Each form has its data sheet (header rows locked, identity cells prefilled and locked, the
cells to fill unlocked, with dropdowns and number and date checks that show an input
message), an instructions sheet (填表说明) and the very hidden sheet ``_minyi_template`` that
lets the reader recognise the form when it comes back (``flows.ingest.readers.template``).
Sheets are protected without a password: nothing is lost if someone has to unprotect one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Final

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from flows.collection.roster import (
    SUBDISTRICT,
    Community,
    communities,
    organisations,
    previous_members,
    roster_evaluators,
)
from flows.datasets import COLUMNS, HEARING_KINDS, RATING_ITEMS, ROLES, VERDICTS, Kind
from flows.ingest.readers.template import (
    TEMPLATE_SHEET,
    TEMPLATE_VERSION,
    TemplateColumn,
    TemplateMark,
)
from flows.ingest.registry import Registry, load_registry
from flows.messages import msg
from flows.periods import Period
from flows.privacy import load_key
from flows.settings import Settings

HEADER_ROW: Final = 2
FIRST_DATA_ROW: Final = HEADER_ROW + 1
# Blank rows under the prefilled ones, for rows the office adds (hearings have no prefilled).
SPARE_ROWS: Final[dict[Kind, int]] = {"evaluations": 5, "branch_reports": 5, "hearings": 40}
# Evaluation forms are often filled in the weeks after the half-year: dates up to a year on.
LATEST_DAYS_AFTER: Final = 366
_ROLE_TEXT: Final = {code: text for text, code in ROLES.items()}
_FIXED_FILL: Final = PatternFill("solid", fgColor="EDEDED")
_HEADER_FILL: Final = PatternFill("solid", fgColor="D9E1F2")
_THIN: Final = Side(style="thin", color="A6A6A6")
_BORDER: Final = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


@dataclass
class FormColumn:
    """One column of a form: its header, what it fills, how wide, how it is checked."""

    header: str
    name: str  # canonical column ("" for a column shown only)
    part: str  # fill | fixed | display
    width: float = 12
    check: str | None = None  # list | whole | date
    choices: tuple[str, ...] = ()
    prompt: str = ""
    hidden: bool = False
    values: list[object] = field(default_factory=list)  # prefilled, one per prefilled row


def period_label(period: Period, lang: str) -> str:
    """The half-year as people write it: 2026年上半年 / 2026 H1."""
    if lang == "en":
        return f"{period.year} H{period.half}"
    return f"{period.year}年{'上' if period.half == 1 else '下'}半年"


def template_path(settings: Settings, period: Period, community: Community, kind: Kind) -> Path:
    """Where the form of one community and source is written."""
    name = community.name or msg("template.subdistrict", "zh")
    code = community.community_id or "S"
    return (
        settings.templates_dir
        / str(period)
        / f"{period}-{code}-{name}-{msg(f'template.file.{kind}', 'zh')}.xlsx"
    )


def _dates(kind: Kind, period: Period) -> tuple[date, date]:
    if kind == "hearings":
        return period.start, period.end
    return period.start, period.end + timedelta(days=LATEST_DAYS_AFTER)


def _zh(kind: Kind, name: str) -> str:
    return next(c.zh for c in COLUMNS[kind] if c.name == name)


def evaluation_columns(
    roster: pd.DataFrame, community: Community, period: Period, lang: str
) -> list[FormColumn]:
    """The columns of an evaluation form for a community's roster evaluators."""
    t: Callable[..., str] = lambda key, **v: msg(key, lang, **v)  # noqa: E731
    rows = len(roster)
    start, end = _dates("evaluations", period)
    columns = [
        FormColumn(t("template.col.code"), "", "display", 12, values=list(roster["code"])),
        FormColumn(
            t("template.col.masked_name"), "", "display", 12, values=list(roster["masked_name"])
        ),
        # The keyed pseudonym, never the name: the reader resolves it to the same evaluator.
        FormColumn(
            _zh("evaluations", "evaluator"),
            "evaluator",
            "fixed",
            20,
            hidden=True,
            values=list(roster["evaluator_key"]),
        ),
        FormColumn(
            _zh("evaluations", "period"),
            "period",
            "fixed",
            14,
            values=[period_label(period, "zh")] * rows,
        ),
        FormColumn(
            _zh("evaluations", "community"),
            "community",
            "fixed",
            14,
            values=[community.name] * rows,
        ),
        FormColumn(
            _zh("evaluations", "role"),
            "role",
            "fixed",
            10,
            values=[_ROLE_TEXT.get(r, r) for r in roster["role"]],
        ),
    ]
    for item in RATING_ITEMS:
        columns.append(
            FormColumn(
                _zh("evaluations", item),
                item,
                "fill",
                10,
                "list",
                ("5", "4", "3", "2", "1"),
                t("template.prompt.rating"),
            )
        )
    columns += [
        FormColumn(
            _zh("evaluations", "verdict"),
            "verdict",
            "fill",
            12,
            "list",
            tuple(VERDICTS),
            t("template.prompt.verdict"),
        ),
        FormColumn(
            _zh("evaluations", "comments"),
            "comments",
            "fill",
            40,
            prompt=t("template.prompt.comments"),
        ),
        _date_column("evaluations", "evaluated_on", start, end, lang),
    ]
    return columns


def _date_column(kind: Kind, name: str, start: date, end: date, lang: str) -> FormColumn:
    example = min(end, start + timedelta(days=183)).isoformat()
    prompt = msg(
        "template.prompt.date", lang, start=start.isoformat(), end=end.isoformat(), example=example
    )
    column = FormColumn(_zh(kind, name), name, "fill", 13, "date", prompt=prompt)
    column.choices = (start.isoformat(), end.isoformat())
    return column


def _whole(kind: Kind, name: str, lang: str, width: float = 10) -> FormColumn:
    return FormColumn(
        _zh(kind, name), name, "fill", width, "whole", prompt=msg("template.prompt.whole", lang)
    )


def branch_report_columns(
    orgs: pd.DataFrame, previous: dict[str, tuple[int | None, ...]], period: Period, lang: str
) -> list[FormColumn]:
    """The columns of a branch report form for a community's organisations."""
    t: Callable[..., str] = lambda key, **v: msg(key, lang, **v)  # noqa: E731
    start, end = _dates("branch_reports", period)
    before = [previous.get(org, (None, None)) for org in orgs["org_id"]]
    columns = [
        FormColumn(t("template.col.org_code"), "", "display", 10, values=list(orgs["org_id"])),
        FormColumn(_zh("branch_reports", "org"), "org", "fixed", 30, values=list(orgs["name"])),
        FormColumn(
            _zh("branch_reports", "period"),
            "period",
            "fixed",
            14,
            values=[period_label(period, "zh")] * len(orgs),
        ),
        FormColumn(
            t("template.col.previous_total"), "", "display", 12, values=[b[0] for b in before]
        ),
        FormColumn(
            t("template.col.previous_participating"),
            "",
            "display",
            12,
            values=[b[1] for b in before],
        ),
    ]
    for name in (
        "members_total",
        "members_participating",
        "in_service_registered",
        "floating_members",
        "activities",
    ):
        columns.append(_whole("branch_reports", name, lang, 12))
    columns += [
        FormColumn(
            _zh("branch_reports", "took_part"),
            "took_part",
            "fill",
            12,
            "list",
            ("是", "否"),
            t("template.prompt.took_part"),
        ),
        _date_column("branch_reports", "submitted_on", start, end, lang),
    ]
    return columns


def hearing_columns(period: Period, lang: str) -> list[FormColumn]:
    """The columns of a hearings record form (no prefilled rows: one row per event)."""
    t: Callable[..., str] = lambda key, **v: msg(key, lang, **v)  # noqa: E731
    start, end = _dates("hearings", period)
    columns = [
        FormColumn(
            _zh("hearings", "record_id"), "record_id", "fill", 10, prompt=t("template.prompt.text")
        ),
        # Blank: the reader takes the form's community for every row filled.
        FormColumn(_zh("hearings", "community"), "community", "fixed", 14),
        FormColumn(
            _zh("hearings", "kind"),
            "kind",
            "fill",
            12,
            "list",
            tuple(HEARING_KINDS),
            t("template.prompt.kind"),
        ),
        _date_column("hearings", "held_on", start, end, lang),
        FormColumn(_zh("hearings", "topic"), "topic", "fill", 30, prompt=t("template.prompt.text")),
    ]
    for name in (
        "attendees",
        "residents",
        "deputies",
        "party_members",
        "households_visited",
        "opinions_raised",
        "opinions_resolved",
    ):
        columns.append(_whole("hearings", name, lang))
    return columns


def _validation(column: FormColumn, lang: str) -> DataValidation | None:
    """The data validation of a column's cells, with its input and error messages."""
    t: Callable[..., str] = lambda key, **v: msg(key, lang, **v)  # noqa: E731
    if column.check == "list":
        rule = DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"')
        error = t("template.error.list")
    elif column.check == "whole":
        rule = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
        error = t("template.error.whole")
    elif column.check == "date":
        start, end = (date.fromisoformat(d) for d in column.choices)
        rule = DataValidation(
            type="date",
            operator="between",
            formula1=f"DATE({start.year},{start.month},{start.day})",
            formula2=f"DATE({end.year},{end.month},{end.day})",
        )
        error = t("template.error.date", start=start.isoformat(), end=end.isoformat())
    elif column.prompt:
        rule = DataValidation(type=None)
        error = ""
    else:
        return None
    rule.allow_blank = True
    rule.showInputMessage = True
    rule.promptTitle = t("template.prompt.title")
    rule.prompt = column.prompt
    if error:
        rule.showErrorMessage = True
        rule.errorStyle = "stop"
        rule.errorTitle = t("template.error.title")
        rule.error = error
    return rule


def write_form(
    path: Path,
    kind: Kind,
    columns: list[FormColumn],
    rows: int,
    title: str,
    mark: TemplateMark,
    lang: str,
) -> Path:
    """Write one form: data sheet, instructions, hidden mark."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = mark.sheet
    last = FIRST_DATA_ROW + rows + SPARE_ROWS[kind] - 1
    _data_sheet(sheet, columns, rows, last, title, lang)
    _instructions(book.create_sheet(msg("template.sheet.instructions", lang)), kind, title, lang)
    hidden = book.create_sheet(TEMPLATE_SHEET)
    for values in mark.rows():
        hidden.append(values)
    hidden.sheet_state = "veryHidden"
    hidden.protection.sheet = True
    book.active = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    book.save(partial)
    partial.replace(path)
    return path


def _data_sheet(
    sheet: Worksheet, columns: list[FormColumn], rows: int, last: int, title: str, lang: str
) -> None:
    width = len(columns)
    sheet.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.row_dimensions[1].height = 24
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        header = sheet.cell(row=HEADER_ROW, column=index, value=column.header)
        header.font = Font(bold=True)
        header.fill = _HEADER_FILL
        header.border = _BORDER
        header.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[letter].width = column.width
        sheet.column_dimensions[letter].hidden = column.hidden
        for offset in range(last - FIRST_DATA_ROW + 1):
            cell = sheet.cell(row=FIRST_DATA_ROW + offset, column=index)
            if offset < len(column.values) and column.values[offset] is not None:
                cell.value = column.values[offset]
            cell.border = _BORDER
            if column.part == "fill":
                cell.protection = Protection(locked=False)
                if column.check == "date":
                    cell.number_format = "yyyy-mm-dd"
                elif column.check == "whole":
                    cell.number_format = "0"
                if column.name == "comments" or column.name == "topic":
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif offset < rows or column.part == "display":
                cell.fill = _FIXED_FILL
        rule = _validation(column, lang)
        if rule is not None and column.part == "fill":
            rule.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last}")
            sheet.add_data_validation(rule)
    sheet.row_dimensions[HEADER_ROW].height = 32
    sheet.freeze_panes = sheet.cell(row=FIRST_DATA_ROW, column=1)
    _protect(sheet)
    _print_setup(sheet)
    sheet.print_title_rows = f"1:{HEADER_ROW}"


def _protect(sheet: Worksheet) -> None:
    """Protection without a password: locked cells (headers, prefilled identity) stay as they
    are; rows may be added and columns resized or moved."""
    protection = sheet.protection
    protection.sheet = True
    protection.insertRows = False
    protection.deleteRows = False
    protection.formatColumns = False
    protection.formatRows = False
    protection.sort = False
    protection.autoFilter = False


def _print_setup(sheet: Worksheet) -> None:
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4


def _instructions(sheet: Worksheet, kind: Kind, title: str, lang: str) -> None:
    """The 填表说明 sheet: what the form is, how to fill it, how to return it."""
    lines = [
        msg("template.instructions.heading", lang),
        msg("template.instructions.form", lang, title=title),
        msg(f"template.instructions.{kind}", lang),
        "",
        *msg(
            "template.instructions.common", lang, example="2026-07-03", header_row=HEADER_ROW
        ).split("\n"),
        "",
        msg("template.instructions.version", lang, version=TEMPLATE_VERSION),
    ]
    sheet.column_dimensions["A"].width = 80  # fits A4 portrait; long lines wrap
    for number, line in enumerate(lines, start=1):
        cell = sheet.cell(row=number, column=1, value=line or None)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    sheet.cell(row=len(lines), column=1).font = Font(color="808080", size=9)
    _protect(sheet)
    _print_setup(sheet)
    sheet.page_setup.orientation = "portrait"
    sheet.print_options.horizontalCentered = False


def _mark(
    kind: Kind, period: Period, community: Community, columns: list[FormColumn], lang: str
) -> TemplateMark:
    return TemplateMark(
        version=TEMPLATE_VERSION,
        kind=kind,
        period=str(period),
        community_id=community.community_id,
        community=community.name if community.community_id != SUBDISTRICT else "",
        sheet=msg(f"template.sheet.{kind}", lang),
        header_row=HEADER_ROW,
        columns=tuple(TemplateColumn(c.header, c.name, c.part) for c in columns),
    )


def write_templates(
    settings: Settings,
    period: Period,
    community_id: str | None = None,
    lang: str = "zh",
    registry: Registry | None = None,
) -> list[Path]:
    """Write the half-year's forms under ``MINYI_HOME/templates/<period>/``: per community an
    evaluation form (its roster), a branch report form (its organisations) and a hearings
    record; one branch report form for organisations directly under the subdistrict."""
    registry = registry or load_registry(settings.reference_dir, settings.registry_cache_dir)
    key = load_key(settings.key_path)
    roster = roster_evaluators(registry, key, period)
    orgs = organisations(registry, period)
    previous = previous_members(settings, period)
    chosen = communities(registry, community_id)
    if community_id in (None, SUBDISTRICT) and (orgs["community_id"] == SUBDISTRICT).any():
        chosen.append(Community(SUBDISTRICT, msg("template.subdistrict", "zh")))
    written: list[Path] = []
    for community in chosen:
        label = period_label(period, lang)
        name = community.name
        forms: list[tuple[Kind, list[FormColumn], int]] = []
        if community.community_id != SUBDISTRICT:
            mine = roster[roster["community_id"] == community.community_id]
            forms.append(
                ("evaluations", evaluation_columns(mine, community, period, lang), len(mine))
            )
        theirs = orgs[orgs["community_id"] == community.community_id]
        if len(theirs):
            forms.append(
                (
                    "branch_reports",
                    branch_report_columns(theirs, previous, period, lang),
                    len(theirs),
                )
            )
        if community.community_id != SUBDISTRICT:
            forms.append(("hearings", hearing_columns(period, lang), 0))
        for kind, columns, rows in forms:
            title = msg(f"template.title.{kind}", lang, community=name, period=label)
            mark = _mark(kind, period, community, columns, lang)
            path = template_path(settings, period, community, kind)
            written.append(write_form(path, kind, columns, rows, title, mark, lang))
    return written
