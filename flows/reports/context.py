"""What every section builder needs: the warehouse, settings, half-year and language, with
the labels and queries several sections share."""

from __future__ import annotations

import os
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from flows.messages import msg
from flows.periods import Period
from flows.settings import Settings
from flows.warehouse import sql
from flows.warehouse.display import display_rows


@dataclass(frozen=True)
class Context:
    """What every section builder needs: warehouse, settings, half-year, language."""

    con: duckdb.DuckDBPyConnection
    settings: Settings
    period: str
    lang: str
    definition: str
    # Communities in the registry (above settings.report_community_limit the report shows
    # subdistricts instead).
    communities: int = 0
    # Query results and labels already looked up while writing one set of reports.
    memo: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)

    def t(self, key: str, **values: object) -> str:
        """A report text in the context's language."""
        return msg(key, self.lang, **values)

    def query(self, name: str, *params: object) -> list[dict[str, Any]]:
        """``query_rows`` run once per context: several sections read the same rows."""
        key = ("query", name, *params)
        if key not in self.memo:
            self.memo[key] = query_rows(self.con, name, *params)
        rows: list[dict[str, Any]] = self.memo[key]
        return rows

    @property
    def by_subdistrict(self) -> bool:
        """Whether the report shows subdistricts rather than every community."""
        return self.communities > self.settings.report_community_limit

    def period_name(self, period: object = None) -> str:
        """A half-year as a reader says it: 2026年上半年, H1 2026 (the report's by default)."""
        half = Period.coerce(self.period if period is None else period)
        return self.t(f"report.period.{half.half}", year=half.year)

    @property
    def previous(self) -> str:
        """The half-year before the report's."""
        return str(Period.coerce(self.period).previous())


# Queries


def query_rows(con: duckdb.DuckDBPyConnection, name: str, *params: object) -> list[dict[str, Any]]:
    # A text too long to show (loaded before the cell limit existed) is cut inside DuckDB.
    return display_rows(con, sql(f"reports/{name}"), list(params))


def _headline_definition(con: duckdb.DuckDBPyConnection, settings: Settings, period: str) -> str:
    rows = query_rows(con, "headline_definition", period)
    return str(rows[0]["definition"]) if rows else settings.satisfaction_definition


def make_context(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    period: Period,
    lang: str,
) -> Context:
    definition = _headline_definition(con, settings, str(period))
    communities = int(query_rows(con, "community_count")[0]["communities"])
    return Context(con, settings, str(period), lang, definition, communities)


def when(value: object, tz: str) -> str:
    if isinstance(value, datetime):
        local = value.astimezone(ZoneInfo(tz)) if value.tzinfo else value
        return local.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def yes_no(ctx: Context, value: object) -> str:
    if value is None:
        return ""
    return ctx.t("report.yes") if value else ctx.t("report.no")


def vocab_label(ctx: Context, prefix: str, value: object) -> str:
    memo = ("label", prefix, value if isinstance(value, Hashable) else repr(value))
    if memo not in ctx.memo:
        try:
            ctx.memo[memo] = ctx.t(f"report.{prefix}.{value}")
        except KeyError:
            ctx.memo[memo] = ctx.t("report.unknown") if value is None else str(value)
    label: str = ctx.memo[memo]
    return label


def all_label(ctx: Context) -> str:
    """The label of a total row: the whole subdistrict, or all subdistricts."""
    return ctx.t("report.all_subdistricts" if ctx.by_subdistrict else "report.all")


def definition_name(ctx: Context) -> str:
    return ctx.t(f"report.definition.{ctx.definition}")


def suppression_notes(ctx: Context, hidden: Iterable[object]) -> list[str]:
    return (
        [ctx.t("report.note.suppression", min_cell=ctx.settings.min_cell_size)]
        if any(True for _ in hidden)
        else []
    )


# The semiannual report by subdistrict: above settings.report_community_limit communities


def subdistrict_label(ctx: Context, row: Mapping[str, Any]) -> str:
    """A subdistrict's code as the report shows it ("all" for the total row)."""
    if row.get("is_total"):
        return all_label(ctx)
    code = row["subdistrict"]
    return str(code) if code else ctx.t("report.subdistrict.none")


def as_communities(ctx: Context, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Subdistrict rows shaped as the per-community sections read them: the subdistrict's label
    as community_id and community_name, community_id None for the total."""
    shaped = []
    for row in rows:
        label = subdistrict_label(ctx, row)
        community = None if row.get("is_total") else label
        shaped.append({**row, "community_id": community, "community_name": label})
    return shaped


def subdistrict_note(ctx: Context) -> str:
    return ctx.t("report.note.by_subdistrict", limit=f"{ctx.settings.report_community_limit:,}")


def write_text(path: Path, text: str) -> Path:
    """Write ``path`` whole or not at all (through a temporary file beside it)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path
