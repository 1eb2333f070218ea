"""End to end: the semiannual-run flow on generated data into a temporary home, offline."""

from __future__ import annotations

import duckdb
import pytest

from flows.demo.generate import generate
from flows.periods import Period
from flows.settings import Settings
from tests.helpers import branch_report, evaluation, write_csv


def _query(settings: Settings, statement: str) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(statement).fetchall()
    finally:
        con.close()


def test_semiannual_run_end_to_end(settings: Settings) -> None:
    from flows.flows import semiannual_run

    periods = [Period(2025, 2), Period(2026, 1)]
    written = generate(settings, periods, seed=7)
    result = semiannual_run(period="2026H1", home=str(settings.home))

    summary = result.summary
    assert summary.files_seen == len(written) == summary.files_loaded
    assert summary.rows_read == summary.rows_loaded + summary.rows_quarantined
    assert summary.rows_quarantined > 0

    headline = _query(
        settings,
        "select period, definition from metrics.satisfaction "
        "where community_id is null and role is null order by all",
    )
    assert headline == [(str(p), d) for p in periods for d in ("top1", "top2")]
    rules = {r for (r,) in _query(settings, "select distinct rule from meta.quarantine")}
    assert {"rating_range", "unknown_verdict", "participating_over_total"} <= rules
    assert _query(settings, "select count(*) from meta.file_accounting where not balanced") == [
        (0,)
    ]
    report_dir = settings.reports_dir / "2026H1"
    assert (report_dir / "report.zh.html").is_file()
    assert (report_dir / "quality.zh.html").is_file()

    before = _query(settings, "select count(*), count(superseded_by) from core.evaluations")
    again = semiannual_run(period="2026H1", home=str(settings.home))
    assert again.summary.rows_loaded == 0
    assert _query(settings, "select count(*), count(superseded_by) from core.evaluations") == before


def test_the_flow_releases_each_batchs_rows_once_committed(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every file's rows are let go once its batch commits: a national inbox in many
    batches must not hold all its rows until the flow ends (5.3 GiB at N=9000 before)."""
    from flows.flows import ingest_inbox
    from flows.ingest.receive import FileOutcome

    released: list[tuple[str, str]] = []
    release = FileOutcome.release_rows

    def spy(outcome: FileOutcome) -> None:
        released.append((outcome.file_name, outcome.outcome))
        release(outcome)

    monkeypatch.setattr(FileOutcome, "release_rows", spy)
    monkeypatch.setenv("MINYI_BATCH_BYTES", "1")  # a batch per file
    for name in ("a.csv", "b.csv"):
        write_csv(settings.inbox_dir / name, "evaluations", [evaluation(evaluator=name[0])])
    write_csv(settings.inbox_dir / "c.csv", "branch_reports", [branch_report()])

    result = ingest_inbox(home=str(settings.home))

    assert len(result.files) == 3
    assert sorted(released) == sorted((row["file"], "loaded") for row in result.files)


def test_a_first_run_before_any_file_arrived_writes_empty_reports(settings: Settings) -> None:
    """A new office runs minyi before its first file arrives (or its schedule fires): the
    run completes, with the warehouse created from the registry and reports that show every
    community as not yet reported, instead of failing on a warehouse that does not exist."""
    from flows.flows import semiannual_run

    assert not settings.warehouse_path.exists()
    result = semiannual_run(period="2026H1", home=str(settings.home))

    assert result.summary.files_seen == 0
    assert _query(settings, "select count(*) > 0 from ref.communities") == [(True,)]
    assert _query(settings, "select count(*), max(status) from meta.runs") == [(1, "completed")]
    assert (settings.reports_dir / "2026H1" / "report.zh.html").is_file()
