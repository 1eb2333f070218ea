"""Tag opinions with topics: the taxonomy's keywords and hints, matched on word boundaries.

Each opinion is segmented (:mod:`flows.topics.tokens`) and every keyword and hint of the
taxonomy, segmented the same way, is looked for as a run of whole words inside one clause.
A term inside a longer term that matched (医院 in 大医院) does not count. A word the
dictionary joined and no term matched whole (楼梯扶手, 零工市场) counts the longest terms it
begins and ends with. Each topic scores 2 points per distinct keyword and 1 per distinct
hint; the opinion gets every topic with 2 points or more, highest first. One that no topic
reaches goes to a small naive Bayes (:mod:`flows.topics.model`), trained on labelled
opinions, which names one topic or the fallback (其他); without training opinions it is the
fallback. An opinion that says nothing (blank, 无, 没有意见) gets no topic.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from flows.topics.model import NaiveBayes, model_for
from flows.topics.taxonomy import Taxonomy
from flows.topics.tokens import clauses, is_term, load_stopwords, normalise, segment, words

# Answers on a form that hold no opinion: nothing to tag.
_NOTHING = re.compile(
    r"[\s\W_]*(无|没有|暂无|没|否|无意见|没有意见|没意见|暂无意见|无建议|没有建议|暂无建议|"
    r"无其他意见|没有其他意见|无意见建议|没有意见建议|n/?a|none|nil)?[\s\W_]*",
    re.IGNORECASE,
)


KEYWORD = 2
HINT = 1
# A topic needs this many points: one keyword, or two hints.
THRESHOLD = 2


@dataclass(frozen=True)
class Term:
    """A keyword or hint as the words it segments into, with its topic and weight."""

    words: tuple[str, ...]
    topic: int
    text: str
    weight: int


@dataclass(frozen=True)
class Matcher:
    """A taxonomy's terms indexed by their first word, and by their text without spaces."""

    by_first_word: dict[str, tuple[Term, ...]]
    by_text: dict[str, tuple[Term, ...]]
    # The terms found in each clause seen: opinions repeat clauses (希望尽快解决).
    seen: dict[str, tuple[Term, ...]] = field(default_factory=dict, compare=False)


@lru_cache(maxsize=8)
def matcher(taxonomy: Taxonomy) -> Matcher:
    """The keyword and hint index of ``taxonomy``, built once per taxonomy."""
    index: dict[str, list[Term]] = {}
    by_text: dict[str, list[Term]] = {}
    for position, topic in enumerate(taxonomy.topics):
        for weight, terms in ((KEYWORD, topic.keywords), (HINT, topic.hints)):
            for text in terms:
                sequence = tuple(words(text))
                if sequence:
                    term = Term(sequence, position, text, weight)
                    index.setdefault(sequence[0], []).append(term)
                    by_text.setdefault("".join(sequence), []).append(term)
    return Matcher(
        by_first_word={word: tuple(terms) for word, terms in index.items()},
        by_text={text: tuple(terms) for text, terms in by_text.items()},
    )


def says_nothing(text: str | None) -> bool:
    """Whether a form's answer holds no opinion (blank, 无, 没有意见, /)."""
    return text is None or bool(_NOTHING.fullmatch(normalise(text)))


_SEEN_LIMIT = 200_000


def _clause_terms(clause: str, found: Matcher) -> tuple[Term, ...]:
    """The terms found in one normalised clause, remembered for the next time it comes."""
    terms = found.seen.get(clause)
    if terms is None:
        terms = tuple(term for _, _, term in _clause_matches(segment(clause), found))
        if len(found.seen) >= _SEEN_LIMIT:
            found.seen.clear()
        found.seen[clause] = terms
    return terms


