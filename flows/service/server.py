"""The local Prefect server that ``minyi serve`` starts: port, health check, start and stop."""

from __future__ import annotations

import ctypes
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
from pathlib import Path

from flows.messages import both, msg
from flows.service.supervise import RestartPolicy, ServerSupervisor
from flows.settings import Settings

DEFAULT_PORT = 4200


SERVER_READY_SECONDS = 120.0


SERVER_STOP_SECONDS = 10.0


_PR_SET_PDEATHSIG = 1


Say = Callable[[str], None]


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


def ui_url(api_url: str) -> str:
    """The Prefect UI's address on the server whose API is ``api_url``."""
    return api_url.rstrip("/").removesuffix("/api")


def server_environment(settings: Settings, port: int) -> dict[str, str]:
    """Prefect settings of the local server: the UI on or off (MINYI_PREFECT_UI), and the UI
    talking to the API on this server's own port (Prefect's default is port 4200)."""
    enabled = "true" if settings.prefect_ui else "false"
    api_url = local_api_url(port)
    return {
        "PREFECT_SERVER_UI_ENABLED": enabled,
        "PREFECT_UI_ENABLED": enabled,
        "PREFECT_SERVER_UI_API_URL": api_url,
        "PREFECT_UI_API_URL": api_url,
        "PREFECT_UI_URL": ui_url(api_url),
        "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
    }


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
    env.update(server_environment(settings, port))
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
        _signal_group(process.pid, signal.SIGKILL)  # what the server itself started
        return
    _signal_group(process.pid, signal.SIGTERM)
    _signal_group(process.pid, signal.SIGCONT)  # a stopped (SIGSTOP) server handles TERM too
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        _signal_group(process.pid, signal.SIGKILL)
        process.wait(timeout=grace_seconds)


def _signal_group(pid: int, signum: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(pid, signum)


@dataclass(frozen=True)
class PrefectApi:
    """The Prefect API serve uses, and the supervisor of the local server (None when the
    server is someone else's: PREFECT_API_URL)."""

    url: str
    supervisor: ServerSupervisor[subprocess.Popen[bytes]] | None = None

    @property
    def gave_up(self) -> bool:
        """True when the local server died and could not be restarted."""
        return self.supervisor is not None and self.supervisor.gave_up


@contextmanager
def prefect_api(
    settings: Settings,
    port: int | None,
    say: Say,
    give_up: Callable[[], None] = lambda: None,
    policy: RestartPolicy | None = None,
) -> Iterator[PrefectApi]:
    """The API to use: PREFECT_API_URL when set, else a local server started here, restarted
    when it stops answering (``give_up`` is called when it cannot be), and stopped on exit."""
    existing = os.environ.get("PREFECT_API_URL")
    if existing:
        say(msg("serve_using_server", settings.lang, url=existing))
        if not wait_until_healthy(existing, None, 30.0):
            raise ServeError(both("serve_server_unreachable", url=existing))
        yield PrefectApi(existing)
        return
    chosen = chosen_port(port)
    if port_in_use(chosen):
        raise ServeError(both("serve_port_busy", port=chosen))
    say(msg("serve_starting_server", settings.lang, port=chosen))
    process = start_server(settings, chosen)
    supervisor = None
    try:
        api_url = local_api_url(chosen)
        if not wait_until_healthy(api_url, process, SERVER_READY_SECONDS):
            log = server_log_path(settings)
            raise ServeError(both("serve_server_failed", seconds=SERVER_READY_SECONDS, log=log))
        say(msg("serve_server_ready", settings.lang, url=api_url))
        supervisor = ServerSupervisor(
            process,
            start=lambda: start_server(settings, chosen),
            stop=stop_server,
            healthy=lambda: is_healthy(api_url),
            say=say,
            give_up=give_up,
            policy=policy,
            lang=settings.lang,
        )
        supervisor.start()
        yield PrefectApi(api_url, supervisor)
    finally:
        if supervisor is not None:
            process = supervisor.close()
        stop_server(process)


class ServeError(RuntimeError):
    """The service could not start (port taken, server not ready, already running)."""


def state_file(settings: Settings) -> Path:
    """Where a running ``minyi serve`` notes its API address for ``minyi status``."""
    return settings.home / ".serve.json"
