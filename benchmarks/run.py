"""Benchmark minyi against DuckDB's floor and a naive pandas + GX baseline on the same files.

    .venv/bin/python benchmarks/run.py --sizes 100,1000     # by hand
    .venv/bin/python benchmarks/run.py --ci                 # tiny size, for .ci/run
    .venv/bin/python benchmarks/run.py --latency --latency-ref main   # one subdistrict's waits

Every measurement runs in its own fresh process, so peak memory (VmHWM) is per measurement.
Inputs are generated once per size into benchmarks/out/cache/. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.inputs import OUT_DIR, PERIOD, Inputs, ensure_inputs, write_correction
from benchmarks.latency import measure_latency, print_latency

MEASURE = Path(__file__).resolve().parent / "measure.py"
GOALS = {"minyi_over_floor": 3.0, "naive_over_minyi": 5.0, "peak_rss_mb": 2048, "correction": 10}
# Issue 22's goals: the full run against floor + bound, naive/minyi at N=100, one correction.
GOALS_22 = {"minyi_over_floor_bound": 1.5, "naive_over_minyi": 20.0, "correction": 2.0}
# minyi's stages that make up the ingest (the rest: metrics, reports).
INGEST_STAGES = ("prepare", "registry", "read", "validate", "load")


def machine() -> dict[str, Any]:
    """Cores, memory, CPU model and load of this machine."""
    model = platform.processor() or "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(memory_gib, 1),
        "cpu": model,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def run_child(what: str, args: dict[str, Any], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run one measurement in a fresh process; its result plus the process's own wall time."""
    started = time.perf_counter()
    # Thousands of file paths do not fit on a command line: hand them over on stdin.
    done = subprocess.run(
        [sys.executable, str(MEASURE), what, "-"],
        input=json.dumps(args, ensure_ascii=False),
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"measurement {what} failed (exit {done.returncode}):\n{tail}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_with_startup"] = round(wall, 3)
    return result


def rate(rows: int, seconds: float) -> float:
    """Rows per second."""
    return rows / seconds if seconds > 0 else 0.0


def measure_size(
    inputs: Inputs,
    workdir: Path,
    *,
    naive: bool,
    correction: bool,
    bound: bool = True,
    one_process: bool = False,
) -> dict[str, Any]:
    """Floor, minyi, the bound and (optionally) naive on one size's files, plus the correction
    refresh."""
    paths = [str(p) for p in inputs.files()]
    size = workdir / f"n{inputs.subdistricts}"
    size.mkdir(parents=True, exist_ok=True)
    common = {"reference_dir": str(inputs.reference_dir), "paths": paths}
    out: dict[str, Any] = {"subdistricts": inputs.subdistricts, "files": len(paths)}
    print(f"  N={inputs.subdistricts}: floor ...", flush=True)
    out["floor"] = run_child(
        "floor", {"utf8_dir": str(inputs.utf8_dir), "database": str(size / "floor.duckdb")}
    )
    print(f"  N={inputs.subdistricts}: minyi ...", flush=True)
    home = size / "minyi-home"
    out["minyi"] = run_child("minyi", {**common, "home": str(home), "period": str(PERIOD)})
    if one_process:
        print(f"  N={inputs.subdistricts}: minyi on one process ...", flush=True)
        alone = {"home": str(size / "one-process-home"), "period": str(PERIOD), "workers": 1}
        out["minyi_one_process"] = run_child("minyi", {**common, **alone})
    if bound:
        print(f"  N={inputs.subdistricts}: bound ...", flush=True)
        out["bound"] = run_child(
            "bound",
            {
                **common,
                "work": str(size / "bound"),
                "minyi_warehouse": str(home / "warehouse.duckdb"),
            },
        )
    if naive:
        print(f"  N={inputs.subdistricts}: naive ...", flush=True)
        out["naive"] = run_child("naive", {**common, "database": str(size / "naive.duckdb")})
    if correction:
        print(f"  N={inputs.subdistricts}: correction ...", flush=True)
        corrected = write_correction(inputs, size / "corrections")
        out["correction"] = run_child(
            "correction", {"home": str(home), "path": str(corrected), "period": str(PERIOD)}
        )
    return out


