"""Writing warehouse rows to files: a period's export for other systems, and query results."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from flows.messages import both
from flows.periods import Period
from flows.settings import Settings
from flows.warehouse import Mode, open_warehouse, sql
from flows.warehouse.query import spreadsheet_safe, spreadsheet_safe_arrow

EXPORT_FORMATS = ("parquet", "csv")
CORE_TABLES = ("evaluations", "hearings", "branch_reports")
# Metric views holding free text, exported by their own statement without it (as evaluations
# are exported without their comments).
TEXT_VIEWS = {"metrics.opinions": "export/opinions"}
QUERY_OUTPUT_SUFFIXES = (".csv", ".parquet", ".xlsx")
# Excel must show text exactly as stored: no formulas, no numbers from digit strings, no links.
_XLSX_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}


@dataclass(frozen=True)
class ExportedTable:
    """One file written by an export."""

    name: str
    path: Path
    rows: int


def export_dir(settings: Settings, period: Period) -> Path:
    """The default folder of a period's export: MINYI_HOME/exports/<period>."""
    return settings.home / "exports" / str(period)


def metric_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Qualified names of the metric views that have a period column."""
    return [f"metrics.{row[0]}" for row in con.execute(sql("export/metric_views")).fetchall()]


def period_tables(con: duckdb.DuckDBPyConnection, period: Period) -> Iterator[tuple[str, pa.Table]]:
    """The period's current core rows, then each metric view's rows for the period."""
    text = str(period)
    for table in CORE_TABLES:
        yield table, con.sql(sql(f"export/{table}"), params=[text]).to_arrow_table()
    for view in metric_views(con):
        if view in TEXT_VIEWS:
            rows = con.sql(sql(TEXT_VIEWS[view]), params=[text]).to_arrow_table()
        else:
            rows = con.sql(sql("export/metric_view"), params=[view, text]).to_arrow_table()
        yield view.replace(".", "_"), rows


def write_table(table: pa.Table, path: Path, file_format: str) -> None:
    """Write Arrow rows as Parquet or CSV, replacing ``path`` only once the file is complete."""
    partial = path.with_name(f".{path.name}.part")
    if file_format == "parquet":
        pq.write_table(table, partial)
    else:
        pa_csv.write_csv(spreadsheet_safe_arrow(table), partial)
    os.replace(partial, path)


def export_period(
    settings: Settings, period: Period, file_format: str, out_dir: Path | None = None
) -> list[ExportedTable]:
    """Write the period's core tables and metric views as one file each."""
    if file_format not in EXPORT_FORMATS:
        raise ValueError(both("export_bad_format", value=file_format))
    folder = out_dir or export_dir(settings, period)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with open_warehouse(settings, Mode.READ) as con:
        for name, table in period_tables(con, period):
            path = folder / f"{name}.{file_format}"
            write_table(table, path, file_format)
            written.append(ExportedTable(name, path, table.num_rows))
    return written


def local_datetimes(frame: pd.DataFrame, tz: str) -> pd.DataFrame:
    """The frame with time-zone-aware columns as local wall-clock times (Excel has no zones)."""
    converted = frame.copy()
    for column in converted.columns:
        if isinstance(converted[column].dtype, pd.DatetimeTZDtype):
            converted[column] = converted[column].dt.tz_convert(tz).dt.tz_localize(None)
    return converted


class OutputRefused(ValueError):
    """A query output path minyi will not write to; the message says why, in both languages."""


def check_query_output(path: Path, home: Path | None = None, *, force: bool = False) -> Path:
    """``path`` made absolute, or OutputRefused: a wrong suffix, a missing folder, a symbolic
    link at the path or as its folder, a path inside ``home`` (the warehouse, the archive, the
    inbox, the key), a folder, or an existing file unless ``force``."""
    if path.suffix.lower() not in QUERY_OUTPUT_SUFFIXES:
        raise OutputRefused(both("query_output_suffix", path=path))
    target = Path(os.path.abspath(path))
    folder = target.parent
    if target.is_symlink() or folder.is_symlink():
        raise OutputRefused(both("query_output_symlink", path=path))
    if not folder.is_dir():
        raise OutputRefused(both("query_output_no_folder", folder=folder))
    if home is not None and _inside(target, home):
        raise OutputRefused(both("query_output_in_home", path=path, home=home))
    if target.is_dir():
        raise OutputRefused(both("query_output_is_folder", path=path))
    if target.exists() and not force:
        raise OutputRefused(both("query_output_exists", path=path))
    return target


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` lies in ``folder``, links resolved on both sides."""
    real = Path(os.path.realpath(path))
    return real.is_relative_to(os.path.realpath(folder)) or path.is_relative_to(folder)


def write_query_output(
    frame: pd.DataFrame, path: Path, tz: str, home: Path | None = None, *, force: bool = False
) -> None:
    """Write query rows by the file's suffix: .csv (UTF-8 with BOM for Excel), .parquet, .xlsx.

    The path is checked (:func:`check_query_output`); the rows go to a temporary file beside
    it (mode 600), renamed over it when complete: a failed write leaves nothing half-written.
    """
    target = check_query_output(path, home, force=force)
    suffix = target.suffix.lower()
    fd, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=suffix, dir=target.parent)
    os.close(fd)
    temporary = Path(name)
    try:
        _write_rows(frame, temporary, suffix, tz)
        # Checked again just before: a link planted at the path meanwhile is not replaced.
        check_query_output(path, home, force=force)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _write_rows(frame: pd.DataFrame, path: Path, suffix: str, tz: str) -> None:
    if suffix == ".csv":
        # CRLF, as Excel writes: a field holding a bare CR is then quoted, not split in two.
        spreadsheet_safe(frame).to_csv(
            path, index=False, encoding="utf-8-sig", lineterminator="\r\n"
        )
    elif suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        with pd.ExcelWriter(
            path, engine="xlsxwriter", engine_kwargs={"options": _XLSX_OPTIONS}
        ) as writer:
            local_datetimes(frame, tz).to_excel(writer, index=False, sheet_name="query")
