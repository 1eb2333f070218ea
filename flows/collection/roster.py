"""Who is expected to report in a half-year, from the registry alone: roster evaluators with
their codes and masked names, organisations, and what each organisation reported last time.

Everything here works on a new MINYI_HOME before any run: the codes come from the same SQL
as the warehouse's ``ref.evaluators`` and ``ref.evaluator_codes``, built in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from flows.ingest.load import replace_registry
from flows.ingest.registry import Registry
from flows.periods import Period
from flows.settings import Settings
from flows.warehouse import Mode, ensure_schema, open_warehouse, sql

SUBDISTRICT = ""  # the community id of forms for organisations directly under the subdistrict


@dataclass(frozen=True)
class Community:
    """A community forms are written for (``SUBDISTRICT`` for organisations under none)."""

    community_id: str
    name: str


def roster_evaluators(registry: Registry, key: bytes, period: Period) -> pd.DataFrame:
    """The half-year's roster: community_id, role, evaluator_key, code, masked_name (张*, as
    ``meta.masked_name`` masks it); one row per evaluator and community, by community and code."""
    con = duckdb.connect()
    try:
        ensure_schema(con)
        replace_registry(con, registry, key, "in-memory")
        roster = con.execute(sql("collection/roster_codes"), [str(period)]).df()
    finally:
        con.close()
    return roster


def communities(registry: Registry, community_id: str | None = None) -> list[Community]:
    """The registry's communities (one when ``community_id`` names it), in id order."""
    frame = registry.communities
    found = [
        Community(str(row.community_id), str(row.name))
        for row in frame.sort_values("community_id").itertuples()
    ]
    if community_id is not None:
        found = [c for c in found if c.community_id == community_id]
    return found


def organisations(registry: Registry, period: Period) -> pd.DataFrame:
    """Organisations active in the half-year: org_id, name, kind, community_id ("" for
    those directly under the subdistrict)."""
    frame = registry.organisations.copy()
    text = str(period)
    for column in ("active_from", "active_to", "community_id"):
        if column not in frame:
            frame[column] = None
    active_from = frame["active_from"].fillna("").astype(str)
    active_to = frame["active_to"].fillna("").astype(str)
    active = ((active_from == "") | (active_from <= text)) & (
        (active_to == "") | (active_to >= text)
    )
    chosen = frame.loc[active, ["org_id", "name", "kind", "community_id"]].copy()
    chosen["community_id"] = chosen["community_id"].fillna(SUBDISTRICT).astype(str)
    return chosen.sort_values(["community_id", "org_id"]).reset_index(drop=True)


def previous_members(settings: Settings, period: Period) -> dict[str, tuple[int | None, ...]]:
    """Members total and taking part that each organisation reported the half-year before,
    by org_id; empty before any run (no warehouse yet)."""
    if not settings.warehouse_path.exists():
        return {}
    with open_warehouse(settings, Mode.READ) as con:
        rows = con.execute(sql("collection/previous_members"), [str(period.previous())]).fetchall()
    return {str(org): (total, taking_part) for org, total, taking_part in rows}
