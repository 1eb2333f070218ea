"""Running minyi as a service: a local Prefect server, the scheduled deployments, and status.

``minyi serve`` starts ``prefect server start`` bound to 127.0.0.1 (unless PREFECT_API_URL
points at a server already), waits for it to answer, then serves ``semiannual-run`` on its
cron schedule and ``ingest-inbox`` on its interval until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import asyncio
import ctypes
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from prefect.automations import AutomationCore
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterId,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.client.schemas.sorting import FlowRunSort
from prefect.deployments.runner import RunnerDeployment
from prefect.events.actions import ChangeFlowRunState
from prefect.events.schemas.automations import EventTrigger, Posture
from prefect.events.schemas.events import ResourceSpecification
from prefect.exceptions import ObjectNotFound, TerminationSignal
from prefect.runner import Runner
from prefect.schedules import Cron, Interval
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.states import Crashed

from flows.ingest import InboxSplit, inbox_backlog
from flows.messages import both, msg
from flows.settings import Settings
from flows.warehouse import WarehouseLocked, connect, sql

DEFAULT_PORT = 4200
FLOW_NAMES = ("semiannual-run", "ingest-inbox")
# Flow runs send a heartbeat this often; after CRASH_AFTER without one the server marks
# the run Crashed (Prefect's "zombie flow" automation; the server has no such rule built in).
HEARTBEAT_SECONDS = 30
CRASH_AFTER = timedelta(seconds=120)
ZOMBIE_AUTOMATION = "minyi: crash runs whose heartbeat stopped"
SERVER_READY_SECONDS = 120.0
SERVER_STOP_SECONDS = 20.0
_PR_SET_PDEATHSIG = 1
_LIVE_STATES = [StateType.RUNNING, StateType.PENDING, StateType.CANCELLING]

Say = Callable[[str], None]


class ServeError(RuntimeError):
    """The service could not start (port taken, server not ready, already running)."""


@dataclass(frozen=True)
class DeploymentInfo:
    """One deployment as the Prefect server knows it."""

    name: str
    paused: bool
    schedules: list[str]
    next_runs: list[datetime]


@dataclass(frozen=True)
class FlowRunInfo:
    """One recent flow run of a minyi deployment."""

    flow: str
    name: str
    state: str
    started: datetime | None
    ended: datetime | None
    message: str | None


@dataclass(frozen=True)
class ServiceStatus:
    """What ``minyi status`` shows: server, deployments, recent runs, inbox backlog."""

    api_url: str
    server_up: bool
    deployments: list[DeploymentInfo]
    flow_runs: list[FlowRunInfo]
    warehouse_runs: list[dict[str, Any]] | None
    warehouse_note: str | None
    backlog: InboxSplit


def deployment_name() -> str:
    """The deployments' name: MINYI_DEPLOYMENT_NAME, unique per office on a shared server."""
    return os.environ.get("MINYI_DEPLOYMENT_NAME") or "minyi"


def chosen_port(port: int | None) -> int:
    """The server port: ``--port``, else MINYI_PREFECT_PORT, else 4200; 0 picks a free one."""
    if port is None:
        port = int(os.environ.get("MINYI_PREFECT_PORT") or DEFAULT_PORT)
    return port or free_port()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_in_use(port: int) -> bool:
    """True when something already listens on 127.0.0.1:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def local_api_url(port: int) -> str:
    """The API address of a local server on ``port``."""
    return f"http://127.0.0.1:{port}/api"


def is_healthy(api_url: str, timeout: float = 2.0) -> bool:
    """True when the Prefect API at ``api_url`` answers its health check."""
    try:
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/health", timeout=timeout) as reply:
            return bool(reply.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def server_command(port: int) -> list[str]:
    """The command that runs a Prefect server bound to 127.0.0.1 only."""
    return [
        sys.executable,
        "-m",
        "prefect",
        "server",
        "start",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--analytics-off",
    ]


def server_log_path(settings: Settings) -> Path:
    """Where the local server's output goes."""
    return Path(os.environ.get("PREFECT_HOME") or settings.prefect_home) / "server.log"


def start_server(settings: Settings, port: int) -> subprocess.Popen[bytes]:
    """Start the local Prefect server in its own process group, output to server.log."""
    log_path = server_log_path(settings)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    with log_path.open("ab") as log:
        return subprocess.Popen(
            server_command(port),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )


# Linux: the server gets SIGTERM if minyi dies without cleaning up (kill -9, OOM). Looked up
# here, not in the forked child, where only async-signal-safe work belongs.
_PRCTL = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None


def _die_with_parent() -> None:
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)


def wait_until_healthy(
    api_url: str, process: subprocess.Popen[bytes] | None, timeout_seconds: float
) -> bool:
    """Poll the health check until it answers, the server exits, or the time is up."""
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if is_healthy(api_url, timeout=1.0):
            return True
        if process is not None and process.poll() is not None:
            return False
        time.sleep(0.5)
    return False


