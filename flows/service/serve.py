"""Running minyi as a service: a local Prefect server, the scheduled deployments, and status.

``minyi serve`` starts ``prefect server start`` bound to 127.0.0.1 (unless PREFECT_API_URL
points at a server already), waits for it to answer, then serves ``semiannual-run`` on its
cron schedule and ``ingest-inbox`` on its interval until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from types import FrameType
from typing import Any
from uuid import UUID

from prefect.automations import AutomationCore
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterId,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.deployments.runner import RunnerDeployment
from prefect.events.actions import ChangeFlowRunState
from prefect.events.schemas.automations import EventTrigger, Posture
from prefect.events.schemas.events import ResourceSpecification
from prefect.exceptions import TerminationSignal
from prefect.runner import Runner
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.states import Crashed

from flows.messages import both, msg
from flows.service.schedules import (
    deployment_ids,
    deployment_name,
    inbox_schedule,
    semiannual_schedule,
)
from flows.service.server import Say, ServeError, prefect_api, state_file
from flows.settings import Settings

# Flow runs send a heartbeat this often; after CRASH_AFTER without one the server marks
# the run Crashed (Prefect's "zombie flow" automation; the server has no such rule built in).
HEARTBEAT_SECONDS = 30


CRASH_AFTER = timedelta(seconds=120)


ZOMBIE_AUTOMATION = "minyi: crash runs whose heartbeat stopped"


_LIVE_STATES = [StateType.RUNNING, StateType.PENDING, StateType.CANCELLING]


@contextmanager
def serve_lock(settings: Settings) -> Iterator[None]:
    """Allow one ``minyi serve`` per MINYI_HOME."""
    settings.home.mkdir(parents=True, exist_ok=True)
    with (settings.home / ".serve.lock").open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ServeError(both("serve_already_running", home=settings.home)) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt so cleanup runs (Prefect's runner replaces it later)."""

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def announced(settings: Settings, api_url: str) -> Iterator[None]:
    """Write the API address for ``minyi status`` while serving; remove it afterwards."""
    path = state_file(settings)
    path.write_text(json.dumps({"api_url": api_url, "pid": os.getpid()}), encoding="utf-8")
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def build_deployments(settings: Settings, name: str) -> list[RunnerDeployment]:
    """The two deployments, pinned to this MINYI_HOME and unpaused when applied."""
    from flows.flows import ingest_inbox, semiannual_run
    from flows.service.dask import with_task_runner

    home = {"home": str(settings.home)}
    semiannual = with_task_runner(semiannual_run, settings)
    inbox = with_task_runner(ingest_inbox, settings)
    return [
        _deployment(semiannual, name, semiannual_schedule(settings), home),
        _deployment(inbox, name, inbox_schedule(settings), home),
    ]


def _deployment(
    flow: Any, name: str, schedule: Any, parameters: dict[str, Any]
) -> RunnerDeployment:
    # paused=False: serve pauses its deployments on stop; applying them again resumes them.
    deployment = flow.to_deployment(name, schedule=schedule, parameters=parameters, paused=False)
    assert isinstance(deployment, RunnerDeployment)
    return deployment


def crash_orphaned_runs(client: SyncPrefectClient, ids: list[UUID]) -> int:
    """Mark runs of these deployments still Running/Pending as Crashed; returns how many.

    Only this process executes them, so at start-up any such run lost its process.
    """
    if not ids:
        return 0
    runs = client.read_flow_runs(
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=ids)),
        flow_run_filter=FlowRunFilter(
            state=FlowRunFilterState(type=FlowRunFilterStateType(any_=_LIVE_STATES))
        ),
    )
    for run in runs:
        client.set_flow_run_state(run.id, Crashed(message=both("serve_orphan_crashed")), force=True)
    return len(runs)


def zombie_automation() -> AutomationCore:
    """Prefect's documented rule: a deployment run whose heartbeat stops is marked Crashed."""
    return AutomationCore(
        name=ZOMBIE_AUTOMATION,
        trigger=EventTrigger(
            after={"prefect.flow-run.heartbeat"},
            expect={
                "prefect.flow-run.heartbeat",
                "prefect.flow-run.Completed",
                "prefect.flow-run.Failed",
                "prefect.flow-run.Cancelled",
                "prefect.flow-run.Crashed",
            },
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=CRASH_AFTER,
        ),
        actions=[
            ChangeFlowRunState(
                name="Crashed",
                state=StateType.CRASHED,
                message=both("serve_zombie_crashed"),
                force=False,
            )
        ],
    )


def ensure_zombie_automation(client: SyncPrefectClient) -> None:
    """Create the crash-on-silence automation once per server."""
    if not client.read_automations_by_name(ZOMBIE_AUTOMATION):
        client.create_automation(zombie_automation())


def serve(settings: Settings, port: int | None = None, say: Say = print) -> None:
    """Start (or reuse) the Prefect server and serve both deployments until stopped."""
    name = deployment_name()
    with sigterm_as_interrupt(), serve_lock(settings), prefect_api(settings, port, say) as url:
        os.environ["PREFECT_API_URL"] = url
        with temporary_settings(updates={PREFECT_API_URL: url}), announced(settings, url):
            with get_client(sync_client=True) as client:
                crashed = crash_orphaned_runs(client, list(deployment_ids(client, name)))
                ensure_zombie_automation(client)
            if crashed:
                say(msg("serve_crashed_runs", settings.lang, count=crashed))
            run_deployments(settings, build_deployments(settings, name), say)
        say(msg("serve_stopping", settings.lang))
    say(msg("serve_stopped", settings.lang))


def run_deployments(settings: Settings, deployments: list[RunnerDeployment], say: Say) -> None:
    """Register the deployments (unpaused), then run their scheduled work until interrupted.

    What ``prefect.serve`` does, with the ready message printed once the deployments exist.
    """
    runner = Runner(pause_on_shutdown=True, heartbeat_seconds=HEARTBEAT_SECONDS)
    for deployment in deployments:
        runner.add_deployment(deployment)
    say(
        msg(
            "serve_ready",
            settings.lang,
            cron=settings.semiannual_cron,
            tz=settings.timezone,
            minutes=settings.inbox_interval_minutes,
        )
    )
    with suppress(KeyboardInterrupt, TerminationSignal):
        asyncio.run(runner.start())
