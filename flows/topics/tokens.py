"""Chinese word segmentation for opinions: jieba with minyi's dictionary of community terms.

The tokenizer is built once per process, on first use, from jieba's own dictionary (shipped
in its package, so nothing is downloaded) plus ``data/topics-userdict.txt`` (one community
term a line: 业委会, 飞线充电, 独居老人, ...). jieba writes a cache of its dictionary while it
builds; here that cache goes to a private temporary folder removed as soon as the dictionary
is loaded, and jieba's start-up lines on stderr are silenced.

Text is normalised first (NFKC: full-width letters and digits become half-width; lower case)
and segmented without jieba's HMM guesser, so that a phrase is cut the same way inside a
sentence as on its own, which keyword matching relies on.
"""

from __future__ import annotations

import logging
import re
import tempfile
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from flows.settings import REPO_ROOT

if TYPE_CHECKING:
    import jieba

USER_DICTIONARY = REPO_ROOT / "data" / "topics-userdict.txt"
STOPWORDS = REPO_ROOT / "data" / "topics-stopwords.txt"

# Clause breaks: Chinese and ASCII punctuation, brackets and white space. Not "." "-" "%"
# (jieba keeps "3.5" and "B超" whole).
_CLAUSE_BREAK = re.compile(r"[\s,，。！？!?；;：:、（）()\[\]【】《》<>“”\"‘’'/|~～…]+")
_WORD = re.compile(r"\w")
_CACHE_LIMIT = 200_000

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
_clause_cache: dict[str, tuple[str, ...]] = {}


def _build(user_dictionary: Path) -> jieba.Tokenizer:
    """A jieba tokenizer with the user dictionary, built quietly with its cache in a temp dir.

    jieba is imported here, on first use: its import (about half a second) is not paid by
    the ``minyi`` commands that never segment text."""
    import jieba

    log = logging.getLogger("jieba")
    level = log.level
    log.setLevel(logging.CRITICAL + 1)
    try:
        segmenter = jieba.Tokenizer()
        with tempfile.TemporaryDirectory(prefix="minyi-jieba-") as cache_dir:
            segmenter.tmp_dir = cache_dir
            segmenter.initialize()
        segmenter.load_userdict(str(user_dictionary))
    finally:
        log.setLevel(level)
    return segmenter


def tokenizer() -> jieba.Tokenizer:
    """The process's jieba tokenizer, built on first use (about one second)."""
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            _tokenizer = _build(USER_DICTIONARY)
        return _tokenizer


def normalise(text: str) -> str:
    """NFKC and lower case: the form every text is segmented and compared in."""
    return unicodedata.normalize("NFKC", text).lower().strip()


def clauses(text: str) -> list[str]:
    """The normalised text cut at punctuation and spaces, empty pieces dropped."""
    return [piece for piece in _CLAUSE_BREAK.split(normalise(text)) if piece]


def segment(clause: str) -> tuple[str, ...]:
    """The words of one clause as :func:`clauses` gives it (remembered for repeats)."""
    found = _clause_cache.get(clause)
    if found is None:
        found = tuple(word for word in tokenizer().cut(clause, HMM=False) if not word.isspace())
        if len(_clause_cache) >= _CACHE_LIMIT:
            _clause_cache.clear()
        _clause_cache[clause] = found
    return found


def tokenize(text: str) -> list[list[str]]:
    """The words of each clause of ``text``: a phrase never spans a punctuation mark."""
    return [list(segment(clause)) for clause in clauses(text)]


def words(text: str) -> list[str]:
    """All words of ``text`` in order, punctuation left out."""
    return [word for clause in tokenize(text) for word in clause]


def is_term(word: str) -> bool:
    """Whether a word can name something: two or more characters, not only digits."""
    return len(word) >= 2 and not word.isdigit() and bool(_WORD.search(word))


@lru_cache(maxsize=4)
def load_stopwords(path: Path = STOPWORDS) -> frozenset[str]:
    """Words too common in opinions to say what they are about (one a line, # comments)."""
    lines: Iterable[str] = path.read_text(encoding="utf-8").splitlines()
    return frozenset(normalise(line) for line in lines if line.strip() and not line.startswith("#"))
