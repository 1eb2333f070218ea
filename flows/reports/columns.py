"""Every report column described once: its label, where its values come from, how they are
shown, how wide it is and what it counts. Sections build their tables from this, and both
writers (HTML, XLSX) read the same description (see ``Col``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flows.reports.cells import CellKind, Col
from flows.reports.context import Context, vocab_label, when, yes_no


@dataclass(frozen=True)
class Column:
    """One report column: label key ``report.col.<key>``, source column, format, width, note.

    ``shown`` turns a warehouse value into what a reader sees: "" as it is, "vocab:<prefix>"
    its label (``report.<prefix>.<value>``), "time" a local date and time, "flag" "yes" or
    nothing, "yes_no" yes or no.
    """

    kind: CellKind = "text"
    source: str | None = None  # None: the column's key
    shown: str = ""
    width: int | None = None  # spreadsheet width; None: fitted to the values
    note: str | None = None  # message key of what the column counts, shown beside its label


COLUMNS: dict[str, Column] = {
    # Where and who
    "community": Column(source="community_name", width=None),
    "subdistrict": Column(),
    "role": Column(shown="vocab:role"),
    "source": Column(shown="vocab:source"),
    "kind": Column(shown="vocab:source"),
    "org_kind": Column(source="kind", shown="vocab:org"),
    "hearing_kind": Column(source="kind", shown="vocab:hearing"),
    "unit": Column(),
    "measure": Column(),
    "detail": Column(),
    "short_of_target": Column(),
    # Satisfaction
    "responses": Column("int"),
    "satisfied": Column("int"),
    "basically_satisfied": Column("int"),
    "dissatisfied": Column("int"),
    "rate": Column("pct"),
    "value": Column("pct", source="rate"),
    "target": Column("pct"),
    "ci_low": Column("pct"),
    "ci_high": Column("pct"),
    "verdict": Column(shown="vocab:verdict"),
    "small_sample": Column(shown="flag"),
    "rate_previous": Column("pct"),
    "change": Column("pp"),
    "p_value": Column("p"),
    "change_test": Column(),
    "communities": Column("int"),
    "communities_below": Column("int"),
    "item": Column("num"),
    "period_rate": Column("pct"),
    "period": Column(),
    "metric": Column(),
    # Participation
    "members_total": Column("int"),
    "members_participating": Column("int"),
    "participation_rate": Column("pct", source="rate"),
    "rate_basis": Column(),
    "meets_target": Column(shown="yes_no"),
    "orgs_registered": Column("int"),
    "reports_received": Column("int"),
    "in_service_registered": Column("int"),
    "activities": Column("int"),
    "orgs_took_part": Column("int"),
    # Hearings
    "events": Column("int"),
    "attendees": Column("int"),
    "opinions_raised": Column("int"),
    "opinions_resolved": Column("int"),
    "resolution_rate": Column("pct"),
    "households_visited": Column("int"),
    "household_coverage": Column("pct"),
    # Completeness
    "expected": Column("int"),
    "received": Column("int"),
    "on_time": Column("int"),
    "late": Column("int"),
    "missing": Column("int"),
    "completeness": Column("pct"),
    "timeliness": Column("pct"),
    "status": Column(shown="vocab:status"),
    "rejected": Column("int", note="report.note.col.rejected"),
    "code": Column(note="report.note.col.code"),
    "masked_name": Column(source="name"),
    "rows_rejected": Column("int"),
    "submitted_on": Column(shown="time"),
    # Opinions
    "opinion": Column(),
    "opinion_forms": Column("int", source="forms"),
    "opinions": Column("int"),
    # Files, runs and quarantine
    "file": Column(source="file_name"),
    "hash": Column(),
    "received_at": Column(shown="time"),
    "rows_loaded": Column("int"),
    "rows_read": Column("int"),
    "rows_quarantined": Column("int"),
    "run": Column(source="run_id"),
    "started_at": Column(shown="time"),
    "finished_at": Column(shown="time"),
    "run_status": Column(source="status", shown="vocab:run"),
    "files_seen": Column("int"),
    "outcome": Column(),
    "sheet": Column(),
    "row_number": Column("int"),
    "column": Column(),
    "cell_value": Column(source="value"),
    "reason": Column(),
    "action": Column(),
    "cells": Column("int"),
    "files": Column("int"),
}


def col(ctx: Context, key: str, label: str | None = None) -> Col:
    """Column ``key`` of ``COLUMNS`` as a table's writers read it, labelled in the context's
    language (or with ``label``: a period, a rated item)."""
    spec = COLUMNS[key]
    return Col(
        ctx.t(f"report.col.{key}") if label is None else label,
        spec.kind,
        key=key,
        width=spec.width,
        note=ctx.t(spec.note) if spec.note else "",
    )


def cols(ctx: Context, *keys: str) -> list[Col]:
    """Several columns of ``COLUMNS``, in order."""
    return [col(ctx, key) for key in keys]


def row_values(
    ctx: Context, columns: Sequence[Col], row: Mapping[str, Any], **given: object
) -> list[object]:
    """One table row: each column's value from ``given`` (by key), else from the row's source
    column, shown as ``COLUMNS`` says."""
    values: list[object] = []
    for c in columns:
        if c.key in given:
            values.append(given[c.key])
            continue
        spec = COLUMNS[c.key]
        value = row[spec.source or c.key]
        if spec.shown.startswith("vocab:"):
            value = vocab_label(ctx, spec.shown.removeprefix("vocab:"), value)
        elif spec.shown == "time":
            value = when(value, ctx.settings.timezone)
        elif spec.shown == "flag":
            value = ctx.t("report.yes") if value else ""
        elif spec.shown == "yes_no":
            value = yes_no(ctx, value)
        values.append(value)
    return values
