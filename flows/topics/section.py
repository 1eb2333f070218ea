"""The figures of the report section 居民关注 / What residents raise, read from the warehouse.

Everything here reads ``metrics.opinion_topics`` and ``metrics.opinions`` (kept current by
:mod:`flows.topics.tagging`), for one community or, with ``community_id=None``, for all
communities of the warehouse (the subdistrict). The report writers only lay these out:

- :func:`top_topics`: the topics raised in a half-year, most raised first: count, distinct
  requests, share, change against the previous half-year, and for hearings raised / resolved;
- :func:`topic_trend`: opinions per topic over the half-years up to one;
- :func:`example_opinions`: a few representative opinions per topic, near-duplicates grouped
  with their count. No text of a topic a community raised fewer than ``min_cell_size``
  (``MINYI_MIN_CELL_SIZE``) times is returned, at any level: its count is shown, not its words;
- :func:`other_terms`: the frequent words of the opinions tagged 其他, each held by at least
  ``min_cell_size`` opinions, for organizers extending the taxonomy;
- :func:`residents_section`: all of the above for the subdistrict and each community;
- :func:`sheet_rows`: the same as flat rows (subdistrict first), for the XLSX sheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import duckdb

from flows.messages import msg
from flows.periods import Period, periods_ending_at
from flows.privacy import mask_personal_numbers
from flows.settings import Settings
from flows.topics.classify import other_terms as frequent_terms
from flows.warehouse import sql
from flows.warehouse.display import display_rows

Direction = Literal["new", "up", "down", "same"]


@dataclass(frozen=True)
class TopicCount:
    """One topic in one half-year and community (or all): what the section's table shows."""

    topic: str
    name_zh: str
    name_en: str
    is_fallback: bool
    opinions: int
    requests: int
    share: float | None
    opinions_previous: int | None
    change: int | None
    share_change: float | None
    hearings: int
    raised: int | None
    resolved: int | None
    resolution_rate: float | None

    def name(self, lang: str = "zh") -> str:
        """The topic's name in ``lang``."""
        return self.name_en if lang == "en" else self.name_zh

    @property
    def direction(self) -> Direction:
        """Against the previous half-year: "new" when it had no opinions loaded, else the sign
        of the change in count."""
        if self.change is None:
            return "new"
        return "up" if self.change > 0 else "down" if self.change < 0 else "same"


@dataclass(frozen=True)
class TrendPoint:
    """Opinions of one topic in one half-year."""

    period: str
    topic: str
    name_zh: str
    name_en: str
    opinions: int
    share: float | None


@dataclass(frozen=True)
class Example:
    """One group of near-duplicate opinions: the shortest wording and how many wrote it."""

    topic: str
    community_id: str
    text: str
    opinions: int
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Concerns:
    """The section for one community (``community_id``) or the subdistrict (None)."""

    community_id: str | None
    topics: list[TopicCount]
    trend: list[TrendPoint]
    examples: dict[str, list[Example]]
    other_terms: list[tuple[str, int]]


@dataclass(frozen=True)
class ResidentsSection:
    """居民关注 / What residents raise: the subdistrict first, then each community."""

    period: Period
    min_cell_size: int
    subdistrict: Concerns
    communities: list[Concerns] = field(default_factory=list)


# The section's labels are in the topics catalogue: topics.section.*, topics.col.*, topics.note.*.
COLUMNS = (
    "topic",
    "opinions",
    "requests",
    "share",
    "change",
    "trend",
    "raised",
    "resolved",
    "resolution_rate",
    "examples",
)


def column_label(column: str, lang: str = "zh") -> str:
    """The heading of one of :data:`COLUMNS` in ``lang``."""
    return msg(f"topics.col.{column}", lang)


def direction_label(direction: Direction, lang: str = "zh") -> str:
    """上升 / 下降 / 持平 / 无上期数据 (rising, falling, steady, no previous half-year)."""
    return msg(f"topics.trend.{direction}", lang)


def example_label(example: Example, lang: str = "zh") -> str:
    """An example as the section prints it: the text, and the count when several wrote it."""
    if example.opinions == 1:
        return example.text
    return msg("topics.example", lang, text=example.text, count=example.opinions)


def _records(
    con: duckdb.DuckDBPyConnection, name: str, params: Sequence[Any]
) -> list[dict[str, Any]]:
    # An opinion too long to show (loaded before the cell limit existed) is cut as fetched.
    return display_rows(con, sql(name), list(params))


def top_topics(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    community_id: str | None = None,
    limit: int | None = None,
) -> list[TopicCount]:
    """The topics raised in ``period``, most raised first (其他 last among equals); with
    ``limit``, that many. Topics raised only the half-year before are left out here (their
    fall is in :func:`topic_trend`)."""
    rows = _records(con, "topics/section_topics", [str(period), community_id])
    counts = [
        TopicCount(
            topic=row["topic"],
            name_zh=row["name_zh"] or row["topic"],
            name_en=row["name_en"] or row["topic"],
            is_fallback=bool(row["is_fallback"]),
            opinions=int(row["opinions"]),
            requests=int(row["requests"]),
            share=row["share"],
            opinions_previous=row["opinions_previous"],
            change=row["change"],
            share_change=row["share_change"],
            hearings=int(row["hearings"]),
            raised=row["raised"],
            resolved=row["resolved"],
            resolution_rate=row["resolution_rate"],
        )
        for row in rows
        if row["opinions"]
    ]
    return counts if limit is None else counts[:limit]


