"""Excel workbooks: layouts, native values, sheets, the corrections marker, and hostile archives.

Rectangular sheets are read column-wise as grids; that fast way is compared here, on generated
sheets, with reading them row by row.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from hypothesis import given
from hypothesis import strategies as st

from flows.datasets import COLUMNS, KINDS
from flows.ingest.readers import longtext, read_file, workbook
from flows.settings import Settings, load_settings
from tests.ingest.readers.forms import (
    EVALUATION_HEADER,
    EVALUATION_ROW,
    HEARING_HEADER,
    HEARING_ROW,
    MANY,
    SHEET_VALUES,
    only_table,
    outcome,
    rejected,
    two_row_header,
    write_xlsx,
)


def test_xlsx_layout_title_merged_community_serial_totals_notes(
    tmp_path: Path, settings: Settings
) -> None:
    path = tmp_path / "evaluations.xlsx"
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet("东风社区")
        sheet.merge_range(0, 0, 0, 12, "2026年上半年代表评议表")
        sheet.write_row(2, 0, ["序号", *EVALUATION_HEADER])
        sheet.merge_range(3, 2, 5, 2, "东风社区")
        for offset, name in enumerate(["张三", "李四", "王五"]):
            row = [offset + 1, "2026H1", None, name, "居民代表", 5, 4, 5, 5, 4, "满意"]
            sheet.write_row(3 + offset, 0, row)
        sheet.write_row(6, 0, ["合计", None, None, None, None, 15, 12])
        sheet.merge_range(8, 0, 8, 12, "注：评分为1-5分。")
        sheet.write_row(9, 0, ["填表人：赵六", None, None, None, "审核人：钱七"])
    table = only_table(read_file(path, settings))
    assert (table.sheet, table.header_row) == ("东风社区", 3)
    assert table.rows["row_number"].tolist() == [4, 5, 6]
    assert table.rows["community"].tolist() == ["东风社区"] * 3
    assert table.rows["evaluator"].tolist() == ["张三", "李四", "王五"]
    assert table.rows["service_attitude"].tolist() == ["5", "5", "5"]
    assert table.rows["comments"].tolist() == [None, None, None]


def test_xlsx_two_row_header_with_merged_group_label(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "evaluations.xlsx"
    top = EVALUATION_HEADER[:4]
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet()
        for col, text in enumerate(top):
            sheet.merge_range(0, col, 1, col, text)
        sheet.merge_range(0, 4, 0, 8, "评议项目")
        sheet.write_row(1, 4, EVALUATION_HEADER[4:9])
        for col, text in enumerate(EVALUATION_HEADER[9:], start=9):
            sheet.merge_range(0, col, 1, col, text)
        sheet.write_row(2, 0, EVALUATION_ROW)
    table = only_table(read_file(path, settings))
    assert table.header_row == 2
    assert table.rows["row_number"].tolist() == [3]
    assert table.rows.iloc[0]["period"] == "2026年上半年"


def test_xlsx_native_values_become_faithful_text(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "hearings.xlsx"
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet()
        date_format = book.add_format({"num_format": "yyyy-mm-dd"})
        sheet.write_row(0, 0, [*HEARING_HEADER, "是否公开"])
        sheet.write_row(1, 0, ["007", "东风社区", "听证会"])
        sheet.write_datetime(1, 3, dt.datetime(2026, 3, 5), date_format)
        sheet.write_row(1, 4, ["加装电梯", 35.0, 12.5, 10, True])
        sheet.write_row(2, 0, ["008", "东风社区", "恳谈会", 46116, "停车", 0.1 + 0.2, 3, 0, False])
        sheet.write_row(3, 0, ["009", "东风社区", "恳谈会", 46116.75, "绿化", 1e20, 3, 2])
        sheet.write_datetime(4, 3, dt.datetime(2026, 5, 1, 14, 30), book.add_format())
        sheet.write_row(4, 0, ["010", "东风社区", "入户走访"])
        sheet.write_row(4, 4, ["垃圾分类", "０３５", "12", "10"])
    table = only_table(read_file(path, settings))
    rows = table.rows
    assert table.extra_columns == ["是否公开"]
    assert rows["record_id"].tolist() == ["007", "008", "009", "010"]
    assert rows["held_on"].tolist() == [
        "2026-03-05",
        "2026-04-04",
        "2026-04-04 18:00:00",
        "2026-05-01 14:30:00",
    ]
    assert rows["attendees"].tolist() == ["35", "0.3", "1e+20", "０３５"]
    assert rows["opinions_raised"].tolist() == ["12.5", "3", "3", "12"]
    assert rows["row_number"].tolist() == [2, 3, 4, 5]


def test_xlsx_sheet_per_community_hidden_and_other_sheets(
    tmp_path: Path, settings: Settings
) -> None:
    path = tmp_path / "book.xlsx"
    with xlsxwriter.Workbook(path) as book:
        for name, community in [("东风", "东风社区"), ("西城", "西城社区")]:
            sheet = book.add_worksheet(name)
            sheet.write_row(0, 0, HEARING_HEADER)
            sheet.write_row(1, 0, [*HEARING_ROW[:1], community, *HEARING_ROW[2:]])
        book.add_worksheet("说明").write(0, 0, "本表由各社区填写")
        hidden = book.add_worksheet("旧数据")
        hidden.write_row(0, 0, HEARING_HEADER)
        hidden.write_row(1, 0, HEARING_ROW)
        hidden.hide()
        book.add_worksheet("空白")
    result = read_file(path, settings)
    assert [(t.sheet, t.rows["community"].tolist()) for t in result.tables] == [
        ("东风", ["东风社区"]),
        ("西城", ["西城社区"]),
    ]
    assert result.ignored_sheets == ["说明", "空白"]
    assert result.correction_of is None
    assert result.encoding is None


def test_xlsx_correction_marker_in_hidden_sheet(tmp_path: Path, settings: Settings) -> None:
    source_hash = "ab" * 32
    path = tmp_path / "correction.xlsx"
    with xlsxwriter.Workbook(path) as book:
        book.add_worksheet("数据").write_row(0, 0, HEARING_HEADER)
        book.worksheets()[0].write_row(1, 0, HEARING_ROW)
        marker = book.add_worksheet(workbook.CORRECTION_SHEET)
        marker.write(0, 0, source_hash)
        marker.hide()
    result = read_file(path, settings)
    assert result.correction_of == source_hash
    assert [t.sheet for t in result.tables] == ["数据"]
    assert result.ignored_sheets == []


def test_correction_marker_alone_names_the_source(tmp_path: Path) -> None:
    marked = write_xlsx(
        tmp_path / "marked.xlsx",
        {"说明": [["no table here"]], workbook.CORRECTION_SHEET: [["AB" * 32]]},
    )
    plain = write_xlsx(tmp_path / "plain.xlsx", {"数据": [HEARING_HEADER, HEARING_ROW]})
    assert workbook.correction_marker(marked) == "ab" * 32
    assert workbook.correction_marker(plain) is None


def test_xlsx_bad_correction_marker_is_rejected(tmp_path: Path, settings: Settings) -> None:
    path = write_xlsx(
        tmp_path / "c.xlsx",
        {"数据": [HEARING_HEADER, HEARING_ROW], workbook.CORRECTION_SHEET: [["not a hash"]]},
    )
    assert rejected(path, settings).key == "file_bad_correction_marker"


def test_xlsx_missing_columns_names_the_sheet(tmp_path: Path, settings: Settings) -> None:
    path = write_xlsx(tmp_path / "b.xlsx", {"东风": [HEARING_HEADER[:-1], HEARING_ROW[:-1]]})
    error = rejected(path, settings)
    assert error.key == "file_missing_columns"
    assert error.values["missing"] == "办结数 (opinions_resolved)"
    assert error.values["found"] == "[东风] 编号, 社区, 形式, 日期, 议题, 参加人数, 收集意见数"


@pytest.mark.parametrize(
    ("sheets", "key"),
    [
        pytest.param({"a": [["姓名", "电话"], ["张三", "139"]]}, "file_unknown_kind", id="unknown"),
        pytest.param({"a": [], "b": []}, "file_empty", id="empty-sheets"),
        pytest.param({"a": [HEARING_HEADER]}, "file_empty", id="header-only"),
    ],
)
def test_xlsx_without_data_tables_is_rejected(
    tmp_path: Path, settings: Settings, sheets: dict[str, list[list[object]]], key: str
) -> None:
    assert rejected(write_xlsx(tmp_path / "b.xlsx", sheets), settings).key == key


def test_merged_cells_fill_down_their_first_column_only() -> None:
    grid: list[list[object]] = [["东风社区", "标题", ""], ["", "", ""], ["", "", ""]]
    merges = [((0, 0), (2, 0)), ((0, 1), (0, 2)), ((1, 1), (5, 2)), ((9, 0), (10, 0))]
    assert workbook.merged_fill(merges, grid) == {1: {0: "东风社区"}, 2: {0: "东风社区", 1: ""}}


def test_xlsx_spanning_a_huge_area_is_refused_before_reading(
    tmp_path: Path, settings: Settings
) -> None:
    path = tmp_path / "far.xlsx"
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, HEARING_HEADER)
        sheet.write(1_048_575, 16_383, "x")
    error = rejected(path, settings)
    assert error.key == "file_sheet_too_large"
    assert (error.values["rows"], error.values["columns"]) == (1_048_576, 16_384)


def test_zip_bomb_is_refused(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 1 MB expanding from about 1 KB: a bomb only under the patched size limit.
    monkeypatch.setattr(workbook, "ZIP_BOMB_BYTES", 100_000)
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 1_000_000)
    assert rejected(path, settings).key == "file_zip_bomb"


def test_truncated_workbook_is_rejected(tmp_path: Path, settings: Settings) -> None:
    whole = write_xlsx(tmp_path / "whole.xlsx", {"a": [HEARING_HEADER, HEARING_ROW]})
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    assert rejected(cut, settings).key == "file_corrupt"


SHEET_XML = (
    b'<sheetData><row r="1"><c r="A1"/><c r="B1"><v>1</v></c></row>'
    b"<row><c><v>2</v></c><c/><c t='s'><v>0</v></c></row><row r=\"9\"/></sheetData>"
)


@pytest.mark.parametrize("block", [1, 3, 7, len(SHEET_XML)])
def test_rows_and_widest_row_are_counted_across_blocks(block: int) -> None:
    rows = workbook.RowCounter()
    for start in range(0, len(SHEET_XML), block):
        rows.feed(SHEET_XML[start : start + block])
    assert rows.rows == SHEET_XML.count(b"<row")
    assert rows.widest == 3  # the second row


@pytest.mark.parametrize(
    ("letters", "number"), [(b"A", 1), (b"Z", 26), (b"AA", 27), (b"XFD", 16_384)]
)
def test_column_letters_as_numbers(letters: bytes, number: int) -> None:
    assert workbook._column_number(letters) == number


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
    filled = workbook.merged_fill(merges, grid)
    by_rows = outcome(lambda: workbook._read_rows("表", grid, filled))
    assert outcome(lambda: workbook._read_grid("表", grid, len(grid[0]), filled)) == by_rows


# Cells over the character limit, found before calamine reads the workbook

EXCEL_LIMIT = 32_767


def _hearing_book(path: Path, write_topic: Callable[[Any, Any], None], **options: Any) -> Path:
    """A hearing sheet "听证" whose one data row's topic (E2) ``write_topic`` writes."""
    with xlsxwriter.Workbook(path, options) as book:
        sheet = book.add_worksheet("听证")
        sheet.write_row(0, 0, HEARING_HEADER)
        sheet.write_row(1, 0, HEARING_ROW)
        write_topic(book, sheet)
    return path


