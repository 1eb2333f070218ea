"""What an organizer waits for at one subdistrict: whole ``minyi`` commands timed as processes.

``benchmarks/run.py --latency [--latency-ref REF] [--latency-runs N]`` times, in turn and in
the same run: ``minyi --help``, ``minyi query "select 1"``, ``minyi status`` and ``minyi run``
with nothing new on a warm home (the demo's), ``minyi demo`` on a fresh home; beside two
floors, ``python -c pass`` and a bare DuckDB ``select 1`` from Python (there is no DuckDB
command line in the lock files), and, with ``--latency-ref``, the same commands of minyi at a
git ref (its files taken with ``git archive``, run by this interpreter). Wall and CPU seconds
and peak memory are the operating system's accounting of each finished process (``wait4``);
the median of the runs is printed. Ratios, not assertions.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

# The goals of issue 22 (seconds of wall time at one subdistrict), printed beside the figures.
GOALS = {"--help": 0.5, "query": 0.5, "status": 1.0, "run": 3.0, "demo": 10.0}
COMMANDS: dict[str, list[str]] = {
    "--help": ["--help"],
    "query": ["query", "select 1"],
    "status": ["status"],
    "run": ["run"],
    "demo": ["demo"],
}
FLOORS: dict[str, list[str]] = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "duckdb select 1": [
        sys.executable,
        "-c",
        "import duckdb; duckdb.connect().execute('select 1').fetchall()",
    ],
}
LAUNCH = "from flows.cli import main; main()"


@dataclass
class Timing:
    """One command's runs: wall and CPU seconds, peak MiB, each as measured."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)

    def add(self, wall: float, cpu: float, peak_mb: float) -> None:
        """Keep one run's figures."""
        self.wall.append(wall)
        self.cpu.append(cpu)
        self.peak_mb.append(peak_mb)

    def median(self) -> dict[str, float]:
        """The median of each figure."""
        return {
            "wall": round(statistics.median(self.wall), 3),
            "cpu": round(statistics.median(self.cpu), 3),
            "peak_mb": round(statistics.median(self.peak_mb), 1),
        }


def timed(
    argv: list[str], env: dict[str, str], log: Path, cwd: Path = REPO
) -> tuple[float, float, float]:
    """Run ``argv`` in ``cwd`` to its end: wall seconds, CPU seconds (user + system), peak MiB.

    ``python -c`` puts its working folder first on the path: it decides which minyi runs.
    """
    with log.open("ab") as out:
        started = time.perf_counter()
        process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-10:]
        raise RuntimeError(f"{argv} exited {process.returncode}:\n" + "\n".join(tail))
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def checkout(ref: str, folder: Path) -> Path:
    """minyi's files at ``ref`` (``git archive``), to run with this interpreter."""
    tar = folder / "ref.tar"
    subprocess.run(["git", "-C", str(REPO), "archive", "-o", str(tar), ref], check=True)
    source = folder / "source"
    source.mkdir()
    with tarfile.open(tar) as archive:
        archive.extractall(source, filter="data")
    tar.unlink()
    return source


def _env(home: Path, source: Path | None) -> dict[str, str]:
    """This environment without minyi's and Prefect's homes and servers, with ``home``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("MINYI_") and k not in ("PREFECT_HOME", "PREFECT_API_URL")
    }
    env["MINYI_HOME"] = str(home)
    if source is not None:
        env["PYTHONPATH"] = str(source)
    return env


def _fresh_home(home: Path) -> None:
    """An empty folder, as an organizer's first home is (minyi puts the registry in it)."""
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)


def measure_latency(workdir: Path, ref: str | None, runs: int) -> dict[str, Any]:
    """Each command of each minyi (this one, the ref's) and the floors, ``runs`` times in turn."""
    variants: dict[str, Path | None] = {"minyi": None}
    if ref:
        variants[ref] = checkout(ref, Path(tempfile.mkdtemp(prefix="ref-", dir=workdir)))
    log = workdir / "latency.log"
    timings: dict[str, dict[str, Timing]] = {v: {c: Timing() for c in COMMANDS} for v in variants}
    floors = {name: Timing() for name in FLOORS}
    homes = {}
    for number, (variant, source) in enumerate(variants.items()):
        homes[variant] = (workdir / f"warm-{number}", workdir / f"fresh-{number}")
        _fresh_home(homes[variant][0])  # the demo's home, then a run that finds nothing new
        for args in (["demo"], ["run"]):
            launch = [sys.executable, "-c", LAUNCH, *args]
            timed(launch, _env(homes[variant][0], source), log, source or REPO)
    for attempt in range(runs + 1):  # the first round warms the caches and is not counted
        for name, argv in FLOORS.items():
            figures = timed(argv, dict(os.environ), log)
            if attempt:
                floors[name].add(*figures)
        for variant, source in variants.items():
            warm, fresh = homes[variant]
            for command, args in COMMANDS.items():
                if command == "demo":
                    _fresh_home(fresh)
                home = fresh if command == "demo" else warm
                launch = [sys.executable, "-c", LAUNCH, *args]
                figures = timed(launch, _env(home, source), log, source or REPO)
                if attempt:
                    timings[variant][command].add(*figures)
    return {
        "runs": runs,
        "ref": ref,
        "floors": {name: t.median() for name, t in floors.items()},
        "commands": {
            variant: {c: t.median() for c, t in by_command.items()}
            for variant, by_command in timings.items()
        },
    }


def print_latency(latency: dict[str, Any]) -> None:
    """The commands' medians beside the floors (and the ref's), with the ratios and goals."""
    floors = latency["floors"]
    python = floors["python -c pass"]["wall"]
    duck = floors["duckdb select 1"]["wall"]
    print()
    print(
        f"Fixed costs at one subdistrict, median of {latency['runs']} runs (whole processes; "
        "run, status and query on the demo's warm home, demo on a fresh home):"
    )
    print("  (on a busy machine wall time waits for a core; CPU seconds are what the command did)")
    print(
        f"  floors: python -c pass {python:.3f} s wall; duckdb select 1 {duck:.3f} s wall, "
        f"{floors['duckdb select 1']['peak_mb']:.0f} MiB"
    )
    ref = latency["ref"]
    header = f"  {'command':<8} {'wall s':>7} {'cpu s':>6} {'MiB':>5} {'goal s':>6} {'/python':>8}"
    header += f" {'/duckdb':>8}"
    if ref:
        header += f" {ref + ' wall s':>14} {ref + ' cpu s':>13} {'wall/' + ref:>10}"
        header += f" {'cpu/' + ref:>9}"
    print(header)
    for command in COMMANDS:
        m = latency["commands"]["minyi"][command]
        line = (
            f"  {command:<8} {m['wall']:>7.2f} {m['cpu']:>6.2f} {m['peak_mb']:>5.0f} "
            f"{GOALS[command]:>6.1f} {m['wall'] / python:>7.0f}x {m['wall'] / duck:>7.1f}x"
        )
        if ref:
            b = latency["commands"][ref][command]
            line += f" {b['wall']:>14.2f} {b['cpu']:>13.2f} {m['wall'] / b['wall']:>9.2f}x"
            line += f" {m['cpu'] / b['cpu']:>8.2f}x"
        print(line)
