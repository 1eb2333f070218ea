"""The local Prefect server minyi serve starts: its port, health check, start and stop."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from flows.messages import both
from flows.service import server
from flows.service.server import ServeError
from flows.settings import Settings
from tests.processes import FakeClock, alive, wait_for

REPO = Path(__file__).resolve().parents[2]


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
    wait_for(lambda: not alive(server), 10, "the server to follow its parent")


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
    assert not alive(child)


class _Health(BaseHTTPRequestHandler):
    """Answers /api/health with the status the test chose; anything else 404."""

    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/api/health" else 404)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def health_api() -> Iterator[tuple[str, type[_Health]]]:
    """A stand-in API on 127.0.0.1 answering its health check: its URL and handler class."""
    handler = type("Health", (_Health,), {"status": 200})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.local_api_url(httpd.server_address[1]), handler
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_local_api_url() -> None:
    assert server.local_api_url(4321) == "http://127.0.0.1:4321/api"


def test_health_check_answers_only_for_a_healthy_api(
    health_api: tuple[str, type[_Health]],
) -> None:
    url, handler = health_api
    assert server.is_healthy(url)
    assert server.is_healthy(url + "/"), "a trailing slash is the same API"
    handler.status = 503
    assert not server.is_healthy(url)
    handler.status = 204
    assert not server.is_healthy(url), "only Prefect's 200 counts, not any answer"
    assert not server.is_healthy(url.replace("/api", "/elsewhere"))
    assert not server.is_healthy(server.local_api_url(server.free_port()))
    assert not server.is_healthy("not a url")


def test_port_in_use_sees_a_listener(health_api: tuple[str, type[_Health]]) -> None:
    url, _handler = health_api
    port = int(url.split(":")[-1].split("/")[0])
    assert server.port_in_use(port)


def test_waiting_for_a_server_that_exited_stops_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FakeClock()
    monkeypatch.setattr(server, "time", clock)
    exited = subprocess.Popen(["true"])
    exited.wait()
    url = server.local_api_url(server.free_port())
    assert server.wait_until_healthy(url, exited, 120) is False
    assert clock.now == 0, "no waiting for a server that is gone"
    assert server.wait_until_healthy(url, None, 30) is False
    assert 30 <= clock.now < 31


def test_waiting_ends_once_the_server_answers(
    health_api: tuple[str, type[_Health]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, handler = health_api
    handler.status = 503

    def ready() -> None:
        handler.status = 200

    clock = FakeClock(on_sleep=ready)
    monkeypatch.setattr(server, "time", clock)
    assert server.wait_until_healthy(url, None, 120) is True
    assert len(clock.sleeps) == 1


def test_server_log_goes_to_prefect_home(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "elsewhere"))
    assert server.server_log_path(settings) == tmp_path / "elsewhere" / "server.log"
    monkeypatch.delenv("PREFECT_HOME")
    assert server.server_log_path(settings) == settings.home / "prefect" / "server.log"


def test_the_server_does_not_inherit_an_api_address(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server told to use another API would not be the API it serves."""
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    monkeypatch.setenv("PREFECT_API_URL", "http://example.invalid/api")
    script = "import os; print('api', os.environ.get('PREFECT_API_URL'), flush=True)"
    monkeypatch.setattr(server, "server_command", lambda port: [sys.executable, "-c", script])
    process = server.start_server(settings, 0)
    assert process.wait(timeout=30) == 0
    log = (tmp_path / "prefect" / "server.log").read_text(encoding="utf-8")
    assert "api None" in log


def _no_server(*_args: object) -> subprocess.Popen[bytes]:
    raise AssertionError("no server may be started")


def test_a_busy_port_is_refused_before_anything_starts(
    settings: Settings,
    health_api: tuple[str, type[_Health]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, _handler = health_api
    port = int(url.split(":")[-1].split("/")[0])
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr(server, "start_server", _no_server)
    said: list[str] = []
    with pytest.raises(ServeError) as refused, server.prefect_api(settings, port, said.append):
        pass
    assert str(refused.value) == both("serve_port_busy", port=port)
    assert said == []


def test_a_server_already_configured_is_used_not_started(
    settings: Settings,
    health_api: tuple[str, type[_Health]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, _handler = health_api
    monkeypatch.setenv("PREFECT_API_URL", url)
    monkeypatch.setattr(server, "start_server", _no_server)
    said: list[str] = []
    with server.prefect_api(settings, None, said.append) as used:
        assert used.url == url
        assert used.supervisor is None
    assert len(said) == 1 and url in said[0]


def test_a_configured_server_that_does_not_answer_is_reported(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = server.local_api_url(server.free_port())
    monkeypatch.setenv("PREFECT_API_URL", url)
    monkeypatch.setattr(server, "start_server", _no_server)
    monkeypatch.setattr(server, "time", FakeClock())
    with pytest.raises(ServeError) as refused, server.prefect_api(settings, None, print):
        pass
    assert str(refused.value) == both("serve_server_unreachable", url=url)


def test_the_ui_talks_to_the_api_on_the_servers_own_port(settings: Settings) -> None:
    env = server.server_environment(settings, 5123)
    assert env["PREFECT_SERVER_UI_ENABLED"] == "true"
    assert env["PREFECT_SERVER_UI_API_URL"] == "http://127.0.0.1:5123/api"
    assert env["PREFECT_UI_URL"] == "http://127.0.0.1:5123"
    off = server.server_environment(replace(settings, prefect_ui=False), 5123)
    assert off["PREFECT_SERVER_UI_ENABLED"] == "false"


def test_the_server_gets_the_ui_settings(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    script = "import os; print('ui', os.environ.get('PREFECT_SERVER_UI_API_URL'), flush=True)"
    monkeypatch.setattr(server, "server_command", lambda port: [sys.executable, "-c", script])
    assert server.start_server(settings, 5124).wait(timeout=30) == 0
    log = (tmp_path / "prefect" / "server.log").read_text(encoding="utf-8")
    assert "ui http://127.0.0.1:5124/api" in log
