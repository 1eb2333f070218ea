"""Receiving a batch: one outcome per file, new, duplicate (in the batch or received before) or
rejected, read once."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from flows.ingest import receive
from flows.ingest.receive import FileOutcome, read_files, read_tables
from flows.settings import Settings
from tests.helpers import evaluation, hearing, write_csv


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_each_file_gets_its_outcome_in_order(settings: Settings, tmp_path: Path) -> None:
    forms = write_csv(tmp_path / "forms.csv", "evaluations", [evaluation(), evaluation()])
    meetings = write_csv(tmp_path / "meetings.csv", "hearings", [hearing()])
    notes = tmp_path / "notes.csv"
    notes.write_text("甲,乙,丙\n1,2,3\n", encoding="utf-8")

    outcomes = read_files([forms, notes, meetings], settings, set())

    assert [(o.path, o.outcome) for o in outcomes] == [
        (forms, "new"),
        (notes, "rejected"),
        (meetings, "new"),
    ]
    assert [o.kind for o in outcomes] == ["evaluations", None, "hearings"]
    assert outcomes[0].file_hash == _sha256(forms)
    assert outcomes[0].size_bytes == forms.stat().st_size
    assert outcomes[1].rejection is not None and outcomes[1].read is None
    assert [len(t.rows) for t in read_tables(outcomes)] == [2, 1]


def test_a_second_copy_in_the_batch_is_a_duplicate_of_the_first(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write_csv(tmp_path / "一月.csv", "evaluations", [evaluation()])
    copy = Path(shutil.copyfile(first, tmp_path / "一月 (1).csv"))
    read = []
    real_read = receive.read_file
    monkeypatch.setattr(receive, "read_file", lambda p, s: read.append(p) or real_read(p, s))

    outcomes = read_files([first, copy], settings, set())

    assert [o.outcome for o in outcomes] == ["new", "duplicate"]
    assert outcomes[1].duplicate_of == "一月.csv"
    assert outcomes[1].file_hash == outcomes[0].file_hash
    assert read == [first], "a duplicate is not read"


def test_a_file_received_before_is_a_duplicate_unread(settings: Settings, tmp_path: Path) -> None:
    forms = write_csv(tmp_path / "forms.csv", "evaluations", [evaluation()])
    (outcome,) = read_files([forms], settings, {_sha256(forms)})
    assert outcome.outcome == "duplicate" and outcome.read is None
    assert outcome.duplicate_of is None, "received in an earlier run, not in this batch"


def test_a_copy_of_a_rejected_file_is_a_duplicate(settings: Settings, tmp_path: Path) -> None:
    notes = tmp_path / "notes.csv"
    notes.write_text("甲,乙,丙\n1,2,3\n", encoding="utf-8")
    again = Path(shutil.copyfile(notes, tmp_path / "notes-again.csv"))
    outcomes = read_files([notes, again], settings, set())
    assert [o.outcome for o in outcomes] == ["rejected", "duplicate"]


def test_a_link_is_refused_unread_with_a_stable_identity(
    settings: Settings, tmp_path: Path
) -> None:
    target = write_csv(tmp_path / "forms.csv", "evaluations", [evaluation()])
    link = tmp_path / "link.csv"
    link.symlink_to(target)

    (first,) = read_files([link], settings, set())
    (second,) = read_files([link], settings, set())

    assert first.outcome == "rejected" and first.read is None
    assert first.rejection is not None and first.rejection.key == "file_symlink"
    assert first.file_hash == second.file_hash != _sha256(target)
    assert first.size_bytes == 0


def test_an_archived_copy_is_received_under_its_original_name(
    settings: Settings, tmp_path: Path
) -> None:
    archived = write_csv(tmp_path / ("a" * 64 + ".csv"), "evaluations", [evaluation()])
    (outcome,) = read_files([archived], settings, set(), {archived: "和平/社区 评议.csv"})
    assert outcome.received_as == "和平/社区 评议.csv"
    assert outcome.file_name == "和平_社区 评议.csv", "a name safe to use as a path"


def test_released_rows_keep_the_counts(settings: Settings, tmp_path: Path) -> None:
    forms = write_csv(tmp_path / "forms.csv", "evaluations", [evaluation(), evaluation()])
    (outcome,) = read_files([forms], settings, set())
    outcome.rows_read = 2
    outcome.release_rows()
    assert outcome.read is not None and outcome.read.rows_read == 0
    assert (outcome.rows_read, outcome.kind) == (2, "evaluations")
    assert not outcome.is_correction


def test_an_outcome_without_a_read_has_no_kind() -> None:
    outcome = FileOutcome(Path("x.csv"), "0" * 64, 0, "duplicate")
    outcome.release_rows()
    assert outcome.kind is None and not outcome.is_correction
