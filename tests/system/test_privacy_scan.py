"""Planted personal data never leaves the inbox in clear: warehouse, reports, output, logs.

One real ``minyi run`` (the semiannual-run flow) over files whose every text column holds
evaluator names, phone numbers and ID-card numbers; then everything minyi wrote is scanned.
"""

from __future__ import annotations

import logging
import re
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from flows.ingest.batch import ingest
from flows.periods import Period
from flows.settings import Settings
from flows.warehouse.export import export_period
from tests.helpers import branch_report, evaluation, hearing, write_csv

PERIOD = "2026H1"
UNKNOWN_EVALUATOR = "欧阳明月"  # not on the roster: only the evaluations file names her
# The planted numbers, as written in the files; scans look for their digits in any spacing.
PHONES = {
    "mobile": "13912340001",
    "mobile-dashes": "139-1234-0002",
    "mobile-spaces": "139 1234 0003",
    "mobile-plus86": "+86 139 1234 0004",
    "landline": "022-23450005",
    "mobile-dots": "139.1234.0006",
    "landline-parenthesised": "(022)2345-0007",
    # Written after 联系电话 (see _personal): a local number alone.
    "local-after-keyword": "2345 0008",
}
ID_CARDS = {
    "id-card": "120101198001010016",
    "id-card-x": "12010119800101002X",
    "id-card-15": "120101800101001",
    "id-card-after-letters": "ID120101198001010032",
    "id-card-spaces": "120101 19800101 0040",
    "id-card-excel-number": "1.20101198001011E+17",
}
NUMBERS = {**PHONES, **ID_CARDS}
# Text minyi leaves where it is by design: originals, the office's own registry and what is
# derived from the registry alone (cache/: the roster's names, for masking them elsewhere).
# evaluator-names: names found in evaluator columns, kept to mask them in later files.
ORIGINALS = (
    "inbox",
    "archive",
    "quarantine",
    "reference",
    "cache",
    "secret.key",
    "evaluator-names",
)


def _roster_names(settings: Settings, community: str, count: int) -> list[str]:
    roster = pd.read_csv(settings.reference_dir / "evaluators.csv", dtype=str)
    chosen = roster[(roster["period"] == PERIOD) & (roster["community_id"] == community)]
    return list(chosen["evaluator"].head(count))


def _personal(name: str, number: str) -> str:
    """A free-text cell naming a person and giving a number, as organizers write them."""
    return f"{name}反映楼道灯坏了，联系电话{number}"


def _plant_inputs(settings: Settings) -> list[str]:
    """Write the three inputs with personal data in every text column; return the names."""
    names = _roster_names(settings, "C01", 12)
    victim = names[0]
    numbers = list(NUMBERS.values())
    forms = [
        evaluation(
            evaluator=name, role="居民代表", comments=_personal(victim, numbers[i % len(numbers)])
        )
        for i, name in enumerate(names)
    ]
    forms += [
        evaluation(evaluator=UNKNOWN_EVALUATOR, comments=f"{UNKNOWN_EVALUATOR} {numbers[5]}"),
        evaluation(evaluator=f"{victim} {numbers[0]}", community=f"和平社区{numbers[1]}"),
        evaluation(evaluator=names[1], community=f"{UNKNOWN_EVALUATOR}{numbers[6]}", verdict="?"),
        evaluation(evaluator=names[2], period=numbers[2], role=victim),
        evaluation(evaluator=names[3], comments=f"{victim[0]} {victim[1:]}说楼道灯坏了"),
    ]
    write_csv(settings.inbox_dir / "评议表.csv", "evaluations", forms)
    records = [
        hearing(record_id=f"H-{i}", topic=_personal(victim, number))
        for i, number in enumerate(numbers)
    ]
    records += [
        hearing(record_id=f"编号{numbers[3]}", topic=UNKNOWN_EVALUATOR),
        hearing(record_id="H-x", community=f"{victim}{numbers[4]}", kind=numbers[0]),
    ]
    write_csv(settings.inbox_dir / "听证.csv", "hearings", records)
    reports = [
        branch_report(org="B01"),
        branch_report(org=f"B02 {victim} {numbers[5]}"),
        branch_report(org="B03", took_part=numbers[6], submitted_on=UNKNOWN_EVALUATOR),
    ]
    write_csv(settings.inbox_dir / "支部.csv", "branch_reports", reports)
    return [*names, UNKNOWN_EVALUATOR]


def _digits(text: str) -> str:
    return re.sub(r"[\s\-+().]", "", text).upper()


def leaks(text: str, names: list[str]) -> set[str]:
    """The planted names and numbers found in ``text``."""
    flat = _digits(text)
    # A name is also looked for with spaces taken out ("张 三" is the name too).
    found = {name for name in names if name in text or name in flat}
    return found | {label for label, number in NUMBERS.items() if _digits(number) in flat}


