"""The files one subdistrict hands in per half-year, named as organizers name them.

The single demo subdistrict sends a workbook per community, one hearing CSV and one branch
report workbook; at scale (several subdistricts) each sends one evaluation CSV, one hearing CSV
and one report workbook, named with its prefix.
"""

from __future__ import annotations

from pathlib import Path

from flows.demo.entities import Community, Round
from flows.demo.files import workbook_created, write_table_csv, write_table_xlsx
from flows.demo.halfyears import period_label
from flows.periods import Period


def evaluation_title(period: Period, community: Community) -> str:
    """The title line above an evaluation form's header."""
    return f"{period_label(period)}社区居委会工作评议表（{community.name}）"


def write_per_community(
    out_dir: Path, period: Period, communities: list[Community], round_: Round
) -> list[Path]:
    """The demo subdistrict's files: a workbook per community, one hearing CSV, one report."""
    label, created = period_label(period), workbook_created(period)
    written = [
        write_table_xlsx(
            out_dir / f"{label}_代表评议_{c.name}.xlsx",
            "evaluations",
            round_.forms[c.community_id],
            created,
            evaluation_title(period, c),
        )
        for c in communities
    ]
    written.append(
        write_table_csv(
            out_dir / f"{label}_听证恳谈走访记录.csv", "hearings", round_.hearings, "gb18030", False
        )
    )
    reports_path = out_dir / f"{label}_党支部报表.xlsx"
    written.append(write_table_xlsx(reports_path, "branch_reports", round_.reports, created, None))
    return written


def write_per_subdistrict(out_dir: Path, period: Period, prefix: str, round_: Round) -> list[Path]:
    """One subdistrict's files at scale: evaluation CSV, hearing CSV, report workbook."""
    label = period_label(period)
    forms = (form for rows in round_.forms.values() for form in rows)
    return [
        write_table_csv(
            out_dir / f"{label}_代表评议_{prefix}.csv", "evaluations", forms, "utf-8-sig", True
        ),
        write_table_csv(
            out_dir / f"{label}_听证恳谈走访记录_{prefix}.csv",
            "hearings",
            round_.hearings,
            "gb18030",
            False,
        ),
        write_table_xlsx(
            out_dir / f"{label}_党支部报表_{prefix}.xlsx",
            "branch_reports",
            round_.reports,
            workbook_created(period),
            None,
        ),
    ]
