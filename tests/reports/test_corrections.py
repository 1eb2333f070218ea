"""Corrections workbooks."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest

from flows.datasets import COLUMNS, RATING_ITEMS, ROLES, VERDICTS
from flows.ingest.readers.workbook import read_workbook
from flows.reports import (
    CORRECTION_SHEET,
    correction_writing,
    corrections,
    write_reports,
)
from flows.reports.corrections import (
    _CLOSED_LISTS,
    LISTS_SHEET,
    CorrectionRow,
    correction_path,
    correction_sheets,
    write_correction_sheets,
)
from flows.settings import Settings
from tests.helpers import dropdown_choices
from tests.reports.builders import (
    EVAL_HASH,
    HALF_YEAR,
    own_warehouse,
    sheet_rows,
)


def test_corrections_workbook(written: list[Path]) -> None:
    workbook = openpyxl.load_workbook(written[3])
    marker = workbook[CORRECTION_SHEET]
    assert marker.sheet_state == "hidden"
    assert marker["A1"].value == EVAL_HASH
    # Named as the original's sheet, each row at its original row: "row 7" here is row 7 there.
    assert workbook.sheetnames[0] == "评议表"
    sheet = workbook["评议表"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    expected = [c.zh for c in COLUMNS["evaluations"]]
    assert rows[0] == [*expected, "问题说明 / Problem"]
    assert len(rows) == 9  # rows 7 and 9: one line per row, not per failed cell
    assert [i + 1 for i, r in enumerate(rows) if any(v is not None for v in r)] == [1, 7, 9]
    row7 = dict(zip(rows[0], rows[6], strict=True))
    assert row7["评议期"] == "2026年中"
    assert row7["服务态度"] == 6 and row7["办事效率"] == 4  # numbers as numbers
    assert row7["问题说明 / Problem"].startswith("原第 7 行（评议表）：")
    assert row7["评议人"] == "ev_0123456789abcdef"
    assert "原因：period 填写有误" in row7["问题说明 / Problem"]
    assert "原因：service_attitude 填写有误" in row7["问题说明 / Problem"]
    comments = sheet.cell(row=7, column=expected.index("意见建议") + 1)
    assert comments.value == "=cmd|' /C calc'!A0" and comments.data_type == "s"
    assert sheet.freeze_panes == "A2"


def test_corrections_keep_distinct_names(
    warehouse: duckdb.DuckDBPyConnection, settings: Settings, tmp_path: Path
) -> None:
    other = replace(settings, home=tmp_path / "other")
    paths = write_reports(warehouse, other, HALF_YEAR, lang="en")
    workbook = openpyxl.load_workbook(paths[3])
    header = [c.value for c in workbook[workbook.sheetnames[0]][1]]
    assert header[:2] == ["period", "community"]


def test_corrections_in_the_report_language_only(
    warehouse: duckdb.DuckDBPyConnection, settings: Settings
) -> None:
    """Two workbooks of one file would both come back: writing one language's removes the
    other's (unless edited in place)."""
    (zh,) = write_reports(warehouse, settings, HALF_YEAR)[3:]
    zh_header = sheet_rows(zh, openpyxl.load_workbook(zh).sheetnames[0])[0]
    (en,) = write_reports(warehouse, settings, HALF_YEAR, lang="en")[3:]
    assert zh.name == "2026上半年评议表.corrections.xlsx"  # as it always was
    assert en.name == "2026上半年评议表.corrections.en.xlsx"
    assert zh.parent == en.parent
    assert not zh.exists() and not (zh.parent / ".minyi-corrections.zh.json").exists()
    en_header = sheet_rows(en, openpyxl.load_workbook(en).sheetnames[0])[0]
    assert zh_header[:2] == ["评议期", "社区"] and en_header[:2] == ["period", "community"]
    en.write_bytes(b"edited in place")  # someone's work is kept
    write_reports(warehouse, settings, HALF_YEAR)
    assert en.read_bytes() == b"edited in place" and zh.exists()


# Writing many reports fast: unchanged workbooks left alone


