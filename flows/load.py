"""Loading a validated batch into the warehouse: one transaction, idempotent, with lineage.

A file is identified by its content hash: bytes already received load nothing. Rows of a
newer submission supersede the current rows with the same key (history stays queryable).
Inbox files are moved to the archive only after the batch commits.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from flows.faults import checkpoint
from flows.ingest import FileOutcome, row_values
from flows.messages import msg
from flows.normalise import StagedTable
from flows.registry import Registry
from flows.settings import Settings
from flows.storage import writing
from flows.validate import explain
from flows.warehouse import refresh_views, sql, write_settings

_INSERT = {
    "evaluations": "load/insert_evaluations",
    "hearings": "load/insert_hearings",
    "branch_reports": "load/insert_branch_reports",
}
_SUPERSEDE = {
    "evaluations": "load/supersede_evaluations",
    "hearings": "load/supersede_hearings",
    "branch_reports": "load/supersede_branch_reports",
}


class AccountingError(RuntimeError):
    """Rows read did not equal rows loaded plus rows quarantined: the batch was rolled back."""


@dataclass
class LoadSummary:
    """Totals of one load: files by outcome and rows."""

    files_seen: int
    files_loaded: int
    files_duplicate: int
    files_rejected: int
    rows_read: int
    rows_loaded: int
    rows_quarantined: int


def known_hashes(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Hashes of every file already received."""
    return {row[0] for row in con.execute(sql("load/known_files")).fetchall()}


def replace_registry(
    con: duckdb.DuckDBPyConnection, registry: Registry, roster: pd.DataFrame
) -> None:
    """Replace the ref tables with the registry as it is in MINYI_HOME/reference."""
    for table, frame in (
        ("communities", registry.communities),
        ("organisations", registry.organisations),
        ("evaluators", roster),
    ):
        con.execute(f"delete from ref.{table}")
        con.register("registry_rows", frame)
        con.execute(sql(f"load/replace_{table}"))
        con.unregister("registry_rows")


def load_batch(
    con: duckdb.DuckDBPyConnection,
    outcomes: list[FileOutcome],
    *,
    settings: Settings,
    registry: Registry,
    roster: pd.DataFrame,
    run_id: str,
    now: datetime | None = None,
) -> LoadSummary:
    """Load every new file's valid rows and quarantine the rest, in one transaction.

    The run's 'completed' record (``meta.runs``, started by the caller) commits with the rows,
    so a run is never left 'running' once its data is in.
    """
    now = now or datetime.now(UTC)
    con.execute("begin transaction")
    try:
        write_settings(con, settings)
        replace_registry(con, registry, roster)
        refresh_views(con)
        known = known_hashes(con)
        for outcome in outcomes:
            _load_file(con, outcome, run_id, now, known)
            known.add(outcome.file_hash)
            checkpoint("file_loaded")
        mismatches = con.execute(sql("load/file_accounting_mismatches"), [run_id]).fetchall()
        if mismatches:
            name, read, loaded, quarantined = mismatches[0]
            raise AccountingError(
                msg(
                    "accounting_mismatch",
                    "en",
                    file=name,
                    read=read,
                    loaded=loaded,
                    quarantined=quarantined,
                )
            )
        summary = summarise(outcomes)
        _finish_run(con, run_id, summary)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return summary


def _finish_run(con: duckdb.DuckDBPyConnection, run_id: str, summary: LoadSummary) -> None:
    con.execute(
        sql("load/finish_run"),
        [
            datetime.now(UTC),
            "completed",
            summary.files_seen,
            summary.files_loaded,
            summary.rows_read,
            summary.rows_loaded,
            summary.rows_quarantined,
            run_id,
        ],
    )


def summarise(outcomes: list[FileOutcome]) -> LoadSummary:
    """Totals over a batch's file outcomes."""
    loaded = [o for o in outcomes if o.outcome == "loaded"]
    return LoadSummary(
        files_seen=len(outcomes),
        files_loaded=len(loaded),
        files_duplicate=sum(o.outcome == "duplicate" for o in outcomes),
        files_rejected=sum(o.outcome == "rejected" for o in outcomes),
        rows_read=sum(o.rows_read for o in loaded),
        rows_loaded=sum(o.rows_read - o.rows_quarantined for o in loaded),
        rows_quarantined=sum(o.rows_quarantined for o in loaded),
    )


def _load_file(
    con: duckdb.DuckDBPyConnection,
    outcome: FileOutcome,
    run_id: str,
    now: datetime,
    known: set[str],
) -> None:
    if outcome.file_hash in known or outcome.outcome == "duplicate":
        outcome.outcome = "duplicate"
        already = con.execute(
            sql("load/receipt_exists"), [outcome.file_hash, outcome.file_name]
        ).fetchone()
        if not (already and already[0]):
            _receipt(con, outcome, run_id, now)
        return
    if outcome.outcome == "rejected":
        _insert_file(con, outcome, run_id, now)
        _receipt(con, outcome, run_id, now)
        return
    correction = bool(outcome.read and outcome.read.correction_of)
    for table in outcome.staged:
        _load_table(con, table, outcome, run_id, now, correction)
    outcome.outcome = "loaded"
    _insert_file(con, outcome, run_id, now)
    _receipt(con, outcome, run_id, now)


