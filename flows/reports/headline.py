"""The headline: satisfaction, member and unit participation for the whole subdistrict."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from flows.periods import Period
from flows.reports.cells import (
    Table,
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
            )
        )
    return figures


def headline_table(ctx: Context, figures: Sequence[Figure]) -> Table:
    columns = [
        col(ctx, "measure"),
        col(ctx, "value"),
        col(ctx, "target"),
        col(ctx, "verdict"),
        col(ctx, "detail"),
    ]
    rows: list[list[object]] = [[f.label, f.rate, f.target, f.verdict, f.detail] for f in figures]
    return Table("headline", ctx.t("report.section.headline"), columns, rows)


def headline_markdown(
    con: duckdb.DuckDBPyConnection, settings: Settings, period: Period, *, lang: str = "zh"
) -> str:
    """The headline figures as Markdown, for a Prefect artifact."""
    ctx = make_context(con, settings, period, lang)
    lines = [
        f"### {ctx.t('report.headline.md_title', period=period)}",
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
        value = "—" if f.rate is None else f"{f.rate:.1%} ({f.detail})"
        lines.append(f"| {f.label} | {value} | {f.target:.0%} | {f.verdict} |")
    return "\n".join(lines) + "\n"
