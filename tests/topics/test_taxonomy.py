"""The taxonomy file: the shipped one, the forms Excel saves, and one clear line per fault."""

from __future__ import annotations

import codecs
import subprocess
import sys
from pathlib import Path

import pytest

from flows.settings import DEFAULT_TOPICS, REPO_ROOT
from flows.topics import TaxonomyError, load_taxonomy

HEADER = "topic,name_zh,name_en,keywords,hints,examples\n"
GOOD = (
    HEADER
    + "parking,停车交通,Parking,停车|车位|充电桩,车|路口,晚上没地方停车\n"
    + "noise,邻里纠纷,Neighbours,噪音|吵闹,楼上|半夜,\n"
)


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "topics.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_shipped_taxonomy_has_the_issue_topics() -> None:
    taxonomy = load_taxonomy(DEFAULT_TOPICS)
    names = {topic.name_zh for topic in taxonomy.topics}
    assert names == {
        "环境卫生", "停车交通", "物业管理", "治安安全", "养老助残", "困难帮扶", "医疗健康",
        "教育托育", "文体活动", "设施维修", "邻里纠纷", "办事服务", "就业创业", "其他",
    }  # fmt: skip
    assert taxonomy.name(taxonomy.fallback) == "其他"
    assert taxonomy.name("parking", "en") == "Parking and traffic"
    assert all(topic.keywords for topic in taxonomy.topics if topic.code != "other")


def test_keywords_are_split_trimmed_and_normalised(tmp_path: Path) -> None:
    taxonomy = load_taxonomy(write(tmp_path, HEADER + "p,停车,Parking, 停车 |ＡＥＤ||停车,车,\n"))
    topic = taxonomy.topic("p")
    assert topic.keywords == ("停车", "aed")
    assert topic.hints == ("车",)
    # No row without terms: the fallback is added.
    assert taxonomy.fallback == "other"
    assert taxonomy.codes == ("p", "other")


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "gb18030"], ids=["utf8", "excel-utf8-bom", "excel-gbk"]
)
def test_excel_encodings_read(tmp_path: Path, encoding: str) -> None:
    taxonomy = load_taxonomy(write(tmp_path, GOOD, encoding))
    assert taxonomy.topic("noise").keywords == ("噪音", "吵闹")


def test_excel_unicode_text_is_tab_separated_utf16(tmp_path: Path) -> None:
    text = GOOD.replace(",", "\t")
    path = tmp_path / "topics.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert load_taxonomy(path).topic("parking").examples == ("晚上没地方停车",)


def test_chinese_headers(tmp_path: Path) -> None:
    text = "主题代码,中文名称,英文名称,关键词,提示词\nparking,停车交通,Parking,停车,车\n"
    assert load_taxonomy(write(tmp_path, text)).topic("parking").hints == ("车",)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("topic,name_zh\nx,y\n", 1, "name_en, keywords"),
        (HEADER + "parking,停车,Parking,停车,,\n,空,Empty,x,,\n", 3, "topic"),
        (HEADER + "停车 交通,停车,Parking,停车,,\n", 2, "停车 交通"),
        (HEADER + "parking,停车,Parking,停车,,\nparking,又,Again,车位,,\n", 3, "line 2"),
        (HEADER + "parking,停车,,停车,,\n", 2, "name_en"),
        (HEADER + "parking,停车,Parking,停车、车位,,\n", 2, "停车、车位"),
        (HEADER + "parking,停车,Parking,停车,车位,例子,多余,字段\n", 2, "8 fields"),
        (HEADER + "rest,其他,Rest,,,\nmore,更多,More,,,\n", 3, "rest"),
        (HEADER + "other,其他,Other,停车,,\n", 2, "other"),
        (HEADER, 1, "no topic row"),
    ],
    ids=[
        "missing-columns",
        "empty-code",
        "bad-code",
        "duplicate-code",
        "empty-name",
        "keyword-with-punctuation",
        "commas-instead-of-bars",
        "second-fallback",
        "other-reserved",
        "no-rows",
    ],
)
def test_a_bad_file_names_file_and_line(
    tmp_path: Path, text: str, line: int | None, fragment: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(path)
    error = caught.value
    assert error.line == line
    english = error.message("en")
    assert str(path) in english and fragment in english
    assert "\n" not in str(error)
    if line:
        assert f"line {line}" in english and f"第 {line} 行" in error.message("zh")


def test_a_missing_or_binary_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="does not exist"):
        load_taxonomy(tmp_path / "nowhere.csv")
    binary = tmp_path / "topics.xlsx"
    binary.write_bytes(b"PK\x03\x04\xff\xfe\x00\x81\xff" * 10)
    with pytest.raises(TaxonomyError, match="not UTF-8 or GBK"):
        load_taxonomy(binary)
    with pytest.raises(TaxonomyError, match="no topic row") as caught:
        load_taxonomy(write(tmp_path, ""))
    assert caught.value.line is None


def test_the_check_command_prints_one_line_and_no_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "parking,停车,Parking,停车,,\nparking,又,Again,车位,,\n")
    done = subprocess.run(
        [sys.executable, "-m", "flows.topics", "check", str(path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env={"MINYI_LANG": "en", "PATH": ""},
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        f"Topics file {path}, line 3: the topic code parking is already used on line 2."
    ]


def test_the_shipped_examples_pass_the_check_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flows.topics", "check"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env={"MINYI_LANG": "en", "PATH": ""},
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"Topics file {DEFAULT_TOPICS}: 14 topics")
