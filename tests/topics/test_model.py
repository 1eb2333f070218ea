"""The naive Bayes behind the rules: what it learns, when it is used, what it names."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from flows.settings import DEFAULT_TOPICS
from flows.topics import Taxonomy, classify, load_taxonomy
from flows.topics.model import MIN_OPINIONS, NaiveBayes, features, model_for, read_training, train

TAXONOMY = (
    "topic,name_zh,name_en,keywords,examples\n"
    "parking,停车,Parking,停车,\n"
    "lifts,电梯,Lifts,电梯,{examples}\n"
)


def test_likelihoods_are_the_smoothed_shares_computed_by_hand() -> None:
    model = train([(["parking"], "车没地方放"), (["parking"], "车太多"), (["lifts"], "轿厢坏了")])
    assert model.topics == ("lifts", "parking")
    assert model.log_prior == pytest.approx((math.log(1 / 3), math.log(2 / 3)))
    # "b:车太" appears once among parking's features; vocabulary V, alpha 0.3.
    vocabulary = len(features("车没地方放") | features("车太多") | features("轿厢坏了"))
    parking_total = len(features("车没地方放")) + len(features("车太多"))
    expected = math.log((1 + 0.3) / (parking_total + 0.3 * vocabulary))
    assert model.log_likelihood["b:车太"][1] == pytest.approx(expected)
    assert model.predict("车太多了没地方", floor=0.0) == "parking"
    assert model.predict("轿厢又坏了", floor=0.0) == "lifts"
    assert model.predict("ｘｙｚ") is None, "nothing it has seen: no guess"


def test_no_guess_below_the_posterior_floor() -> None:
    # Equal priors; the one known feature is 4 times as likely under "a": P(a) = 0.2 / 0.25.
    model = NaiveBayes(
        topics=("a", "b"),
        log_prior=(math.log(0.5), math.log(0.5)),
        log_likelihood={"b:车太": (math.log(0.2), math.log(0.05))},
    )
    assert model.posterior("车太") == pytest.approx({"a": 0.8, "b": 0.2})
    assert model.predict("车太", floor=0.5) == "a"
    assert model.predict("车太", floor=0.9) is None


def _taxonomy(tmp_path: Path, examples: int) -> Taxonomy:
    path = tmp_path / f"topics{examples}.csv"
    listed = "|".join(f"电梯第{n}次坏了" for n in range(examples))
    path.write_text(TAXONOMY.format(examples=listed), encoding="utf-8")
    return load_taxonomy(path)


def test_used_only_when_every_topic_has_enough_opinions(tmp_path: Path) -> None:
    training = tmp_path / "training.csv"
    rows = "".join(f"parking,晚上第{n}次找不到地方放车\n" for n in range(MIN_OPINIONS))
    rows += "".join(f"other,第{n}个快递丢了\n" for n in range(MIN_OPINIONS))
    training.write_text("topics,text\n" + rows, encoding="utf-8")
    assert model_for(_taxonomy(tmp_path, MIN_OPINIONS - 1), training) is None, "lifts: 4"
    model = model_for(_taxonomy(tmp_path, MIN_OPINIONS), training)
    assert model is not None and set(model.topics) == {"parking", "lifts", "other"}
    assert model.predict("晚上找不到地方放车") == "parking"


def test_an_opinion_no_keyword_marks_goes_to_the_model() -> None:
    shipped = load_taxonomy(DEFAULT_TOPICS)
    text = "小区里没有划线，车子横七竖八"  # a training opinion without a keyword
    assert classify([text], shipped, learned=False) == [["other"]]
    assert classify([text], shipped) == [["parking"]]
    assert classify(["无"], shipped) == [[]], "an answer that says nothing stays without topic"


def test_the_shipped_training_opinions_cover_every_shipped_topic() -> None:
    shipped = load_taxonomy(DEFAULT_TOPICS)
    codes = {code for topics, _ in read_training() for code in topics}
    assert codes == set(shipped.codes)
    assert model_for(shipped) is not None
