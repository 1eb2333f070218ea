"""``minyi demo``, ``run``, ``ingest``, ``generate``, ``report``, ``rebuild``: the runs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.cells import cell_len

from flows.messages import both, msg
from flows.periods import Period, last_closed_period, periods_ending_at
from flows.settings import Settings

if TYPE_CHECKING:
    from flows.ingest.batch import RunResult

from flows.cli.common import (
    HalfYear,
    Lang,
    _fail,
    _lang_or_fail,
    _one_line_errors,
    _period_or_fail,
    _periods_or_fail,
    _say,
    _settings,
    _taxonomy_or_fail,
    _writable_home,
    app,
)


def _run_flow(
    settings: Settings, period: Period, lang: str | None, *, prefect: bool = True
) -> None:
    """Run ``semiannual-run`` on Prefect; without it (see ``flows.without_prefect``) when
    ``prefect`` is False or the inbox is empty, as Prefect's server takes longer to start
    than such a run takes."""
    from flows.ingest.registry import checked_before
    from flows.ingest.registry_check import check_registry

    _taxonomy_or_fail(settings)
    _writable_home(settings)
    # A registry minyi cannot read is named in one line here, not in a task's traceback
    # (unless its files are as when a run last read them without a problem).
    if not checked_before(settings.reference_dir, settings.registry_cache_dir):
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

    _use_serves_server(settings)
    configure_prefect(settings)
    from flows.flows import semiannual_run
    from flows.service.dask import with_task_runner, workers_share_the_server

    try:
        # At a terminal a failure is reported at once; the schedule's runs retry (flows.py).
        run_flow = with_task_runner(semiannual_run.with_options(retries=0), settings)
        with workers_share_the_server(settings):
            result = run_flow(period=period, lang=lang, settings=settings)
    except Exception as error:
        _fail(both("run_failed", error=error))
        return
    _print_result(settings, result)


def _use_serves_server(settings: Settings) -> None:
    """When ``minyi serve`` runs for this home, run the flow against its Prefect server: the
    run is recorded where the scheduled ones are, and no temporary server is started (8 s on
    a warm home, 17-20 s on a fresh one). PREFECT_API_URL, when set, is left as it is."""
    import os

    from flows.service.status import running_serve_api

    if os.environ.get("PREFECT_API_URL"):
        return
    api_url = running_serve_api(settings)
    if api_url is not None:
        os.environ["PREFECT_API_URL"] = api_url
        _say(settings, "run_on_serve_server", url=api_url)


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
    # The collection loop too: the half-year's forms go out, the first community's come back.
    from flows.collection.sample import return_some_forms
    from flows.collection.templates import write_templates

    forms = write_templates(settings, last, lang=settings.lang)
    _say(settings, "templates.written", count=len(forms), path=settings.templates_dir / str(last))
    returned = return_some_forms(forms, settings.inbox_dir, last, seed)
    _say(settings, "templates.returned", count=len(returned), path=settings.inbox_dir)
    _run_flow(settings, last, lang, prefect=False)
    _say(settings, "templates.next", period=last)


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
    period: HalfYear,
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

    with open_warehouse(settings, Mode.SNAPSHOT) as con:
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
