"""What a home holds after runs, without run ids and timestamps: for comparing two homes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from flows.ingest.archive import manifest_file, read_manifest
from flows.settings import Settings

# Each table with the columns that differ between equal runs (ids, clocks) left out.
_TABLES = {
    "core.evaluations": "run_id, loaded_at, superseded_at",
    "core.hearings": "run_id, loaded_at, superseded_at",
    "core.branch_reports": "run_id, loaded_at, superseded_at",
    "meta.quarantine": "run_id",
    "meta.files": "run_id, received_at",
    "meta.file_receipts": "run_id, received_at",
    "meta.file_subdistricts": "",
}
# The columns of core.* compared by :func:`snapshot`: what a load decides, not when or by whom.
CORE_COLUMNS = {
    "evaluations": "period, community_id, evaluator_key, role, verdict, service_attitude, "
    "comments, evaluated_on, sheet, row_number, file_hash, superseded_by",
    "hearings": "record_key, period, community_id, kind, attendees, opinions_resolved, "
    "file_hash, superseded_by",
    "branch_reports": "period, org_id, members_total, members_participating, took_part, "
    "file_hash, superseded_by",
}
# The part of a home a rebuild from the archive reproduces (it replays loaded files only).
REBUILT_TABLES = ("core.evaluations", "core.hearings", "core.branch_reports", "meta.quarantine")


def query(settings: Settings, statement: str, params: list[Any] | None = None) -> list[tuple]:
    """Rows of one read-only query on the home's warehouse."""
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(statement, params or []).fetchall()
    finally:
        con.close()


def snapshot(settings: Settings) -> dict[str, list[tuple]]:
    """Every table's content, without run ids and timestamps."""
    tables = {
        name: query(settings, f"select {cols} from core.{name} order by all")
        for name, cols in CORE_COLUMNS.items()
    }
    tables["quarantine"] = query(
        settings,
        "select file_name, sheet, row_number, column_name, value, rule from meta.quarantine "
        "order by all",
    )
    tables["files"] = query(
        settings,
        "select file_hash, file_name, status, rows_read, rows_loaded, rows_quarantined "
        "from meta.files order by all",
    )
    return tables


def warehouse_content(settings: Settings) -> dict[str, list[tuple]]:
    """Every loaded and bookkeeping table's rows, sorted, without run ids and timestamps."""
    columns = {table: f"* exclude ({skip})" if skip else "*" for table, skip in _TABLES.items()}
    return {
        table: query(settings, f"select {columns[table]} from {table} order by all")
        for table in _TABLES
    }


def unbalanced_files(settings: Settings) -> list[tuple]:
    """Files whose rows read differ from rows loaded plus quarantined, per meta.file_accounting."""
    return query(settings, "select file_name from meta.file_accounting where not balanced")


def home_files(settings: Settings) -> dict[str, list[str]]:
    """File names in the inbox, the archive (with the manifest's entries) and quarantine."""

    def names(folder: Path) -> list[str]:
        return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())

    manifest = [
        f"{e['file_hash']} {e['file_name']} {manifest_file(settings, e).relative_to(settings.home)}"
        for e in read_manifest(settings)
    ]
    return {
        "inbox": names(settings.inbox_dir) if settings.inbox_dir.exists() else [],
        "archive": names(settings.archive_dir),
        "manifest": manifest,
        "quarantine": names(settings.quarantine_dir) if settings.quarantine_dir.exists() else [],
    }
