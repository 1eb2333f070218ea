"""The semiannual flow on a two-worker local Dask cluster loads the same warehouse as by default."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from uuid import UUID

import pandas as pd
import pytest

from flows.demo.generate import generate
from flows.ingest import batch
from flows.ingest.receive import FileOutcome, read_files
from flows.ingest.registry import load_registry
from flows.ingest.stage import merge_staged, stage_files
from flows.ingest.validate import validate_files
from flows.periods import Period
from flows.privacy import load_key
from flows.settings import Settings, load_settings
from tests.helpers import branch_report, evaluation, hearing, write_csv
from tests.warehouse_state import warehouse_content


def _outcome(name: str, digest: str) -> FileOutcome:
    return FileOutcome(Path(name), digest, 10, "new")


def test_file_groups_keep_order_and_bound_size() -> None:
    from flows.service.dask import file_groups

    paths = [Path(f"f{i}") for i in range(7)]
    groups = file_groups(paths, per_group=3)
    assert [len(g) for g in groups] == [3, 3, 1]
    assert [p for g in groups for p in g] == paths
    assert file_groups([], per_group=3) == []


def test_repeats_across_groups_become_duplicates() -> None:
    from flows.ingest.receive import mark_repeats

    marked = mark_repeats([_outcome("a.csv", "h1"), _outcome("b.csv", "h2"), _outcome("c", "h1")])
    assert [o.outcome for o in marked] == ["new", "new", "duplicate"]
    assert marked[2].duplicate_of == "a.csv"


def test_rejections_survive_pickling(settings: Settings) -> None:
    import pickle

    from flows.ingest.readers import FileRejected

    error = FileRejected("file_too_large", size=10, limit=5)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.key, copy.values, str(copy)) == (error.key, error.values, str(error))


def test_a_batch_validated_in_parts_is_the_whole_batch_validated(settings: Settings) -> None:
    """What the Dask workers do, each with a part of the batch, merged: the same rows, the same
    failures, the same counts, and a name from one part's evaluations masked in another's."""
    unknown = "欧阳明月"  # not on the roster: only the first evaluations file names her
    inbox = settings.inbox_dir
    paths = [
        write_csv(
            inbox / "e1.csv",
            "evaluations",
            [evaluation(evaluator=unknown), evaluation(evaluator="测试乙", verdict="很好")],
        ),
        write_csv(inbox / "e2.csv", "evaluations", [evaluation(service_attitude="9")]),
        write_csv(
            inbox / "h.csv",
            "hearings",
            [
                hearing(topic=f"{unknown}反映加装电梯"),
                hearing(record_id="H-2", opinions_resolved="99"),
            ],
        ),
        write_csv(
            inbox / "b.csv",
            "branch_reports",
            [branch_report(org="B01"), branch_report(org="U01", members_total="很多")],
        ),
    ]
    registry, key = load_registry(settings.reference_dir), load_key(settings.key_path)
    whole = read_files(paths, settings, set())
    staged = stage_files(whole, registry, key)
    validate_files(whole, staged, settings)

    # As the flow does on Dask: the batch's names added to the context each task carries.
    context = batch.prepare(settings)
    split = read_files(paths, settings, set())
    batch.remember_names(split, context)
    parts = []
    for start in (0, 2):
        group = split[start : start + 2]
        parts.append(batch.stage_and_validate(group, context, first_sequence=start)[1])
    merged = merge_staged(parts)

    assert list(merged) == list(staged)
    for kind, table in staged.items():
        pd.testing.assert_frame_equal(merged[kind].frame, table.frame)
        pd.testing.assert_frame_equal(merged[kind].raw, table.raw)
        assert sorted(map(repr, merged[kind].failures)) == sorted(map(repr, table.failures))
    counts = [(o.rows_read, o.rows_quarantined) for o in whole]
    assert [(o.rows_read, o.rows_quarantined) for o in split] == counts
    assert counts == [(2, 1), (1, 1), (2, 1), (2, 1)]
    topics = merged["hearings"].raw["topic"].tolist()
    assert unknown not in topics[0] and topics[0].endswith("反映加装电梯")


def test_a_registry_travels_without_its_automaton(settings: Settings, tmp_path: Path) -> None:
    """Each task sent to a worker pickles the batch context: the roster's automaton stays
    behind, and the tasks a worker receives share one registry, which loads it once."""
    import pickle

    registry = load_registry(settings.reference_dir, tmp_path / "cache")
    assert registry.roster_names  # built, and kept in the cache folder
    sent = pickle.dumps(registry)
    assert len(sent) < 2_000
    first, second = pickle.loads(sent), pickle.loads(sent)
    assert first is second and first is not registry
    assert "roster_scrubber" not in vars(first)
    assert first.roster_names == registry.roster_names


@pytest.mark.slow
def test_dask_runner_loads_the_same_warehouse(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows import flows as pipeline
    from flows.service import dask as dask_runner

    # Groups of two files: the batch reaches the two workers as several tasks.
    monkeypatch.setattr(dask_runner, "DASK_FILES_PER_TASK", 2)
    generate(settings, [Period(2025, 2), Period(2026, 1)], seed=11)
    load_key(settings.key_path)
    dask_home = tmp_path / "dask-home"
    shutil.copytree(settings.home, dask_home)
    contents, tasks = {}, {}
    for runner, home in (("default", settings.home), ("dask", dask_home)):
        monkeypatch.setenv("MINYI_HOME", str(home))
        monkeypatch.setenv("MINYI_TASK_RUNNER", runner)
        run_settings = load_settings()
        flow = dask_runner.with_task_runner(pipeline.semiannual_run, run_settings)
        with dask_runner.workers_share_the_server(run_settings):
            result = flow(period="2026H1", home=str(home))
        assert result.summary.files_loaded == result.summary.files_seen > 4
        contents[runner] = warehouse_content(run_settings)
        tasks[runner] = _task_names(result.run_id)
    assert contents["dask"] == contents["default"]
    # On Dask, files were read and validated in parts; by default, in the flow in one go.
    assert tasks["dask"]["read-files"] > 1 and tasks["dask"]["validate-files"] > 1
    # One batch, one group per worker thread of the two-worker cluster.
    assert tasks["dask"]["read-files"] == tasks["dask"]["validate-files"] == 2
    assert tasks["default"]["validate"] == 1 and "validate-files" not in tasks["default"]
    assert contents["default"]["meta.quarantine"]


def _task_names(flow_run_id: str) -> Counter[str]:
    """How many task runs of each task the flow run had."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[UUID(flow_run_id)]))
        )
    return Counter(run.name.rsplit("-", 1)[0] for run in runs)


