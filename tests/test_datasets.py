"""The datasets' columns: header texts as offices type them, matching, and the quick test for
cells that name no column."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.datasets import (
    COLUMNS,
    HEADER_INDEX,
    HEARING_KINDS,
    KINDS,
    ROLES,
    VERDICTS,
    column_label,
    column_names,
    match_headers,
    names_no_column,
    normalise_header,
    required_columns,
)

HEADERS = {
    "full-width-digits-and-letters": ("ＲＯＬＥ１", "role1"),
    "spaces-inside-and-around": (" 服务 态度\t", "服务态度"),
    "byte-order-mark": ("\ufeffperiod", "period"),
    "upper-case": ("Period", "period"),
    "unit-in-brackets": ("参加人数(人)", "参加人数"),
    "unit-in-full-width-brackets": ("走访户数（户）", "走访户数"),
    "score-range-note": ("服务态度（1～5分）", "服务态度"),
    "other-bracketed-text-kept": ("社区(东区)", "社区(东区)"),
    "none": (None, ""),
}


@pytest.mark.parametrize(("text", "expected"), list(HEADERS.values()), ids=list(HEADERS))
def test_header_text_is_compared_by_meaning(text: object, expected: str) -> None:
    assert normalise_header(text) == expected


def test_headers_match_by_alias_in_any_order() -> None:
    headers = ["序号", "代表姓名", "评议期间", "社区居委会", "环境卫生", "总体评价"]
    assert match_headers("evaluations", headers) == {
        1: "evaluator",
        2: "period",
        3: "community",
        4: "environment",
        5: "verdict",
    }


def test_a_column_named_twice_is_taken_from_its_first_header() -> None:
    assert match_headers("evaluations", ["社区", "社区名称", "评议人"]) == {
        0: "community",
        2: "evaluator",
    }


def test_the_same_header_names_different_columns_in_different_kinds() -> None:
    assert match_headers("hearings", ["日期"]) == {0: "held_on"}
    assert match_headers("evaluations", ["日期"]) == {0: "evaluated_on"}
    assert match_headers("branch_reports", ["日期"]) == {}


@pytest.mark.parametrize("kind", KINDS)
def test_each_header_names_one_column_of_its_kind(kind: str) -> None:
    """Two columns sharing a header would leave one of them unreachable."""
    owners: dict[str, set[str]] = {}
    for column in COLUMNS[kind]:  # type: ignore[index]
        for header in column.headers:
            owners.setdefault(normalise_header(header), set()).add(column.name)
    assert {h: names for h, names in owners.items() if len(names) > 1} == {}
    assert set(HEADER_INDEX[kind].values()) == {c.name for c in COLUMNS[kind]}  # type: ignore[index]


# Every unit note normalise_header strips, in both kinds of brackets.
NOTES = [
    f"{left}{unit}{right}"
    for unit in ("人", "户", "次", "个", "名", "分", "1-5分", "1～5分", "1~5", "1-5")
    for left, right in (("(", ")"), ("（", "）"))
]


def test_every_header_of_every_kind_may_name_a_column() -> None:
    """names_no_column must never pass over a real header, typed in any of its forms."""
    for kind in KINDS:
        for column in COLUMNS[kind]:
            for header in column.headers:
                typed = [header, header.upper(), f" {header} ", *(header + n for n in NOTES)]
                for text in typed:
                    assert not names_no_column(text), (kind, text)


_HEADER_CHARACTERS = sorted({ch for index in HEADER_INDEX.values() for key in index for ch in key})


@given(
    st.text(
        alphabet=st.one_of(
            st.sampled_from(_HEADER_CHARACTERS),
            st.sampled_from("张王李赵0123456789（）() 年月日是否满意"),
            st.characters(codec="utf-8"),
        ),
        max_size=12,
    )
)
def test_a_text_said_to_name_no_column_names_none(text: str) -> None:
    if names_no_column(text):
        assert all(normalise_header(text) not in index for index in HEADER_INDEX.values())


@pytest.mark.parametrize(
    "cell", ["张伟", "2026-07-03", "13912345678", "和平社区第一楼院党支部"], ids=str
)
def test_typical_data_cells_are_passed_over_quickly(cell: str) -> None:
    assert names_no_column(cell)


def test_required_and_optional_columns() -> None:
    assert "comments" not in required_columns("evaluations")
    assert required_columns("hearings") == [
        "community",
        "kind",
        "held_on",
        "topic",
        "attendees",
        "opinions_raised",
        "opinions_resolved",
    ]
    assert column_names("branch_reports")[0] == "period" and len(column_names("hearings")) == 12


def test_column_labels_are_the_kinds_chinese_headers() -> None:
    assert column_label("evaluations", "period") == "评议期"
    assert column_label("branch_reports", "period") == "报告期"
    assert column_label("hearings", "held_on") == "日期"
    assert column_label("hearings", "no_such_column") == "no_such_column"


@pytest.mark.parametrize(
    "vocabulary", [ROLES, VERDICTS, HEARING_KINDS], ids=["roles", "verdicts", "hearing-kinds"]
)
def test_vocabularies_map_each_chinese_word_to_its_own_code(vocabulary: dict[str, str]) -> None:
    assert len(set(vocabulary.values())) == len(vocabulary)
    assert all(code.isascii() and code == code.lower() for code in vocabulary.values())
