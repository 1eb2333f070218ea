"""Loading: idempotent by content hash, nothing lost, corrections supersede, history kept."""

from __future__ import annotations

import shutil
from pathlib import Path

from flows.ingest.batch import ingest
from flows.periods import Period
from flows.reports import write_reports
from flows.settings import Settings
from flows.warehouse import Mode, open_warehouse
from tests.helpers import (
    branch_report,
    evaluation,
    hearing,
    inbox_batch,
    return_fixed_workbook,
    write_csv,
)
from tests.warehouse_state import query, snapshot


def test_accounting_identity_and_quarantine(settings: Settings) -> None:
    summary = ingest(settings, inbox_batch(settings)).summary
    assert (summary.rows_read, summary.rows_loaded, summary.rows_quarantined) == (7, 5, 2)
    balanced = query(settings, "select bool_and(balanced), count(*) from meta.file_accounting")
    assert balanced == [(True, 3)]
    quarantined = query(
        settings, "select file_name, row_number, rule from meta.quarantine order by all"
    )
    assert quarantined == [("e.csv", 4, "rating_range"), ("h.csv", 3, "resolved_over_raised")]


def test_same_bytes_again_load_nothing(settings: Settings, tmp_path: Path) -> None:
    paths = inbox_batch(settings)
    copies = [shutil.copy(p, tmp_path / f"again-{p.name}") for p in paths]
    ingest(settings, paths)
    before = snapshot(settings)
    summary = ingest(settings, [Path(c) for c in copies]).summary
    assert summary.rows_loaded == 0 and summary.files_duplicate == 3
    assert snapshot(settings) == before
    receipts = query(
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
    current = query(
        settings,
        "select verdict, count(*) from core.evaluations where superseded_by is null group by 1",
    )
    assert current == [("satisfied", 3)]
    history = query(
        settings,
        "select count(*) from core.evaluations e join meta.files f "
        "on e.superseded_by = f.file_hash where f.file_name = 'e2.csv'",
    )
    assert history == [(2,)]
    rate = query(
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
    current = query(
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
    gaps = query(
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
    status = query(
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
    dump = str(query(settings, "select * from core.evaluations")) + str(
        query(settings, "select * from meta.quarantine")
    )
    assert "王秀英" not in dump and "李建国" not in dump and "13912345678" not in dump


def test_registry_subdistricts_are_loaded_or_read_from_the_codes(settings: Settings) -> None:
    """The demo registry has no subdistrict column and codes without "-": no subdistrict.
    A subdistrict column names it; an organisation without one takes its community's."""
    ingest(settings, inbox_batch(settings))
    assert query(settings, "select distinct subdistrict from ref.communities") == [(None,)]
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
    by_community = dict(query(settings, "select community_id, subdistrict from ref.communities"))
    ids = [line.split(",", 1)[0] for line in lines[1:]]
    assert by_community == {c: "110101001" if i % 2 else None for i, c in enumerate(ids)}
    orgs = dict(query(settings, "select org_id, subdistrict from ref.organisations"))
    assert orgs["S9-U01"] == "S9"  # no community: read from its own code
    assert orgs["B01"] == by_community["C01"]
    assert query(
        settings,
        "select count(*) from ref.organisations as o join ref.communities as c"
        " using (community_id) where o.subdistrict is distinct from c.subdistrict",
    ) == [(0,)]


def test_each_file_records_the_subdistricts_its_rows_name(settings: Settings) -> None:
    """By the communities and organisations the registry knows, rows loaded or quarantined
    alike; a misspelt name records none, and so does a registry without subdistricts."""
    ingest(settings, [write_csv(settings.inbox_dir / "e0.csv", "evaluations", [evaluation()])])
    assert query(settings, "select count(*) from meta.file_subdistricts") == [(0,)]
    communities = settings.reference_dir / "communities.csv"
    lines = communities.read_text(encoding="utf-8").splitlines()
    rows = [lines[0] + ",subdistrict"] + [
        line + (",甲街道" if i < 2 else ",乙街道") for i, line in enumerate(lines[1:])
    ]
    communities.write_text("\n".join(rows) + "\n", encoding="utf-8")
    paths = [
        # 和平社区 (甲) loads; 新兴社区 (甲) is quarantined; 和平小区 is in no registry.
        write_csv(
            settings.inbox_dir / "e1.csv",
            "evaluations",
            [
                evaluation(evaluator="甲"),
                evaluation(evaluator="乙", community="新兴社区", service_attitude="9"),
                evaluation(evaluator="丙", community="和平小区"),
            ],
        ),
        # Every row quarantined, one by a misspelt name: the known one still counts.
        write_csv(
            settings.inbox_dir / "e2.csv",
            "evaluations",
            [evaluation(evaluator="丁", community="和平小区"), evaluation(verdict="很好")],
        ),
        # Two subdistricts: C01 (甲) and C03 (乙).
        write_csv(
            settings.inbox_dir / "h.csv",
            "hearings",
            [hearing(record_id="H-1"), hearing(record_id="H-2", community="C03")],
        ),
        # Organisations take their community's subdistrict.
        write_csv(
            settings.inbox_dir / "b.csv",
            "branch_reports",
            [branch_report(org="B01"), branch_report(org="B04", members_total="x")],
        ),
    ]
    ingest(settings, paths)
    recorded = query(
        settings,
        "select f.file_name, s.subdistrict from meta.file_subdistricts as s"
        " join meta.files as f using (file_hash) order by all",
    )
    assert recorded == [
        ("b.csv", "甲街道"),
        ("e1.csv", "甲街道"),
        ("e2.csv", "甲街道"),
        ("h.csv", "乙街道"),
        ("h.csv", "甲街道"),
    ]


def test_a_loaded_corrections_workbook_closes_its_files_quarantine(settings: Settings) -> None:
    """Once the organizer's fixed corrections workbook has loaded, the next reports no longer
    ask for the same fixes: no workbook for the file, its cells counted as corrected."""
    from flows.messages import msg

    workbook = return_fixed_workbook(settings)
    with open_warehouse(settings, Mode.READ) as con:
        written = write_reports(con, settings, Period(2026, 1))
    assert workbook not in written and any(p.parent.name == "corrections" for p in written)
    assert not workbook.exists()  # written by minyi, unchanged since: removed
    html = (settings.reports_dir / "2026H1" / "quality.zh.html").read_text(encoding="utf-8")
    assert "“服务态度”评分 9 超出 1-5 范围。" not in html
    assert msg("report.quality.corrected", "zh", cells="1", files="1") in html
    kept = "select count(*) from meta.quarantine where column_name = 'service_attitude'"
    assert query(settings, kept) == [(1,)]  # the history stays
