"""The batch loop: cut points, the steps a run goes through, run ids, the registry first."""

from __future__ import annotations

import inspect
import json
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import pytest

from flows.datasets import Kind
from flows.ingest import batch
from flows.ingest.batch import (
    BatchContext,
    PlainSteps,
    RunResult,
    Steps,
    batch_context,
    file_batches,
    ingest,
    remembered_names,
)
from flows.ingest.load import LoadSummary
from flows.ingest.normalise import StagedTable
from flows.ingest.readers import FileRejected
from flows.ingest.receive import FileOutcome
from flows.periods import Period
from flows.settings import Settings
from tests.helpers import evaluation, inbox_batch, write_csv
from tests.warehouse_state import query, snapshot


def _sized(folder: Path, sizes: list[int]) -> list[Path]:
    """Files named a, b, c, ... of the given sizes in bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for letter, size in zip("abcdefgh", sizes, strict=False):
        path = folder / f"{letter}.csv"
        path.write_bytes(b"x" * size)
        paths.append(path)
    return paths


CUTS = {
    "all-fit": ([3, 3, 3], 10, ["abc"]),
    "cut-when-the-next-would-pass": ([4, 4, 4], 10, ["ab", "c"]),
    "exactly-the-bound-fits": ([5, 5, 5], 10, ["ab", "c"]),
    "a-large-file-alone": ([2, 50, 2], 10, ["a", "b", "c"]),
    "a-large-file-first": ([50, 2, 2], 10, ["a", "bc"]),
    "one-byte-bound": ([1, 1, 1], 1, ["a", "b", "c"]),
    "empty-files-fit-anywhere": ([10, 0, 0, 1], 10, ["abc", "d"]),
    "no-files": ([], 10, []),
}


@pytest.mark.parametrize(("sizes", "bound", "expected"), list(CUTS.values()), ids=list(CUTS.keys()))
def test_file_batches_cut_points(
    tmp_path: Path, sizes: list[int], bound: int, expected: list[str]
) -> None:
    groups = file_batches(_sized(tmp_path, sizes), bound)
    assert ["".join(p.stem for p in group) for group in groups] == expected


def test_file_batches_count_a_link_not_its_target_and_a_gone_file_as_empty(
    tmp_path: Path,
) -> None:
    big, small = _sized(tmp_path / "files", [10_000, 4])
    link = tmp_path / "link.csv"
    link.symlink_to(big)
    gone = tmp_path / "gone.csv"
    bound = 4 + len(str(big).encode()) + 4  # a link's own size is its target's path
    groups = file_batches([small, link, gone, small], bound)
    assert groups == [[small, link, gone, small]]


def test_batch_context_gives_each_later_batch_its_own_run_id(settings: Settings) -> None:
    context = batch.prepare(settings, run_id="run")
    assert batch_context(context, 0) is context
    later = [batch_context(context, n) for n in (1, 2)]
    assert [c.run_id for c in later] == ["run-1", "run-2"]
    assert all(c.known is context.known and c.key == context.key for c in later)


def test_plain_steps_have_the_protocols_signatures() -> None:
    for name in ("prepare", "read", "validate", "load", "publish"):
        assert inspect.signature(getattr(PlainSteps, name)) == inspect.signature(
            getattr(Steps, name)
        ), name


@dataclass
class RecordedSteps:
    """Plain steps that note which step ran, for which batch."""

    plain: PlainSteps = field(default_factory=PlainSteps)
    calls: list[str] = field(default_factory=list)

    def prepare(self, settings: Settings, run_id: str) -> BatchContext:
        self.calls.append(f"prepare {run_id}")
        return self.plain.prepare(settings, run_id)

    def read(self, paths: list[Path], context: BatchContext) -> list[FileOutcome]:
        self.calls.append(f"read {context.run_id} {' '.join(p.name for p in paths)}")
        return self.plain.read(paths, context)

    def validate(
        self, outcomes: list[FileOutcome], context: BatchContext
    ) -> tuple[list[FileOutcome], dict[Kind, StagedTable]]:
        self.calls.append(f"validate {context.run_id}")
        return self.plain.validate(outcomes, context)

    def load(
        self, outcomes: list[FileOutcome], staged: dict[Kind, StagedTable], context: BatchContext
    ) -> LoadSummary:
        self.calls.append(f"load {context.run_id}")
        return self.plain.load(outcomes, staged, context)

    def publish(self, settings: Settings) -> None:
        self.calls.append("publish")
        self.plain.publish(settings)


def test_a_run_prepares_once_then_reads_validates_and_loads_each_batch(
    settings: Settings,
) -> None:
    settings = replace(settings, batch_bytes=1)
    paths = [
        write_csv(settings.inbox_dir / "a.csv", "evaluations", [evaluation(evaluator="甲")]),
        write_csv(settings.inbox_dir / "b.csv", "evaluations", [evaluation(evaluator="乙")]),
    ]
    steps = RecordedSteps()

    result = ingest(settings, paths, steps, run_id="r")

    assert steps.calls == [
        "prepare r",
        "read r a.csv",
        "validate r",
        "load r",
        "read r-1 b.csv",
        "validate r-1",
        "load r-1",
        "publish",
    ]
    assert result.run_id == "r" and result.summary.rows_loaded == 2
    runs = query(settings, "select run_id, status, rows_loaded from meta.runs order by run_id")
    assert runs == [("r", "completed", 1), ("r-1", "completed", 1)]


def test_ingest_without_steps_records_the_period_of_the_run(settings: Settings) -> None:
    paths = [write_csv(settings.inbox_dir / "a.csv", "evaluations", [evaluation()])]
    result = ingest(settings, paths, run_id="r", period=Period(2026, 1))
    assert result.period == Period(2026, 1)
    assert query(settings, "select run_id, period from meta.runs") == [("r", "2026H1")]
    assert not paths[0].exists(), "the plain steps archive and clear the inbox"


def test_an_empty_first_run_creates_the_warehouse_and_records_itself(settings: Settings) -> None:
    assert not settings.warehouse_path.exists()
    result = ingest(settings, [], run_id="first")
    assert result.outcomes == [] and result.summary.files_seen == 0
    assert query(settings, "select run_id, status from meta.runs") == [("first", "completed")]
    assert query(settings, "select count(*) from ref.communities") == [(9,)]

    ingest(settings, [], run_id="second")
    assert query(settings, "select run_id from meta.runs") == [("first",)], (
        "with a warehouse, an empty run commits no batch"
    )


def test_remembered_names_read_what_was_kept(settings: Settings) -> None:
    from flows.ingest.registry import keep

    assert remembered_names(settings) == set()
    keep(settings.names_path, json.dumps(["王秀英", "李建国", 7]).encode("utf-8"))
    assert remembered_names(settings) == {"王秀英", "李建国"}


@pytest.mark.parametrize(
    "payload",
    [b"\xff\xfe not utf-8", b"{not json", b'{"a": "not a list"}'],
    ids=["not-utf8", "not-json", "not-a-list"],
)
def test_a_damaged_names_file_reads_as_no_names(settings: Settings, payload: bytes) -> None:
    from flows.ingest.registry import keep

    keep(settings.names_path, payload)
    assert remembered_names(settings) == set()


def test_run_result_lists_each_file_with_counts_and_reasons() -> None:
    loaded = FileOutcome(Path("a.csv"), "a" * 64, 10, "loaded", rows_read=5, rows_quarantined=2)
    rejected = FileOutcome(
        Path("b.txt"), "b" * 64, 3, "rejected", rejection=FileRejected("file_empty")
    )
    result = RunResult("r", None, LoadSummary(2, 1, 0, 1, 5, 3, 2), [loaded, rejected])
    first, second = result.files
    assert first == {
        "file": "a.csv",
        "kind": None,
        "outcome": "loaded",
        "rows_read": 5,
        "rows_loaded": 3,
        "rows_quarantined": 2,
        "reason": None,
        "reason_zh": None,
    }
    assert (second["outcome"], second["rows_loaded"]) == ("rejected", 0)
    assert second["reason"] != second["reason_zh"] and second["reason"] and second["reason_zh"]


def test_small_batches_equal_one_batch(settings: Settings, tmp_path: Path) -> None:
    paths = inbox_batch(settings)
    paths.append(
        write_csv(
            settings.inbox_dir / "e2.csv",
            "evaluations",
            [evaluation(evaluator="甲", verdict="基本满意")],
        )
    )
    copies = tmp_path / "copies"
    shutil.copytree(settings.inbox_dir, copies)
    summary = ingest(settings, paths).summary
    one_batch = snapshot(settings)

    other = replace(settings, home=tmp_path / "other", batch_bytes=1)
    shutil.copytree(settings.reference_dir, other.reference_dir)
    shutil.copytree(copies, other.inbox_dir)
    shutil.copy(settings.key_path, other.key_path)
    split_summary = ingest(other, [other.inbox_dir / p.name for p in paths]).summary
    assert split_summary == summary
    assert snapshot(other) == one_batch
    runs = query(other, "select count(*) from meta.runs where status = 'completed'")
    assert runs == [(len(paths),)]


def test_committed_batches_release_their_rows(settings: Settings) -> None:
    """A run keeps each file's outcome and counts, not its rows, once its batch is committed:
    otherwise a national inbox's rows would all stay in memory until the run ends."""
    small = replace(settings, batch_bytes=1)
    result = ingest(small, inbox_batch(small))
    summary, outcomes = result.summary, result.outcomes

    assert [o.outcome for o in outcomes] == ["loaded"] * len(outcomes)
    assert {o.kind for o in outcomes} == {"evaluations", "hearings", "branch_reports"}
    assert sum(o.rows_read for o in outcomes) == summary.rows_read == 7
    assert [o.read.rows_read for o in outcomes if o.read] == [0] * len(outcomes)