def _warehouse_texts(path: Path) -> Iterator[tuple[str, str]]:
    """Every table and view of the warehouse as text, all columns cast to varchar."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        relations = con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "union all select schema_name, view_name from duckdb_views() where not internal"
        ).fetchall()
        for schema, name in relations:
            frame = con.execute(f'select * from "{schema}"."{name}"').fetchdf()
            yield f"{schema}.{name}", frame.astype(str).to_csv(index=False)
    finally:
        con.close()


def _file_texts(root: Path) -> Iterator[tuple[str, str]]:
    """Every file minyi wrote under ``root`` as text; workbooks unzipped, XML parts read."""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root)
        if relative.parts[0] in ORIGINALS or path.suffix in (".duckdb", ".wal"):
            continue
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as book:
                for member in book.namelist():
                    yield f"{relative}!{member}", book.read(member).decode("utf-8", "replace")
        else:
            yield str(relative), path.read_bytes().decode("utf-8", "replace")


class _Collect(logging.Handler):
    """Keeps every log record's formatted text."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def all_logs() -> Iterator[_Collect]:
    """Every log line of every logger (Prefect's do not propagate to the root) at DEBUG."""
    import flows.flows  # noqa: F401  (Prefect configures its loggers on import)

    handler = _Collect()
    names = ("", "prefect", "prefect.flow_runs", "prefect.task_runs", "flows")
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield handler
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_planted_personal_data_reaches_no_output_in_clear(
    settings: Settings, all_logs: _Collect
) -> None:
    from flows.cli import app

    names = _plant_inputs(settings)
    runner = CliRunner()
    run = runner.invoke(app, ["run", "--period", PERIOD], catch_exceptions=False)
    assert run.exit_code == 0, run.output
    queried = runner.invoke(
        app, ["query", "select * from meta.quarantine", "--format", "csv"], catch_exceptions=False
    )
    export_period(settings, Period.coerce(PERIOD), "csv")

    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    quarantined = con.execute("select count(*) from meta.quarantine").fetchone()
    loaded = con.execute("select count(*) from core.evaluations").fetchone()
    con.close()
    assert quarantined and quarantined[0] >= 8 and loaded and loaded[0] >= 12
    reports = settings.reports_dir / PERIOD
    assert list((reports / "corrections").glob("*.xlsx")), "corrections workbooks written"
    assert list((settings.reports_dir / "validation").glob("*.json"))

    sources = [
        *_warehouse_texts(settings.warehouse_path),
        *_file_texts(settings.home),
        ("minyi run output", run.output),
        ("minyi query output", queried.output),
        ("logs", "\n".join(all_logs.lines)),
    ]
    assert len(all_logs.lines) > 5, "the run's logs were captured"
    found = {where: sorted(hits) for where, text in sources if (hits := leaks(text, names))}
    assert found == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(f"电话{PHONES['mobile-plus86']}", {"mobile-plus86"}, id="plus86"),
        pytest.param(f"{UNKNOWN_EVALUATOR}说", {UNKNOWN_EVALUATOR}, id="name"),
        pytest.param("楼道灯坏了3盏", set(), id="clean"),
    ],
)
def test_the_scan_finds_what_it_looks_for(text: str, expected: set[str]) -> None:
    assert leaks(text, [UNKNOWN_EVALUATOR]) == expected


@pytest.mark.parametrize("later", ["next-batch", "next-run"])
def test_an_unregistered_evaluator_is_masked_in_later_batches_and_runs(
    settings: Settings, later: str
) -> None:
    """A name only an evaluator column gives is masked in files loaded after it too."""
    settings = replace(settings, batch_bytes=1)  # one file per batch
    forms = write_csv(
        settings.inbox_dir / "1-评议表.csv",
        "evaluations",
        [evaluation(evaluator=name) for name in _roster_names(settings, "C01", 11)]
        + [evaluation(evaluator=UNKNOWN_EVALUATOR)],
    )
    record = hearing(topic=f"{UNKNOWN_EVALUATOR}反映加装电梯")
    if later == "next-run":
        ingest(settings, [forms])
    records = write_csv(settings.inbox_dir / "2-听证.csv", "hearings", [record])
    ingest(settings, [records] if later == "next-run" else [forms, records])

    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    topics = con.execute("select topic from core.hearings").fetchall()
    con.close()
    assert topics == [("[姓名]反映加装电梯",)]
    found = {
        w: hits
        for w, t in _warehouse_texts(settings.warehouse_path)
        if (hits := leaks(t, [UNKNOWN_EVALUATOR]))
    }
    assert found == {}
    assert stat.S_IMODE(settings.names_path.stat().st_mode) == 0o600


def test_a_damaged_names_file_is_written_again_by_the_next_batch(settings: Settings) -> None:
    from flows.ingest.batch import remembered_names

    settings.home.mkdir(parents=True, exist_ok=True)
    settings.names_path.write_bytes(b"not what minyi wrote")
    assert remembered_names(settings) == set()
    forms = [evaluation(evaluator=UNKNOWN_EVALUATOR)]
    ingest(settings, [write_csv(settings.inbox_dir / "评议表.csv", "evaluations", forms)])
    assert remembered_names(settings) == {UNKNOWN_EVALUATOR}
