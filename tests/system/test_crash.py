"""A run that cannot finish (killed, locked out, out of disk) loses and doubles nothing.

Kills are real: ``tests/crash_driver.py`` runs the ingest in its own process, which dies by
SIGKILL at a named checkpoint (``flows.faults``) or after a random delay. The next run, in
this process, must then leave the home exactly as one clean run on the same files does.
"""

from __future__ import annotations

import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from flows.faults import CHECKPOINTS, KILL_AT_VARIABLE
from flows.ingest.batch import ingest
from flows.ingest.inbox import inbox_files
from flows.ingest.rebuild import rebuild
from flows.privacy import load_key
from flows.settings import REPO_ROOT, Settings, load_settings
from flows.storage import HomeNotWritable
from flows.warehouse import WarehouseLocked
from tests.conftest import REFERENCE
from tests.helpers import evaluation, hearing, hearings_and_reports, write_csv
from tests.warehouse_state import (
    REBUILT_TABLES,
    home_files,
    query,
    unbalanced_files,
    warehouse_content,
)

DRIVER = REPO_ROOT / "tests" / "crash_driver.py"
# Seconds a driver may take; far above a normal run, only there so a hang fails the test.
DRIVER_TIMEOUT = 300
TIMED_KILL_SEEDS = (1, 2)
# Points whose archive differs from the manifest: files stashed but never committed, and
# files committed but not yet in the manifest. A rebuild right after the kill must give
# exactly what was committed.
REBUILD_AFTER = ("stashed", "committed")

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class DriverRun:
    """How one driver process ended: its exit code, its output, the ingest's duration."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def seconds(self) -> float:
        """Seconds the ingest took, as the driver printed them (0 when it did not finish)."""
        done = [line for line in self.stdout.splitlines() if line.startswith("done ")]
        return float(done[0].split()[1]) if done else 0.0


@dataclass(frozen=True)
class CleanRun:
    """What one uninterrupted run leaves in its home, to compare every recovered home with."""

    content: dict[str, list[tuple]]
    files: dict[str, list[str]]
    seconds: float


def _write_batch(inbox: Path) -> None:
    """Valid and quarantined rows of all kinds, a correction, GB18030, a duplicate, a reject."""
    first = write_csv(
        inbox / "e1.csv",
        "evaluations",
        [
            evaluation(evaluator="甲"),
            evaluation(evaluator="乙", service_attitude="9"),
            evaluation(evaluator="丙", community="C02", verdict="不满意"),
        ],
    )
    files = [
        first,
        *hearings_and_reports(inbox),
        write_csv(
            inbox / "e2.csv",
            "evaluations",
            [evaluation(evaluator="甲", verdict="基本满意"), evaluation(evaluator="丁")],
        ),
        Path(shutil.copyfile(first, inbox / "e1-again.csv")),
        inbox / "notes.csv",
    ]
    files[-1].write_text("甲,乙,丙\n1,2,3\n", encoding="utf-8")
    # The inbox is read oldest first: fixed times give every home the same order.
    for offset, path in enumerate(files):
        os.utime(path, (1_780_000_000 + offset,) * 2)


def _driver_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a driver process for this home."""
    env = {**os.environ, "MINYI_HOME": str(settings.home), "PYTHONPATH": str(REPO_ROOT)}
    env.pop(KILL_AT_VARIABLE, None)
    env.update(extra)
    if env.pop("PYTHONDONTWRITEBYTECODE", None):
        # Without cached bytecode every process compiles Great Expectations again (~15 s).
        env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "minyi-test-pycache")
    return env


def _start_driver(settings: Settings, *args: str, **env: str) -> subprocess.Popen[str]:
    """Start the driver process with ``args`` on this home."""
    return subprocess.Popen(
        [sys.executable, str(DRIVER), *args],
        env=_driver_env(settings, **env),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen[str], stdout: str = "") -> DriverRun:
    """Wait for the driver to end and collect what it printed."""
    out, err = process.communicate(timeout=DRIVER_TIMEOUT)
    return DriverRun(process.returncode, stdout + out, err)


def _run_ingest(settings: Settings, kill_at: str | None = None) -> DriverRun:
    """One ingest of the home's inbox in a new process, killed at ``kill_at`` if given."""
    env = {KILL_AT_VARIABLE: kill_at} if kill_at else {}
    return _finish(_start_driver(settings, "ingest", **env))


def _wait_ready(process: subprocess.Popen[str]) -> str:
    """Block until the driver printed ``ready`` (its imports are done); return that line."""
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.strip() == "ready", process.stderr.read() if process.stderr else line
    return line


def _kill_after(settings: Settings, delay: float) -> DriverRun:
    """One ingest in a new process, killed ``delay`` seconds after its imports finished."""
    process = _start_driver(settings, "ingest")
    ready = _wait_ready(process)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    return _finish(process, ready)


