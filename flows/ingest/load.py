"""Loading a validated batch into the warehouse: one transaction, idempotent, with lineage.

A file is identified by its content hash: bytes already received load nothing. Rows of a
newer submission supersede the current rows with the same key (history stays queryable).
Inbox files are moved to the archive only after the batch commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pandas as pd

from flows.datasets import Kind
from flows.faults import checkpoint
from flows.ingest.normalise import StagedTable
from flows.ingest.receive import FileOutcome
from flows.ingest.registry import Registry, replace_roster
from flows.ingest.stage import among, row_values
from flows.ingest.validate import explain
from flows.messages import msg
from flows.settings import Settings
from flows.warehouse import replace_evaluator_codes, sql, write_settings

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


# Bump when the ref tables gain a column filled from the registry files: a warehouse loaded by
# an earlier version then reloads them once, though the files are the same.
# 2: subdistrict; 3: the roster's optional code, masked names; 4: ref.evaluator_codes kept
REGISTRY_LAYOUT = 4


def loaded_registry_state(con: duckdb.DuckDBPyConnection) -> str | None:
    """What the warehouse's ref tables were built from (``BatchContext.registry_state``)."""
    state = con.execute(sql("load/registry_state")).fetchone()
    return None if state is None else str(state[0])


def replace_registry(
    con: duckdb.DuckDBPyConnection, registry: Registry, key: bytes, registry_state: str
) -> None:
    """Replace the ref tables with the registry in MINYI_HOME/reference, and record the state
    they were built from.

    A national roster has millions of rows to pseudonymise: ``flows.ingest.batch.refresh_registry``
    calls this only when :func:`loaded_registry_state` differs from ``registry_state``.
    """
    for table, frame in (
        ("communities", registry.communities),
        ("organisations", registry.organisations),
    ):
        if "subdistrict" not in frame:  # an optional column of both files
            frame = frame.assign(subdistrict=None)
        con.execute(f"delete from ref.{table}")
        con.register("registry_rows", frame)
        con.execute(sql(f"load/replace_{table}"))
        con.unregister("registry_rows")
    con.execute("delete from ref.evaluators")
    replace_roster(con, registry, key)
    replace_evaluator_codes(con)
    con.execute(sql("load/set_registry_state"), [registry_state])


def load_batch(
    con: duckdb.DuckDBPyConnection,
    outcomes: list[FileOutcome],
    staged: dict[Kind, StagedTable],
    *,
    settings: Settings,
    run_id: str,
    now: datetime | None = None,
) -> LoadSummary:
    """Load every new file's valid rows and quarantine the rest, in one transaction.

    The ref tables are current already (``flows.ingest.batch.refresh_registry``, before any batch).

    Rows of all files of a kind go in with one statement; a row that a later file of the
    batch replaces is inserted already superseded, so one batch equals file-by-file loads.
    The run's 'completed' record (``meta.runs``, started by the caller) commits with the rows,
    so a run is never left 'running' once its data is in.
    """
    now = now or datetime.now(UTC)
    con.execute("begin transaction")
    try:
        write_settings(con, settings)
        known = known_hashes(con)
        for outcome in outcomes:
            if outcome.outcome == "new" and outcome.file_hash in known:
                outcome.outcome = "duplicate"
        loading = {o.file_hash for o in outcomes if o.outcome == "new"}
        for table in staged.values():
            _load_kind(con, table, loading, run_id, now)
            checkpoint("file_loaded")
        for outcome in outcomes:
            if outcome.outcome == "new":
                outcome.outcome = "loaded"
        _record_files(con, outcomes, run_id, now)
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


