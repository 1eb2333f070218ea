"""Hearings, consultations and home visits per community (or subdistrict) and per kind."""

from __future__ import annotations

from collections.abc import Mapping
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
)


def _hearing_cells(r: Mapping[str, Any]) -> list[object]:
    return [
        r["events"],
        r["attendees"],
        r["opinions_raised"],
        r["opinions_resolved"],
        r["resolution_rate"],
        r["households_visited"],
        r["household_coverage"],
    ]


def hearing_tables(ctx: Context) -> list[Table]:
    """Hearings, consultations and home visits per community (or subdistrict) and per kind."""
    if ctx.by_subdistrict:
        key, place = "hearings_by_subdistrict", "report.col.subdistrict"
        subdistricts = query_rows(ctx.con, "subdistrict_hearings", ctx.period)
        rollups = query_rows(ctx.con, "hearing_rollups", ctx.period)
        rows = [*as_communities(ctx, subdistricts), *rollups]
    else:
        key, place = "hearings", "report.col.community"
        rows = query_rows(ctx.con, "hearings", ctx.period)
    figures = [
        Col(ctx.t("report.col.events"), "int"),
        Col(ctx.t("report.col.attendees"), "int"),
        Col(ctx.t("report.col.opinions_raised"), "int"),
        Col(ctx.t("report.col.opinions_resolved"), "int"),
        Col(ctx.t("report.col.resolution_rate"), "pct"),
        Col(ctx.t("report.col.households_visited"), "int"),
        Col(ctx.t("report.col.household_coverage"), "pct"),
    ]
    total = [r for r in rows if not r["community_id"] and not r["kind"]]
    community_rows: list[list[object]] = [
        [r["community_name"] if r["community_id"] else all_label(ctx), *_hearing_cells(r)]
        for r in [*(r for r in rows if r["community_id"] and not r["kind"]), *total]
    ]
    kind_rows: list[list[object]] = [
        [
            vocab_label(ctx, "hearing", r["kind"]) if r["kind"] else all_label(ctx),
            *_hearing_cells(r),
        ]
        for r in [*(r for r in rows if r["kind"] and not r["community_id"]), *total]
    ]
    note = [ctx.t("report.note.coverage")]
    return [
        Table(
            key,
            ctx.t(f"report.section.{key}"),
            [Col(ctx.t(place)), *figures],
            community_rows,
            notes=note,
        ),
        Table(
            "hearing_kinds",
            ctx.t("report.section.hearing_kinds"),
            [Col(ctx.t("report.col.hearing_kind")), *figures],
            kind_rows,
            notes=note,
        ),
    ]
