"""The figures benchmarks/topics.py prints, checked on rows counted by hand."""

from __future__ import annotations

import pytest

from benchmarks.topics import LABELLED, PARTS, Labelled, obvious_share, read_labelled, score


def row(topics: str, text: str = "x") -> Labelled:
    return Labelled("test", "evaluations", frozenset(topics.split("|")), text)


def test_scores_by_hand() -> None:
    rows = [row("parking"), row("parking|safety"), row("safety"), row("other")]
    predicted = [["parking"], ["parking"], ["parking", "repairs"], ["other"]]
    result = score(rows, predicted, ["parking", "safety", "repairs", "other"])
    # Right: rows 1, 2, 4 (row 3's topics hold no gold one). Exact: rows 1 and 4.
    assert (result.opinions, result.right, result.exact) == (4, 3, 2)
    # parking: predicted 3 times, right twice; gold twice, both found.
    assert result.precision["parking"] == pytest.approx(2 / 3)
    assert result.recall["parking"] == 1.0
    # safety: gold twice, never predicted.
    assert result.precision["safety"] is None
    assert result.recall["safety"] == 0.0
    assert result.support == {"parking": 2, "safety": 2, "repairs": 0, "other": 1}


def test_obvious_share_counts_topic_opinion_pairs() -> None:
    rows = [
        row("parking", "小区停车难"),
        row("parking|safety", "车太多，晚上不敢出门"),
        row("other"),
    ]
    assert obvious_share(rows) == (1, 3)


def test_the_labelled_set_is_as_the_readme_says() -> None:
    rows = read_labelled(LABELLED)
    assert len(rows) >= 150
    assert {r.part for r in rows} == set(PARTS)
    assert len({r.text for r in rows}) == len(rows)
    holding, pairs = obvious_share(rows)
    assert holding / pairs < 0.5
    assert sum(len(r.topics) > 1 for r in rows) >= 50
    assert sum(r.topics == {"other"} for r in rows) >= 30
