"""A run with an empty inbox, and the demo, do the flow's work without Prefect's server."""

from __future__ import annotations

import duckdb
import pytest
from typer.testing import CliRunner

from flows import cli
from flows.demo.generate import generate
from flows.periods import Period
from flows.settings import Settings
from flows.without_prefect import inbox_is_empty, run_without_prefect
from tests.helpers import evaluation, write_csv


def _no_prefect(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("Prefect was configured for a run that needs no flow")

    monkeypatch.setattr("flows.service.prefect_env.configure_prefect", refuse)


def _count(settings: Settings, statement: str) -> int:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        row = con.execute(statement).fetchone()
    finally:
        con.close()
    assert row is not None
    return int(row[0])


def test_the_inbox_is_empty_only_with_no_file_at_all(settings: Settings) -> None:
    assert inbox_is_empty(settings), "no inbox folder yet"
    settings.inbox_dir.mkdir(parents=True)
    (settings.inbox_dir / "~$forms.xlsx").write_bytes(b"lock file of an open workbook")
    assert inbox_is_empty(settings)
    write_csv(settings.inbox_dir / "forms.csv", "evaluations", [evaluation()])
    assert not inbox_is_empty(settings)


def test_a_run_with_an_empty_inbox_creates_the_warehouse_and_reports_without_prefect(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_prefect(monkeypatch)
    monkeypatch.setenv("MINYI_LANG", "en")

    result = CliRunner().invoke(cli.app, ["run", "--period", "2026H1"])

    assert result.exit_code == 0, result.output
    assert "0 file(s)" in result.output
    assert settings.warehouse_path.is_file()
    assert _count(settings, "select count(*) from meta.runs") == 1, "the first run is recorded"
    assert (settings.reports_dir / "2026H1" / "report.en.html").is_file()


def test_the_plain_run_loads_what_the_flow_loads_and_writes_the_reports(
    settings: Settings,
) -> None:
    written = generate(settings, [Period(2026, 1)], seed=7)

    result = run_without_prefect(settings, Period(2026, 1), "zh")

    summary = result.summary
    assert summary.files_seen == len(written) == summary.files_loaded
    assert summary.rows_read == summary.rows_loaded + summary.rows_quarantined
    assert summary.rows_quarantined > 0
    loaded = _count(settings, "select count(*) from core.evaluations")
    loaded += _count(settings, "select count(*) from core.hearings")
    loaded += _count(settings, "select count(*) from core.branch_reports")
    assert loaded == summary.rows_loaded
    assert sorted(p.rsplit("/", 1)[-1] for p in result.reports[:3]) == [
        "quality.zh.html",
        "report.zh.html",
        "report.zh.xlsx",
    ]
    assert not list(settings.inbox_dir.iterdir()), "loaded files leave the inbox"


def test_the_demo_runs_without_prefect(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    _no_prefect(monkeypatch)
    monkeypatch.setenv("MINYI_LANG", "en")

    result = CliRunner().invoke(cli.app, ["demo", "--periods", "1"])

    assert result.exit_code == 0, result.output
    assert _count(settings, "select count(*) from core.evaluations") > 0
