"""The ``minyi`` command line: demo, run, ingest, query, generate, report."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar, cast

import typer
from rich.cells import cell_len

from flows.messages import both, msg
from flows.periods import Period, last_closed_period, parse_period, periods_ending_at
from flows.settings import Settings, load_settings
from flows.storage import keep_private
from flows.topics.commands import topics_app

if TYPE_CHECKING:
    from flows.ingest.batch import RunResult

app = typer.Typer(
    help="民意 minyi：街道半年度评议与参与情况数据处理 / semiannual evaluation and "
    "participation pipeline for subdistrict offices.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# minyi topics list | check | tag | others: the taxonomy, for organizers editing it.
app.add_typer(topics_app, name="topics")

Lang = Annotated[str | None, typer.Option("--lang", help="zh | en（报告语言 / report language）")]


def _settings() -> Settings:
    try:
        settings = load_settings()
    except ValueError as error:
        _fail(str(error))
        raise
    # Everything minyi writes (archive, quarantine, reports, the warehouse) is private.
    keep_private(settings.home)
    return settings


def _fail(text: str, code: int = 1) -> NoReturn:
    typer.echo(text, err=True)
    raise typer.Exit(code)


Command = TypeVar("Command", bound=Callable[..., None])


def _one_line_errors(command: Command) -> Command:
    """A command whose expected failures (a home or folder that cannot be written, a registry
    file minyi cannot read, a lock held too long) end in one line and exit code 1, never a
    traceback."""
    from flows.ingest.registry_check import RegistryProblem
    from flows.service.runlock import RunLocked
    from flows.storage import HomeNotWritable
    from flows.warehouse import WarehouseLocked

    @functools.wraps(command)
    def guarded(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except (HomeNotWritable, RegistryProblem, RunLocked, WarehouseLocked) as error:
            _fail(str(error))
        except OSError as error:
            if error.filename:
                _fail(both("cannot_write", path=error.filename, reason=error.strerror or error))
            _fail(both("os_problem", reason=error))

    return cast(Command, guarded)


def _lang_or_fail(lang: str | None) -> str | None:
    """The --lang option checked before a command touches anything."""
    if lang is not None and lang not in ("zh", "en"):
        _fail(both("bad_lang", value=lang), 2)
    return lang


def _periods_or_fail(periods: int) -> int:
    """The --periods option checked before a command touches anything."""
    if periods < 1:
        _fail(both("bad_periods", value=periods), 2)
    return periods


def _writable_home(settings: Settings) -> None:
    """Fail in one line, before Prefect starts, when the home cannot be written."""
    from flows.storage import ensure_home_writable

    ensure_home_writable(settings.home)


def _say(settings: Settings, key: str, **values: Any) -> None:
    typer.echo(msg(key, settings.lang, **values))


def _period_or_fail(value: str | None, settings: Settings) -> Period:
    """The half-year an option names, parsed once here; the last closed one when not given."""
    if value is None:
        return last_closed_period(tz=settings.timezone)
    period = parse_period(value)
    if period is None:
        _fail(both("bad_period", value=value), 2)
        raise AssertionError  # _fail exits
    return period


def _taxonomy_or_fail(settings: Settings) -> None:
    """Stop with one line naming the file and the line when the topic taxonomy is broken."""
    from flows.topics.taxonomy import TaxonomyError, load_taxonomy

    try:
        load_taxonomy(settings.topics_path)
    except TaxonomyError as error:
        _fail(str(error), 2)


def _run_flow(
    settings: Settings, period: Period, lang: str | None, *, prefect: bool = True
) -> None:
    """Run ``semiannual-run`` on Prefect; without it (see ``flows.without_prefect``) when
    ``prefect`` is False or the inbox is empty, as Prefect's server takes longer to start
    than such a run takes."""
    from flows.ingest.registry_check import check_registry

    _taxonomy_or_fail(settings)
    _writable_home(settings)
    # A registry minyi cannot read is named in one line here, not in a task's traceback.
    check_registry(settings.reference_dir)
    if settings.task_runner == "dask":  # checked even when the run would not need Dask
        from flows.service.dask import dask_unreachable  # imports Prefect: only when asked

        problem = dask_unreachable(settings)
        if problem is not None:
            _fail(both("dask_unreachable", address=settings.dask_address, error=problem))
    from flows.without_prefect import inbox_is_empty, run_without_prefect

    if not prefect or inbox_is_empty(settings):
        try:
            result = run_without_prefect(settings, period, lang)
        except Exception as error:
            _fail(both("run_failed", error=error))
            return
        _print_result(settings, result)
        return
    from flows.service.prefect_env import configure_prefect

    configure_prefect(settings)
    from flows.flows import semiannual_run
    from flows.service.dask import with_task_runner, workers_share_the_server

    try:
        run_flow = with_task_runner(semiannual_run, settings)
        with workers_share_the_server(settings):
            result = run_flow(period=period, lang=lang, settings=settings)
    except Exception as error:
        _fail(both("run_failed", error=error))
        return
    _print_result(settings, result)


def _say_totals(settings: Settings, summary: Any) -> None:
    _say(
        settings,
        "run_done",
        files=summary.files_seen,
        loaded=summary.rows_loaded,
        quarantined=summary.rows_quarantined,
    )


# A run lists its files one by one up to this many; past it (a city or national inbox), the
# files that need attention come first and the rest are counted. The quality report has all.
LISTED_FILES = 50


def _listed_files(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The files a run prints: all of them in order, or LISTED_FILES of them chosen as the
    quality report chooses, those to act on shown first."""
    if len(files) <= LISTED_FILES:
        return files
    from flows.reports import actionable_first, attention

    return sorted(actionable_first(files, LISTED_FILES), key=attention)


