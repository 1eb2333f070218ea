"""One measurement in its own process: ``python benchmarks/measure.py <what> '<json args>'``.

Prints one JSON line (the last line of stdout): wall seconds of the measured work (imports
excluded), stage times, and the process's peak resident memory (VmHWM).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_UI_ENABLED", "false")

Result = dict[str, Any]


def memory_mb(field: str = "VmHWM") -> float:
    """This process's peak (VmHWM) or current (VmRSS) resident memory in MiB."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    found, waiting = [], [pid]
    while waiting:
        parent = waiting.pop()
        try:
            text = Path(f"/proc/{parent}/task/{parent}/children").read_text()
        except OSError:
            continue
        children = [int(p) for p in text.split()]
        found += children
        waiting += children
    return found


class FamilyMemory:
    """The peak of this process's resident memory and its descendants' together (minyi's
    workers: reading and validating, the corrections workbooks' pool), sampled four times a
    second: VmHWM is this process's alone, and a child's own peak on Linux counts the memory
    of the parent it was forked from."""

    INTERVAL = 0.25

    def __init__(self) -> None:
        import threading

        self.peak_kib = 0
        self.stage_peak_kib = 0  # since the last take_stage_peak
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> FamilyMemory:
        global _FAMILY
        _FAMILY = self
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        global _FAMILY
        _FAMILY = None
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(self.INTERVAL):
            self._sample_once()

    def _sample_once(self) -> None:
        me = os.getpid()
        total = sum(_rss_kib(pid) for pid in [me, *_descendants(me)])
        self.peak_kib = max(self.peak_kib, total)
        self.stage_peak_kib = max(self.stage_peak_kib, total)

    def take_stage_peak(self) -> float:
        """The sampled peak in MiB since the previous call (a sample now included), for
        :class:`Stages`: which stage holds the most memory, workers included."""
        self._sample_once()
        peak, self.stage_peak_kib = self.stage_peak_kib, 0
        return peak / 1024

    @property
    def peak_mb(self) -> float:
        """The sampled peak in MiB."""
        return self.peak_kib / 1024


# The sampler of the running measurement (``main``), read by Stages.mark.
_FAMILY: FamilyMemory | None = None


def cpu_now() -> float:
    """CPU seconds (user and system) of this process and of its children that have ended.

    Unlike wall time, a busy machine does not inflate it: what a measurement did, not how
    long it waited for a core.
    """
    from flows.ingest.workers import live_cpu_seconds

    times = os.times()
    children = times.children_user + times.children_system
    # A run's worker processes (flows.ingest.workers) are counted by os.times once they end.
    return times.user + times.system + children + live_cpu_seconds()


class Stages:
    """Wall time per named stage, in order, and the process's peak memory at each stage's end."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.peak_mb: dict[str, float] = {}
        # The sampled peak of this process and its workers during each stage.
        self.family_mb: dict[str, float] = {}
        # CPU seconds per stage: every thread of the process and of its finished children.
        self.cpu_seconds: dict[str, float] = {}
        self._last = time.perf_counter()
        self._last_cpu = cpu_now()

    def mark(self, name: str) -> None:
        """Close the stage that ran since the previous mark (adding to it if seen before)."""
        now, cpu = time.perf_counter(), cpu_now()
        self.seconds[name] = round(self.seconds.get(name, 0.0) + now - self._last, 3)
        self.cpu_seconds[name] = round(self.cpu_seconds.get(name, 0.0) + cpu - self._last_cpu, 3)
        self.peak_mb[name] = round(memory_mb(), 1)
        if _FAMILY is not None:
            family = _FAMILY.take_stage_peak()
            self.family_mb[name] = round(max(self.family_mb.get(name, 0.0), family), 1)
        self._last, self._last_cpu = now, cpu

    @property
    def cpu(self) -> float:
        """CPU seconds over every stage."""
        return round(sum(self.cpu_seconds.values()), 3)

    @property
    def total(self) -> float:
        """Seconds over every stage."""
        return round(sum(self.seconds.values()), 3)


def fresh_home(home: Path, reference: Path) -> Path:
    """An empty MINYI_HOME holding only the registry."""
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    shutil.copytree(reference, home / "reference")
    return home


def measure_floor(args: dict[str, Any]) -> Result:
    """DuckDB's own read_csv of the UTF-8 copies into one table per dataset, in a file database."""
    import duckdb

    utf8_dir, database = Path(args["utf8_dir"]), Path(args["database"])
    database.unlink(missing_ok=True)
    baseline = memory_mb("VmRSS")
    stages = Stages()
    con = duckdb.connect(str(database))
    rows = 0
    for folder in sorted(p for p in utf8_dir.iterdir() if p.is_dir()):
        pattern = str(folder / "*.csv")
        con.execute(
            f"create table {folder.name} as select * from read_csv(?, header = true)", [pattern]
        )
        rows += con.execute(f"select count(*) from {folder.name}").fetchone()[0]  # type: ignore[index]
        stages.mark(folder.name)
    con.close()
    stages.mark("close")
    return {
        "seconds": stages.total,
        "cpu_seconds": stages.cpu,
        "cpu_stages": stages.cpu_seconds,
        "stages": stages.seconds,
        "rows": rows,
        "baseline": baseline,
    }


