"""National scale: above the community limit the report shows subdistricts."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pytest

from flows.messages import msg
from flows.reports import (
    satisfaction,
    write_reports,
)
from flows.settings import Settings
from tests.reports.builders import (
    EVAL_HASH,
    HALF_YEAR,
    PERIOD,
    branch_report_rows,
    form_rows,
    insert_rows,
    own_warehouse,
    report_html,
    section_of,
    sheet_rows,
)
from tests.warehouse_fixtures import make_warehouse

# National scale: above the community limit the report shows subdistricts

# (community, name, satisfied, dissatisfied): S0001-C03 has too few forms to be shown.
SUBDISTRICT_COMMUNITIES = [
    ("S0001-C01", "甲街道东社区", 20, 0),
    ("S0001-C02", "甲街道西社区", 15, 5),
    ("S0001-C03", "甲街道南社区", 2, 0),
    ("S0002-C01", "乙街道东社区", 29, 1),
    ("S0002-C02", "乙街道西社区", 10, 0),
    ("S0002-C03", "乙街道南社区", 18, 7),
]
SUBDISTRICT_OPINION = "小区门口路灯不亮"


@pytest.fixture(scope="module")
def subdistrict_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse of two subdistricts (S0001, S0002) of three communities each."""
    home = tmp_path_factory.mktemp("subdistricts")
    path = home / "warehouse.duckdb"
    con = make_warehouse(home)
    insert_rows(
        con,
        "ref.communities",
        [
            {"community_id": c, "name": n, "households": 1000, "residents": 3000}
            for c, n, _s, _d in SUBDISTRICT_COMMUNITIES
        ],
    )
    orgs = [
        ("S0001-B01", "甲东楼院党支部", "building_branch", "S0001-C01", 40, 36),
        ("S0001-M01", "甲街道市场党支部", "market_branch", None, 10, 10),  # under the subdistrict
        ("S0002-B01", "乙东楼院党支部", "building_branch", "S0002-C01", 30, 24),
    ]
    insert_rows(
        con,
        "ref.organisations",
        [{"org_id": o, "name": n, "kind": k, "community_id": c} for o, n, k, c, *_ in orgs],
    )
    forms = [
        row
        for c, _n, satisfied, dissatisfied in SUBDISTRICT_COMMUNITIES
        for row in form_rows(
            PERIOD,
            c,
            {"satisfied": satisfied, "dissatisfied": dissatisfied},
            {"resident_rep": satisfied + dissatisfied},
            EVAL_HASH,
            "run-2",
            comments={0: SUBDISTRICT_OPINION} if c == "S0002-C03" else None,
        )
    ]
    insert_rows(con, "core.evaluations", forms)
    branch_report_rows(
        con, [(org, total, part, True, date(2026, 7, 3)) for org, _n, _k, _c, total, part in orgs]
    )
    con.close()
    return path


def _subdistrict_reports(
    template: Path, settings: Settings, lang: str = "zh", limit: int = 5
) -> list[Path]:
    with duckdb.connect(str(own_warehouse(template, settings)), read_only=True) as con:
        limited = replace(settings, report_community_limit=limit)
        return write_reports(con, limited, HALF_YEAR, lang=lang)