def combine(summaries: list[LoadSummary]) -> LoadSummary:
    """The totals of several batches of one run."""
    return LoadSummary(
        *[sum(getattr(s, f) for s in summaries) for f in LoadSummary.__dataclass_fields__]
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


def _load_kind(
    con: duckdb.DuckDBPyConnection,
    table: StagedTable,
    loading: set[str],
    run_id: str,
    now: datetime,
) -> None:
    """Supersede, insert and quarantine one kind's rows of the files being loaded."""
    frame = table.frame[among(table.frame["file_hash"], loading)]
    failed = {f.row_id for f in table.failures}
    valid = frame[~among(frame["row_id"], failed)]
    if not valid.empty:
        con.register("staged_rows", valid)
        con.execute(sql(_SUPERSEDE[table.kind]), [now])
        con.execute(sql(_INSERT[table.kind]), [run_id, now, now])
        con.unregister("staged_rows")
    quarantine = quarantine_frame(table, loading, run_id)
    if not quarantine.empty:
        con.register("quarantine_rows", quarantine)
        con.execute(sql("load/insert_quarantine"))
        con.unregister("quarantine_rows")
    _record_subdistricts(con, table.kind, frame)


def _record_subdistricts(con: duckdb.DuckDBPyConnection, kind: Kind, frame: pd.DataFrame) -> None:
    """Record the subdistricts the files' rows name (meta.file_subdistricts), by the communities
    or organisations the registry knows, whether the row loads or is quarantined: a corrections
    workbook's dropdowns then offer its subdistrict's names, whatever its rows to correct say."""
    entity = "org" if kind == "branch_reports" else "community"
    known = frame[f"{entity}_known"].fillna(False).astype(bool)
    named = frame.loc[known, ["file_hash", f"{entity}_id"]].drop_duplicates()
    if named.empty:
        return
    con.register("file_entities", named.set_axis(["file_hash", "entity_id"], axis=1))
    con.execute(sql("load/insert_file_subdistricts"), [entity])
    con.unregister("file_entities")


def quarantine_frame(table: StagedTable, loading: set[str], run_id: str) -> pd.DataFrame:
    """One row per failed cell of the files being loaded: reason and advice in both languages,
    and the row as read."""
    prefixes = {h[:16] for h in loading}
    failures = [f for f in table.failures if f.row_id[:16] in prefixes]
    if not failures:
        return pd.DataFrame()
    cells = pd.DataFrame(
        {
            "row_id": [f.row_id for f in failures],
            "column_name": [f.column for f in failures],
            "value": [f.value for f in failures],
            "rule": [f.rule for f in failures],
        },
        dtype=object,
    )
    lineage = ["row_id", "file_hash", "file_name", "sheet", "row_number"]
    # Only the failed rows' lineage: joining against every staged row hashed them all.
    failed_rows = among(table.frame["row_id"], set(cells["row_id"]))
    rows = table.frame.loc[failed_rows, lineage + (["period"] if "period" in table.frame else [])]
    cells = cells.merge(rows, on="row_id", how="left", validate="many_to_one")
    explained = [(*explain(table.kind, f, "zh"), *explain(table.kind, f, "en")) for f in failures]
    cells["reason_zh"], cells["action_zh"], cells["reason_en"], cells["action_en"] = zip(
        *explained, strict=True
    )
    values = row_values(table, set(cells["row_id"]))
    cells["row_values"] = cells["row_id"].map(values)
    cells["run_id"] = run_id
    cells["kind"] = table.kind
    if "period" not in cells:
        cells["period"] = None
    cells["period"] = cells["period"].astype(object).where(cells["period"].notna(), None)
    return cells.drop(columns=["row_id"])


def _record_files(
    con: duckdb.DuckDBPyConnection, outcomes: list[FileOutcome], run_id: str, now: datetime
) -> None:
    """Insert the batch's new files into meta.files and every receipt into meta.file_receipts."""
    files = [o for o in outcomes if o.outcome in ("loaded", "rejected")]
    if files:
        con.register("file_rows", _file_rows(files))
        con.execute(sql("load/insert_files"), [now, run_id])
        con.unregister("file_rows")
    receipts = pd.DataFrame(
        {
            "file_hash": [o.file_hash for o in outcomes],
            "file_name": [o.file_name for o in outcomes],
            "outcome": [o.outcome for o in outcomes],
        },
        dtype=object,
    )
    if not receipts.empty:
        con.register("receipt_rows", receipts)
        con.execute(sql("load/insert_receipts"), [run_id, now])
        con.unregister("receipt_rows")


def _file_rows(files: list[FileOutcome]) -> pd.DataFrame:
    records = []
    for order, outcome in enumerate(files, start=1):
        read, rejection = outcome.read, outcome.rejection
        loaded = outcome.outcome == "loaded"
        records.append(
            {
                "file_hash": outcome.file_hash,
                "file_name": outcome.file_name,
                "kind": outcome.kind if loaded else None,
                "size_bytes": outcome.size_bytes,
                "status": "loaded" if loaded else "rejected",
                "encoding": read.encoding if read else None,
                "sheets": [t.sheet for t in read.tables] if read and loaded else [],
                "extra_columns": sorted({c for t in read.tables for c in t.extra_columns})
                if read and loaded
                else [],
                "is_correction": outcome.is_correction,
                "corrects": read.correction_of if read else None,
                "rows_read": outcome.rows_read if loaded else 0,
                "rows_loaded": outcome.rows_read - outcome.rows_quarantined if loaded else 0,
                "rows_quarantined": outcome.rows_quarantined if loaded else 0,
                "reason_zh": rejection.reason("zh") if rejection else None,
                "reason_en": rejection.reason("en") if rejection else None,
                "batch_order": order,
            }
        )
    return pd.DataFrame.from_records(records)
