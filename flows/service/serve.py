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
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from types import FrameType
from typing import Any
from uuid import UUID

import anyio
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
from flows.service.catchup import catch_up
from flows.service.schedules import (
    deployment_ids,
    deployment_name,
    inbox_schedule,
    semiannual_schedule,
)
from flows.service.server import (
    PrefectApi,
    Say,
    ServeError,
    is_healthy,
    prefect_api,
    state_file,
    stop_server,
    ui_url,
    wait_until_healthy,
)
from flows.service.supervise import ServerSupervisor
from flows.settings import Settings

# Flow runs send a heartbeat this often; after CRASH_AFTER without one the server marks
# the run Crashed (Prefect's "zombie flow" automation; the server has no such rule built in).
HEARTBEAT_SECONDS = 30


CRASH_AFTER = timedelta(seconds=120)


# Once stopping, serve pauses its deployments within PAUSE_SECONDS (only while the server
# answers) and is gone within STOP_SECONDS whatever hangs.
PAUSE_SECONDS = 5.0


STOP_SECONDS = 25.0


# A runner that fails because the server went away is started again this many times in all,
# each once the server answers (the supervisor restarts it) within RUNNER_WAIT_SECONDS.
RUNNER_ATTEMPTS = 5


RUNNER_WAIT_SECONDS = 600.0


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
def stop_signals(deadline: StopDeadline) -> Iterator[None]:
    """SIGTERM and SIGINT start the stop deadline, then interrupt as Ctrl-C does so that
    cleanup runs (Prefect's runner later installs its own SIGTERM handler; ours arms too)."""

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        deadline.arm()
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def announced(settings: Settings, api: PrefectApi) -> Iterator[None]:
    """Write the API address for ``minyi status`` while serving; remove it afterwards."""
    path = state_file(settings)
    noted = {"api_url": api.url, "pid": os.getpid()}
    if api.supervisor is not None:  # our own server: its UI (when on) and port
        noted["ui_url"] = ui_url(api.url) if settings.prefect_ui else None
    path.write_text(json.dumps(noted), encoding="utf-8")
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
    """Start (or reuse) the Prefect server and serve both deployments until stopped.

    Raises ServeError when the local server died and could not be restarted (serve then
    exits non-zero, and systemd starts it again).
    """
    name = deployment_name()
    deadline = StopDeadline(settings, say)
    try:
        with (
            stop_signals(deadline),
            serve_lock(settings),
            prefect_api(settings, port, say, give_up=_stop_this_process) as api,
        ):
            deadline.server, deadline.api_url = api.supervisor, api.url
            os.environ["PREFECT_API_URL"] = api.url
            os.environ["PREFECT_UI_URL"] = ui_url(api.url)  # links in run logs
            if api.supervisor is not None and settings.prefect_ui:
                say(msg("serve_ui_at", settings.lang, url=ui_url(api.url)))
            with temporary_settings(updates={PREFECT_API_URL: api.url}), announced(settings, api):
                with get_client(sync_client=True) as client:
                    crashed = crash_orphaned_runs(client, list(deployment_ids(client, name)))
                    ensure_zombie_automation(client)
                if crashed:
                    say(msg("serve_crashed_runs", settings.lang, count=crashed))
                keep_serving(settings, build_deployments(settings, name), say, api, deadline)
            deadline.arm()
            say(msg("serve_stopping", settings.lang))
    except KeyboardInterrupt:
        deadline.arm()  # stopped while starting up: the server (if any) is stopped above
    finally:
        deadline.disarm()
    supervisor = deadline.server
    if supervisor is not None and supervisor.gave_up:
        raise ServeError(both("serve_server_gave_up", attempts=supervisor.policy.attempts))
    say(msg("serve_stopped", settings.lang))


def _stop_this_process() -> None:
    """Stop serve as SIGTERM would (the runner shuts down; serve then exits non-zero)."""
    os.kill(os.getpid(), signal.SIGTERM)


