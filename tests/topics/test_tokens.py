"""jieba with the community-term dictionary: terms stay whole, start-up is quiet and offline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows.settings import REPO_ROOT
from flows.topics import words
from flows.topics.tokens import USER_DICTIONARY, _build, clauses, is_term, normalise


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("楼下有人飞线充电", "飞线充电"),
        ("业委会一直没成立", "业委会"),
        ("网格员从来没来过", "网格员"),
        ("独居老人没人照应", "独居老人"),
        ("小区里的僵尸车没人管", "僵尸车"),
        ("希望开设四点半课堂", "四点半课堂"),
    ],
    ids=[
        "flying-wire-charging",
        "owners-committee",
        "grid-worker",
        "living-alone",
        "zombie-car",
        "after-school",
    ],
)
def test_community_terms_stay_whole(text: str, term: str) -> None:
    assert term in words(text)
    assert term in USER_DICTIONARY.read_text(encoding="utf-8").split()


def test_without_the_user_dictionary_jieba_splits_them(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    plain = _build(empty)
    assert "飞线充电" not in plain.lcut("楼下有人飞线充电", HMM=False)


def test_text_is_normalised_and_cut_at_punctuation() -> None:
    assert normalise("  ＡＥＤ设备 ") == "aed设备"
    assert clauses("楼道灯坏了，一直没人修！（3号楼）") == ["楼道灯坏了", "一直没人修", "3号楼"]
    assert words("楼道灯坏了，一直没人修") == ["楼道灯", "坏", "了", "一直", "没", "人", "修"]


def test_is_term_drops_single_characters_and_numbers() -> None:
    assert [w for w in ["电梯", "了", "2026", "b超"] if is_term(w)] == ["电梯", "b超"]


def test_start_up_is_quiet_and_leaves_no_cache(tmp_path: Path) -> None:
    """jieba prints four lines to stderr and writes jieba.cache to the temp dir by default."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", "from flows.topics import words; print('/'.join(words('业委会')))"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env={"TMPDIR": str(temp), "HOME": str(tmp_path), "PATH": os.environ.get("PATH", "")},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "业委会"
    assert done.stderr == ""
    assert list(temp.iterdir()) == []
    assert list(tmp_path.iterdir()) == [temp]


def _kept(cache: Path) -> list[Path]:
    return sorted(cache.iterdir())


def test_the_built_dictionary_is_kept_privately_and_a_second_process_reads_it(
    tmp_path: Path,
) -> None:
    cache = tmp_path / "home" / "cache" / "jieba"
    first = _build(USER_DICTIONARY, cache)
    [kept] = _kept(cache)
    assert kept.stat().st_mode & 0o777 == 0o600
    assert cache.stat().st_mode & 0o777 == 0o700
    # A second process that could not build the dictionary still segments: it read the file.
    script = (
        "import sys, jieba\n"
        "from pathlib import Path\n"
        "def refuse(*args, **kwargs):\n"
        "    raise AssertionError('built again')\n"
        "jieba.Tokenizer.gen_pfdict = staticmethod(refuse)\n"
        "from flows.topics.tokens import USER_DICTIONARY, _build\n"
        "segmenter = _build(USER_DICTIONARY, Path(sys.argv[1]))\n"
        "print('/'.join(segmenter.lcut('楼下有人飞线充电', HMM=False)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(cache)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "/".join(first.lcut("楼下有人飞线充电", HMM=False))
    assert _kept(cache) == [kept]


@pytest.mark.parametrize(
    "damage",
    [b"", b"not a dictionary", None],
    ids=["empty", "garbage", "truncated"],
)
def test_a_corrupt_kept_dictionary_is_built_again(tmp_path: Path, damage: bytes | None) -> None:
    cache = tmp_path / "cache"
    _build(USER_DICTIONARY, cache)
    [kept] = _kept(cache)
    whole = kept.read_bytes()
    kept.write_bytes(whole[: len(whole) // 2] if damage is None else damage)
    rebuilt = _build(USER_DICTIONARY, cache)
    assert "飞线充电" in rebuilt.lcut("楼下有人飞线充电", HMM=False)
    assert _kept(cache) == [kept]
    assert kept.read_bytes() == whole


def test_a_dictionary_kept_for_another_version_is_replaced(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    older = cache / "prefix-dictionary-0123456789abcdef01234567.marshal"
    older.write_bytes(b"from an older jieba")
    _build(USER_DICTIONARY, cache)
    [kept] = _kept(cache)
    assert kept != older
    assert not older.exists()
