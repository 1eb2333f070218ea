"""A separate process for the crash and locking tests: ingest MINYI_HOME's inbox, or hold a lock.

``python tests/crash_driver.py ingest`` runs ``flows.ingest.batch.ingest`` on the inbox of
``MINYI_HOME`` (set ``MINYI_TEST_KILL_AT`` to die at a checkpoint). ``... hold <file> [read]``
opens a DuckDB connection to ``<file>`` and keeps it until its standard input closes.
Each prints ``ready`` once its imports are done, so a test can time what follows.
"""

from __future__ import annotations

import sys
import time


def run_ingest() -> None:
    """Ingest the inbox of MINYI_HOME as one batch; print the seconds the run took."""
    from flows.ingest.batch import ingest
    from flows.ingest.inbox import inbox_files
    from flows.settings import load_settings

    settings = load_settings()
    print("ready", flush=True)
    started = time.monotonic()
    ingest(settings, inbox_files(settings))
    print(f"done {time.monotonic() - started:.3f}", flush=True)


def hold(path: str, read_only: bool) -> None:
    """Keep a connection to the DuckDB file at ``path`` open until stdin closes."""
    import duckdb

    con = duckdb.connect(path, read_only=read_only)
    print("ready", flush=True)
    sys.stdin.read()
    con.close()


if __name__ == "__main__":
    if sys.argv[1] == "ingest":
        run_ingest()
    else:
        hold(sys.argv[2], read_only=sys.argv[3:] == ["read"])