def prefect_startup(workdir: Path, *, again: bool) -> dict[str, Any]:
    """Time to the first flow run on the temporary server: fresh (then existing) PREFECT_HOME."""
    prefect_home = workdir / "prefect-home"
    times = {"fresh_home": run_child("prefect_startup", {"prefect_home": str(prefect_home)})}
    if again:
        times["existing_home"] = run_child("prefect_startup", {"prefect_home": str(prefect_home)})
    return times


def _mb(value: float) -> str:
    return f"{value:,.0f}"


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}x" if b else "-"


def bound_seconds(entry: dict[str, Any]) -> float:
    """The least time any minyi could take on these files: the floor, plus the parts of the
    contract the floor leaves out (``measure.measure_bound``), less the floor's own reading of
    the workbooks' CSV copies (minyi reads the workbooks instead)."""
    floor = entry["floor"]
    copies = floor["stages"].get("branch_reports", 0.0)
    return float(floor["seconds"] + entry["bound"]["seconds"] - copies)


def bound_cpu_seconds(entry: dict[str, Any]) -> float | None:
    """:func:`bound_seconds` in CPU seconds, which a busy machine does not inflate; None for
    results measured before CPU was recorded."""
    floor, bound = entry["floor"], entry.get("bound", {})
    if "cpu_stages" not in floor or "cpu_seconds" not in bound:
        return None
    copies = floor["cpu_stages"].get("branch_reports", 0.0)
    return float(floor["cpu_seconds"] + bound["cpu_seconds"] - copies)


def print_bound(entry: dict[str, Any]) -> None:
    """The bound's parts, and what the ratio goal leaves for the rest of minyi's work."""
    floor, bound, minyi = entry["floor"], entry["bound"], entry["minyi"]
    parts = ", ".join(f"{k} {v:.2f}" for k, v in bound["stages"].items())
    print(f"       bound, the contract's work beyond the floor, cheapest way (s): {parts}")
    least = bound_seconds(entry)
    goal = GOALS["minyi_over_floor"] * floor["seconds"]
    verdict = (
        f"no design doing this work meets <= {GOALS['minyi_over_floor']:.0f}x here"
        if least > goal
        else f"{goal - least:.2f} s left within {GOALS['minyi_over_floor']:.0f}x for staging, "
        "pseudonyms, masking, load, lineage, metrics and the report"
    )
    print(
        f"       floor + bound: {least:.2f} s = {_ratio(least, floor['seconds'])} the floor "
        f"(minyi {_ratio(minyi['seconds'], least)} that); {verdict}"
    )


def print_goals(entry: dict[str, Any], cores: int) -> None:
    """Issue 22's goals for one size, each beside what it is measured against in this run."""
    minyi = entry["minyi"]
    lines = []
    if "bound" in entry:
        least = bound_seconds(entry)
        lines.append(
            f"full run {minyi['seconds']:.2f} s vs floor + bound {least:.2f} s: "
            f"{_ratio(minyi['seconds'], least)} (goal <= {GOALS_22['minyi_over_floor_bound']}x)"
        )
    least_cpu = bound_cpu_seconds(entry)
    if least_cpu and minyi.get("cpu_seconds"):
        lines.append(
            f"in CPU seconds (not inflated by a busy machine): minyi {minyi['cpu_seconds']:.2f}"
            f" s vs floor + bound {least_cpu:.2f} s: {_ratio(minyi['cpu_seconds'], least_cpu)}"
        )
    if minyi.get("cpu_seconds"):
        used = minyi["cpu_seconds"] / minyi["seconds"]
        floor = entry["floor"]
        floor_used = floor.get("cpu_seconds", 0.0) / floor["seconds"] if floor["seconds"] else 0
        lines.append(
            f"CPU over the run: {minyi['cpu_seconds']:.2f} s in {minyi['seconds']:.2f} s, "
            f"{used:.2f} of {cores} cores (the floor: {floor_used:.2f})"
        )
    family = minyi.get("family_peak_rss_mb", minyi["peak_rss_mb"])
    lines.append(
        f"peak RSS {_mb(minyi['peak_rss_mb'])} MiB, with its worker processes {_mb(family)} "
        f"MiB (sampled) (goal <= {_mb(GOALS['peak_rss_mb'])} MiB; the floor "
        f"{_mb(entry['floor']['peak_rss_mb'])} MiB)"
    )
    if "minyi_one_process" in entry:
        alone = entry["minyi_one_process"]
        lines.append(
            f"on one process (MINYI_WORKERS=1): {alone['seconds']:.2f} s, "
            f"{alone.get('cpu_seconds', 0):.2f} s of CPU, peak "
            f"{_mb(alone.get('family_peak_rss_mb', alone['peak_rss_mb']))} MiB with its "
            f"workers; the workers make the run {_ratio(alone['seconds'], minyi['seconds'])} "
            "as fast"
        )
    if "naive" in entry:
        lines.append(
            f"naive/minyi {_ratio(entry['naive']['seconds'], minyi['seconds'])} "
            f"(goal >= {GOALS_22['naive_over_minyi']:.0f}x at N=100)"
        )
    if "correction" in entry:
        lines.append(
            f"one-file correction {entry['correction']['seconds']:.2f} s "
            f"(goal <= {GOALS_22['correction']:.0f} s at N=9000)"
        )
    print("       issue 22 goals: " + "\n                       ".join(lines))


