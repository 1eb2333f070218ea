"""Other processes and time for tests: a process holding a file, a clock that only moves when
slept, and waiting for a condition (bounded, so a hang fails the test)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from flows.settings import REPO_ROOT

DRIVER = REPO_ROOT / "tests" / "crash_driver.py"


class FakeClock:
    """Stands in for the ``time`` module of code that waits: ``sleep`` moves ``monotonic`` on
    at once, and calls ``on_sleep`` each time (to let go of a lock, say)."""

    def __init__(self, on_sleep: Callable[[], object] | None = None) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self._on_sleep = on_sleep

    def monotonic(self) -> float:
        """The seconds slept so far."""
        return self.now

    def sleep(self, seconds: float) -> None:
        """Move the clock on by ``seconds`` without waiting."""
        self.sleeps.append(seconds)
        self.now += seconds
        if self._on_sleep is not None:
            self._on_sleep()


def hold_file(path: Path, read_only: bool = False) -> subprocess.Popen[str]:
    """Another process with a DuckDB connection to ``path`` open, until :func:`release`."""
    args = [sys.executable, str(DRIVER), "hold", str(path), *(["read"] if read_only else [])]
    holder = subprocess.Popen(
        args,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    assert holder.stdout is not None
    line = holder.stdout.readline()
    assert line.strip() == "ready", holder.stderr.read() if holder.stderr else line
    return holder


def release(holder: subprocess.Popen[str]) -> None:
    """Let the holding process close its connection and end (no-op once it has)."""
    if holder.poll() is None:
        holder.communicate(timeout=60)


def alive(pid: int) -> bool:
    """True while the process runs (a zombie counts as ended)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in _proc_state(pid)


def _proc_state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return ""


def processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line contains ``text``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if text in command and alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def wait_for(predicate: object, seconds: float, what: str) -> None:
    """Poll ``predicate`` until it holds; fail the test after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")
