"""minyi serve: the deployments it builds, one serve per home, the unit, a served run end to end."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest

from flows.messages import both, msg
from flows.periods import last_closed_period
from flows.service import schedules, serve, server, status
from flows.service.server import ServeError
from flows.settings import Settings
from tests.helpers import evaluation, write_csv
from tests.processes import processes_mentioning, wait_for

if TYPE_CHECKING:
    from prefect.client.orchestration import SyncPrefectClient

REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "deploy" / "minyi.service"
SHANGHAI = ZoneInfo("Asia/Shanghai")


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


def test_one_serve_per_home(settings: Settings) -> None:
    with serve.serve_lock(settings):
        with pytest.raises(ServeError) as refused, serve.serve_lock(settings):
            pass
        assert str(refused.value) == both("serve_already_running", home=settings.home)
    with serve.serve_lock(settings):
        pass  # free again once the first has stopped


def test_a_serve_announces_its_address_while_it_runs(settings: Settings) -> None:
    note = settings.home / ".serve.json"
    with serve.announced(settings, server.PrefectApi("http://127.0.0.1:4321/api")):
        noted = json.loads(note.read_text(encoding="utf-8"))
        assert noted == {"api_url": "http://127.0.0.1:4321/api", "pid": os.getpid()}
        assert status.status_api_url(settings, None) == "http://127.0.0.1:4321/api"
    assert not note.exists()


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


@pytest.fixture
def served(home: Path, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    """``minyi serve`` on a free port with its own MINYI_HOME and PREFECT_HOME, with the last
    closed half-year's report present (no catch-up run: see test_catchup.py)."""
    last = last_closed_period(tz="Asia/Shanghai")
    (home / "reports" / str(last)).mkdir(parents=True)
    (home / "reports" / str(last) / "report.zh.html").write_text("<html></html>", "utf-8")
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
        wait_for(
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


def _ingest_a_dropped_form(
    client: SyncPrefectClient, home: Path, seconds: float, what: str
) -> None:
    """Drop a settled form in the inbox, run the served ingest-inbox deployment on it and wait
    (at most ``seconds``, for ``what``) until it has completed."""
    write_csv(home / "inbox" / "forms.csv", "evaluations", [evaluation()])
    os.utime(home / "inbox" / "forms.csv", (time.time() - 60, time.time() - 60))
    inbox = client.read_deployment_by_name("ingest-inbox/minyi")
    run = client.create_flow_run_from_deployment(inbox.id)
    wait_for(
        lambda: (s := client.read_flow_run(run.id).state) is not None and s.is_final(),
        seconds,
        what,
    )
    assert client.read_flow_run(run.id).state_name == "Completed"


def _run_by_hand_while_served(client: SyncPrefectClient, home: Path, tmp_path: Path) -> None:
    """``minyi run`` with a new form while serve runs: its flow run is on serve's server (its
    own PREFECT_HOME, empty, would have held a temporary server's), and it loads the form."""
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    def by_hand() -> list[Any]:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["semiannual-run"]))
        )
        return [r for r in runs if r.deployment_id is None]

    write_csv(home / "inbox" / "by-hand.csv", "evaluations", [evaluation(evaluator="测试丙")])
    os.utime(home / "inbox" / "by-hand.csv", (time.time() - 60, time.time() - 60))
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(MINYI_HOME=str(home), PREFECT_HOME=str(tmp_path / "by-hand"), MINYI_LANG="en")
    done = subprocess.run(
        [str(Path(sys.executable).parent / "minyi"), "run"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "uses the Prefect server of the running minyi serve" in done.stdout
    [run] = by_hand()
    assert run.state_name == "Completed"
    assert not (home / "inbox" / "by-hand.csv").exists()


@pytest.mark.slow
def test_serve_runs_deployments_and_stops_cleanly(
    served: tuple[subprocess.Popen[bytes], str, Path], home: Path, tmp_path: Path
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from prefect.states import Running

    process, api_url, log = served
    with (
        temporary_settings(updates={PREFECT_API_URL: api_url}),
        get_client(sync_client=True) as client,
    ):
        _ingest_a_dropped_form(client, home, 90, "the ingest-inbox run to finish")

        semiannual = client.read_deployment_by_name("semiannual-run/minyi")
        assert not semiannual.paused
        wait_for(
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

        _run_by_hand_while_served(client, home, tmp_path)

    assert (home / "warehouse.duckdb").exists()
    assert not (home / "inbox" / "forms.csv").exists()

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0, log.read_text(errors="replace")
    assert "Stopped" in log.read_text(errors="replace")
    port = api_url.split(":")[-1].split("/")[0]
    assert not server.port_in_use(int(port))
    assert processes_mentioning(f"--port {port}") == []
    assert not (home / ".serve.json").exists()


def test_sigterm_and_sigint_start_the_stop_deadline(settings: Settings) -> None:
    for signum in (signal.SIGTERM, signal.SIGINT):
        deadline = serve.StopDeadline(settings, print)
        with pytest.raises(KeyboardInterrupt), serve.stop_signals(deadline):
            os.kill(os.getpid(), signum)
            time.sleep(5)  # the signal interrupts this
        assert deadline.armed
        deadline.disarm()


def test_stopping_kills_a_local_server_that_does_not_answer(settings: Settings) -> None:
    process = subprocess.Popen(["sleep", "60"], start_new_session=True)
    supervisor = serve.ServerSupervisor(
        process,
        start=lambda: process,
        stop=lambda p: None,
        healthy=lambda: True,
        say=print,
        give_up=lambda: None,
    )
    deadline = serve.StopDeadline(settings, print)
    deadline.server, deadline.api_url = supervisor, server.local_api_url(server.free_port())
    deadline.arm()
    deadline.disarm()
    assert process.wait(timeout=10) != 0


def test_a_runner_that_fails_with_the_server_is_started_again(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def run_deployments(*_args: object) -> None:
        calls.append("run")
        if len(calls) == 1:
            raise RuntimeError("Runner failed to start: event_emitter\nmore detail")

    monkeypatch.setattr(serve, "run_deployments", run_deployments)
    monkeypatch.setattr(serve, "wait_until_healthy", lambda *_a: True)
    said: list[str] = []
    api = server.PrefectApi("http://127.0.0.1:1/api")
    serve.keep_serving(settings, [], said.append, api, serve.StopDeadline(settings, print))
    assert calls == ["run", "run"]
    assert said == [
        msg("serve_runner_failed", settings.lang, error="Runner failed to start: event_emitter")
    ]


def test_a_runner_failing_while_serve_stops_is_not_started_again(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def run_deployments(*_args: object) -> None:
        raise RuntimeError("server gone")

    monkeypatch.setattr(serve, "run_deployments", run_deployments)
    deadline = serve.StopDeadline(settings, print)
    deadline.arm()
    with pytest.raises(RuntimeError):
        serve.keep_serving(settings, [], print, server.PrefectApi("http://x/api"), deadline)
    deadline.disarm()


@pytest.mark.slow
def test_a_killed_server_is_restarted_and_polls_carry_on(
    served: tuple[subprocess.Popen[bytes], str, Path], home: Path
) -> None:
    import urllib.request

    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    process, api_url, log = served
    port = api_url.split(":")[-1].split("/")[0]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/ui-settings", timeout=10) as reply:
        assert json.load(reply)["api_url"] == api_url, "the UI talks to this server's port"

    [first] = processes_mentioning(f"--port {port}")[:1]
    os.killpg(os.getpgid(first), signal.SIGKILL)
    wait_for(
        lambda: "The Prefect server is back" in log.read_text(errors="replace"),
        240,
        "serve to restart its server",
    )
    with (
        temporary_settings(updates={PREFECT_API_URL: api_url}),
        get_client(sync_client=True) as client,
    ):
        _ingest_a_dropped_form(
            client, home, 180, "the ingest-inbox run after the restart to finish"
        )
    assert not (home / "inbox" / "forms.csv").exists(), "the dropped file was ingested"

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0, log.read_text(errors="replace")
    assert processes_mentioning(f"--port {port}") == []
