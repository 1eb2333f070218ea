"""The server supervisor: restarts a silent or exited server with back-off, gives up bounded."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from flows.messages import msg
from flows.service import server
from flows.service.supervise import RestartPolicy, ServerSupervisor
from flows.settings import REPO_ROOT, Settings
from tests.processes import alive, wait_for

FAST = RestartPolicy(
    check_seconds=0.01, misses=2, attempts=3, backoff_seconds=0.01, ready_seconds=0.05
)


class FakeServer:
    """A server process that answers or not, and that may exit."""

    started = 0

    def __init__(self, healthy: bool = True) -> None:
        FakeServer.started += 1
        self.number = FakeServer.started
        self.healthy = healthy
        self.exit_code: int | None = None
        self.stopped = False

    def poll(self) -> int | None:
        return self.exit_code


class Harness:
    """A supervisor of fake servers; ``next_healthy`` decides how each restart comes up."""

    def __init__(self, first: FakeServer, next_healthy: list[bool]) -> None:
        self.next_healthy = next_healthy
        self.said: list[str] = []
        self.gave_up = threading.Event()
        self.supervisor = ServerSupervisor(
            first,
            start=self.start,
            stop=self.stop,
            healthy=lambda: self.supervisor.process.healthy,
            say=self.said.append,
            give_up=self.gave_up.set,
            policy=FAST,
            lang="en",
        )

    def start(self) -> FakeServer:
        return FakeServer(self.next_healthy.pop(0) if self.next_healthy else False)

    def stop(self, process: FakeServer) -> None:
        process.stopped = True
        process.healthy = False


def test_a_healthy_server_is_left_alone() -> None:
    first = FakeServer()
    harness = Harness(first, [])
    for _ in range(10):
        assert harness.supervisor.check()
    assert harness.supervisor.process is first
    assert harness.said == []


def test_a_silent_server_is_restarted_after_the_allowed_misses() -> None:
    first = FakeServer()
    harness = Harness(first, [True])
    first.healthy = False
    assert harness.supervisor.check()  # one miss is allowed (a busy server)
    assert harness.supervisor.process is first
    assert harness.supervisor.check()
    replacement = harness.supervisor.process
    assert replacement is not first and replacement.healthy
    assert first.stopped
    assert harness.supervisor.restarts == 1
    assert harness.said == [
        msg("serve_server_silent", "en"),
        msg("serve_server_restarting", "en", attempt=1, attempts=3, seconds=0.01),
        msg("serve_server_restarted", "en", attempt=1),
    ]


def test_an_exited_server_is_restarted_at_once_and_tries_are_logged() -> None:
    first = FakeServer()
    harness = Harness(first, [False, True])
    first.exit_code = 1
    assert harness.supervisor.check()
    assert harness.supervisor.process.healthy
    restarting = [line for line in harness.said if line.startswith("Restarting")]
    assert len(restarting) == 2
    assert harness.said[0] == msg("serve_server_exited", "en")


def test_back_off_doubles_up_to_its_bound() -> None:
    policy = RestartPolicy(backoff_seconds=5, max_backoff_seconds=30)
    assert [policy.delay(n) for n in range(1, 6)] == [5, 10, 20, 30, 30]


def test_a_server_that_cannot_be_restarted_ends_the_watch() -> None:
    first = FakeServer()
    harness = Harness(first, [False, False, False])
    first.exit_code = -9
    harness.supervisor.start()
    assert harness.gave_up.wait(5)
    assert harness.supervisor.gave_up
    assert sum(line.startswith("Restarting") for line in harness.said) == FAST.attempts
    assert harness.said[-1] == msg("serve_server_gave_up", "en", attempts=3)
    harness.supervisor.close()


def test_closing_stops_the_watch_during_a_back_off() -> None:
    first = FakeServer()
    slow = RestartPolicy(check_seconds=0.01, misses=1, attempts=3, backoff_seconds=60)
    said: list[str] = []
    supervisor = ServerSupervisor(
        first,
        start=FakeServer,
        stop=lambda p: None,
        healthy=lambda: False,
        say=said.append,
        give_up=lambda: None,
        policy=slow,
        lang="en",
    )
    supervisor.start()
    wait_for(lambda: any(s.startswith("Restarting") for s in said), 5, "a restart to begin")
    assert supervisor.close() is first  # no new server is started once closing
    assert not supervisor.gave_up


HEALTH_SERVER = """
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
class Health(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == '/api/health' else 404)
        self.end_headers()
        self.wfile.write(b'true')
    def log_message(self, *args):
        pass
HTTPServer(('127.0.0.1', int(sys.argv[1])), Health).serve_forever()
"""


def test_a_killed_server_process_is_started_again_on_its_port(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real process standing in for Prefect's server: killed, it comes back on its port."""
    script = tmp_path / "health.py"
    script.write_text(HEALTH_SERVER, encoding="utf-8")
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr(
        server, "server_command", lambda port: [sys.executable, str(script), str(port)]
    )
    policy = RestartPolicy(check_seconds=0.1, misses=2, attempts=3, backoff_seconds=0.1)
    said: list[str] = []
    with server.prefect_api(settings, 0, said.append, policy=policy) as api:
        assert api.supervisor is not None
        first = api.supervisor.process
        first.kill()
        wait_for(lambda: api.supervisor is not None and api.supervisor.restarts == 1, 20, "restart")
        assert server.is_healthy(api.url)
        current = api.supervisor.process
        assert current.pid != first.pid
    wait_for(lambda: not alive(current.pid), 10, "the restarted server to be stopped")
    assert said[-1] == msg("serve_server_restarted", settings.lang, attempt=1)


def test_a_restarted_server_still_dies_with_a_killed_serve(tmp_path: Path) -> None:
    """The supervisor thread starts the replacement; kill -9 of serve must still end it."""
    script = tmp_path / "health.py"
    script.write_text(HEALTH_SERVER, encoding="utf-8")
    parent_code = (
        "import sys, time\n"
        "from flows.service import server\n"
        "from flows.service.supervise import RestartPolicy\n"
        "from flows.settings import load_settings\n"
        f"server.server_command = lambda port: [sys.executable, {str(script)!r}, str(port)]\n"
        "policy = RestartPolicy(check_seconds=0.1, misses=2, attempts=3, backoff_seconds=0.1)\n"
        "with server.prefect_api(load_settings(), 0, lambda m: None, policy=policy) as api:\n"
        "    api.supervisor.process.kill()\n"
        "    while api.supervisor.restarts == 0:\n"
        "        time.sleep(0.1)\n"
        "    print(api.supervisor.process.pid, flush=True)\n"
        "    time.sleep(60)\n"
    )
    env = {
        k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "MINYI_PREFECT_PORT")
    }
    env.update(PREFECT_HOME=str(tmp_path / "prefect"), PYTHONPATH=str(REPO_ROOT))
    parent = subprocess.Popen(
        [sys.executable, "-c", parent_code], stdout=subprocess.PIPE, text=True, env=env
    )
    assert parent.stdout is not None
    replacement = int(parent.stdout.readline())
    assert alive(replacement)
    parent.kill()
    parent.wait()
    wait_for(lambda: not alive(replacement), 10, "the restarted server to follow serve")
