"""Runs a killed process left 'running' are marked 'crashed' before the next run."""

from __future__ import annotations

from datetime import UTC, datetime

from flows.ingest.housekeeping import sweep_crashed_runs
from flows.settings import Settings
from tests.warehouse_fixtures import insert_rows, make_warehouse, rows_as_dicts

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
