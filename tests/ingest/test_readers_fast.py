"""The fast ways of reading give exactly what the plain ways give.

Files of ordinary size are read once into memory; plain CSV text is split with ``str.split``
and handled column-wise, rectangular sheets as grids; header detection passes over cells
that cannot name a column; text sniffing counts with regular expressions. Each fast way is
compared here, on generated files, with the plain way it stands for: the csv module over a
text stream, tables built row by row, checks made character by character.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import unicodedata
from collections.abc import Callable
from itertools import zip_longest
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from flows.datasets import (
    COLUMNS,
    HEADER_INDEX,
    KINDS,
    match_headers,
    names_no_column,
    normalise_header,
    required_columns,
)
from flows.ingest import readers
from flows.settings import load_settings

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MANY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

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


def outcome(read: Callable[[], Any]) -> object:
    """What a read gives, comparable: tables and matches as plain data, or the error."""
    try:
        return summary(read())
    except readers.FileRejected as error:
        values = {k: repr(v) if isinstance(v, Exception) else v for k, v in error.values.items()}
        return ("rejected", error.key, values)
    except Exception as error:  # the plain way's own errors must come out the same too
        return ("error", type(error).__name__, str(error))


def summary(value: object) -> object:
    """Tables, matches and read results as tuples of plain values (frames with their types)."""
    if isinstance(value, readers.SheetTable):
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
    if isinstance(value, readers.ReadResult):
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


def two_row_header(draw: st.DrawFn, header: list[str]) -> list[list[str]]:
    """The header as two rows: a group label over some names (merged cells, saved flat)."""
    start = draw(st.integers(1, len(header) - 3))
    group = range(start, start + draw(st.integers(2, 3)))
    top = ["" if i in group else h for i, h in enumerate(header)]
    top[start] = "评议项目"
    items = [h if i in group else "" for i, h in enumerate(header)]
    return [top, items]


@st.composite
def csv_texts(draw: st.DrawFn) -> str:
    """A delimited text as offices write them, often plain, sometimes anything but."""
    kind = draw(st.sampled_from(KINDS))
    header = [
        draw(st.sampled_from(c.headers)) for c in COLUMNS[kind] if draw(st.booleans()) or c.required
    ]
    if draw(st.booleans()):
        header.insert(0, "序号")
    delimiter = draw(st.sampled_from([",", ",", "\t", ";", "|", "，"]))
    plain = draw(st.booleans())  # same width everywhere, nothing quoted
    width = len(header)
    cell = st.sampled_from(VALUES + HEADERS)
    rows = two_row_header(draw, header) if width > 5 and draw(st.booleans()) else [header]
    if draw(st.booleans()):
        rows.insert(0, ["2026年上半年评议表"] + [""] * (width - 1))
    for _ in range(draw(st.integers(0, 25))):
        size = width if plain else draw(st.sampled_from([width, width, 0, 1, width + 1]))
        row = [draw(cell) for _ in range(size)]
        shape = draw(st.integers(0, 9))
        if shape == 0 and size:  # blank, or only a serial number
            row = [draw(st.sampled_from(["", "3"]))] + [""] * (size - 1)
        elif shape == 1 and size:  # totals or a note under the table
            row[0] = draw(st.sampled_from(["合计", "合 计", "注：说明", "填表人：李四", "小计"]))
        elif shape == 2 and (plain or draw(st.booleans())):
            row = list(header)
        rows.append(row)
    lines = []
    for row in rows:
        cells = []
        for value in row:
            if plain:
                value = value.replace(delimiter, "").replace('"', "").replace("\n", "")
            elif delimiter in value or '"' in value or "\n" in value or draw(st.booleans()):
                value = '"' + value.replace('"', '""') + '"' if draw(st.booleans()) else value
            cells.append(value)
        lines.append(delimiter.join(cells))
    end = draw(st.sampled_from(["\n", "\r\n", "\r\n", "\r"]))
    text = "".join(
        line + (end if plain else draw(st.sampled_from([end, end, "\n"]))) for line in lines
    )
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    if not plain and draw(st.booleans()):
        text += '"' + draw(cell)  # a quote left open at the end
    if draw(st.integers(0, 5)) == 0:
        text = f"sep={delimiter}{end}" + text
    if draw(st.integers(0, 5)) == 0:
        text = end * 2 + text
    return text


@MANY
@given(text=csv_texts(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_text_read_from_memory_is_the_text_read_as_a_stream(text: str, encoding: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "form.csv"
        data = text.encode(encoding)
        path.write_bytes(data)
        streamed = outcome(lambda: readers.text.read_text_file(path))
        in_memory = outcome(lambda: readers.text.read_text_file(path, data))
        assert in_memory == streamed
        decoded = outcome(lambda: readers.text._read_csv_bytes(path, data, encoding))
        assert decoded == outcome(lambda: readers.text._read_csv(path, encoding))


HEARING_HEADER = ["编号", "社区", "形式", "日期", "议题", "参加人数", "收集意见数", "办结数"]


def test_plain_text_is_read_column_wise() -> None:
    text = ",".join(HEARING_HEADER) + "\n007,东风社区,听证会,2026-03-05,加装电梯,35,12,10\n"
    table = readers.text._plain_text_table(text, ",", 0)
    assert table is not None and table.rows["topic"].tolist() == ["加装电梯"]
    assert readers.text._plain_text_table(text.replace("加装电梯", '"加装,电梯"'), ",", 0) is None


def test_an_oversized_unquoted_field_is_refused_at_its_line(
    monkeypatch: Any, tmp_path: Path
) -> None:
    monkeypatch.setattr(readers.text, "MAX_FIELD_CHARS", 70_000)
    row = "001,东风社区,恳谈会,2026-04-01,停车,20,3,3\n"
    text = "编号,社区,形式,日期,议题,参加人数,收集意见数,办结数\n" + row * 3000
    text += "002,东风社区,恳谈会,2026-04-01," + "x" * 70_001 + ",20,3,3\n"
    path = tmp_path / "h.csv"
    path.write_text(text, encoding="utf-8")
    for read in (
        lambda: readers.text._read_csv(path, "utf-8"),
        lambda: readers.text._read_csv_bytes(path, path.read_bytes(), "utf-8"),
    ):
        assert outcome(read) == (
            "rejected",
            "file_field_too_large",
            {"line": 3002, "limit": 70_000},
        )


SHEET_VALUES = st.one_of(
    st.sampled_from(VALUES + HEADERS),
    st.sampled_from([5.0, 4.0, 0.1 + 0.2, 1e20, 46116.75, 46086.0, -3.5, 13800138000.0, -0.0]),
    st.integers(-5, 50_000),
    st.booleans(),
    st.sampled_from([dt.date(2026, 7, 5), dt.datetime(2026, 7, 5, 14, 30), dt.time(9, 30)]),
)


@st.composite
def sheets(
    draw: st.DrawFn,
) -> tuple[list[list[object]], list[tuple[tuple[int, int], tuple[int, int]]]]:
    """A rectangular sheet as calamine gives it (blank cells are ""), and merged ranges."""
    kind = draw(st.sampled_from(KINDS))
    header: list[object] = [c.zh for c in COLUMNS[kind] if c.required or draw(st.booleans())]
    if draw(st.booleans()):
        header.insert(0, "序号")
    width = len(header) + draw(st.integers(0, 2))
    header += [""] * (width - len(header))
    top = [["" for _ in range(width)] for _ in range(draw(st.integers(0, 3)))]
    if top and draw(st.booleans()):
        top[0][0] = "2026年上半年评议表"
    body = []
    for _ in range(draw(st.integers(0, 20))):
        row = [draw(st.one_of(st.just(""), SHEET_VALUES)) for _ in range(width)]
        shape = draw(st.integers(0, 9))
        if shape == 0:  # blank, or only a serial number
            row = [draw(st.sampled_from(["", 3.0, "3"]))] + [""] * (width - 1)
        elif shape == 1:  # totals or a note under the table
            row[0] = draw(st.sampled_from(["合计", "注：说明", "填表人：李四"]))
        elif shape == 2:
            row = list(header)
        body.append(row)
    if draw(st.booleans()):
        header_rows = two_row_header(draw, [str(h) for h in header])
    else:
        header_rows = [header]
    grid = [*top, *header_rows, *body]
    merges = []
    for _ in range(draw(st.integers(0, 3))):
        row = draw(st.integers(0, len(grid) - 1))
        col = draw(st.integers(0, width - 1))
        merges.append(((row, col), (row + draw(st.integers(0, 3)), col + draw(st.integers(0, 1)))))
    return grid, merges


@MANY
@given(sheet=sheets())
def test_a_sheet_read_as_a_grid_is_the_sheet_read_row_by_row(
    sheet: tuple[list[list[object]], list[tuple[tuple[int, int], tuple[int, int]]]],
) -> None:
    grid, merges = sheet
    filled = readers.merged_fill(merges, grid)
    by_rows = outcome(lambda: readers.workbook._read_rows("表", grid, filled))
    assert outcome(lambda: readers.workbook._read_grid("表", grid, len(grid[0]), filled)) == by_rows
    # Both ways convert values with _row_texts: it must be cell_text.
    for row in grid:
        assert readers.cells.row_texts(row) == [readers.cell_text(value) for value in row]


def _find_header_by_kind(rows: list[tuple[int, readers.TextRow]]) -> readers.HeaderMatch | None:
    """find_header as first written: every row, plain and stacked, matched against every kind."""
    best: tuple[tuple[float, int, bool], readers.HeaderMatch] | None = None
    fallback: readers.HeaderMatch | None = None
    previous: readers.TextRow = []
    for row_number, cells in rows[: readers.HEADER_SCAN_ROWS]:
        stacked = [c if c is not None else p for c, p in zip_longest(cells, previous)]
        for candidate, plain in ((cells, True), (stacked, False)):
            headers = [c or "" for c in candidate[: readers.HEADER_SCAN_COLUMNS]]
            for kind in KINDS:
                mapping = match_headers(kind, headers)
                required = required_columns(kind)
                share = len(set(required) & set(mapping.values())) / len(required)
                score = (share, len(mapping), plain)
                if share >= 0.5 and (best is None or score > best[0]):
                    best = (score, readers.HeaderMatch(kind, row_number, candidate, mapping))
        if fallback is None and sum(c is not None for c in cells) > 1:
            fallback = readers.HeaderMatch(None, row_number, cells, {})
        previous = cells
    if best is not None:
        return best[1]
    if fallback is not None:
        return fallback
    return readers.HeaderMatch(None, rows[0][0], rows[0][1], {}) if rows else None


@st.composite
def scanned_rows(draw: st.DrawFn) -> list[tuple[int, readers.TextRow]]:
    """Rows from the top of a table: header texts of mostly one kind, values and blanks."""
    kind = draw(st.sampled_from(KINDS))
    names = [h for c in COLUMNS[kind] for h in c.headers]
    cell = st.one_of(
        st.none(),
        st.sampled_from(names),
        st.sampled_from(names).map(lambda h: f" {h}（人）"),
        st.sampled_from(HEADERS),
        st.sampled_from(VALUES).map(lambda v: v.strip() or None),
    )
    rows = draw(st.lists(st.lists(cell, max_size=14), max_size=35))
    return [(i + 1, row) for i, row in enumerate(rows)]


@MANY
@given(rows=scanned_rows())
def test_header_detection_finds_what_matching_every_row_finds(
    rows: list[tuple[int, readers.TextRow]],
) -> None:
    assert readers.find_header(rows) == _find_header_by_kind(rows)


def _looks_like_text_by_character(text: str) -> bool:
    """looks_like_text as first written: one character at a time."""
    visible = [ch for ch in text if not ch.isspace()]
    if not visible:
        return True
    odd = sum(1 for ch in visible if unicodedata.category(ch) in ("Cc", "Co", "Cn", "Cs"))
    common = sum(1 for ch in visible if readers.text._is_common_char(ch))
    return odd <= len(visible) * 0.001 and common >= len(visible) * 0.95


TEXT_CHARACTERS = st.one_of(
    st.characters(max_codepoint=0x7F),
    st.characters(min_codepoint=0x80, max_codepoint=0x3FF),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(min_codepoint=0x2000, max_codepoint=0x33FF),
    st.characters(min_codepoint=0xE000, max_codepoint=0xFFFF),
    st.characters(),
    st.sampled_from(" \t\n\r\x0b\x1c\x85\xa0\u1680\u2028\u3000\u200a\x00\x07\ufeff\ue000"),
)


@FAST
@given(
    parts=st.lists(
        st.tuples(st.text(TEXT_CHARACTERS, max_size=20), st.integers(1, 200)), max_size=8
    )
)
def test_text_sniffing_counts_as_character_by_character(parts: list[tuple[str, int]]) -> None:
    text = "".join(piece * times for piece, times in parts)
    assert readers.looks_like_text(text) == _looks_like_text_by_character(text)


@FAST
@given(
    common=st.text(st.sampled_from("社区评议满意,5\n　，"), min_size=1, max_size=30),
    rare=st.text(st.characters(min_codepoint=0xA000, max_codepoint=0xDFFF), min_size=1, max_size=5),
    odd=st.sampled_from(["", "\x07", "\ue000", "\x00\x01"]),
    share=st.floats(0, 0.15),
)
def test_text_sniffing_decides_near_its_thresholds(
    common: str, rare: str, odd: str, share: float
) -> None:
    text = common * 100
    text += rare * int(len(text) * share / len(rare)) + odd
    assert readers.looks_like_text(text) == _looks_like_text_by_character(text)


def test_every_white_space_but_the_space_is_unprintable() -> None:
    # The plain CSV path skips stripping fields when the text has neither.
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    assert [ch for ch in spaces if ch.isprintable()] == [" "]


LINE_PIECES = ["a", "社区", ",", "\n", "\r", "\r\n", "\x0b", "\u2028", " ", "x" * 150]


@FAST
@given(
    text=st.lists(st.sampled_from(LINE_PIECES), max_size=3000).map("".join),
    count=st.integers(1, 80),
)
@example(text="a\n" * 59 + "b" * 5000 + "\nc", count=60)  # the 60th line runs past the prefix
def test_first_lines_are_the_first_of_all_lines(text: str, count: int) -> None:
    assert readers.text._first_lines(text, count) == text.splitlines()[:count]


KEYS = {key for index in HEADER_INDEX.values() for key in index}


@FAST
@given(
    header=st.sampled_from(HEADERS),
    insert=st.text(
        st.one_of(
            st.sampled_from("0123456789人户次个名分()（）～~-_ 　\ufeff"),
            st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
            st.characters(),
        ),
        max_size=3,
    ),
    at=st.integers(0, 30),
)
def test_cells_passed_over_name_no_column(header: str, insert: str, at: int) -> None:
    text = header[:at] + insert + header[at:]
    assert not names_no_column(text) or normalise_header(text) not in KEYS


def test_header_texts_are_never_passed_over() -> None:
    for header in HEADERS:
        for text in (header, f" {header} ", f"{header}（人）", f"{header}(1-5分)", header.upper()):
            assert not names_no_column(text), text


def test_memory_and_disk_read_the_same_workbooks_and_texts(
    tmp_path: Path, monkeypatch: Any
) -> None:
    book = tmp_path / "b.xlsx"
    with xlsxwriter.Workbook(book) as workbook:
        sheet = workbook.add_worksheet("东风")
        sheet.write_row(0, 0, HEARING_HEADER)
        sheet.write_row(1, 0, ["007", "东风社区", "听证会", 46086, "加装电梯", 35.0, 12, 10])
        sheet.merge_range(2, 1, 3, 1, "东风社区")
    text = tmp_path / "h.csv"
    lines = [",".join(HEARING_HEADER), "007,东风社区,听证会,2026-03-05,加装电梯,35,12,10", ""]
    text.write_bytes("\r\n".join(lines).encode("gb18030"))
    config = load_settings(env={"MINYI_HOME": str(tmp_path / "home")})
    in_memory = [outcome(lambda p=p: readers.read_file(p, config)) for p in (book, text)]
    assert all(isinstance(o, tuple) and o[-1] for o in in_memory)  # both read, with tables
    monkeypatch.setattr(readers, "IN_MEMORY_BYTES", 0)
    assert [outcome(lambda p=p: readers.read_file(p, config)) for p in (book, text)] == in_memory


def test_frames_are_object_columns_and_row_numbers() -> None:
    text = ",".join(HEARING_HEADER) + "\n007,东风社区,听证会,,加装电梯,035,12,10\n"
    table = readers.text._plain_text_table(text, ",", 0)
    assert table is not None
    assert all(str(t) == "object" for t in table.rows.dtypes[:-1])
    assert str(table.rows.dtypes["row_number"]) == "int64"
    assert table.rows.iloc[0]["held_on"] is None and table.rows.iloc[0]["attendees"] == "035"
    assert isinstance(table.rows.index, pd.RangeIndex)