def _print_result(settings: Settings, result: RunResult) -> None:
    """Each file's outcome in the settings' language, then the totals and the reports' folder."""
    summary = result.summary
    lang = settings.lang
    listed = _listed_files(result.files)
    labels = {o: msg(f"report.outcome.{o}", lang) for o in {row["outcome"] for row in listed}}
    width = max(map(cell_len, labels.values()), default=0)  # a Chinese character is two wide
    for row in listed:
        label = labels[row["outcome"]]
        detail = f"  {label}{' ' * (width - cell_len(label))}  {row['file']}"
        if row["outcome"] == "loaded":
            detail += f"  ({row['rows_loaded']}/{row['rows_read']}, {row['rows_quarantined']} ⚠)"
        elif reason := row.get("reason_zh" if lang == "zh" else "reason"):
            detail += f"  {reason}"
        typer.echo(detail)
    if len(listed) < len(result.files):
        _say(settings, "files_not_listed", count=len(result.files) - len(listed))
    _say_totals(settings, summary)
    if result.reports:
        _say(settings, "reports_at", path=Path(result.reports[0]).parent)


@app.command()
@_one_line_errors
def demo(
    periods: Annotated[int, typer.Option(help="生成的半年度个数 / half-years to generate")] = 4,
    seed: Annotated[int, typer.Option(help="随机种子 / random seed")] = 2026,
    lang: Lang = None,
) -> None:
    """生成示例数据并运行完整流程 / generate demo files and run the whole pipeline."""
    _lang_or_fail(lang)
    _periods_or_fail(periods)
    settings = _settings()
    _writable_home(settings)
    _taxonomy_or_fail(settings)
    from flows.demo.generate import generate

    last = last_closed_period(tz=settings.timezone)
    written = generate(settings, periods_ending_at(last, periods), seed=seed)
    _say(settings, "generated", files=len(written), path=settings.inbox_dir)
    _run_flow(settings, last, lang, prefect=False)


@app.command()
@_one_line_errors
def run(
    period: Annotated[
        str | None, typer.Option(help="半年度，如 2026H1（默认：最近结束的半年）/ half-year")
    ] = None,
    lang: Lang = None,
) -> None:
    """运行半年度流程：载入收件箱、计算指标、生成报告 / run the semiannual flow now."""
    _lang_or_fail(lang)
    settings = _settings()
    _run_flow(settings, _period_or_fail(period, settings), lang)


