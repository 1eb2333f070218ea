"""A batch read and validated on two processes loads what one process loads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flows.demo.generate import generate
from flows.ingest import batch, workers
from flows.periods import Period
from flows.privacy import load_key
from flows.settings import Settings, load_settings
from tests.warehouse_state import warehouse_content

# The bytes of a run large enough for workers, whatever MINYI_BATCH_BYTES says.
LARGE_RUN = [2**50, 1]


def test_workers_start_for_large_runs_only(settings: Settings) -> None:
    batch = settings.batch_bytes
    assert not workers.worth_starting([batch] * (workers.PARALLEL_MIN_BATCHES - 1), batch)
    assert workers.worth_starting([batch] * workers.PARALLEL_MIN_BATCHES, batch)
    assert not workers.worth_starting([batch * workers.PARALLEL_MIN_BATCHES], batch)  # one file
    two = load_settings(home=settings.home, workers=2)
    with workers.run_workers(two, [batch] * 3) as small:
        assert small.count == 1
    with workers.run_workers(two, LARGE_RUN) as large:
        assert large.count == 2


def test_split_keeps_order_and_balances_weight() -> None:
    items = list("abcdefgh")
    weights = [workers.PARALLEL_MIN_BYTES] * 8
    groups = workers.split(items, weights, 2)
    assert groups == [list("abcd"), list("efgh")]
    # A heavy first file makes a group of its own.
    heavy = [7 * workers.PARALLEL_MIN_BYTES] + [workers.PARALLEL_MIN_BYTES] * 7
    assert workers.split(items, heavy, 2) == [["a"], list("bcdefgh")]
    assert workers.split(items, weights, 3) == [list("abc"), list("def"), list("gh")]
    assert [len(g) for g in workers.split(items, weights, 8)] == [1] * 8
    assert [x for g in workers.split(items, heavy, 5) for x in g] == items


def test_small_batches_and_one_process_stay_whole() -> None:
    items = list("abc")
    assert workers.split(items, [10, 10, 10], 2) == [items]  # less than PARALLEL_MIN_BYTES
    assert workers.split(items, [workers.PARALLEL_MIN_BYTES] * 3, 1) == [items]
    assert workers.split([], [], 2) == [[]]  # an empty batch is staged as one, empty


def test_workers_setting(settings: Settings) -> None:
    assert workers.processes(load_settings(home=settings.home, workers=3)) == 3
    assert workers.processes(load_settings(home=settings.home, workers=1)) == 1
    assert workers.processes(load_settings(home=settings.home)) >= 1
    with pytest.raises(ValueError, match="MINYI_WORKERS"):
        load_settings({"MINYI_WORKERS": "two"}, home=settings.home)


def _ingest(home: Path, processes: int) -> dict[str, object]:
    run_settings = load_settings(home=home, workers=processes)
    paths = sorted(run_settings.inbox_dir.iterdir())
    used: list[int] = []
    map_groups = workers.Workers.map_groups

    def counted(self: workers.Workers, function, groups):
        used.append(len(groups))
        return map_groups(self, function, groups)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(workers.Workers, "map_groups", counted)
        result = batch.ingest(run_settings, paths, period=Period(2026, 1))
    assert result.summary.files_loaded > 4
    return {"content": warehouse_content(run_settings), "groups": used}


@pytest.mark.slow
def test_two_processes_load_what_one_loads(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Generated half-years (with spoiled files: quarantine, rejections, repeats) through two
    processes: every table the same as through one, names masked across groups."""
    monkeypatch.setattr(workers, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(workers, "PARALLEL_MIN_BATCHES", 0)  # the demo's files are small
    generate(settings, [Period(2025, 2), Period(2026, 1)], seed=11)
    load_key(settings.key_path)
    other = tmp_path / "two-processes"
    shutil.copytree(settings.home, other)
    one = _ingest(settings.home, 1)
    two = _ingest(other, 2)
    assert one["groups"] == [1, 1]  # read, validate: one group each
    assert two["groups"] == [2, 2]
    assert two["content"] == one["content"]
    assert one["content"]["meta.quarantine"]  # type: ignore[index]


def _doubled_here_only(group: list[int], _first: int) -> list[int]:
    """Doubles in the calling process; a worker running it dies, as one killed would."""
    import multiprocessing
    import os

    if multiprocessing.parent_process() is not None:
        os._exit(9)
    return [2 * x for x in group]


def _doubled(group: list[int], first: int) -> list[tuple[int, int]]:
    return [(first, 2 * x) for x in group]


def _broken_warm_up() -> None:
    import os

    os._exit(9)


def test_groups_run_at_once_in_order(settings: Settings) -> None:
    with workers.run_workers(load_settings(home=settings.home, workers=3), LARGE_RUN) as pool:
        assert workers.current() is pool
        assert pool.map_groups(_doubled, [[1, 2], [3], [4, 5]]) == [
            [(0, 2), (0, 4)],
            [(2, 6)],
            [(3, 8), (3, 10)],
        ]
        assert pool.cpu_seconds > 0  # the worker's, counted while it lives
    assert workers.current().count == 1  # outside a run: this process alone


def test_a_worker_that_dies_costs_no_rows(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with workers.run_workers(load_settings(home=settings.home, workers=2), LARGE_RUN) as pool:
        assert pool.map_groups(_doubled_here_only, [[1], [2, 3]]) == [[2], [4, 6]]
        assert pool.count == 1  # the rest of the run in this process
        assert pool.map_groups(_doubled_here_only, [[4], [5]]) == [[8], [10]]
    assert "辅助进程意外退出" in caplog.text and "no row is lost" in caplog.text


def test_a_worker_that_dies_warming_up_costs_no_rows(settings: Settings) -> None:
    with workers.run_workers(load_settings(home=settings.home, workers=2), LARGE_RUN) as pool:
        pool.start(_broken_warm_up)
        assert pool.map_groups(_doubled_here_only, [[1], [2]]) == [[2], [4]]
        assert pool.count == 1


def _groups(paths: list[Path]) -> list[list[str]]:
    weights = [p.stat().st_size for p in paths]
    return [[p.name for p in group] for group in workers.split(paths, weights, 2)]


def test_names_found_on_a_worker_are_masked_here(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file read on the worker names a resident the roster lacks: the hearing read here
    has her name masked. The worker's rows reach the warehouse though only their counts came
    back from reading."""
    from flows.warehouse import Mode, open_warehouse
    from tests.helpers import evaluation, hearing, write_csv

    monkeypatch.setattr(workers, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(workers, "PARALLEL_MIN_BATCHES", 0)
    unknown = "欧阳明月"
    topics = [hearing(record_id=f"H-{n}", topic=f"{unknown}反映加装电梯{n}") for n in range(4)]
    here = write_csv(settings.inbox_dir / "a.csv", "hearings", topics)
    there = write_csv(settings.inbox_dir / "b.csv", "evaluations", [evaluation(evaluator=unknown)])
    assert _groups([here, there]) == [["a.csv"], ["b.csv"]]
    run_settings = load_settings(home=settings.home, workers=2)
    result = batch.ingest(run_settings, [here, there], period=Period(2026, 1))
    assert [(o.outcome, o.rows_read) for o in result.outcomes] == [("loaded", 4), ("loaded", 1)]
    with open_warehouse(run_settings, Mode.READ) as con:
        stored = [r[0] for r in con.execute("select topic from core.hearings").fetchall()]
        evaluations = con.execute("select count(*) from core.evaluations").fetchone()
    assert len(stored) == 4 and not any(unknown in topic for topic in stored)
    assert evaluations == (1,)
    assert unknown in batch.remembered_names(run_settings)


def test_a_repeat_across_groups_is_a_duplicate(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker reads a copy of a file read here: marked duplicate here, it is not staged
    from the rows the worker kept."""
    from tests.helpers import evaluation, write_csv

    monkeypatch.setattr(workers, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(workers, "PARALLEL_MIN_BATCHES", 0)
    first = write_csv(settings.inbox_dir / "a.csv", "evaluations", [evaluation()])
    copy = settings.inbox_dir / "b.csv"
    copy.write_bytes(first.read_bytes())
    assert _groups([first, copy]) == [["a.csv"], ["b.csv"]]
    run_settings = load_settings(home=settings.home, workers=2)
    result = batch.ingest(run_settings, [first, copy], period=Period(2026, 1))
    assert [(o.outcome, o.rows_read) for o in result.outcomes] == [
        ("loaded", 1),
        ("duplicate", 0),
    ]
    assert result.summary.rows_loaded == 1


def test_rows_of_a_worker_that_died_are_read_again(settings: Settings) -> None:
    """Validating a group whose worker is gone (nothing held here) reads its files again."""
    from tests.helpers import evaluation, write_csv

    path = write_csv(settings.inbox_dir / "e.csv", "evaluations", [evaluation()])
    context = batch.prepare(settings)
    (read,) = batch.read_files([path], settings, set())
    sent = batch._rows_left_behind(read)
    assert sent.rows_elsewhere and batch.read_tables([sent])[0].rows.empty
    validated, staged, _results = batch._validate_group([sent], 5, context=context)
    assert validated[0].rows_read == 1 and not validated[0].rows_elsewhere
    assert staged["evaluations"].frame["sequence"].tolist() == [5]
    # A file changed since it was read is not read again under the old hash.
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="changed while it was being read"):
        batch._validate_group([sent], 0, context=context)
