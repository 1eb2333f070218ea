"""Every command given a bad input: one line, a non-zero exit code, no traceback, nothing
touched. (Issue 20: ``--lang fr`` after the inbox was read, registry files minyi cannot read,
a home or a folder that cannot be written, an empty query, ``--periods 0``.)"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.messages import MESSAGES, both
from flows.settings import Settings
from tests.helpers import evaluation, write_csv

Setup = Callable[[Settings, Path], list[str]]


def _with_inbox_file(settings: Settings, args: list[str]) -> list[str]:
    write_csv(settings.inbox_dir / "e.csv", "evaluations", [evaluation()])
    return args


def _registry_in_gbk(settings: Settings, args: list[str]) -> list[str]:
    path = settings.reference_dir / "communities.csv"
    path.write_bytes(path.read_text(encoding="utf-8-sig").encode("gb18030"))
    return _with_inbox_file(settings, args)


def _registry_with_a_duplicate_id(settings: Settings, args: list[str]) -> list[str]:
    path = settings.reference_dir / "organisations.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    path.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")
    return _with_inbox_file(settings, args)


def _home_under_a_file(settings: Settings, args: list[str]) -> list[str]:
    # Root may write anywhere: a file where a folder should be cannot be written by anyone.
    blocker = settings.home.parent / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    os.environ["MINYI_HOME"] = str(blocker / "home")  # the home fixture restores it
    return args


def _reports_folder_not_writable(settings: Settings, args: list[str]) -> list[str]:
    from flows.ingest.batch import ingest

    ingest(settings, [write_csv(settings.inbox_dir / "e.csv", "evaluations", [evaluation()])])
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    (settings.reports_dir / "2026H1").write_text("", encoding="utf-8")  # a file in the way
    return args


def _ingested(settings: Settings, args: list[str]) -> list[str]:
    from flows.ingest.batch import ingest

    ingest(settings, [write_csv(settings.inbox_dir / "e.csv", "evaluations", [evaluation()])])
    return args


def _plain(settings: Settings, args: list[str]) -> list[str]:
    return args


# Stands for a valid forms file outside the home in a command line.
FORMS = "<forms.csv>"


# (setup, command line, the key of the message expected)
BAD_INPUTS: dict[str, tuple[Setup, list[str], str]] = {
    "run-lang-fr": (_with_inbox_file, ["run", "--lang", "fr"], "bad_lang"),
    "report-lang-fr": (_ingested, ["report", "--period", "2026H1", "--lang", "fr"], "bad_lang"),
    "demo-lang-fr": (_plain, ["demo", "--lang", "fr"], "bad_lang"),
    "demo-periods-0": (_plain, ["demo", "--periods", "0"], "bad_periods"),
    "generate-periods-0": (_plain, ["generate", "--periods", "0"], "bad_periods"),
    "generate-periods-negative": (_plain, ["generate", "--periods", "-1"], "bad_periods"),
    "generate-subdistricts-0": (_plain, ["generate", "--subdistricts", "0"], "bad_subdistricts"),
    "run-registry-gbk": (_registry_in_gbk, ["run"], "registry_bad_encoding"),
    "ingest-registry-gbk": (_registry_in_gbk, ["ingest", FORMS], "registry_bad_encoding"),
    "ingest-registry-duplicate-id": (
        _registry_with_a_duplicate_id,
        ["ingest", FORMS],
        "registry_duplicate_id",
    ),
    "run-home-not-writable": (_home_under_a_file, ["run"], "home_not_writable"),
    "ingest-home-not-writable": (_home_under_a_file, ["ingest", FORMS], "home_not_writable"),
    "rebuild-home-not-writable": (_home_under_a_file, ["rebuild"], "home_not_writable"),
    "demo-home-not-writable": (_home_under_a_file, ["demo"], "home_not_writable"),
    "report-folder-not-writable": (
        _reports_folder_not_writable,
        ["report", "--period", "2026H1"],
        "cannot_write",
    ),
    "query-empty": (_plain, ["query", ""], "query_empty"),
    "query-white-space": (_plain, ["query", "  "], "query_empty"),
    "query-output-missing-folder": (
        _ingested,
        ["query", "select 1", "--output", "/nonexistent/folder/out.csv"],
        "query_output_no_folder",
    ),
    "query-negative-timeout": (
        _plain,
        ["query", "select 1", "--timeout", "-1"],
        "query_bad_timeout",
    ),
    "export-bad-format": (
        _ingested,
        ["export", "--period", "2026H1", "--format", "xml"],
        "export_bad_format",
    ),
}


def _first_words(key: str) -> str:
    """The message's Chinese text up to its first placeholder: what the line must start with."""
    return MESSAGES[key][0].split("{", 1)[0]


@pytest.mark.parametrize(("setup", "args", "key"), BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_a_bad_input_gives_one_line_and_a_non_zero_exit_without_a_traceback(
    settings: Settings, setup: Setup, args: list[str], key: str
) -> None:
    forms = write_csv(settings.home.parent / "forms.csv", "evaluations", [evaluation()])
    args = [str(forms) if arg == FORMS else arg for arg in setup(settings, args)]
    inbox_before = sorted(p.name for p in settings.inbox_dir.glob("*"))
    result = CliRunner().invoke(app, args)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), result.exception
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    assert lines[0].startswith(_first_words(key)), lines[0]
    assert " / " in lines[0], "Chinese and English"
    assert sorted(p.name for p in settings.inbox_dir.glob("*")) == inbox_before


def test_bad_lang_is_refused_before_the_inbox_is_read(settings: Settings) -> None:
    inbox_file = write_csv(settings.inbox_dir / "e.csv", "evaluations", [evaluation()])
    result = CliRunner().invoke(app, ["run", "--lang", "fr"])
    assert result.output.strip() == both("bad_lang", value="fr")
    assert inbox_file.exists() and not settings.warehouse_path.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_a_read_only_home_fails_at_once_in_one_line(settings: Settings) -> None:
    settings.home.mkdir(parents=True, exist_ok=True)
    settings.home.chmod(0o500)
    try:
        result = CliRunner().invoke(app, ["run"])
    finally:
        settings.home.chmod(0o700)
    assert result.exit_code == 1
    assert result.output.strip().startswith(_first_words("home_not_writable"))
