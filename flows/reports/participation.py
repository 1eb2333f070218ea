"""Member participation per community, per kind of organisation, and unit participation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.reports.cells import (
    Rate,
    Table,
)
from flows.reports.columns import cols, row_values
from flows.reports.context import (
    Context,
    all_label,
    as_communities,
    query_rows,
)
from flows.reports.targets import short_of_target, short_text


def member_rows(ctx: Context) -> list[dict[str, Any]]:
    """Member participation per community and in total; only the total when showing
    subdistricts."""
    name = "member_participation_total" if ctx.by_subdistrict else "member_participation"
    return ctx.query(name, ctx.period)


def participation_tables(ctx: Context) -> list[Table]:
    """Member participation per community (or subdistrict), per kind of organisation, units."""
    if ctx.by_subdistrict:
        key, place = "members_by_subdistrict", "subdistrict"
        members = as_communities(ctx, query_rows(ctx.con, "subdistrict_members", ctx.period))
    else:
        key, place = "members", "community"
        members = member_rows(ctx)
    member_cols = cols(
        ctx,
        place,
        "members_total",
        "members_participating",
        "participation_rate",
        "target",
        "meets_target",
        "short_of_target",
    )
    member_table = [
        row_values(
            ctx,
            member_cols,
            r,
            **{place: _place(ctx, r), **_rate(ctx, r), "short_of_target": _short(ctx, r)},
        )
        for r in members
    ]
    kind_cols = cols(
        ctx,
        "org_kind",
        "rate_basis",
        "orgs_registered",
        "reports_received",
        "members_total",
        "members_participating",
        "participation_rate",
        "in_service_registered",
        "activities",
        "orgs_took_part",
    )
    kinds = query_rows(ctx.con, "participation_by_org_kind", ctx.period)
    kind_rows = [
        row_values(ctx, kind_cols, r, rate_basis=ctx.t(f"report.basis.{r['measure']}"))
        for r in kinds
    ]
    unit_cols = cols(
        ctx, "orgs_registered", "orgs_took_part", "participation_rate", "target", "meets_target"
    )
    unit_rows = [
        row_values(ctx, unit_cols, r, **_rate(ctx, r))
        for r in ctx.query("unit_participation", ctx.period)
    ]
    note = [ctx.t("report.note.participation")]
    member_notes = [*note, *_outside_communities(ctx, members)]
    return [
        Table(key, ctx.t(f"report.section.{key}"), member_cols, member_table, notes=member_notes),
        Table(
            "org_kinds",
            ctx.t("report.section.org_kinds"),
            kind_cols,
            kind_rows,
            notes=[ctx.t("report.note.org_kinds")],
        ),
        Table("units", ctx.t("report.section.units"), unit_cols, unit_rows, notes=note),
    ]


def _outside_communities(ctx: Context, members: list[dict[str, Any]]) -> list[str]:
    """Why the total row is more than the communities' rows: branches directly under the
    subdistrict (market, enterprise, temporary branches) belong to no community."""
    total = next((r for r in members if r.get("community_id") is None), None)
    if not total or not total.get("branches_outside_communities"):
        return []
    return [
        ctx.t(
            "report.note.members_outside_communities",
            branches=total["branches_outside_communities"],
            members=f"{int(total['members_total_outside_communities'] or 0):,}",
            participating=f"{int(total['members_participating_outside_communities'] or 0):,}",
        )
    ]


def _place(ctx: Context, row: Mapping[str, Any]) -> str:
    """A row's community (or subdistrict) as the table shows it; the total row's label."""
    return str(row["community_name"]) if row["community_id"] else all_label(ctx)


def _rate(ctx: Context, row: Mapping[str, Any]) -> dict[str, object]:
    """The row's participation rate, shown so that it agrees with meeting its target."""
    if row["rate"] is None or row["target"] is None:
        return {}
    return {"participation_rate": Rate(float(row["rate"]), float(row["target"]))}


def _short(ctx: Context, row: Mapping[str, Any]) -> str:
    """More members the row needs to reach its target, at the same number of members."""
    if row["rate"] is None or row["target"] is None:
        return ""
    target = float(row["target"])
    count = short_of_target(
        int(row["members_participating"] or 0), int(row["members_total"] or 0), target
    )
    return short_text(ctx, "members", float(row["rate"]), target, count)
