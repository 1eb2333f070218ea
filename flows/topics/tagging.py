"""Keep the warehouse's opinion tags current: what ``metrics.opinions`` and
``metrics.opinion_topics`` read.

Opinions are tagged by half-year × community pool: a pool is tagged again, whole, when one
of its current opinions has no tag (a new form, a correction), when a tag's opinion is gone
(superseded), or when the taxonomy, the community terms or the rules changed (their
fingerprint is stored with each tag). Near-duplicate groups are numbered within a pool, so a
pool is the unit of work. Every ingest and every rebuild ends here; an unchanged warehouse
is only read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from flows.settings import Settings
from flows.topics.classify import classify
from flows.topics.duplicates import group_near_duplicates
from flows.topics.model import TRAINING
from flows.topics.taxonomy import Taxonomy, load_taxonomy
from flows.topics.tokens import USER_DICTIONARY, keep_cache_in
from flows.warehouse import Mode, open_warehouse, sql

# The code whose change changes tags: a new rule retags every pool on the next ingest.
_RULES = tuple(
    Path(__file__).with_name(name)
    for name in ("classify.py", "tokens.py", "duplicates.py", "model.py")
)


@dataclass(frozen=True)
class TaggingSummary:
    """What one refresh did: the pools and opinions tagged again (0 and 0 when current)."""

    pools: int
    opinions: int


def tagging_fingerprint(taxonomy: Taxonomy) -> str:
    """A digest of what decides an opinion's tags: the taxonomy (its examples teach the
    model), the community terms, the training opinions, the rules."""
    digest = hashlib.sha256()
    for topic in taxonomy.topics:
        digest.update(repr((topic.code, topic.keywords, topic.hints, topic.examples)).encode())
    digest.update(f"fallback={taxonomy.fallback}".encode())
    for path in (USER_DICTIONARY, TRAINING, *_RULES):
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()


def tag_frame(opinions: pd.DataFrame, taxonomy: Taxonomy) -> pd.DataFrame:
    """``opinions`` (period, community_id, text, in group order) with their topic codes and
    near-duplicate group number (0, 1, ... within each period × community)."""
    texts = opinions["text"].astype(str).tolist()
    pools = list(zip(opinions["period"], opinions["community_id"], strict=True))
    groups = group_near_duplicates(texts, within=pools)
    first_of_pool: dict[tuple[str, str], int] = {}
    numbers = []
    for pool, group in zip(pools, groups, strict=True):
        # Groups are numbered across all pools; restart the numbers in each pool.
        start = first_of_pool.setdefault(pool, group)
        numbers.append(group - start)
    tagged = opinions.copy()
    tagged["topics"] = classify(texts, taxonomy)
    tagged["group_number"] = numbers
    return tagged


def _taxonomy_rows(taxonomy: Taxonomy) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "topic": topic.code,
                "name_zh": topic.name_zh,
                "name_en": topic.name_en,
                "position": position,
                "is_fallback": topic.code == taxonomy.fallback,
            }
            for position, topic in enumerate(taxonomy.topics)
        ]
    )


def stale_pools(con: duckdb.DuckDBPyConnection, fingerprint: str) -> pd.DataFrame:
    """The period × community pools to tag again (see the module's docstring)."""
    return con.execute(sql("topics/stale_pools"), [fingerprint]).df()


def topics_current(con: duckdb.DuckDBPyConnection, fingerprint: str) -> bool:
    """Whether ref.topics holds this taxonomy."""
    return [row[0] for row in con.execute(sql("topics/topics_state")).fetchall()] == [fingerprint]


def refresh_tags(con: duckdb.DuckDBPyConnection, taxonomy: Taxonomy) -> TaggingSummary:
    """Tag the stale pools again and store the taxonomy, in one transaction."""
    fingerprint = tagging_fingerprint(taxonomy)
    pools = stale_pools(con, fingerprint)
    con.execute("begin transaction")
    try:
        if not topics_current(con, fingerprint):
            con.execute("delete from ref.topics")
            con.register("taxonomy_rows", _taxonomy_rows(taxonomy))
            try:
                con.execute(sql("topics/replace_topics"), [fingerprint])
            finally:
                con.unregister("taxonomy_rows")
        opinions = 0
        if len(pools):
            con.register("stale_pools", pools)
            try:
                frame = con.execute(sql("topics/pool_opinions")).df()
                con.execute(sql("topics/delete_pool_tags"))
            finally:
                con.unregister("stale_pools")
            opinions = len(frame)
            if opinions:
                con.register("new_tags", tag_frame(frame, taxonomy))
                try:
                    con.execute(sql("topics/insert_tags"), [fingerprint])
                finally:
                    con.unregister("new_tags")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return TaggingSummary(pools=len(pools), opinions=opinions)


def tag_opinions(settings: Settings, taxonomy: Taxonomy | None = None) -> TaggingSummary:
    """Bring the warehouse's opinion tags up to date with its rows and the taxonomy
    (``settings.topics_path`` unless given); opens it for writing only when something changed.

    Raises :class:`~flows.topics.taxonomy.TaxonomyError` for a broken taxonomy file.
    """
    taxonomy = taxonomy or load_taxonomy(settings.topics_path)
    if not settings.warehouse_path.exists():
        return TaggingSummary(0, 0)
    fingerprint = tagging_fingerprint(taxonomy)
    with open_warehouse(settings, Mode.READ) as con:
        # Checked read-only first: an analyst's open query does not hold up an unchanged run.
        if topics_current(con, fingerprint) and stale_pools(con, fingerprint).empty:
            return TaggingSummary(0, 0)
    keep_cache_in(settings.jieba_cache_dir)
    with open_warehouse(settings, Mode.WRITE) as con:
        return refresh_tags(con, taxonomy)
