"""Staging a batch: each file's place in the batch, its rows counted, names masked in what is
kept of every file, parts of a batch merged back in order."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from flows.ingest.receive import FileOutcome, read_files
from flows.ingest.registry import Registry, load_registry
from flows.ingest.stage import among, merge_staged, row_values, stage_files
from flows.privacy import NAME_MASK
from flows.settings import Settings
from tests.helpers import EVALUATION_HEADER, evaluation, hearing, write_csv

KEY = b"k" * 32
ON_THE_ROSTER = "史芳"  # in the demo registry's evaluators.csv


@pytest.fixture
def registry(settings: Settings) -> Registry:
    return load_registry(settings.reference_dir)


def _read(
    settings: Settings, paths: list[Path], known: set[str] | None = None
) -> list[FileOutcome]:
    return read_files(paths, settings, known or set())


def test_each_file_keeps_its_place_in_the_batch(
    settings: Settings, registry: Registry, tmp_path: Path
) -> None:
    """A later file supersedes an earlier one: duplicates and rejects keep their places too."""
    first = write_csv(tmp_path / "a.csv", "evaluations", [evaluation(evaluator="甲")])
    notes = tmp_path / "notes.csv"
    notes.write_text("甲,乙,丙\n1,2,3\n", encoding="utf-8")
    again = write_csv(tmp_path / "a-again.csv", "evaluations", [evaluation(evaluator="甲")])
    last = write_csv(tmp_path / "b.csv", "evaluations", [evaluation(evaluator="乙")] * 2)
    outcomes = _read(settings, [first, notes, again, last])

    staged = stage_files(outcomes, registry, KEY, first_sequence=10)

    frame = staged["evaluations"].frame
    assert list(zip(frame["file_name"], frame["sequence"], strict=True)) == [
        ("a.csv", 10),
        ("b.csv", 13),
        ("b.csv", 13),
    ]
    assert [o.rows_read for o in outcomes] == [1, 0, 0, 2]
    assert set(staged) == {"evaluations"}


def test_a_kind_absent_from_the_batch_is_not_staged(
    settings: Settings, registry: Registry, tmp_path: Path
) -> None:
    meetings = write_csv(tmp_path / "h.csv", "hearings", [hearing()])
    assert set(stage_files(_read(settings, [meetings]), registry, KEY)) == {"hearings"}


def _with_extra_column(path: Path, extra: str, row: list[str], value: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([*EVALUATION_HEADER, extra])
        writer.writerow([*row, value])
    return path


def test_names_are_masked_in_extra_columns_and_text_of_every_file(
    settings: Settings, registry: Registry, tmp_path: Path
) -> None:
    """The roster's names and the batch's unregistered evaluators, wherever text is kept."""
    forms = _with_extra_column(
        tmp_path / "forms.csv",
        f"联系人{ON_THE_ROSTER}",
        evaluation(evaluator="王秀英"),
        "备注",
    )
    meetings = write_csv(tmp_path / "h.csv", "hearings", [hearing(topic="王秀英反映加装电梯")])
    outcomes = _read(settings, [forms, meetings])

    staged = stage_files(outcomes, registry, KEY)

    assert outcomes[0].read is not None
    assert outcomes[0].read.tables[0].extra_columns == [f"联系人{NAME_MASK}"]
    topics = staged["hearings"].frame["topic"].tolist() + staged["hearings"].raw["topic"].tolist()
    assert topics == [f"{NAME_MASK}反映加装电梯"] * 2


def test_names_given_for_the_batch_are_masked_instead_of_its_own(
    settings: Settings, registry: Registry, tmp_path: Path
) -> None:
    """A part of a batch staged on a worker masks the whole batch's names."""
    meetings = write_csv(tmp_path / "h.csv", "hearings", [hearing(topic="李建国来电")])
    staged = stage_files(_read(settings, [meetings]), registry, KEY, names=frozenset({"李建国"}))
    assert staged["hearings"].frame["topic"].tolist() == [f"{NAME_MASK}来电"]


def test_what_is_kept_of_a_rejected_file_is_masked(
    settings: Settings, registry: Registry, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.csv"
    notes.write_text(f"{ON_THE_ROSTER},13912345678,丙\n1,2,3\n", encoding="utf-8")
    (outcome,) = _read(settings, [notes])
    assert outcome.rejection is not None and ON_THE_ROSTER in outcome.rejection.reason("en")

    stage_files([outcome], registry, KEY)

    for lang in ("zh", "en"):
        reason = outcome.rejection.reason(lang)
        assert ON_THE_ROSTER not in reason and "13912345678" not in reason
        assert NAME_MASK in reason


def test_parts_of_a_batch_merge_into_the_whole(
    settings: Settings, registry: Registry, tmp_path: Path
) -> None:
    paths = [
        write_csv(tmp_path / "a.csv", "evaluations", [evaluation(evaluator="甲")]),
        write_csv(tmp_path / "h.csv", "hearings", [hearing()]),
        write_csv(tmp_path / "b.csv", "evaluations", [evaluation(evaluator="乙", efficiency="好")]),
    ]
    whole = stage_files(_read(settings, paths), registry, KEY)
    first = stage_files(_read(settings, paths[:2]), registry, KEY)
    second = stage_files(_read(settings, paths[2:]), registry, KEY, first_sequence=2)

    merged = merge_staged([first, second])

    assert set(merged) == set(whole)
    for kind, table in whole.items():
        pd.testing.assert_frame_equal(merged[kind].frame, table.frame)
        pd.testing.assert_frame_equal(merged[kind].raw, table.raw)
        assert merged[kind].failures == table.failures


def test_row_values_are_the_text_as_read_with_pseudonyms(
    settings: Settings, registry: Registry, tmp_path: Path
) -> None:
    rows = [evaluation(evaluator="王秀英", efficiency="好"), evaluation(evaluator="李建国")]
    staged = stage_files(
        _read(settings, [write_csv(tmp_path / "e.csv", "evaluations", rows)]), registry, KEY
    )["evaluations"]
    bad = staged.frame["row_id"].iloc[0]

    values = row_values(staged, {bad})

    assert list(values) == [bad]
    record = json.loads(values[bad])
    assert record["efficiency"] == "好" and record["verdict"] == "满意"
    assert record["evaluator"] == staged.frame["evaluator_key"].iloc[0]
    assert "row_number" not in record and "王秀英" not in values[bad]


@pytest.mark.parametrize("dtype", ["str", "object", "string[pyarrow]"], ids=str)
@pytest.mark.parametrize(
    "values", [{"r1", "r3"}, set(), {"elsewhere"}], ids=["some", "none-asked", "none-found"]
)
def test_among_agrees_with_pandas_isin(dtype: str, values: set[str]) -> None:
    column = pd.Series(["r1", "r2", None, "r3", "r1"], dtype=dtype)
    assert among(column, values).tolist() == column.isin(values).tolist()
