"""Refusing what must never be read from the inbox, and names safe to print and to use as paths.

A symbolic link in the inbox could make minyi read (and archive) any file the service can
reach, so links are refused unread. File names come from many hands: control characters
could rewrite a terminal line and separators could point a path elsewhere, so every name is
cleaned once, where a file is first seen.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Final

from flows.readers import FileRejected

# Path separators, characters Windows refuses, C0/C1 controls and bidirectional overrides
# (which can make "evil\u202exslx.exe" read as "evilexe.xlsx").
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]')
MAX_NAME_CHARS: Final = 160


def safe_file_name(name: str) -> str:
    """``name`` with separators and control characters replaced, no leading dots, bounded length."""
    cleaned = _UNSAFE_NAME.sub("_", name).strip().lstrip(".").strip() or "file"
    if len(cleaned) > MAX_NAME_CHARS:
        _stem, dot, suffix = cleaned.rpartition(".")
        keep = f".{suffix}" if dot and 0 < len(suffix) <= 8 else ""
        cleaned = cleaned[: MAX_NAME_CHARS - len(keep)] + keep
    return cleaned


def refusal(path: Path) -> FileRejected | None:
    """Why ``path`` must not be read at all (a symbolic link, not a regular file), or None."""
    if path.is_symlink():
        return FileRejected("file_symlink")
    if path.exists() and not path.is_file():
        return FileRejected("file_not_regular")
    return None


def link_identity(path: Path) -> str:
    """A stable hash standing for an unread file: its name and, for a link, where it points."""
    target = os.readlink(path) if path.is_symlink() else ""
    return hashlib.sha256(f"unread\0{path.name}\0{target}".encode()).hexdigest()
