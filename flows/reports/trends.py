"""Trends: every headline metric over all loaded half-years up to the report's, per community
and for the subdistrict, one row per half-year × community × metric, with the change since
the half-year before in percentage points."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from markupsafe import Markup

from flows.reports.cells import SUPPRESSED, Rate, Table
from flows.reports.charts import axis_low, trend_chart
from flows.reports.columns import cols
from flows.reports.context import Context, all_label, suppression_notes
from flows.reports.statistics import suppressed_cells

# Metrics in the order the table lists them (completeness per source after these).
METRICS = ("satisfaction", "members", "units")


def _metric_rank(metric: str) -> tuple[int, str]:
    return (METRICS.index(metric), "") if metric in METRICS else (len(METRICS), metric)


def trend_rows(ctx: Context) -> list[dict[str, Any]]:
    """The trend rows of the warehouse; by subdistrict only those of the whole (a national
    registry would give a row per community and half-year)."""
    rows = ctx.query("trends", ctx.period, ctx.definition)
    if ctx.by_subdistrict:
        return [r for r in rows if r["community_id"] is None]
    return rows


def trends_by_metric_table(ctx: Context) -> Table:
    """The 趋势 / Trends table: each metric's value per half-year and community (and for the
    whole), its target and its change since the half-year before; a chart per metric for the
    whole subdistrict. Satisfaction cells under the cell size are hidden, as elsewhere."""
    rows = trend_rows(ctx)
    sizes = {
        (r["period"], r["community_id"]): int(r["responses"] or 0)
        for r in rows
        if r["metric"] == "satisfaction" and r["community_id"]
    }
    hidden = suppressed_cells(sizes, ctx.settings.min_cell_size, groups=(lambda k: k[0],))
    columns = cols(ctx, "period", "community", "metric", "value", "target", "change")
    previous: dict[tuple[str, str | None], float] = {}
    table: list[list[object]] = []
    ordered = sorted(
        rows,
        key=lambda r: (
            _metric_rank(r["metric"]),
            r["community_id"] is not None,
            str(r["community_name"] or ""),
            r["period"],
        ),
    )
    for r in ordered:
        key = (r["metric"], r["community_id"])
        small = r["metric"] == "satisfaction" and (r["period"], r["community_id"]) in hidden
        rate = float(r["rate"])
        before = previous.get(key)
        previous[key] = rate
        place = r["community_name"] if r["community_id"] else all_label(ctx)
        label = _metric_label(ctx, r["metric"])
        if small:
            table.append([ctx.period_name(r["period"]), place, label, *[SUPPRESSED] * 3])
            previous.pop(key)
            continue
        target = None if r["target"] is None else float(r["target"])
        table.append(
            [
                ctx.period_name(r["period"]),
                place,
                label,
                rate if target is None else Rate(rate, target),
                target,
                None if before is None else rate - before,
            ]
        )
    return Table(
        "trend_rows",
        ctx.t("report.section.trend_rows"),
        columns,
        table,
        intro=ctx.t("report.intro.trend_rows"),
        notes=suppression_notes(ctx, hidden),
        chart=_charts(ctx, rows),
    )


def _metric_label(ctx: Context, metric: str) -> str:
    if metric.startswith("completeness_"):
        source = ctx.t(f"report.source.{metric.removeprefix('completeness_')}")
        return ctx.t("report.metric.completeness", source=source)
    return ctx.t(f"report.metric.{metric}")


def _charts(ctx: Context, rows: list[dict[str, Any]]) -> Markup:
    """One small line chart per metric, for the whole subdistrict."""
    series: dict[str, list[tuple[str, float]]] = defaultdict(list)
    targets: dict[str, float] = {}
    for r in sorted(rows, key=lambda r: r["period"]):
        if r["community_id"] is None:
            series[r["metric"]].append((r["period"], float(r["rate"])))
            targets[r["metric"]] = float(r["target"]) if r["target"] is not None else 1.0
    charts = []
    for metric in sorted(series, key=_metric_rank):
        points = series[metric]
        target = targets[metric]
        low = axis_low((v for _p, v in points), target)
        named = [(ctx.period_name(p), v) for p, v in points]
        charts.append(trend_chart(_metric_label(ctx, metric), named, target, low))
    return Markup("").join(charts)
