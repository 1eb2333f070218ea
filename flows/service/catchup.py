"""Runs that do not get lost: at start-up, serve makes a missed half-year's reports at once.

Serve may have been down at 06:00 on 5 January or July, or the office installed minyi after
it. When the last closed half-year has no report yet, serve starts ``semiannual-run`` now
(unless one is already waiting or running) and names the period in its log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterId,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.exceptions import ObjectNotFound

from flows.messages import msg
from flows.periods import Period, last_closed_period
from flows.settings import Settings

_WAITING = [StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING]


def reports_missing(settings: Settings, period: Period) -> bool:
    """True when no semiannual report of ``period`` exists in the home."""
    return not any((settings.reports_dir / str(period)).glob("report.*.html"))


def catch_up(
    client: Any,
    settings: Settings,
    name: str,
    say: Any,
    now: datetime | None = None,
) -> Period | None:
    """Start the semiannual run now when the last closed half-year has no reports; returns
    the period it was started for, None when nothing was missing or a run already waits."""
    period = last_closed_period(now, tz=settings.timezone)
    if not reports_missing(settings, period):
        return None
    try:
        deployment = client.read_deployment_by_name(f"semiannual-run/{name}")
    except ObjectNotFound:
        return None
    waiting = client.read_flow_runs(
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])),
        flow_run_filter=FlowRunFilter(
            state=FlowRunFilterState(type=FlowRunFilterStateType(any_=_WAITING))
        ),
    )
    now_utc = datetime.now().astimezone()
    if any(
        run.state_type != StateType.SCHEDULED
        or (run.expected_start_time is not None and run.expected_start_time <= now_utc)
        for run in waiting
    ):
        return None  # one is running, or due now: it makes the reports
    client.create_flow_run_from_deployment(deployment.id, tags=["catch-up"])
    say(msg("serve_catch_up", settings.lang, period=period))
    return period
