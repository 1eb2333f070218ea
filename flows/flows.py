"""The Prefect flows: ``semiannual-run`` and ``ingest-inbox``. They only wire the steps."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from flows import reports
from flows.datasets import Kind
from flows.ingest import batch
from flows.ingest.inbox import ready_inbox_files
from flows.ingest.load import LoadSummary, combine
from flows.ingest.normalise import StagedTable
from flows.ingest.receive import FileOutcome
from flows.ingest.stage import merge_staged
from flows.periods import last_closed_period, parse_period
from flows.service.dask import mark_repeats, task_groups
from flows.service.runlock import run_lock
from flows.settings import Settings, load_settings
from flows.warehouse import Mode, WarehouseLocked, open_warehouse
from flows.warehouse.publish import publish


@dataclass
class RunResult:
    """What a run did: the period, the load totals, the reports written."""

    run_id: str
    period: str | None
    summary: LoadSummary
    files: list[dict[str, Any]] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)


@task(name="prepare", cache_policy=NO_CACHE)
def prepare_task(settings: Settings, run_id: str) -> batch.BatchContext:
    """Load the registry, the pseudonym key and the hashes already received."""
    return batch.prepare(settings, run_id)


@task(name="read-files", cache_policy=NO_CACHE)
def read_task(paths: list[Path], context: batch.BatchContext) -> list[FileOutcome]:
    """Read and type every file of the batch."""
    return batch.read_batch(paths, context)


@task(name="validate", cache_policy=NO_CACHE)
def validate_task(
    outcomes: list[FileOutcome], context: batch.BatchContext
) -> tuple[list[FileOutcome], dict[Kind, StagedTable]]:
    """Type all rows of each kind and run the Great Expectations suites over them."""
    return batch.validate_batch(outcomes, context)


@task(name="validate-files", cache_policy=NO_CACHE)
def validate_part_task(
    outcomes: list[FileOutcome],
    context: batch.BatchContext,
    first_sequence: int,
) -> tuple[list[FileOutcome], dict[Kind, StagedTable], list[dict[str, Any]]]:
    """Type and validate a part of the batch on a worker (the context carries the names to
    mask, the batch's included)."""
    validated = batch.stage_and_validate(outcomes, context, first_sequence=first_sequence)
    for outcome in outcomes:  # the flow holds the rows: only what was set here goes back
        outcome.release_rows()
    return validated


@task(
    name="load",
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=5,
    retry_condition_fn=lambda _task, _run, state: _is_lock_failure(state),
)
def load_task(
    outcomes: list[FileOutcome],
    staged: dict[Kind, StagedTable],
    context: batch.BatchContext,
    period: str | None,
) -> LoadSummary:
    """Commit the batch in one transaction, then archive the files."""
    return batch.load_and_archive(
        outcomes, staged, context, period=period, flow_run_id=_flow_run_id()
    )


@task(name="publish", cache_policy=NO_CACHE)
def publish_task(settings: Settings) -> None:
    """Write the cleaned current rows as Parquet for the city warehouse (MINYI_PUBLISH_DIR)."""
    publish(settings)


@task(name="reports", cache_policy=NO_CACHE)
def report_task(settings: Settings, period: str, lang: str, run_id: str) -> list[str]:
    """Write the period's semiannual and data-quality reports; publish the headline."""
    with open_warehouse(settings, Mode.READ) as con:
        paths = reports.write_reports(con, settings, period, lang=lang, run_id=run_id)
        headline = reports.headline_markdown(con, settings, period, lang=lang)
        quality = reports.quality_rows(con, period, lang=lang)
    create_markdown_artifact(markdown=headline, key=f"headline-{period.lower()}")
    if quality:
        create_table_artifact(table=quality, key=f"quality-{period.lower()}")
    return [str(p) for p in paths]


def _is_lock_failure(state: Any) -> bool:
    try:
        state.result()
    except WarehouseLocked:
        return True
    except Exception:
        return False
    return False


def _flow_run_id() -> str | None:
    value = flow_run.get_id()
    return str(value) if value else None


def _file_rows(outcomes: list[FileOutcome]) -> list[dict[str, Any]]:
    return [
        {
            "file": o.file_name,
            "kind": o.kind,
            "outcome": o.outcome,
            "rows_read": o.rows_read,
            "rows_loaded": o.rows_read - o.rows_quarantined,
            "rows_quarantined": o.rows_quarantined,
            "reason": o.rejection.reason("en") if o.rejection else None,
            "reason_zh": o.rejection.reason("zh") if o.rejection else None,
        }
        for o in outcomes
    ]


def _read(settings: Settings, paths: list[Path], context: batch.BatchContext) -> list[FileOutcome]:
    """Read the batch in the flow, or in groups of files spread over the Dask workers."""
    groups = task_groups(settings, paths)
    if len(groups) < 2:
        return read_task(paths, context)
    futures = [read_task.submit(group, context) for group in groups]
    return mark_repeats([outcome for future in futures for outcome in future.result()])


def _validate(
    settings: Settings, outcomes: list[FileOutcome], context: batch.BatchContext
) -> tuple[list[FileOutcome], dict[Kind, StagedTable]]:
    """Validate the batch in the flow, or in groups of files spread over the Dask workers.

    Rules are per file, so groups validate as the whole batch does; what spans files is
    decided first: the names to mask (``batch.remember_names``, in the context each task
    carries), each file's place in the batch.
    """
    groups = task_groups(settings, outcomes)
    if len(groups) < 2:
        return validate_task(outcomes, context)
    starts = accumulate((len(g) for g in groups[:-1]), initial=0)
    futures = [
        validate_part_task.submit(group, context, start)
        for group, start in zip(groups, starts, strict=True)
    ]
    parts = [future.result() for future in futures]
    batch.keep_validation_results([r for _o, _s, results in parts for r in results], context)
    validated = [outcome for part_outcomes, _s, _r in parts for outcome in part_outcomes]
    return validated, merge_staged([staged for _o, staged, _r in parts])


def _ingest(settings: Settings, paths: list[Path], period: str | None) -> RunResult:
    run_id = _flow_run_id() or batch.new_run_id()
    summaries: list[LoadSummary] = []
    outcomes: list[FileOutcome] = []
    with run_lock(settings.home, settings.lock_timeout_seconds):
        context = prepare_task(settings, run_id)
        steps = batch.BatchSteps(
            read=lambda group, part: _read(settings, group, part),
            validate=lambda read, part: _validate(settings, read, part),
            load=lambda read, staged, part: load_task(read, staged, part, period),
        )
        for summary, loaded in batch.in_batches(context, paths, steps):
            summaries.append(summary)
            outcomes.extend(loaded)
        publish_task(settings)
    summary = combine(summaries)
    get_run_logger().info("loaded %s", asdict(summary))
    return RunResult(run_id, period, summary, _file_rows(outcomes))


@flow(name="semiannual-run", log_prints=False)
def semiannual_run(
    period: str | None = None, home: str | None = None, lang: str | None = None
) -> RunResult:
    """Ingest the inbox, refresh the metrics and write the reports for one half-year."""
    settings = load_settings(home=home)
    target = str(parse_period(period) or last_closed_period(tz=settings.timezone))
    result = _ingest(settings, ready_inbox_files(settings), target)
    result.reports = report_task(settings, target, lang or settings.lang, result.run_id)
    return result


@flow(name="ingest-inbox", log_prints=False)
def ingest_inbox(home: str | None = None) -> RunResult:
    """Ingest whatever complete files wait in the inbox."""
    settings = load_settings(home=home)
    return _ingest(settings, ready_inbox_files(settings), None)