# Rows of a metric view read at a time.
METRIC_CHUNK_ROWS = 50_000


def _metric_views() -> list[str]:
    from flows.warehouse import sql_names

    names = [n.split("/", 1)[1] for n in sql_names("metrics")]
    return [f"metrics.{n}" for n in names if not n.startswith("_")]


def query_metrics(con: Any, period: str) -> int:
    """Read every metric view of one half-year in full, as an analyst's tool would: in chunks
    (a national half-year has about 2M metric rows); returns the rows read."""
    total = 0
    for view in _metric_views():
        columns = {r[0] for r in con.execute(f"describe {view}").fetchall()}
        where = " where period = ?" if "period" in columns else ""
        cursor = con.execute(f"select * from {view}{where}", [period] if where else [])
        while chunk := cursor.fetchmany(METRIC_CHUNK_ROWS):
            total += len(chunk)
    return total


def measure_minyi(args: dict[str, Any]) -> Result:
    """minyi's whole run through the plain functions (no Prefect) in a fresh home."""
    import great_expectations  # noqa: F401  (imported outside the timing, like the naive run)

    from flows import reports
    from flows.periods import Period
    from flows.settings import load_settings
    from flows.warehouse import Mode, open_warehouse

    home = fresh_home(Path(args["home"]), Path(args["reference_dir"]))
    # MINYI_WORKERS: the default (one process per CPU), or 1 for --one-process.
    settings = load_settings(env={}, home=home, workers=args.get("workers", 0))
    paths = [Path(p) for p in args["paths"]]
    period = Period.coerce(args["period"])
    baseline = memory_mb("VmRSS")
    stages = Stages()
    summary, run_id = _ingest(settings, paths, period, stages)
    with open_warehouse(settings, Mode.READ) as con:
        metric_rows = query_metrics(con, str(period))
        stages.mark("metrics")
        written = reports.write_reports(con, settings, period, run_id=run_id)
        stages.mark("reports")
    return {
        "seconds": stages.total,
        "cpu_seconds": stages.cpu,
        "cpu_stages": stages.cpu_seconds,
        "stages": stages.seconds,
        "peak_mb_by_stage": stages.peak_mb,
        "family_mb_by_stage": stages.family_mb,
        "rows": summary.rows_read,
        "rows_loaded": summary.rows_loaded,
        "rows_quarantined": summary.rows_quarantined,
        "files_loaded": summary.files_loaded,
        "metric_rows": metric_rows,
        "reports": len(written),
        "baseline": baseline,
    }


def _ingest(settings: Any, paths: list[Path], period: Any, stages: Stages) -> tuple[Any, str]:
    """Read, validate and load as ``flows.ingest.batch.ingest`` does (the same batches, each
    committed on its own), timing each step. As there, the batch context (registry, lookups,
    name automaton) is released on return, before the reports."""
    from flows.ingest import batch
    from flows.ingest.load import combine

    context = batch.prepare(settings)
    stages.mark("prepare")
    batches = batch.in_batches(context, paths, batch.PlainSteps(period=period), step=stages.mark)
    return combine([summary for summary, _ in batches]), context.run_id


def measure_naive(args: dict[str, Any]) -> Result:
    """pandas reads each file whole, GX validates whole frames, rows go in with executemany."""
    import great_expectations  # noqa: F401

    from benchmarks.naive import naive_run

    baseline = memory_mb("VmRSS")
    stages = Stages()
    counts = naive_run(
        [Path(p) for p in args["paths"]],
        Path(args["reference_dir"]),
        Path(args["database"]),
        stages.mark,
    )
    return {"seconds": stages.total, "stages": stages.seconds, **counts, "baseline": baseline}


