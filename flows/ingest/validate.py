"""Validating staged rows with the Great Expectations suites in ``expectations/``.

Suites are plain JSON a person can edit; each expectation's ``meta.rule`` names the reason
and advice shown to organizers. Rows of many files are validated together, in chunks of
whole files, so that a large inbox costs a few validations, not one per file.
"""

from __future__ import annotations

import json
import logging
import os
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd

from flows.datasets import Kind, column_label
from flows.ingest.normalise import Failure, StagedTable
from flows.ingest.receive import FileOutcome
from flows.messages import msg
from flows.settings import EXPECTATIONS_DIR, Settings

# Derived columns are reported under the column the organizer filled in.
SOURCE_COLUMN = {
    "community_id": "community",
    "evaluator_key": "evaluator",
    "org_id": "org",
    "record_key": "record_id",
    "attendance_parts": "attendees",
    "period_start": "period",
    "community_known": "community",
    "org_known": "org",
}


def _quiet_gx_logging() -> None:
    """Great Expectations logs at INFO on loggers of its own level (a temporary docs site,
    its API registry): technical English in an organizer's console, so errors only."""
    names = [n for n in logging.root.manager.loggerDict if n.startswith("great_expectations.")]
    for name in ["great_expectations", *names]:
        logging.getLogger(name).setLevel(logging.ERROR)


def _skip_batch_fingerprint() -> None:
    """Stop GX hashing every DataFrame it is handed, twice per validation.

    GX 1.x puts an MD5 of the whole frame in the batch's markers when the frame is under
    ``HASH_THRESHOLD`` bytes. minyi keeps no batch markers (``describe_dict`` leaves them out),
    and the hashing took a third of GX's time on a batch of 322,246 rows (2.6-3.1 s with it,
    1.6-1.7 s without). The threshold is a module constant with no setting; a GX that no
    longer has it is left as it is.
    """
    from great_expectations.execution_engine import pandas_execution_engine as engine

    if hasattr(engine, "HASH_THRESHOLD"):
        engine.HASH_THRESHOLD = 0


@cache
def _context() -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    _quiet_gx_logging()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    _quiet_gx_logging()
    _skip_batch_fingerprint()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def prepare_validation() -> None:
    """Import Great Expectations and build its context and the suites' batch definitions now
    (about 3 s of CPU once per process), not in the first validation."""
    for kind in ("evaluations", "hearings", "branch_reports"):
        _batch_definition(kind)


@cache
def _batch_definition(kind: Kind) -> Any:
    source = _context().data_sources.add_or_update_pandas(f"minyi_{kind}")
    asset = source.add_dataframe_asset(kind)
    return asset.add_batch_definition_whole_dataframe(kind)


def load_suite(kind: Kind) -> Any:
    """The expectation suite for one dataset, read from ``expectations/<kind>.json``."""
    import great_expectations as gx

    with (EXPECTATIONS_DIR / f"{kind}.json").open(encoding="utf-8") as fh:
        return gx.ExpectationSuite(**json.load(fh))


@dataclass
class ValidationOutcome:
    """The failures found, and the raw Great Expectations result for technical readers."""

    failures: list[Failure]
    results: list[dict[str, Any]]


def _chunks(frame: pd.DataFrame, max_rows: int) -> Iterator[pd.DataFrame]:
    """Slices of at most ``max_rows`` rows that never split a file (uniqueness is per file)."""
    if frame.empty:
        return
    sizes = frame.groupby("sequence", sort=False).size()
    start = 0
    size = 0
    for rows in sizes.to_numpy():
        if size and size + rows > max_rows:
            yield frame.iloc[start : start + size]
            start, size = start + size, 0
        size += int(rows)
    yield frame.iloc[start : start + size]


