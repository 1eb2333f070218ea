"""Small builders shared by the stage tests: inline CSV files in, staged and validated rows out."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from flows.datasets import COLUMNS, Kind
from flows.ingest.batch import ingest
from flows.ingest.load import LoadSummary
from flows.ingest.normalise import Failure
from flows.ingest.receive import FileOutcome, read_files
from flows.ingest.registry import load_registry
from flows.ingest.stage import stage_files
from flows.ingest.validate import validate_files
from flows.privacy import load_key
from flows.settings import Settings

EVALUATION_HEADER = [c.zh for c in COLUMNS["evaluations"]]
HEARING_HEADER = [c.zh for c in COLUMNS["hearings"]]
REPORT_HEADER = [c.zh for c in COLUMNS["branch_reports"]]


# One valid evaluation, by column name.
EVALUATION: Mapping[str, str] = {
    "period": "2026H1",
    "community": "和平社区",
    "evaluator": "测试甲",
    "role": "居民代表",
    "service_attitude": "5",
    "efficiency": "4",
    "environment": "5",
    "openness": "4",
    "practical_results": "5",
    "verdict": "满意",
    "comments": "",
    "evaluated_on": "2026-07-03",
}


def evaluation(**changes: str) -> list[str]:
    """One valid evaluation form row (Chinese column order), with some cells changed."""
    row = {**EVALUATION, **changes}
    return [row[c.name] for c in COLUMNS["evaluations"]]


def hearing(**changes: str) -> list[str]:
    """One valid hearing record row, with some cells changed."""
    row = {
        "record_id": "H-1",
        "community": "C01",
        "kind": "听证会",
        "held_on": "2026-03-05",
        "topic": "加装电梯",
        "attendees": "30",
        "residents": "20",
        "deputies": "3",
        "party_members": "5",
        "households_visited": "",
        "opinions_raised": "6",
        "opinions_resolved": "4",
    }
    row.update(changes)
    return [row[c.name] for c in COLUMNS["hearings"]]


def branch_report(**changes: str) -> list[str]:
    """One valid branch report row, with some cells changed."""
    row = {
        "period": "2026年上半年",
        "org": "B01",
        "members_total": "40",
        "members_participating": "36",
        "in_service_registered": "10",
        "floating_members": "2",
        "activities": "6",
        "took_part": "",
        "submitted_on": "2026-07-08",
    }
    row.update(changes)
    return [row[c.name] for c in COLUMNS["branch_reports"]]


_HEADERS: dict[Kind, list[str]] = {
    "evaluations": EVALUATION_HEADER,
    "hearings": HEARING_HEADER,
    "branch_reports": REPORT_HEADER,
}


def write_csv(path: Path, kind: Kind, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    """A CSV file with the kind's Chinese header and the given rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(_HEADERS[kind])
        writer.writerows(rows)
    return path


def hearings_and_reports(inbox: Path) -> list[Path]:
    """A GB18030 hearings file and a branch-report file, each with one valid and one bad row."""
    return [
        write_csv(
            inbox / "h.csv",
            "hearings",
            [hearing(record_id="H-1"), hearing(record_id="H-2", opinions_resolved="99")],
            encoding="gb18030",
        ),
        write_csv(
            inbox / "b.csv",
            "branch_reports",
            [branch_report(org="B01"), branch_report(org="U01", took_part="是")],
        ),
    ]


def inbox_batch(settings: Settings) -> list[Path]:
    """Three inbox files of every kind: seven rows, two of which break a rule."""
    inbox = settings.inbox_dir
    return [
        write_csv(
            inbox / "e.csv",
            "evaluations",
            [
                evaluation(evaluator="甲"),
                evaluation(evaluator="乙", verdict="不满意"),
                evaluation(evaluator="丙", service_attitude="9"),
            ],
        ),
        *hearings_and_reports(inbox),
    ]


@dataclass
class CheckedFile:
    """One file after staging and validation: its outcome and its rows, typed."""

    outcome: FileOutcome
    frame: pd.DataFrame
    failures: list[Failure]


def validated(settings: Settings, paths: list[Path]) -> list[CheckedFile]:
    """Read, stage and validate files without loading them."""
    registry = load_registry(settings.reference_dir)
    outcomes = read_files(paths, settings, set())
    staged = stage_files(outcomes, registry, load_key(settings.key_path))
    validate_files(outcomes, staged, settings)
    checked = []
    for outcome in outcomes:
        prefix = outcome.file_hash[:16]
        frames = [t.frame[t.frame["file_hash"] == outcome.file_hash] for t in staged.values()]
        failures = [f for t in staged.values() for f in t.failures if f.row_id[:16] == prefix]
        checked.append(CheckedFile(outcome, pd.concat(frames, ignore_index=True), failures))
    return checked


def failures_by_row(checked: CheckedFile) -> set[tuple[int, str, str]]:
    """(row number, column, rule) of every failed cell of a file."""
    numbers = dict(zip(checked.frame["row_id"], checked.frame["row_number"], strict=True))
    return {(int(numbers[f.row_id]), f.column, f.rule) for f in checked.failures}


def ingest_paths(settings: Settings, paths: list[Path]) -> LoadSummary:
    """Ingest files as one batch and return the totals."""
    summary = ingest(settings, paths).summary
    return summary


def return_fixed_workbook(settings: Settings) -> Path:
    """Load the batch, write the reports, fix the rating in e.csv's corrections workbook as an
    organizer would (openpyxl) and load it back; the workbook's path in the reports."""
    import openpyxl

    from flows.periods import Period
    from flows.reports import write_reports
    from flows.warehouse import Mode, open_warehouse

    ingest(settings, inbox_batch(settings))
    with open_warehouse(settings, Mode.READ) as con:
        written = write_reports(con, settings, Period(2026, 1))
    (workbook,) = [p for p in written if p.name == "e.corrections.xlsx"]
    quality = settings.reports_dir / "2026H1" / "quality.zh.html"
    assert "“服务态度”评分 9 超出 1-5 范围。" in quality.read_text(encoding="utf-8")
    book = openpyxl.load_workbook(workbook)  # the organizer fixes the rating, keeps the rest
    sheet = book.worksheets[0]
    column = [c.value for c in sheet[1]].index("服务态度") + 1
    # The row sits where it was in e.csv; the rating is a number, chosen from its dropdown.
    (row,) = [r for r in range(2, sheet.max_row + 1) if sheet.cell(r, column).value is not None]
    assert sheet.cell(row=row, column=column).value == 9
    sheet.cell(row=row, column=column).value = int(dropdown_choices(book, sheet, row, column)[3])
    settings.inbox_dir.mkdir(parents=True, exist_ok=True)
    book.save(settings.inbox_dir / workbook.name)
    summary = ingest(settings, [settings.inbox_dir / workbook.name]).summary
    assert (summary.rows_loaded, summary.rows_quarantined) == (1, 0)
    return workbook


def dropdown_choices(book: Any, sheet: Any, row: int, column: int) -> list[str]:
    """The values a cell's dropdown (list data validation) offers, read from its range."""
    from openpyxl.utils import get_column_letter

    cell = f"{get_column_letter(column)}{row}"
    (validation,) = [v for v in sheet.data_validations.dataValidation if cell in v.sqref]
    assert validation.type == "list"
    source, cells = validation.formula1.split("!")
    first, last = cells.replace("$", "").split(":")
    return [str(c[0].value) for c in book[source.strip("='")][f"{first}:{last}"]]
