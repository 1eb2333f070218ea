"""Which files a subdistrict sends: a workbook per community, or one file per dataset at scale."""

from __future__ import annotations

from pathlib import Path

from flows.demo.entities import Community, Round
from flows.demo.evaluations import evaluation_forms
from flows.demo.hearings import hearing_records
from flows.demo.rosters import fresh_roster
from flows.demo.submissions import evaluation_title, write_per_community, write_per_subdistrict
from flows.periods import Period
from flows.settings import Settings
from tests.demo.readback import read_evaluations, read_hearings, sheet_rows

PERIOD = Period(2025, 2)
COMMUNITIES = [
    Community("C01", "和平社区", 2_000, 6_500),
    Community("C02", "新兴社区", 2_400, 8_000),
]


def _round() -> Round:
    """Two communities' forms and hearing records, no branch reports."""
    forms = {
        c.community_id: evaluation_forms(1, PERIOD, c, fresh_roster(1, c.community_id))
        for c in COMMUNITIES
    }
    hearings = [r for c in COMMUNITIES for r in hearing_records(1, PERIOD, c)]
    return Round(forms, hearings, [])


def test_the_demo_subdistrict_sends_a_titled_workbook_per_community(tmp_path: Path) -> None:
    round_ = _round()
    paths = write_per_community(tmp_path, PERIOD, COMMUNITIES, round_)
    assert [p.name for p in paths] == [
        "2025年下半年_代表评议_和平社区.xlsx",
        "2025年下半年_代表评议_新兴社区.xlsx",
        "2025年下半年_听证恳谈走访记录.csv",
        "2025年下半年_党支部报表.xlsx",
    ]
    assert sheet_rows(paths[1])[0][0] == "2025年下半年社区居委会工作评议表（新兴社区）"
    assert evaluation_title(PERIOD, COMMUNITIES[1]) == sheet_rows(paths[1])[0][0]
    assert len(read_evaluations(paths[0])) == len(round_.forms["C01"])
    assert len(read_hearings(paths[2])) == len(round_.hearings)


def test_a_subdistrict_at_scale_sends_one_file_per_dataset(tmp_path: Path) -> None:
    round_ = _round()
    paths = write_per_subdistrict(tmp_path, PERIOD, "S0007", round_)
    assert [p.name for p in paths] == [
        "2025年下半年_代表评议_S0007.csv",
        "2025年下半年_听证恳谈走访记录_S0007.csv",
        "2025年下半年_党支部报表_S0007.xlsx",
    ]
    forms = read_evaluations(paths[0])
    assert [f["evaluator"] for f in forms] == [
        f["evaluator"] for rows in round_.forms.values() for f in rows
    ]


def test_files_are_named_like_the_forms(demo: tuple[Settings, list[Path]]) -> None:
    settings, paths = demo
    names = {p.name for p in paths}
    assert "2026年上半年_代表评议_和平社区.xlsx" in names
    assert "2026年上半年_听证恳谈走访记录.csv" in names
    assert "2026年上半年_党支部报表.xlsx" in names
    assert len(paths) == 4 * (9 + 2)
    assert all(p.parent == settings.inbox_dir for p in paths)
