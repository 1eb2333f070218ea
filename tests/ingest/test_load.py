"""Loading: idempotent by content hash, nothing lost, corrections supersede, rebuild equals."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from flows.ingest import batch
from flows.ingest.archive import read_manifest
from flows.ingest.batch import ingest
from flows.ingest.rebuild import rebuild
from flows.periods import Period
from flows.reports import write_reports
from flows.settings import Settings
from flows.warehouse import Mode, open_warehouse, schema_fingerprint, upgrade_if_stale
from flows.warehouse.query import run_query
from tests.helpers import branch_report, evaluation, hearings_and_reports, write_csv

CORE_COLUMNS = {
    "evaluations": "period, community_id, evaluator_key, role, verdict, service_attitude, "
    "comments, evaluated_on, sheet, row_number, file_hash, superseded_by",
    "hearings": "record_key, period, community_id, kind, attendees, opinions_resolved, "
    "file_hash, superseded_by",
    "branch_reports": "period, org_id, members_total, members_participating, took_part, "
    "file_hash, superseded_by",
}


def _rows(settings: Settings, statement: str) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(statement).fetchall()
    finally:
        con.close()


def _snapshot(settings: Settings) -> dict[str, list[tuple]]:
    """Every table's content, without run ids and timestamps."""
    tables = {
        name: _rows(settings, f"select {cols} from core.{name} order by all")
        for name, cols in CORE_COLUMNS.items()
    }
    tables["quarantine"] = _rows(
        settings,
        "select file_name, sheet, row_number, column_name, value, rule from meta.quarantine "
        "order by all",
    )
    tables["files"] = _rows(
        settings,
        "select file_hash, file_name, status, rows_read, rows_loaded, rows_quarantined "
        "from meta.files order by all",
    )
    return tables


def _inbox_batch(settings: Settings) -> list[Path]:
    inbox = settings.inbox_dir
    return [
        write_csv(
            inbox / "e.csv",
            "evaluations",
            [
                evaluation(evaluator="甲"),
                evaluation(evaluator="乙", verdict="不满意"),
                evaluation(evaluator="丙", service_attitude="9"),
            ],
        ),
        *hearings_and_reports(inbox),
    ]


def test_accounting_identity_and_quarantine(settings: Settings) -> None:
    summary = ingest(settings, _inbox_batch(settings)).summary
    assert (summary.rows_read, summary.rows_loaded, summary.rows_quarantined) == (7, 5, 2)
    balanced = _rows(settings, "select bool_and(balanced), count(*) from meta.file_accounting")
    assert balanced == [(True, 3)]
    quarantined = _rows(
        settings, "select file_name, row_number, rule from meta.quarantine order by all"
    )
    assert quarantined == [("e.csv", 4, "rating_range"), ("h.csv", 3, "resolved_over_raised")]


def test_inbox_cleared_and_archived_after_commit(settings: Settings) -> None:
    paths = _inbox_batch(settings)
    ingest(settings, paths)
    assert not any(p.exists() for p in paths)
    assert len(list(settings.archive_dir.glob("??/*.csv"))) == 3
    assert (settings.archive_dir / "manifest.jsonl").read_text().count("\n") == 3


def test_same_bytes_again_load_nothing(settings: Settings, tmp_path: Path) -> None:
    paths = _inbox_batch(settings)
    copies = [shutil.copy(p, tmp_path / f"again-{p.name}") for p in paths]
    ingest(settings, paths)
    before = _snapshot(settings)
    summary = ingest(settings, [Path(c) for c in copies]).summary
    assert summary.rows_loaded == 0 and summary.files_duplicate == 3
    assert _snapshot(settings) == before
    receipts = _rows(
        settings, "select outcome, count(*) from meta.file_receipts group by 1 order by 1"
    )
    assert receipts == [("duplicate", 3), ("loaded", 3)]


