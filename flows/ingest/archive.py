"""The archive and the quarantine folder: every file received kept by content hash, the
manifest a rebuild replays, and the inbox cleared once a batch commits."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb

from flows.faults import checkpoint
from flows.ingest.receive import FileOutcome
from flows.settings import Settings
from flows.storage import PRIVATE_DIR, PRIVATE_FILE, writing
from flows.warehouse import sql


def archive_path(settings: Settings, digest: str, suffix: str) -> Path:
    """Where the archive keeps a file: by content hash, with its original suffix."""
    return settings.archive_dir / digest[:2] / f"{digest}{suffix.lower()}"


def stash_files(outcomes: list[FileOutcome], settings: Settings) -> None:
    """Copy new files to the archive (or rejected ones to quarantine) before the commit.

    A copy is written under a ``.partial`` name and renamed when complete, so a stopped
    process never leaves a truncated file under an archive name.
    """
    for outcome in outcomes:
        # A link is refused unread: copying it would copy whatever it points at.
        if outcome.outcome == "duplicate" or outcome.path.is_symlink():
            continue
        target = _stash_target(outcome, settings)
        if target.exists():
            continue
        partial = target.with_name(target.name + ".partial")
        with writing(target):
            target.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
            shutil.copyfile(outcome.path, partial)
            # The originals hold names and numbers in clear: owner only, whatever the umask.
            os.chmod(partial, PRIVATE_FILE)
            checkpoint("archive_partial")
            os.replace(partial, target)


def quarantine_path(settings: Settings, digest: str, file_name: str) -> Path:
    """Where the quarantine keeps a file rejected whole: its hash's start, then its name."""
    return settings.quarantine_dir / f"{digest[:12]}_{file_name}"


def _stash_target(outcome: FileOutcome, settings: Settings) -> Path:
    if outcome.outcome == "rejected":
        return quarantine_path(settings, outcome.file_hash, outcome.file_name)
    return archive_path(settings, outcome.file_hash, outcome.path.suffix)


def manifest_path(settings: Settings) -> Path:
    """The archive manifest: one JSON line per file received (loaded, or rejected whole), in
    the order a rebuild replays."""
    return settings.archive_dir / "manifest.jsonl"


def read_manifest(settings: Settings) -> list[dict[str, str]]:
    """The manifest's entries in order (an empty list before the first load)."""
    path = manifest_path(settings)
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def manifest_file(settings: Settings, entry: dict[str, str]) -> Path:
    """Where a manifest entry's file is kept: the archive, or the quarantine for a rejected one."""
    if "quarantined_as" in entry:
        return settings.quarantine_dir / entry["quarantined_as"]
    return settings.archive_dir / entry["archived_as"]


def record_manifest(con: duckdb.DuckDBPyConnection, settings: Settings) -> int:
    """Append every committed file the manifest lacks, in load order; returns how many.

    The warehouse is the record of what was received. Entries come from ``meta.files``, so a
    process stopped between its commit and this call is made good by the next run. A file
    rejected whole is listed with its copy in the quarantine folder, so that a rebuild records
    it again (a refused link has no copy, and is not listed).
    """
    path = manifest_path(settings)
    # The manifest lists files in the order received: only those after its last entry are
    # new to it, and its other entries need not be read (tens of thousands, every batch).
    since = _place_of(con, _last_hash(path))
    listed = set() if since else {entry["file_hash"] for entry in read_manifest(settings)}
    entries = []
    for file_hash, file_name, received_at, status in con.execute(
        sql("load/manifest_files"), [since or 0]
    ).fetchall():
        if file_hash in listed:
            continue
        entry = {"file_hash": file_hash, "file_name": file_name}
        if status == "rejected":
            kept = quarantine_path(settings, file_hash, file_name)
            if not kept.is_file():
                continue
            entry["quarantined_as"] = kept.name
        else:
            archived = archive_path(settings, file_hash, Path(file_name).suffix)
            entry["archived_as"] = str(archived.relative_to(settings.archive_dir))
        entries.append({**entry, "received_at": received_at.isoformat()})
    if not entries:
        return 0
    with writing(path, "manifest_not_written"):
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            for entry in entries:
                fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
    return len(entries)


# Enough of the manifest's end to hold its last entry (a few hundred bytes).
_TAIL_BYTES = 64 * 1024


def _last_hash(path: Path) -> str | None:
    """The file hash of the manifest's last entry, read from its end; None when there is no
    entry, or the last line is not one (then the whole manifest is read, as before)."""
    try:
        with path.open("rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - _TAIL_BYTES))
            tail = fh.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None
    lines = [line for line in tail.splitlines() if line.strip()]
    if not lines:
        return None
    try:
        entry = json.loads(lines[-1])
    except json.JSONDecodeError:
        return None
    file_hash = entry.get("file_hash") if isinstance(entry, dict) else None
    return file_hash if isinstance(file_hash, str) else None


def _place_of(con: duckdb.DuckDBPyConnection, file_hash: str | None) -> int | None:
    """A file's place in the order of receipt (``meta.files.sequence``); None when unknown."""
    if file_hash is None:
        return None
    row = con.execute(sql("load/file_sequence"), [file_hash]).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def clear_inbox(outcomes: list[FileOutcome], settings: Settings) -> None:
    """Remove committed files from the inbox (files ingested from elsewhere are left alone)."""
    inbox = settings.inbox_dir.resolve()
    for outcome in outcomes:
        path = outcome.path
        # A link's own folder decides (its target may lie anywhere); unlink removes the link.
        where = path.parent.resolve() / path.name if path.is_symlink() else path.resolve()
        if where.is_relative_to(inbox) and (path.exists() or path.is_symlink()):
            path.unlink()
            checkpoint("inbox_file_cleared")
