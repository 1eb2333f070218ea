"""Office forms for the reader tests: headers and rows, files written from them, and reads made
comparable (the fast ways of reading are compared with the plain ways they stand for)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from flows.datasets import COLUMNS
from flows.ingest.readers import FileRejected, ReadResult, SheetTable, read_file
from flows.settings import Settings

FAST = hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
MANY = hypothesis_settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

EVALUATION_HEADER = [
    "评议期",
    "社区",
    "评议人",
    "身份",
    "服务态度",
    "办事效率",
    "环境整治",
    "居务公开",
    "为民办实事",
    "总体评价",
    "意见建议",
    "评议日期",
]
EVALUATION_ROW = [
    "2026年上半年",
    "东风社区",
    "张三",
    "人大代表",
    "5",
    "4",
    "5",
    "5",
    "4",
    "满意",
    "楼道灯坏了，请尽快修",
    "2026-06-20",
]
HEARING_HEADER = ["编号", "社区", "形式", "日期", "议题", "参加人数", "收集意见数", "办结数"]
HEARING_ROW = ["007", "西城社区", "听证会", "2026-03-05", "加装电梯", "35", "12", "10"]

# Cells the forms hold: header texts, values, blanks, padding, quotes, totals and notes.
HEADERS = sorted({h for cols in COLUMNS.values() for c in cols for h in c.headers})
VALUES = [
    "东风社区",
    "张三",
    "5",
    "007",
    "2026-03-05",
    "2026年上半年",
    "满意",
    "楼道灯坏了，请尽快修",
    "合计",
    "合 计",
    "总计：",
    "注：参加人数含列席人员。",
    "填表人：李四",
    "备注：无",
    "序号",
    "abc",
    "",
    "",
    "  ",
    " 东风社区 ",
    "\u3000满意",
    "a\x0bb",
    '说"好"',
    "a,b",
    "第一行\n第二行",
]

# Values as calamine gives them from a sheet's cells.
SHEET_VALUES = st.one_of(
    st.sampled_from(VALUES + HEADERS),
    st.sampled_from([5.0, 4.0, 0.1 + 0.2, 1e20, 46116.75, 46086.0, -3.5, 13800138000.0, -0.0]),
    st.integers(-5, 50_000),
    st.booleans(),
    st.sampled_from([dt.date(2026, 7, 5), dt.datetime(2026, 7, 5, 14, 30), dt.time(9, 30)]),
)


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    """Rows as CSV text with Windows line ends, as Excel writes them."""
    return "".join(delimiter.join(row) + "\r\n" for row in rows)


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8", sep: str = ",") -> Path:
    """Write rows as a CSV file in one encoding."""
    path.write_bytes(csv_text(rows, sep).encode(encoding))
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """Write one workbook with a sheet per entry, values from the top-left cell."""
    with xlsxwriter.Workbook(path) as book:
        for name, rows in sheets.items():
            sheet = book.add_worksheet(name)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if value is not None:
                        sheet.write(r, c, value)
    return path


def rejected(path: Path, settings: Settings) -> FileRejected:
    """The rejection raised for a file."""
    with pytest.raises(FileRejected) as caught:
        read_file(path, settings)
    return caught.value


def only_table(result: ReadResult) -> SheetTable:
    """The single table of a result."""
    assert len(result.tables) == 1
    return result.tables[0]


def two_row_header(draw: st.DrawFn, header: list[str]) -> list[list[str]]:
    """The header as two rows: a group label over some names (merged cells, saved flat)."""
    start = draw(st.integers(1, len(header) - 3))
    group = range(start, start + draw(st.integers(2, 3)))
    top = ["" if i in group else h for i, h in enumerate(header)]
    top[start] = "评议项目"
    items = [h if i in group else "" for i, h in enumerate(header)]
    return [top, items]


def outcome(read: Callable[[], Any]) -> object:
    """What a read gives, comparable: tables and matches as plain data, or the error."""
    try:
        return summary(read())
    except FileRejected as error:
        values = {k: repr(v) if isinstance(v, Exception) else v for k, v in error.values.items()}
        return ("rejected", error.key, values)
    except Exception as error:  # the plain way's own errors must come out the same too
        return ("error", type(error).__name__, str(error))


def summary(value: object) -> object:
    """Tables, matches and read results as tuples of plain values (frames with their types)."""
    if isinstance(value, SheetTable):
        rows = value.rows
        return (
            value.kind,
            value.sheet,
            value.header_row,
            value.columns,
            value.extra_columns,
            list(rows.columns),
            [str(t) for t in rows.dtypes],
            str(rows.columns.dtype),
            type(rows.index).__name__,
            {c: [(type(v).__name__, v) for v in rows[c]] for c in rows.columns},
        )
    if isinstance(value, ReadResult):
        return (
            value.file_hash,
            value.encoding,
            value.correction_of,
            value.ignored_sheets,
            [summary(t) for t in value.tables],
        )
    if isinstance(value, tuple | list):
        return tuple(summary(v) for v in value)
    return value
