"""Pseudonyms for evaluator names and masking of personal numbers."""

import os
import pickle
import stat
from pathlib import Path

import pytest

from flows.privacy import Scrubber, load_key, mask_personal_numbers, pseudonym


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