def print_tables(results: dict[str, Any]) -> None:
    """The side-by-side table per size, growth across sizes, correction and start-up."""
    print()
    print("Measured work excludes interpreter start-up and imports (GX is imported beforehand).")
    print("Floor: DuckDB read_csv of UTF-8 copies of the same files; the XLSX branch reports")
    print("were converted to CSV beforehand, so the floor reads them as CSV.")
    header = (
        f"{'N':>6} {'measurement':<12} {'rows':>10} {'seconds':>9} {'rows/s':>10} {'peak MiB':>9}"
    )
    for entry in results["sizes"]:
        print()
        print(header)
        print("-" * len(header))
        for name in ("floor", "minyi", "naive"):
            if name not in entry:
                continue
            m = entry[name]
            print(
                f"{entry['subdistricts']:>6} {name:<12} {m['rows']:>10,} {m['seconds']:>9.2f} "
                f"{rate(m['rows'], m['seconds']):>10,.0f} {_mb(m['peak_rss_mb']):>9}"
            )
        minyi = entry["minyi"]
        ingest = sum(minyi["stages"][s] for s in INGEST_STAGES if s in minyi["stages"])
        stages = ", ".join(f"{k} {v:.2f}" for k, v in minyi["stages"].items())
        print(f"       minyi stages (s): {stages}")
        if "cpu_stages" in minyi:
            cpu = ", ".join(f"{k} {v:.2f}" for k, v in minyi["cpu_stages"].items())
            print(f"       minyi stages (CPU s): {cpu}")
        peaks = ", ".join(f"{k} {v:,.0f}" for k, v in minyi.get("peak_mb_by_stage", {}).items())
        if peaks:
            print(f"       minyi peak MiB by the end of each stage: {peaks}")
        family = minyi.get("family_mb_by_stage", {})
        if family:
            during = ", ".join(f"{k} {v:,.0f}" for k, v in family.items())
            print(f"       minyi with its workers, sampled peak MiB during each stage: {during}")
        print(
            f"       minyi/floor: {_ratio(minyi['seconds'], entry['floor']['seconds'])} full run, "
            f"{_ratio(ingest, entry['floor']['seconds'])} ingest only "
            f"(goal <= {GOALS['minyi_over_floor']:.0f}x)"
        )
        if "bound" in entry:
            print_bound(entry)
        print_goals(entry, results["machine"]["cores"])
        if "naive" in entry:
            naive = entry["naive"]
            print(
                f"       naive/minyi: {_ratio(naive['seconds'], ingest)} vs minyi ingest "
                f"(read+validate+load), {_ratio(naive['seconds'], minyi['seconds'])} vs full run "
                f"(goal >= {GOALS['naive_over_minyi']:.0f}x)"
            )
        if "correction" in entry:
            c = entry["correction"]
            stages = ", ".join(f"{k} {v:.2f}" for k, v in c["stages"].items())
            print(
                f"       correction of one file in the loaded warehouse: {c['seconds']:.2f} s "
                f"(goal < {GOALS['correction']} s; {stages}), peak {_mb(c['peak_rss_mb'])} MiB"
            )
    sizes = results["sizes"]
    if len(sizes) > 1:
        print()
        print("minyi growth (relative to the smallest size):")
        first = sizes[0]["minyi"]
        for entry in sizes:
            m = entry["minyi"]
            print(
                f"  N={entry['subdistricts']:>6}: rows x{m['rows'] / first['rows']:.1f}, "
                f"time x{m['seconds'] / first['seconds']:.1f}, "
                f"peak memory x{m['peak_rss_mb'] / first['peak_rss_mb']:.2f} "
                f"({_mb(m['peak_rss_mb'])} MiB, {_mb(m['baseline'])} MiB after imports)"
            )
    if "prefect_startup" in results:
        print()
        print("Prefect start-up (not in minyi's figures), a trivial flow on the temporary server:")
        for home, m in results["prefect_startup"].items():
            s = m["stages"]
            print(
                f"  {home.replace('_', ' ')}: import {s['import']:.1f} s, first flow run "
                f"{s['first_flow_run']:.1f} s, second {s['second_flow_run']:.2f} s"
            )


