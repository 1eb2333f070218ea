"""The city-wide layout: offices publish current rows as partitioned Parquet; a city builds on them.

Each office's minyi writes, after every committed batch, its current rows and its registry to a
shared folder (``MINYI_PUBLISH_DIR``)::

    <dir>/<dataset>/office=<office>/period=<P>/part0.parquet     evaluations, hearings, ...
    <dir>/ref_<table>/office=<office>[/period=<P>]/part0.parquet registry (roster by period)

An office only ever replaces its own ``office=<name>`` folders. :func:`build_city_warehouse`
unions every office's files into one DuckDB file with the same schema and metric views.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from flows.settings import Settings
from flows.warehouse import (
    Mode,
    ensure_schema,
    open_warehouse,
    refresh_views,
    replace_evaluator_codes,
    sql,
    write_settings,
)


@dataclass(frozen=True)
class Published:
    """One published table: its folder name, the warehouse table, whether split by period."""

    folder: str
    table: str
    by_period: bool

    @property
    def query(self) -> str:
        """The SQL name of the query producing the office's rows."""
        return f"publish/{self.folder}"

    @property
    def city_insert(self) -> str:
        """The SQL name of the statement filling the city table from ``published``."""
        schema, name = self.table.split(".")
        return f"publish/city_ref_{name}" if schema == "ref" else f"publish/city_{name}"


PUBLISHED = (
    Published("evaluations", "core.evaluations", True),
    Published("hearings", "core.hearings", True),
    Published("branch_reports", "core.branch_reports", True),
    Published("ref_communities", "ref.communities", False),
    Published("ref_organisations", "ref.organisations", False),
    Published("ref_evaluators", "ref.evaluators", True),
    # Cells still to correct, with the row reduced to whom it names: a form received but
    # rejected is then not counted missing city-wide either (metrics.reporting_states).
    Published("quarantine", "meta.quarantine", False),
)


def _literal(path: Path) -> str:
    # COPY takes its target only as a literal, not as a parameter.
    return "'" + str(path).replace("'", "''") + "'"


def _copy_office(con: duckdb.DuckDBPyConnection, item: Published, target: Path) -> None:
    """Write one table's office rows under ``target`` (split by period where it has one)."""
    options = "format parquet, filename_pattern 'part'"
    if item.by_period:
        query = f"copy ({sql(item.query)}) to {_literal(target)} ({options}, partition_by (period))"
    else:
        target.mkdir(parents=True)
        query = f"copy ({sql(item.query)}) to {_literal(target / 'part0.parquet')} (format parquet)"
    con.execute(query)


def _swap_in(fresh: Path, final: Path) -> None:
    """Replace ``final`` by ``fresh``; readers see the old or the new folder, never half of one."""
    old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex[:8]}")
    if final.exists():
        final.rename(old)
    if fresh.exists():
        fresh.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def publish_office(
    con: duckdb.DuckDBPyConnection, publish_dir: Path, office: str
) -> dict[str, int]:
    """Write the office's current rows and registry to the shared folder; rows per table."""
    counts: dict[str, int] = {}
    for item in PUBLISHED:
        folder = publish_dir / item.folder
        folder.mkdir(parents=True, exist_ok=True)
        fresh = folder / f".office={office}.new-{uuid.uuid4().hex[:8]}"
        try:
            _copy_office(con, item, fresh)
            _swap_in(fresh, folder / f"office={office}")
        finally:
            shutil.rmtree(fresh, ignore_errors=True)
        row = con.sql(sql(item.query)).aggregate("count(*)").fetchall()[0]
        counts[item.folder] = int(row[0]) if row else 0
    return counts


def publish(settings: Settings) -> dict[str, int] | None:
    """Publish this office's rows when ``MINYI_PUBLISH_DIR`` is set; None when it is not."""
    target = settings.publish_path
    if target is None:
        return None
    with open_warehouse(settings, Mode.READ) as con:
        return publish_office(con, target, settings.office_name)


def _published_files(publish_dir: Path, item: Published) -> str | None:
    """The glob of an item's Parquet files, None when no office published it yet."""
    pattern = "office=*/period=*/*.parquet" if item.by_period else "office=*/*.parquet"
    if not any((publish_dir / item.folder).glob(pattern)):
        return None
    return str(publish_dir / item.folder / pattern)


def build_city_warehouse(
    publish_dir: Path, target: Path, settings: Settings | None = None
) -> dict[str, int]:
    """Build (replace) a city DuckDB from every office's published files; rows per table.

    The metric views read the targets of ``settings`` (the city's), defaults when None.
    Opinions are tagged by topic once it is built (``flows.topics.tagging.tag_opinions``).
    """
    fresh = target.with_name(f"{target.name}.building")
    for leftover in (fresh, Path(f"{fresh}.wal")):
        leftover.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    con = duckdb.connect(str(fresh))
    try:
        ensure_schema(con)
        con.execute(sql("publish/city_schema"))
        write_settings(con, settings or Settings())
        for item in PUBLISHED:
            files = _published_files(publish_dir, item)
            if files is None:
                continue
            con.execute(sql("publish/city_published"), [files])
            con.execute(sql(item.city_insert))
            if item.table.startswith("core."):
                con.execute(sql("publish/city_sources"), [item.folder])
            row = con.execute("select count(*) from published").fetchone()
            counts[item.table] = int(row[0]) if row else 0
            con.execute("drop table published")
        replace_evaluator_codes(con)
        refresh_views(con)
    finally:
        con.close()
    fresh.replace(target)
    Path(f"{target}.wal").unlink(missing_ok=True)
    return counts
