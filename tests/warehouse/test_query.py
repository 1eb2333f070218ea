"""minyi query: read-only statements only, waits for a writer, never blocks a run; file output."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import Result
from typer.testing import CliRunner

from flows.messages import both
from flows.settings import Settings
from flows.warehouse import Mode, open_warehouse
from flows.warehouse.export import write_query_output
from flows.warehouse.query import (
    QueryRefused,
    QueryTimedOut,
    render_table,
    run_query,
    show_query,
)
from tests.helpers import evaluation, write_csv
from tests.warehouse_fixtures import make_warehouse

REFUSED = {
    "insert": "insert into meta.settings select * from meta.settings",
    "update": "update meta.runs set status = 'x'",
    "delete": "delete from meta.runs",
    "drop": "drop table meta.runs",
    "create": "create table main.t as select 1",
    "copy_to": "copy meta.runs to 'runs.csv'",
    "copy_from": "copy meta.runs from 'runs.csv'",
    "export_database": "export database 'dump'",
    "attach": "attach 'other.duckdb' as other",
    "detach": "detach warehouse",
    "install": "install httpfs",
    "load": "load httpfs",
    "set": "set threads = 1",
    "reset": "reset threads",
    "pragma_set": "pragma threads = 1",
    "pragma_profiling": "pragma enable_profiling",
    "checkpoint": "checkpoint",
    "vacuum": "vacuum",
    "begin": "begin transaction",
    "select_then_drop": "select 1; drop table meta.runs",
    "read_csv": "select * from read_csv('/etc/passwd')",
    "read_text": "select * from read_text('/etc/passwd')",
    "read_blob": "select * from read_blob('/etc/hostname')",
    "file_as_table": "select * from 'runs.csv'",
    "glob": "select * from glob('/etc/*')",
    "explain_analyze_insert": "explain analyze insert into meta.runs select * from meta.runs",
    "explain_analyze_options_copy": "explain (analyze, format json) copy meta.runs to 'runs.csv'",
    "explain_analyze_after_comment": "/* plan */ -- it\n explain analyze delete from meta.runs",
    "explain_analyze_then_drop": "explain analyze select 1; explain analyze drop table meta.runs",
    "query_reading_a_file": "select * from query('select * from read_text(''/etc/passwd'')')",
    "empty": "",
    "only_white_space": "  \n ",
    "only_a_comment": "-- nothing here",
}

ALLOWED = {
    "select": "select count(*) as n from meta.runs",
    "cte": "with r as (select * from meta.runs) select count(*) as n from r",
    "from_first": "from meta.settings",
    "explain": "explain select * from meta.runs",
    "explain_analyze_select": "explain analyze select count(*) from meta.runs",
    "describe": "describe meta.runs",
    "metric_view": "select * from metrics.satisfaction",
}


@pytest.fixture
def warehouse(settings: Settings) -> Settings:
    """A warehouse with the schema and views, closed so others can open it."""
    make_warehouse(settings.home).close()
    return settings


@pytest.mark.parametrize("statement", REFUSED.values(), ids=REFUSED.keys())
def test_writes_and_file_access_are_refused(warehouse: Settings, statement: str) -> None:
    with pytest.raises(QueryRefused) as refused:
        run_query(warehouse, statement)
    assert " / " in str(refused.value)


@pytest.mark.parametrize("statement", ALLOWED.values(), ids=ALLOWED.keys())
def test_reads_are_allowed(warehouse: Settings, statement: str) -> None:
    assert isinstance(run_query(warehouse, statement), pd.DataFrame)


@pytest.mark.parametrize("statement", REFUSED.values(), ids=REFUSED.keys())
def test_the_printed_table_refuses_what_the_frame_refuses(
    warehouse: Settings, statement: str
) -> None:
    with pytest.raises(QueryRefused):
        show_query(warehouse, statement)


PRINTED = {
    # EXPLAIN ANALYZE prints the time each step took: no two runs print the same
    **{name: statement for name, statement in ALLOWED.items() if "analyze" not in name},
    "alike_types_with_nulls": "select 1 as a, null::int as b, 2::bigint as c, 1.5 as d, "
    "'x' as s, true as t, null::boolean as tn, 'nan'::double as n, 3::utinyint as u "
    "union all select 2, 3, null, null, null, null, false, -0.25, null",
    "dates_and_decimals": "select date '2026-01-05' as d, 1.50::decimal(5, 2) as m, "
    "0.1::float as f, timestamp '2026-01-05 08:00' as t, 'x' as s",
}


@pytest.mark.parametrize("statement", PRINTED.values(), ids=PRINTED.keys())
def test_the_printed_table_is_the_frames_table(
    warehouse: Settings,
    statement: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``minyi query`` prints without pandas where it can: the same text as the frame's."""
    monkeypatch.setenv("COLUMNS", "400")  # wide enough that no cell is cut short
    render_table(run_query(warehouse, statement))
    expected = capsys.readouterr().out
    show_query(warehouse, statement)
    assert capsys.readouterr().out == expected
    assert "…" not in expected


