"""Pseudonyms for evaluator names and masking of personal numbers."""

import os
import pickle
import re
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.privacy import (
    MASK_RULES,
    MaskRule,
    Scrubber,
    load_key,
    mask_personal_numbers,
    pseudonym,
)


def test_key_is_created_once_with_owner_only_mode(tmp_path: Path) -> None:
    key_path = tmp_path / "secret.key"
    key = load_key(key_path)
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert load_key(key_path) == key and len(key) == 64


def test_pseudonym_is_stable_keyed_and_never_the_name() -> None:
    first = pseudonym("张 伟", b"k1")
    assert first == pseudonym("张伟", b"k1")
    assert first != pseudonym("张伟", b"k2")
    assert "张" not in first and first.startswith("ev_")
    assert pseudonym(first, b"k1") == first


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("电话13912345678", "电话[电话]"),
        ("电话 139-1234-5678 联系", "电话 [电话] 联系"),
        ("座机022-23456789", "座机[电话]"),
        ("身份证12010119800101123X", "身份证[身份证号]"),
        ("楼道灯坏了3盏", "楼道灯坏了3盏"),
    ],
    ids=["mobile", "mobile-dashes", "landline", "id-card", "plain"],
)
def test_mask_personal_numbers(text: str, expected: str) -> None:
    assert mask_personal_numbers(text) == expected


# The shapes offices type (issue 20), each in a sentence: the number must go, the rest stay.
SHAPES = {
    "mobile-dots": ("手机139.1234.5678请回电", "手机[电话]请回电"),
    "mobile-spaces": ("手机 139 1234 5678 请回电", "手机 [电话] 请回电"),
    "mobile-plus86-parenthesised": ("(+86)13912345678", "[电话]"),
    "landline-parenthesised": ("座机(022)2345-6789转", "座机[电话]转"),
    "landline-full-width-parentheses": ("座机（022）23456789转", "座机[电话]转"),
    "landline-spaces": ("022 2345 6789", "[电话]"),
    "local-after-dianhua": ("电话：23456789", "电话：[电话]"),
    "local-after-lianxifangshi": ("联系方式 2345-6789", "联系方式 [电话]"),
    "local-after-lianxidianhua": ("联系电话2345678", "联系电话[电话]"),
    "id-15-digits": ("身份证110105491231002", "身份证[身份证号]"),
    "id-after-letters": ("ID110105194912310021", "ID[身份证号]"),
    "id-after-letters-x": ("No.11010519491231002X号", "No.[身份证号]号"),
    "id-spaces": ("身份证 110105 19491231 0021", "身份证 [身份证号]"),
    "id-dashes": ("110105-19491231-002X", "[身份证号]"),
    "id-excel-number": ("1.1010519491231E+17", "[身份证号]"),
    "id-excel-number-lower-case": ("1.1010519491231e+17", "[身份证号]"),
    "id-15-excel-number": ("1.10105491231002E+14", "[身份证号]"),
}


@pytest.mark.parametrize(("text", "masked"), SHAPES.values(), ids=SHAPES.keys())
def test_every_shape_offices_type_is_masked(text: str, masked: str) -> None:
    assert mask_personal_numbers(text) == masked


ORDINARY = {
    "count": "参加人数35人",
    "rating": "5",
    "ratings-in-a-row": "5 4 5 4 5 5 4 4 5 5 4 5 5 4 5 4 5 5",
    "iso-date": "2026-04-01",
    "compact-date": "20260401",
    "chinese-date": "2026年4月1日",
    "community-code-12-digits": "110105001001",
    "organisation-code": "B01-0001",
    "eight-digits-without-a-phone-keyword": "预算23456789元",
    "amount": "1,234,567.89",
    "decimal": "0.5",
    "period": "2026H1",
    "time": "14:30-16:00",
    "record-id": "H-2026-0001",
    "small-number-in-scientific-form": "1.5E+3",
}


@pytest.mark.parametrize("text", ORDINARY.values(), ids=ORDINARY.keys())
def test_ordinary_numbers_are_not_masked(text: str) -> None:
    assert mask_personal_numbers(text) == text


@pytest.mark.parametrize("rule", MASK_RULES, ids=[rule.name for rule in MASK_RULES])
def test_every_rule_masks_its_documented_examples(rule: MaskRule) -> None:
    for example in rule.examples:
        assert rule.pattern.search(example), example
        masked = mask_personal_numbers(example)
        assert rule.mask in masked and not re.search(r"\d{3}", masked), example


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("张 三反映楼道灯坏了", "[姓名]反映楼道灯坏了"),
        ("张\u3000三反映", "[姓名]反映"),
        ("欧阳 明 月来过", "[姓名]来过"),
        ("张三和 李四", "[姓名]和 李四"),
        ("张 伟明", "张 伟明"),
    ],
    ids=["ascii-space", "full-width-space", "two-spaces-in-a-long-name", "no-gap", "not-a-name"],
)
def test_roster_names_written_with_an_inner_space_are_masked(text: str, expected: str) -> None:
    assert Scrubber(["张三", "欧阳明月"])(text) == expected


