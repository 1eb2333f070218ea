"""What people write: one text per call, drawn only from the generator given, GB18030-safe."""

from __future__ import annotations

import random
from typing import get_args

import pytest

from flows.datasets import HEARING_KINDS
from flows.demo.opinions import Tone, evaluation_comment, hearing_topic

TONES: tuple[Tone, ...] = get_args(Tone)


@pytest.mark.parametrize("tone", TONES)
def test_every_tone_gives_text_the_hearing_export_can_encode(tone: Tone) -> None:
    rng = random.Random(3)
    texts = {evaluation_comment(rng, tone) for _ in range(300)}
    assert len(texts) > 1
    for text in texts:
        assert text.strip() == text != ""
        text.encode("gb18030")


@pytest.mark.parametrize("kind", sorted(HEARING_KINDS))
def test_every_kind_of_hearing_record_gets_a_topic(kind: str) -> None:
    rng = random.Random(4)
    topics = {hearing_topic(rng, kind) for _ in range(300)}
    assert len(topics) > 1
    for topic in topics:
        assert topic.strip() == topic != ""
        topic.encode("gb18030")


def test_texts_depend_only_on_the_generator_given() -> None:
    def draw(seed: int) -> list[str]:
        rng = random.Random(seed)
        texts = [evaluation_comment(rng, tone) for tone in TONES for _ in range(20)]
        return texts + [hearing_topic(rng, kind) for kind in HEARING_KINDS for _ in range(20)]

    first = draw(5)
    random.seed(99)
    assert draw(5) == first
    assert draw(6) != first


def test_the_demo_opinions_reach_every_topic_of_the_shipped_taxonomy() -> None:
    from flows.settings import DEFAULT_TOPICS
    from flows.topics import classify, load_taxonomy

    taxonomy = load_taxonomy(DEFAULT_TOPICS)
    rng = random.Random(7)
    texts = {evaluation_comment(rng, tone) for tone in TONES for _ in range(500)}
    texts |= {hearing_topic(rng, kind) for kind in HEARING_KINDS for _ in range(300)}
    tagged = {code for topics in classify(sorted(texts), taxonomy) for code in topics}
    assert tagged >= set(taxonomy.codes) - {taxonomy.fallback}