def test_corrected_file_supersedes_and_keeps_history(settings: Settings) -> None:
    first = write_csv(
        settings.inbox_dir / "e1.csv",
        "evaluations",
        [evaluation(evaluator="甲", verdict="不满意"), evaluation(evaluator="乙")],
    )
    ingest(settings, [first])
    corrected = write_csv(
        settings.inbox_dir / "e2.csv",
        "evaluations",
        [
            evaluation(evaluator="甲", verdict="满意"),
            evaluation(evaluator="乙"),
            evaluation(evaluator="丁"),
        ],
    )
    ingest(settings, [corrected])
    current = _rows(
        settings,
        "select verdict, count(*) from core.evaluations where superseded_by is null group by 1",
    )
    assert current == [("satisfied", 3)]
    history = _rows(
        settings,
        "select count(*) from core.evaluations e join meta.files f "
        "on e.superseded_by = f.file_hash where f.file_name = 'e2.csv'",
    )
    assert history == [(2,)]
    rate = _rows(
        settings,
        "select rate from metrics.satisfaction where community_id is null "
        "and role is null and definition = 'top2'",
    )
    assert rate == [(1.0,)]


def test_other_communities_untouched_by_a_correction(settings: Settings) -> None:
    ingest(
        settings,
        [
            write_csv(
                settings.inbox_dir / "a.csv",
                "evaluations",
                [
                    evaluation(evaluator="甲", community="C01"),
                    evaluation(evaluator="乙", community="C02"),
                ],
            )
        ],
    )
    ingest(
        settings,
        [
            write_csv(
                settings.inbox_dir / "b.csv",
                "evaluations",
                [evaluation(evaluator="甲", community="C01", verdict="基本满意")],
            )
        ],
    )
    current = _rows(
        settings,
        "select community_id, verdict from core.evaluations where superseded_by is null order by 1",
    )
    assert current == [("C01", "basically_satisfied"), ("C02", "satisfied")]


def test_late_report_updates_a_closed_period(settings: Settings) -> None:
    ingest(
        settings,
        [write_csv(settings.inbox_dir / "b1.csv", "branch_reports", [branch_report(org="B01")])],
    )
    ingest(
        settings,
        [
            write_csv(
                settings.inbox_dir / "b2.csv",
                "branch_reports",
                [branch_report(org="B02", submitted_on="2026-09-01")],
            )
        ],
    )
    gaps = _rows(
        settings,
        "select unit_id, status from metrics.reporting_gaps "
        "where period = '2026H1' and unit_id in ('B01', 'B02')",
    )
    assert gaps == [("B02", "late")]


def test_rejected_file_recorded_and_moved_to_quarantine(settings: Settings) -> None:
    bad = settings.inbox_dir / "notes.csv"
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_text("甲,乙,丙\n1,2,3\n", encoding="utf-8")
    summary = ingest(settings, [bad]).summary
    assert summary.files_rejected == 1 and not bad.exists()
    assert list(settings.quarantine_dir.glob("*notes.csv"))
    status = _rows(
        settings, "select status, reason_zh is not null, reason_en is not null from meta.files"
    )
    assert status == [("rejected", True, True)]


def test_evaluator_names_never_reach_the_warehouse(settings: Settings) -> None:
    ingest(
        settings,
        [
            write_csv(
                settings.inbox_dir / "e.csv",
                "evaluations",
                [
                    evaluation(evaluator="王秀英", comments="请回电13912345678"),
                    evaluation(evaluator="李建国", verdict="差"),
                ],
            )
        ],
    )
    dump = str(_rows(settings, "select * from core.evaluations")) + str(
        _rows(settings, "select * from meta.quarantine")
    )
    assert "王秀英" not in dump and "李建国" not in dump and "13912345678" not in dump


