"""Personal data: keyed pseudonyms for evaluator names, masking of phone and ID numbers."""

from __future__ import annotations

import hmac
import io
import os
import pickle
import re
import secrets
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import ahocorasick

PSEUDONYM = re.compile(r"^ev_[0-9a-f]{16}$")
_ID_CARD = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}[- ]?\d{7,8}(?!\d)")


def load_key(path: Path) -> bytes:
    """The pseudonym key at ``path``, created (32 random bytes, mode 600) on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_hex(32).encode())
    return path.read_bytes().strip()


def pseudonym(name: str, key: bytes) -> str:
    """A stable keyed pseudonym for a person's name; an existing pseudonym is kept as is."""
    text = unicodedata.normalize("NFKC", name).strip()
    if text.startswith("ev_") and PSEUDONYM.match(text):
        return text
    text = "".join(text.split())
    # hmac.digest is the one-shot C path: a national roster has millions of names.
    return "ev_" + hmac.digest(key, text.encode("utf-8"), "sha256").hex()[:16]


def mask_personal_numbers(text: str) -> str:
    """Mask ID-card, mobile and landline numbers inside free text."""
    text = _ID_CARD.sub("[身份证号]", text)
    text = _MOBILE.sub("[电话]", text)
    return _LANDLINE.sub("[电话]", text)


NAME_MASK = "[姓名]"
# Two characters is the shortest Chinese name; shorter strings would mask ordinary words.
_MIN_NAME_CHARS = 2
# Great Expectations result keys that carry the offending values themselves, not counts.
_VALUE_KEYS = frozenset(
    {
        "partial_unexpected_list",
        "partial_unexpected_counts",
        "partial_unexpected_index_list",
        "unexpected_list",
        "unexpected_index_list",
        "unexpected_index_query",
        "unexpected_rows",
        "observed_value",
        "details",
    }
)


def person_names(values: Iterable[object]) -> frozenset[str]:
    """The names among ``values`` worth masking in text: normalised, two characters or more."""
    names = set()
    for value in values:
        if not isinstance(value, str):
            continue
        text = "".join(unicodedata.normalize("NFKC", value).split())
        if len(text) >= _MIN_NAME_CHARS and not PSEUDONYM.match(text) and not text.isdigit():
            names.add(text)
    return frozenset(names)


class Scrubber:
    """Masks known personal names and phone or ID numbers anywhere in a text."""

    def __init__(self, names: Iterable[str] = (), base: Scrubber | None = None) -> None:
        """``base``: a scrubber applied first (the roster's, built once), this one adds names."""
        self.base = base
        self.names = frozenset(names)
        # An Aho-Corasick automaton finds any of a national roster's names in one pass; a
        # regular expression alternation of that many names does not scale.
        self._automaton: Any = None
        if self.names:
            self._automaton = ahocorasick.Automaton(ahocorasick.STORE_LENGTH)
            for name in self.names:
                self._automaton.add_word(name)
            self._automaton.make_automaton()

    def dumps(self) -> bytes:
        """This scrubber's own names, as built, for :meth:`loads` (``base`` is not included).

        The bytes hold personal names: store them like the pseudonym key, mode 600.
        """
        return pickle.dumps(self._automaton, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def loads(cls, saved: bytes | memoryview) -> Scrubber:
        """The scrubber :meth:`dumps` saved; ValueError if ``saved`` is not one.

        Loading a national roster's automaton takes a fraction of building it again.
        """
        try:
            automaton = _AutomatonUnpickler(io.BytesIO(saved)).load()
        except Exception as error:  # a truncated pickle fails in many ways
            raise ValueError(f"not a saved scrubber: {type(error).__name__}") from None
        if automaton is not None and not (
            isinstance(automaton, ahocorasick.Automaton)
            and automaton.store == ahocorasick.STORE_LENGTH
            and automaton.kind == ahocorasick.AHOCORASICK
        ):
            raise ValueError("not a saved scrubber")
        scrubber = cls()
        if automaton is not None:
            scrubber._automaton = automaton
            scrubber.names = frozenset(automaton.keys())
        return scrubber

    def __call__(self, text: str) -> str:
        """``text`` with every known name and personal number masked."""
        text = self.base(text) if self.base is not None else mask_personal_numbers(text)
        if self._automaton is None:
            return text
        pieces: list[str] = []
        start = 0
        for end, length in self._automaton.iter_long(text):
            pieces.append(text[start : end - length + 1])
            pieces.append(NAME_MASK)
            start = end + 1
        if not pieces:
            return text
        pieces.append(text[start:])
        return "".join(pieces)

    def value(self, value: object) -> object:
        """Scrub a value when it is text; anything else is returned unchanged."""
        return self(value) if isinstance(value, str) else value


@cache
def saved_scrubber_format() -> str:
    """What :meth:`Scrubber.dumps` output depends on: another version cannot load it."""
    return f"pyahocorasick-{version('pyahocorasick')}"


class _AutomatonUnpickler(pickle.Unpickler):
    """Unpickles an Aho-Corasick automaton and nothing else: no other callable is reachable."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("ahocorasick", "Automaton"):
            return ahocorasick.Automaton
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed")


def redact_validation(results: Any) -> Any:
    """Great Expectations results without the offending values (counts and rules stay)."""
    if isinstance(results, dict):
        return {
            key: "[redacted]" if key in _VALUE_KEYS else redact_validation(value)
            for key, value in results.items()
        }
    if isinstance(results, list):
        return [redact_validation(item) for item in results]
    return results
