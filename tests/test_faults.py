"""Crash points: a process dies at the named checkpoint and nowhere else; unset, none fires."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import pytest

from flows.faults import CHECKPOINTS, KILL_AT_VARIABLE, checkpoint
from flows.settings import REPO_ROOT

_PASS_POINTS = (
    "from flows.faults import checkpoint\n"
    "for point in ('read', 'validated', 'committed'):\n"
    "    checkpoint(point)\n"
    "    print('passed', point, flush=True)\n"
)


def _run(kill_at: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != KILL_AT_VARIABLE}
    if kill_at is not None:
        env[KILL_AT_VARIABLE] = kill_at
    return subprocess.run(
        [sys.executable, "-c", _PASS_POINTS],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("kill_at", "passed", "killed"),
    [
        (None, ["read", "validated", "committed"], False),
        ("validated", ["read"], True),
        ("no_such_point", ["read", "validated", "committed"], False),
        ("", ["read", "validated", "committed"], False),
    ],
    ids=["unset", "named-point", "unknown-point", "empty"],
)
def test_a_process_dies_only_at_the_named_point(
    kill_at: str | None, passed: list[str], killed: bool
) -> None:
    run = _run(kill_at)
    assert re.findall(r"passed (\w+)", run.stdout) == passed
    assert run.returncode == (-signal.SIGKILL if killed else 0), run.stderr


def test_a_checkpoint_here_is_a_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KILL_AT_VARIABLE, "read")
    checkpoint("validated")  # still alive


def test_every_checkpoint_is_reached_somewhere_in_the_code() -> None:
    called = set()
    for path in (REPO_ROOT / "flows").rglob("*.py"):
        called |= set(re.findall(r'checkpoint\("(\w+)"\)', path.read_text(encoding="utf-8")))
    assert called == set(CHECKPOINTS), "a listed point never reached, or a point not listed"
