"""Keeping the local Prefect server alive: health checks, restarts with back-off, giving up.

``minyi serve`` runs a :class:`ServerSupervisor` in a thread beside Prefect's runner. When the
server it started stops answering (or its process exits), the supervisor restarts it on the
same port, so the runner's client and the deployments, kept in the server's database, carry
on. It tries a bounded number of times per outage, waiting longer before each try, and says
so each time; when every try fails it calls ``give_up`` (serve then exits non-zero so that
systemd restarts it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from flows.messages import msg


class ServerProcess(Protocol):
    """What the supervisor needs of a started server: whether it has exited."""

    def poll(self) -> int | None:
        """The exit code, or None while it runs."""


P = TypeVar("P", bound=ServerProcess)


@dataclass(frozen=True)
class RestartPolicy:
    """How the supervisor watches and restarts the server."""

    # A health check every check_seconds; after `misses` failed checks in a row (a busy
    # server may miss one) the server is restarted. An exited process is restarted at once.
    check_seconds: float = 15.0
    misses: int = 3
    # Tries per outage, the n-th after backoff_seconds * 2**(n-1) (at most max_backoff).
    attempts: int = 5
    backoff_seconds: float = 5.0
    max_backoff_seconds: float = 120.0
    # How long a restarted server may take to answer.
    ready_seconds: float = 120.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait before the ``attempt``-th try (from 1)."""
        return float(min(self.backoff_seconds * 2 ** (attempt - 1), self.max_backoff_seconds))


class ServerSupervisor(Generic[P]):
    """Watches a server process and restarts it when it stops answering."""

    def __init__(
        self,
        process: P,
        *,
        start: Callable[[], P],
        stop: Callable[[P], None],
        healthy: Callable[[], bool],
        say: Callable[[str], None],
        give_up: Callable[[], None],
        policy: RestartPolicy | None = None,
        lang: str = "zh",
    ) -> None:
        self.process = process
        self.restarts = 0
        self.gave_up = False
        self._start, self._stop_process, self._healthy = start, stop, healthy
        self._say, self._give_up = say, give_up
        self.policy = policy or RestartPolicy()
        self._lang = lang
        self._misses = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Watch in a background thread until :meth:`close`."""
        self._thread = threading.Thread(target=self.watch, name="minyi-server-supervisor")
        self._thread.daemon = True
        self._thread.start()

    def watch(self) -> None:
        """Check the server every ``check_seconds`` until closed or given up."""
        while not self._stopping.wait(self.policy.check_seconds):
            if not self.check() and not self._stopping.is_set():
                self.gave_up = True
                self._say(msg("serve_server_gave_up", self._lang, attempts=self.policy.attempts))
                self._give_up()
                return

    def check(self) -> bool:
        """One look at the server; restarts it when due. False when it could not be restarted."""
        exited = self.process.poll() is not None
        if not exited and self._healthy():
            self._misses = 0
            return True
        self._misses += 1
        if not exited and self._misses < self.policy.misses:
            return True
        self._misses = 0
        return self.restart(exited)

    def restart(self, exited: bool) -> bool:
        """Stop what is left of the server and start it again, up to ``attempts`` times."""
        key = "serve_server_exited" if exited else "serve_server_silent"
        self._say(msg(key, self._lang))
        for attempt in range(1, self.policy.attempts + 1):
            delay = self.policy.delay(attempt)
            self._say(
                msg(
                    "serve_server_restarting",
                    self._lang,
                    attempt=attempt,
                    attempts=self.policy.attempts,
                    seconds=delay,
                )
            )
            with self._lock:
                self._stop_process(self.process)
            if self._stopping.wait(delay):
                return True  # serve is stopping: nothing to restart for
            with self._lock:
                if self._stopping.is_set():
                    return True
                self.process = self._start()
            if self._wait_until_healthy():
                self.restarts += 1
                self._say(msg("serve_server_restarted", self._lang, attempt=attempt))
                return True
            if self._stopping.is_set():
                return True
        return False

    def _wait_until_healthy(self) -> bool:
        waited = 0.0
        step = min(0.5, self.policy.ready_seconds)
        while waited < self.policy.ready_seconds:
            if self._healthy():
                return True
            if self.process.poll() is not None or self._stopping.wait(step):
                return False
            waited += step
        return self._healthy()

    def close(self) -> P:
        """Stop watching (without waiting out a back-off); returns the current process."""
        self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5.0)
        with self._lock:
            return self.process