NAMES = ["张伟", "王芳", "张伟明", "欧阳明月"]
TEXTS = [
    "张伟明反映楼道灯坏了，联系电话13912345678",
    "张伟和王芳、欧阳明月都来了",
    "张说楼道灯坏了3盏",
    "",
]


def test_saved_scrubber_scrubs_as_the_one_built() -> None:
    built = Scrubber(NAMES)
    loaded = Scrubber.loads(built.dumps())
    assert [loaded(text) for text in TEXTS] == [built(text) for text in TEXTS]
    assert built(TEXTS[0]) == "[姓名]反映楼道灯坏了，联系电话[电话]", "the longest name wins"
    assert loaded.names == built.names == frozenset(NAMES)
    assert Scrubber.loads(Scrubber().dumps())(TEXTS[0]) == Scrubber()(TEXTS[0])


@pytest.mark.parametrize("how", ["built", "loaded", "loaded empty"])
def test_a_scrubber_knows_its_own_names_as_given(how: str) -> None:
    names = [] if how == "loaded empty" else NAMES
    scrubber = Scrubber(names) if how == "built" else Scrubber.loads(Scrubber(names).dumps())
    assert [scrubber.knows(n) for n in names] == [True] * len(names)
    # Not a part or a longer text of a name, nor one only its base knows.
    assert not any(scrubber.knows(t) for t in ["张", "张伟明反映", "", "欧阳明"])
    assert not Scrubber(base=Scrubber(["张伟"])).knows("张伟")


@pytest.mark.parametrize(
    "saved",
    [
        Scrubber(NAMES).dumps()[:-9],
        pickle.dumps(os.system),
        pickle.dumps({"not": "an automaton"}),
        b"",
    ],
    ids=["truncated", "other-callable", "other-value", "empty"],
)
def test_anything_but_a_saved_scrubber_is_refused(saved: bytes) -> None:
    with pytest.raises(ValueError, match="not a saved scrubber"):
        Scrubber.loads(saved)


# Generated phones and IDs in every shape offices type, inside ordinary sentences

_WORDS = st.text(alphabet="反映楼道灯坏了，联系电话：。 请回电身份证号码（）()", max_size=12)


@st.composite
def personal_numbers(draw: st.DrawFn) -> str:
    """A phone or ID number in one of the shapes of MASK_RULES, as an office would type it."""
    digits = st.text(alphabet="0123456789", min_size=1, max_size=1)

    def run(count: int) -> str:
        return "".join(draw(digits) for _ in range(count))

    sep = draw(st.sampled_from(["", "-", " ", "."]))
    kind = draw(st.sampled_from(["mobile", "landline", "id18", "id15", "id-excel"]))
    if kind == "mobile":
        prefix = draw(st.sampled_from(["", "+86 ", "86-", "(+86)", "0086"]))
        head = "1" + draw(st.sampled_from("3456789")) + run(1)
        return f"{prefix}{head}{sep}{run(4)}{sep}{run(4)}"
    if kind == "landline":
        area = "0" + draw(st.sampled_from("123456789")) + run(draw(st.integers(1, 2)))
        local = draw(st.sampled_from("23456789")) + run(draw(st.sampled_from([6, 7])))
        shape = draw(st.sampled_from(["plain", "parentheses", "full-width", "keyword"]))
        if shape == "parentheses":
            return f"({area}){local[:-4]}-{local[-4:]}"
        if shape == "full-width":
            return f"（{area}）{local}"
        if shape == "keyword":
            return f"电话：{local}"
        return f"{area}{sep if sep != '.' else '-'}{local}"
    id_sep = sep if sep != "." else " "
    area = draw(st.sampled_from("123456")) + run(5)
    if kind == "id18":
        last = draw(st.sampled_from("0123456789X"))
        return f"{area}{id_sep}{run(8)}{id_sep}{run(3)}{last}"
    if kind == "id15":
        return f"{area}{id_sep}{run(6)}{id_sep}{run(3)}"
    shown = draw(st.integers(1, 14))
    exponent = draw(st.sampled_from(["E+17", "E+14", "e+17"]))
    return f"{area[0]}.{run(shown)}{exponent}"


@settings(max_examples=300, deadline=None)
@given(before=_WORDS, number=personal_numbers(), after=_WORDS)
def test_generated_numbers_in_every_shape_leave_no_digit(
    before: str, number: str, after: str
) -> None:
    masked = mask_personal_numbers(f"{before}{number}{after}")
    assert not re.search(r"\d", masked), (number, masked)


def test_security_md_documents_every_rule_with_its_examples() -> None:
    from flows.settings import REPO_ROOT

    page = (REPO_ROOT / "SECURITY.md").read_text(encoding="utf-8")
    for rule in MASK_RULES:
        assert f"| `{rule.name}` |" in page, rule.name
        for example in rule.examples:
            assert f"`{example}`" in page, example
