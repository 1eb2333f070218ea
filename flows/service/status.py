"""``minyi status``: the server, the deployments and their next runs, recent runs, the inbox."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from flows.ingest.inbox import InboxSplit, inbox_backlog, safe_file_name
from flows.messages import msg
from flows.privacy import mask_personal_numbers
from flows.service.server import DEFAULT_PORT, chosen_port, is_healthy, local_api_url, state_file
from flows.settings import Settings
from flows.warehouse import Mode, WarehouseLocked, open_warehouse, sql
from flows.warehouse.snapshot import snapshot_time

if TYPE_CHECKING:
    from uuid import UUID

    from prefect.client.orchestration import SyncPrefectClient
    from prefect.client.schemas.objects import FlowRun

# Prefect (about 0.7 s to import) is imported only when a server answers: without one,
# status reads only the warehouse and the inbox.


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
    id: str = ""


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
    ui_url: str | None = None
    snapshot_at: datetime | None = None
    refused: int = 0


def status_api_url(settings: Settings, port: int | None) -> str:
    """Where to look for the server: PREFECT_API_URL, a running serve's note, or the port
    serve is told to use (``--port``, MINYI_PREFECT_PORT, 4200)."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    noted = serve_note(settings)
    if noted.get("api_url"):
        return str(noted["api_url"])
    return local_api_url(chosen_port(port) if port != 0 else DEFAULT_PORT)


def serve_note(settings: Settings) -> dict[str, Any]:
    """What a running ``minyi serve`` recorded (API and UI addresses, pid); {} when none."""
    try:
        noted = json.loads(state_file(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return noted if isinstance(noted, dict) else {}


def running_serve_api(settings: Settings) -> str | None:
    """The API of the Prefect server a running ``minyi serve`` of this home noted, if it
    answers; None otherwise (no serve, a stale note, a server that does not answer)."""
    api_url = serve_note(settings).get("api_url")
    if not isinstance(api_url, str) or not api_url:
        return None
    return api_url if is_healthy(api_url, timeout=1.0) else None


def refused_files(settings: Settings) -> int:
    """Files rejected whole (not a table, unreadable), kept in the quarantine folder."""
    folder = settings.quarantine_dir
    return sum(1 for p in folder.iterdir() if p.is_file()) if folder.is_dir() else 0


def read_deployments(client: SyncPrefectClient, name: str) -> list[DeploymentInfo]:
    """This office's deployments with their schedules and next three scheduled runs."""
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.exceptions import ObjectNotFound

    from flows.service.schedules import FLOW_NAMES

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
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    from flows.service.schedules import deployment_ids

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
        id=str(run.id),
    )


def read_warehouse_runs(
    settings: Settings, limit: int = 5
) -> tuple[list[dict[str, Any]] | None, str | None]:
    """The latest runs recorded in meta.runs, or a note saying why they cannot be read now."""
    if not settings.warehouse_path.exists():
        return None, msg("status_warehouse_missing", settings.lang)
    try:
        with open_warehouse(
            settings, Mode.SNAPSHOT, wait_seconds=5.0, notify=lambda _m: None
        ) as con:
            cursor = con.execute(sql("status/recent_runs"), [limit])
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()], None
    except WarehouseLocked:
        return None, msg("status_warehouse_busy", settings.lang)


def service_status(settings: Settings, port: int | None = None) -> ServiceStatus:
    """Collect the status; works without a server (then only warehouse runs and inbox)."""
    api_url = status_api_url(settings, port)
    server_up = is_healthy(api_url)
    deployments: list[DeploymentInfo] = []
    flow_runs: list[FlowRunInfo] = []
    if server_up:
        from prefect.client.orchestration import get_client
        from prefect.settings import PREFECT_API_URL, temporary_settings

        from flows.service.schedules import deployment_name

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
        ui_url=serve_note(settings).get("ui_url") if server_up else None,
        snapshot_at=snapshot_time(settings),
        refused=refused_files(settings),
    )


def status_json(status: ServiceStatus, settings: Settings) -> dict[str, Any]:
    """The status as one JSON-ready object (``minyi status --json``); times in ISO 8601 UTC."""

    def iso(moment: datetime | None) -> str | None:
        return None if moment is None else moment.astimezone(UTC).isoformat()

    return {
        "home": str(settings.home),
        "warehouse": {
            "path": str(settings.warehouse_path),
            "exists": settings.warehouse_path.exists(),
        },
        "snapshot": {
            "path": str(settings.snapshot_path),
            "refreshed": iso(status.snapshot_at),
        },
        "server": {"url": status.api_url, "up": status.server_up, "ui": status.ui_url},
        "deployments": [
            {
                "name": d.name,
                "next_run": iso(d.next_runs[0]) if d.next_runs else None,
                "paused": d.paused,
            }
            for d in status.deployments
        ],
        "runs": [
            {
                "id": r.id,
                "flow": r.flow,
                "state": r.state,
                "started": iso(r.started),
                "finished": iso(r.ended),
            }
            for r in status.flow_runs
        ],
        "inbox": {
            "waiting": len(status.backlog.settled),
            "refused": status.refused,
            "being_written": len(status.backlog.being_written),
        },
    }


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
        if status.ui_url:
            lines.append(msg("status_ui", lang, url=status.ui_url))
        lines.extend(_deployment_lines(status.deployments, lang, tz))
        lines.extend(_flow_run_lines(status.flow_runs, lang, tz))
    else:
        lines.append(msg("status_server_down", lang, url=status.api_url))
    lines.extend(_warehouse_lines(status, lang, tz))
    when = local_time(status.snapshot_at, tz) if status.snapshot_at else msg("status_none", lang)
    lines.append(msg("status_snapshot", lang, when=when, tz=tz))
    backlog = status.backlog
    lines.append(
        msg(
            "status_inbox",
            lang,
            waiting=len(backlog.settled),
            writing=len(backlog.being_written),
        )
    )
    inbox = settings.inbox_dir
    lines.extend(f"  … {_shown(p, inbox)}" for p in backlog.being_written)
    if backlog.refused:
        lines.append(msg("status_inbox_refused", lang, count=len(backlog.refused)))
        lines.extend(
            f"  ✗ {_shown(p, inbox)}  {rejection.reason(lang)}" for p, rejection in backlog.refused
        )
    if backlog.ignored:
        lines.append(msg("status_inbox_ignored", lang, count=len(backlog.ignored)))
        lines.extend(f"  ✗ {_shown(p, inbox)}" for p in backlog.ignored)
    if status.refused:
        lines.append(msg("status_refused", lang, count=status.refused))
    return lines


def _shown(path: Path, inbox: Path) -> str:
    """A file's path in the inbox as minyi prints it: each part cleaned (a leading dot kept,
    it is why a hidden file is ignored), phone and ID numbers masked."""
    parts = path.relative_to(inbox).parts if path.is_relative_to(inbox) else (path.name,)
    shown = "/".join("." * part.startswith(".") + safe_file_name(part) for part in parts)
    return mask_personal_numbers(shown)


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