def test_a_registry_change_applies_with_no_new_file(settings: Settings) -> None:
    """A community added to the registry is in the warehouse after the next run, files or not
    (the reports then list it as not yet reported)."""
    ingest(settings, inbox_batch(settings))
    communities = settings.reference_dir / "communities.csv"
    header = communities.read_text(encoding="utf-8").splitlines()[0]
    row = {"community_id": "C99", "name": "新设社区", "households": "100", "residents": "300"}
    with communities.open("a", encoding="utf-8") as fh:
        fh.write(",".join(row.get(c, "") for c in header.split(",")) + "\n")
    result = ingest(settings, [])
    outcomes = result.outcomes
    assert outcomes == []
    assert query(settings, "select name from ref.communities where community_id = 'C99'") == [
        ("新设社区",)
    ]


def test_a_new_registry_layout_reloads_the_registry_once(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warehouse loaded before ref.* had a column gets it filled, with the same files."""
    communities = settings.reference_dir / "communities.csv"
    lines = communities.read_text(encoding="utf-8").splitlines()
    rows = [lines[0] + ",subdistrict", *(line + ",甲街道" for line in lines[1:])]
    communities.write_text("\n".join(rows) + "\n", encoding="utf-8")
    ingest(settings, inbox_batch(settings))
    with duckdb.connect(str(settings.warehouse_path)) as con:  # as an older version left it
        con.execute("update ref.communities set subdistrict = null")
    monkeypatch.setattr(batch, "REGISTRY_LAYOUT", batch.REGISTRY_LAYOUT + 1)
    ingest(settings, [write_csv(settings.inbox_dir / "e2.csv", "evaluations", [evaluation()])])
    assert query(settings, "select distinct subdistrict from ref.communities") == [("甲街道",)]


def test_evaluator_codes_are_kept_with_the_roster_and_filled_for_an_older_warehouse(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ref.evaluator_codes is derived when the roster is loaded, one code per roster
    evaluator; a warehouse an older minyi left (codes computed by a view, so none kept) gets
    them on its next run, through the new registry layout."""
    ingest(settings, inbox_batch(settings))
    roster = (
        "select count(*) from (select distinct community_id, role, evaluator_key"
        " from ref.evaluators)"
    )
    codes = "select count(*), count(distinct community_id || role || code) from ref.evaluator_codes"
    [(evaluators,)] = query(settings, roster)
    assert evaluators > 0 and query(settings, codes) == [(evaluators, evaluators)]
    with duckdb.connect(str(settings.warehouse_path)) as con:  # as an older version left it
        con.execute("delete from ref.evaluator_code_rows")
    monkeypatch.setattr(batch, "REGISTRY_LAYOUT", batch.REGISTRY_LAYOUT + 1)
    ingest(settings, [write_csv(settings.inbox_dir / "e2.csv", "evaluations", [evaluation()])])
    assert query(settings, codes) == [(evaluators, evaluators)]
