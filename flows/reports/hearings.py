"""Hearings, consultations and home visits per community (or subdistrict) and per kind."""

from __future__ import annotations

from flows.reports.cells import (
    Table,
)
from flows.reports.columns import cols, row_values
from flows.reports.context import (
    Context,
    all_label,
    as_communities,
    query_rows,
    vocab_label,
)


def hearing_tables(ctx: Context) -> list[Table]:
    """Hearings, consultations and home visits per community (or subdistrict) and per kind."""
    if ctx.by_subdistrict:
        key, place = "hearings_by_subdistrict", "subdistrict"
        subdistricts = query_rows(ctx.con, "subdistrict_hearings", ctx.period)
        rollups = query_rows(ctx.con, "hearing_rollups", ctx.period)
        rows = [*as_communities(ctx, subdistricts), *rollups]
    else:
        key, place = "hearings", "community"
        rows = query_rows(ctx.con, "hearings", ctx.period)
    figures = (
        "events",
        "attendees",
        "opinions_raised",
        "opinions_resolved",
        "resolution_rate",
        "households_visited",
        "household_coverage",
    )
    by_place, by_kind = cols(ctx, place, *figures), cols(ctx, "hearing_kind", *figures)
    total = [r for r in rows if not r["community_id"] and not r["kind"]]
    community_rows = [
        row_values(
            ctx,
            by_place,
            r,
            **{place: r["community_name"] if r["community_id"] else all_label(ctx)},
        )
        for r in [*(r for r in rows if r["community_id"] and not r["kind"]), *total]
    ]
    kind_rows = [
        row_values(
            ctx,
            by_kind,
            r,
            hearing_kind=vocab_label(ctx, "hearing", r["kind"]) if r["kind"] else all_label(ctx),
        )
        for r in [*(r for r in rows if r["kind"] and not r["community_id"]), *total]
    ]
    note = [ctx.t("report.note.coverage")]
    return [
        Table(
            key,
            ctx.t(f"report.section.{key}"),
            by_place,
            community_rows,
            notes=note,
        ),
        Table(
            "hearing_kinds",
            ctx.t("report.section.hearing_kinds"),
            by_kind,
            kind_rows,
            notes=note,
        ),
    ]
