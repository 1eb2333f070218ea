"""Each expected report in exactly one state: on time, late, rejected (received, nothing valid
loaded) or missing; quarantined rows attributed to their file's half-year; totals that add up."""

from __future__ import annotations

from pathlib import Path

from flows.ingest.batch import ingest
from flows.privacy import load_key, pseudonym
from flows.settings import Settings
from tests.helpers import branch_report, evaluation, write_csv
from tests.warehouse_state import query


def _key(settings: Settings, name: str) -> str:
    return pseudonym(name, load_key(settings.key_path))


def _states(settings: Settings, source: str, units: list[str]) -> dict[str, str]:
    rows = query(
        settings,
        "select unit_id, state from metrics.reporting_states where period = '2026H1' and "
        "source = ? and community_id = 'C01' and unit_id in (select unnest(?))",
        [source, units],
    )
    return dict(rows)


def test_rejected_form_is_not_missing_and_loads_once_corrected(settings: Settings) -> None:
    inbox = settings.inbox_dir
    # 史芳 on time (3 July), 顾秀 late (20 July, deadline 15 July), 孙祥荣's only form has a
    # rating of 9 (quarantined): rejected, not missing; 邓成伟 sent nothing.
    ingest(
        settings,
        [
            write_csv(
                inbox / "e1.csv",
                "evaluations",
                [
                    evaluation(evaluator="史芳", role="人大代表"),
                    evaluation(evaluator="顾秀", role="人大代表", evaluated_on="2026-07-20"),
                    evaluation(evaluator="孙祥荣", role="人大代表", service_attitude="9"),
                ],
            ),
            # B01 on time; B02's report has members_total "四十": rejected; B03 nothing.
            write_csv(
                inbox / "b1.csv",
                "branch_reports",
                [branch_report(org="B01"), branch_report(org="B02", members_total="四十")],
            ),
        ],
    )
    names = ["史芳", "顾秀", "孙祥荣", "邓成伟"]
    keys = {name: _key(settings, name) for name in names}
    states = _states(settings, "evaluations", list(keys.values()))
    assert {name: states[key] for name, key in keys.items()} == {
        "史芳": "on_time",
        "顾秀": "late",
        "孙祥荣": "rejected",
        "邓成伟": "missing",
    }
    assert _states(settings, "branch_reports", ["B01", "B02", "B03"]) == {
        "B01": "on_time",
        "B02": "rejected",
        "B03": "missing",
    }
    gap = query(
        settings,
        "select status, rows_rejected, rejected_files, code, name from metrics.reporting_gaps "
        "where unit_id = ? and period = '2026H1'",
        [keys["孙祥荣"]],
    )
    assert gap == [("rejected", 1, "e1.csv", gap[0][3], "孙**")]
    assert gap[0][3].startswith("C01-D")

    # The corrected form arrives (a new file): 孙祥荣 is now loaded, late (10 August).
    ingest(
        settings,
        [
            write_csv(
                inbox / "e2.csv",
                "evaluations",
                [evaluation(evaluator="孙祥荣", role="人大代表", evaluated_on="2026-08-10")],
            )
        ],
    )
    assert _states(settings, "evaluations", [keys["孙祥荣"]]) == {keys["孙祥荣"]: "late"}


def test_a_held_row_naming_no_community_counts_for_its_evaluator(settings: Settings) -> None:
    """孙祥荣's form in b.csv names no known community (that cell failed): it is held against
    孙祥荣 wherever the roster has them; the form in a.csv names C01 (its rating failed). Both
    count, each file named once."""
    inbox = settings.inbox_dir
    ingest(
        settings,
        [
            write_csv(
                inbox / "b.csv",
                "evaluations",
                [evaluation(evaluator="孙祥荣", role="人大代表", community="无此社区")],
            ),
            write_csv(
                inbox / "a.csv",
                "evaluations",
                [evaluation(evaluator="孙祥荣", role="人大代表", service_attitude="9")],
            ),
        ],
    )
    rows = query(
        settings,
        "select community_id, state, rows_rejected, rejected_files from metrics.reporting_states"
        " where period = '2026H1' and unit_id = ?",
        [_key(settings, "孙祥荣")],
    )
    assert rows == [("C01", "rejected", 2, "a.csv; b.csv")]


def test_reporting_counts_received_whether_valid_or_not(settings: Settings) -> None:
    ingest(
        settings,
        [
            write_csv(
                settings.inbox_dir / "b1.csv",
                "branch_reports",
                [branch_report(org="B01"), branch_report(org="B02", members_total="四十")],
            )
        ],
    )
    (expected,) = query(
        settings,
        "select count(*) from ref.organisations where coalesce(active_from, '') <= '2026H1' "
        "and coalesce(active_to, '9999') >= '2026H1'",
    )[0:1]
    row = query(
        settings,
        "select expected, received, loaded, on_time, late, rejected, missing, completeness "
        "from metrics.reporting where period = '2026H1' and source = 'branch_reports'",
    )
    # One loaded on time, one rejected: received 2 of every active organisation.
    n = expected[0]
    assert row == [(n, 2, 1, 1, 0, 1, n - 2, 2 / n)]
    counts = query(
        settings,
        "select expected, on_time, rejected, missing, without_valid_report "
        "from metrics.reporting_gap_counts where period = '2026H1' and source = 'branch_reports'"
        " and community_id = 'C01' and unit_group = 'building_branch'",
    )
    assert counts == [(3, 1, 1, 1, 2)]


def test_unreadable_period_takes_the_period_of_its_file(settings: Settings) -> None:
    inbox = settings.inbox_dir
    ingest(
        settings,
        [
            # A 2025 file: one good row, one whose period cannot be read (and a bad rating).
            write_csv(
                inbox / "old.csv",
                "evaluations",
                [
                    evaluation(evaluator="史芳", period="2025H2", evaluated_on="2026-01-05"),
                    evaluation(evaluator="顾秀", period="去年", evaluated_on="2026-01-05"),
                ],
            ),
            # A file with no readable period anywhere but its name (the folder is not kept).
            write_csv(
                inbox / "评议表2025年上半年.csv",
                "evaluations",
                [evaluation(evaluator="顾秀", period="?")],
            ),
            # One with no period at all: period unknown.
            write_csv(inbox / "y.csv", "evaluations", [evaluation(evaluator="邓成伟", period="?")]),
            write_csv(inbox / "now.csv", "evaluations", [evaluation(evaluator="史芳")]),
        ],
    )
    attributed = query(
        settings,
        "select distinct file_name, period, period_evidence from metrics._open_quarantine "
        "where column_name = 'period' order by file_name",
    )
    names = {name.rsplit("/", 1)[-1]: (period, evidence) for name, period, evidence in attributed}
    assert names["old.csv"] == ("2025H2", "file_rows")
    assert names["评议表2025年上半年.csv"] == ("2025H1", "file_name")
    assert names["y.csv"] == (None, None)
    in_2026 = query(
        settings,
        "select distinct file_name from metrics._open_quarantine where period = '2026H1'",
    )
    assert in_2026 == []
    unknown = query(
        settings,
        "select distinct file_name, shown_in_period from metrics.quarantine_period_unknown",
    )
    assert [(Path(n).name, p) for n, p in unknown] == [("y.csv", "2026H1")]