def test_a_table_on_screen_imports_no_pandas(warehouse: Settings) -> None:
    """Importing pandas was half of ``minyi query``'s time (0.35 of 0.6 s): a table printed
    on screen goes without it, whatever command module imports on the way."""
    code = textwrap.dedent(
        """
        import sys
        from flows.cli import app
        try:
            app(["query", "select 1 as n"])
        except SystemExit as end:
            assert not end.code, end.code
        print("pandas" in sys.modules)
        """
    )
    env = {**os.environ, "MINYI_HOME": str(warehouse.home)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.splitlines()[-1] == "False", done.stdout + done.stderr


def test_refused_statements_change_nothing(warehouse: Settings) -> None:
    for statement in REFUSED.values():
        with pytest.raises(QueryRefused):
            run_query(warehouse, statement)
    assert run_query(warehouse, "select count(*) as n from meta.settings")["n"].item() == 1
    assert not (warehouse.home / "runs.csv").exists()


def _hold_write_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    script = textwrap.dedent(
        f"""
        import sys, time, duckdb
        con = duckdb.connect({str(path)!r})
        con.execute("begin transaction")
        con.execute("insert into meta.runs (run_id, started_at, status) "
                    "values ('held', now(), 'running')")
        print("locked", flush=True)
        time.sleep({seconds})
        con.execute("rollback")
        con.close()
        """
    )
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def test_query_waits_for_a_writer_then_answers(
    warehouse: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    holder = _hold_write_lock(warehouse.warehouse_path, 3.0)
    started = time.monotonic()
    frame = run_query(warehouse, "select count(*) as n from meta.runs")
    waited = time.monotonic() - started
    assert holder.wait(timeout=30) == 0
    assert frame["n"].item() == 0
    assert waited > 1.0
    assert "waiting up to" in capsys.readouterr().err


_QUERY_LOOP = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from flows.warehouse.query import run_query
    from flows.settings import load_settings

    settings = load_settings()
    stop, answered = Path(sys.argv[1]), 0
    while not stop.exists():
        run_query(settings, "select count(*) from core.evaluations")
        answered += 1
        if answered == 1:
            print("ready", flush=True)
        time.sleep(0.05)
    print(answered)
    """
)


def test_queries_during_an_ingest_both_complete(warehouse: Settings, tmp_path: Path) -> None:
    from flows.ingest.batch import ingest

    rows = [evaluation(evaluator=f"测试{i}") for i in range(20)]
    path = write_csv(warehouse.inbox_dir / "forms.csv", "evaluations", rows)
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", _QUERY_LOOP, str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "ready"
        summary = ingest(warehouse, [path]).summary
    finally:
        stop.touch()
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    assert int(out) >= 1
    assert summary.rows_loaded == 20
    with open_warehouse(warehouse, Mode.READ) as con:
        assert con.execute("select count(*) from core.evaluations").fetchone() == (20,)


def test_output_csv_parquet_xlsx(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "community_id": ["00123", "=1+1", "http://example.org"],
            "n": [1, 2, 3],
            "at": pd.to_datetime([datetime(2026, 1, 4, 22, 0, tzinfo=UTC)] * 3),
        }
    )
    for suffix in (".csv", ".parquet", ".xlsx"):
        write_query_output(frame, tmp_path / f"out{suffix}", "Asia/Shanghai")

    assert (tmp_path / "out.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    csv_back = pd.read_csv(tmp_path / "out.csv", dtype={"community_id": str}, encoding="utf-8-sig")
    # CSV cells that a spreadsheet would run as a formula get a leading quote (CSV injection).
    assert csv_back["community_id"].tolist() == ["00123", "'=1+1", "http://example.org"]
    assert pd.read_parquet(tmp_path / "out.parquet")["n"].tolist() == [1, 2, 3]

    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx").active
    assert sheet is not None
    cells = [sheet.cell(row=r, column=1) for r in (2, 3, 4)]
    assert [c.value for c in cells] == ["00123", "=1+1", "http://example.org"]
    assert [c.data_type for c in cells] == ["s", "s", "s"]
    assert sheet.cell(row=2, column=3).value == datetime(2026, 1, 5, 6, 0)


def test_output_refuses_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.xlsx"):
        write_query_output(pd.DataFrame({"a": [1]}), tmp_path / "out.json", "Asia/Shanghai")


# minyi query --output: never a link, never inside MINYI_HOME, never over a file unasked


def _query_to(path: Path, *options: str) -> Result:
    from flows.cli import app

    return CliRunner().invoke(app, ["query", "select 42 as n", "--output", str(path), *options])


def _unsafe_output(settings: Settings, tmp_path: Path, case: str) -> tuple[Path, str]:
    """An output path of one unsafe kind, and the message key refusing it."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    victim = elsewhere / "victim.csv"
    victim.write_text("precious", encoding="utf-8")
    if case == "link-at-path":
        (tmp_path / "link.csv").symlink_to(victim)
        return tmp_path / "link.csv", "query_output_symlink"
    if case == "link-as-folder":
        (tmp_path / "linked").symlink_to(elsewhere, target_is_directory=True)
        return tmp_path / "linked" / "victim.csv", "query_output_symlink"
    if case == "dangling-link":
        (tmp_path / "dangling.csv").symlink_to(elsewhere / "new.csv")
        return tmp_path / "dangling.csv", "query_output_symlink"
    if case == "secret-key":
        return settings.key_path.with_suffix(".csv"), "query_output_in_home"
    if case == "warehouse-folder":
        return settings.home / "out.parquet", "query_output_in_home"
    if case == "inbox":
        settings.inbox_dir.mkdir(parents=True, exist_ok=True)
        return settings.inbox_dir / "forms.csv", "query_output_in_home"
    if case == "home-through-a-link":
        settings.inbox_dir.mkdir(parents=True, exist_ok=True)
        (tmp_path / "to-home").symlink_to(settings.home, target_is_directory=True)
        return tmp_path / "to-home" / "inbox" / "forms.csv", "query_output_in_home"
    if case == "missing-folder":
        return tmp_path / "no" / "such" / "out.csv", "query_output_no_folder"
    assert case == "existing-file"
    return victim, "query_output_exists"


UNSAFE = [
    "link-at-path",
    "link-as-folder",
    "dangling-link",
    "secret-key",
    "warehouse-folder",
    "inbox",
    "home-through-a-link",
    "missing-folder",
    "existing-file",
]


@pytest.mark.parametrize("case", UNSAFE)
def test_query_output_refuses_unsafe_paths_in_one_line(
    warehouse: Settings, tmp_path: Path, case: str
) -> None:
    path, key = _unsafe_output(warehouse, tmp_path, case)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    result = _query_to(path)
    assert result.exit_code == 2
    assert result.output.strip() == both(key, **_values(key, path, warehouse))
    assert "Traceback" not in result.output
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before, "nothing was written or replaced"


def _values(key: str, path: Path, settings: Settings) -> dict[str, object]:
    if key == "query_output_no_folder":
        return {"folder": path.parent}
    if key == "query_output_in_home":
        return {"path": path, "home": settings.home}
    return {"path": path}


@pytest.mark.parametrize("case", ["link-at-path", "secret-key", "inbox"])
def test_force_still_refuses_links_and_the_home(
    warehouse: Settings, tmp_path: Path, case: str
) -> None:
    path, _key = _unsafe_output(warehouse, tmp_path, case)
    assert _query_to(path, "--force").exit_code == 2
    assert not path.is_file() or path.is_symlink() or path == warehouse.key_path


def test_force_replaces_an_existing_file_whole_through_a_rename(
    warehouse: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "out.csv"
    path.write_text("old", encoding="utf-8")
    old_inode = path.stat().st_ino
    result = _query_to(path, "--force")
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8-sig").splitlines() == ["n", "42"]
    assert path.stat().st_ino != old_inode, "a new file renamed over the old one"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "out.csv"], "no temporary left"
    assert path.stat().st_mode & 0o077 == 0, "private to its owner"


# Bounded queries: no file's bytes, a timeout, the settings' memory and threads


@pytest.mark.parametrize(
    "template",
    [
        "select size from read_blob('{path}')",
        "select content from read_text('{path}')",
        "select * from '{path}'",
        "select size from read_blob('{path}.wal')",
        "select * from glob('{folder}/*')",
        "select size from read_blob('{folder}/secret.key')",
    ],
    ids=["read_blob", "read_text", "file_as_table", "wal", "glob_home", "secret_key"],
)
def test_no_query_reads_the_bytes_of_any_file_the_warehouse_included(
    warehouse: Settings, template: str
) -> None:
    statement = template.format(path=warehouse.warehouse_path, folder=warehouse.home)
    with pytest.raises(QueryRefused) as refused:
        run_query(warehouse, statement)
    assert str(refused.value) == both("query_file_access_refused")


def test_query_connections_use_the_memory_limit_and_threads_of_the_settings(
    warehouse: Settings,
) -> None:
    settings = replace(warehouse, duckdb_memory_limit="256MB", duckdb_threads=1)
    frame = run_query(
        settings,
        "select current_setting('memory_limit') as memory, current_setting('threads') as threads",
    )
    # DuckDB shows 256 MB (10^6 bytes) in binary units: 256e6 / 2^20 = 244.1 MiB.
    assert frame.iloc[0].tolist() == ["244.1 MiB", 1]
    with pytest.raises(QueryRefused):
        run_query(settings, "set memory_limit = '10GB'")


def test_a_long_query_is_interrupted_at_its_timeout(warehouse: Settings) -> None:
    endless = "select sum(range) from range(1000000000000)"
    with pytest.raises(QueryTimedOut) as timed_out:
        run_query(warehouse, endless, timeout_seconds=0.5)
    assert str(timed_out.value) == both("query_timed_out", seconds=0.5)
    # The connection was closed: the warehouse answers the next query.
    assert run_query(warehouse, "select 1 as n")["n"].item() == 1


_LONG_QUERY = textwrap.dedent(
    """
    from flows.settings import load_settings
    from flows.warehouse.query import QueryTimedOut, run_query

    try:
        run_query(load_settings(), "select sum(range) from range(1000000000000)", 3)
    except QueryTimedOut:
        print("timed out", flush=True)
    """
)


def test_a_query_blocked_by_a_run_says_so_in_one_line(
    warehouse: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.cli import app
    from flows.service.runlock import run_lock
    from flows.warehouse import WarehouseLocked

    def locked(*_args: object) -> None:
        raise WarehouseLocked(both("warehouse_locked_gave_up", seconds=60))

    monkeypatch.setattr("flows.warehouse.query.run_query", locked)
    monkeypatch.setattr("flows.warehouse.query.show_query", locked)  # the table output's path
    with run_lock(warehouse.home, 1):
        result = CliRunner().invoke(app, ["query", "select 1"])
    assert result.exit_code == 1
    assert result.output.strip() == both("warehouse_locked_by_run", seconds=60)


@pytest.mark.parametrize("timeout", ["-1", "soon"], ids=["negative", "not-a-number"])
def test_a_bad_timeout_is_refused_before_the_query_runs(warehouse: Settings, timeout: str) -> None:
    from flows.cli import app

    result = CliRunner().invoke(app, ["query", "select 1", "--timeout", timeout])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
