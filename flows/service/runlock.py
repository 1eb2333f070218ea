"""One ingest at a time per MINYI_HOME: a file lock that other runs wait for, with a bound."""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO

from flows.messages import both
from flows.storage import writing


class RunLocked(RuntimeError):
    """Another minyi run kept the home locked longer than the configured wait."""


def _note_holder(handle: IO[str]) -> None:
    """Write who holds the lock into the lock file, for a run that has to wait."""
    handle.seek(0)
    handle.truncate()
    command = " ".join(Path(sys.argv[0]).name.split() + sys.argv[1:2]) or "python"
    since = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")
    handle.write(json.dumps({"pid": os.getpid(), "command": command, "since": since}))
    handle.flush()


def lock_holder(handle: IO[str]) -> str:
    """The holder a lock file names, as one line: "minyi run (PID 42, since ...)"."""
    handle.seek(0)
    try:
        noted = json.loads(handle.read() or "{}")
        return f"{noted['command']} (PID {noted['pid']}, since {noted['since']})"
    except (ValueError, KeyError, TypeError):
        return "?"


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
                holder = lock_holder(handle)
                if time.monotonic() >= deadline:
                    gave_up = both("run_locked_gave_up", seconds=timeout_seconds, holder=holder)
                    raise RunLocked(gave_up) from None
                if not told:
                    waiting = both("run_locked_wait", seconds=timeout_seconds, holder=holder)
                    print(waiting, file=sys.stderr)
                    told = True
                time.sleep(0.2)
        _note_holder(handle)
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
