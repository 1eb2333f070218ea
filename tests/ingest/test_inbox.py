"""A file still being copied into the inbox is left for the next poll."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from flows.ingest.inbox import inbox_backlog, inbox_files, settled_files
from flows.settings import Settings
from tests.helpers import evaluation, write_csv


def _aged(path: Path, seconds: float) -> Path:
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def test_old_files_pass_without_waiting(tmp_path: Path) -> None:
    old = tmp_path / "old.csv"
    old.write_text("a\n")
    # ctime cannot be set back, so pretend the clock has moved on instead.
    naps: list[float] = []
    split = settled_files([old], 2.0, clock=lambda: time.time() + 60, sleep=naps.append)
    assert split.settled == [old]
    assert split.being_written == []
    assert naps == []


def test_a_growing_file_is_left_for_the_next_poll(tmp_path: Path) -> None:
    growing = tmp_path / "growing.xlsx"
    growing.write_bytes(b"x" * 10)
    steady = tmp_path / "steady.csv"
    steady.write_text("a\n")

    def keep_copying(_seconds: float) -> None:
        with growing.open("ab") as fh:
            fh.write(b"y" * 10)

    split = settled_files([growing, steady], 2.0, sleep=keep_copying)
    assert split.settled == [steady]
    assert split.being_written == [growing]


def test_a_file_rewritten_in_place_is_left(tmp_path: Path) -> None:
    rewritten = tmp_path / "same-size.csv"
    rewritten.write_text("aaaa")

    def rewrite(_seconds: float) -> None:
        _aged(rewritten, 0)
        rewritten.write_text("bbbb")

    split = settled_files([rewritten], 2.0, sleep=rewrite)
    assert split.being_written == [rewritten]


def test_a_file_gone_meanwhile_is_dropped(tmp_path: Path) -> None:
    split = settled_files([tmp_path / "gone.csv"], 2.0, sleep=lambda _s: None)
    assert split.settled == []
    assert split.being_written == []


def test_backlog_counts_waiting_and_being_written(settings: Settings) -> None:
    inbox = settings.inbox_dir
    inbox.mkdir(parents=True)
    (inbox / "forms.csv").write_text("a\n")
    (inbox / "~$forms.xlsx").write_text("lock")
    (inbox / "report.xlsx.part").write_text("half")

    later = inbox_backlog(settings, 2.0, now=time.time() + 60)
    assert [p.name for p in later.settled] == ["forms.csv"]
    assert sorted(p.name for p in later.being_written) == ["report.xlsx.part", "~$forms.xlsx"]

    just_now = inbox_backlog(settings, 2.0, now=time.time())
    assert just_now.settled == []
    assert "forms.csv" in [p.name for p in just_now.being_written]


HIDDEN = {
    "dot-file": ".forms.csv",
    "mac-resource-fork": "._forms.csv",
    "ds-store": ".DS_Store",
    "in-a-hidden-folder": ".backup/forms.csv",
}


@pytest.mark.parametrize("name", HIDDEN.values(), ids=HIDDEN.keys())
def test_status_and_the_run_agree_that_hidden_files_are_never_loaded(
    settings: Settings, name: str
) -> None:
    from flows.ingest.batch import ingest

    hidden = write_csv(settings.inbox_dir / name, "evaluations", [evaluation()])
    visible = write_csv(
        settings.inbox_dir / "visible.csv", "evaluations", [evaluation(evaluator="乙")]
    )
    later = time.time() + 60  # both files settled

    backlog = inbox_backlog(settings, 2.0, now=later)
    assert (backlog.settled, backlog.being_written, backlog.ignored) == ([visible], [], [hidden])
    assert inbox_files(settings) == backlog.settled, "what status says will load is the run's"

    summary = ingest(settings, inbox_files(settings)).summary
    assert summary.files_loaded == 1 and summary.rows_loaded == 1
    assert hidden.exists(), "left where it is, untouched"
    assert inbox_backlog(settings, 2.0, now=later).ignored == [hidden]


def test_what_status_says_will_load_is_what_the_run_loads_and_refusals_are_foreseen(
    settings: Settings, tmp_path: Path
) -> None:
    from flows.ingest.batch import ingest

    inbox = settings.inbox_dir
    good = write_csv(inbox / "good.csv", "evaluations", [evaluation()])
    outside = write_csv(tmp_path / "outside.csv", "evaluations", [evaluation(evaluator="乙")])
    (inbox / "link.csv").symlink_to(outside)
    (inbox / "notes.pdf").write_bytes(b"%PDF-1.7 not a table")
    (inbox / "empty.csv").write_bytes(b"")
    with (inbox / "big.csv").open("wb") as fh:
        fh.truncate(settings.max_file_bytes + 1)  # sparse: costs no disk
    later = time.time() + 60

    backlog = inbox_backlog(settings, 2.0, now=later)
    foreseen = {path.name: rejection.key for path, rejection in backlog.refused}
    assert backlog.settled == [good]
    assert foreseen == {
        "link.csv": "file_symlink",
        "notes.pdf": "file_unsupported",
        "empty.csv": "file_empty",
        "big.csv": "file_too_large",
    }

    outcomes = ingest(settings, inbox_files(settings)).outcomes
    loaded = [o.path for o in outcomes if o.outcome == "loaded"]
    recorded = {o.path.name: o.rejection.key for o in outcomes if o.rejection is not None}
    assert loaded == backlog.settled
    assert recorded == foreseen