def stop_server(
    process: subprocess.Popen[bytes], grace_seconds: float = SERVER_STOP_SECONDS
) -> None:
    """Stop the server and everything it started: SIGTERM to its group, SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    _signal_group(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        _signal_group(process.pid, signal.SIGKILL)
        process.wait(timeout=grace_seconds)


def _signal_group(pid: int, signum: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(pid, signum)


@contextmanager
def prefect_api(settings: Settings, port: int | None, say: Say) -> Iterator[str]:
    """The API to use: PREFECT_API_URL when set, else a local server started and stopped here."""
    existing = os.environ.get("PREFECT_API_URL")
    if existing:
        say(msg("serve_using_server", settings.lang, url=existing))
        if not wait_until_healthy(existing, None, 30.0):
            raise ServeError(both("serve_server_unreachable", url=existing))
        yield existing
        return
    chosen = chosen_port(port)
    if port_in_use(chosen):
        raise ServeError(both("serve_port_busy", port=chosen))
    say(msg("serve_starting_server", settings.lang, port=chosen))
    process = start_server(settings, chosen)
    try:
        api_url = local_api_url(chosen)
        if not wait_until_healthy(api_url, process, SERVER_READY_SECONDS):
            log = server_log_path(settings)
            raise ServeError(both("serve_server_failed", seconds=SERVER_READY_SECONDS, log=log))
        say(msg("serve_server_ready", settings.lang, url=api_url))
        yield api_url
    finally:
        stop_server(process)


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


def state_file(settings: Settings) -> Path:
    """Where a running ``minyi serve`` notes its API address for ``minyi status``."""
    return settings.home / ".serve.json"


@contextmanager
def announced(settings: Settings, api_url: str) -> Iterator[None]:
    """Write the API address for ``minyi status`` while serving; remove it afterwards."""
    path = state_file(settings)
    path.write_text(json.dumps({"api_url": api_url, "pid": os.getpid()}), encoding="utf-8")
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def semiannual_schedule(settings: Settings) -> Any:
    """Cron for the half-year run, in the office's time zone (Prefect's default is UTC)."""
    return Cron(settings.semiannual_cron, timezone=settings.timezone)


def inbox_schedule(settings: Settings) -> Any:
    """Interval for polling the inbox."""
    return Interval(timedelta(minutes=settings.inbox_interval_minutes), timezone=settings.timezone)


def build_deployments(settings: Settings, name: str) -> list[RunnerDeployment]:
    """The two deployments, pinned to this MINYI_HOME and unpaused when applied."""
    from flows.pipeline import ingest_inbox, semiannual_run, with_task_runner

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


def deployment_ids(client: SyncPrefectClient, name: str) -> dict[UUID, str]:
    """This office's deployments that the server already knows: id to 'flow/deployment'."""
    ids = {}
    for flow_name in FLOW_NAMES:
        try:
            ids[client.read_deployment_by_name(f"{flow_name}/{name}").id] = flow_name
        except ObjectNotFound:
            continue
    return ids


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


def status_api_url(settings: Settings, port: int | None) -> str:
    """Where to look for the server: PREFECT_API_URL, a running serve's note, or the port."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    try:
        noted = json.loads(state_file(settings).read_text(encoding="utf-8"))
        return str(noted["api_url"])
    except (OSError, ValueError, KeyError):
        return local_api_url(chosen_port(port) if port != 0 else DEFAULT_PORT)


def read_deployments(client: SyncPrefectClient, name: str) -> list[DeploymentInfo]:
    """This office's deployments with their schedules and next three scheduled runs."""
    infos = []
    for flow_name in FLOW_NAMES:
        try:
            deployment = client.read_deployment_by_name(f"{flow_name}/{name}")
        except ObjectNotFound:
            continue
        upcoming = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))
            ),
            sort=FlowRunSort.EXPECTED_START_TIME_ASC,
            limit=3,
        )
        infos.append(
            DeploymentInfo(
                name=f"{flow_name}/{name}",
                paused=bool(deployment.paused),
                schedules=[_describe_schedule(s.schedule) for s in deployment.schedules],
                next_runs=[r.expected_start_time for r in upcoming if r.expected_start_time],
            )
        )
    return infos


def _describe_schedule(schedule: Any) -> str:
    if getattr(schedule, "cron", None):
        return f"cron {schedule.cron} ({schedule.timezone or 'UTC'})"
    if getattr(schedule, "interval", None):
        return f"every {int(schedule.interval.total_seconds() // 60)} min"
    return str(schedule)


def read_recent_runs(client: SyncPrefectClient, name: str, limit: int = 5) -> list[FlowRunInfo]:
    """The latest started runs of this office's deployments, newest first."""
    ids = deployment_ids(client, name)
    if not ids:
        return []
    runs = client.read_flow_runs(
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=list(ids))),
        flow_run_filter=FlowRunFilter(
            state=FlowRunFilterState(type=FlowRunFilterStateType(not_any_=[StateType.SCHEDULED]))
        ),
        sort=FlowRunSort.EXPECTED_START_TIME_DESC,
        limit=limit,
    )
    return [_run_info(run, ids) for run in runs]


