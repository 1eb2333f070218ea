"""Topic tagging of residents' opinions (issue 24): what residents ask for, by topic.

The interface the warehouse and the reports build on; every function is plain Python,
offline, and fast on 100,000 opinions (see ``benchmarks/topics.py``):

- ``load_taxonomy(path) -> Taxonomy``: read and check a taxonomy CSV (the shipped
  ``data/topics.csv``, or ``Settings.topics_path`` from ``MINYI_TOPICS``). A bad file raises
  ``TaxonomyError`` (a ``ValueError``) whose text is one line naming the file and the line
  in Chinese and English; ``error.message(lang)`` gives one language.
- ``classify(texts, taxonomy) -> list[list[str]]``: the topic codes of each opinion,
  strongest first; several when it raises several matters; ``[taxonomy.fallback]``
  (其他) when no keyword matches; ``[]`` when it says nothing (blank, 无, 没有意见).
- ``explain(text, taxonomy) -> dict[str, list[str]]``: the keywords and hints (ending in
  "?") found, by topic code: why an opinion got its topics.
- ``other_terms(texts, limit=30) -> list[tuple[str, int]]``: the frequent words of the
  opinions tagged 其他, with how many hold each, for organizers extending the taxonomy.
- ``group_near_duplicates(texts, threshold=0.5) -> list[int]``: a group number per opinion;
  the same request written slightly differently shares one. Call it per period and
  community.
- ``words(text)``: the jieba segmentation used throughout (community terms from
  ``data/topics-userdict.txt``).

Beside the library: :mod:`flows.topics.model` (the naive Bayes ``classify`` asks about what
no keyword marks), :mod:`flows.topics.tagging` (keeps the warehouse's opinion tags current;
called by every ingest and rebuild), :mod:`flows.topics.section` (the report section's
figures), :mod:`flows.topics.commands` (``minyi topics``).

``python -m flows.topics check [FILE]`` checks a taxonomy file and its examples;
``python -m flows.topics tag [FILE] < opinions.txt`` tags one opinion a line.
"""

from __future__ import annotations

from flows.topics.classify import classify, explain, other_terms, says_nothing
from flows.topics.duplicates import group_near_duplicates, similarity
from flows.topics.taxonomy import Taxonomy, TaxonomyError, Topic, load_taxonomy
from flows.topics.tokens import words

__all__ = [
    "Taxonomy",
    "TaxonomyError",
    "Topic",
    "classify",
    "explain",
    "group_near_duplicates",
    "load_taxonomy",
    "other_terms",
    "says_nothing",
    "similarity",
    "words",
]