def _rewritten(path: Path, to: Path, member: str, change: Callable[[str], str]) -> Path:
    """A copy of the workbook at ``to`` with one part's XML changed."""
    with zipfile.ZipFile(path) as book, zipfile.ZipFile(to, "w", zipfile.ZIP_DEFLATED) as copy:
        for name in book.namelist():
            data = book.read(name)
            copy.writestr(name, change(data.decode()).encode() if name == member else data)
    return to


def _without_cell_references(path: Path) -> Path:
    """The workbook with every r="..." attribute removed from its sheets (as some tools write)."""
    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in parts.items():
            if name.startswith("xl/worksheets/"):
                data = re.sub(rb' r="[0-9A-Z]+"', b"", data)
            book.writestr(name, data)
    return path


def _over(chars: int) -> Callable[[Any, Any], None]:
    return lambda _book, sheet: sheet.write_string(1, 4, "议" * chars)


POISONED: dict[str, Callable[[Path, int], Path]] = {
    # Read back through the shared strings table, as Excel writes text.
    "shared-string": lambda p, n: _hearing_book(p, _over(n + 1)),
    # Two runs each under the limit, together over it.
    "rich-text-runs": lambda p, n: _hearing_book(
        p,
        lambda book, sheet: sheet.write_rich_string(
            1, 4, book.add_format({"bold": True}), "甲" * (n // 2 + 1), "乙" * (n // 2 + 1)
        ),
    ),
    # Inline strings, in the sheet's own XML.
    "inline-string": lambda p, n: _hearing_book(p, _over(n + 1), constant_memory=True),
    # A formula's cached text result.
    "formula-result": lambda p, n: _hearing_book(
        p, lambda _book, sheet: sheet.write_formula(1, 4, '="x"', None, "x" * (n + 1))
    ),
    "without-cell-references": lambda p, n: _without_cell_references(
        _hearing_book(p, _over(n + 1), constant_memory=True)
    ),
}


@pytest.mark.parametrize("build", POISONED.values(), ids=POISONED.keys())
def test_a_cell_over_the_limit_refuses_the_workbook_naming_sheet_cell_and_limit(
    tmp_path: Path, build: Callable[[Path, int], Path]
) -> None:
    settings = load_settings(env={"MINYI_HOME": str(tmp_path), "MINYI_MAX_CELL_CHARS": "1000"})
    path = build(tmp_path / "h.xlsx", 1000)
    error = rejected(path, settings)
    assert error.key == "file_cell_too_large"
    assert error.values == {"sheet": "听证", "cell": "E2", "limit": 1000}
    assert "E2" in error.reason("zh") and "1000" in error.reason("en")


def test_a_cell_at_excels_limit_loads_one_over_it_is_refused(
    tmp_path: Path, settings: Settings
) -> None:
    at_limit = _hearing_book(tmp_path / "at.xlsx", _over(EXCEL_LIMIT))
    assert only_table(read_file(at_limit, settings)).rows["topic"].str.len().tolist() == [
        EXCEL_LIMIT
    ]
    # xlsxwriter cuts text at Excel's limit: one character more is added to the XML itself.
    over = _rewritten(
        at_limit,
        tmp_path / "over.xlsx",
        "xl/sharedStrings.xml",
        lambda xml: xml.replace("议" * EXCEL_LIMIT, "议" * (EXCEL_LIMIT + 1)),
    )
    error = rejected(over, settings)
    assert (error.key, error.values["cell"], error.values["limit"]) == (
        "file_cell_too_large",
        "E2",
        EXCEL_LIMIT,
    )


def test_a_shared_string_no_cell_shows_is_refused_too(tmp_path: Path) -> None:
    settings = load_settings(env={"MINYI_HOME": str(tmp_path), "MINYI_MAX_CELL_CHARS": "1000"})
    path = _hearing_book(tmp_path / "h.xlsx", _over(1001))
    # The topic cell made a number: no cell refers to the long string any more.
    path = _rewritten(
        path,
        tmp_path / "unused.xlsx",
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(r'<c r="E2"([^>]*) t="s"', r'<c r="E2"\1', xml),
    )
    error = rejected(path, settings)
    assert (error.key, error.values["cell"]) == ("file_cell_too_large", "-")


def test_workbook_expanding_past_the_total_limit_is_refused(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "h.xlsx", {"a": [HEARING_HEADER, HEARING_ROW]})
    with zipfile.ZipFile(path) as book:
        declared = sum(m.file_size for m in book.infolist())
    roomy = load_settings(
        env={"MINYI_HOME": str(tmp_path), "MINYI_MAX_WORKBOOK_BYTES": str(declared)}
    )
    assert len(only_table(read_file(path, roomy)).rows) == 1
    tight = load_settings(
        env={"MINYI_HOME": str(tmp_path), "MINYI_MAX_WORKBOOK_BYTES": str(declared - 1)}
    )
    error = rejected(path, tight)
    assert error.key == "file_workbook_too_large"
    assert error.values == {"uncompressed": declared, "limit": declared - 1}


@MANY
@given(
    pieces=st.lists(
        st.sampled_from([b"<c ", b"<c>", b"x", b"<", b"c", b" ", b"xxxxx"]), max_size=60
    ),
    block=st.integers(1, 9),
)
def test_gap_meter_never_misses_the_longest_stretch_between_cell_starts(
    pieces: list[bytes], block: int
) -> None:
    xml = b"".join(pieces)
    meter = longtext.GapMeter((b"<c ", b"<c>"))
    for start in range(0, len(xml), block):
        meter.feed(xml[start : start + block])
    longest = max(len(p) for part in xml.split(b"<c ") for p in part.split(b"<c>"))
    # Never shorter (a long text would slip through); a stretch counts its opening marker,
    # and a marker cut at the end of a block counts as stretch until it is complete.
    assert longest <= meter.longest <= longest + 2 * 3 - 1


@pytest.mark.parametrize(("number", "letters"), [(1, "A"), (26, "Z"), (27, "AA"), (16_384, "XFD")])
def test_column_letters(number: int, letters: str) -> None:
    assert longtext.column_letters(number) == letters
