"""Rebuilding the warehouse from the archive alone: equal to the incremental result."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import duckdb

from flows.ingest.archive import (
    manifest_file,
    read_manifest,
    record_manifest,
)
from flows.ingest.batch import PlainSteps, in_batches, prepare
from flows.ingest.load import (
    LoadSummary,
    combine,
)
from flows.service.runlock import run_lock
from flows.settings import Settings
from flows.topics.tagging import tag_opinions
from flows.topics.taxonomy import load_taxonomy
from flows.warehouse import Mode, open_warehouse


def archived_files(settings: Settings, *, include_strays: bool = False) -> list[tuple[Path, str]]:
    """Archived files (and files rejected whole, from the quarantine folder) in the order first
    received, with their original names, from the manifest.

    A file archived but not in the manifest may be one whose batch never committed (the
    process stopped, the disk filled), so it counts as loaded only with ``include_strays``:
    for a rebuild with no readable warehouse to complete the manifest from. Strays follow the
    manifest by modification time, under their archive names.
    """
    listed: dict[str, tuple[Path, str]] = {}
    for entry in read_manifest(settings):
        path = manifest_file(settings, entry)
        listed.setdefault(entry["file_hash"], (path, entry["file_name"]))
    if not include_strays:
        return list(listed.values())
    stray = sorted(
        (
            p
            for p in settings.archive_dir.glob("??/*")
            if p.is_file() and p.stem not in listed and not p.name.endswith(".partial")
        ),
        key=lambda p: p.stat().st_mtime,
    )
    return [*listed.values(), *((p, p.name) for p in stray)]


def complete_manifest(settings: Settings) -> bool:
    """Add committed files the manifest lacks, from the warehouse; False if it cannot be read."""
    if not settings.warehouse_path.exists():
        return False
    try:
        with open_warehouse(settings, Mode.READ) as con:
            record_manifest(con, settings)
    except duckdb.Error:
        return False
    return True


def rebuild(settings: Settings) -> LoadSummary:
    """Recreate the warehouse from the archive alone; equal to the incremental result
    (opinions tagged with the taxonomy as it is now)."""
    taxonomy = load_taxonomy(settings.topics_path)
    with run_lock(settings.home, settings.lock_timeout_seconds):
        target = replace(settings, warehouse_name=settings.warehouse_name + ".rebuild")
        for leftover in (target.warehouse_path, Path(f"{target.warehouse_path}.wal")):
            leftover.unlink(missing_ok=True)
        files = archived_files(settings, include_strays=not complete_manifest(settings))
        context = prepare(target)
        steps = PlainSteps(names=dict(files), archive=False)
        batches = in_batches(context, [p for p, _ in files], steps)
        summary = combine([summary for summary, _ in batches])
        tag_opinions(target, taxonomy)
        os.replace(target.warehouse_path, settings.warehouse_path)
        Path(f"{settings.warehouse_path}.wal").unlink(missing_ok=True)
    return summary