def _new_home(template: Path, folder: Path) -> Settings:
    """A copy of the template home (registry, key, inbox) in ``folder``."""
    shutil.copytree(template, folder)
    return load_settings(env={"MINYI_HOME": str(folder)})


def _assert_like_clean(settings: Settings, clean: CleanRun) -> None:
    """The home holds what a clean run leaves: same rows, files, archive; balanced; no run open."""
    assert warehouse_content(settings) == clean.content
    assert home_files(settings) == clean.files
    assert not home_files(settings)["inbox"]
    assert unbalanced_files(settings) == []
    assert query(settings, "select count(*) from meta.runs where status = 'running'") == [(0,)]


def _rebuilt_part(settings: Settings) -> dict[str, list[tuple]]:
    """What a rebuild from the archive reproduces: the loaded rows, quarantine, loaded files."""
    content = warehouse_content(settings)
    loaded_files = query(
        settings,
        "select file_hash, file_name, rows_read, rows_loaded, rows_quarantined "
        "from meta.files where status = 'loaded' order by all",
    )
    return {**{table: content[table] for table in REBUILT_TABLES}, "loaded files": loaded_files}


def _assert_rebuild_equal(settings: Settings, folder: Path) -> None:
    """A rebuild of a copy of the home (in ``folder``) gives what the home's warehouse holds."""
    shutil.copytree(settings.home, folder)
    copy = load_settings(env={"MINYI_HOME": str(folder)})
    rebuild(copy)
    assert _rebuilt_part(copy) == _rebuilt_part(settings)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with the demo registry, a pseudonym key shared by all copies, and the batch."""
    root = tmp_path_factory.mktemp("template") / "home"
    shutil.copytree(REFERENCE, root / "reference")
    load_key(root / "secret.key")
    _write_batch(root / "inbox")
    return root


@pytest.fixture(scope="module")
def killed_runs(
    template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future[tuple[Settings, DriverRun]]]]:
    """One home per checkpoint, each ingested by a process killed there (two at a time)."""

    def kill_at(point: str) -> tuple[Settings, DriverRun]:
        settings = _new_home(template, tmp_path_factory.mktemp(point) / "home")
        return settings, _run_ingest(settings, point)

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        yield {point: pool.submit(kill_at, point) for point in CHECKPOINTS}


@pytest.fixture(scope="module")
def clean(
    template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    killed_runs: dict[str, Future[tuple[Settings, DriverRun]]],
) -> CleanRun:
    """The home after one uninterrupted run of the batch in its own process.

    Asks for ``killed_runs`` only so the killed processes start while this one runs.
    """
    settings = _new_home(template, tmp_path_factory.mktemp("clean") / "home")
    run = _run_ingest(settings)
    assert run.returncode == 0, run.stderr
    return CleanRun(warehouse_content(settings), home_files(settings), run.seconds)


def test_clean_run_loads_the_batch(clean: CleanRun) -> None:
    """The reference run itself: every file accounted for, the duplicate and reject recorded."""
    outcomes = sorted((name, outcome) for _, name, outcome in clean.content["meta.file_receipts"])
    assert outcomes == [
        ("b.csv", "loaded"),
        ("e1-again.csv", "duplicate"),
        ("e1.csv", "loaded"),
        ("e2.csv", "loaded"),
        ("h.csv", "loaded"),
        ("notes.csv", "rejected"),
    ]
    assert clean.files["inbox"] == []
    assert len(clean.files["manifest"]) == 5, "4 files loaded and notes.csv rejected"


@pytest.mark.parametrize("point", list(CHECKPOINTS))
def test_killed_at_checkpoint_then_next_run_equals_clean(
    point: str,
    killed_runs: dict[str, Future[tuple[Settings, DriverRun]]],
    clean: CleanRun,
    tmp_path: Path,
) -> None:
    """SIGKILL at the checkpoint, then a normal run: the home equals a clean run's.

    The comparison includes meta.file_receipts: files committed before the kill are not
    received a second time (no spurious 'duplicate' receipts).
    """
    settings, run = killed_runs[point].result()
    assert run.returncode == -signal.SIGKILL, f"never reached {point!r}:\n{run.stderr}"
    if point in REBUILD_AFTER:
        _assert_rebuild_equal(settings, tmp_path / "rebuilt")
    ingest(settings, inbox_files(settings))
    _assert_like_clean(settings, clean)


@pytest.mark.parametrize("seed", TIMED_KILL_SEEDS, ids=lambda seed: f"random-delay-{seed}")
def test_killed_after_random_delay_then_next_run_equals_clean(
    seed: int, template: Path, tmp_path: Path, clean: CleanRun
) -> None:
    """SIGKILL at a random moment of the run (wherever it lands), then a normal run."""
    settings = _new_home(template, tmp_path / "home")
    _kill_after(settings, random.Random(seed).uniform(0, clean.seconds))
    ingest(settings, inbox_files(settings))
    _assert_like_clean(settings, clean)


def test_two_runs_at_once_load_each_file_once(
    template: Path, tmp_path: Path, clean: CleanRun
) -> None:
    """Two processes ingest the same inbox together: the run lock lets one load each file."""
    settings = _new_home(template, tmp_path / "home")
    both = [_start_driver(settings, "ingest") for _ in range(2)]
    runs = [_finish(process) for process in both]
    assert [run.returncode for run in runs] == [0, 0], [run.stderr for run in runs]
    _assert_like_clean(settings, clean)


@pytest.fixture
def locked_settings(home: Path) -> Settings:
    """Settings of the test's home that wait only two seconds for a locked warehouse."""
    return load_settings(env={"MINYI_HOME": str(home), "MINYI_LOCK_TIMEOUT_SECONDS": "2"})


