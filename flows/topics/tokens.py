"""Chinese word segmentation for opinions: jieba with minyi's dictionary of community terms.

The tokenizer is built once per process, on first use, from jieba's own dictionary (shipped
in its package, so nothing is downloaded) plus ``data/topics-userdict.txt`` (one community
term a line: 业委会, 飞线充电, 独居老人, ...). Building jieba's prefix dictionary takes about
0.7 s of CPU; once :func:`keep_cache_in` names a folder (``MINYI_HOME/cache/jieba``, by the
stage that tags opinions), the built dictionary is kept there and later processes read it
in about a quarter of the time. Without a folder nothing is written (jieba's own cache in
the system's temp folder is not used), and jieba's start-up lines on stderr are silenced.

Text is normalised first (NFKC: full-width letters and digits become half-width; lower case)
and segmented without jieba's HMM guesser, so that a phrase is cut the same way inside a
sentence as on its own, which keyword matching relies on.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import re
import secrets
import sys
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from flows.settings import shipped

if TYPE_CHECKING:
    import jieba

USER_DICTIONARY = shipped("data/topics-userdict.txt")
STOPWORDS = shipped("data/topics-stopwords.txt")

# Clause breaks: Chinese and ASCII punctuation, brackets and white space. Not "." "-" "%"
# (jieba keeps "3.5" and "B超" whole).
_CLAUSE_BREAK = re.compile(r"[\s,，。！？!?；;：:、（）()\[\]【】《》<>“”\"‘’'/|~～…]+")
_WORD = re.compile(r"\w")
_CACHE_LIMIT = 200_000

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
_cache_dir: Path | None = None
_CACHE_PREFIX = "prefix-dictionary-"
_clause_cache: dict[str, tuple[str, ...]] = {}


def keep_cache_in(cache_dir: Path | None) -> None:
    """Keep jieba's built dictionary in ``cache_dir`` (created 0700) from now on in this
    process; None keeps nothing. Safe to delete: a missing, stale or corrupt file is built
    again."""
    global _cache_dir
    with _lock:
        _cache_dir = cache_dir


def _cache_name(dictionary: Path, jieba_version: str) -> str:
    """The cache file's name, changed by anything that changes what it holds: jieba's
    version, its dictionary file (size and modification time) and Python's marshal format."""
    stat = dictionary.stat()
    key = repr(
        (
            jieba_version,
            str(dictionary),
            stat.st_size,
            stat.st_mtime_ns,
            marshal.version,
            sys.version_info[:2],
        )
    )
    return f"{_CACHE_PREFIX}{hashlib.sha256(key.encode()).hexdigest()[:24]}.marshal"


def _read_prefix_dictionary(path: Path) -> tuple[dict[str, int], int] | None:
    """The (frequencies, total) kept at ``path``; None when missing, truncated or corrupt."""
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    digest, payload = blob[:32], blob[32:]
    if hashlib.sha256(payload).digest() != digest:
        return None
    try:
        frequencies, total = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    if not isinstance(frequencies, dict) or not isinstance(total, int):
        return None
    return frequencies, total


def _write_prefix_dictionary(path: Path, frequencies: dict[str, int], total: int) -> None:
    """Write the dictionary whole or not at all (a temp file renamed over ``path``, so two
    processes building at once never leave a torn file), and drop older versions' files."""
    payload = marshal.dumps((frequencies, total))
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(hashlib.sha256(payload).digest())
                fh.write(payload)
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        for older in path.parent.glob(f"{_CACHE_PREFIX}*"):
            if older != path:
                older.unlink(missing_ok=True)
    except OSError as error:
        # A home that cannot be written only loses the time saved.
        logging.getLogger(__name__).warning("jieba cache not written: %s", error)


def _build(user_dictionary: Path, cache_dir: Path | None = None) -> jieba.Tokenizer:
    """A jieba tokenizer with the user dictionary, built quietly; its prefix dictionary read
    from ``cache_dir`` when kept there, else built (and kept there when a folder is given).

    jieba is imported here, on first use: its import (about half a second) is not paid by
    the ``minyi`` commands that never segment text."""
    import jieba

    log = logging.getLogger("jieba")
    level = log.level
    log.setLevel(logging.CRITICAL + 1)
    try:
        segmenter = jieba.Tokenizer()
        dictionary = Path(jieba.__file__).with_name(jieba.DEFAULT_DICT_NAME)
        kept = cache_dir / _cache_name(dictionary, jieba.__version__) if cache_dir else None
        built = _read_prefix_dictionary(kept) if kept else None
        if built is None:
            built = segmenter.gen_pfdict(segmenter.get_dict_file())
            if kept:
                _write_prefix_dictionary(kept, *built)
        segmenter.FREQ, segmenter.total = built
        segmenter.initialized = True
        segmenter.load_userdict(str(user_dictionary))
    finally:
        log.setLevel(level)
    return segmenter


def tokenizer() -> jieba.Tokenizer:
    """The process's jieba tokenizer, built on first use (about one second)."""
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            _tokenizer = _build(USER_DICTIONARY, _cache_dir)
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
