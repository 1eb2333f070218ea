"""The inbox: which files wait to be ingested, which are still being written, which are
refused unread, and names safe to print and to use as paths."""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from flows.settings import Settings

if TYPE_CHECKING:
    from flows.ingest.readers import FileRejected

TEMPORARY_NAMES = ("~$", ".~", ".tmp", ".part", ".crdownload", ".swp")


# A file untouched (content and metadata) for this long is taken as completely copied.
SETTLE_SECONDS = 2.0


def is_temporary(path: Path) -> bool:
    """True for editor lock files and partial downloads that must not be ingested yet."""
    name = path.name.lower()
    return name.startswith(("~$", ".~", ".")) or name.endswith(TEMPORARY_NAMES)


def inbox_files(settings: Settings) -> list[Path]:
    """Files waiting in the inbox, oldest first, without temporary or hidden files.

    Symbolic links are listed (never followed) so that the batch refuses them with a reason.
    """
    if not settings.inbox_dir.is_dir():
        return []
    files = [
        p
        for p in settings.inbox_dir.rglob("*")
        if (p.is_symlink() or p.is_file()) and not is_temporary(p)
    ]
    return sorted(files, key=lambda p: (p.lstat().st_mtime, p.name))


@dataclass(frozen=True)
class InboxSplit:
    """Inbox files that are complete, and those still being written (left for the next poll)."""

    settled: list[Path]
    being_written: list[Path]


def _fingerprint(path: Path) -> tuple[int, int, int] | None:
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _last_change(fingerprint: tuple[int, int, int]) -> float:
    # ctime too: a copy that restores the source's old mtime still bumps ctime when it ends.
    return max(fingerprint[1], fingerprint[2]) / 1e9


def _changed_within(path: Path, seconds: float, now: float) -> bool:
    fingerprint = _fingerprint(path)
    return fingerprint is not None and now - _last_change(fingerprint) < seconds


def settled_files(
    paths: list[Path],
    settle_seconds: float = SETTLE_SECONDS,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> InboxSplit:
    """Split files into settled and still changing; recently changed files are looked at twice."""
    first = {path: _fingerprint(path) for path in paths}
    now = clock()
    young = [p for p in paths if _changed_within(p, settle_seconds, now)]
    if young:
        sleep(settle_seconds)
    changed = {p for p in young if _fingerprint(p) != first[p]}
    return InboxSplit(
        settled=[p for p in paths if first[p] is not None and p not in changed],
        being_written=[p for p in paths if p in changed],
    )


def ready_inbox_files(settings: Settings, settle_seconds: float = SETTLE_SECONDS) -> list[Path]:
    """Inbox files that are complete; files still being copied are left for the next poll."""
    return settled_files(inbox_files(settings), settle_seconds).settled


def inbox_backlog(
    settings: Settings, settle_seconds: float = SETTLE_SECONDS, now: float | None = None
) -> InboxSplit:
    """Files waiting in the inbox, and those still being written (temporary or just changed)."""
    if not settings.inbox_dir.is_dir():
        return InboxSplit([], [])
    now = time.time() if now is None else now
    temporary = sorted(p for p in settings.inbox_dir.rglob("*") if p.is_file() and is_temporary(p))
    waiting = inbox_files(settings)
    young = [p for p in waiting if _changed_within(p, settle_seconds, now)]
    return InboxSplit([p for p in waiting if p not in young], temporary + young)


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
    # Imported here: the readers bring pandas, which ``minyi status`` (the backlog) need not.
    from flows.ingest.readers import FileRejected

    if path.is_symlink():
        return FileRejected("file_symlink")
    if path.exists() and not path.is_file():
        return FileRejected("file_not_regular")
    return None


def link_identity(path: Path) -> str:
    """A stable hash standing for an unread file: its name and, for a link, where it points."""
    target = os.readlink(path) if path.is_symlink() else ""
    return hashlib.sha256(f"unread\0{path.name}\0{target}".encode()).hexdigest()
