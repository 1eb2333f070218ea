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
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import ahocorasick

PSEUDONYM = re.compile(r"^ev_[0-9a-f]{16}$")
ID_MASK = "[身份证号]"
PHONE_MASK = "[电话]"


@dataclass(frozen=True)
class MaskRule:
    """One shape of personal number that offices type, how it is masked, and examples."""

    name: str
    pattern: re.Pattern[str]
    mask: str
    # Texts the rule must mask (the whole example, unless ``keeps`` says what stays).
    examples: tuple[str, ...]
    # A group the mask keeps (the keyword before a local number), 0 for none.
    keeps: int = 0


# Applied in this order: IDs before phones (an ID holds phone-like runs), the keyword rule
# last. A number counts only when no digit touches it; letters may (``ID110105…``). The
# first six digits of an ID (its area code) are typed together; spaces or dashes may follow.
MASK_RULES: tuple[MaskRule, ...] = (
    MaskRule(
        "id_card_excel_number",
        # An 18- or 15-digit ID that Excel stored as a number and shows in scientific form
        # (a narrow column, or a CSV Excel saved, keeps as few as 6 digits: 1.10105E+17). No
        # count or amount in a form reaches 10^14.
        re.compile(r"(?<![\d.])[1-9](?:\.\d{1,14})?[Ee]\+?1[4-7](?!\d)"),
        ID_MASK,
        ("1.1010519491231E+17", "1.10105491231002e+14", "1.10105E+17"),
    ),
    MaskRule(
        "id_card_18",
        re.compile(r"(?<!\d)\d{6}(?:[ \-]?\d){11}[ \-]?[\dXx](?![\dXx])"),
        ID_MASK,
        (
            "110105194912310021",
            "11010519491231002X",
            "ID110105194912310021",
            "110105 19491231 0021",
        ),
    ),
    MaskRule(
        "id_card_15",
        re.compile(r"(?<!\d)\d{6}(?:[ \-]?\d){9}(?!\d)"),
        ID_MASK,
        ("110105491231002", "110105 491231 002"),
    ),
    MaskRule(
        "mobile",
        re.compile(
            r"(?<!\d)(?:(?:\+|00)?86[ \-.]?|[(（]\+?86[)）] ?)?1[3-9]\d(?:[ \-.]?\d{4}){2}(?!\d)"
        ),
        PHONE_MASK,
        ("13912345678", "139-1234-5678", "139 1234 5678", "139.1234.5678", "+86 139 1234 5678"),
    ),
    MaskRule(
        "landline_parenthesised",
        re.compile(r"[(（]0\d{2,3}[)）] ?\d{3,4}[ \-]?\d{4}(?!\d)"),
        PHONE_MASK,
        ("(022)2345-6789", "（022）23456789", "(0571) 8765 4321"),
    ),
    MaskRule(
        "landline",
        re.compile(r"(?<!\d)0\d{2,3}[ \-.]?\d{3,4}[ \-.]?\d{4}(?!\d)"),
        PHONE_MASK,
        ("022-23456789", "022 2345 6789", "010-1234-5678"),
    ),
    MaskRule(
        "local_after_keyword",
        # 7 or 8 digits alone are too common (dates, amounts) unless a phone keyword precedes.
        re.compile(
            r"(((?:联系)?电话(?:号码)?|联系方式|手机(?:号码?)?|座机|[Tt]el|TEL)\s*[:：]?\s*)"
            r"\d{3,4}[ \-]?\d{4}(?!\d)"
        ),
        PHONE_MASK,
        ("电话：23456789", "联系方式 2345-6789", "座机 2345678"),
        keeps=1,
    ),
)


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
    """Mask ID-card, mobile and landline numbers inside free text (:data:`MASK_RULES`)."""
    if not _MAY_HOLD_NUMBER.search(text):
        return text
    for rule in MASK_RULES:
        # A group reference keeps what the rule keeps (the keyword before a local number).
        replacement = f"\\g<{rule.keeps}>{rule.mask}" if rule.keeps else rule.mask
        text = rule.pattern.sub(replacement, text)
    return text


# Every rule needs seven digits with at most two separators between two of them, or an
# exponent of 14 to 17: texts with neither are skipped.
_MAY_HOLD_NUMBER = re.compile(r"\d(?:[ \-.()（）+]{0,2}\d){6}|\d[Ee]\+?1[4-7]")


NAME_MASK = "[姓名]"
# White space between two Chinese characters: a name may be typed with a space inside.
_NAME_GAP = re.compile(r"(?<=[\u3400-\u9fff])[ \t\u3000\u00a0]+(?=[\u3400-\u9fff])")
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
        self._names: frozenset[str] | None = frozenset(names)
        # An Aho-Corasick automaton finds any of a national roster's names in one pass; a
        # regular expression alternation of that many names does not scale.
        self._automaton: Any = None
        if self._names:
            self._automaton = ahocorasick.Automaton(ahocorasick.STORE_LENGTH)
            for name in self._names:
                self._automaton.add_word(name)
            self._automaton.make_automaton()

    @property
    def names(self) -> frozenset[str]:
        """This scrubber's own names (``base``'s are not included)."""
        if self._names is None:  # loaded: read out of the automaton when first asked
            self._names = frozenset(self._automaton.keys())
        return self._names

    def knows(self, name: str) -> bool:
        """Whether ``name`` is one of this scrubber's own names, as given (not normalised).

        Asks the automaton: a loaded national roster's scrubber answers without building the
        set of its half a million names (a sixth of a second) that :attr:`names` would.
        """
        if self._names is not None:
            return name in self._names
        return bool(self._automaton.exists(name))

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
            scrubber._names = None
        return scrubber

    def __call__(self, text: str) -> str:
        """``text`` with every known name and personal number masked."""
        text = self.base(text) if self.base is not None else mask_personal_numbers(text)
        if self._automaton is None:
            return text
        if _NAME_GAP.search(text):
            return self._mask_spaced(text)
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

    def _mask_spaced(self, text: str) -> str:
        """Mask names written with spaces between their characters (``张 三``): the names
        are found in the text with such spaces taken out, then masked in the text itself."""
        kept = [i for i, _ in enumerate(text)]
        for gap in reversed(list(_NAME_GAP.finditer(text))):
            del kept[gap.start() : gap.end()]
        squeezed = "".join(text[i] for i in kept)
        pieces: list[str] = []
        start = 0
        for end, length in self._automaton.iter_long(squeezed):
            first, last = kept[end - length + 1], kept[end]
            pieces.append(text[start:first])
            pieces.append(NAME_MASK)
            start = last + 1
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
