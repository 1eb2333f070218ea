"""CSV and text files: encodings, delimiters, records, and the fast ways of reading them.

Files of ordinary size are read from memory; plain text is split with ``str.split`` and handled
column-wise; text sniffing counts with regular expressions. Each fast way is compared here, on
generated files, with the plain way it stands for: the csv module over a text stream, checks
made character by character.
"""

from __future__ import annotations

import random
import sys
import tempfile
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from flows.datasets import COLUMNS, KINDS, column_names
from flows.ingest.readers import read_file, text
from flows.settings import Settings, load_settings
from tests.ingest.readers.forms import (
    EVALUATION_HEADER,
    EVALUATION_ROW,
    FAST,
    HEADERS,
    HEARING_HEADER,
    HEARING_ROW,
    MANY,
    VALUES,
    csv_text,
    only_table,
    outcome,
    rejected,
    two_row_header,
    write_csv,
)


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
    ("sample", "encodings"),
    [
        pytest.param("社区,评议人".encode("utf-8-sig"), ["utf-8-sig"], id="utf-8-bom-only"),
        pytest.param("社区".encode("utf-16"), ["utf-16"], id="utf-16-bom-only"),
        pytest.param("community,a".encode("utf-16-le"), ["utf-16-le"], id="utf-16-le-no-bom"),
        pytest.param("community,a".encode("utf-16-be"), ["utf-16-be"], id="utf-16-be-no-bom"),
        pytest.param(
            b"community,evaluator", ["utf-8", "gb18030", "ascii"], id="ascii-utf-8-first-guess-last"
        ),
        pytest.param("社区,评议人".encode("gb18030"), ["gb18030"], id="gbk-not-utf-8"),
        pytest.param(b"\x01\x00\x02\x00\x00\x00\x03", [], id="nul-bytes-not-utf-16"),
    ],
)
def test_candidate_encodings_safest_first(sample: bytes, encodings: list[str]) -> None:
    assert list(text.candidate_encodings(sample)) == encodings


@pytest.mark.parametrize(
    "sample",
    [
        pytest.param("社区，评议人，满意", id="chinese"),
        pytest.param("community,evaluator", id="ascii"),
    ],
)
def test_office_text_looks_like_text(sample: str) -> None:
    assert text.looks_like_text(sample)


def test_mojibake_does_not_look_like_text() -> None:
    mojibake = "评议表 社区 满意".encode("gb18030").decode("big5", errors="replace")
    assert not text.looks_like_text(mojibake + "\x07\x08" * 5)


@pytest.mark.parametrize(
    ("head", "found"),
    [
        pytest.param("a,b,c\n1,2,3\n", (",", 0), id="comma"),
        pytest.param("a;b;c\n1;2;3\n", (";", 0), id="semicolon"),
        pytest.param("a\tb\tc\n1\t2,5\t3\n", ("\t", 0), id="tab-beats-comma-in-a-value"),
        pytest.param("a|b|c\n1|2|3\n", ("|", 0), id="pipe"),
        pytest.param("社区，评议人\n东风，张三\n", ("，", 0), id="chinese-comma-alone"),
        pytest.param("社区,意见\n东风,好，很好\n", (",", 0), id="chinese-comma-in-a-value"),
        pytest.param("sep=;\na;b\n", (";", 1), id="excel-hint-line"),
        pytest.param("\ufeffSEP=|\r\na|b\r\n", ("|", 1), id="hint-after-bom"),
        pytest.param("one column\nonly\n", (",", 0), id="nothing-splits"),
    ],
)
def test_delimiter_and_hint_lines(head: str, found: tuple[str, int]) -> None:
    assert text._delimiter(head) == found


def test_csv_row_numbers_follow_lines_through_quoted_line_breaks(
    tmp_path: Path, settings: Settings
) -> None:
    content = (
        ",".join(HEARING_HEADER)
        + '\n001,东风社区,恳谈会,2026-04-01,"停车难\n多次反映",20,3,3\n'
        + "002,东风社区,入户走访,2026-04-02,垃圾分类,8,2,1\n"
    )
    path = tmp_path / "h.csv"
    path.write_text(content, encoding="utf-8")
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


