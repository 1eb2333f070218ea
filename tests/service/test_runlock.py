"""One run at a time per MINYI_HOME: a second run waits for the first, within a bound."""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path

import pytest

from flows.messages import both
from flows.service import runlock
from flows.service.runlock import RunLocked, run_lock
from flows.storage import HomeNotWritable
from tests.processes import FakeClock


def test_a_second_run_waits_then_gives_up_in_both_languages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = FakeClock()
    monkeypatch.setattr(runlock, "time", clock)
    ran = []
    with run_lock(tmp_path, 60), pytest.raises(RunLocked) as error, run_lock(tmp_path, 30):
        ran.append("second")

    assert ran == []
    with (tmp_path / ".run.lock").open() as noted:
        holder = runlock.lock_holder(noted)
    assert f"(PID {os.getpid()}, since " in holder
    assert str(error.value) == both("run_locked_gave_up", seconds=30, holder=holder)
    told = both("run_locked_wait", seconds=30, holder=holder) + "\n"
    assert capsys.readouterr().err == told, "told once, on one line"
    assert 30 <= clock.now < 31


def test_a_second_run_goes_ahead_once_the_first_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with ExitStack() as first:
        first.enter_context(run_lock(tmp_path, 60))
        clock = FakeClock(on_sleep=first.close)
        monkeypatch.setattr(runlock, "time", clock)
        with run_lock(tmp_path, 30):
            waited = clock.now
    assert 0 < waited < 30
    assert f"PID {os.getpid()}" in capsys.readouterr().err


def test_the_lock_is_let_go_when_a_run_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ValueError), run_lock(tmp_path, 1):
        raise ValueError("the run failed")
    with run_lock(tmp_path, 0):
        pass
    assert capsys.readouterr().err == "", "nobody waited"


def test_each_home_has_its_own_lock(tmp_path: Path) -> None:
    with run_lock(tmp_path / "a", 0), run_lock(tmp_path / "b", 0):
        assert (tmp_path / "a" / ".run.lock").exists() and (tmp_path / "b" / ".run.lock").exists()


def test_a_home_that_cannot_be_written_gives_a_clear_error(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.write_text("a file, not a folder", encoding="utf-8")
    with pytest.raises(HomeNotWritable, match="MINYI_HOME"), run_lock(home, 0):
        pass
