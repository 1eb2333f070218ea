"""The evaluation forms representatives return each half-year: who submits, verdicts, ratings."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final

from flows.datasets import COLUMNS
from flows.demo.draws import rng_for
from flows.demo.entities import Community, Evaluator, Row
from flows.demo.halfyears import after_period, period_text
from flows.demo.opinions import Tone, evaluation_comment
from flows.periods import Period

_SATISFIED: Final = "满意"
_BASICALLY: Final = "基本满意"
_DISSATISFIED: Final = "不满意"
RATING_COLUMNS: Final = tuple(c.name for c in COLUMNS["evaluations"] if c.kind == "rating")
# Item ratings that go with each verdict, with cumulative weights.
_RATINGS_BY_VERDICT: Final[dict[str, tuple[tuple[int, ...], tuple[float, ...]]]] = {
    "满意": ((5, 4, 3), (0.72, 0.97, 1.0)),
    "基本满意": ((5, 4, 3, 2), (0.15, 0.65, 0.95, 1.0)),
    "不满意": ((4, 3, 2, 1), (0.05, 0.35, 0.75, 1.0)),
}


@dataclass(frozen=True)
class _Mood:
    """How a community's evaluators answer this half-year."""

    submit_share: float
    dissatisfied: float
    basically: float
    by_name: bool


def _community_mood(seed: int, community_id: str, period: Period) -> _Mood:
    """Submission share and verdict mix of one community, varying by community and round."""
    stable, round_ = (
        rng_for(seed, "mood", community_id),
        rng_for(seed, "mood", community_id, period),
    )
    dissatisfied = stable.uniform(0.005, 0.035) * round_.uniform(0.6, 1.4)
    basically = stable.uniform(0.08, 0.18) * round_.uniform(0.8, 1.2)
    return _Mood(round_.uniform(0.90, 0.97), dissatisfied, basically, round_.random() < 0.8)


def _verdict(rng: random.Random, mood: _Mood) -> str:
    """An overall verdict drawn from the community's mix."""
    draw = rng.random()
    if draw < mood.dissatisfied:
        return _DISSATISFIED
    return _BASICALLY if draw < mood.dissatisfied + mood.basically else _SATISFIED


def _ratings(rng: random.Random, verdict: str) -> dict[str, int]:
    """The item ratings 1-5 of one form, going with its overall verdict."""
    ratings, cumulative = _RATINGS_BY_VERDICT[verdict]
    drawn = rng.choices(ratings, cum_weights=cumulative, k=len(RATING_COLUMNS))
    return dict(zip(RATING_COLUMNS, drawn, strict=True))


def _comment(rng: random.Random, verdict: str) -> str | None:
    """A free-text opinion, often empty, critical when the verdict is."""
    if verdict == _DISSATISFIED:
        return evaluation_comment(rng, "complaint")
    draw = rng.random()
    if draw < 0.55:
        return None
    tone: Tone = "praise" if draw < 0.7 and verdict == _SATISFIED else "suggestion"
    return evaluation_comment(rng, tone)


def evaluation_forms(
    seed: int, period: Period, community: Community, roster: list[Evaluator]
) -> list[Row]:
    """The forms one community's evaluators returned this half-year, in submission order."""
    mood = _community_mood(seed, community.community_id, period)
    rng = rng_for(seed, "evaluations", period, community.community_id)
    usual_period = period_text(rng, period)
    forms: list[Row] = []
    for person in roster:
        if rng.random() >= mood.submit_share:
            continue
        verdict = _verdict(rng, mood)
        form: Row = {
            "period": usual_period if rng.random() < 0.9 else period_text(rng, period),
            "community": community.name if mood.by_name else community.community_id,
            "evaluator": person.name,
            "role": person.role,
        }
        form.update(_ratings(rng, verdict))
        form["verdict"] = verdict
        form["comments"] = _comment(rng, verdict)
        form["evaluated_on"] = after_period(rng, period, 0.03)
        forms.append(form)
    rng.shuffle(forms)
    return forms
