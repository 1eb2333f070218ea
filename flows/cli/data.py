"""``minyi query``, ``export``, ``backup``, ``restore``: the warehouse's rows for people and other
systems, and the home kept safe."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from flows.cli.common import (
    HalfYear,
    _fail,
    _one_line_errors,
    _period_or_fail,
    _say,
    _settings,
    app,
)
from flows.messages import both


@app.command()
@_one_line_errors
def query(
    statement: Annotated[str, typer.Argument(help="只读 SQL / a read-only SQL query")],
    output_format: Annotated[str, typer.Option("--format", help="table | csv | json")] = "table",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            help="写入新文件 .csv/.parquet/.xlsx（不得在 MINYI_HOME 内）/ write rows to a new file "
            "(never inside MINYI_HOME)",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="覆盖已有的输出文件 / replace an existing output file"),
    ] = False,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            help="超时秒数（默认 MINYI_QUERY_TIMEOUT_SECONDS；0 不限）/ seconds before the "
            "query is stopped",
        ),
    ] = None,
) -> None:
    """查询仓库（只读）/ query the warehouse, read-only."""
    settings = _settings()
    from flows.service.runlock import run_lock_held
    from flows.warehouse import WarehouseLocked
    from flows.warehouse.query import QueryRefused, QueryTimedOut, run_query

    if timeout is not None and timeout < 0:
        _fail(both("query_bad_timeout", value=timeout), 2)
    if not statement.strip():
        _fail(both("query_empty"), 2)

    if output_format not in ("table", "csv", "json"):
        _fail("--format: table | csv | json", 2)
    if output is not None:
        # Only with a file: the writers import pandas (0.35 s), which a table on screen skips.
        from flows.warehouse.export import OutputRefused, check_query_output

        try:
            check_query_output(output, settings.home, force=force)
        except OutputRefused as refused:
            _fail(str(refused), 2)
    if not settings.warehouse_path.exists():
        _fail(both("warehouse_missing", path=settings.warehouse_path))
    try:
        if output is None and output_format == "table":
            from flows.warehouse.query import show_query

            show_query(settings, statement, timeout)
            return
        frame = run_query(settings, statement, timeout)
    except QueryRefused as refused:
        _fail(str(refused), 2)
        return
    except QueryTimedOut as timed_out:
        _fail(str(timed_out))
        return
    except WarehouseLocked as locked:
        if run_lock_held(settings.home):
            _fail(both("warehouse_locked_by_run", seconds=settings.lock_timeout_seconds))
        _fail(str(locked))
        return
    except Exception as error:
        _fail(both("query_error", error=error))
        return
    if output is not None:
        from flows.warehouse.export import OutputRefused, write_query_output

        try:
            write_query_output(frame, output, settings.timezone, settings.home, force=force)
        except OutputRefused as refused:
            _fail(str(refused), 2)
        except OSError as error:
            _fail(both("query_output_failed", path=output, error=error.strerror or error))
        _say(settings, "query_output_written", rows=len(frame), path=output)
        return
    if output_format == "csv":
        from flows.warehouse.query import spreadsheet_safe

        sys.stdout.write(spreadsheet_safe(frame).to_csv(index=False, lineterminator="\r\n"))
    else:
        records = json.loads(frame.to_json(orient="records", date_format="iso"))
        typer.echo(json.dumps(records, ensure_ascii=False, indent=2))


@app.command()
@_one_line_errors
def export(
    period: HalfYear,
    file_format: Annotated[str, typer.Option("--format", help="parquet | csv")] = "parquet",
    out: Annotated[
        Path | None,
        typer.Option(help="输出目录（默认 MINYI_HOME/exports/<半年度>）/ output folder"),
    ] = None,
) -> None:
    """导出一个半年度的核心表和指标 / export a half-year's core tables and metrics."""
    settings = _settings()
    target = _period_or_fail(period, settings)
    if file_format not in ("parquet", "csv"):
        _fail(both("export_bad_format", value=file_format), 2)
    if not settings.warehouse_path.exists():
        _fail(both("warehouse_missing", path=settings.warehouse_path))
    from flows.warehouse.export import export_dir, export_period

    folder = out or export_dir(settings, target)
    written = export_period(settings, target, file_format, folder)
    _say(settings, "export_done", period=target, tables=len(written), path=folder)
    for table in written:
        _say(settings, "export_table", name=table.path.name, rows=table.rows)


@app.command()
def backup(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="备份文件（.tar.gz）或目录（默认 MINYI_HOME/backups）/ archive file or folder"
        ),
    ] = None,
) -> None:
    """备份 MINYI_HOME（服务运行时也一致）/ back up the home into one archive, consistently."""
    settings = _settings()
    from flows.service.backup import backup as write_backup
    from flows.service.runlock import RunLocked

    try:
        result = write_backup(settings, path)
    except RunLocked as busy:
        _fail(str(busy))
        return
    _say(settings, "backup_done", path=result.path, files=result.files, size=result.bytes)


@app.command()
def restore(
    path: Annotated[Path, typer.Argument(help="minyi backup 写的备份 / a minyi backup archive")],
) -> None:
    """把备份恢复到空的 MINYI_HOME / restore a backup into an empty home."""
    settings = _settings()
    from flows.service.backup import BackupError
    from flows.service.backup import restore as restore_backup

    try:
        files = restore_backup(settings, path)
    except BackupError as error:
        _fail(str(error))
        return
    _say(settings, "restore_done", path=path, files=files, home=settings.home)
