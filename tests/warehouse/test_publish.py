"""Two offices publish to the city-wide layout; the city warehouse equals one loaded with both."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from flows.demo.generate import generate, subdistrict_of
from flows.ingest.batch import ingest
from flows.periods import Period
from flows.privacy import load_key
from flows.settings import Settings, load_settings
from flows.topics.tagging import tag_opinions
from flows.warehouse import Mode, open_warehouse, sql_names
from flows.warehouse.publish import build_city_warehouse, publish, publish_office
from tests.warehouse_state import query

OFFICES = ("S0001", "S0002")
_ID_COLUMN = {
    "communities.csv": "community_id",
    "organisations.csv": "org_id",
    "evaluators.csv": "community_id",
}


def _office_registry(source: Path, target: Path, office: str) -> None:
    """Copy the registry rows of one subdistrict (ids prefixed with its code)."""
    target.mkdir(parents=True)
    for name, column in _ID_COLUMN.items():
        with (source / name).open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        with (target / name).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(r for r in rows if subdistrict_of(r[column]) == office)


def _rounded(row: tuple) -> tuple:
    # Sums over differently ordered rows differ in the last bits of a double.
    return tuple(round(v, 9) if isinstance(v, float) else v for v in row)


def _metrics(settings: Settings) -> dict[str, list[tuple]]:
    """Every public metric view's rows (helper views, with run ids, left out)."""
    views = [n.split("/", 1)[1] for n in sql_names("metrics")]
    return {
        v: [_rounded(r) for r in query(settings, f"select * from metrics.{v} order by all")]
        for v in views
        if not v.startswith("_")
    }


@pytest.mark.slow
def test_city_warehouse_equals_one_warehouse_with_both_offices(tmp_path: Path) -> None:
    generated = load_settings(env={}, home=tmp_path / "generated")
    periods = [Period(2025, 2), Period(2026, 1)]
    files = generate(generated, periods, subdistricts=2, out_dir=tmp_path / "files", seed=5)
    key = load_key(generated.key_path)
    publish_dir = tmp_path / "city-share"

    for office in OFFICES:
        home = tmp_path / office
        _office_registry(generated.reference_dir, home / "reference", office)
        home.joinpath("secret.key").write_bytes(key)
        settings = load_settings(
            env={"MINYI_PUBLISH_DIR": str(publish_dir), "MINYI_OFFICE": office}, home=home
        )
        ingest(settings, [p for p in files if p.stem.endswith(office)], period=Period(2026, 1))
        assert publish(settings) is not None

    both = load_settings(env={}, home=tmp_path / "both")
    shutil.copytree(generated.reference_dir, both.reference_dir)
    both.key_path.write_bytes(key)
    ingest(both, files, period=Period(2026, 1))

    city = load_settings(env={}, home=tmp_path / "city")
    city.home.mkdir()
    counts = build_city_warehouse(publish_dir, city.warehouse_path, city)
    tag_opinions(city)  # opinions are tagged where they are read, as after an ingest
    assert counts["core.evaluations"] > 0
    assert (publish_dir / "evaluations" / "office=S0001" / "period=2026H1").is_dir()
    assert _metrics(city) == _metrics(both)
    sources = query(city, "select distinct office from city.sources order by office")
    assert sources == [(o,) for o in OFFICES]


def test_publish_replaces_only_its_own_office(tmp_path: Path, settings: Settings) -> None:
    publish_dir = tmp_path / "share"
    other = publish_dir / "evaluations" / "office=other" / "period=2026H1"
    other.mkdir(parents=True)
    (other / "part0.parquet").write_bytes(b"kept")
    with open_warehouse(settings, Mode.WRITE) as con:
        counts = publish_office(con, publish_dir, "mine")
        counts = publish_office(con, publish_dir, "mine")
    assert counts["evaluations"] == 0
    assert (other / "part0.parquet").read_bytes() == b"kept"
    assert publish(settings) is None
    leftovers = [p.name for p in (publish_dir / "evaluations").iterdir()]
    assert sorted(leftovers) == ["office=mine", "office=other"]