def _run_info(run: FlowRun, flows: dict[UUID, str]) -> FlowRunInfo:
    state = run.state
    return FlowRunInfo(
        flow=flows.get(run.deployment_id, "") if run.deployment_id else "",
        name=run.name,
        state=(state.name if state else None) or "?",
        started=run.start_time,
        ended=run.end_time,
        message=state.message if state else None,
    )


def read_warehouse_runs(
    settings: Settings, limit: int = 5
) -> tuple[list[dict[str, Any]] | None, str | None]:
    """The latest runs recorded in meta.runs, or a note saying why they cannot be read now."""
    if not settings.warehouse_path.exists():
        return None, msg("status_warehouse_missing", settings.lang)
    try:
        con = connect(
            settings.warehouse_path, read_only=True, timeout_seconds=5.0, notify=lambda _m: None
        )
    except WarehouseLocked:
        return None, msg("status_warehouse_busy", settings.lang)
    try:
        cursor = con.execute(sql("status/recent_runs"), [limit])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()], None
    finally:
        con.close()


def service_status(settings: Settings, port: int | None = None) -> ServiceStatus:
    """Collect the status; works without a server (then only warehouse runs and inbox)."""
    api_url = status_api_url(settings, port)
    server_up = is_healthy(api_url)
    deployments: list[DeploymentInfo] = []
    flow_runs: list[FlowRunInfo] = []
    if server_up:
        with (
            temporary_settings(updates={PREFECT_API_URL: api_url}),
            get_client(sync_client=True) as client,
        ):
            deployments = read_deployments(client, deployment_name())
            flow_runs = read_recent_runs(client, deployment_name())
    warehouse_runs, note = read_warehouse_runs(settings)
    return ServiceStatus(
        api_url=api_url,
        server_up=server_up,
        deployments=deployments,
        flow_runs=flow_runs,
        warehouse_runs=warehouse_runs,
        warehouse_note=note,
        backlog=inbox_backlog(settings),
    )


def local_time(moment: datetime | None, tz: str) -> str:
    """A moment as 'YYYY-MM-DD HH:MM' in the office's time zone; '-' when missing."""
    if moment is None:
        return "-"
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def status_lines(status: ServiceStatus, settings: Settings) -> list[str]:
    """The status as lines of text in the settings' language."""
    lang, tz = settings.lang, settings.timezone
    lines = []
    if status.server_up:
        lines.append(msg("status_server_up", lang, url=status.api_url))
        lines.extend(_deployment_lines(status.deployments, lang, tz))
        lines.extend(_flow_run_lines(status.flow_runs, lang, tz))
    else:
        lines.append(msg("status_server_down", lang, url=status.api_url))
    lines.extend(_warehouse_lines(status, lang, tz))
    backlog = status.backlog
    lines.append(
        msg(
            "status_inbox",
            lang,
            waiting=len(backlog.settled),
            writing=len(backlog.being_written),
        )
    )
    lines.extend(f"  … {p.name}" for p in backlog.being_written)
    return lines


def _deployment_lines(deployments: list[DeploymentInfo], lang: str, tz: str) -> list[str]:
    lines = [msg("status_deployments", lang, tz=tz)]
    if not deployments:
        lines.append("  " + msg("status_no_deployments", lang))
    for info in deployments:
        paused = msg("status_paused", lang) if info.paused else ""
        upcoming = ", ".join(local_time(t, tz) for t in info.next_runs)
        lines.append(
            f"  {info.name}  {'; '.join(info.schedules)}{paused}  "
            + msg("status_next", lang, when=upcoming or msg("status_none", lang))
        )
    return lines


def _flow_run_lines(runs: list[FlowRunInfo], lang: str, tz: str) -> list[str]:
    lines = [msg("status_flow_runs", lang, tz=tz)]
    if not runs:
        lines.append("  " + msg("status_none", lang))
    for run in runs:
        line = f"  {local_time(run.started, tz)}  {run.state:<10} {run.flow} ({run.name})"
        if run.state.lower() in ("crashed", "failed") and run.message:
            line += f"  {run.message[:120]}"
        lines.append(line)
    return lines


def _warehouse_lines(status: ServiceStatus, lang: str, tz: str) -> list[str]:
    lines = [msg("status_warehouse_runs", lang, tz=tz)]
    if status.warehouse_note:
        return [*lines, "  " + status.warehouse_note]
    if not status.warehouse_runs:
        return [*lines, "  " + msg("status_none", lang)]
    for row in status.warehouse_runs:
        lines.append(
            f"  {local_time(row['started_at'], tz)}  {row['status']:<10} "
            + msg(
                "status_run_counts",
                lang,
                period=row["period"] or "-",
                files=row["files_seen"],
                loaded=row["rows_loaded"],
                quarantined=row["rows_quarantined"],
            )
        )
    return lines
