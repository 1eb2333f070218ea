"""The headline: satisfaction, member and unit participation for the whole subdistrict."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from flows.periods import Period
from flows.reports.cells import (
    Rate,
    Table,
    rate_text,
)
from flows.reports.columns import col
from flows.reports.context import (
    Context,
    definition_name,
    make_context,
    vocab_label,
)
from flows.reports.participation import member_rows
from flows.reports.satisfaction import cell_key, satisfaction_rows
from flows.reports.statistics import positives
from flows.reports.targets import short_of_target, short_text
from flows.settings import Settings


@dataclass(frozen=True)
class Figure:
    """One headline figure: a rate against its target."""

    label: str
    rate: float | None
    target: float
    detail: str
    verdict: str
    tone: str  # meets | borderline | below | none
    short: str = ""  # how far it is from its target, in what a person can act on

    @property
    def shown(self) -> str:
        """The rate as shown: never on the other side of the target from the verdict."""
        return "—" if self.rate is None else rate_text(self.rate, self.target)


def headline_figures(ctx: Context) -> list[Figure]:
    """Satisfaction, member and unit participation for the whole subdistrict."""
    sat = next((r for r in satisfaction_rows(ctx, ctx.period) if cell_key(r) == (None, None)), None)
    members = next((r for r in member_rows(ctx) if not r["community_id"]), None)
    units = next(iter(ctx.query("unit_participation", ctx.period)), None)
    settings = ctx.settings
    figures = [
        Figure(
            ctx.t("report.headline.satisfaction", definition=definition_name(ctx)),
            sat["rate"] if sat else None,
            float(sat["target"]) if sat else settings.satisfaction_target,
            ctx.t(
                "report.headline.interval",
                low=f"{sat['ci_low']:.1%}",
                high=f"{sat['ci_high']:.1%}",
                n=sat["responses"],
            )
            if sat
            else ctx.t("report.no_data"),
            vocab_label(ctx, "verdict", sat["verdict"]) if sat else "",
            str(sat["verdict"]) if sat else "none",
            _satisfaction_short(ctx, sat) if sat else "",
        )
    ]
    for key, row, part, total, target in (
        ("members", members, "members_participating", "members_total", settings.member_target),
        ("units", units, "orgs_took_part", "orgs_registered", settings.unit_target),
    ):
        meets = row["meets_target"] if row else None
        figures.append(
            Figure(
                ctx.t(f"report.headline.{key}"),
                row["rate"] if row else None,
                float(row["target"]) if row and row["target"] is not None else target,
                ctx.t("report.headline.count", part=row[part], total=row[total])
                if row
                else ctx.t("report.no_data"),
                "" if meets is None else vocab_label(ctx, "verdict", "meets" if meets else "below"),
                "none" if meets is None else ("meets" if meets else "below"),
                _participation_short(ctx, key, row, part, total, target) if row else "",
            )
        )
    return figures


def _satisfaction_short(ctx: Context, row: Mapping[str, Any]) -> str:
    """More satisfied forms needed, at the same number of forms."""
    target = float(row["target"])
    count = short_of_target(positives(row, ctx.definition), int(row["responses"]), target)
    return short_text(ctx, "satisfaction", float(row["rate"]), target, count)


def _participation_short(
    ctx: Context, key: str, row: Mapping[str, Any], part: str, total: str, default: float
) -> str:
    """More members (or organisations) needed, at the same number registered."""
    target = float(row["target"]) if row["target"] is not None else default
    if row["rate"] is None:
        return ""
    count = short_of_target(int(row[part] or 0), int(row[total] or 0), target)
    return short_text(ctx, key, float(row["rate"]), target, count)


def headline_table(ctx: Context, figures: Sequence[Figure]) -> Table:
    columns = [
        col(ctx, "measure"),
        col(ctx, "value"),
        col(ctx, "target"),
        col(ctx, "verdict"),
        col(ctx, "short_of_target"),
        col(ctx, "detail"),
    ]
    rows: list[list[object]] = [
        [
            f.label,
            None if f.rate is None else Rate(f.rate, f.target),
            f.target,
            f.verdict,
            f.short,
            f.detail,
        ]
        for f in figures
    ]
    return Table("headline", ctx.t("report.section.headline"), columns, rows)


def headline_markdown(
    con: duckdb.DuckDBPyConnection, settings: Settings, period: Period, *, lang: str = "zh"
) -> str:
    """The headline figures as Markdown, for a Prefect artifact."""
    ctx = make_context(con, settings, period, lang)
    lines = [
        f"### {ctx.t('report.headline.md_title', period=ctx.period_name())}",
        "",
        "| {} | {} | {} | {} |".format(
            ctx.t("report.col.measure"),
            ctx.t("report.col.value"),
            ctx.t("report.col.target"),
            ctx.t("report.col.verdict"),
        ),
        "|---|---|---|---|",
    ]
    for f in headline_figures(ctx):
        value = "—" if f.rate is None else f"{f.shown} ({f.detail})"
        if f.short:
            value += f" · {f.short}"
        lines.append(f"| {f.label} | {value} | {f.target:.0%} | {f.verdict} |")
    return "\n".join(lines) + "\n"
