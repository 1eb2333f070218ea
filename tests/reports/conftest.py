"""Fixtures of the report tests: settings, a warehouse built once per module, its reports."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from flows.reports import (
    write_reports,
)
from flows.settings import Settings
from tests.reports.builders import (
    HALF_YEAR,
    add_bookkeeping,
    add_evaluations,
    add_hearings_and_branches,
    add_quarantine,
    add_reference,
)
from tests.warehouse_fixtures import make_warehouse


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    """Settings pointed at a fresh home in tmp_path."""
    return Settings(home=tmp_path / "home")


@pytest.fixture(scope="module")
def template_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small warehouse with two half-years of data, built once and copied by each test."""
    home = tmp_path_factory.mktemp("template")
    path = home / "warehouse.duckdb"
    con = make_warehouse(home)
    add_reference(con)
    add_evaluations(con)
    add_hearings_and_branches(con)
    add_bookkeeping(con)
    add_quarantine(con)
    con.close()
    return path


@pytest.fixture()
def warehouse(template_warehouse: Path, settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """The test's own copy of the warehouse, opened read-only as the reports are."""
    settings.home.mkdir(parents=True)
    shutil.copy(template_warehouse, settings.warehouse_path)
    reader = duckdb.connect(str(settings.warehouse_path), read_only=True)
    yield reader
    reader.close()


@pytest.fixture()
def written(warehouse: duckdb.DuckDBPyConnection, settings: Settings) -> list[Path]:
    """The reports written in Chinese."""
    return write_reports(warehouse, settings, HALF_YEAR, run_id="run-2")