def topic_trend(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    community_id: str | None = None,
    periods: int = 4,
) -> list[TrendPoint]:
    """Opinions per topic in each of the ``periods`` half-years ending with ``period``."""
    first = periods_ending_at(period, periods)[0]
    rows = _records(con, "topics/section_trend", [str(first), str(period), community_id])
    return [
        TrendPoint(
            period=row["period"],
            topic=row["topic"],
            name_zh=row["name_zh"] or row["topic"],
            name_en=row["name_en"] or row["topic"],
            opinions=int(row["opinions"]),
            share=row["share"],
        )
        for row in rows
    ]


def example_opinions(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    community_id: str | None = None,
    *,
    min_cell_size: int,
    per_topic: int = 3,
) -> dict[str, list[Example]]:
    """Up to ``per_topic`` groups of near-duplicate opinions per topic, largest first, each
    with its shortest wording (personal numbers masked) and how many opinions it holds.

    A topic a community raised fewer than ``min_cell_size`` times gives no text, here or in
    the subdistrict's examples."""
    rows = _records(
        con, "topics/section_examples", [str(period), community_id, max(min_cell_size, 1)]
    )
    examples: dict[str, list[Example]] = {}
    for row in rows:
        chosen = examples.setdefault(row["topic"], [])
        if len(chosen) < per_topic:
            chosen.append(
                Example(
                    topic=row["topic"],
                    community_id=row["community_id"],
                    text=mask_personal_numbers(row["text"]),
                    opinions=int(row["opinions"]),
                    sources=tuple(row["sources"]),
                )
            )
    return examples


def other_terms(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    community_id: str | None = None,
    *,
    min_cell_size: int,
    limit: int = 20,
) -> list[tuple[str, int]]:
    """The words most opinions tagged 其他 hold, with how many hold each; a word fewer than
    ``min_cell_size`` opinions hold is left out (a rare word can name a person or a place)."""
    rows = _records(con, "topics/section_other_texts", [str(period), community_id])
    # Most held first: the words held often enough are the first of the list.
    counted = frequent_terms([row["text"] for row in rows], limit=limit)
    return [(term, count) for term, count in counted if count >= min_cell_size]


def community_concerns(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    community_id: str | None,
    *,
    min_cell_size: int,
    top: int | None = None,
    trend_periods: int = 4,
    per_topic: int = 3,
) -> Concerns:
    """Top topics, trend, examples and 其他's words for one community (None: all)."""
    return Concerns(
        community_id=community_id,
        topics=top_topics(con, period, community_id, limit=top),
        trend=topic_trend(con, period, community_id, periods=trend_periods),
        examples=example_opinions(
            con, period, community_id, min_cell_size=min_cell_size, per_topic=per_topic
        ),
        other_terms=other_terms(con, period, community_id, min_cell_size=min_cell_size),
    )


def residents_section(
    con: duckdb.DuckDBPyConnection, settings: Settings, period: Period, *, top: int | None = None
) -> ResidentsSection:
    """The section's figures for the subdistrict and each community with opinions in
    ``period`` (in community order), suppressed at ``settings.min_cell_size``."""
    communities = [
        row["community_id"] for row in _records(con, "topics/section_communities", [str(period)])
    ]
    minimum = settings.min_cell_size
    return ResidentsSection(
        period=period,
        min_cell_size=minimum,
        subdistrict=community_concerns(con, period, None, min_cell_size=minimum, top=top),
        communities=[
            community_concerns(con, period, community, min_cell_size=minimum, top=top)
            for community in communities
        ],
    )


def sheet_rows(section: ResidentsSection, lang: str = "zh") -> list[dict[str, Any]]:
    """One row per community (None = the subdistrict, first) and topic raised, keyed by
    ``community_id`` and :data:`COLUMNS`: what the XLSX sheet shows. ``examples`` joins the
    representative opinions with their counts, and is empty where no text may be shown."""
    rows: list[dict[str, Any]] = []
    for concerns in (section.subdistrict, *section.communities):
        for count in concerns.topics:
            examples = concerns.examples.get(count.topic, [])
            rows.append(
                {
                    "community_id": concerns.community_id,
                    "topic": count.name(lang),
                    "opinions": count.opinions,
                    "requests": count.requests,
                    "share": count.share,
                    "change": count.change,
                    "trend": direction_label(count.direction, lang),
                    "raised": count.raised,
                    "resolved": count.resolved,
                    "resolution_rate": count.resolution_rate,
                    "examples": "；".join(example_label(e, lang) for e in examples),
                }
            )
    return rows
