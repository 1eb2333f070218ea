"""Backing up a home into one archive, and restoring it into an empty home.

``minyi backup`` takes the run lock (a run in progress finishes first, and a run starting
meanwhile waits) just long enough to copy the warehouse, the registry, the key and the small
files into a staging folder and to list the rest; the archived source files it then packs are
never changed once written (named by content hash). So an archive taken while serve runs
holds one consistent state: the warehouse and exactly the files it was loaded from.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flows.messages import both
from flows.service.runlock import run_lock
from flows.settings import Settings
from flows.warehouse import Mode, open_warehouse

FORMAT = "minyi-backup/1"


MANIFEST = "BACKUP.json"


# Copied under the run lock (small, or rewritten in place by runs).
_COPIED = ("reference", "secret.key", "evaluator-names", "settings.toml")


# Packed as they are after the lock is let go: written once, never changed.
_LISTED = ("archive", "quarantine", "reports", "inbox")


class BackupError(RuntimeError):
    """The backup or the restore could not be done (message in both languages)."""


@dataclass(frozen=True)
class BackupResult:
    """What was written: the archive and how many files it holds."""

    path: Path
    files: int
    bytes: int


def default_backup_dir(settings: Settings) -> Path:
    """Where backups go unless told: ``MINYI_HOME/backups`` (never itself backed up)."""
    return settings.home / "backups"


def backup_name(settings: Settings, now: datetime | None = None) -> str:
    """``minyi-<office>-<YYYYmmdd-HHMMSS>.tar.gz`` in local time."""
    moment = (now or datetime.now()).astimezone()
    return f"minyi-{settings.office_name}-{moment:%Y%m%d-%H%M%S}.tar.gz"


def backup(settings: Settings, target: Path | None = None) -> BackupResult:
    """Write one archive of the home to ``target`` (a file, or a folder to name one in)."""
    target = target or default_backup_dir(settings)
    if target.is_dir() or not target.name.endswith((".tar.gz", ".tgz")):
        target = target / backup_name(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=target.parent) as staging_dir:
        staging = Path(staging_dir)
        with run_lock(settings.home, settings.lock_timeout_seconds):
            _stage(settings, staging)
            listed = sorted(_listed_files(settings))
        partial = target.with_name(target.name + ".partial")
        count = _pack(settings, staging, listed, partial)
        os.replace(partial, target)
    return BackupResult(target, count, target.stat().st_size)


def _stage(settings: Settings, staging: Path) -> None:
    """Copy what runs rewrite (warehouse, registry, key) into ``staging``; hold the run lock."""
    home = settings.home
    if settings.warehouse_path.exists():
        if Path(f"{settings.warehouse_path}.wal").exists():
            with open_warehouse(settings, Mode.WRITE) as con:
                con.execute("CHECKPOINT")
        shutil.copyfile(settings.warehouse_path, staging / settings.warehouse_name)
    for name in _COPIED:
        source = home / name
        if source.is_dir():
            shutil.copytree(source, staging / name)
        elif source.is_file():
            shutil.copy2(source, staging / name)
    topics = settings.topics_path  # a taxonomy of the office's own, kept in the home
    if topics.is_file() and topics.is_relative_to(home):
        copy = staging / topics.relative_to(home)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(topics, copy)
    manifest = {
        "format": FORMAT,
        "created": datetime.now().astimezone().isoformat(timespec="seconds"),
        "home": str(home),
        "warehouse": settings.warehouse_name,
        "warehouse_sha256": _sha256(staging / settings.warehouse_name),
    }
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def _listed_files(settings: Settings) -> Iterator[Path]:
    for folder in _LISTED:
        root = settings.home / folder
        if root.is_dir():
            yield from (p for p in root.rglob("*") if p.is_file() and _kept(p))


def _kept(path: Path) -> bool:
    return not path.name.endswith((".partial", ".tmp"))


def _pack(settings: Settings, staging: Path, listed: list[Path], partial: Path) -> int:
    """Write the tar.gz, readable by its owner only (it holds the key and personal data)."""
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    count = 0
    with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
        for path in sorted(staging.rglob("*")):
            if path.is_file():
                tar.add(path, arcname=path.relative_to(staging).as_posix())
                count += 1
        for path in listed:
            if path.exists():  # a file moved out of the inbox since it was listed
                tar.add(path, arcname=path.relative_to(settings.home).as_posix())
                count += 1
    return count


def _sha256(path: Path) -> str | None:
    if not path.exists():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def restore(settings: Settings, archive: Path) -> int:
    """Unpack a backup into the settings' home, which must be empty; returns files restored."""
    home = settings.home
    if home.exists() and any(home.iterdir()):
        raise BackupError(both("restore_home_not_empty", home=home))
    if not archive.is_file():
        raise BackupError(both("file_missing", path=archive))
    with tarfile.open(archive, mode="r:gz") as tar:
        try:
            noted = tar.extractfile(MANIFEST)
            manifest = json.load(noted) if noted is not None else {}
        except (KeyError, ValueError) as error:
            raise BackupError(both("restore_not_a_backup", path=archive)) from error
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BackupError(both("restore_not_a_backup", path=archive))
        home.mkdir(parents=True, exist_ok=True)
        members = [m for m in tar.getmembers() if m.name != MANIFEST]
        tar.extractall(home, members=members, filter="data")
    restored = home / str(manifest["warehouse"])
    if manifest.get("warehouse_sha256") and _sha256(restored) != manifest["warehouse_sha256"]:
        raise BackupError(both("restore_warehouse_differs", path=archive))
    if restored.name != settings.warehouse_name and restored.exists():
        restored.rename(settings.warehouse_path)
    for private in (settings.key_path, settings.names_path):
        if private.exists():
            private.chmod(0o600)
    return len(members)
