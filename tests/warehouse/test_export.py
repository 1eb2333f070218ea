"""minyi export: a period's current core rows and metric views, as Parquet or CSV files."""

from __future__ import annotations

from pathlib import Path

import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from flows.periods import Period
from flows.settings import Settings
from flows.warehouse.export import export_dir, export_period, metric_views
from tests.warehouse_fixtures import evaluation, insert_rows, make_warehouse


@pytest.fixture
def warehouse(settings: Settings) -> Settings:
    """Evaluations for two half-years, one row superseded by a later submission."""
    con = make_warehouse(settings.home)
    rows = [
        evaluation("C1", "satisfied", comments="电话 138****0000"),
        evaluation("C1", "dissatisfied"),
        evaluation("C2", "basically_satisfied"),
        evaluation("C1", "satisfied", superseded_by="b" * 64),
        evaluation("C1", "satisfied", period="2025H2"),
    ]
    insert_rows(con, "core.evaluations", rows)
    insert_rows(
        con,
        "core.branch_reports",
        [{"period": "2026H1", "org_id": "B1", "members_total": 10, "members_participating": 9}],
    )
    con.close()
    return settings


def test_metric_views_are_public_views_with_a_period(warehouse: Settings) -> None:
    import duckdb

    con = duckdb.connect(str(warehouse.warehouse_path), read_only=True)
    try:
        views = metric_views(con)
    finally:
        con.close()
    assert "metrics.satisfaction" in views
    assert "metrics.reporting" in views
    assert not any(v.startswith("metrics._") for v in views)


def test_export_parquet_holds_the_period_only(warehouse: Settings) -> None:
    written = export_period(warehouse, Period(2026, 1), "parquet")

    folder = export_dir(warehouse, Period(2026, 1))
    assert folder == warehouse.home / "exports" / "2026H1"
    names = {t.path.name for t in written}
    assert {"evaluations.parquet", "hearings.parquet", "branch_reports.parquet"} <= names
    assert "metrics_satisfaction.parquet" in names
    assert all(t.path.parent == folder for t in written)

    evaluations = pq.read_table(folder / "evaluations.parquet")
    assert evaluations.num_rows == 3  # the superseded row and 2025H2 are left out
    assert set(evaluations.column("period").to_pylist()) == {"2026H1"}
    assert "comments" not in evaluations.column_names
    assert "evaluator_key" in evaluations.column_names

    satisfaction = pq.read_table(folder / "metrics_satisfaction.parquet")
    assert set(satisfaction.column("period").to_pylist()) == {"2026H1"}
    assert pq.read_table(folder / "hearings.parquet").num_rows == 0
    assert not list(folder.glob(".*.part"))


def test_export_csv_to_a_chosen_folder(warehouse: Settings, tmp_path: Path) -> None:
    out = tmp_path / "for-the-district"
    written = export_period(warehouse, Period(2025, 2), "csv", out)

    counts = {t.name: t.rows for t in written}
    assert counts["evaluations"] == 1
    assert counts["branch_reports"] == 0
    evaluations = pa_csv.read_csv(out / "evaluations.csv")
    assert evaluations.column("period").to_pylist() == ["2025H2"]


def test_export_refuses_unknown_format(warehouse: Settings) -> None:
    with pytest.raises(ValueError, match="parquet"):
        export_period(warehouse, Period(2026, 1), "xlsx")


def test_export_holds_the_opinion_topics_and_the_opinions_without_their_text(
    warehouse: Settings,
) -> None:
    from flows.topics.tagging import tag_opinions

    tag_opinions(warehouse)
    written = export_period(warehouse, Period(2026, 1), "parquet")

    counts = {t.name: t.rows for t in written}
    assert counts["metrics_opinions"] == 1  # the one current 2026H1 form with a comment
    opinions = pq.read_table(warehouse.home / "exports" / "2026H1" / "metrics_opinions.parquet")
    assert "text" not in opinions.column_names
    assert opinions.column("topics").to_pylist() == ["other"]
    topics = pq.read_table(warehouse.home / "exports" / "2026H1" / "metrics_opinion_topics.parquet")
    assert topics.column("opinions").to_pylist() == [1, 1]  # C1 and all communities
