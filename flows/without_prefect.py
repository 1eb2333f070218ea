"""``semiannual-run``'s work as plain calls, without starting Prefect's server.

Prefect's temporary server takes about 8 s to start with an existing ``PREFECT_HOME`` and
17-20 s with a fresh one, against about 1 s for the work of a run at one subdistrict. A run
with nothing in the inbox and the demo on a fresh home do here what the flow does: the same
batch loop (:func:`flows.ingest.batch.ingest`, the registry refreshed, a first run's empty
warehouse created, publishing) and the same reports; they leave no flow run in Prefect.
"""

from __future__ import annotations

from flows import reports
from flows.ingest.batch import PlainSteps, RunResult, ingest
from flows.ingest.inbox import inbox_files, ready_inbox_files
from flows.periods import Period
from flows.settings import Settings
from flows.warehouse import Mode, open_warehouse


def inbox_is_empty(settings: Settings) -> bool:
    """Whether the inbox holds no file at all, settled or still being written: a run then has
    nothing to read, and needs no task (nor a Dask cluster) to read it."""
    return not inbox_files(settings)


def run_without_prefect(settings: Settings, period: Period, lang: str | None) -> RunResult:
    """Ingest the inbox's complete files and write the period's reports, as
    ``semiannual-run`` does, with plain calls."""
    result = ingest(settings, ready_inbox_files(settings), PlainSteps(period=period), period=period)
    with open_warehouse(settings, Mode.READ) as con:
        paths = reports.write_reports(
            con, settings, period, lang=lang or settings.lang, run_id=result.run_id
        )
    result.reports = [str(p) for p in paths]
    return result