def measure_correction(args: dict[str, Any]) -> Result:
    """Ingest one corrected file into a loaded warehouse, then read the affected metrics."""
    import great_expectations  # noqa: F401

    from flows.ingest import batch
    from flows.ingest.load import combine
    from flows.periods import Period
    from flows.settings import load_settings
    from flows.warehouse import Mode, open_warehouse

    settings = load_settings(env={}, home=Path(args["home"]))
    period = args["period"]
    baseline = memory_mb("VmRSS")
    stages = Stages()
    context = batch.prepare(settings)
    stages.mark("prepare")
    steps = batch.PlainSteps(period=Period.coerce(period))
    loaded = batch.in_batches(context, [Path(args["path"])], steps, step=stages.mark)
    summary = combine([summary for summary, _ in loaded])
    with open_warehouse(settings, Mode.READ) as con:
        rows = con.execute(
            "select * from metrics.member_participation where period = ?", [period]
        ).fetchall()
        rows += con.execute(
            "select * from metrics.unit_participation where period = ?", [period]
        ).fetchall()
        superseded = con.execute(
            "select count(*) from core.branch_reports where superseded_by is not null"
        ).fetchone()
    stages.mark("metrics")
    return {
        "seconds": stages.total,
        "stages": stages.seconds,
        "rows": summary.rows_read,
        "rows_superseded": superseded[0] if superseded else 0,
        "metric_rows": len(rows),
        "baseline": baseline,
    }


def measure_bound(args: dict[str, Any]) -> Result:
    """The work minyi's contract requires that the floor leaves out, each part done the
    cheapest way at hand, timed on its own: a lower bound on any design's extra time.

    - workbooks: every XLSX read with calamine (the floor reads CSV copies made beforehand);
    - transcode: every CSV decoded from its known encoding (the floor reads UTF-8 copies);
    - registry: the registry's CSV files read by DuckDB into tables (the floor reads none);
    - validate: Great Expectations alone on the rows minyi stages (staging is not timed), a
      million rows at a time, with the suites in ``expectations/``;
    - corrections: one workbook per file with quarantined rows (as many rows as minyi
      quarantined from it, one cell per column plus a reason, short text), xlsxwriter in
      memory, on as many processes as cores; minyi writes more into each.

    Rows are staged as minyi stages them, evaluator names kept from batch to batch included.
    """
    import duckdb
    import great_expectations  # noqa: F401
    from python_calamine import CalamineWorkbook

    from benchmarks.inputs import csv_encoding, kind_of

    paths = [Path(p) for p in args["paths"]]
    reference = Path(args["reference_dir"])
    work = Path(args["work"])
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    baseline = memory_mb("VmRSS")
    stages = Stages()
    cells = 0
    for path in paths:
        if path.suffix.lower() == ".xlsx":
            book = CalamineWorkbook.from_path(str(path))
            for name in book.sheet_names:
                cells += sum(map(len, book.get_sheet_by_name(name).to_python()))
    stages.mark("workbooks")
    for path in paths:
        if path.suffix.lower() == ".csv":
            path.read_bytes().decode(csv_encoding(kind_of(path)))
    stages.mark("transcode")
    con = duckdb.connect(str(work / "registry.duckdb"))
    for number, path in enumerate(sorted(reference.glob("*.csv"))):
        con.execute(
            f"create table t{number} as select * from read_csv(?, header = true)", [str(path)]
        )
    con.close()
    stages.mark("registry")
    validate_seconds, validate_cpu = _validate_only(paths, fresh_home(work / "home", reference))
    stages.seconds["validate"] = round(validate_seconds, 3)
    stages.cpu_seconds["validate"] = round(validate_cpu, 3)
    started, cpu = time.perf_counter(), cpu_now()
    workbooks = _plain_corrections(Path(args["minyi_warehouse"]), work / "corrections")
    stages.seconds["corrections"] = round(time.perf_counter() - started, 3)
    stages.cpu_seconds["corrections"] = round(cpu_now() - cpu, 3)
    return {
        "seconds": stages.total,
        "cpu_seconds": stages.cpu,
        "cpu_stages": stages.cpu_seconds,
        "stages": stages.seconds,
        "rows": 0,
        "workbook_cells": cells,
        "corrections_workbooks": workbooks,
        "baseline": baseline,
    }


# Rows GX validates at once in the bound: its fixed cost per validation (a graph of metrics
# per expectation) then weighs nothing, which minyi's bounded chunks cannot afford.
_BOUND_VALIDATION_ROWS = 1_000_000


