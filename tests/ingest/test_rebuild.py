"""Rebuilding the warehouse from the archive: what is replayed, in which order, and the result."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from flows.ingest.archive import read_manifest
from flows.ingest.batch import ingest
from flows.ingest.rebuild import archived_files, complete_manifest, rebuild
from flows.settings import Settings
from tests.helpers import evaluation, inbox_batch, write_csv
from tests.warehouse_state import query, snapshot


def _archive(settings: Settings, digest: str, suffix: str, mtime: int) -> Path:
    """A file in the archive under its hash, last changed at ``mtime``."""
    path = settings.archive_dir / digest[:2] / f"{digest}{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(digest, encoding="utf-8")
    os.utime(path, (mtime, mtime))
    return path


def _write_manifest(settings: Settings, entries: list[dict[str, str]]) -> None:
    path = settings.archive_dir / "manifest.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")


def test_archived_files_follow_the_manifest_with_their_original_names(
    settings: Settings,
) -> None:
    first = _archive(settings, "b" * 64, ".csv", 2_000)
    second = _archive(settings, "a" * 64, ".xlsx", 1_000)
    _write_manifest(
        settings,
        [
            {"file_hash": "b" * 64, "file_name": "一月.csv", "archived_as": f"bb/{first.name}"},
            {"file_hash": "c" * 64, "file_name": "notes.txt", "quarantined_as": "cccc_notes.txt"},
            {"file_hash": "a" * 64, "file_name": "二月.xlsx", "archived_as": f"aa/{second.name}"},
            {"file_hash": "b" * 64, "file_name": "again.csv", "archived_as": f"bb/{first.name}"},
        ],
    )
    assert archived_files(settings) == [
        (first, "一月.csv"),
        (settings.quarantine_dir / "cccc_notes.txt", "notes.txt"),
        (second, "二月.xlsx"),
    ]


def test_strays_follow_the_manifest_by_age_only_when_asked(settings: Settings) -> None:
    """Files archived by a batch that never committed count only for a rebuild with no
    warehouse to complete the manifest from."""
    listed = _archive(settings, "a" * 64, ".csv", 3_000)
    _write_manifest(
        settings,
        [{"file_hash": "a" * 64, "file_name": "a.csv", "archived_as": f"aa/{listed.name}"}],
    )
    newer = _archive(settings, "d" * 64, ".csv", 2_000)
    older = _archive(settings, "e" * 64, ".xlsx", 1_000)

    assert archived_files(settings) == [(listed, "a.csv")]
    assert archived_files(settings, include_strays=True) == [
        (listed, "a.csv"),
        (older, older.name),
        (newer, newer.name),
    ]


def test_a_half_copied_file_is_no_stray(settings: Settings) -> None:
    _archive(settings, "f" * 64, ".csv.partial", 500)
    assert archived_files(settings, include_strays=True) == []


def test_complete_manifest_adds_what_the_warehouse_committed(settings: Settings) -> None:
    assert complete_manifest(settings) is False, "no warehouse to complete it from"
    ingest(settings, inbox_batch(settings))
    written = read_manifest(settings)
    (settings.archive_dir / "manifest.jsonl").unlink()

    assert complete_manifest(settings) is True
    assert read_manifest(settings) == written


def test_complete_manifest_is_false_for_an_unreadable_warehouse(settings: Settings) -> None:
    settings.home.mkdir(parents=True, exist_ok=True)
    settings.warehouse_path.write_bytes(b"not a duckdb file" * 100)
    assert complete_manifest(settings) is False


def test_rebuild_of_an_empty_archive_gives_an_empty_warehouse(settings: Settings) -> None:
    summary = rebuild(settings)
    assert summary.files_seen == 0
    assert query(settings, "select count(*), max(status) from meta.runs") == [(1, "completed")]
    assert query(settings, "select count(*) from core.evaluations") == [(0,)]
    assert sorted(p.name for p in settings.home.iterdir() if "warehouse" in p.name) == [
        "warehouse.duckdb",
        "warehouse.snapshot.duckdb",
    ], "no .rebuild file left beside it; the readers' snapshot refreshed"


def test_rebuild_after_the_warehouse_and_manifest_are_lost_replays_the_archive(
    settings: Settings,
) -> None:
    ingest(settings, inbox_batch(settings))
    counts = (
        "select (select count(*) from core.evaluations), (select count(*) from meta.quarantine)"
    )
    before = query(settings, counts)
    (settings.archive_dir / "manifest.jsonl").unlink()
    settings.warehouse_path.write_bytes(b"damaged" * 1000)

    summary = rebuild(settings)

    assert (summary.files_loaded, summary.rows_loaded, summary.rows_quarantined) == (3, 5, 2)
    assert query(settings, counts) == before


@pytest.mark.parametrize("batch_bytes", [16 * 1024 * 1024, 1], ids=["one-batch", "file-by-file"])
def test_rebuild_equals_incremental(settings: Settings, batch_bytes: int) -> None:
    settings = replace(settings, batch_bytes=batch_bytes)  # a rebuild is batched like an ingest
    ingest(settings, inbox_batch(settings))
    notes = settings.inbox_dir / "notes.csv"
    notes.write_text("甲,乙,丙\n1,2,3\n", encoding="utf-8")
    ingest(
        settings,
        [
            write_csv(
                settings.inbox_dir / "e2.csv",
                "evaluations",
                [evaluation(evaluator="甲", verdict="基本满意")],
            ),
            notes,
        ],
    )
    incremental = snapshot(settings)
    assert ("notes.csv", "rejected") in [row[1:3] for row in incremental["files"]]
    rebuild(settings)
    assert snapshot(settings) == incremental, "loaded rows, quarantine and rejected files"
    files = len(read_manifest(settings))
    runs = query(settings, "select count(*) from meta.runs")
    assert runs == [(1 if batch_bytes > 1 else files,)], "the rebuild committed batch by batch"
