"""Opening the warehouse: what each mode allows, waiting for another process, older files."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from flows.ingest.batch import ingest
from flows.messages import both
from flows.settings import Settings
from flows.warehouse import (
    Mode,
    WarehouseLocked,
    connect,
    open_warehouse,
    schema_fingerprint,
    upgrade_if_stale,
)
from flows.warehouse import connection as connection_module
from flows.warehouse.query import run_query
from tests.helpers import inbox_batch
from tests.processes import FakeClock, hold_file, release
from tests.warehouse_fixtures import as_if_written_by_an_older_minyi, make_warehouse
from tests.warehouse_state import query


def test_writing_creates_the_home_the_file_and_the_schema(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "new" / "home")
    with open_warehouse(settings, Mode.WRITE) as con:
        con.execute("insert into meta.runs (run_id, started_at, status) values ('r', now(), 'x')")
    assert settings.warehouse_path.is_file()
    assert query(settings, "select fingerprint from meta.schema_state") == [(schema_fingerprint(),)]
    assert query(settings, "select run_id from meta.runs") == [("r",)]


@pytest.mark.parametrize("mode", [Mode.READ, Mode.QUERY], ids=["read", "query"])
def test_reading_never_creates_a_warehouse(tmp_path: Path, mode: Mode) -> None:
    settings = Settings(home=tmp_path)
    with (
        pytest.raises(duckdb.IOException, match="does not exist"),
        open_warehouse(settings, mode),
    ):
        pass
    assert not settings.warehouse_path.exists()


@pytest.mark.parametrize("mode", [Mode.READ, Mode.QUERY], ids=["read", "query"])
def test_reading_refuses_writes(settings: Settings, mode: Mode) -> None:
    make_warehouse(settings.home).close()
    with open_warehouse(settings, mode) as con, pytest.raises(duckdb.Error, match="read-only"):
        con.execute("delete from meta.settings")
    assert query(settings, "select count(*) from meta.settings") == [(1,)]


def test_minyis_own_reading_may_read_files(settings: Settings, tmp_path: Path) -> None:
    make_warehouse(settings.home).close()
    table = tmp_path / "t.csv"
    table.write_text("a\n1\n", encoding="utf-8")
    with open_warehouse(settings, Mode.READ) as con:
        assert con.execute("select a from read_csv(?)", [str(table)]).fetchall() == [(1,)]


def test_a_query_connection_refuses_files_and_setting_changes(
    settings: Settings, tmp_path: Path
) -> None:
    make_warehouse(settings.home).close()
    table = tmp_path / "t.csv"
    table.write_text("a\n1\n", encoding="utf-8")
    with open_warehouse(settings, Mode.QUERY) as con:
        with pytest.raises(duckdb.PermissionException):
            con.execute("select * from read_csv(?)", [str(table)])
        with pytest.raises(duckdb.Error, match="locked"):
            con.execute("set enable_external_access = true")
        assert con.execute("select count(*) from meta.settings").fetchall() == [(1,)]


@pytest.fixture
def held(settings: Settings) -> Iterator[subprocess.Popen[str]]:
    """The test's warehouse, held for writing by another process until released."""
    make_warehouse(settings.home).close()
    holder = hold_file(settings.warehouse_path)
    try:
        yield holder
    finally:
        release(holder)


def test_waiting_for_another_process_is_told_once_then_given_up(
    settings: Settings, held: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    monkeypatch.setattr(connection_module, "time", clock)
    told: list[str] = []

    with pytest.raises(WarehouseLocked) as error:
        connect(settings.warehouse_path, read_only=True, timeout_seconds=30, notify=told.append)

    assert len(told) == 1
    parts = both("warehouse_locked_wait", holder="\0", seconds=30).split("\0")
    assert re.fullmatch(".+".join(map(re.escape, parts)), told[0]), told[0]
    assert f"PID {held.pid}" in told[0], "the message names the process holding the file"
    assert str(error.value) == both("warehouse_locked_gave_up", seconds=30)
    assert 30 <= clock.now < 33, "it gave up once the wait was over, not before"


def test_the_wait_ends_when_the_other_process_lets_go(
    settings: Settings, held: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(on_sleep=lambda: release(held))
    monkeypatch.setattr(connection_module, "time", clock)
    told: list[str] = []

    con = connect(settings.warehouse_path, read_only=True, timeout_seconds=30, notify=told.append)
    try:
        assert con.execute("select count(*) from meta.settings").fetchall() == [(1,)]
    finally:
        con.close()
    assert len(told) == 1 and clock.now < 30


def test_an_error_other_than_a_lock_is_raised_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    monkeypatch.setattr(connection_module, "time", clock)
    told: list[str] = []
    with pytest.raises(duckdb.IOException, match="directory"):
        connect(tmp_path, timeout_seconds=30, notify=told.append)
    assert told == [] and clock.now == 0


def test_warehouse_is_written_for_duckdb_1x_clients(settings: Settings) -> None:
    ingest(settings, inbox_batch(settings))
    tags = query(settings, "select tags from duckdb_databases() where database_name = 'warehouse'")
    assert tags == [({"storage_version": "v1.0.0+"},)]


def test_warehouse_connections_cap_duckdb_memory(settings: Settings) -> None:
    capped = replace(settings, duckdb_memory_limit="300MB")
    for mode in Mode:
        with open_warehouse(capped, mode) as con:
            limit = con.execute("select current_setting('memory_limit')").fetchone()
        assert limit is not None and limit[0] == "286.1 MiB"  # 300 MB in MiB


def test_a_current_warehouse_is_not_rewritten_on_read(settings: Settings) -> None:
    ingest(settings, inbox_batch(settings))
    before = settings.warehouse_path.stat().st_mtime_ns
    assert upgrade_if_stale(settings) is False
    with open_warehouse(settings, Mode.READ) as con:
        con.execute("select * from metrics.satisfaction").fetchall()
    assert settings.warehouse_path.stat().st_mtime_ns == before


def test_analyst_query_on_an_older_warehouse_sees_current_views(settings: Settings) -> None:
    ingest(settings, inbox_batch(settings))
    statement = "select * from metrics.satisfaction order by all"
    before = run_query(settings, statement)
    as_if_written_by_an_older_minyi(settings)
    after = run_query(settings, statement)
    assert len(after) > 0 and after.equals(before)
