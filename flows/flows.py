"""The Prefect flows: ``semiannual-run`` and ``ingest-inbox``. They only wire the steps."""

from __future__ import annotations

from dataclasses import asdict, dataclass
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
from flows.ingest.batch import RunResult
from flows.ingest.inbox import ready_inbox_files
from flows.ingest.load import LoadSummary
from flows.ingest.normalise import StagedTable
from flows.ingest.receive import FileOutcome, mark_repeats
from flows.ingest.stage import merge_staged
from flows.periods import Period, last_closed_period
from flows.service.dask import task_groups
from flows.settings import Settings, load_settings
from flows.storage import keep_private
from flows.warehouse import Mode, WarehouseLocked, open_warehouse
from flows.warehouse.publish import publish


@task(name="prepare", cache_policy=NO_CACHE)
def prepare_task(settings: Settings, run_id: str) -> batch.BatchContext:
    """Load the registry, the pseudonym key and the hashes already received."""
    return batch.prepare(settings, run_id, _flow_run_id())


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
    period: Period | None,
) -> LoadSummary:
    """Commit the batch in one transaction, then archive the files."""
    return batch.load_and_archive(outcomes, staged, context, period=period)


@task(name="publish", cache_policy=NO_CACHE)
def publish_task(settings: Settings) -> None:
    """Write the cleaned current rows as Parquet for the city warehouse (MINYI_PUBLISH_DIR)."""
    publish(settings)


@task(name="reports", cache_policy=NO_CACHE)
def report_task(settings: Settings, period: Period, lang: str, run_id: str) -> list[str]:
    """Write the period's semiannual and data-quality reports; publish the headline."""
    with open_warehouse(settings, Mode.READ) as con:
        paths = reports.write_reports(con, settings, period, lang=lang, run_id=run_id)
        headline = reports.headline_markdown(con, settings, period, lang=lang)
        quality = reports.quality_rows(con, settings, period, lang=lang)
    key = str(period).lower()
    create_markdown_artifact(markdown=headline, key=f"headline-{key}")
    if quality:
        create_table_artifact(table=quality, key=f"quality-{key}")
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


@dataclass(frozen=True)
class TaskSteps:
    """The batch steps as Prefect tasks (see ``flows.ingest.batch.Steps``); on Dask, files are
    read and validated in groups spread over the workers, and the flow stays the one writer."""

    period: Period | None = None

    def prepare(self, settings: Settings, run_id: str) -> batch.BatchContext:
        """The run's context, as a task."""
        return prepare_task(settings, run_id)

    def read(self, paths: list[Path], context: batch.BatchContext) -> list[FileOutcome]:
        """Read the batch in the flow, or in groups of files over the Dask workers."""
        groups = task_groups(context.settings, paths)
        if len(groups) < 2:
            return read_task(paths, context)
        futures = [read_task.submit(group, context) for group in groups]
        return mark_repeats([outcome for future in futures for outcome in future.result()])

    def validate(
        self, outcomes: list[FileOutcome], context: batch.BatchContext
    ) -> tuple[list[FileOutcome], dict[Kind, StagedTable]]:
        """Validate the batch in the flow, or in groups of files over the Dask workers.

        Rules are per file, so groups validate as the whole batch does; what spans files is
        decided first: the names to mask (``batch.remember_names``, in the context each task
        carries), each file's place in the batch.
        """
        groups = task_groups(context.settings, outcomes)
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

    def load(
        self,
        outcomes: list[FileOutcome],
        staged: dict[Kind, StagedTable],
        context: batch.BatchContext,
    ) -> LoadSummary:
        """Commit the batch, as a task that waits out a warehouse lock."""
        return load_task(outcomes, staged, context, self.period)

    def publish(self, settings: Settings) -> None:
        """Publish for the city warehouse, as a task."""
        publish_task(settings)


def _ingest(settings: Settings, period: Period | None) -> RunResult:
    """Ingest the inbox's complete files through the one batch loop, as tasks."""
    # A deployment may run in a worker minyi did not start: private files whoever started it.
    keep_private(settings.home)
    steps = TaskSteps(period)
    result = batch.ingest(
        settings, ready_inbox_files(settings), steps, run_id=_flow_run_id(), period=period
    )
    get_run_logger().info("loaded %s", asdict(result.summary))
    return result


# A scheduled half-year run that fails (a locked or unreachable resource, a full disk) is
# tried again twice, 10 minutes apart; loading is idempotent, so a retry loads nothing twice.
SEMIANNUAL_RETRIES = 2


SEMIANNUAL_RETRY_DELAY_SECONDS = 600


@flow(
    name="semiannual-run",
    log_prints=False,
    retries=SEMIANNUAL_RETRIES,
    retry_delay_seconds=SEMIANNUAL_RETRY_DELAY_SECONDS,
)
def semiannual_run(
    period: Period | None = None,
    home: str | None = None,
    lang: str | None = None,
    settings: Settings | None = None,
) -> RunResult:
    """Ingest the inbox, refresh the metrics and write the reports for one half-year.

    ``settings``: the caller's (the command line builds them once); a scheduled run builds
    them here from ``home``. ``period`` defaults to the last closed half-year.
    """
    settings = settings or load_settings(home=home)
    target = period or last_closed_period(tz=settings.timezone)
    result = _ingest(settings, target)
    result.reports = report_task(settings, target, lang or settings.lang, result.run_id)
    return result


@flow(name="ingest-inbox", log_prints=False)
def ingest_inbox(home: str | None = None, settings: Settings | None = None) -> RunResult:
    """Ingest whatever complete files wait in the inbox; a poll that found files leaves a
    table of them (files, rows loaded, rows rejected) in the Prefect UI."""
    result = _ingest(settings or load_settings(home=home), None)
    if result.files:
        create_table_artifact(
            table=poll_table(result),
            key="inbox-poll",
            description=f"{len(result.files)} file(s), {result.summary.rows_loaded} rows loaded",
        )
    else:
        get_run_logger().info("inbox empty: nothing to load")
    return result


def poll_table(result: RunResult) -> list[dict[str, Any]]:
    """One row per file of a poll: its name, what became of it, rows loaded and rejected."""
    return [
        {
            "file": row["file"],
            "outcome": row["outcome"],
            "rows_loaded": row["rows_loaded"],
            "rows_rejected": row["rows_quarantined"],
            "reason": row.get("reason") or "",
        }
        for row in result.files
    ]
