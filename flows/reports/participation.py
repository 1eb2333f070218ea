"""Member participation per community, per kind of organisation, and unit participation."""

from __future__ import annotations

from typing import Any

from flows.reports.cells import (
    Col,
    Table,
)
from flows.reports.context import (
    Context,
    all_label,
    as_communities,
    query_rows,
    vocab_label,
    yes_no,
)


def member_rows(ctx: Context) -> list[dict[str, Any]]:
    """Member participation per community and in total; only the total when showing
    subdistricts."""
    name = "member_participation_total" if ctx.by_subdistrict else "member_participation"
    return ctx.query(name, ctx.period)


def participation_tables(ctx: Context) -> list[Table]:
    """Member participation per community (or subdistrict), per kind of organisation, units."""
    if ctx.by_subdistrict:
        key, place = "members_by_subdistrict", "report.col.subdistrict"
        members = as_communities(ctx, query_rows(ctx.con, "subdistrict_members", ctx.period))
    else:
        key, place = "members", "report.col.community"
        members = member_rows(ctx)
    member_table: list[list[object]] = [
        [
            r["community_name"] if r["community_id"] else all_label(ctx),
            r["members_total"],
            r["members_participating"],
            r["rate"],
            r["target"],
            yes_no(ctx, r["meets_target"]),
        ]
        for r in members
    ]
    member_cols = [
        Col(ctx.t(place)),
        Col(ctx.t("report.col.members_total"), "int"),
        Col(ctx.t("report.col.members_participating"), "int"),
        Col(ctx.t("report.col.participation_rate"), "pct"),
        Col(ctx.t("report.col.target"), "pct"),
        Col(ctx.t("report.col.meets_target")),
    ]
    kinds = query_rows(ctx.con, "participation_by_org_kind", ctx.period)
    kind_cols = [
        Col(ctx.t("report.col.org_kind")),
        Col(ctx.t("report.col.orgs_registered"), "int"),
        Col(ctx.t("report.col.reports_received"), "int"),
        Col(ctx.t("report.col.members_total"), "int"),
        Col(ctx.t("report.col.members_participating"), "int"),
        Col(ctx.t("report.col.participation_rate"), "pct"),
        Col(ctx.t("report.col.in_service_registered"), "int"),
        Col(ctx.t("report.col.activities"), "int"),
        Col(ctx.t("report.col.orgs_took_part"), "int"),
    ]
    kind_rows: list[list[object]] = [
        [
            vocab_label(ctx, "org", r["kind"]),
            r["orgs_registered"],
            r["reports_received"],
            r["members_total"],
            r["members_participating"],
            r["rate"],
            r["in_service_registered"],
            r["activities"],
            r["orgs_took_part"],
        ]
        for r in kinds
    ]
    units = ctx.query("unit_participation", ctx.period)
    unit_cols = [
        Col(ctx.t("report.col.orgs_registered"), "int"),
        Col(ctx.t("report.col.orgs_took_part"), "int"),
        Col(ctx.t("report.col.participation_rate"), "pct"),
        Col(ctx.t("report.col.target"), "pct"),
        Col(ctx.t("report.col.meets_target")),
    ]
    unit_rows: list[list[object]] = [
        [
            r["orgs_registered"],
            r["orgs_took_part"],
            r["rate"],
            r["target"],
            yes_no(ctx, r["meets_target"]),
        ]
        for r in units
    ]
    note = [ctx.t("report.note.participation")]
    return [
        Table(key, ctx.t(f"report.section.{key}"), member_cols, member_table, notes=note),
        Table("org_kinds", ctx.t("report.section.org_kinds"), kind_cols, kind_rows),
        Table("units", ctx.t("report.section.units"), unit_cols, unit_rows, notes=note),
    ]
