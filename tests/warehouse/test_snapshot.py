"""The readers' snapshot: refreshed after each run by rename, never holding up a writer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb

from flows.ingest.batch import ingest
from flows.settings import Settings
from flows.warehouse import Mode, open_warehouse
from flows.warehouse.connection import connect, lock_holder, refresh_snapshot
from flows.warehouse.snapshot import snapshot_is_current
from tests.helpers import evaluation, write_csv
from tests.processes import hold_file, release
from tests.warehouse_fixtures import as_if_written_by_an_older_minyi

COUNT = "select count(*) from core.evaluations"

# Another process reading the snapshot: counts, waits for a line on stdin, counts again.
READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute(sys.argv[2]).fetchone()[0], flush=True)
sys.stdin.readline()
print(con.execute(sys.argv[2]).fetchone()[0], flush=True)
"""


def _forms(settings: Settings, name: str, evaluators: list[str]) -> Path:
    rows = [evaluation(evaluator=who) for who in evaluators]
    return write_csv(settings.home / "incoming" / name, "evaluations", rows)


def _count(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        row = con.execute(COUNT).fetchone()
        assert row is not None
        return int(row[0])
    finally:
        con.close()


def test_a_run_refreshes_the_snapshot_while_a_reader_holds_it(settings: Settings) -> None:
    ingest(settings, [_forms(settings, "a.csv", ["测试甲", "测试乙"])])
    assert _count(settings.snapshot_path) == 2
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(settings.snapshot_path), COUNT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdin is not None and reader.stdout is not None
    try:
        assert reader.stdout.readline().strip() == "2"
        quick = Settings(**{**settings.__dict__, "lock_timeout_seconds": 0.0})
        # With no wait allowed, the run fails if it had to wait for the reader at all.
        result = ingest(quick, [_forms(settings, "b.csv", ["测试丙"])])
        assert result.summary.rows_loaded == 1
        assert _count(settings.snapshot_path) == 3, "a reader opening now sees the new run"
        reader.stdin.write("again\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "2", "the open reader keeps its old copy"
    finally:
        reader.communicate(timeout=30)
    assert not list(settings.home.glob("*.partial")), "no half-written copy is left"


def test_queries_read_the_snapshot_not_the_live_warehouse(settings: Settings) -> None:
    ingest(settings, [_forms(settings, "a.csv", ["测试甲"])])
    holder = hold_file(settings.warehouse_path)  # a writer holds the live warehouse
    try:
        with open_warehouse(settings, Mode.QUERY, wait_seconds=0.0) as con:
            assert con.execute(COUNT).fetchone() == (1,)
        with open_warehouse(settings, Mode.SNAPSHOT, wait_seconds=0.0) as con:
            assert con.execute(COUNT).fetchone() == (1,)
    finally:
        release(holder)


def test_a_snapshot_is_copied_only_when_the_warehouse_changed(settings: Settings) -> None:
    ingest(settings, [_forms(settings, "a.csv", ["测试甲"])])
    assert snapshot_is_current(settings)
    inode = settings.snapshot_path.stat().st_ino
    assert refresh_snapshot(settings) is False
    ingest(settings, [])  # an inbox poll that finds nothing
    assert settings.snapshot_path.stat().st_ino == inode
    ingest(settings, [_forms(settings, "b.csv", ["测试乙"])])
    assert settings.snapshot_path.stat().st_ino != inode, "replaced by rename, not rewritten"


def test_a_missing_or_outdated_snapshot_is_made_on_first_read(settings: Settings) -> None:
    ingest(settings, [_forms(settings, "a.csv", ["测试甲"])])
    settings.snapshot_path.unlink()
    with open_warehouse(settings, Mode.SNAPSHOT) as con:
        assert con.execute(COUNT).fetchone() == (1,)
    as_if_written_by_an_older_minyi(settings)
    settings.snapshot_path.unlink()
    refresh_snapshot(settings)  # a snapshot of the old version's warehouse
    with open_warehouse(settings, Mode.SNAPSHOT) as con:
        views = con.execute(
            "select count(*) from duckdb_views() where view_name = 'satisfaction'"
        ).fetchone()
    assert views == (1,), "brought up to this version before reading"


def test_a_lock_names_its_holder_in_one_whole_line(settings: Settings) -> None:
    ingest(settings, [_forms(settings, "a.csv", ["测试甲"])])
    holder = hold_file(settings.warehouse_path)
    try:
        try:
            connect(settings.warehouse_path, timeout_seconds=0.0).close()
        except Exception as error:
            text = str(error.__cause__ or error)
        else:
            raise AssertionError("the file was not locked")
    finally:
        release(holder)
    named = lock_holder(text)
    assert named.endswith(f"(PID {holder.pid})") or f"(PID {holder.pid}, user " in named
    assert "\n" not in named and "See also" not in named
    assert Path(named.split(" (PID")[0]).name.startswith("python")
