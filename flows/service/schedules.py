"""When the deployments run: the half-year cron and the inbox interval, in the office's time
zone, and the deployments' name."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient
from prefect.exceptions import ObjectNotFound
from prefect.schedules import Cron, Interval

from flows.settings import Settings

FLOW_NAMES = ("semiannual-run", "ingest-inbox")


def deployment_name() -> str:
    """The deployments' name: MINYI_DEPLOYMENT_NAME, unique per office on a shared server."""
    return os.environ.get("MINYI_DEPLOYMENT_NAME") or "minyi"


def semiannual_schedule(settings: Settings) -> Any:
    """Cron for the half-year run, in the office's time zone (Prefect's default is UTC)."""
    return Cron(settings.semiannual_cron, timezone=settings.timezone)


def inbox_schedule(settings: Settings) -> Any:
    """Interval for polling the inbox."""
    return Interval(timedelta(minutes=settings.inbox_interval_minutes), timezone=settings.timezone)


def deployment_ids(client: SyncPrefectClient, name: str) -> dict[UUID, str]:
    """This office's deployments that the server already knows: id to 'flow/deployment'."""
    ids = {}
    for flow_name in FLOW_NAMES:
        try:
            ids[client.read_deployment_by_name(f"{flow_name}/{name}").id] = flow_name
        except ObjectNotFound:
            continue
    return ids
