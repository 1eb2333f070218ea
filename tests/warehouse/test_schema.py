"""The warehouse's shape: the fingerprint of its SQL, views brought up to date, the settings."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from flows.ingest.batch import ingest
from flows.periods import Period
from flows.reports import write_reports
from flows.settings import SQL_DIR, Settings
from flows.warehouse import Mode, open_warehouse, schema, statements
from flows.warehouse.schema import (
    ensure_schema,
    metric_view_order,
    recorded_schema,
    refresh_views,
    schema_fingerprint,
    write_settings,
)
from tests.helpers import inbox_batch
from tests.warehouse_fixtures import as_if_written_by_an_older_minyi


def _clear_caches() -> None:
    statements.sql.cache_clear()
    schema.schema_fingerprint.cache_clear()


@pytest.fixture
def sql_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of sql/ that the statements are read from while the test runs."""
    copy = tmp_path / "sql"
    shutil.copytree(SQL_DIR, copy)
    monkeypatch.setattr(statements, "SQL_DIR", copy)
    _clear_caches()
    yield copy
    monkeypatch.undo()
    _clear_caches()


def _views(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("select view_name from duckdb_views() where schema_name = 'metrics'")
    return {name for (name,) in rows.fetchall()}


def test_fingerprint_follows_the_metric_sql(sql_copy: Path) -> None:
    before = schema_fingerprint()
    satisfaction = sql_copy / "metrics" / "satisfaction.sql"
    satisfaction.write_text(satisfaction.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    _clear_caches()
    assert schema_fingerprint() != before


@pytest.mark.parametrize(
    ("folder", "changes"),
    [("schema", True), ("metrics", True), ("reports", False), ("load", False)],
    ids=["schema", "metrics", "reports-no", "load-no"],
)
def test_fingerprint_covers_what_shapes_the_warehouse_only(
    sql_copy: Path, folder: str, changes: bool
) -> None:
    before = schema_fingerprint()
    (sql_copy / folder / "zz_added.sql").write_text("-- added\nselect 1 as one\n", "utf-8")
    _clear_caches()
    assert (schema_fingerprint() != before) is changes


def test_a_changed_metric_view_is_recreated_and_recorded(sql_copy: Path, tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schema(con)
    assert "zz_probe" not in _views(con)
    (sql_copy / "metrics" / "zz_probe.sql").write_text(
        "-- A probe: one row.\nselect 42 as answer\n", encoding="utf-8"
    )
    _clear_caches()

    ensure_schema(con)

    assert con.execute("select answer from metrics.zz_probe").fetchall() == [(42,)]
    assert recorded_schema(con) == schema_fingerprint()
    con.close()


def test_views_are_left_alone_while_the_sql_is_unchanged(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schema(con)
    con.execute("drop view metrics.hearings")
    ensure_schema(con)
    assert "hearings" not in _views(con), "views are rebuilt only when their SQL changed"
    con.close()


def test_every_metric_file_becomes_a_view(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schema(con)
    files = sorted(p.stem for p in (SQL_DIR / "metrics").glob("*.sql"))
    assert sorted(refresh_views(con)) == [f"metrics.{name}" for name in files]
    assert _views(con) == set(files)
    con.close()


def test_metric_views_are_created_after_the_views_they_read() -> None:
    order = [name.split("/", 1)[1] for name in metric_view_order()]
    # reporting_gaps reads reporting_states, which sorts after it by name.
    assert order.index("reporting_states") < order.index("reporting_gaps")
    assert order.index("_reporting_units") < order.index("reporting_states")
    assert order.index("_file_periods") < order.index("_open_quarantine")


def test_ensure_schema_twice_keeps_the_data(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schema(con)
    con.execute("insert into meta.runs (run_id, started_at, status) values ('r', now(), 'x')")
    ensure_schema(con)
    assert con.execute("select run_id from meta.runs").fetchall() == [("r",)]
    con.close()


def test_a_warehouse_without_a_fingerprint_has_none_recorded() -> None:
    con = duckdb.connect()
    assert recorded_schema(con) is None
    con.close()


def test_write_settings_keeps_one_row_of_the_current_targets(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schema(con)
    settings = Settings(home=tmp_path)
    write_settings(con, settings)
    write_settings(con, replace(settings, satisfaction_target=0.95, report_deadline_days=20))
    rows = con.execute("select * from meta.settings").fetchall()
    assert rows == [(0.95, "top2", 10, 0.90, 0.70, 20)]
    con.close()


def test_reports_from_a_warehouse_an_older_version_wrote(settings: Settings) -> None:
    """After upgrading minyi, `minyi report` (read-only) works before any new ingest."""
    ingest(settings, inbox_batch(settings))
    as_if_written_by_an_older_minyi(settings)
    with open_warehouse(settings, Mode.READ) as con:
        written = write_reports(con, settings, Period(2026, 1))
        state = con.execute("select fingerprint from meta.schema_state").fetchall()
    assert written and all(p.exists() for p in written)
    assert state == [(schema_fingerprint(),)]
