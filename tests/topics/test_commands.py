"""minyi topics: list, check, tag and others, as an organizer editing the taxonomy uses them."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows import cli
from flows.settings import Settings
from flows.topics.tagging import tag_opinions
from tests.warehouse_fixtures import evaluation, insert_rows, make_warehouse


def _run(*arguments: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli.app, ["topics", *arguments], input=stdin)
    return result.exit_code, result.output


def test_list_names_every_topic_and_the_fallback(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINYI_LANG", "en")
    code, output = _run("list")
    assert code == 0
    assert "14 topics" in output
    assert "parking  Parking and traffic" in output
    assert "fallback" in output.splitlines()[-2]


def test_tag_shows_topics_and_why(settings: Settings) -> None:
    code, output = _run("tag", "小区停车太难", "无")
    assert code == 0
    first, second = output.splitlines()
    assert first.split("\t")[:2] == ["小区停车太难", "停车交通"]
    assert "parking: 停车" in first.split("\t")[2]
    assert second.split("\t")[1] == "-"
    code, output = _run("tag", stdin="楼道灯坏了\n\n")
    assert output.split("\t")[1] == "设施维修"


def test_a_broken_file_is_one_line_naming_file_and_line(settings: Settings, tmp_path: Path) -> None:
    broken = tmp_path / "topics.csv"
    broken.write_text(
        "topic,name_zh,name_en,keywords\nparking,停车,Parking,停车\nparking,停,P,车\n"
    )
    code, output = _run("check", str(broken))
    assert code == 2
    assert len(output.strip().splitlines()) == 1
    assert str(broken) in output and "第 3 行" in output and "line 3" in output


def test_others_lists_words_enough_opinions_hold(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A taxonomy of one topic: no training opinions for it, so no model; the rest is 其他.
    small = tmp_path / "topics.csv"
    small.write_text("topic,name_zh,name_en,keywords\nparking,停车,Parking,停车\n")
    monkeypatch.setenv("MINYI_TOPICS", str(small))
    settings = Settings(**{**settings.__dict__, "topics": str(small)})
    con = make_warehouse(settings.home)
    texts = ["希望办读书会", "读书会很好", "读书会周末办", "想要直饮水机"]
    insert_rows(
        con, "core.evaluations", [evaluation("C01", "satisfied", comments=t) for t in texts]
    )
    con.close()
    tag_opinions(settings)
    code, output = _run("others", "--period", "2026H1")
    assert code == 0
    assert output.splitlines() == ["读书会\t3"], "直饮水机 is held by one opinion: left out"
    code, output = _run("others", "--period", "2026-13")
    assert code == 2
