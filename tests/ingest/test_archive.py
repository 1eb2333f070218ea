"""The archive and the quarantine folder: where files are kept, the manifest a rebuild
replays, and clearing the inbox once a batch commits."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from flows.ingest import archive
from flows.ingest.archive import (
    archive_path,
    clear_inbox,
    manifest_file,
    manifest_path,
    quarantine_path,
    read_manifest,
    record_manifest,
    stash_files,
)
from flows.ingest.batch import ingest
from flows.ingest.receive import FileOutcome
from flows.settings import Settings
from tests.helpers import inbox_batch
from tests.warehouse_fixtures import insert_rows, make_warehouse

RECEIVED = datetime(2026, 7, 5, 6, 0, tzinfo=UTC)


def _file(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _outcome(path: Path, outcome: str = "new") -> FileOutcome:
    """A received file as the read stage leaves it: hashed, with its outcome."""
    data = path.read_bytes() if path.exists() else b""
    return FileOutcome(path, hashlib.sha256(data).hexdigest(), len(data), outcome)


def _received(digest: str, name: str, sequence: int, status: str = "loaded") -> dict[str, Any]:
    """A meta.files row: a file received ``sequence``-th."""
    return {
        "file_hash": digest,
        "file_name": name,
        "received_at": RECEIVED + timedelta(minutes=sequence),
        "run_id": "r1",
        "status": status,
        "sequence": sequence,
    }


def test_inbox_cleared_and_archived_after_commit(settings: Settings) -> None:
    paths = inbox_batch(settings)
    ingest(settings, paths)
    assert not any(p.exists() for p in paths)
    assert len(list(settings.archive_dir.glob("??/*.csv"))) == 3
    assert (settings.archive_dir / "manifest.jsonl").read_text().count("\n") == 3


def test_archive_path_is_by_hash_with_the_suffix_in_lower_case(settings: Settings) -> None:
    digest = "ab" + "0" * 62
    expected = settings.home / "archive" / "ab" / f"{digest}.xlsx"
    assert archive_path(settings, digest, ".XLSX") == expected


def test_quarantine_path_keeps_the_name_after_the_hashs_start(settings: Settings) -> None:
    digest = "0123456789abcdef" * 4
    expected = settings.home / "quarantine" / "0123456789ab_表.csv"
    assert quarantine_path(settings, digest, "表.csv") == expected


def test_stash_copies_new_files_to_the_archive_and_rejected_ones_to_quarantine(
    settings: Settings, tmp_path: Path
) -> None:
    new = _outcome(_file(tmp_path, "forms.CSV", "a,b\n1,2\n"))
    rejected = _outcome(_file(tmp_path, "notes.txt", "甲乙丙"), "rejected")
    duplicate = _outcome(_file(tmp_path, "again.csv", "c\n"), "duplicate")

    stash_files([new, rejected, duplicate], settings)

    kept = settings.archive_dir / new.file_hash[:2] / f"{new.file_hash}.csv"
    assert kept.read_bytes() == b"a,b\n1,2\n"
    quarantined = settings.quarantine_dir / f"{rejected.file_hash[:12]}_notes.txt"
    assert quarantined.read_text(encoding="utf-8") == "甲乙丙"
    archived = [p for p in settings.archive_dir.rglob("*") if p.is_file()]
    assert archived == [kept], "no duplicate, no .partial left behind"
    assert new.path.exists() and rejected.path.exists(), "stashing copies, it does not move"


def test_stash_leaves_links_and_files_already_kept_alone(
    settings: Settings, tmp_path: Path
) -> None:
    target = _file(tmp_path, "secret.csv", "x\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    kept = _outcome(_file(tmp_path, "kept.csv", "k\n"))
    already = archive_path(settings, kept.file_hash, ".csv")
    already.parent.mkdir(parents=True)
    already.write_text("as archived before", encoding="utf-8")

    stash_files([_outcome(link), kept], settings)

    assert already.read_text(encoding="utf-8") == "as archived before"
    assert [p for p in settings.archive_dir.rglob("*") if p.is_file()] == [already]
    assert not settings.quarantine_dir.exists(), "a link is not copied anywhere"


def test_manifest_lists_committed_files_in_the_order_received(settings: Settings) -> None:
    con = make_warehouse(settings.home)
    insert_rows(
        con,
        "meta.files",
        [
            _received("b" * 64, "second.xlsx", 2),
            _received("a" * 64, "first.csv", 1),
            _received("c" * 64, "notes.txt", 3, status="rejected"),
        ],
    )
    copy = settings.quarantine_dir / f"{'c' * 12}_notes.txt"
    copy.parent.mkdir(parents=True)
    copy.write_text("甲", encoding="utf-8")

    assert record_manifest(con, settings) == 3
    assert record_manifest(con, settings) == 0, "nothing is listed twice"
    insert_rows(con, "meta.files", [_received("d" * 64, "third.csv", 4)])
    assert record_manifest(con, settings) == 1
    con.close()

    entries = read_manifest(settings)
    names = [e["file_name"] for e in entries]
    assert names == ["first.csv", "second.xlsx", "notes.txt", "third.csv"]
    first = {**entries[0], "received_at": datetime.fromisoformat(entries[0]["received_at"])}
    assert first == {
        "file_hash": "a" * 64,
        "file_name": "first.csv",
        "archived_as": f"aa/{'a' * 64}.csv",
        "received_at": datetime(2026, 7, 5, 6, 1, tzinfo=UTC),
    }
    assert entries[2]["quarantined_as"] == copy.name
    assert manifest_file(settings, entries[1]) == settings.archive_dir / "bb" / f"{'b' * 64}.xlsx"
    assert manifest_file(settings, entries[2]) == copy


def test_a_manifest_is_appended_to_from_its_last_entry(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files after the manifest's last entry are appended without reading the entries before
    it (a national archive lists tens of thousands); a manifest whose last entry this
    warehouse does not know is read whole, so that nothing is listed twice."""
    con = make_warehouse(settings.home)
    insert_rows(
        con, "meta.files", [_received(c * 64, f"{c}.csv", i) for i, c in enumerate("ab", 1)]
    )
    assert record_manifest(con, settings) == 2
    insert_rows(con, "meta.files", [_received("c" * 64, "c.csv", 3)])

    def unread(_settings: Settings) -> list[dict[str, str]]:
        raise AssertionError("the whole manifest was read")

    monkeypatch.setattr(archive, "read_manifest", unread)
    assert record_manifest(con, settings) == 1
    assert record_manifest(con, settings) == 0
    monkeypatch.undo()

    path = manifest_path(settings)
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, lines[0].replace("a" * 64, "f" * 64)]) + "\n", "utf-8")
    insert_rows(con, "meta.files", [_received("d" * 64, "d.csv", 4)])
    assert record_manifest(con, settings) == 1  # d only: a, b and c are listed already
    con.close()
    names = [e["file_name"] for e in read_manifest(settings)]
    assert names == ["a.csv", "b.csv", "c.csv", "a.csv", "d.csv"]


