"""The semiannual flow on a two-worker local Dask cluster loads the same warehouse as by default."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flows.generate import generate
from flows.ingest import FileOutcome
from flows.periods import Period
from flows.privacy import load_key
from flows.settings import Settings, load_settings
from tests.warehouse_state import warehouse_content


def _outcome(name: str, digest: str) -> FileOutcome:
    return FileOutcome(Path(name), digest, 10, "new")


def test_file_groups_keep_order_and_bound_size() -> None:
    from flows.pipeline import file_groups

    paths = [Path(f"f{i}") for i in range(7)]
    groups = file_groups(paths, per_group=3)
    assert [len(g) for g in groups] == [3, 3, 1]
    assert [p for g in groups for p in g] == paths
    assert file_groups([], per_group=3) == []


def test_repeats_across_groups_become_duplicates() -> None:
    from flows.pipeline import mark_repeats

    marked = mark_repeats([_outcome("a.csv", "h1"), _outcome("b.csv", "h2"), _outcome("c", "h1")])
    assert [o.outcome for o in marked] == ["new", "new", "duplicate"]
    assert marked[2].duplicate_of == "a.csv"


def test_rejections_survive_pickling(settings: Settings) -> None:
    import pickle

    from flows.readers import FileRejected

    error = FileRejected("file_too_large", size=10, limit=5)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.key, copy.values, str(copy)) == (error.key, error.values, str(error))


@pytest.mark.slow
def test_dask_runner_loads_the_same_warehouse(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows import pipeline

    # Groups of two files: the batch reaches the two workers as several tasks.
    monkeypatch.setattr(pipeline, "DASK_FILES_PER_TASK", 2)
    generate(settings, [Period(2025, 2), Period(2026, 1)], seed=11)
    load_key(settings.key_path)
    dask_home = tmp_path / "dask-home"
    shutil.copytree(settings.home, dask_home)
    contents = {}
    for runner, home in (("default", settings.home), ("dask", dask_home)):
        monkeypatch.setenv("MINYI_HOME", str(home))
        monkeypatch.setenv("MINYI_TASK_RUNNER", runner)
        run_settings = load_settings()
        flow = pipeline.with_task_runner(pipeline.semiannual_run, run_settings)
        result = flow(period="2026H1", home=str(home))
        assert result.summary.files_loaded == result.summary.files_seen > 4
        contents[runner] = warehouse_content(run_settings)
    assert contents["dask"] == contents["default"]
    assert contents["default"]["meta.quarantine"]
