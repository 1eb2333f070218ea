"""The Prefect flows' wiring, without a Prefect server: the task steps keep the batch loop's
protocol, split work over Dask workers in order, and retry a load only for a locked warehouse.

The flows themselves run end to end in tests/system/test_pipeline.py.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from prefect.states import Completed, Failed

from flows import flows as pipeline
from flows.ingest.batch import PlainSteps, Steps
from flows.ingest.receive import FileOutcome
from flows.service.dask import DASK_FILES_PER_TASK
from flows.settings import Settings
from flows.warehouse import WarehouseLocked


def _parameters(method: Any) -> list[tuple[str, Any]]:
    return [(p.name, p.kind) for p in inspect.signature(method).parameters.values()]


@pytest.mark.parametrize("name", ["prepare", "read", "validate", "load", "publish"])
def test_task_steps_take_what_the_batch_loop_passes(name: str) -> None:
    assert _parameters(getattr(pipeline.TaskSteps, name)) == _parameters(getattr(Steps, name))
    assert _parameters(getattr(pipeline.TaskSteps, name)) == _parameters(getattr(PlainSteps, name))


@pytest.mark.parametrize(
    ("state", "retried"),
    [
        (Failed(data=WarehouseLocked("held by another run")), True),
        (Failed(data=ValueError("a bad batch")), False),
        (Completed(data=None), False),
    ],
    ids=["warehouse-locked", "other-failure", "completed"],
)
def test_a_load_is_retried_only_while_the_warehouse_is_locked(state: Any, retried: bool) -> None:
    condition = pipeline.load_task.retry_condition_fn
    assert condition is not None
    assert condition(pipeline.load_task, None, state) is retried
    assert pipeline.load_task.retries == 2


def test_outside_a_flow_there_is_no_flow_run_id() -> None:
    assert pipeline._flow_run_id() is None


@dataclass
class FakeTask:
    """Stands in for a Prefect task: called in the flow, or submitted to the task runner."""

    result_of: Any
    calls: list[tuple[Any, ...]] = field(default_factory=list)
    submitted: list[tuple[Any, ...]] = field(default_factory=list)

    def __call__(self, *args: Any) -> Any:
        self.calls.append(args)
        return self.result_of(*args)

    def submit(self, *args: Any) -> Any:
        self.submitted.append(args)
        result = self.result_of(*args)
        return type("Future", (), {"result": lambda _self: result})()


@dataclass
class Context:
    """The part of a batch context the task steps look at."""

    settings: Settings
    run_id: str = "run"


def _outcome(number: int, digest: str | None = None) -> FileOutcome:
    return FileOutcome(Path(f"f{number:03d}.csv"), digest or f"{number:064x}", 10, "new")


def test_on_the_default_runner_a_batch_is_read_in_one_task(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [Path(f"f{n:03d}.csv") for n in range(3 * DASK_FILES_PER_TASK)]
    read = FakeTask(lambda group, _context: [_outcome(int(p.stem[1:])) for p in group])
    monkeypatch.setattr(pipeline, "read_task", read)

    outcomes = pipeline.TaskSteps().read(paths, Context(settings))  # type: ignore[arg-type]

    assert len(read.calls) == 1 and read.submitted == []
    assert [o.path for o in outcomes] == paths


def test_on_dask_files_are_read_in_groups_and_repeats_marked(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    dask = replace(settings, task_runner="dask")
    paths = [Path(f"f{n:03d}.csv") for n in range(120)]
    repeated = "f" * 64  # the first and the last file have the same bytes

    def read_group(group: list[Path], _context: Any) -> list[FileOutcome]:
        numbers = [int(p.stem[1:]) for p in group]
        return [_outcome(n, repeated if n in (0, 119) else None) for n in numbers]

    read = FakeTask(read_group)
    monkeypatch.setattr(pipeline, "read_task", read)

    outcomes = pipeline.TaskSteps().read(paths, Context(dask))  # type: ignore[arg-type]

    assert [len(args[0]) for args in read.submitted] == [60, 60], "one group per local worker"
    assert [o.path for o in outcomes] == paths
    assert [o.outcome for o in outcomes].count("duplicate") == 1
    assert outcomes[-1].outcome == "duplicate" and outcomes[-1].duplicate_of == "f000.csv"


def test_on_dask_groups_are_validated_with_their_place_in_the_batch(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    dask = replace(settings, task_runner="dask")
    outcomes = [_outcome(n) for n in range(130)]
    parts = FakeTask(lambda group, _context, start: (group, {}, [{"first": start}]))
    kept: list[list[dict[str, int]]] = []
    monkeypatch.setattr(pipeline, "validate_part_task", parts)
    monkeypatch.setattr(pipeline, "validate_task", FakeTask(lambda *_: pytest.fail("unsplit")))
    monkeypatch.setattr(pipeline.batch, "keep_validation_results", lambda r, _c: kept.append(r))

    validated, staged = pipeline.TaskSteps().validate(outcomes, Context(dask))  # type: ignore[arg-type]

    starts = [args[2] for args in parts.submitted]
    sizes = [len(args[0]) for args in parts.submitted]
    assert starts == [0, 65] and sizes == [65, 65]
    assert validated == outcomes
    assert kept == [[{"first": 0}, {"first": 65}]], "the results of every part kept once"
    assert staged == {}


def test_a_poll_table_lists_each_file_with_rows_loaded_and_rejected(settings: Settings) -> None:
    from flows.flows import poll_table
    from flows.ingest.batch import ingest
    from tests.helpers import evaluation, write_csv

    rows = [evaluation(evaluator="测试甲"), evaluation(evaluator="测试乙", verdict="很好")]
    path = write_csv(settings.home / "incoming" / "a.csv", "evaluations", rows)
    table = poll_table(ingest(settings, [path]))
    assert [(r["file"], r["outcome"], r["rows_loaded"], r["rows_rejected"]) for r in table] == [
        ("a.csv", "loaded", 1, 1)
    ]
