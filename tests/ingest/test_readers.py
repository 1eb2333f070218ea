"""Reading office files: encodings, header recognition, layout quirks and rejected files."""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from flows.datasets import column_names
from flows.ingest import readers
from flows.ingest.readers import FileRejected, ReadResult, cell_text, read_file
from flows.settings import Settings, load_settings

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


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with their own home folder."""
    return load_settings(env={"MINYI_HOME": str(tmp_path / "home")})


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


def only_table(result: ReadResult) -> readers.SheetTable:
    """The single table of a result."""
    assert len(result.tables) == 1
    return result.tables[0]


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


@pytest.mark.parametrize(
    ("encoding", "bom", "sep", "recorded"),
    [
        pytest.param("utf-8", b"", ",", "utf-8", id="utf-8"),
        pytest.param("utf-8", b"\xef\xbb\xbf", ",", "utf-8-sig", id="utf-8-bom"),
        pytest.param("gb18030", b"", ",", "gb18030", id="gb18030-excel-default"),
        pytest.param("gbk", b"", ";", "gb18030", id="gbk-semicolon"),
        pytest.param("utf-16-le", b"\xff\xfe", "\t", "utf-16", id="utf-16-le-unicode-text"),
        pytest.param("utf-16-be", b"\xfe\xff", "\t", "utf-16", id="utf-16-be"),
    ],
)
def test_csv_encodings_are_detected_and_no_bom_reaches_a_header(
    tmp_path: Path, settings: Settings, encoding: str, bom: bytes, sep: str, recorded: str
) -> None:
    path = tmp_path / "evaluations.csv"
    path.write_bytes(bom + csv_text([EVALUATION_HEADER, EVALUATION_ROW], sep).encode(encoding))
    result = read_file(path, settings)
    table = only_table(result)
    assert result.encoding == recorded
    assert table.columns["period"] == "评议期"
    assert table.rows.iloc[0].to_dict() == {
        **dict(zip(column_names("evaluations"), EVALUATION_ROW, strict=True)),
        "row_number": 2,
    }


def test_utf8_file_with_gbk_bytes_after_the_sample_falls_back_to_gb18030(
    tmp_path: Path, settings: Settings
) -> None:
    ascii_rows = [
        ["2026H1", "A", f"p{i}", "x", "5", "5", "5", "5", "5", "ok", "", "2026-06-01"]
        for i in range(3000)
    ]
    rows = [column_names("evaluations"), *ascii_rows, EVALUATION_ROW]
    path = write_csv(tmp_path / "long.csv", rows, encoding="gb18030")
    result = read_file(path, settings)
    assert result.encoding == "gb18030"
    assert result.rows_read == 3001
    assert result.tables[0].rows.iloc[-1]["comments"] == "楼道灯坏了，请尽快修"


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(random.Random(7).randbytes(4000), id="random-bytes"),
        pytest.param(b"\x01\x02\x03\x00\xff\x10" * 500 + b"abc", id="binary-with-nul"),
        pytest.param("社区,评议人\n".encode("gb18030")[:-3] + b"\x80\x80\x80\n" * 50, id="bad-gbk"),
    ],
)
def test_garbage_text_is_rejected_as_unknown_encoding(
    tmp_path: Path, settings: Settings, content: bytes
) -> None:
    path = tmp_path / "garbage.csv"
    path.write_bytes(content)
    assert rejected(path, settings).key == "file_encoding"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("社区，评议人，满意", id="chinese"),
        pytest.param("community,evaluator", id="ascii"),
    ],
)
def test_office_text_looks_like_text(text: str) -> None:
    assert readers.looks_like_text(text)


def test_mojibake_does_not_look_like_text() -> None:
    mojibake = "评议表 社区 满意".encode("gb18030").decode("big5", errors="replace")
    assert not readers.looks_like_text(mojibake + "\x07\x08" * 5)


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


def test_csv_row_numbers_follow_lines_through_quoted_line_breaks(
    tmp_path: Path, settings: Settings
) -> None:
    text = (
        ",".join(HEARING_HEADER)
        + '\n001,东风社区,恳谈会,2026-04-01,"停车难\n多次反映",20,3,3\n'
        + "002,东风社区,入户走访,2026-04-02,垃圾分类,8,2,1\n"
    )
    path = tmp_path / "h.csv"
    path.write_text(text, encoding="utf-8")
    rows = only_table(read_file(path, settings)).rows
    assert rows["row_number"].tolist() == [2, 4]
    assert rows["topic"].tolist() == ["停车难\n多次反映", "垃圾分类"]


def test_csv_keeps_leading_zeros_spaces_trimmed_and_empty_as_none(
    tmp_path: Path, settings: Settings
) -> None:
    row = ["  0012 ", " 东风社区", "听证会", "", "议题", "０３５", "1", "1"]
    path = write_csv(tmp_path / "h.csv", [HEARING_HEADER, row])
    first = only_table(read_file(path, settings)).rows.iloc[0]
    assert first["record_id"] == "0012"
    assert first["community"] == "东风社区"
    assert first["held_on"] is None
    assert first["attendees"] == "０３５"


def test_csv_excel_separator_hint_line(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "h.csv"
    path.write_text("sep=;\n" + csv_text([HEARING_HEADER, HEARING_ROW], ";"), encoding="utf-8")
    table = only_table(read_file(path, settings))
    assert table.header_row == 2
    assert table.rows["row_number"].tolist() == [3]
    assert table.rows.iloc[0]["topic"] == "加装电梯"


def test_csv_extra_columns_are_listed(tmp_path: Path, settings: Settings) -> None:
    path = write_csv(tmp_path / "h.csv", [[*HEARING_HEADER, "联系电话"], [*HEARING_ROW, "139"]])
    assert only_table(read_file(path, settings)).extra_columns == ["联系电话"]


def test_csv_field_larger_than_the_limit_is_rejected(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "h.csv"
    path.write_text(
        ",".join(HEARING_HEADER) + '\n001,"' + "x" * (readers.MAX_FIELD_CHARS + 10) + '"\n',
        encoding="utf-8",
    )
    error = rejected(path, settings)
    assert error.key == "file_field_too_large"
    assert error.values["line"] == 2


def test_header_only_csv_is_empty(tmp_path: Path, settings: Settings) -> None:
    path = write_csv(tmp_path / "h.csv", [HEARING_HEADER, [""] * len(HEARING_HEADER)])
    assert rejected(path, settings).key == "file_empty"


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
        marker = book.add_worksheet(readers.CORRECTION_SHEET)
        marker.write(0, 0, source_hash)
        marker.hide()
    result = read_file(path, settings)
    assert result.correction_of == source_hash
    assert [t.sheet for t in result.tables] == ["数据"]
    assert result.ignored_sheets == []


def test_xlsx_bad_correction_marker_is_rejected(tmp_path: Path, settings: Settings) -> None:
    path = write_xlsx(
        tmp_path / "c.xlsx",
        {"数据": [HEARING_HEADER, HEARING_ROW], readers.CORRECTION_SHEET: [["not a hash"]]},
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
    monkeypatch.setattr(readers.workbook, "ZIP_BOMB_BYTES", 100_000)
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 1_000_000)
    assert rejected(path, settings).key == "file_zip_bomb"


def ole2_bytes(encrypted: bool) -> bytes:
    """The start of an OLE2 compound file, as old .xls and encrypted .xlsx files are."""
    body = "EncryptionInfo".encode("utf-16-le") if encrypted else "Workbook".encode("utf-16-le")
    return readers.OLE2_MAGIC + b"\0" * 504 + body + b"\0" * 1000


def zip_bytes(member: str) -> bytes:
    """A small zip archive holding one member."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, "x")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "key"),
    [
        pytest.param("old.xls", ole2_bytes(False), "file_old_excel", id="xls"),
        pytest.param("old-renamed.xlsx", ole2_bytes(False), "file_old_excel", id="xls-as-xlsx"),
        pytest.param("secret.xlsx", ole2_bytes(True), "file_password_protected", id="password"),
        pytest.param("archive.zip", zip_bytes("a.txt"), "file_unsupported", id="zip"),
        pytest.param("letter.docx", zip_bytes("word/document.xml"), "file_unsupported", id="docx"),
        pytest.param(
            "fake.xlsx", zip_bytes("word/document.xml"), "file_unsupported", id="docx-xlsx"
        ),
        pytest.param("photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 50, "file_unsupported", id="png"),
        pytest.param(
            "photo.csv", b"\x89PNG\r\n\x1a\n" + b"\0" * 50, "file_unsupported", id="png-csv"
        ),
        pytest.param("notes.pdf", b"%PDF-1.4 ...", "file_unsupported", id="pdf"),
        pytest.param("empty.csv", b"", "file_empty", id="empty"),
        pytest.param("text.xlsx", "社区,评议人\n".encode(), "file_corrupt", id="text-as-xlsx"),
        pytest.param("cut.xlsx", b"PK\x03\x04" + b"\x14\0" * 40, "file_corrupt", id="truncated"),
    ],
)
def test_files_that_are_not_tables_are_rejected_with_a_key(
    tmp_path: Path, settings: Settings, name: str, content: bytes, key: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    error = rejected(path, settings)
    assert error.key == key
    assert error.reason("zh") and error.reason("en")


def test_truncated_workbook_is_rejected(tmp_path: Path, settings: Settings) -> None:
    whole = write_xlsx(tmp_path / "whole.xlsx", {"a": [HEARING_HEADER, HEARING_ROW]})
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    assert rejected(cut, settings).key == "file_corrupt"


def test_too_large_file_is_refused_without_reading(tmp_path: Path) -> None:
    small = load_settings(env={"MINYI_HOME": str(tmp_path), "MINYI_MAX_FILE_BYTES": "100"})
    path = write_csv(tmp_path / "h.csv", [HEARING_HEADER, HEARING_ROW] * 3)
    error = rejected(path, small)
    assert error.key == "file_too_large"
    assert error.values == {"size": path.stat().st_size, "limit": 100}


def test_result_records_hash_and_size(tmp_path: Path, settings: Settings) -> None:
    path = write_csv(tmp_path / "h.csv", [HEARING_HEADER, HEARING_ROW])
    result = read_file(path, settings)
    assert result.file_hash == readers.file_hash(path)
    assert result.size_bytes == path.stat().st_size
    assert result.rows_read == 1


@pytest.mark.parametrize(
    ("value", "as_date", "text"),
    [
        pytest.param(None, False, None, id="none"),
        pytest.param("  ", False, None, id="blank"),
        pytest.param(" 东风 ", False, "东风", id="stripped"),
        pytest.param(98.0, False, "98", id="whole-float"),
        pytest.param(4.5, False, "4.5", id="float"),
        pytest.param(0.1 + 0.2, False, "0.3", id="float-15-digits"),
        pytest.param(13800138000.0, False, "13800138000", id="phone-number"),
        pytest.param(7, False, "7", id="int"),
        pytest.param(True, False, "TRUE", id="true"),
        pytest.param(False, True, "FALSE", id="false-in-date-column"),
        pytest.param(46086.0, True, "2026-03-05", id="date-serial"),
        pytest.param(46086.0, False, "46086", id="serial-outside-date-column"),
        pytest.param(46086.5, True, "2026-03-05 12:00:00", id="datetime-serial"),
        pytest.param(dt.date(2026, 3, 5), False, "2026-03-05", id="date"),
        pytest.param(dt.datetime(2026, 3, 5), False, "2026-03-05", id="midnight"),
        pytest.param(dt.time(9, 30), False, "09:30:00", id="time"),
    ],
)
def test_cell_text(value: object, as_date: bool, text: str | None) -> None:
    assert cell_text(value, as_date) == text
