"""Satisfaction sections: by community (or subdistrict), role, community × role, items, trends."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from markupsafe import Markup

from flows.datasets import RATING_ITEMS
from flows.reports.cells import (
    SUPPRESSED,
    Col,
    Rate,
    Table,
)
from flows.reports.charts import Point, axis_low, dot_interval_chart, trend_chart
from flows.reports.columns import col, cols
from flows.reports.context import (
    Context,
    all_label,
    as_communities,
    definition_name,
    query_rows,
    subdistrict_label,
    suppression_notes,
    vocab_label,
)
from flows.reports.statistics import change_test, positives, suppressed_cells
from flows.reports.targets import short_of_target, short_text

ROLE_ORDER = ("deputy", "cppcc_member", "resident_rep", "unit_rep")
# With more registered communities than settings.report_community_limit (5,000), the report
# shows subdistricts instead of every community and lists at most this many of those under
# target: a city of a few hundred subdistricts keeps every community, a national registry
# (115,000 communities) no longer makes a 450 MB page. Every community's figures stay in the
# warehouse (minyi export).
LISTED_COMMUNITIES = 200


def satisfaction_rows(ctx: Context, period: str) -> list[dict[str, Any]]:
    """Every community × role cell and rollup; only the rollups when showing subdistricts."""
    name = "satisfaction_rollups" if ctx.by_subdistrict else "satisfaction"
    return ctx.query(name, period, ctx.definition)


def cell_key(row: Mapping[str, Any]) -> tuple[str | None, str | None]:
    return (row["community_id"], row["role"])


def _rate_columns(ctx: Context, first: list[Col]) -> list[Col]:
    return [
        *first,
        col(ctx, "responses"),
        col(ctx, "satisfied"),
        col(ctx, "basically_satisfied"),
        col(ctx, "dissatisfied"),
        col(ctx, "rate"),
        col(ctx, "ci_low"),
        col(ctx, "ci_high"),
        col(ctx, "verdict"),
        col(ctx, "short_of_target"),
        col(ctx, "small_sample"),
        col(ctx, "rate_previous"),
        col(ctx, "change"),
        col(ctx, "p_value"),
        col(ctx, "change_test"),
    ]


# The short form of a satisfaction row: its rate with interval and verdict, no counts or change.
_VERDICT_COLUMNS = ("responses", "rate", "ci_low", "ci_high", "verdict", "small_sample")


def _verdict_cells(ctx: Context, row: Mapping[str, Any]) -> list[object]:
    """The figures of one satisfaction row under :data:`_VERDICT_COLUMNS`."""
    return [
        row["responses"],
        _rate(ctx, row),
        row["ci_low"],
        row["ci_high"],
        vocab_label(ctx, "verdict", row["verdict"]),
        ctx.t("report.yes") if row["small_sample"] else "",
    ]


def _rate_cells(
    ctx: Context, row: Mapping[str, Any], previous: Mapping[str, Any] | None
) -> list[object]:
    """The figures of one satisfaction row, with its change against the previous half-year."""
    test = None
    previous_rate: object = None
    if previous is not None:
        if previous["responses"] < ctx.settings.min_cell_size:
            previous_rate = SUPPRESSED
        else:
            previous_rate = previous["rate"]
            test = change_test(
                positives(row, ctx.definition),
                int(row["responses"]),
                positives(previous, ctx.definition),
                int(previous["responses"]),
            )
    return [
        row["responses"],
        row["satisfied"],
        row["basically_satisfied"],
        row["dissatisfied"],
        _rate(ctx, row),
        row["ci_low"],
        row["ci_high"],
        vocab_label(ctx, "verdict", row["verdict"]),
        _short(ctx, row),
        ctx.t("report.yes") if row["small_sample"] else "",
        previous_rate,
        test.change if test else None,
        test.p_value if test else None,
        None
        if test is None
        else ctx.t("report.significant" if test.significant else "report.not_significant"),
    ]


def _rate_table(
    ctx: Context,
    key: str,
    label_col: Col,
    rows: Sequence[tuple[str, Mapping[str, Any]]],
    previous: Mapping[tuple[str | None, str | None], Mapping[str, Any]],
    hidden: set[tuple[str | None, str | None]],
) -> Table:
    """A satisfaction table sorted by rate with its dot-and-interval chart."""
    shown = sorted(
        (item for item in rows if cell_key(item[1]) not in hidden),
        key=lambda item: (-float(item[1]["rate"]), item[0]),
    )
    table_rows: list[list[object]] = [
        [label, *_rate_cells(ctx, row, previous.get(cell_key(row)))] for label, row in shown
    ]
    width = len(_rate_columns(ctx, [label_col]))
    table_rows += [
        [label, *[SUPPRESSED] * (width - 1)]
        for label, row in sorted(rows, key=lambda item: item[0])
        if cell_key(row) in hidden
    ]
    points = [
        Point(
            label,
            float(r["rate"]),
            float(r["ci_low"]),
            float(r["ci_high"]),
            str(r["verdict"]),
            bool(r["small_sample"]),
        )
        for label, r in shown
    ]
    title = ctx.t(f"report.section.{key}")
    chart_title = f"{title} · {definition_name(ctx)}"
    return Table(
        key,
        title,
        _rate_columns(ctx, [label_col]),
        table_rows,
        intro=ctx.t(
            "report.intro.by_community",
            target=f"{ctx.settings.satisfaction_target:.0%}",
            min_responses=ctx.settings.min_responses,
        ),
        notes=suppression_notes(ctx, hidden),
        chart=dot_interval_chart(points, ctx.settings.satisfaction_target, chart_title, ctx.lang),
    )


def satisfaction_tables(ctx: Context) -> list[Table]:
    """Satisfaction by community, by role, and by community × role (small cells hidden)."""
    current = satisfaction_rows(ctx, ctx.period)
    previous = {cell_key(r): r for r in satisfaction_rows(ctx, ctx.previous)}
    minimum = ctx.settings.min_cell_size
    by_community = [
        (r["community_name"], r) for r in current if r["community_id"] and not r["role"]
    ]
    by_role = [
        (vocab_label(ctx, "role", r["role"]), r)
        for r in current
        if r["role"] and not r["community_id"]
    ]
    sizes = {cell_key(r): int(r["responses"]) for _label_text, r in by_community + by_role}
    hidden_communities = suppressed_cells({k: v for k, v in sizes.items() if k[1] is None}, minimum)
    hidden_roles = suppressed_cells({k: v for k, v in sizes.items() if k[0] is None}, minimum)
    role_table = _rate_table(ctx, "by_role", col(ctx, "role"), by_role, previous, hidden_roles)
    if ctx.by_subdistrict:
        return [_subdistrict_rate_table(ctx), _under_target_table(ctx), role_table]
    return [
        _rate_table(
            ctx,
            "by_community",
            col(ctx, "community"),
            by_community,
            previous,
            hidden_communities,
        ),
        role_table,
        _community_role_table(ctx, current, hidden_communities),
    ]


def _role_rank(role: object) -> int:
    return ROLE_ORDER.index(str(role)) if role in ROLE_ORDER else len(ROLE_ORDER)


def _community_role_table(
    ctx: Context, current: Sequence[Mapping[str, Any]], hidden_communities: set[Any]
) -> Table:
    """Community × role: the breakdown most likely to reveal one person, so hidden the most."""
    cells = sorted(
        (r for r in current if r["community_id"] and r["role"]),
        key=lambda r: (str(r["community_name"]), _role_rank(r["role"])),
    )
    sizes = {cell_key(r): int(r["responses"]) for r in cells}
    hidden = suppressed_cells(
        sizes, ctx.settings.min_cell_size, groups=(lambda k: k[0], lambda k: k[1])
    )
    hidden |= {k for k in sizes if (k[0], None) in hidden_communities}
    columns = cols(ctx, "community", "role", *_VERDICT_COLUMNS)
    rows: list[list[object]] = []
    for r in cells:
        label = [r["community_name"], vocab_label(ctx, "role", r["role"])]
        if cell_key(r) in hidden:
            rows.append([*label, *[SUPPRESSED] * len(_VERDICT_COLUMNS)])
            continue
        rows.append([*label, *_verdict_cells(ctx, r)])
    title = ctx.t("report.section.community_role")
    return Table("community_role", title, columns, rows, notes=suppression_notes(ctx, hidden))


def items_table(ctx: Context) -> Table:
    """Mean score of each rated item per community (or subdistrict); those under the cell size
    hidden."""
    if ctx.by_subdistrict:
        key, place = "items_by_subdistrict", "subdistrict"
        scores = as_communities(ctx, query_rows(ctx.con, "subdistrict_items", ctx.period))
    else:
        key, place = "items", "community"
        scores = query_rows(ctx.con, "item_scores", ctx.period)
    by_community: dict[str | None, dict[str, Any]] = defaultdict(dict)
    names: dict[str | None, str] = {}
    for s in scores:
        by_community[s["community_id"]][s["item"]] = s
        names[s["community_id"]] = s["community_name"] or all_label(ctx)
    sizes = {
        c: max(int(s["responses"]) for s in items.values())
        for c, items in by_community.items()
        if c is not None
    }
    hidden = suppressed_cells(sizes, ctx.settings.min_cell_size)
    columns = [
        col(ctx, place),
        col(ctx, "responses"),
        *[col(ctx, "item", ctx.t(f"report.item.{item}")) for item in RATING_ITEMS],
    ]
    order = sorted((c for c in by_community if c is not None), key=lambda c: names[c])
    rows: list[list[object]] = []
    for community in [*order, None] if None in by_community else order:
        items = by_community[community]
        label = names[community] if community else all_label(ctx)
        if community in hidden:
            rows.append([label, *[SUPPRESSED] * (len(columns) - 1)])
            continue
        means = [items[i]["mean"] if i in items else None for i in RATING_ITEMS]
        rows.append([label, max(int(s["responses"]) for s in items.values()), *means])
    return Table(
        key, ctx.t(f"report.section.{key}"), columns, rows, notes=suppression_notes(ctx, hidden)
    )


def trends_table(ctx: Context) -> Table:
    """Each community's (or subdistrict's) rate over every loaded half-year up to this one, with
    small charts (by subdistrict: one, of all communities)."""
    if ctx.by_subdistrict:
        section, place = "trends_by_subdistrict", "subdistrict"
        trend = query_rows(ctx.con, "subdistrict_trend", ctx.period, ctx.definition)
        rows = as_communities(ctx, trend)
    else:
        section, place = "trends", "community"
        rows = query_rows(ctx.con, "satisfaction_trend", ctx.period, ctx.definition)
    periods = sorted({str(r["period"]) for r in rows})
    sizes = {
        (r["period"], r["community_id"]): int(r["responses"]) for r in rows if r["community_id"]
    }
    hidden = suppressed_cells(sizes, ctx.settings.min_cell_size, groups=(lambda k: k[0],))
    series: dict[str | None, dict[str, object]] = defaultdict(dict)
    names: dict[str | None, str] = {None: all_label(ctx)}
    for r in rows:
        key = (r["period"], r["community_id"])
        series[r["community_id"]][r["period"]] = SUPPRESSED if key in hidden else r["rate"]
        if r["community_id"]:
            names[r["community_id"]] = r["community_name"]
    order = [*sorted((c for c in series if c), key=lambda c: names[c]), None]
    target = ctx.settings.satisfaction_target
    values = [v for s in series.values() for v in s.values() if isinstance(v, float)]
    low = axis_low(values, target)
    charts = [
        trend_chart(
            names[c],
            [
                (ctx.period_name(p), v if isinstance(v := series[c].get(p), float) else None)
                for p in periods
            ],
            target,
            low,
        )
        for c in order
        if c in series and (c is None or not ctx.by_subdistrict)
    ]
    return Table(
        section,
        ctx.t(f"report.section.{section}"),
        [col(ctx, place), *[col(ctx, "period_rate", ctx.period_name(p)) for p in periods]],
        [[names[c], *[series[c].get(p) for p in periods]] for c in order if c in series],
        intro=ctx.t(f"report.intro.{section}", definition=definition_name(ctx), low=f"{low:.0%}"),
        notes=suppression_notes(ctx, hidden),
        chart=Markup("").join(charts),
    )


def _subdistrict_rate_table(ctx: Context) -> Table:
    """Satisfaction per subdistrict, sorted by rate, with how many communities are below target."""
    minimum = ctx.settings.min_cell_size
    current = ctx.query("subdistrict_satisfaction", ctx.period, ctx.definition, minimum)
    previous = {
        r["subdistrict"]: r
        for r in ctx.query("subdistrict_satisfaction", ctx.previous, ctx.definition, minimum)
    }
    hidden = suppressed_cells({r["subdistrict"]: int(r["responses"]) for r in current}, minimum)
    columns = _rate_columns(
        ctx,
        [
            col(ctx, "subdistrict"),
            col(ctx, "communities"),
            col(ctx, "communities_below"),
        ],
    )
    shown = sorted(
        (r for r in current if r["subdistrict"] not in hidden),
        key=lambda r: (-float(r["rate"]), subdistrict_label(ctx, r)),
    )
    rows: list[list[object]] = [
        [
            subdistrict_label(ctx, r),
            r["communities"],
            r["communities_below"],
            *_rate_cells(ctx, r, previous.get(r["subdistrict"])),
        ]
        for r in shown
    ]
    rows += sorted(
        [subdistrict_label(ctx, r), *[SUPPRESSED] * (len(columns) - 1)]
        for r in current
        if r["subdistrict"] in hidden
    )
    return _target_table(
        ctx,
        "by_subdistrict",
        columns,
        rows,
        hidden,
        communities=f"{ctx.communities:,}",
        limit=f"{ctx.settings.report_community_limit:,}",
    )


def _under_target_table(ctx: Context) -> Table:
    """The communities under the satisfaction target, those below it first, at most
    LISTED_COMMUNITIES; small communities (and any that would give them away) left out."""
    minimum = ctx.settings.min_cell_size
    sizes = {
        (r["subdistrict"], r["community_id"]): int(r["responses"])
        for r in query_rows(ctx.con, "community_sizes", ctx.period, ctx.definition)
    }
    # A subdistrict's total is shown: one hidden community in it would be its total minus
    # the others, so the rule hides a second one there, as in every per-community table.
    hidden = suppressed_cells(sizes, minimum, groups=(lambda key: key[0],))
    listed = query_rows(
        ctx.con,
        "communities_under_target",
        ctx.period,
        ctx.definition,
        sorted(community for _subdistrict, community in hidden),
        LISTED_COMMUNITIES,
    )
    columns = cols(ctx, "subdistrict", "community", *_VERDICT_COLUMNS)
    rows: list[list[object]] = [
        [subdistrict_label(ctx, r), r["community_name"], *_verdict_cells(ctx, r)] for r in listed
    ]
    under = int(listed[0]["under_target"]) if listed else 0
    below = int(listed[0]["below_target"]) if listed else 0
    return _target_table(
        ctx,
        "under_target",
        columns,
        rows,
        hidden,
        under=f"{under:,}",
        below=f"{below:,}",
        listed=f"{len(rows):,}",
    )


def _target_table(
    ctx: Context,
    key: str,
    columns: list[Col],
    rows: list[list[object]],
    hidden: Iterable[object],
    **intro: str,
) -> Table:
    """Section ``key``'s table, its intro naming the satisfaction target, its suppression notes."""
    return Table(
        key,
        ctx.t(f"report.section.{key}"),
        columns,
        rows,
        intro=ctx.t(
            f"report.intro.{key}", **intro, target=f"{ctx.settings.satisfaction_target:.0%}"
        ),
        notes=suppression_notes(ctx, hidden),
    )


def _rate(ctx: Context, row: Mapping[str, Any]) -> Rate:
    """A row's satisfaction rate, shown so that it agrees with its verdict."""
    target = row.get("target")
    return Rate(float(row["rate"]), ctx.settings.satisfaction_target if target is None else target)


def _short(ctx: Context, row: Mapping[str, Any]) -> str:
    """More satisfied forms the row needs to reach the target, at the same number of forms."""
    rate = _rate(ctx, row)
    count = short_of_target(positives(row, ctx.definition), int(row["responses"]), rate.target)
    return short_text(ctx, "satisfaction", float(rate), rate.target, count)
