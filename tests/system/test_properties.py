"""Generated messy tables: every row read is loaded or quarantined, and the same bytes load nothing.

Each example gets its own MINYI_HOME in a temporary folder (hypothesis runs many examples
inside one test, so the function-scoped ``tmp_path`` would be shared between them).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from flows.ingest.batch import ingest
from flows.settings import Settings, load_settings
from tests.conftest import REFERENCE
from tests.helpers import evaluation, write_csv
from tests.warehouse_state import home_files, query, warehouse_content

# Per column: values that are valid however written, and values that must be quarantined.
CELLS: dict[str, tuple[list[str], list[str]]] = {
    "period": (["2026H1", "2026年上半年", " 2026H1 ", "２０２６H1"], ["2026H9", "上半年", ""]),
    "community": (["和平社区", "C01", " 新兴社区 ", "C02"], ["不存在社区", "C99", ""]),
    "evaluator": ([f"评议人{n}" for n in range(40)] + ["孙 祥荣"], [""]),
    "role": (["人大代表", "政协委员", "居民代表", "单位代表"], ["路人", ""]),
    "verdict": (["满意", "基本满意", "不满意", " 满意 "], ["差", "还行", ""]),
    "comments": (["", "电梯坏了", "请回电13912345678", "  "], []),
    "evaluated_on": (
        ["2026-07-03", "2026/7/3", "2026年7月3日", "2026.7.3", "２０２６-07-03"],
        ["明天", "2025-01-01"],
    ),
    **{
        column: (["5", "4", "3", "１", "５", " 2 "], ["9", "0", "-1", "优", "4.5", ""])
        for column in (
            "service_attitude",
            "efficiency",
            "environment",
            "openness",
            "practical_results",
        )
    },
}
BREAKABLE = sorted(column for column, (_, bad) in CELLS.items() if bad)
ENCODINGS = ["utf-8", "utf-8-sig", "gb18030"]
OUT_OF_RANGE = """
    select count(*) from core.evaluations
    where least(service_attitude, efficiency, environment, openness, practical_results) < 1
       or greatest(service_attitude, efficiency, environment, openness, practical_results) > 5
"""


@st.composite
def messy_row(draw: st.DrawFn) -> list[str]:
    """One evaluation row: a few columns (often none) broken, the rest valid in any spelling."""
    broken = draw(st.sets(st.sampled_from(BREAKABLE), max_size=3))
    cells = {
        column: draw(st.sampled_from(bad if column in broken else good))
        for column, (good, bad) in CELLS.items()
    }
    return evaluation(**cells)


@st.composite
def messy_rows(draw: st.DrawFn) -> list[list[str]]:
    """Evaluation rows mixing valid and invalid cells, some repeated (duplicate forms)."""
    rows = draw(st.lists(messy_row(), min_size=1, max_size=12))
    repeats = draw(st.lists(st.sampled_from(range(len(rows))), max_size=3))
    return [*rows, *(rows[i] for i in repeats)]


def _new_home(folder: Path) -> Settings:
    """A home with the demo registry in ``folder``."""
    shutil.copytree(REFERENCE, folder / "reference")
    return load_settings(env={"MINYI_HOME": str(folder)})


def _file_accounting(settings: Settings) -> list[tuple]:
    """Rows read, loaded and quarantined per file as the warehouse counts them, and balance."""
    return query(
        settings,
        "select file_name, rows_read, rows_loaded, rows_quarantined, balanced "
        "from meta.file_accounting order by file_name",
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=messy_rows(), encoding=st.sampled_from(ENCODINGS))
def test_rows_accounted_for_and_same_bytes_load_nothing(
    rows: list[list[str]], encoding: str
) -> None:
    """Rows read = loaded + quarantined (in the summary and the warehouse); a resend is a no-op."""
    with tempfile.TemporaryDirectory(prefix="minyi-property-") as folder:
        home = _new_home(Path(folder))
        path = write_csv(home.inbox_dir / "messy.csv", "evaluations", rows, encoding)
        sent = path.read_bytes()
        result = ingest(home, [path])
        summary, (outcome,) = result.summary, result.outcomes
        event(f"file {outcome.outcome}, {'some' if summary.rows_loaded else 'no'} rows loaded")

        assert summary.rows_read == summary.rows_loaded + summary.rows_quarantined
        if outcome.outcome == "loaded":
            assert summary.rows_read == sum(any(cell.strip() for cell in row) for row in rows)
            expected = [("messy.csv", summary.rows_read, summary.rows_loaded)]
            accounting = _file_accounting(home)
            assert [row[:3] for row in accounting] == expected
            assert accounting[0][3] == summary.rows_quarantined and accounting[0][4]
        assert query(home, OUT_OF_RANGE) == [(0,)]

        before = warehouse_content(home), home_files(home)
        path.write_bytes(sent)
        again = ingest(home, [path]).summary
        assert (again.rows_loaded, again.files_duplicate) == (0, 1)
        assert (warehouse_content(home), home_files(home)) == before

        renamed = home.inbox_dir / "messy-again.csv"
        renamed.write_bytes(sent)
        ingest(home, [renamed])
        after = warehouse_content(home)
        receipts = after.pop("meta.file_receipts")
        assert after == {k: v for k, v in before[0].items() if k != "meta.file_receipts"}
        assert len(receipts) == len(before[0]["meta.file_receipts"]) + 1
        assert ("messy-again.csv", "duplicate") in [(name, out) for _, name, out in receipts]
