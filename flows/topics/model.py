"""A small naive Bayes over words and character pairs: the topic of an opinion no keyword marks.

The rules (:mod:`flows.topics.classify`) decide whenever a keyword matches; only an opinion
they would file under 其他 is given to this model, which names the topic whose training
opinions share most of its words and character pairs (其他 itself included). It learns, at
first use in a process (well under a second), from ``data/topics-training.csv`` (opinions
written and labelled for it: ``topics`` as codes separated by ``|``, ``text``) and from the
taxonomy's own ``examples``, keeping only the topics the taxonomy has. It is used only when
it has learned every topic of the taxonomy from at least ``MIN_OPINIONS`` opinions (a model
that never saw a topic would push its opinions into others): an organizer who adds a topic
gives it that many examples, or the tagging falls back to the rules alone. Nothing is
downloaded or stored.
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flows.settings import REPO_ROOT
from flows.topics.taxonomy import SEPARATOR, Taxonomy
from flows.topics.tokens import clauses, load_stopwords, words

TRAINING = REPO_ROOT / "data" / "topics-training.csv"
# Additive smoothing: 0.1, 0.3 and 1.0 were within 0.4 points of each other (91.3%, 91.1%,
# 90.9% with the rules) leaving out each training part in turn.
ALPHA = 0.3
# Below this posterior probability the model does not guess and the opinion stays 其他:
# leaving out each training part in turn, 0.9 kept 77% of 其他 (39% with no floor) and raised
# the share right from 91.1% to 91.9% (0.5: 92.2% but 61% of 其他; 0.99: 91.3%, 84%).
MIN_POSTERIOR = 0.9
# Training opinions (or examples) every topic needs before the model is used.
MIN_OPINIONS = 5
_FILLERS = re.compile(r"[的了吗呢啊吧呀么着]")


def features(text: str) -> frozenset[str]:
    """The words of ``text`` (stopwords left out) and the character pairs of each clause."""
    stopwords = load_stopwords()
    found = {f"w:{word}" for word in words(text) if word not in stopwords and not word.isdigit()}
    for clause in clauses(text):
        core = _FILLERS.sub("", clause)
        found.update(f"b:{core[i : i + 2]}" for i in range(len(core) - 1))
    return frozenset(found)


@dataclass(frozen=True)
class NaiveBayes:
    """Log prior per topic and, per feature, its log likelihood under each topic."""

    topics: tuple[str, ...]
    log_prior: tuple[float, ...]
    log_likelihood: dict[str, tuple[float, ...]]

    def posterior(self, text: str) -> dict[str, float]:
        """The probability of each topic given ``text``'s known features; {} when none is."""
        known = [self.log_likelihood[f] for f in features(text) if f in self.log_likelihood]
        if not known:
            return {}
        scores = list(self.log_prior)
        for likelihood in known:
            for position, value in enumerate(likelihood):
                scores[position] += value
        top = max(scores)
        weights = [math.exp(score - top) for score in scores]
        total = sum(weights)
        return {topic: weight / total for topic, weight in zip(self.topics, weights, strict=True)}

    def predict(self, text: str, floor: float = MIN_POSTERIOR) -> str | None:
        """The most likely topic code when its probability reaches ``floor``; else None
        (also when no feature of ``text`` was ever seen)."""
        posterior = self.posterior(text)
        if not posterior:
            return None
        best = max(self.topics, key=lambda topic: (posterior[topic], topic))
        return best if posterior[best] >= floor else None


def train(examples: Iterable[tuple[Iterable[str], str]], alpha: float = ALPHA) -> NaiveBayes:
    """A model of (topic codes, text) pairs; an opinion with two topics counts for both."""
    documents: Counter[str] = Counter()
    counts: dict[str, Counter[str]] = {}
    for topics, text in examples:
        found = features(text)
        for topic in topics:
            documents[topic] += 1
            counts.setdefault(topic, Counter()).update(found)
    topics = tuple(sorted(counts))
    vocabulary = set().union(*counts.values()) if counts else set()
    totals = {topic: sum(counts[topic].values()) + alpha * len(vocabulary) for topic in topics}
    total_documents = sum(documents.values())
    return NaiveBayes(
        topics=topics,
        log_prior=tuple(math.log(documents[t] / total_documents) for t in topics),
        log_likelihood={
            feature: tuple(math.log((counts[t][feature] + alpha) / totals[t]) for t in topics)
            for feature in vocabulary
        },
    )


def read_training(path: Path = TRAINING) -> list[tuple[frozenset[str], str]]:
    """The labelled opinions of a training file: (topic codes, text); none if it is missing."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [
            (frozenset(row["topics"].split(SEPARATOR)), row["text"])
            for row in csv.DictReader(handle)
            if row.get("text") and row.get("topics")
        ]


@lru_cache(maxsize=8)
def model_for(taxonomy: Taxonomy, path: Path = TRAINING) -> NaiveBayes | None:
    """The model of the training opinions and the taxonomy's examples, over its topics only;
    None when a topic has fewer than ``MIN_OPINIONS`` of them to learn from."""
    codes = set(taxonomy.codes)
    examples: list[tuple[Iterable[str], str]] = []
    for topics, text in read_training(path):
        known = topics & codes
        if known:
            examples.append((sorted(known), text))
    for topic in taxonomy.topics:
        examples.extend(([topic.code], example) for example in topic.examples)
    learned = Counter(code for topics, _ in examples for code in topics)
    if any(learned[code] < MIN_OPINIONS for code in codes):
        return None
    return train(examples)
