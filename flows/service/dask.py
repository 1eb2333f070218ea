"""The Dask task runner: reading and validating a batch's files on a Dask cluster, with the
flow as the single writer."""

from __future__ import annotations

import math
import os
import socket
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlsplit

from prefect import Flow
from prefect.context import FlowRunContext
from prefect.task_runners import TaskRunner

from flows.settings import Settings

_P = ParamSpec("_P")


_R = TypeVar("_R")


_F = TypeVar("_F")


# On Dask, a batch is split into one group of files per worker thread, of at least this many
# files: a task costs its transfer and a validation's fixed cost per suite. Validating groups
# of 50 files took 3.7 times as long, summed over the tasks, as validating each batch whole.
DASK_FILES_PER_TASK = 50


DASK_LOCAL_WORKERS = 2


DASK_SCHEDULER_PORT = 8786  # Dask's default, when MINYI_DASK_ADDRESS gives none


DASK_CONNECT_SECONDS = 10.0


def file_groups(files: list[_F], per_group: int = DASK_FILES_PER_TASK) -> list[list[_F]]:
    """The batch split, in order, into groups of at most ``per_group`` files."""
    if not files:
        return []
    size = math.ceil(len(files) / math.ceil(len(files) / per_group))
    return [files[i : i + size] for i in range(0, len(files), size)]


def _dask_threads() -> int:
    """How many tasks the flow's Dask cluster runs at once (its workers' threads)."""
    context = FlowRunContext.get()
    client = getattr(context.task_runner, "client", None) if context else None
    threads = sum(client.nthreads().values()) if client is not None else 0
    return threads or DASK_LOCAL_WORKERS


def task_runner(settings: Settings) -> TaskRunner[Any] | None:
    """The task runner the settings ask for; None keeps Prefect's default."""
    if settings.task_runner != "dask":
        return None
    from prefect_dask import DaskTaskRunner

    # Each task carries its files' rows: a warning per batch would only alarm an organizer.
    warnings.filterwarnings("ignore", "Sending large graph", UserWarning, "distributed")
    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": DASK_LOCAL_WORKERS,
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,
        }
    )


def dask_unreachable(settings: Settings, timeout: float = DASK_CONNECT_SECONDS) -> str | None:
    """Why the scheduler at MINYI_DASK_ADDRESS does not answer; None when it does, or when
    no address is set. Checked before a run, which would otherwise fail after half a minute
    with a traceback."""
    if settings.task_runner != "dask" or not settings.dask_address:
        return None
    address = settings.dask_address
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        host, port = parts.hostname, parts.port or DASK_SCHEDULER_PORT
        if not host:
            return "no host name"
        socket.create_connection((host, port), timeout=timeout).close()
    except ValueError as error:  # a port that is not a number
        return str(error)
    except OSError as error:
        return error.strerror or str(error) or type(error).__name__
    return None


@contextmanager
def workers_share_the_server(settings: Settings) -> Iterator[None]:
    """On Dask, the workers report to the flow's Prefect server.

    Workers are processes of their own: one with no PREFECT_API_URL in its environment starts
    a temporary server of its own on the same database (measured: four servers, and 106 s
    for a run of 15 files). With no server configured, the temporary one is started here,
    before the cluster, and its address is exported for the workers.
    """
    if settings.task_runner != "dask":
        yield
        return
    from prefect.settings import PREFECT_API_URL, temporary_settings

    url = PREFECT_API_URL.value()
    if not url:
        from prefect.server.api.server import SubprocessASGIServer

        server = SubprocessASGIServer()  # the process's temporary server, stopped at exit
        server.start()
        url = server.api_url
    previous = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = url
    try:
        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield
    finally:
        if previous is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = previous


def with_task_runner(flow_: Flow[_P, _R], settings: Settings) -> Flow[_P, _R]:
    """The flow with the task runner of the settings (``MINYI_TASK_RUNNER``)."""
    runner = task_runner(settings)
    return flow_ if runner is None else flow_.with_options(task_runner=runner)


def task_groups(settings: Settings, files: list[_F]) -> list[list[_F]]:
    """The batch split, in order, into one group per Dask worker thread (see
    DASK_FILES_PER_TASK); one group, the whole batch, on the default runner."""
    if settings.task_runner != "dask":
        return [files]
    per_group = max(DASK_FILES_PER_TASK, math.ceil(len(files) / _dask_threads()))
    return file_groups(files, per_group)