@pytest.mark.parametrize("batch_bytes", [16 * 1024 * 1024, 1], ids=["one-batch", "file-by-file"])
def test_rebuild_equals_incremental(settings: Settings, batch_bytes: int) -> None:
    settings = replace(settings, batch_bytes=batch_bytes)  # a rebuild is batched like an ingest
    ingest(settings, _inbox_batch(settings))
    notes = settings.inbox_dir / "notes.csv"
    notes.write_text("甲,乙,丙\n1,2,3\n", encoding="utf-8")
    ingest(
        settings,
        [
            write_csv(
                settings.inbox_dir / "e2.csv",
                "evaluations",
                [evaluation(evaluator="甲", verdict="基本满意")],
            ),
            notes,
        ],
    )
    incremental = _snapshot(settings)
    assert ("notes.csv", "rejected") in [row[1:3] for row in incremental["files"]]
    rebuild(settings)
    assert _snapshot(settings) == incremental, "loaded rows, quarantine and rejected files"
    files = len(read_manifest(settings))
    runs = _rows(settings, "select count(*) from meta.runs")
    assert runs == [(1 if batch_bytes > 1 else files,)], "the rebuild committed batch by batch"


def test_small_batches_equal_one_batch(settings: Settings, tmp_path: Path) -> None:
    paths = _inbox_batch(settings)
    paths.append(
        write_csv(
            settings.inbox_dir / "e2.csv",
            "evaluations",
            [evaluation(evaluator="甲", verdict="基本满意")],
        )
    )
    copies = tmp_path / "copies"
    shutil.copytree(settings.inbox_dir, copies)
    summary = ingest(settings, paths).summary
    one_batch = _snapshot(settings)

    other = replace(settings, home=tmp_path / "other", batch_bytes=1)
    shutil.copytree(settings.reference_dir, other.reference_dir)
    shutil.copytree(copies, other.inbox_dir)
    shutil.copy(settings.key_path, other.key_path)
    split_summary = ingest(other, [other.inbox_dir / p.name for p in paths]).summary
    assert split_summary == summary
    assert _snapshot(other) == one_batch
    runs = _rows(other, "select count(*) from meta.runs where status = 'completed'")
    assert runs == [(len(paths),)]


def test_committed_batches_release_their_rows(settings: Settings) -> None:
    """A run keeps each file's outcome and counts, not its rows, once its batch is committed:
    otherwise a national inbox's rows would all stay in memory until the run ends."""
    small = replace(settings, batch_bytes=1)
    result = ingest(small, _inbox_batch(small))
    summary, outcomes = result.summary, result.outcomes

    assert [o.outcome for o in outcomes] == ["loaded"] * len(outcomes)
    assert {o.kind for o in outcomes} == {"evaluations", "hearings", "branch_reports"}
    assert sum(o.rows_read for o in outcomes) == summary.rows_read == 7
    assert [o.read.rows_read for o in outcomes if o.read] == [0] * len(outcomes)


def test_warehouse_is_written_for_duckdb_1x_clients(settings: Settings) -> None:
    ingest(settings, _inbox_batch(settings))
    tags = _rows(settings, "select tags from duckdb_databases() where database_name = 'warehouse'")
    assert tags == [({"storage_version": "v1.0.0+"},)]


def test_warehouse_connections_cap_duckdb_memory(settings: Settings) -> None:
    capped = replace(settings, duckdb_memory_limit="300MB")
    for mode in Mode:
        with open_warehouse(capped, mode) as con:
            limit = con.execute("select current_setting('memory_limit')").fetchone()
        assert limit is not None and limit[0] == "286.1 MiB"  # 300 MB in MiB


def _as_if_written_by_an_older_minyi(settings: Settings) -> None:
    """No schema fingerprint, a macro the reports use missing, a metric view missing, and
    columns added since missing."""
    con = duckdb.connect(str(settings.warehouse_path))
    con.execute("drop table meta.schema_state")
    con.execute("drop macro meta.subdistrict")
    con.execute("drop macro meta.org_subdistrict")
    con.execute("alter table ref.communities drop column subdistrict")
    con.execute("alter table ref.organisations drop column subdistrict")
    con.execute("drop view metrics._open_quarantine")
    con.execute("alter table meta.files drop column corrects")
    con.execute("drop view metrics.satisfaction")
    con.execute("drop macro meta.wilson_low")
    con.close()