class StopDeadline:
    """Once serve begins to stop, it has STOP_SECONDS; past that the server it started is
    killed and serve exits 0 at once, whatever hangs (a dead server's API, a stuck run)."""

    def __init__(self, settings: Settings, say: Say) -> None:
        self.server: ServerSupervisor[subprocess.Popen[bytes]] | None = None
        self.api_url = ""
        self._settings, self._say = settings, say
        self._timer: threading.Timer | None = None

    def arm(self) -> None:
        """Start counting (once); a local server that does not answer is killed now, so that
        what stops fails fast instead of waiting on it (a frozen server accepts connections
        and never replies)."""
        if self._timer is not None:
            return
        self._timer = threading.Timer(STOP_SECONDS, self._expire)
        self._timer.daemon = True
        self._timer.start()
        if self.server is not None and not is_healthy(self.api_url, timeout=2.0):
            stop_server(self.server.close(), grace_seconds=0.5)

    @property
    def armed(self) -> bool:
        """True once serve has begun to stop."""
        return self._timer is not None

    def disarm(self) -> None:
        """Serve stopped in time."""
        if self._timer is not None:
            self._timer.cancel()

    def _expire(self) -> None:
        self._say(msg("serve_stop_forced", self._settings.lang, seconds=STOP_SECONDS))
        if self.server is not None:
            with suppress(ProcessLookupError):
                os.killpg(self.server.process.pid, signal.SIGKILL)
        state_file(self._settings).unlink(missing_ok=True)
        os._exit(0)


class ServeRunner(Runner):
    """Prefect's runner, stopping within seconds whatever state the server is in: it pauses
    the deployments on the way out only while the server answers, and within PAUSE_SECONDS."""

    def __init__(self, api_url: str, deadline: StopDeadline, **kwargs: Any) -> None:
        super().__init__(pause_on_shutdown=False, **kwargs)
        self._api_url, self._deadline = api_url, deadline

    def handle_sigterm(self, *args: Any, **kwargs: Any) -> None:
        """Start the stop deadline, then stop as Prefect does."""
        self._deadline.arm()
        super().handle_sigterm(*args, **kwargs)

    async def __aexit__(self, *exc_info: Any) -> None:
        # Not arming the deadline here: a runner that fails with its server is started again.
        if is_healthy(self._api_url, timeout=2.0):
            with anyio.move_on_after(PAUSE_SECONDS), suppress(Exception):
                await self._pause_schedules()
        await super().__aexit__(*exc_info)


def keep_serving(
    settings: Settings,
    deployments: list[RunnerDeployment],
    say: Say,
    api: PrefectApi,
    deadline: StopDeadline,
) -> None:
    """Run the deployments until stopped; when the runner fails because the server went away
    under it, wait for the server to answer again and start a new runner (bounded)."""
    for attempt in range(1, RUNNER_ATTEMPTS + 1):
        try:
            run_deployments(settings, deployments, say, api.url, deadline, attempt == 1)
            return
        except Exception as error:
            if deadline.armed or api.gave_up or attempt == RUNNER_ATTEMPTS:
                raise
            # The runner is gone, so SIGTERM is ours again (stop_signals') until the next one
            # starts: a stop, or the supervisor giving up, interrupts the wait below.
            signal.signal(signal.SIGTERM, signal.getsignal(signal.SIGINT))
            say(msg("serve_runner_failed", settings.lang, error=_first_line(error)))
            if not wait_until_healthy(api.url, None, RUNNER_WAIT_SECONDS):
                raise


def _first_line(error: BaseException) -> str:
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]  # what failed, not the task group that carried it
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def run_deployments(
    settings: Settings,
    deployments: list[RunnerDeployment],
    say: Say,
    api_url: str,
    deadline: StopDeadline,
    catch_up_missed: bool = True,
) -> None:
    """Register the deployments (unpaused), start a missed half-year's run (see
    flows.service.catchup), then run their scheduled work until interrupted.

    What ``prefect.serve`` does, with the ready message printed once the deployments exist.
    """
    runner = ServeRunner(api_url, deadline, heartbeat_seconds=HEARTBEAT_SECONDS)
    for deployment in deployments:
        runner.add_deployment(deployment)
    if catch_up_missed:
        with get_client(sync_client=True) as client:
            catch_up(client, settings, deployment_name(), say)
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
