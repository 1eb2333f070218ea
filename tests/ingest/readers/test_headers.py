"""Header recognition: which row names the columns, of which kind, however it is written."""

from __future__ import annotations

from itertools import zip_longest
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.datasets import (
    COLUMNS,
    HEADER_INDEX,
    KINDS,
    column_names,
    match_headers,
    names_no_column,
    normalise_header,
    required_columns,
)
from flows.ingest.readers import headers, read_file
from flows.ingest.readers.common import TextRow
from flows.ingest.readers.headers import HeaderMatch, find_header, header_listing
from flows.settings import Settings
from tests.ingest.readers.forms import (
    EVALUATION_HEADER,
    EVALUATION_ROW,
    FAST,
    HEADERS,
    HEARING_HEADER,
    MANY,
    VALUES,
    only_table,
    write_csv,
)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(EVALUATION_HEADER, "评议日期", id="chinese"),
        pytest.param(column_names("evaluations"), "evaluated_on", id="english-canonical"),
        pytest.param(
            [
                "期间",
                "社区名称",
                "姓名",
                "代表类别",
                "服务态度",
                "办事效率",
                "环境卫生",
                "居务公开",
                "办实事",
                "满意度",
                "意见和建议",
                "填表日期",
            ],
            "填表日期",
            id="synonyms",
        ),
        pytest.param(
            [
                "评 议 期",
                " 社区 ",
                "评议人",
                "身份",
                "服务态度（1-5分）",
                "办事效率(1-5分)",
                "环境整治",
                "居务公开",
                "为民办实事",
                "总体评价",
                "意见建议",
                "评议\n日期",
            ],
            "评议\n日期",
            id="spaces-brackets-line-breaks",
        ),
        pytest.param(
            [
                "ＰＥＲＩＯＤ",
                "Community",
                "EVALUATOR",
                "role",
                "service_attitude",
                "efficiency",
                "environment",
                "openness",
                "practical_results",
                "verdict",
                "comments",
                "ＥＶＡＬＵＡＴＥＤ_ＯＮ",
            ],
            "ＥＶＡＬＵＡＴＥＤ_ＯＮ",
            id="full-width-latin",
        ),
    ],
)
def test_header_variants_name_the_same_columns(
    tmp_path: Path, settings: Settings, header: list[str], expected: str
) -> None:
    path = tmp_path / "whatever-name.csv"
    path.write_text(
        ",".join(f'"{h}"' for h in header) + "\n" + ",".join(EVALUATION_ROW) + "\n",
        encoding="utf-8",
    )
    table = only_table(read_file(path, settings))
    assert table.kind == "evaluations"
    assert set(table.columns) == set(column_names("evaluations"))
    assert table.columns["evaluated_on"] == expected.strip()
    assert table.extra_columns == []
    assert table.rows.iloc[0]["community"] == "东风社区"


def test_csv_two_row_header_exported_from_merged_cells(tmp_path: Path, settings: Settings) -> None:
    top = [*EVALUATION_HEADER[:4], "评议项目", "", "", "", "", *EVALUATION_HEADER[9:]]
    items = ["", "", "", "", *EVALUATION_HEADER[4:9], "", "", ""]
    path = write_csv(tmp_path / "e.csv", [top, items, EVALUATION_ROW], encoding="gb18030")
    table = only_table(read_file(path, settings))
    assert table.header_row == 2
    assert table.extra_columns == []
    assert table.rows.iloc[0]["evaluator"] == "张三"
    assert table.rows.iloc[0]["openness"] == "5"
    assert table.rows["row_number"].tolist() == [3]


def test_header_is_found_under_a_title() -> None:
    rows: list[tuple[int, TextRow]] = [(1, ["2026年听证会记录表"]), (3, list(HEARING_HEADER))]
    match = find_header(rows)
    assert match is not None
    assert (match.kind, match.row_number) == ("hearings", 3)
    assert match.mapping[0] == "record_id" and match.mapping[7] == "opinions_resolved"


def test_without_a_known_kind_the_first_row_of_several_cells_is_kept() -> None:
    rows: list[tuple[int, TextRow]] = [(1, ["名单"]), (2, ["姓名", None, "电话"]), (3, ["a", "b"])]
    assert find_header(rows) == HeaderMatch(None, 2, ["姓名", None, "电话"], {})
    assert find_header([(4, ["名单"])]) == HeaderMatch(None, 4, ["名单"], {})
    assert find_header([]) is None


def test_a_header_below_the_scanned_rows_is_not_found() -> None:
    title: list[tuple[int, TextRow]] = [(i, [f"说明{i}"]) for i in range(1, 1 + 40)]
    within = [*title[: headers.HEADER_SCAN_ROWS - 1], (99, list(HEARING_HEADER))]
    beyond = [*title[: headers.HEADER_SCAN_ROWS], (99, list(HEARING_HEADER))]
    found = find_header(within)
    assert found is not None and (found.kind, found.row_number) == ("hearings", 99)
    assert find_header(beyond) == HeaderMatch(None, 1, ["说明1"], {})


@pytest.mark.parametrize(
    ("cells", "sheet", "listing"),
    [
        pytest.param(["姓名", None, "电话"], "", "姓名, 电话", id="blanks-left-out"),
        pytest.param(["姓名"], "东风", "[东风] 姓名", id="sheet-named"),
        pytest.param([None, None], "", "-", id="nothing"),
    ],
)
def test_header_listing(cells: TextRow, sheet: str, listing: str) -> None:
    assert header_listing(cells, sheet) == listing


def _find_header_by_kind(rows: list[tuple[int, TextRow]]) -> HeaderMatch | None:
    """find_header as first written: every row, plain and stacked, matched against every kind."""
    best: tuple[tuple[float, int, bool], HeaderMatch] | None = None
    fallback: HeaderMatch | None = None
    previous: TextRow = []
    for row_number, cells in rows[: headers.HEADER_SCAN_ROWS]:
        stacked = [c if c is not None else p for c, p in zip_longest(cells, previous)]
        for candidate, plain in ((cells, True), (stacked, False)):
            texts = [c or "" for c in candidate[: headers.HEADER_SCAN_COLUMNS]]
            for kind in KINDS:
                mapping = match_headers(kind, texts)
                required = required_columns(kind)
                share = len(set(required) & set(mapping.values())) / len(required)
                score = (share, len(mapping), plain)
                if share >= 0.5 and (best is None or score > best[0]):
                    best = (score, HeaderMatch(kind, row_number, candidate, mapping))
        if fallback is None and sum(c is not None for c in cells) > 1:
            fallback = HeaderMatch(None, row_number, cells, {})
        previous = cells
    if best is not None:
        return best[1]
    if fallback is not None:
        return fallback
    return HeaderMatch(None, rows[0][0], rows[0][1], {}) if rows else None


@st.composite
def scanned_rows(draw: st.DrawFn) -> list[tuple[int, TextRow]]:
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
    rows: list[tuple[int, TextRow]],
) -> None:
    assert find_header(rows) == _find_header_by_kind(rows)


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
    cell = header[:at] + insert + header[at:]
    assert not names_no_column(cell) or normalise_header(cell) not in KEYS


def test_header_texts_are_never_passed_over() -> None:
    for header in HEADERS:
        for cell in (header, f" {header} ", f"{header}（人）", f"{header}(1-5分)", header.upper()):
            assert not names_no_column(cell), cell