def _identity(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns


def test_unchanged_corrections_are_not_written_again(
    warehouse: duckdb.DuckDBPyConnection, settings: Settings
) -> None:
    (path,) = write_reports(warehouse, settings, HALF_YEAR)[3:]
    manifest = path.parent / ".minyi-corrections.zh.json"
    assert path.name in json.loads(manifest.read_text(encoding="utf-8"))["files"]
    first = _identity(path)
    assert write_reports(warehouse, settings, HALF_YEAR)[3:] == [path]
    assert _identity(path) == first  # same content: the file was left as it was
    # Edited in place (or replaced) since: written again.
    path.write_bytes(b"not a workbook any more")
    write_reports(warehouse, settings, HALF_YEAR)
    assert openpyxl.load_workbook(path)[CORRECTION_SHEET]["A1"].value == EVAL_HASH
    second = _identity(path)
    assert second != first
    # A manifest lost or unreadable: everything is written again.
    manifest.write_text("{not json", encoding="utf-8")
    write_reports(warehouse, settings, HALF_YEAR)
    assert _identity(path) != second
    assert openpyxl.load_workbook(path)[CORRECTION_SHEET]["A1"].value == EVAL_HASH


def _write_from(path: Path, settings: Settings) -> list[Path]:
    with duckdb.connect(str(path), read_only=True) as con:
        return write_reports(con, settings, HALF_YEAR, run_id="run-2")


def test_changed_corrections_are_written_again(
    template_warehouse: Path, settings: Settings
) -> None:
    path = own_warehouse(template_warehouse, settings)
    (workbook,) = _write_from(path, settings)[3:]
    first = _identity(workbook)
    with duckdb.connect(str(path)) as con:
        con.execute(
            "update meta.quarantine set reason_zh = '原因：总体评价另有写法' where row_number = 9"
        )
    (again,) = _write_from(path, settings)[3:]
    assert again == workbook and _identity(workbook) != first
    problems = [r[-1] for r in sheet_rows(workbook, openpyxl.load_workbook(workbook).sheetnames[0])]
    assert any("原因：总体评价另有写法" in str(p) for p in problems)


def test_many_corrections_are_written_by_worker_processes(
    warehouse: duckdb.DuckDBPyConnection, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    (serial,) = write_reports(warehouse, settings, HALF_YEAR)[3:]
    expected = sheet_rows(serial, openpyxl.load_workbook(serial).sheetnames[0])
    serial.unlink()
    monkeypatch.setattr(correction_writing, "PARALLEL_CORRECTIONS", 0)
    monkeypatch.setattr(correction_writing, "_CORRECTIONS_PER_TASK", 1)
    monkeypatch.setattr(corrections, "_FETCH_ROWS", 1)  # the file's two rows come in two chunks
    monkeypatch.setattr(correction_writing, "_cpus", lambda: 2)
    submitted: list[int] = []
    submit = correction_writing._CorrectionWriter._submit

    def counted_submit(writer: correction_writing._CorrectionWriter) -> None:
        submitted.append(len(writer._batch))
        submit(writer)

    monkeypatch.setattr(correction_writing._CorrectionWriter, "_submit", counted_submit)
    (pooled,) = write_reports(warehouse, settings, HALF_YEAR)[3:]
    assert submitted == [1], "the workbook went to a worker process, not the serial path"
    assert pooled == serial
    assert sheet_rows(pooled, openpyxl.load_workbook(pooled).sheetnames[0]) == expected
    # The manifest records what the workers wrote: the next run leaves it as it is.
    first = _identity(pooled)
    write_reports(warehouse, settings, HALF_YEAR)
    assert _identity(pooled) == first


def test_corrections_are_written_while_the_report_is(
    warehouse: duckdb.DuckDBPyConnection, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.reports import report

    order: list[str] = []
    started = correction_writing.CorrectionsBeingWritten.__init__
    tables = report.report_tables

    def record_start(self: Any, *args: Any) -> None:
        order.append("corrections")
        started(self, *args)

    def record_tables(*args: Any) -> Any:
        order.append("tables")
        return tables(*args)

    monkeypatch.setattr(correction_writing.CorrectionsBeingWritten, "__init__", record_start)
    monkeypatch.setattr(report, "report_tables", record_tables)
    (workbook,) = write_reports(warehouse, settings, HALF_YEAR)[3:]
    assert order == ["corrections", "tables"]
    assert workbook.is_file()


@pytest.mark.parametrize("fails", ["report", "corrections"])
def test_a_failure_on_either_side_stops_both(
    warehouse: duckdb.DuckDBPyConnection,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    fails: str,
) -> None:
    from flows.reports import report

    def broken(*args: Any) -> Any:
        raise RuntimeError(f"{fails} broke")

    if fails == "report":
        monkeypatch.setattr(report, "report_tables", broken)
        path = correction_writing.correction_path

        def slow_path(*args: Any) -> Path:  # the thread is still at work when the report fails
            time.sleep(0.3)
            return path(*args)

        monkeypatch.setattr(correction_writing, "correction_path", slow_path)
    else:
        monkeypatch.setattr(correction_writing, "correction_path", broken)
    with pytest.raises(RuntimeError, match=f"{fails} broke"):
        write_reports(warehouse, settings, HALF_YEAR)
    assert not [t for t in threading.enumerate() if t.name == "minyi-corrections"]


def test_a_corrections_workbook_is_named_after_the_original_file(tmp_path: Path) -> None:
    taken: set[str] = set()
    again = correction_path(tmp_path, "评议表.corrections.xlsx", "a" * 64, taken)
    assert again.name == "评议表.corrections.xlsx"
    english = correction_path(tmp_path, "听证.corrections.en.xlsx", "b" * 64, set(), "en")
    assert english.name == "听证.corrections.en.xlsx"


def test_corrections_offer_dropdowns_for_every_vocabulary(written: list[Path]) -> None:
    book = openpyxl.load_workbook(written[3])
    assert book[LISTS_SHEET].sheet_state == "hidden"
    sheet = book["评议表"]
    header = [c.value for c in sheet[1]]

    def choices(label: str) -> list[str]:
        return dropdown_choices(book, sheet, 7, header.index(label) + 1)

    assert choices("身份") == list(ROLES)
    assert choices("总体评价") == list(VERDICTS)
    for item in ("服务态度", "办事效率", "环境整治", "居务公开", "为民办实事"):
        assert choices(item) == ["1", "2", "3", "4", "5"]
    assert "东华社区" in choices("社区")  # the registry's names
    closed = {v.formula1: v.errorStyle or "stop" for v in sheet.data_validations.dataValidation}
    assert set(closed.values()) == {"stop", "warning"}  # registry names only warn


@pytest.mark.parametrize(
    ("subdistricts", "offered"),
    [
        # The file's rows to correct name 东华社区 only (its loaded rows name others too):
        # its subdistrict's names, not the city's.
        ({"C01": "甲街道", "C02": "乙街道", "C03": "乙街道"}, ["东华社区"]),
        ({"C01": "甲街道", "C02": "甲街道", "C03": "乙街道"}, ["东华社区", "西园社区"]),
        # No subdistrict in the registry: every name, as before subdistricts were known.
        ({}, ["东华社区", "南湖社区", "西园社区"]),
    ],
)
def test_community_dropdowns_offer_the_files_subdistrict(
    template_warehouse: Path, settings: Settings, subdistricts: dict[str, str], offered: list[str]
) -> None:
    path = own_warehouse(template_warehouse, settings)
    with duckdb.connect(str(path)) as con:
        for community, subdistrict in subdistricts.items():
            con.execute(
                "update ref.communities set subdistrict = ? where community_id = ?",
                [subdistrict, community],
            )
    (workbook,) = _write_from(path, settings)[3:]
    book = openpyxl.load_workbook(workbook)
    sheet = book["评议表"]
    header = [c.value for c in sheet[1]]
    assert dropdown_choices(book, sheet, 7, header.index("社区") + 1) == offered
    assert dropdown_choices(book, sheet, 7, header.index("身份") + 1) == list(ROLES)


def test_a_file_naming_two_subdistricts_offers_the_whole_registry(
    template_warehouse: Path, settings: Settings
) -> None:
    path = own_warehouse(template_warehouse, settings)
    with duckdb.connect(str(path)) as con:
        con.execute("update ref.communities set subdistrict = 'S' || community_id")
        # Row 9 of the file now names 西园社区, of another subdistrict than row 7's 东华社区.
        con.execute(
            "update meta.quarantine set row_values = replace(row_values, '东华社区', '西园社区')"
            " where row_number = 9"
        )
    (workbook,) = _write_from(path, settings)[3:]
    book = openpyxl.load_workbook(workbook)
    sheet = book["评议表"]
    header = [c.value for c in sheet[1]]
    column = header.index("社区") + 1
    assert dropdown_choices(book, sheet, 7, column) == ["东华社区", "南湖社区", "西园社区"]


@pytest.mark.parametrize(
    ("recorded", "offered"),
    [
        # Every row to correct names 东华小区, in no registry: the subdistrict the file's
        # rows named when it loaded still gives its names.
        (["乙街道"], ["南湖社区", "西园社区"]),
        # Its loaded rows named two: the whole registry's.
        (["甲街道", "乙街道"], ["东华社区", "南湖社区", "西园社区"]),
        # Nothing recorded (loaded by an earlier minyi) and no name to go by: the whole registry.
        ([], ["东华社区", "南湖社区", "西园社区"]),
    ],
)
def test_dropdowns_offer_the_subdistrict_the_file_named_when_it_loaded(
    template_warehouse: Path, settings: Settings, recorded: list[str], offered: list[str]
) -> None:
    path = own_warehouse(template_warehouse, settings)
    with duckdb.connect(str(path)) as con:
        con.execute(
            "update ref.communities set subdistrict = case community_id when 'C01' then '甲街道'"
            " else '乙街道' end"
        )
        con.execute(
            "update meta.quarantine set row_values = replace(row_values, '东华社区', '东华小区')"
        )
        for subdistrict in recorded:
            con.execute(
                "insert into meta.file_subdistricts values (?, ?)", [EVAL_HASH, subdistrict]
            )
    (workbook,) = _write_from(path, settings)[3:]
    book = openpyxl.load_workbook(workbook)
    sheet = book["评议表"]
    header = [c.value for c in sheet[1]]
    assert dropdown_choices(book, sheet, 7, header.index("社区") + 1) == offered


def test_a_workbook_read_back_gives_the_original_rows_and_sheet(tmp_path: Path) -> None:
    """Rows 7 and 30 of the original's sheet 评议表 are rows 7 and 30 of 评议表 here, as the
    reader sees them: a row number in a later report points into the original file."""
    values = {c.name: None for c in COLUMNS["evaluations"]}
    values.update(period="2026H1", community="东华社区", evaluator="ev_0123456789abcdef")
    values.update(role="居民代表", verdict="满意", evaluated_on="2026-06-20")
    values.update({item: "4" for item in RATING_ITEMS})
    problem = {"column_name": "verdict", "reason_zh": "有误", "reason_en": "bad"}
    problem.update(action_zh="", action_en="")
    rows = [
        CorrectionRow(
            "评议表", number, {**values, "service_attitude": str(number % 5 + 1)}, [problem]
        )
        for number in (30, 7)
    ]
    sheets = correction_sheets({"evaluations": rows}, "zh", _CLOSED_LISTS)
    path = write_correction_sheets(tmp_path / "w.xlsx", EVAL_HASH, sheets, _CLOSED_LISTS)
    tables, ignored, marker = read_workbook(path, path.stat().st_size)
    assert marker == EVAL_HASH and ignored == []  # the hidden lists sheet is not read
    (table,) = tables
    assert table.sheet == "评议表"
    assert table.rows["row_number"].tolist() == [7, 30]
    assert table.rows["service_attitude"].tolist() == ["3", "1"]


def test_the_problem_note_names_the_evaluator_by_roster_code_not_pseudonym() -> None:
    from flows.reports.corrections import CorrectionRow, _problem_text

    problems = [
        {"reason_zh": "总体评价“一般”无法识别。", "action_zh": "", "column_name": "verdict"}
    ]
    row = CorrectionRow(
        "评议表", 14, {"evaluator": "ev_86f77876b6dc7d93"}, problems, "C04-R016 何**"
    )
    assert _problem_text(row, "zh") == (
        "原第 14 行（评议表）：评议人 C04-R016 何**（名册编号）；总体评价“一般”无法识别。"
    )
    unknown = CorrectionRow("评议表", 14, {"evaluator": "ev_86f77876b6dc7d93"}, problems)
    assert "评议人" not in _problem_text(unknown, "zh")