def test_a_rejected_file_without_a_quarantined_copy_is_not_listed(settings: Settings) -> None:
    """A refused link has no copy: a rebuild could not replay it."""
    con = make_warehouse(settings.home)
    insert_rows(con, "meta.files", [_received("e" * 64, "link.csv", 1, status="rejected")])
    assert record_manifest(con, settings) == 0
    con.close()
    assert read_manifest(settings) == []


def test_manifest_is_empty_before_the_first_load_and_skips_blank_lines(
    settings: Settings,
) -> None:
    assert read_manifest(settings) == []
    entry = {"file_hash": "f" * 64, "file_name": "a.csv", "archived_as": "ff/x.csv"}
    manifest_path(settings).parent.mkdir(parents=True)
    manifest_path(settings).write_text(f"{json.dumps(entry)}\n\n", encoding="utf-8")
    assert read_manifest(settings) == [entry]


def test_clear_inbox_removes_inbox_files_only(settings: Settings, tmp_path: Path) -> None:
    in_inbox = _file(settings.inbox_dir / "2026", "forms.csv", "a\n")
    elsewhere = _file(tmp_path / "desk", "forms.csv", "a\n")
    gone = settings.inbox_dir / "gone.csv"

    clear_inbox([_outcome(in_inbox), _outcome(elsewhere), _outcome(gone)], settings)

    assert not in_inbox.exists()
    assert elsewhere.exists(), "a file named on the command line stays where it is"


def test_clear_inbox_removes_a_link_not_what_it_points_at(
    settings: Settings, tmp_path: Path
) -> None:
    target = _file(tmp_path / "desk", "forms.csv", "a\n")
    settings.inbox_dir.mkdir(parents=True)
    link = settings.inbox_dir / "forms.csv"
    link.symlink_to(target)
    outside = tmp_path / "desk" / "link.csv"
    outside.symlink_to(link)

    clear_inbox([_outcome(outside), FileOutcome(link, "0" * 64, 0, "rejected")], settings)

    assert not link.is_symlink()
    assert target.read_text(encoding="utf-8") == "a\n"
    assert outside.is_symlink(), "a link outside the inbox is left, wherever it points"