@app.command()
@_one_line_errors
def ingest(
    files: Annotated[list[Path], typer.Argument(help="要载入的文件 / files to ingest")],
) -> None:
    """载入指定文件（原文件保留）/ ingest the named files (originals stay in place)."""
    settings = _settings()
    _writable_home(settings)
    for path in files:
        if not path.is_file():
            _fail(both("file_missing", path=path), 2)
    _taxonomy_or_fail(settings)
    from flows.ingest.batch import ingest as ingest_files

    _print_result(settings, ingest_files(settings, [p.resolve() for p in files]))


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
    from flows.warehouse.export import OutputRefused, check_query_output
    from flows.warehouse.query import QueryRefused, QueryTimedOut, run_query

    if timeout is not None and timeout < 0:
        _fail(both("query_bad_timeout", value=timeout), 2)
    if not statement.strip():
        _fail(both("query_empty"), 2)

    if output_format not in ("table", "csv", "json"):
        _fail("--format: table | csv | json", 2)
    if output is not None:
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
        from flows.warehouse.export import write_query_output

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
def generate(
    periods: Annotated[int, typer.Option(help="半年度个数 / number of half-years")] = 4,
    last: Annotated[
        str | None, typer.Option(help="最后一个半年度（默认最近结束的）/ last half-year")
    ] = None,
    seed: Annotated[int, typer.Option(help="随机种子 / random seed")] = 2026,
    out: Annotated[Path | None, typer.Option(help="输出目录（默认收件箱）/ output folder")] = None,
    subdistricts: Annotated[int, typer.Option(help="街道个数 / subdistricts")] = 1,
    bad_rows: Annotated[bool, typer.Option(help="加入错误行 / add bad rows")] = True,
) -> None:
    """生成仿真输入文件 / write realistic synthetic input files."""
    _periods_or_fail(periods)
    if subdistricts < 1:
        _fail(both("bad_subdistricts", value=subdistricts), 2)
    settings = _settings()
    from flows.demo.generate import generate as write_files

    end = _period_or_fail(last, settings)
    try:
        written = write_files(
            settings,
            periods_ending_at(end, periods),
            seed=seed,
            out_dir=out,
            subdistricts=subdistricts,
            bad_rows=bad_rows,
        )
    except ValueError as error:
        _fail(str(error), 2)
        return
    _say(settings, "generated", files=len(written), path=out or settings.inbox_dir)


@app.command()
@_one_line_errors
def report(
    period: Annotated[str, typer.Option(help="半年度，如 2026H1 / half-year")],
    lang: Lang = None,
) -> None:
    """从仓库重新生成报告 / rebuild the period's reports from the warehouse."""
    _lang_or_fail(lang)
    settings = _settings()
    target = _period_or_fail(period, settings)
    if not settings.warehouse_path.exists():
        _fail(both("warehouse_missing", path=settings.warehouse_path))
    from flows import reports
    from flows.warehouse import Mode, open_warehouse

    with open_warehouse(settings, Mode.READ) as con:
        paths = reports.write_reports(con, settings, target, lang=lang or settings.lang)
    for path in paths:
        typer.echo(str(path))


@app.command()
@_one_line_errors
def rebuild() -> None:
    """从归档重建仓库（与逐次载入结果相同）/ rebuild the warehouse from the archive."""
    settings = _settings()
    _writable_home(settings)
    _taxonomy_or_fail(settings)
    from flows.ingest.rebuild import rebuild as rebuild_warehouse

    summary = rebuild_warehouse(settings)
    _say_totals(settings, summary)


def main() -> None:
    """Entry point of the ``minyi`` console command."""
    app()


# Service commands (serve, status, export)

Port = Annotated[
    int | None,
    typer.Option(
        "--port",
        help="本机 Prefect 服务器端口（默认 MINYI_PREFECT_PORT 或 4200；0 自动选择）/ "
        "local Prefect server port",
    ),
]


@app.command()
@_one_line_errors
def serve(port: Port = None) -> None:
    """启动服务：本机 Prefect 服务器与定时任务 / run the server and the scheduled deployments."""
    settings = _settings()
    _writable_home(settings)
    from flows.service.prefect_env import configure_prefect

    configure_prefect(settings)
    from flows.service.serve import ServeError
    from flows.service.serve import serve as serve_deployments

    try:
        serve_deployments(settings, port, say=typer.echo)
    except ServeError as error:
        _fail(str(error))


@app.command()
@_one_line_errors
def status(port: Port = None) -> None:
    """查看计划、最近运行和收件箱 / show schedules, recent runs and the inbox backlog."""
    settings = _settings()
    from flows.service.prefect_env import configure_prefect

    configure_prefect(settings)
    from flows.service.status import service_status, status_lines

    for line in status_lines(service_status(settings, port), settings):
        typer.echo(line)


@app.command()
@_one_line_errors
def export(
    period: Annotated[str, typer.Option(help="半年度，如 2026H1 / half-year")],
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
