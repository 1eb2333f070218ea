"""Data rows under a header: titles, serial numbers, blank, totals and note rows, extra columns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.datasets import COLUMNS, KINDS, column_names
from flows.ingest.readers import read_file
from flows.ingest.readers.common import TextRow
from flows.ingest.readers.headers import find_header
from flows.ingest.readers.tables import build_table, grid_table, is_serial_header
from flows.settings import Settings
from tests.ingest.readers.forms import (
    HEARING_HEADER,
    HEARING_ROW,
    MANY,
    VALUES,
    only_table,
    outcome,
    rejected,
    write_csv,
)


def test_csv_layout_quirks_title_serial_blank_totals_notes(
    tmp_path: Path, settings: Settings
) -> None:
    width = len(HEARING_HEADER) + 1
    blank = [""] * width
    rows = [
        ["2026年上半年听证会记录表", *[""] * (width - 1)],
        ["填报单位：西城社区", *[""] * (width - 1)],
        ["序号", *HEARING_HEADER],
        ["1", *HEARING_ROW],
        blank,
        ["2", *[v.replace("007", "008") for v in HEARING_ROW]],
        ["合 计", "", "", "", "", "", "70", "24", "20"],
        blank,
        ["注：参加人数含列席人员。", *[""] * (width - 1)],
        ["填表人：李四", "", "", "审核人：王五", "", "", "", "", ""],
    ]
    path = write_csv(tmp_path / "hearings.csv", rows, encoding="gb18030")
    table = only_table(read_file(path, settings))
    assert table.kind == "hearings"
    assert table.header_row == 3
    assert table.extra_columns == []
    assert table.rows["row_number"].tolist() == [4, 6]
    assert table.rows["record_id"].tolist() == ["007", "008"]
    assert table.rows["residents"].tolist() == [None, None]
    assert list(table.rows.columns) == [*column_names("hearings"), "row_number"]


def test_rows_that_are_not_data_are_left_out() -> None:
    header: TextRow = ["序号", *HEARING_HEADER]
    match = find_header([(1, header)])
    assert match is not None
    records: list[tuple[int, TextRow]] = [
        (2, ["1", *HEARING_ROW]),
        (3, [None] * 9),
        (4, ["2", *[None] * 8]),
        (5, ["合计", None, None, None, None, None, "70", "24", "20"]),
        (6, list(header)),
        (7, ["注：参加人数含列席人员。", *[None] * 8]),
        (8, ["3", "008", "东风社区"]),
        (9, [None, "注意事项", "东风社区", "听证会", "2026-03-05", "议题", "1", "1", "1"]),
    ]
    table = build_table(match, "", iter(records))
    assert table.rows["row_number"].tolist() == [2, 8, 9]
    assert table.rows["record_id"].tolist() == ["007", "008", "注意事项"]
    assert table.rows["topic"].tolist() == ["加装电梯", None, "议题"]
    assert table.extra_columns == []


def test_csv_extra_columns_are_listed(tmp_path: Path, settings: Settings) -> None:
    path = write_csv(tmp_path / "h.csv", [[*HEARING_HEADER, "联系电话"], [*HEARING_ROW, "139"]])
    assert only_table(read_file(path, settings)).extra_columns == ["联系电话"]


@pytest.mark.parametrize(
    ("text", "serial"),
    [
        pytest.param("序号", True, id="xuhao"),
        pytest.param(" 序 号 ", True, id="spaced"),
        pytest.param("No.", True, id="no-dot"),
        pytest.param("#", True, id="hash"),
        pytest.param("编号", False, id="record-id"),
        pytest.param(None, False, id="blank"),
    ],
)
def test_serial_number_headers(text: str | None, serial: bool) -> None:
    assert is_serial_header(text) is serial


def test_missing_required_columns_lists_missing_and_found(
    tmp_path: Path, settings: Settings
) -> None:
    header = [h for h in HEARING_HEADER if h not in ("办结数", "议题")]
    path = write_csv(tmp_path / "h.csv", [header, HEARING_ROW[: len(header)]])
    error = rejected(path, settings)
    assert error.key == "file_missing_columns"
    assert error.values["missing"] == "议题 (topic), 办结数 (opinions_resolved)"
    assert error.values["found"] == "编号, 社区, 形式, 日期, 参加人数, 收集意见数"
    assert "议题 (topic)" in error.reason("zh")


def test_unknown_kind_lists_the_headers_found(tmp_path: Path, settings: Settings) -> None:
    path = write_csv(tmp_path / "x.csv", [["姓名", "电话", "住址"], ["张三", "139", "一号楼"]])
    error = rejected(path, settings)
    assert error.key == "file_unknown_kind"
    assert error.values["found"] == "姓名, 电话, 住址"


@st.composite
def grids(draw: st.DrawFn) -> tuple[TextRow, list[TextRow]]:
    """A header and rows of its width: values, blanks, serial numbers, totals, notes, repeats."""
    kind = draw(st.sampled_from(KINDS))
    header: TextRow = [c.zh for c in COLUMNS[kind] if c.required or draw(st.booleans())]
    if draw(st.booleans()):
        header.insert(draw(st.integers(0, 1)), "序号")
    if draw(st.booleans()):
        header.append("联系电话")
    cell = st.sampled_from(VALUES).map(lambda v: v.strip() or None)
    rows: list[TextRow] = []
    for _ in range(draw(st.integers(0, 20))):
        row = [draw(cell) for _ in header]
        shape = draw(st.integers(0, 7))
        if shape == 0:  # blank, or only a serial number
            row = [draw(st.sampled_from([None, "3"]))] + [None] * (len(header) - 1)
        elif shape == 1:  # totals or a note under the table
            row[0] = draw(st.sampled_from(["合计", "合 计", "注：说明", "填表人：李四", "小计"]))
        elif shape == 2:
            row = list(header)
        rows.append(row)
    return header, rows


@MANY
@given(table=grids(), known_present=st.booleans())
def test_a_grid_read_column_wise_is_the_grid_read_row_by_row(
    table: tuple[TextRow, list[TextRow]], known_present: bool
) -> None:
    header, rows = table
    match = find_header([(1, header)])
    assert match is not None and match.kind is not None
    numbers = np.arange(2, len(rows) + 2, dtype=np.int64)
    data = np.empty((len(rows), len(header)), dtype=object)
    if rows:
        data[:] = rows
    present = data != None if known_present else None  # noqa: E711 (element-wise)
    by_rows = outcome(lambda: build_table(match, "表", zip(numbers.tolist(), rows, strict=True)))
    assert outcome(lambda: grid_table(match, "表", data, numbers, present)) == by_rows