def _validate_only(paths: list[Path], home: Path) -> tuple[float, float]:
    """Seconds and CPU seconds GX takes over minyi's staged rows, in chunks of a million rows
    or more (read and staging untimed)."""
    from flows.datasets import Kind
    from flows.ingest import batch
    from flows.ingest.normalise import StagedTable
    from flows.ingest.receive import read_files
    from flows.ingest.stage import merge_staged, stage_files
    from flows.ingest.validate import validate_tables
    from flows.settings import load_settings

    settings = load_settings(env={}, home=home)
    context = batch.prepare(settings)
    waiting: dict[Kind, list[StagedTable]] = {}
    seconds = 0.0
    cpu = 0.0

    def validate(kind: Kind) -> float:
        nonlocal cpu
        table = merge_staged([{kind: t} for t in waiting.pop(kind)])[kind]
        started, cpu_started = time.perf_counter(), cpu_now()
        validate_tables(table.kind, table, max_rows=len(table.frame) + 1)
        cpu += cpu_now() - cpu_started
        return time.perf_counter() - started

    first = 0
    for group in batch.file_batches(paths, settings.batch_bytes):
        outcomes = read_files(group, settings, set())
        batch.remember_names(outcomes, context)  # masked as minyi masks them
        names = frozenset(context.names)
        for kind, table in stage_files(
            outcomes, context.registry, context.key, first_sequence=first, names=names
        ).items():
            waiting.setdefault(kind, []).append(table)
            if sum(len(t.frame) for t in waiting[kind]) >= _BOUND_VALIDATION_ROWS:
                seconds += validate(kind)
        first += len(group)
    for kind in list(waiting):
        seconds += validate(kind)
    return seconds, cpu


# Workbooks each task of the corrections bound writes.
_WORKBOOKS_PER_TASK = 50


def _plain_corrections(warehouse: Path, folder: Path) -> int:
    """Write the plain corrections workbooks (see :func:`measure_bound`); how many.

    One workbook per file, as minyi writes, with a sheet per dataset it quarantined rows of.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import duckdb

    from flows.datasets import COLUMNS

    with duckdb.connect(str(warehouse), read_only=True) as con:
        counts = con.execute(
            "select file_hash, kind, count(distinct (sheet, row_number)) from meta.quarantine"
            " where row_number is not null and kind is not null group by all order by 1, 2"
        ).fetchall()
    sheets: dict[str, list[tuple[str, int, int]]] = {}
    for file_hash, kind, rows in counts:
        sheets.setdefault(file_hash, []).append((kind, rows, len(COLUMNS[kind]) + 1))
    folder.mkdir(parents=True)
    jobs = [(str(folder / f"{file_hash}.xlsx"), kinds) for file_hash, kinds in sheets.items()]
    tasks = [jobs[i : i + _WORKBOOKS_PER_TASK] for i in range(0, len(jobs), _WORKBOOKS_PER_TASK)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(os.cpu_count() or 1, mp_context=context) as pool:
        return sum(pool.map(_write_plain_workbooks, tasks))


def _write_plain_workbooks(jobs: list[tuple[str, list[tuple[str, int, int]]]]) -> int:
    import xlsxwriter

    for path, kinds in jobs:
        workbook = xlsxwriter.Workbook(path, {"in_memory": True})
        for kind, rows, columns in kinds:
            sheet = workbook.add_worksheet(kind)
            sheet.write_row(0, 0, [f"column {c}" for c in range(columns)])
            for row in range(1, rows + 1):
                sheet.write_row(row, 0, [f"{row}.{c}" for c in range(columns)])
        workbook.close()
    return len(jobs)


def measure_prefect_startup(args: dict[str, Any]) -> Result:
    """Time to the first flow run on Prefect's temporary server, in a given PREFECT_HOME."""
    os.environ["PREFECT_HOME"] = args["prefect_home"]
    stages = Stages()
    from prefect import flow

    stages.mark("import")

    @flow(name="benchmark-noop")
    def noop() -> int:
        return 1

    noop()
    stages.mark("first_flow_run")
    noop()
    stages.mark("second_flow_run")
    return {"seconds": stages.total, "stages": stages.seconds, "rows": 0, "baseline": 0.0}


MEASUREMENTS: dict[str, Callable[[dict[str, Any]], Result]] = {
    "floor": measure_floor,
    "minyi": measure_minyi,
    "naive": measure_naive,
    "bound": measure_bound,
    "correction": measure_correction,
    "prefect_startup": measure_prefect_startup,
}


def main() -> None:
    """Run the named measurement and print its result as the last line of stdout."""
    what, raw = sys.argv[1], sys.argv[2]
    if raw == "-":
        raw = sys.stdin.read()
    started = time.perf_counter()
    with FamilyMemory() as family:
        result = MEASUREMENTS[what](json.loads(raw))
    result["peak_rss_mb"] = round(memory_mb("VmHWM"), 1)
    # With its worker processes, sampled; at least this process's own peak.
    result["family_peak_rss_mb"] = round(max(family.peak_mb, result["peak_rss_mb"]), 1)
    result["baseline"] = round(float(result.get("baseline", 0.0)), 1)
    result["process_seconds"] = round(time.perf_counter() - started, 3)
    sys.stdout.flush()
    print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