def test_reports_from_a_warehouse_an_older_version_wrote(settings: Settings) -> None:
    """After upgrading minyi, `minyi report` (read-only) works before any new ingest."""
    ingest(settings, _inbox_batch(settings))
    _as_if_written_by_an_older_minyi(settings)
    with open_warehouse(settings, Mode.READ) as con:
        written = write_reports(con, settings, Period(2026, 1))
        state = con.execute("select fingerprint from meta.schema_state").fetchall()
    assert written and all(p.exists() for p in written)
    assert state == [(schema_fingerprint(),)]


def test_analyst_query_on_an_older_warehouse_sees_current_views(settings: Settings) -> None:
    ingest(settings, _inbox_batch(settings))
    statement = "select * from metrics.satisfaction order by all"
    before = run_query(settings, statement)
    _as_if_written_by_an_older_minyi(settings)
    after = run_query(settings, statement)
    assert len(after) > 0 and after.equals(before)


def test_a_current_warehouse_is_not_rewritten_on_read(settings: Settings) -> None:
    ingest(settings, _inbox_batch(settings))
    before = settings.warehouse_path.stat().st_mtime_ns
    assert upgrade_if_stale(settings) is False
    with open_warehouse(settings, Mode.READ) as con:
        con.execute("select * from metrics.satisfaction").fetchall()
    assert settings.warehouse_path.stat().st_mtime_ns == before


def test_registry_subdistricts_are_loaded_or_read_from_the_codes(settings: Settings) -> None:
    """The demo registry has no subdistrict column and codes without "-": no subdistrict.
    A subdistrict column names it; an organisation without one takes its community's."""
    ingest(settings, _inbox_batch(settings))
    assert _rows(settings, "select distinct subdistrict from ref.communities") == [(None,)]
    communities = settings.reference_dir / "communities.csv"
    lines = communities.read_text(encoding="utf-8").splitlines()
    rows = [lines[0] + ",subdistrict"] + [
        line + (",110101001" if i % 2 else ",") for i, line in enumerate(lines[1:])
    ]
    communities.write_text("\n".join(rows) + "\n", encoding="utf-8")
    organisations = settings.reference_dir / "organisations.csv"
    with organisations.open("a", encoding="utf-8") as fh:
        fh.write("S9-U01,街道直属单位,unit_org,,,\n")
    ingest(settings, [write_csv(settings.inbox_dir / "e2.csv", "evaluations", [evaluation()])])
    by_community = dict(_rows(settings, "select community_id, subdistrict from ref.communities"))
    ids = [line.split(",", 1)[0] for line in lines[1:]]
    assert by_community == {c: "110101001" if i % 2 else None for i, c in enumerate(ids)}
    orgs = dict(_rows(settings, "select org_id, subdistrict from ref.organisations"))
    assert orgs["S9-U01"] == "S9"  # no community: read from its own code
    assert orgs["B01"] == by_community["C01"]
    assert _rows(
        settings,
        "select count(*) from ref.organisations as o join ref.communities as c"
        " using (community_id) where o.subdistrict is distinct from c.subdistrict",
    ) == [(0,)]


def test_a_registry_change_applies_with_no_new_file(settings: Settings) -> None:
    """A community added to the registry is in the warehouse after the next run, files or not
    (the reports then list it as not yet reported)."""
    ingest(settings, _inbox_batch(settings))
    communities = settings.reference_dir / "communities.csv"
    header = communities.read_text(encoding="utf-8").splitlines()[0]
    row = {"community_id": "C99", "name": "新设社区", "households": "100", "residents": "300"}
    with communities.open("a", encoding="utf-8") as fh:
        fh.write(",".join(row.get(c, "") for c in header.split(",")) + "\n")
    result = ingest(settings, [])
    outcomes = result.outcomes
    assert outcomes == []
    assert _rows(settings, "select name from ref.communities where community_id = 'C99'") == [
        ("新设社区",)
    ]


