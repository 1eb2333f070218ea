"""Evaluation forms: most of the roster submits, verdicts near the seed, ratings to match."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from flows.datasets import VERDICTS
from flows.demo.entities import Community
from flows.demo.evaluations import RATING_COLUMNS, evaluation_forms
from flows.demo.registry import EVALUATORS_FILE
from flows.demo.rosters import fresh_roster
from flows.periods import Period, parse_period
from flows.settings import Settings
from tests.demo.readback import FOUR_PERIODS, RATING_ITEMS, files_of, read_csv, read_evaluations

COMMUNITY = Community("C01", "和平社区", 2_300, 7_500)


def test_each_form_is_one_rostered_evaluator_rating_one_to_five() -> None:
    roster = fresh_roster(2026, "C01")
    forms = evaluation_forms(2026, Period(2026, 1), COMMUNITY, roster)
    by_name = {p.name: p.role for p in roster}
    assert 0 < len(forms) <= len(roster)
    assert len({f["evaluator"] for f in forms}) == len(forms)
    for form in forms:
        assert by_name[form["evaluator"]] == form["role"]
        assert form["verdict"] in VERDICTS
        assert all(1 <= form[item] <= 5 for item in RATING_COLUMNS)
        assert form["community"] in (COMMUNITY.name, COMMUNITY.community_id)
        assert parse_period(form["period"]) == Period(2026, 1)
        assert form["comments"] is None or form["comments"]
    assert len({f["community"] for f in forms}) == 1


def test_a_dissatisfied_form_always_says_why() -> None:
    dissatisfied = [
        form
        for seed in range(40)
        for form in evaluation_forms(seed, Period(2026, 1), COMMUNITY, fresh_roster(seed, "C01"))
        if form["verdict"] == "不满意"
    ]
    assert dissatisfied
    assert all(form["comments"] for form in dissatisfied)


def test_the_same_seed_gives_the_same_forms() -> None:
    roster = fresh_roster(2026, "C01")
    first = evaluation_forms(2026, Period(2026, 1), COMMUNITY, roster)
    assert evaluation_forms(2026, Period(2026, 1), COMMUNITY, roster) == first
    assert evaluation_forms(2026, Period(2026, 2), COMMUNITY, roster) != first


def test_satisfaction_is_near_the_seed(demo: tuple[Settings, list[Path]]) -> None:
    _, paths = demo
    verdicts = Counter(
        form["verdict"] for path in files_of(paths, "代表评议") for form in read_evaluations(path)
    )
    good = {v: n for v, n in verdicts.items() if v in VERDICTS}
    top_two = (good["满意"] + good["基本满意"]) / sum(good.values())
    assert 0.95 <= top_two < 1.0
    assert 0.75 <= good["满意"] / sum(good.values()) <= 0.92


def test_most_rostered_evaluators_submit(demo: tuple[Settings, list[Path]]) -> None:
    settings, paths = demo
    roster = read_csv(settings.reference_dir / EVALUATORS_FILE)
    rostered = sum(1 for r in roster if parse_period(r["period"]) in FOUR_PERIODS)
    submitted = {
        (path.name[:7], form["evaluator"])
        for path in files_of(paths, "代表评议")
        for form in read_evaluations(path)
    }
    assert 0.88 <= len(submitted) / rostered <= 0.98


def test_ratings_follow_the_verdict(demo: tuple[Settings, list[Path]]) -> None:
    _, paths = demo
    forms = [f for path in files_of(paths, "代表评议") for f in read_evaluations(path)]

    def mean_rating(verdict: str) -> float:
        ratings = [f[i] for f in forms if f["verdict"] == verdict for i in RATING_ITEMS]
        return sum(ratings) / len(ratings)

    assert mean_rating("满意") > mean_rating("基本满意") > mean_rating("不满意")
