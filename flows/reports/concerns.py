"""居民关注 / What residents raise: the topics of the half-year's opinions, per community.

The figures come from :mod:`flows.topics.section` (``metrics.opinion_topics``); this module only
lays them out as the report's tables: the topics raised most, whether each is rising, how many
hearings resolved, a few representative opinions, and the words of the opinions no topic took.
"""

from __future__ import annotations

from dataclasses import replace

from flows.periods import Period
from flows.reports.cells import SUPPRESSED, Col, Table
from flows.reports.context import Context, query_rows
from flows.topics.section import Concerns, Example, community_concerns, example_label

# The topics a community's rows show, most raised first; the subdistrict's row shows all.
TOPICS_PER_COMMUNITY = 5


def _columns(ctx: Context) -> list[Col]:
    def topics_col(key: str, kind: str = "text") -> Col:
        return Col(ctx.t(f"topics.col.{key}"), kind)  # type: ignore[arg-type]

    return [
        Col(ctx.t("report.col.community"), key="community"),
        topics_col("topic"),
        topics_col("opinions", "int"),
        topics_col("share", "pct"),
        topics_col("change"),
        topics_col("raised", "int"),
        topics_col("resolved", "int"),
        topics_col("resolution_rate", "pct"),
        Col(ctx.t("topics.col.examples"), key="opinion"),  # sentences: wrapped as opinions
    ]


def _change(ctx: Context, change: int | None, direction: str) -> str:
    """ "+3（上升）" / "+3 (rising)": the change in count on the previous half-year, in words."""
    label = ctx.t(f"topics.trend.{direction}")
    if change is None:
        return label
    return f"{change:+d}（{label}）" if ctx.lang == "zh" else f"{change:+d} ({label})"


def _merged(examples: list[Example]) -> list[Example]:
    """The same wording from several communities once, with their opinions added up."""
    merged: dict[str, Example] = {}
    for example in examples:
        seen = merged.get(example.text)
        merged[example.text] = (
            example if seen is None else replace(seen, opinions=seen.opinions + example.opinions)
        )
    return sorted(merged.values(), key=lambda e: -e.opinions)


def _rows(ctx: Context, place: str, concerns: Concerns, top: int | None) -> list[list[object]]:
    rows: list[list[object]] = []
    for topic in concerns.topics[:top] if top else concerns.topics:
        examples = _merged(concerns.examples.get(topic.topic, []))
        shown = "；".join(example_label(e, ctx.lang) for e in examples) if examples else SUPPRESSED
        rows.append(
            [
                place,
                topic.name(ctx.lang),
                topic.opinions,
                topic.share,
                _change(ctx, topic.change, topic.direction),
                topic.raised,
                topic.resolved,
                topic.resolution_rate,
                shown if topic.opinions >= ctx.settings.min_cell_size else SUPPRESSED,
            ]
        )
    return rows


def concerns_tables(ctx: Context) -> list[Table]:
    """The section's tables: topics per community (the whole subdistrict first) and the words
    of the opinions tagged 其他, for organizers extending the taxonomy."""
    period = Period.coerce(ctx.period)
    communities = query_rows(ctx.con, "concern_communities", str(period))
    minimum = ctx.settings.min_cell_size
    overall = community_concerns(ctx.con, period, None, min_cell_size=minimum)
    total = sum(int(c["opinions"]) for c in communities)
    rows = _rows(ctx, ctx.t("topics.section.subdistrict"), overall, None)
    if not ctx.by_subdistrict:  # past the community limit, per-community rows would be 1000s
        for community in communities:
            concerns = community_concerns(
                ctx.con, period, community["community_id"], min_cell_size=minimum
            )
            rows += _rows(ctx, community["community_name"], concerns, TOPICS_PER_COMMUNITY)
    notes = [ctx.t("topics.note.suppressed", min_cell=minimum)]
    if not communities:
        notes = [ctx.t("topics.note.no_opinions")]
    topics = Table(
        "concerns",
        ctx.t("topics.section.title"),
        _columns(ctx),
        rows,
        intro=ctx.t("topics.section.intro", period=ctx.period_name(), opinions=total),
        notes=notes,
        grouped=True,
    )
    terms = Table(
        "concerns_other",
        ctx.t("topics.section.other_title"),
        [Col(ctx.t("topics.col.term")), Col(ctx.t("topics.col.opinions"), "int")],
        [[term, count] for term, count in overall.other_terms],
        intro=ctx.t("topics.note.other_terms", path=ctx.settings.topics_path.name),
    )
    return [topics, terms]
