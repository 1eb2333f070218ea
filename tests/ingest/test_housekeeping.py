"""Before a run: runs a killed process left 'running' are marked 'crashed', and corrections
workbooks an older minyi loaded learn which file they correct."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from flows.ingest import batch
from flows.ingest.housekeeping import sweep_crashed_runs
from flows.periods import Period
from flows.reports import write_reports
from flows.settings import Settings
from flows.warehouse import Mode, open_warehouse
from tests.helpers import return_fixed_workbook
from tests.warehouse_fixtures import insert_rows, make_warehouse, rows_as_dicts
from tests.warehouse_state import query

STARTED = datetime(2026, 7, 5, 6, 0, tzinfo=UTC)
NOW = datetime(2026, 7, 5, 6, 15, tzinfo=UTC)


def test_running_rows_become_crashed(settings: Settings) -> None:
    con = make_warehouse(settings.home)
    insert_rows(
        con,
        "meta.runs",
        [
            {"run_id": "killed", "started_at": STARTED, "status": "running"},
            {"run_id": "done", "started_at": STARTED, "finished_at": NOW, "status": "completed"},
            {"run_id": "bad", "started_at": STARTED, "finished_at": STARTED, "status": "failed"},
        ],
    )
    con.close()

    assert sweep_crashed_runs(settings, NOW) == 1

    con = make_warehouse(settings.home)
    rows = rows_as_dicts(con, "select run_id, status, finished_at from meta.runs order by run_id")
    con.close()
    assert [(r["run_id"], r["status"]) for r in rows] == [
        ("bad", "failed"),
        ("done", "completed"),
        ("killed", "crashed"),
    ]
    assert rows[2]["finished_at"] == NOW


def test_no_warehouse_no_sweep(settings: Settings) -> None:
    assert sweep_crashed_runs(settings, NOW) == 0
    assert not settings.warehouse_path.exists()


def test_corrections_loaded_by_an_older_minyi_learn_their_file_at_the_next_run(
    settings: Settings,
) -> None:
    """A minyi older than meta.files.corrects loaded the fixed workbook without recording the
    file it corrects; the next run reads the marker from the archived copy, once."""
    workbook = return_fixed_workbook(settings)
    corrects = "select corrects from meta.files where is_correction"
    (source,) = query(settings, corrects)
    con = duckdb.connect(str(settings.warehouse_path))
    con.execute("update meta.files set corrects = null")
    con.close()

    batch.prepare(settings)

    assert query(settings, corrects) == [source] and source[0] is not None
    with open_warehouse(settings, Mode.READ) as con:
        written = write_reports(con, settings, Period(2026, 1))
    assert workbook not in written, "its file's quarantine counts as corrected again"