def test_csv_field_larger_than_the_limit_is_rejected(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "h.csv"
    path.write_text(
        ",".join(HEARING_HEADER) + '\n001,"' + "x" * (text.MAX_FIELD_CHARS + 10) + '"\n',
        encoding="utf-8",
    )
    error = rejected(path, settings)
    assert error.key == "file_field_too_large"
    assert error.values["line"] == 2


def test_an_oversized_unquoted_field_is_refused_at_its_line(tmp_path: Path) -> None:
    row = "001,东风社区,恳谈会,2026-04-01,停车,20,3,3\n"
    content = "编号,社区,形式,日期,议题,参加人数,收集意见数,办结数\n" + row * 3000
    content += "002,东风社区,恳谈会,2026-04-01," + "x" * 70_001 + ",20,3,3\n"
    path = tmp_path / "h.csv"
    path.write_text(content, encoding="utf-8")
    for read in (
        lambda: text._read_csv(path, "utf-8", 70_000),
        lambda: text._read_csv_bytes(path, path.read_bytes(), "utf-8", None, 70_000),
    ):
        assert outcome(read) == (
            "rejected",
            "file_field_too_large",
            {"line": 3002, "limit": 70_000},
        )


@pytest.mark.parametrize(
    ("quoted", "chars", "refused"),
    [
        (False, 50, False),
        (False, 51, True),
        (True, 50, False),
        (True, 51, True),
    ],
    ids=["plain-at-limit", "plain-over-limit", "quoted-at-limit", "quoted-over-limit"],
)
def test_the_field_limit_comes_from_the_settings(
    tmp_path: Path, quoted: bool, chars: int, refused: bool
) -> None:
    settings = load_settings(env={"MINYI_HOME": str(tmp_path), "MINYI_MAX_FIELD_CHARS": "50"})
    topic = "议" * chars
    row = [*HEARING_ROW[:4], f'"{topic}"' if quoted else topic, *HEARING_ROW[5:]]
    path = write_csv(tmp_path / "h.csv", [HEARING_HEADER, row])
    if refused:
        error = rejected(path, settings)
        assert (error.key, error.values) == ("file_field_too_large", {"line": 2, "limit": 50})
    else:
        assert only_table(read_file(path, settings)).rows["topic"].tolist() == [topic]


def test_header_only_csv_is_empty(tmp_path: Path, settings: Settings) -> None:
    path = write_csv(tmp_path / "h.csv", [HEARING_HEADER, [""] * len(HEARING_HEADER)])
    assert rejected(path, settings).key == "file_empty"


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
    content = "".join(
        line + (end if plain else draw(st.sampled_from([end, end, "\n"]))) for line in lines
    )
    if draw(st.booleans()):
        content = content.rstrip("\r\n")
    if not plain and draw(st.booleans()):
        content += '"' + draw(cell)  # a quote left open at the end
    if draw(st.integers(0, 5)) == 0:
        content = f"sep={delimiter}{end}" + content
    if draw(st.integers(0, 5)) == 0:
        content = end * 2 + content
    return content


@MANY
@given(content=csv_texts(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_text_read_from_memory_is_the_text_read_as_a_stream(content: str, encoding: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "form.csv"
        data = content.encode(encoding)
        path.write_bytes(data)
        streamed = outcome(lambda: text.read_text_file(path))
        in_memory = outcome(lambda: text.read_text_file(path, data))
        assert in_memory == streamed
        decoded = outcome(lambda: text._read_csv_bytes(path, data, encoding))
        assert decoded == outcome(lambda: text._read_csv(path, encoding))


def test_plain_text_is_read_column_wise() -> None:
    content = ",".join(HEARING_HEADER) + "\n007,东风社区,听证会,2026-03-05,加装电梯,35,12,10\n"
    table = text._plain_text_table(content, ",", 0)
    assert table is not None and table.rows["topic"].tolist() == ["加装电梯"]
    assert text._plain_text_table(content.replace("加装电梯", '"加装,电梯"'), ",", 0) is None


def test_frames_are_object_columns_and_row_numbers() -> None:
    content = ",".join(HEARING_HEADER) + "\n007,东风社区,听证会,,加装电梯,035,12,10\n"
    table = text._plain_text_table(content, ",", 0)
    assert table is not None
    assert all(str(t) == "object" for t in table.rows.dtypes[:-1])
    assert str(table.rows.dtypes["row_number"]) == "int64"
    assert table.rows.iloc[0]["held_on"] is None and table.rows.iloc[0]["attendees"] == "035"
    assert isinstance(table.rows.index, pd.RangeIndex)


def _looks_like_text_by_character(sample: str) -> bool:
    """looks_like_text as first written: one character at a time."""
    visible = [ch for ch in sample if not ch.isspace()]
    if not visible:
        return True
    odd = sum(1 for ch in visible if unicodedata.category(ch) in ("Cc", "Co", "Cn", "Cs"))
    common = sum(1 for ch in visible if text._is_common_char(ch))
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
    sample = "".join(piece * times for piece, times in parts)
    assert text.looks_like_text(sample) == _looks_like_text_by_character(sample)


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
    sample = common * 100
    sample += rare * int(len(sample) * share / len(rare)) + odd
    assert text.looks_like_text(sample) == _looks_like_text_by_character(sample)


def test_every_white_space_but_the_space_is_unprintable() -> None:
    # The plain CSV path skips stripping fields when the text has neither.
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    assert [ch for ch in spaces if ch.isprintable()] == [" "]


LINE_PIECES = ["a", "社区", ",", "\n", "\r", "\r\n", "\x0b", "\u2028", " ", "x" * 150]


@FAST
@given(
    content=st.lists(st.sampled_from(LINE_PIECES), max_size=3000).map("".join),
    count=st.integers(1, 80),
)
@example(content="a\n" * 59 + "b" * 5000 + "\nc", count=60)  # the 60th line runs past the prefix
def test_first_lines_are_the_first_of_all_lines(content: str, count: int) -> None:
    assert text._first_lines(content, count) == content.splitlines()[:count]
