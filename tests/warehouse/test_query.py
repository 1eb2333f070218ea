"""minyi query: read-only statements only, waits for a writer, never blocks a run; file output."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from flows.settings import Settings
from flows.warehouse import Mode, open_warehouse
from flows.warehouse.export import write_query_output
from flows.warehouse.query import QueryRefused, render_table, run_query, show_query
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
}

ALLOWED = {
    "select": "select count(*) as n from meta.runs",
    "cte": "with r as (select * from meta.runs) select count(*) as n from r",
    "from_first": "from meta.settings",
    "explain": "explain select * from meta.runs",
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
    **ALLOWED,
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
