"""Personal data: keyed pseudonyms for evaluator names, masking of phone and ID numbers."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from pathlib import Path

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
    if PSEUDONYM.match(text):
        return text
    text = re.sub(r"\s+", "", text)
    return "ev_" + hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def mask_personal_numbers(text: str) -> str:
    """Mask ID-card, mobile and landline numbers inside free text."""
    text = _ID_CARD.sub("[身份证号]", text)
    text = _MOBILE.sub("[电话]", text)
    return _LANDLINE.sub("[电话]", text)