def _load_table(
    con: duckdb.DuckDBPyConnection,
    table: StagedTable,
    outcome: FileOutcome,
    run_id: str,
    now: datetime,
    correction: bool,
) -> None:
    failed = outcome.failed_rows
    valid = table.frame[~table.frame["row_id"].isin(failed)]
    if not valid.empty:
        con.register("staged_rows", valid)
        supersede = _SUPERSEDE[table.kind]
        if correction and table.kind == "evaluations":
            supersede = "load/supersede_evaluation_forms"
        con.execute(sql(supersede), [outcome.file_hash, now, outcome.file_hash])
        con.execute(sql(_INSERT[table.kind]), [run_id, now])
        con.unregister("staged_rows")
    quarantine = quarantine_frame(table, outcome, run_id)
    if not quarantine.empty:
        con.register("quarantine_rows", quarantine)
        con.execute(sql("load/insert_quarantine"))
        con.unregister("quarantine_rows")


def quarantine_frame(table: StagedTable, outcome: FileOutcome, run_id: str) -> pd.DataFrame:
    """One row per failed cell of the table, with the reason and advice in both languages."""
    if not table.failures:
        return pd.DataFrame()
    by_row = table.frame.set_index("row_id")
    values = row_values(table)
    values.index = table.frame["row_id"]
    records = []
    for failure in table.failures:
        reason_zh, action_zh = explain(table.kind, failure, "zh")
        reason_en, action_en = explain(table.kind, failure, "en")
        period: Any = by_row.at[failure.row_id, "period"] if "period" in by_row else None
        row_number: Any = by_row.at[failure.row_id, "row_number"]
        records.append(
            {
                "run_id": run_id,
                "file_hash": outcome.file_hash,
                "file_name": outcome.file_name,
                "kind": table.kind,
                "sheet": table.sheet,
                "row_number": int(row_number),
                "column_name": failure.column,
                "value": failure.value,
                "rule": failure.rule,
                "reason_zh": reason_zh,
                "reason_en": reason_en,
                "action_zh": action_zh,
                "action_en": action_en,
                "period": None if period is None or pd.isna(period) else str(period),
                "row_values": values[failure.row_id],
            }
        )
    return pd.DataFrame.from_records(records)


def _insert_file(
    con: duckdb.DuckDBPyConnection, outcome: FileOutcome, run_id: str, now: datetime
) -> None:
    read = outcome.read
    rejection = outcome.rejection
    loaded = outcome.outcome == "loaded"
    extra = sorted({c for t in read.tables for c in t.extra_columns}) if read else []
    con.execute(
        sql("load/insert_file"),
        [
            outcome.file_hash,
            outcome.file_name,
            outcome.kind,
            outcome.size_bytes,
            now,
            run_id,
            "loaded" if loaded else "rejected",
            read.encoding if read else None,
            [t.sheet for t in read.tables] if read else [],
            extra,
            bool(read and read.correction_of),
            outcome.rows_read,
            outcome.rows_read - outcome.rows_quarantined,
            outcome.rows_quarantined,
            rejection.reason("zh") if rejection else None,
            rejection.reason("en") if rejection else None,
        ],
    )


def _receipt(
    con: duckdb.DuckDBPyConnection, outcome: FileOutcome, run_id: str, now: datetime
) -> None:
    con.execute(
        sql("load/insert_receipt"),
        [run_id, outcome.file_hash, outcome.file_name, now, outcome.outcome],
    )


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
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(outcome.path, partial)
            checkpoint("archive_partial")
            os.replace(partial, target)


def _stash_target(outcome: FileOutcome, settings: Settings) -> Path:
    if outcome.outcome == "rejected":
        return settings.quarantine_dir / f"{outcome.file_hash[:12]}_{outcome.file_name}"
    return archive_path(settings, outcome.file_hash, outcome.path.suffix)


def manifest_path(settings: Settings) -> Path:
    """The archive manifest: one JSON line per loaded file, in the order a rebuild replays."""
    return settings.archive_dir / "manifest.jsonl"


def read_manifest(settings: Settings) -> list[dict[str, str]]:
    """The manifest's entries in order (an empty list before the first load)."""
    path = manifest_path(settings)
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def record_manifest(con: duckdb.DuckDBPyConnection, settings: Settings) -> int:
    """Append every committed file the manifest lacks, in load order; returns how many.

    The warehouse is the record of what was loaded. Entries come from ``meta.files``, so a
    process stopped between its commit and this call is made good by the next run.
    """
    listed = {entry["file_hash"] for entry in read_manifest(settings)}
    missing = [
        row for row in con.execute(sql("load/loaded_files")).fetchall() if row[0] not in listed
    ]
    if not missing:
        return 0
    path = manifest_path(settings)
    with writing(path, "manifest_not_written"):
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            for file_hash, file_name, received_at in missing:
                archived = archive_path(settings, file_hash, Path(file_name).suffix)
                entry = {
                    "file_hash": file_hash,
                    "file_name": file_name,
                    "archived_as": str(archived.relative_to(settings.archive_dir)),
                    "received_at": received_at.isoformat(),
                }
                fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
    return len(missing)


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
