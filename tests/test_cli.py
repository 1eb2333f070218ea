"""What ``minyi run`` prints: each file in the user's language, and at most LISTED_FILES."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

from flows import cli
from flows.ingest.batch import RunResult
from flows.ingest.load import LoadSummary
from flows.ingest.readers import FileRejected
from flows.ingest.receive import FileOutcome
from flows.messages import msg
from flows.periods import Period
from flows.settings import Settings


def _file(number: int, outcome: str = "loaded", quarantined: int = 0) -> FileOutcome:
    rejected = outcome == "rejected"
    return FileOutcome(
        Path(f"f{number:05d}.csv"),
        f"{number:064x}",
        100,
        outcome,
        rejection=FileRejected("file_empty") if rejected else None,
        rows_read=0 if rejected else 10,
        rows_quarantined=quarantined,
    )


def _printed(settings: Settings, files: list[FileOutcome], capsys: Any) -> list[str]:
    summary = LoadSummary(len(files), len(files), 0, 0, 10, 10, 0)
    cli._print_result(settings, RunResult("run", Period(2026, 1), summary, files))
    return capsys.readouterr().out.splitlines()


@pytest.mark.parametrize(
    ("lang", "label", "reason"),
    [("zh", "整份退回", msg("file_empty", "zh")), ("en", "rejected", msg("file_empty", "en"))],
)
def test_a_small_run_lists_every_file_in_order_in_the_users_language(
    settings: Settings, capsys: Any, lang: str, label: str, reason: str
) -> None:
    files = [_file(1), _file(2, "rejected"), _file(3, quarantined=2)]
    lines = _printed(replace(settings, lang=lang), files, capsys)

    assert [line.split()[1] for line in lines[:3]] == ["f00001.csv", "f00002.csv", "f00003.csv"]
    assert lines[1].split() == [label, "f00002.csv", *reason.split()]
    assert "(8/10, 2 ⚠)" in lines[2]
    starts = {cell_len(line[: line.index("f0000")]) for line in lines[:3]}
    assert len(starts) == 1, "file names line up, however wide the label"


def test_a_national_run_lists_files_needing_attention_first_and_counts_the_rest(
    settings: Settings, capsys: Any
) -> None:
    files = [_file(n) for n in range(200)]
    files[150] = _file(150, "rejected")
    files[120] = _file(120, quarantined=1)
    lines = _printed(replace(settings, lang="en"), files, capsys)

    listed = [line for line in lines if line.startswith("  ")]
    assert len(listed) == cli.LISTED_FILES
    assert [line.split()[1] for line in listed[:2]] == ["f00150.csv", "f00120.csv"]
    assert f"{200 - cli.LISTED_FILES} more file(s) not listed" in lines[len(listed)]


def test_minyi_ingest_loads_publishes_and_prints_as_a_run_does(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from tests.helpers import evaluation, write_csv

    published = tmp_path / "city"
    monkeypatch.setenv("MINYI_PUBLISH_DIR", str(published))
    monkeypatch.setenv("MINYI_LANG", "en")
    forms = write_csv(
        tmp_path / "forms.csv",
        "evaluations",
        [evaluation(), evaluation(evaluator="测试乙", role="?")],
    )

    result = CliRunner().invoke(cli.app, ["ingest", str(forms)])

    assert result.exit_code == 0, result.output
    assert "forms.csv  (1/2, 1 ⚠)" in result.output
    assert "1 row(s) loaded, 1 row(s) quarantined" in result.output
    assert list((published / "evaluations").glob("office=*/period=2026H1/*.parquet"))
    assert forms.exists(), "a file named on the command line stays where it is"


@pytest.mark.parametrize("command", [["ingest", "FORMS"], ["rebuild"], ["run"]])
def test_a_broken_taxonomy_stops_a_command_with_one_line_naming_file_and_line(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    from typer.testing import CliRunner

    from tests.helpers import evaluation, write_csv

    broken = tmp_path / "topics.csv"
    broken.write_text("topic,name_zh,name_en,keywords\nparking,停车交通,,停车\n", encoding="utf-8")
    monkeypatch.setenv("MINYI_TOPICS", str(broken))
    forms = write_csv(tmp_path / "forms.csv", "evaluations", [evaluation()])
    arguments = [str(forms) if part == "FORMS" else part for part in command]

    result = CliRunner().invoke(cli.app, arguments)

    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert str(broken) in lines[0] and "第 2 行" in lines[0] and "line 2" in lines[0]
    assert not settings.warehouse_path.exists(), "nothing was loaded"
