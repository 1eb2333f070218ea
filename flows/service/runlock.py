"""One ingest at a time per MINYI_HOME: a file lock that other runs wait for, with a bound."""

from __future__ import annotations

import fcntl
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flows.messages import both
from flows.storage import writing


class RunLocked(RuntimeError):
    """Another minyi run kept the home locked longer than the configured wait."""


@contextmanager
def run_lock(home: Path, timeout_seconds: float) -> Iterator[None]:
    """Hold ``home/.run.lock`` exclusively; wait up to ``timeout_seconds`` for another run."""
    lock_path = home / ".run.lock"
    with writing(lock_path):
        home.mkdir(parents=True, exist_ok=True)
        handle = lock_path.open("a+")
    with handle:
        deadline = time.monotonic() + timeout_seconds
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RunLocked(both("run_locked_gave_up", seconds=timeout_seconds)) from None
                if not told:
                    print(both("run_locked_wait", seconds=timeout_seconds), file=sys.stderr)
                    told = True
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_lock_held(home: Path) -> bool:
    """Whether a minyi run holds ``home/.run.lock`` now."""
    try:
        handle = (home / ".run.lock").open("rb")
    except OSError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False