def test_a_new_registry_layout_reloads_the_registry_once(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warehouse loaded before ref.* had a column gets it filled, with the same files."""
    communities = settings.reference_dir / "communities.csv"
    lines = communities.read_text(encoding="utf-8").splitlines()
    rows = [lines[0] + ",subdistrict", *(line + ",甲街道" for line in lines[1:])]
    communities.write_text("\n".join(rows) + "\n", encoding="utf-8")
    ingest(settings, _inbox_batch(settings))
    with duckdb.connect(str(settings.warehouse_path)) as con:  # as an older version left it
        con.execute("update ref.communities set subdistrict = null")
    monkeypatch.setattr(batch, "REGISTRY_LAYOUT", batch.REGISTRY_LAYOUT + 1)
    ingest(settings, [write_csv(settings.inbox_dir / "e2.csv", "evaluations", [evaluation()])])
    assert _rows(settings, "select distinct subdistrict from ref.communities") == [("甲街道",)]


def _return_fixed_workbook(settings: Settings) -> Path:
    """Load the batch, write the reports, fix the rating in e.csv's corrections workbook as an
    organizer would (openpyxl) and load it back; the workbook's path in the reports."""
    import openpyxl

    ingest(settings, _inbox_batch(settings))
    with open_warehouse(settings, Mode.READ) as con:
        written = write_reports(con, settings, Period(2026, 1))
    (workbook,) = [p for p in written if p.name == "e.corrections.xlsx"]
    quality = settings.reports_dir / "2026H1" / "quality.zh.html"
    assert "“服务态度”评分 9 超出 1-5 范围。" in quality.read_text(encoding="utf-8")
    book = openpyxl.load_workbook(workbook)  # the organizer fixes the rating, keeps the rest
    sheet = book.worksheets[0]
    column = [c.value for c in sheet[1]].index("服务态度") + 1
    assert sheet.cell(row=2, column=column).value == "9"
    sheet.cell(row=2, column=column).value = "4"
    settings.inbox_dir.mkdir(parents=True, exist_ok=True)
    book.save(settings.inbox_dir / workbook.name)
    summary = ingest(settings, [settings.inbox_dir / workbook.name]).summary
    assert (summary.rows_loaded, summary.rows_quarantined) == (1, 0)
    return workbook


def test_a_loaded_corrections_workbook_closes_its_files_quarantine(settings: Settings) -> None:
    """Once the organizer's fixed corrections workbook has loaded, the next reports no longer
    ask for the same fixes: no workbook for the file, its cells counted as corrected."""
    from flows.messages import msg

    workbook = _return_fixed_workbook(settings)
    with open_warehouse(settings, Mode.READ) as con:
        written = write_reports(con, settings, Period(2026, 1))
    assert workbook not in written and any(p.parent.name == "corrections" for p in written)
    assert not workbook.exists()  # written by minyi, unchanged since: removed
    html = (settings.reports_dir / "2026H1" / "quality.zh.html").read_text(encoding="utf-8")
    assert "“服务态度”评分 9 超出 1-5 范围。" not in html
    assert msg("report.quality.corrected", "zh", cells="1", files="1") in html
    kept = "select count(*) from meta.quarantine where column_name = 'service_attitude'"
    assert _rows(settings, kept) == [(1,)]  # the history stays


def test_corrections_loaded_by_an_older_minyi_learn_their_file_at_the_next_run(
    settings: Settings,
) -> None:
    """A minyi older than meta.files.corrects loaded the fixed workbook without recording the
    file it corrects; the next run reads the marker from the archived copy, once."""
    workbook = _return_fixed_workbook(settings)
    corrects = "select corrects from meta.files where is_correction"
    (source,) = _rows(settings, corrects)
    con = duckdb.connect(str(settings.warehouse_path))
    con.execute("update meta.files set corrects = null")
    con.close()

    batch.prepare(settings)

    assert _rows(settings, corrects) == [source] and source[0] is not None
    with open_warehouse(settings, Mode.READ) as con:
        written = write_reports(con, settings, Period(2026, 1))
    assert workbook not in written, "its file's quarantine counts as corrected again"