def _for_gx(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows as Great Expectations checks them: whole numbers as float64, row ids as index.

    GX compares numpy numbers vectorised but pandas' nullable Int64 one value at a time in
    Python; every count and rating fits a float exactly.
    """
    numbers = [c for c in frame.columns if isinstance(frame[c].dtype, pd.Int64Dtype)]
    view = frame.astype(dict.fromkeys(numbers, "float64")) if numbers else frame
    # Indexed by row id, unnamed: GX then lists the failing rows' index in one step, where
    # ``unexpected_index_column_names`` makes it look each one up with ``DataFrame.at``.
    return view.set_axis(pd.Index(frame["row_id"].to_numpy()), axis=0)


def _report_column(config: Any) -> str:
    kwargs = config.kwargs
    column = config.meta.get("report_column") or kwargs.get("column") or kwargs.get("column_A")
    return SOURCE_COLUMN.get(str(column), str(column))


def _value_column(config: Any) -> str:
    kwargs = config.kwargs
    return str(config.meta.get("report_column") or kwargs.get("column") or kwargs.get("column_A"))


def validate_tables(kind: Kind, table: StagedTable, max_rows: int = 200_000) -> ValidationOutcome:
    """Run the kind's suite over the staged rows; return one failure per broken cell."""
    suite = load_suite(kind)
    failures: list[Failure] = []
    results: list[dict[str, Any]] = []
    for frame in _chunks(table.frame, max_rows):
        batch = _batch_definition(kind).get_batch(batch_parameters={"dataframe": _for_gx(frame)})
        result = batch.validate(
            suite,
            result_format={"result_format": "COMPLETE"},
        )
        results.append(result.describe_dict())
        by_row = frame.set_index("row_id")
        for item in result.results:
            if item.success:
                continue
            config = item.expectation_config
            if item.exception_info and item.exception_info.get("raised_exception"):
                raise RuntimeError(
                    f"expectation {config.type} failed to run: "
                    f"{item.exception_info.get('exception_message')}"
                )
            rule = str(config.meta.get("rule", config.type))
            column = _report_column(config)
            ids = list(item.result.get("unexpected_index_list") or [])
            values = by_row.loc[ids, _value_column(config)].astype(object).tolist() if ids else []
            for row_id, value in zip(ids, values, strict=True):
                text = None if value is None or pd.isna(value) else _display(value)
                failures.append(Failure(row_id, column, text, rule))
    return ValidationOutcome(failures, results)


def _display(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def explain(kind: Kind, failure: Failure, lang: str) -> tuple[str, str]:
    """The reason and the advice for one failure, in one language."""
    values = {
        "column": failure.column,
        "column_zh": column_label(kind, failure.column),
        "value": failure.value if failure.value is not None else "",
    }
    return msg(f"rule.{failure.rule}", lang, **values), msg(f"action.{failure.rule}", lang)


def validate_files(
    outcomes: list[FileOutcome],
    staged: dict[Kind, StagedTable],
    settings: Settings,
) -> list[dict[str, Any]]:
    """Validate the staged rows with each kind's suite; count each file's quarantined rows."""
    results: list[dict[str, Any]] = []
    for kind, table in staged.items():
        validation = validate_tables(kind, table, settings.validation_chunk_rows)
        results.extend(validation.results)
        table.failures = _first_per_cell(table.failures + validation.failures)
    failed_by_file: dict[str, set[str]] = defaultdict(set)
    for table in staged.values():
        for failure in table.failures:
            failed_by_file[failure.row_id.split(":", 1)[0]].add(failure.row_id)
    for outcome in outcomes:
        if outcome.outcome == "new":
            outcome.rows_quarantined = len(failed_by_file.get(outcome.file_hash[:16], set()))
    return results


def _first_per_cell(failures: list[Failure]) -> list[Failure]:
    """One failure per (row, column): a value that did not parse is not also 'missing'."""
    kept: dict[tuple[str, str], Failure] = {}
    for failure in failures:
        kept.setdefault((failure.row_id, failure.column), failure)
    return list(kept.values())