def _clause_matches(clause: Sequence[str], found: Matcher) -> list[tuple[int, int, Term]]:
    matches: list[tuple[int, int, Term]] = []
    for start, word in enumerate(clause):
        for term in found.by_first_word.get(word, ()):
            end = start + len(term.words)
            if tuple(clause[start:end]) == term.words:
                matches.append((start, end, term))
    # A term inside a longer one (医院 in 大医院, 培训 in 校外培训) does not count on its own.
    kept = (
        matches
        if len(matches) < 2
        else [
            (start, end, term)
            for start, end, term in matches
            if not any(s <= start and end <= e and e - s > end - start for s, e, _ in matches)
        ]
    )
    covered = {position for start, end, _ in kept for position in range(start, end)}
    for position, word in enumerate(clause):
        if position not in covered and len(word) >= 3:
            kept.extend((position, position + 1, term) for term in _compound_terms(word, found))
    return kept


def _compound_terms(word: str, found: Matcher) -> list[Term]:
    """The longest terms that begin and end a word the dictionary joined (楼梯扶手 holds
    楼梯 and 扶手, 零工市场 零工, 宠物店 宠物; 吵起来 begins with 吵)."""
    terms: list[Term] = []
    for part in (
        next((word[:k] for k in range(len(word) - 1, 0, -1) if word[:k] in found.by_text), None),
        next((word[-k:] for k in range(len(word) - 1, 1, -1) if word[-k:] in found.by_text), None),
    ):
        if part is not None:
            terms.extend(found.by_text[part])
    return terms


def term_hits(text: str, found: Matcher) -> dict[int, list[Term]]:
    """The keywords and hints found in ``text``, by position of their topic in the taxonomy."""
    hits: dict[int, list[Term]] = {}
    for clause in clauses(text):
        for term in _clause_terms(clause, found):
            hits.setdefault(term.topic, []).append(term)
    return hits


def _scores(hits: dict[int, list[Term]]) -> dict[int, int]:
    """Points per topic: each distinct term counts once."""
    return {
        position: sum(term.weight for term in {term.text: term for term in terms}.values())
        for position, terms in hits.items()
    }


def _topics(
    text: str, taxonomy: Taxonomy, found: Matcher, model: NaiveBayes | None = None
) -> list[str]:
    if says_nothing(text):
        return []
    scores = _scores(term_hits(text, found))
    ranked = sorted(
        (position for position, score in scores.items() if score >= THRESHOLD),
        key=lambda position: (-scores[position], position),
    )
    if ranked:
        return [taxonomy.topics[position].code for position in ranked]
    guess = model.predict(text) if model is not None else None
    return [guess or taxonomy.fallback]


def classify(texts: Sequence[str], taxonomy: Taxonomy, *, learned: bool = True) -> list[list[str]]:
    """The topic codes of each text, strongest first; [] for a text that says nothing.

    With ``learned`` (the default), an opinion no keyword marks goes to the naive Bayes of
    :mod:`flows.topics.model`; without, it is the fallback (其他). Identical texts are
    segmented once.
    """
    found = matcher(taxonomy)
    model = model_for(taxonomy) if learned else None
    seen: dict[str, list[str]] = {}
    result: list[list[str]] = []
    for text in texts:
        topics = seen.get(text)
        if topics is None:
            topics = seen[text] = _topics(text, taxonomy, found, model)
        result.append(list(topics))
    return result


def explain(text: str, taxonomy: Taxonomy) -> dict[str, list[str]]:
    """The keywords and hints found in ``text``, by topic code (hints end in "?")."""
    return {
        taxonomy.topics[position].code: [
            term.text if term.weight == KEYWORD else f"{term.text}?" for term in terms
        ]
        for position, terms in term_hits(text, matcher(taxonomy)).items()
    }


def other_terms(texts: Sequence[str], limit: int = 30) -> list[tuple[str, int]]:
    """The words most of ``texts`` hold (stopwords left out), with how many texts hold each.

    Meant for the opinions tagged 其他: the words organizers may add to the taxonomy.
    """
    stopwords = load_stopwords()
    terms_of: dict[str, set[str]] = {}
    counts: Counter[str] = Counter()
    for text in texts:
        terms = terms_of.get(text)
        if terms is None:
            terms = terms_of[text] = {
                word for word in words(text) if is_term(word) and word not in stopwords
            }
        counts.update(terms)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