@pytest.mark.slow
def test_dask_workers_report_to_the_flows_prefect_server(settings: Settings) -> None:
    """A worker with no server address would start a temporary Prefect server of its own on
    the same database; it gets the flow's."""
    import os
    from dataclasses import replace

    from prefect import flow, task
    from prefect.settings import PREFECT_API_URL

    from flows.service.dask import task_runner, workers_share_the_server

    @task
    def worker_api_url() -> str | None:
        return os.environ.get("PREFECT_API_URL")

    @flow
    def probe() -> tuple[str | None, str | None]:
        return worker_api_url.submit().result(), PREFECT_API_URL.value()

    dask = replace(settings, task_runner="dask")
    before = os.environ.get("PREFECT_API_URL")
    with workers_share_the_server(dask):
        worker_url, flow_url = probe.with_options(task_runner=task_runner(dask))()
    assert worker_url and worker_url == flow_url
    assert os.environ.get("PREFECT_API_URL") == before


def test_an_unreachable_dask_scheduler_is_reported_before_the_run(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrong MINYI_DASK_ADDRESS fails at once, in both languages, naming the setting;
    the run used to fail after a 30 s timeout with a traceback."""
    import socket
    from dataclasses import replace

    from typer.testing import CliRunner

    from flows.cli import app
    from flows.service.dask import dask_unreachable

    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        answering = replace(settings, task_runner="dask", dask_address=f"tcp://127.0.0.1:{port}")
        assert dask_unreachable(answering) is None
        assert dask_unreachable(replace(answering, dask_address=f"127.0.0.1:{port}")) is None
    assert dask_unreachable(answering) is not None  # closed now: connection refused
    assert dask_unreachable(replace(answering, dask_address="tcp://127.0.0.1:port")) is not None
    assert dask_unreachable(replace(answering, dask_address="")) is None  # a local cluster
    assert dask_unreachable(replace(answering, task_runner="default")) is None

    monkeypatch.setenv("MINYI_TASK_RUNNER", "dask")
    monkeypatch.setenv("MINYI_DASK_ADDRESS", f"tcp://127.0.0.1:{port}")
    result = CliRunner().invoke(app, ["run", "--period", "2026H1"])
    assert result.exit_code == 1
    assert "无法连接 Dask 调度器" in result.output
    assert "Cannot reach the Dask scheduler" in result.output
    assert "MINYI_DASK_ADDRESS" in result.output and "Traceback" not in result.output
    assert not settings.warehouse_path.exists()  # nothing ran
