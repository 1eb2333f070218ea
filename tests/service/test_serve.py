"""minyi serve and status: ports, schedules, stopping cleanly, status without a server, the unit."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from flows.service import schedules, serve, server, status
from flows.settings import Settings
from tests.helpers import evaluation, write_csv
from tests.warehouse_fixtures import insert_rows, make_warehouse

REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "deploy" / "minyi.service"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("given", "env", "expected"),
    [(5123, None, 5123), (None, "5124", 5124), (None, None, server.DEFAULT_PORT)],
    ids=["option", "environment", "default"],
)
def test_chosen_port(
    monkeypatch: pytest.MonkeyPatch, given: int | None, env: str | None, expected: int
) -> None:
    monkeypatch.delenv("MINYI_PREFECT_PORT", raising=False)
    if env:
        monkeypatch.setenv("MINYI_PREFECT_PORT", env)
    assert server.chosen_port(given) == expected


def test_port_zero_picks_a_free_port() -> None:
    port = server.chosen_port(0)
    assert port > 0
    assert not server.port_in_use(port)


def test_server_binds_to_localhost_only() -> None:
    command = server.server_command(4321)
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert command[command.index("--port") + 1] == "4321"


def test_deployments_schedule_in_office_time(settings: Settings) -> None:
    deployments = serve.build_deployments(settings, "minyi")

    by_flow = {d.flow_name: d for d in deployments}
    assert set(by_flow) == set(schedules.FLOW_NAMES)
    semiannual = by_flow["semiannual-run"]
    assert semiannual.paused is False
    assert semiannual.parameters == {"home": str(settings.home)}
    [cron] = semiannual.schedules or []
    assert cron.schedule.cron == "0 6 5 1,7 *"
    assert cron.schedule.timezone == "Asia/Shanghai"
    [interval] = by_flow["ingest-inbox"].schedules or []
    assert interval.schedule.interval.total_seconds() == 15 * 60


def test_zombie_rule_crashes_silent_runs() -> None:
    automation = serve.zombie_automation()
    trigger = automation.trigger
    assert trigger.posture == "Proactive"
    assert trigger.within.total_seconds() > 3 * serve.HEARTBEAT_SECONDS
    assert automation.actions[0].type == "change-flow-run-state"


def test_local_time_is_shanghai() -> None:
    assert status.local_time(datetime(2026, 1, 4, 22, 0, tzinfo=UTC), "Asia/Shanghai") == (
        "2026-01-05 06:00"
    )
    assert status.local_time(None, "Asia/Shanghai") == "-"


def test_server_dies_with_a_killed_serve(home: Path, tmp_path: Path) -> None:
    script = (
        "import sys, time\n"
        "from flows.service import server\n"
        "from flows.settings import load_settings\n"
        "server.server_command = lambda port: ['sleep', '60']\n"
        "print(server.start_server(load_settings(), 0).pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=REPO, env=env
    )
    assert parent.stdout is not None
    server = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    _wait_for(lambda: not _alive(server), 10, "the server to follow its parent")


def test_stop_server_ends_its_whole_group() -> None:
    process = subprocess.Popen(
        ["sh", "-c", "sleep 60 & echo $!; wait"],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    child = int(process.stdout.readline())
    server.stop_server(process, grace_seconds=5)
    assert process.poll() is not None
    time.sleep(0.2)
    assert not _alive(child)


def test_status_without_a_server(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    con = make_warehouse(settings.home)
    started = datetime(2026, 7, 4, 22, 0, tzinfo=UTC)
    insert_rows(
        con,
        "meta.runs",
        [{"run_id": "r1", "started_at": started, "status": "completed", "rows_loaded": 12}],
    )
    con.close()
    write_csv(settings.inbox_dir / "forms.csv", "evaluations", [evaluation()])
    (settings.inbox_dir / "~$forms.xlsx").write_text("lock")
    port = server.free_port()

    found = status.service_status(settings, port)
    lines = status.status_lines(found, settings)

    assert not found.server_up
    assert found.api_url == f"http://127.0.0.1:{port}/api"
    assert found.warehouse_runs is not None and found.warehouse_runs[0]["run_id"] == "r1"
    text = "\n".join(lines)
    assert f"127.0.0.1:{port}" in text
    assert "2026-07-05 06:00" in text
    assert "~$forms.xlsx" in text


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_unit_verifies(tmp_path: Path) -> None:
    minyi = Path(sys.executable).parent / "minyi"
    unit = tmp_path / "minyi.service"
    unit.write_text(
        UNIT.read_text(encoding="utf-8").replace("/opt/minyi/.venv/bin/minyi", str(minyi)),
        encoding="utf-8",
    )
    checked = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stderr
    assert "minyi.service" not in checked.stderr, checked.stderr


def test_systemd_unit_runs_serve_as_its_own_user() -> None:
    text = UNIT.read_text(encoding="utf-8")
    assert "ExecStart=/opt/minyi/.venv/bin/minyi serve" in text
    assert "User=minyi" in text
    assert "Restart=on-failure" in text
    assert "Environment=MINYI_HOME=" in text
    assert "KillMode=mixed" in text


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in _proc_state(pid)


def _proc_state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return ""


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if text in command and _alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def _wait_for(predicate: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def served(home: Path, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    """``minyi serve`` on a free port with its own MINYI_HOME and PREFECT_HOME."""
    port = server.free_port()
    log = tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(
        MINYI_HOME=str(home),
        PREFECT_HOME=str(tmp_path / "prefect"),
        MINYI_PREFECT_PORT=str(port),
        MINYI_LANG="en",
        PYTHONUNBUFFERED="1",
    )
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "minyi"), "serve"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        _wait_for(
            lambda: "Press Ctrl-C" in log.read_text(errors="replace") or process.poll() is not None,
            150,
            "minyi serve to start",
        )
        assert process.poll() is None, log.read_text(errors="replace")
        yield process, server.local_api_url(port), log
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.mark.slow
def test_serve_runs_deployments_and_stops_cleanly(
    served: tuple[subprocess.Popen[bytes], str, Path], home: Path
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from prefect.states import Running

    process, api_url, log = served
    write_csv(home / "inbox" / "forms.csv", "evaluations", [evaluation()])
    os.utime(home / "inbox" / "forms.csv", (time.time() - 60, time.time() - 60))
    with (
        temporary_settings(updates={PREFECT_API_URL: api_url}),
        get_client(sync_client=True) as client,
    ):
        inbox = client.read_deployment_by_name("ingest-inbox/minyi")
        run = client.create_flow_run_from_deployment(inbox.id)
        _wait_for(
            lambda: (s := client.read_flow_run(run.id).state) is not None and s.is_final(),
            90,
            "the ingest-inbox run to finish",
        )
        assert client.read_flow_run(run.id).state_name == "Completed"

        semiannual = client.read_deployment_by_name("semiannual-run/minyi")
        assert not semiannual.paused
        _wait_for(
            lambda: all(d.next_runs for d in status.read_deployments(client, "minyi")),
            30,
            "scheduled runs",
        )
        upcoming = status.read_deployments(client, "minyi")
        first = next(d for d in upcoming if d.name.startswith("semiannual")).next_runs[0]
        local = first.astimezone(SHANGHAI)
        assert (local.month, local.day, local.hour, local.minute) in {(1, 5, 6, 0), (7, 5, 6, 0)}

        orphan = client.create_flow_run_from_deployment(semiannual.id, state=Running())
        assert serve.crash_orphaned_runs(client, [semiannual.id]) == 1
        assert client.read_flow_run(orphan.id).state_name == "Crashed"

    assert (home / "warehouse.duckdb").exists()
    assert not (home / "inbox" / "forms.csv").exists()

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0, log.read_text(errors="replace")
    assert "Stopped" in log.read_text(errors="replace")
    port = api_url.split(":")[-1].split("/")[0]
    assert not server.port_in_use(int(port))
    assert _processes_mentioning(f"--port {port}") == []
    assert not (home / ".serve.json").exists()
