"""A batch's files read and validated on every core: this process takes the first group of
files, a worker process it starts each of the others, at the same time.

Reading (calamine, CSV decoding) and typing, masking and Great Expectations are Python work
on one core each; the files of a batch are independent of each other, so they are split into
contiguous groups, one per process. What spans files is decided in this process, before or
after the groups: repeats across groups (:func:`flows.ingest.receive.mark_repeats`), the names
masked in every file (``batch.remember_names``), each file's place in the batch.

Workers are started once per run, when the run is large enough to gain from them
(``PARALLEL_MIN_BATCHES``), and stopped when it ends (:func:`run_workers`). They are
spawned, not forked: this process holds DuckDB's and Prefect's threads.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from functools import cache
from itertools import accumulate
from typing import TypeVar, cast

from flows.messages import both
from flows.settings import Settings

_log = logging.getLogger(__name__)

_T = TypeVar("_T")
_R = TypeVar("_R")

# A run uses workers from this many batches of input (MINYI_BATCH_BYTES each, 128 MiB by
# default). A worker's start (pandas and Great Expectations imported, about 3 s of CPU, beside
# the registry's load) and each batch's staged rows sent back cost about what two processes
# save on a few batches: at N=1000 (62 MB, 4 batches) the run took as long either way, at
# N=9000 (562 MB, 34 batches) reading and validating took 80 s instead of 119 s (docs/
# performance.md, run VII). The demo's inbox is about 0.3 MB.
PARALLEL_MIN_BATCHES = 8

# Below this many bytes a batch (the last of a run, say) is not split.
PARALLEL_MIN_BYTES = 2 * 1024 * 1024


def _cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def processes(settings: Settings) -> int:
    """How many processes read and validate a batch: ``MINYI_WORKERS``, 0 meaning one per CPU;
    one in a daemonic process (a Dask worker's), which may not start processes of its own."""
    if multiprocessing.current_process().daemon:
        return 1
    return max(1, settings.workers or _cpus())


class Workers:
    """The worker processes of one run, started on first use. Group ``i`` of every batch
    (``i`` > 0) goes to worker ``i``: what a worker keeps from reading a group
    (:func:`hold`) is there when the same group is validated."""

    def __init__(self, count: int) -> None:
        self.count = count  # processes at work on a batch: this one and count - 1 workers
        self._pools: list[ProcessPoolExecutor] = []  # one process each
        self._cpu: dict[int, float] = {}  # each live worker's CPU seconds, by process id

    @property
    def cpu_seconds(self) -> float:
        """CPU seconds the live workers have used, as of their last task: the operating system
        counts a child's only once it has ended (``os.times``), at the end of the run."""
        return sum(self._cpu.values())

    def start(self, warm_up: Callable[[], object]) -> None:
        """Start the workers now, each importing and preparing what its tasks will need
        (``warm_up``: Great Expectations, pandas, the readers; about 3 s of CPU) while this
        process does other work, such as bringing the registry up to date."""
        if self.count > 1 and not self._pools:
            for pool in self._started():
                pool.submit(warm_up)

    def map_groups(
        self,
        function: Callable[[list[_T], int], _R],
        groups: Sequence[list[_T]],
    ) -> list[_R]:
        """``function(group, first)`` for each group, ``first`` the position in the batch of
        the group's first item: the first group here, the others on the workers, at once.
        Results in the groups' order; an error in ``function`` is raised here. A worker that
        dies (killed, out of memory) costs time, not rows: its group is done here (what it
        held is gone: ``function`` must do without), and the rest of the run goes without
        workers."""
        firsts = list(accumulate((len(g) for g in groups[:-1]), initial=0))
        if len(groups) < 2 or self.count < 2 or len(groups) > self.count:
            return [function(group, first) for group, first in zip(groups, firsts, strict=True)]
        pools = self._started()
        try:
            futures = [
                pool.submit(_in_worker, function, group, first)
                for pool, group, first in zip(pools, groups[1:], firsts[1:], strict=False)
            ]
        except BrokenProcessPool as lost:  # a worker died before (in its warm-up, say)
            self._lose(lost)
            return [function(group, first) for group, first in zip(groups, firsts, strict=True)]
        try:
            here = function(groups[0], 0)
        finally:
            # A failure here still waits for the workers: none is left holding a batch's rows.
            wait(futures)
        results = [here]
        for future, group, first in zip(futures, groups[1:], firsts[1:], strict=True):
            try:
                payload, pid, cpu = future.result()
            except BrokenProcessPool as lost:
                self._lose(lost)
                result = function(group, first)
            else:
                self._cpu[pid] = cpu
                result = cast(_R, pickle.loads(payload))
                del payload
            results.append(result)
        return results

    def _lose(self, lost: BrokenProcessPool) -> None:
        _log.warning(both("workers_lost", error=lost))
        self.close()
        self.count = 1

    def _started(self) -> list[ProcessPoolExecutor]:
        if not self._pools:
            context = multiprocessing.get_context("spawn")
            self._pools = [
                ProcessPoolExecutor(1, mp_context=context, initializer=_become_worker)
                for _ in range(self.count - 1)
            ]
        return self._pools

    def close(self) -> None:
        """Stop the workers (each finishes its task first)."""
        for pool in self._pools:
            pool.shutdown(wait=True, cancel_futures=True)
        self._pools = []
        self._cpu.clear()  # counted by the operating system from now on


# In a worker process: that it is one, and what its tasks keep for the next (:func:`hold`).
_ON_WORKER = False
_HELD: dict[object, object] = {}


def _become_worker() -> None:
    global _ON_WORKER
    _ON_WORKER = True


def on_worker() -> bool:
    """True in a worker process of :class:`Workers` (not in a Dask worker, nor here)."""
    return _ON_WORKER


def hold(key: object, value: object) -> None:
    """Keep ``value`` in this worker for a later task of the same group (:func:`take`); what
    was held before is let go (a batch that failed does not stay in memory)."""
    _HELD.clear()
    _HELD[key] = value


def take(key: object) -> object | None:
    """What :func:`hold` kept under ``key`` in this process, now let go; None if nothing."""
    return _HELD.pop(key, None)


def _in_worker(
    function: Callable[[list[_T], int], _R], group: list[_T], first: int
) -> tuple[bytes, int, float]:
    """``function(group, first)`` on a worker, pickled, with the worker's process id and CPU
    seconds. The result is pickled here so that what made it is freed and handed back to the
    system (:func:`release_memory`) before the worker waits for its next task: a worker idle
    while this process loaded a batch held 1.1 GiB at N=9000."""
    payload = pickle.dumps(function(group, first), protocol=pickle.HIGHEST_PROTOCOL)
    release_memory()
    times = os.times()
    return payload, os.getpid(), times.user + times.system


def release_memory() -> None:
    """Hand back to the system the memory freed since: Arrow's pool keeps freed memory for
    its own reuse, and glibc's ``malloc`` the freed pages inside its heaps (NumPy's and
    pandas' arrays), so that what a batch freed does not stay in the process's footprint."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``; None on a system without it (macOS, musl)."""
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
        return trim
    except (OSError, AttributeError):
        return None


_CURRENT: Workers | None = None


@contextmanager
def run_workers(settings: Settings, weights: Sequence[int] = ()) -> Iterator[Workers]:
    """The workers of a run of files weighing ``weights`` (bytes), when it is large enough
    (:func:`worth_starting`): used by every batch read or validated inside, stopped at the end.

    Outside (a Dask task, a test calling ``batch.read_batch`` alone) batches stay in the
    calling process. Nested, the outer run's workers serve.
    """
    global _CURRENT
    if _CURRENT is not None:
        yield _CURRENT
        return
    count = processes(settings) if worth_starting(weights, settings.batch_bytes) else 1
    workers = _CURRENT = Workers(count)
    try:
        yield workers
    finally:
        _CURRENT = None
        workers.close()


def current() -> Workers:
    """The run's workers, or this process alone outside :func:`run_workers`."""
    return _CURRENT if _CURRENT is not None else Workers(1)


def live_cpu_seconds() -> float:
    """CPU seconds of the current run's live workers (see :attr:`Workers.cpu_seconds`)."""
    return _CURRENT.cpu_seconds if _CURRENT is not None else 0.0


def worth_starting(weights: Sequence[int], batch_bytes: int) -> bool:
    """Whether a run's files (their bytes) are many enough for workers: at least
    PARALLEL_MIN_BATCHES batches of ``batch_bytes``."""
    return len(weights) > 1 and sum(weights) >= PARALLEL_MIN_BATCHES * batch_bytes


def split(items: Sequence[_T], weights: Sequence[int], count: int) -> list[list[_T]]:
    """``items`` in order, cut into at most ``count`` contiguous groups of about equal weight
    (bytes of a file), none empty; one group, the whole, when it weighs less than
    ``PARALLEL_MIN_BYTES`` or ``count`` is 1 (an empty batch is one empty group)."""
    total = sum(weights)
    if count < 2 or len(items) < 2 or total < PARALLEL_MIN_BYTES:
        return [list(items)]
    groups: list[list[_T]] = [[]]
    reached = 0
    for item, weight in zip(items, weights, strict=True):
        # A new group starts once the ones before hold their share of the weight.
        if groups[-1] and len(groups) < count and reached >= total * len(groups) / count:
            groups.append([])
        groups[-1].append(item)
        reached += weight
    return groups