def _first_and_second_batch(settings: Settings) -> list[Path]:
    """Ingest one file, then put two more in the inbox; returns those two."""
    ingest(
        settings,
        [write_csv(settings.inbox_dir / "e1.csv", "evaluations", [evaluation(evaluator="甲")])],
    )
    return [
        write_csv(settings.inbox_dir / "e2.csv", "evaluations", [evaluation(evaluator="乙")]),
        write_csv(settings.inbox_dir / "h.csv", "hearings", [hearing()]),
    ]


@pytest.mark.parametrize("mode", ["write", "read"], ids=["writer-holds", "reader-holds"])
def test_warehouse_held_elsewhere_fails_cleanly_then_loads(
    mode: str, locked_settings: Settings
) -> None:
    """Another process keeps the warehouse: the run gives up, writes nothing, keeps the inbox."""
    settings = locked_settings
    waiting = _first_and_second_batch(settings)
    before = warehouse_content(settings), home_files(settings)
    holder = _start_driver(settings, "hold", str(settings.warehouse_path), mode)
    try:
        _wait_ready(holder)
        with pytest.raises(WarehouseLocked) as error:
            ingest(settings, inbox_files(settings))
    finally:
        _finish(holder)
    assert "本次未写入任何数据" in str(error.value) and "nothing was written" in str(error.value)
    assert (warehouse_content(settings), home_files(settings)) == before
    assert all(path.exists() for path in waiting)
    summary = ingest(settings, inbox_files(settings)).summary
    assert summary.files_loaded == 2 and not any(path.exists() for path in waiting)


def test_disk_full_while_archiving_leaves_warehouse_intact(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No space for the archive copy: a clear error, nothing loaded, the inbox kept."""
    waiting = _first_and_second_batch(settings)
    before = warehouse_content(settings), query(settings, "select * from meta.runs")

    def disk_full(source: Path, target: Path) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))

    with monkeypatch.context() as patch:
        patch.setattr("flows.ingest.archive.shutil.copyfile", disk_full)
        with pytest.raises(HomeNotWritable, match=r"磁盘空间不足.*The disk is full"):
            ingest(settings, inbox_files(settings))
    assert (warehouse_content(settings), query(settings, "select * from meta.runs")) == before
    assert all(path.exists() for path in waiting)
    assert ingest(settings, inbox_files(settings)).summary.files_loaded == 2


def test_archive_not_writable_leaves_warehouse_intact(settings: Settings) -> None:
    """The archive folder cannot be written (a file in its place): clear error, nothing loaded."""
    waiting = _first_and_second_batch(settings)
    before = warehouse_content(settings)
    archive = settings.archive_dir
    archive.rename(archive.with_name("archive.moved"))
    archive.write_text("not a folder", encoding="utf-8")
    with pytest.raises(HomeNotWritable, match=r"无法写入.*Cannot write"):
        ingest(settings, inbox_files(settings))
    assert warehouse_content(settings) == before
    assert all(path.exists() for path in waiting)
    archive.unlink()
    archive.with_name("archive.moved").rename(archive)
    assert ingest(settings, inbox_files(settings)).summary.files_loaded == 2
    assert unbalanced_files(settings) == []


def test_home_that_is_not_a_folder_gives_a_clear_error(tmp_path: Path) -> None:
    """MINYI_HOME naming a file (like a read-only home) fails before anything is read."""
    home = tmp_path / "home"
    home.write_text("", encoding="utf-8")
    settings = load_settings(env={"MINYI_HOME": str(home)})
    with pytest.raises(HomeNotWritable, match="MINYI_HOME"):
        ingest(settings, [])