def main(argv: list[str] | None = None) -> None:
    """Parse the options, generate inputs once, measure each size and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000", help="subdistrict counts, e.g. 100,1000")
    parser.add_argument("--ci", action="store_true", help="one tiny size (N=5), for CI")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive baseline")
    parser.add_argument(
        "--naive-max", type=int, default=1000, help="skip the naive baseline above this N"
    )
    parser.add_argument("--no-prefect", action="store_true", help="skip Prefect start-up")
    parser.add_argument(
        "--no-bound", action="store_true", help="skip the bound (the contract's least work)"
    )
    parser.add_argument(
        "--one-process",
        action="store_true",
        help="also measure minyi on one process (MINYI_WORKERS=1), beside its default",
    )
    parser.add_argument(
        "--latency",
        action="store_true",
        help="only the fixed costs at one subdistrict: whole minyi commands beside the floors",
    )
    parser.add_argument(
        "--latency-ref", help="with --latency: also time minyi at this git ref (e.g. main)"
    )
    parser.add_argument(
        "--latency-runs", type=int, default=3, help="with --latency: counted runs per command"
    )
    options = parser.parse_args(argv)
    sizes = [5] if options.ci else sorted({int(s) for s in options.sizes.split(",") if s})
    if options.latency:
        sizes = []

    results: dict[str, Any] = {"started": datetime.now().isoformat(timespec="seconds")}
    results["machine"] = machine()
    m = results["machine"]
    print(
        f"minyi benchmark on {m['cores']} cores, {m['memory_gib']} GiB, {m['cpu']}; "
        f"load average {m['load_average']} (a shared machine: compare ratios, not seconds)"
    )
    OUT_DIR.mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="run-", dir=OUT_DIR))
    results["sizes"] = []
    for n in sizes:
        inputs = ensure_inputs(n)
        naive = not options.no_naive and n <= options.naive_max
        results["sizes"].append(
            measure_size(
                inputs,
                workdir,
                naive=naive,
                correction=n == sizes[-1],
                bound=not options.no_bound,
                one_process=options.one_process,
            )
        )
    if options.latency:
        print("  fixed costs at one subdistrict ...", flush=True)
        results["latency"] = measure_latency(workdir, options.latency_ref, options.latency_runs)
    elif not options.no_prefect:
        print("  Prefect start-up ...", flush=True)
        results["prefect_startup"] = prefect_startup(workdir, again=not options.ci)
    if "latency" in results:
        print_latency(results["latency"])
    else:
        print_tables(results)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = OUT_DIR / f"results-{stamp}.json"
    target.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nresults: {target}\nwork folder (homes, databases): {workdir}")


if __name__ == "__main__":
    main()
