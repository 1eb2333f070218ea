"""The inbox: which files wait to be ingested, which are still being written, which are
refused unread, and names safe to print and to use as paths."""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
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
    return name.startswith(("~$", ".~")) or name.endswith(TEMPORARY_NAMES)


def is_hidden(path: Path, inbox: Path) -> bool:
    """True for a hidden file (its name, or a folder's on the way from the inbox, starts with
    a dot: .DS_Store, ._form.xlsx, .git/…): never loaded, and ``minyi status`` says so.

    Temporary files are not hidden: they are loaded once complete (``is_temporary``).
    """
    parts = path.relative_to(inbox).parts
    return not is_temporary(path) and any(part.startswith(".") for part in parts)


def inbox_files(settings: Settings) -> list[Path]:
    """Files waiting in the inbox, oldest first, without temporary or hidden files.

    Symbolic links are listed (never followed) so that the batch refuses them with a reason.
    """
    if not settings.inbox_dir.is_dir():
        return []
    inbox = settings.inbox_dir
    files = [
        p
        for p in inbox.rglob("*")
        if (p.is_symlink() or p.is_file()) and not is_temporary(p) and not is_hidden(p, inbox)
    ]
    return sorted(files, key=lambda p: (p.lstat().st_mtime, p.name))


def hidden_files(settings: Settings) -> list[Path]:
    """Hidden files in the inbox, which no run loads (``is_hidden``)."""
    if not settings.inbox_dir.is_dir():
        return []
    inbox = settings.inbox_dir
    return sorted(
        p for p in inbox.rglob("*") if (p.is_symlink() or p.is_file()) and is_hidden(p, inbox)
    )


@dataclass(frozen=True)
class InboxSplit:
    """Inbox files that are complete, those still being written (left for the next poll),
    and hidden ones, which no run loads."""

    settled: list[Path]
    being_written: list[Path]
    ignored: list[Path] = field(default_factory=list)
    # Complete files the next run will refuse whole, with the refusal it will record.
    refused: list[tuple[Path, FileRejected]] = field(default_factory=list)


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
    inbox = settings.inbox_dir
    temporary = sorted(
        p for p in inbox.rglob("*") if p.is_file() and is_temporary(p) and not _in_hidden(p, inbox)
    )
    waiting = inbox_files(settings)
    young = [p for p in waiting if _changed_within(p, settle_seconds, now)]
    settled, refused = [], []
    for path in waiting:
        if path in young:
            continue
        rejection = foreseen_refusal(path, settings)
        if rejection is None:
            settled.append(path)
        else:
            refused.append((path, rejection))
    return InboxSplit(settled, temporary + young, hidden_files(settings), refused)


def foreseen_refusal(path: Path, settings: Settings) -> FileRejected | None:
    """The refusal the run will record for ``path`` without reading past its first bytes (a
    link, not a regular file, empty, too large, not a table format), or None when only
    reading it can tell."""
    from flows.ingest.readers import FileRejected, file_format  # kept out of status's imports

    refused = refusal(path)
    if refused is not None:
        return refused
    try:
        size = path.stat().st_size
        if size > settings.max_file_bytes:
            return FileRejected("file_too_large", size=size, limit=settings.max_file_bytes)
        if size == 0:
            return FileRejected("file_empty")
        file_format(path)
    except FileRejected as rejection:
        return rejection
    except OSError as error:
        return FileRejected("file_unreadable", error=error)
    return None


def _in_hidden(path: Path, inbox: Path) -> bool:
    """Whether a folder between the inbox and ``path`` is hidden."""
    return any(part.startswith(".") for part in path.relative_to(inbox).parts[:-1])


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