def test_report_shows_subdistricts_above_the_community_limit(
    subdistrict_template: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(satisfaction, "LISTED_COMMUNITIES", 2)
    _subdistrict_reports(subdistrict_template, settings)
    html = report_html(settings)
    for key in (
        "headline",
        "by_subdistrict",
        "under_target",
        "by_role",
        "items_by_subdistrict",
        "trends_by_subdistrict",
        "members_by_subdistrict",
        "hearings_by_subdistrict",
        "gaps_by_subdistrict",
        "opinions_by_subdistrict",
        "notes",
    ):
        assert f'<section id="{key}">' in html, key
    for key in ("by_community", "community_role", "items", "trends", "members", "opinions"):
        assert f'<section id="{key}">' not in html, key
    by_subdistrict = section_of(html, "by_subdistrict")
    assert by_subdistrict.count("<tr>") == 2 + 1  # header, S0001, S0002
    # 37 of 42 forms and 57 of 65, computed by hand: S0001's rate is higher, so it comes first.
    assert by_subdistrict.index("S0001") < by_subdistrict.index("S0002")
    assert "88.1%" in by_subdistrict and "87.7%" in by_subdistrict
    # Listed: the two below target, lowest first; not the borderline one (limit 2), not the
    # communities that meet it, and not the one with two forms.
    under = section_of(html, "under_target")
    assert under.index("乙街道南社区") < under.index("甲街道西社区")
    for name in ("乙街道东社区", "甲街道东社区", "乙街道西社区", "甲街道南社区"):
        assert name not in html, name
    intro = msg("report.intro.under_target", "zh", under=3, below=2, listed=2, target="98%")
    assert intro in under
    opinions = section_of(html, "opinions_by_subdistrict")
    assert SUBDISTRICT_OPINION not in html and "S0002" in opinions
    assert msg("report.note.by_subdistrict", "zh", limit=5) in section_of(html, "notes")


def test_subdistrict_figures_match_a_hand_count(
    subdistrict_template: Path, settings: Settings
) -> None:
    from statsmodels.stats.proportion import proportion_confint

    paths = _subdistrict_reports(subdistrict_template, settings)
    rows = sheet_rows(paths[1], msg("report.section.by_subdistrict", "zh"))
    header = rows[0]
    by_code = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:] if r[0]}
    for code, positives, responses, below in (("S0001", 37, 42, 1), ("S0002", 57, 65, 1)):
        row = by_code[code]
        low, high = proportion_confint(positives, responses, alpha=0.05, method="wilson")
        assert row["评议表数"] == responses and row["社区数"] == 3
        assert row["未达标社区数"] == below
        assert row["满意率"] == pytest.approx(positives / responses)
        assert (row["区间下限"], row["区间上限"]) == (pytest.approx(low), pytest.approx(high))
        assert row["结论"] == msg("report.verdict.below", "zh")
    members = sheet_rows(paths[1], msg("report.section.members_by_subdistrict", "zh"))
    # The market branch has no community: it counts in its subdistrict S0001 (46 of 50).
    assert [r[:4] for r in members[1:4]] == [
        ["S0001", 50, 46, pytest.approx(0.92)],
        ["S0002", 30, 24, pytest.approx(0.8)],
        [msg("report.all_subdistricts", "zh"), 80, 70, pytest.approx(0.875)],
    ]
    sheets = openpyxl.load_workbook(paths[1]).sheetnames
    assert msg("report.section.by_community", "zh") not in sheets


def test_subdistrict_report_in_english(subdistrict_template: Path, settings: Settings) -> None:
    _subdistrict_reports(subdistrict_template, settings, lang="en")
    html = report_html(settings, "report.en.html")
    for key in ("by_subdistrict", "under_target", "opinions_by_subdistrict", "gaps_by_subdistrict"):
        assert msg(f"report.section.{key}", "en") in html
    assert msg("report.intro.opinions_by_subdistrict", "en") in html
    assert not re.search(r"[\u4e00-\u9fff]", section_of(html, "by_subdistrict").split("<table>")[0])


def test_community_limit_is_inclusive(subdistrict_template: Path, settings: Settings) -> None:
    _subdistrict_reports(subdistrict_template, settings, limit=len(SUBDISTRICT_COMMUNITIES))
    html = report_html(settings)
    assert '<section id="by_community">' in html and '<section id="by_subdistrict">' not in html


def test_registry_subdistricts_come_before_the_codes(
    subdistrict_template: Path, settings: Settings
) -> None:
    """Real community codes (12-digit administrative codes) have no "-": the registry names
    the subdistrict. Here it puts every community, and the branch under none, in one."""
    path = own_warehouse(subdistrict_template, settings)
    with duckdb.connect(str(path)) as con:
        con.execute("update ref.communities set subdistrict = '110101001'")
        con.execute("update ref.organisations set subdistrict = '110101001'")
    with duckdb.connect(str(path), read_only=True) as con:
        limited = replace(settings, report_community_limit=5)
        paths = write_reports(con, limited, HALF_YEAR)
    rows = sheet_rows(paths[1], msg("report.section.by_subdistrict", "zh"))
    data = [r for r in rows[1:] if r[0] and r[1] is not None]  # not the notes below
    assert [r[0] for r in data] == ["110101001"]
    by_code = dict(zip(rows[0], data[0], strict=True))
    assert by_code["评议表数"] == 42 + 65 and by_code["社区数"] == 6
    assert by_code["满意率"] == pytest.approx((37 + 57) / (42 + 65))
    members = sheet_rows(paths[1], msg("report.section.members_by_subdistrict", "zh"))
    assert [r[:3] for r in members[1:2]] == [["110101001", 80, 70]]
    html = report_html(settings)
    assert "S0001" not in section_of(html, "by_subdistrict")


def test_communities_without_subdistrict_code(
    warehouse: duckdb.DuckDBPyConnection, settings: Settings
) -> None:
    write_reports(warehouse, replace(settings, report_community_limit=2), PERIOD)
    html = report_html(settings)
    by_subdistrict = section_of(html, "by_subdistrict")
    assert msg("report.subdistrict.none", "zh") in by_subdistrict
    assert by_subdistrict.count("<tr>") == 1 + 1
    assert "东华社区" not in by_subdistrict
