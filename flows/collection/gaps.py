"""Who has not sent a valid form: per community, the roster evaluators and organisations with
nothing received, or everything received rejected (pending correction).

The expected reporters come from the registry (so the list works for a half-year nothing has
arrived for yet, and on a new home); what arrived comes from the warehouse's
``metrics.reporting_states``. Evaluators are named by roster code and masked name only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from flows.collection.roster import (
    SUBDISTRICT,
    communities,
    organisations,
    roster_evaluators,
)
from flows.collection.templates import period_label
from flows.ingest.registry import Registry, load_registry
from flows.messages import msg
from flows.periods import Period
from flows.privacy import load_key
from flows.settings import Settings
from flows.warehouse import Mode, open_warehouse, sql

GAP_STATES = ("missing", "rejected")


@dataclass(frozen=True)
class Gap:
    """One expected report without a valid form."""

    community_id: str
    community: str
    source: str  # evaluations | branch_reports
    code: str  # roster code or organisation id
    name: str  # masked name or organisation name
    group: str  # role or organisation kind (codes)
    state: str  # missing | rejected
    rows_rejected: int
    rejected_files: str


@dataclass(frozen=True)
class RejectedFile:
    """A file rejected whole whose name gives the half-year (and maybe the community)."""

    community_id: str | None
    community: str
    file_name: str
    reason: str


@dataclass(frozen=True)
class CommunityStatus:
    """One community's collection, on one line: forms sent out, expected, valid, to correct,
    missing (evaluation forms and branch reports together)."""

    community_id: str
    community: str
    forms_sent: int
    expected: int
    valid: int
    rejected: int
    missing: int
    files_rejected: int = 0


def _states(
    settings: Settings, period: Period
) -> dict[tuple[str, str, str], tuple[str, int, str | None]]:
    """What arrived, by (source, unit_id, community_id): state, rows and files rejected."""
    if not settings.warehouse_path.exists():
        return {}
    with open_warehouse(settings, Mode.READ) as con:
        rows = con.execute(sql("collection/reporting_states"), [str(period)]).fetchall()
    return {(s, u, c or SUBDISTRICT): (state, n, files) for s, u, c, state, n, files in rows}


def expected_reports(
    settings: Settings,
    period: Period,
    community_id: str | None = None,
    registry: Registry | None = None,
) -> list[Gap]:
    """Every expected report of the half-year with its state (valid ones as on_time/late)."""
    registry = registry or load_registry(settings.reference_dir, settings.registry_cache_dir)
    names = {c.community_id: c.name for c in communities(registry)}
    states = _states(settings, period)
    found: list[Gap] = []
    roster = roster_evaluators(registry, load_key(settings.key_path), period)
    for row in roster.itertuples():
        state, rows, files = states.get(
            ("evaluations", str(row.evaluator_key), str(row.community_id)), ("missing", 0, None)
        )
        found.append(
            Gap(
                str(row.community_id),
                names.get(str(row.community_id), str(row.community_id)),
                "evaluations",
                str(row.code),
                str(row.masked_name),
                str(row.role),
                state,
                int(rows or 0),
                files or "",
            )
        )
    for org in organisations(registry, period).itertuples():
        state, rows, files = states.get(
            ("branch_reports", str(org.org_id), str(org.community_id)), ("missing", 0, None)
        )
        found.append(
            Gap(
                str(org.community_id),
                names.get(str(org.community_id), msg("template.subdistrict", settings.lang)),
                "branch_reports",
                str(org.org_id),
                str(org.name),
                str(org.kind),
                state,
                int(rows or 0),
                files or "",
            )
        )
    if community_id is not None:
        found = [g for g in found if g.community_id == community_id]
    return found


def reporting_gaps(
    settings: Settings,
    period: Period,
    community_id: str | None = None,
    registry: Registry | None = None,
) -> list[Gap]:
    """The expected reports without a valid form (missing or rejected), by community
    (organisations directly under the subdistrict last), source and code."""
    gaps = [
        g
        for g in expected_reports(settings, period, community_id, registry)
        if g.state in GAP_STATES
    ]
    return sorted(
        gaps,
        key=lambda g: (
            g.community_id == SUBDISTRICT,
            g.community_id,
            g.source != "evaluations",
            g.code,
        ),
    )


def rejected_files(
    settings: Settings, period: Period, lang: str, registry: Registry | None = None
) -> list[RejectedFile]:
    """Files of the half-year rejected whole, under the community their name gives (None:
    none or several): nobody's form loaded from them, someone should be asked to resend."""
    if not settings.warehouse_path.exists():
        return []
    registry = registry or load_registry(settings.reference_dir, settings.registry_cache_dir)
    names = {c.community_id: c.name for c in communities(registry)}
    with open_warehouse(settings, Mode.READ) as con:
        rows = con.execute(sql("collection/rejected_files"), [str(period)]).fetchall()
    return [
        RejectedFile(
            community,
            names.get(community, community) if community else msg("gaps.text.other", lang),
            name,
            (reason_en if lang == "en" else reason_zh) or "",
        )
        for community, name, reason_zh, reason_en, _received in rows
    ]


def collection_status(
    settings: Settings, period: Period, registry: Registry | None = None
) -> list[CommunityStatus]:
    """Per community: forms written (``minyi templates``), expected, valid, to correct,
    missing; what the report's collection status shows, one line per community."""
    reports = expected_reports(settings, period, registry=registry)
    files = rejected_files(settings, period, settings.lang, registry)
    folder = settings.templates_dir / str(period)
    statuses: dict[str, CommunityStatus] = {}
    for report in reports:
        code = report.community_id or "S"
        current = statuses.get(report.community_id) or CommunityStatus(
            report.community_id,
            report.community,
            len(list(folder.glob(f"{period}-{code}-*.xlsx"))) if folder.is_dir() else 0,
            0,
            0,
            0,
            0,
        )
        statuses[report.community_id] = CommunityStatus(
            current.community_id,
            current.community,
            current.forms_sent,
            current.expected + 1,
            current.valid + (report.state in ("on_time", "late")),
            current.rejected + (report.state == "rejected"),
            current.missing + (report.state == "missing"),
        )
    counted = [
        replace(status, files_rejected=sum(f.community_id == status.community_id for f in files))
        for status in statuses.values()
    ]
    return sorted(counted, key=lambda s: (s.community_id == SUBDISTRICT, s.community_id))


def _group_label(gap: Gap, lang: str) -> str:
    if gap.source == "evaluations":
        return msg(f"report.role.{gap.group}", lang)
    return msg(f"template.org_kind.{gap.group}", lang)


def gaps_text(
    gaps: list[Gap], period: Period, lang: str, files: list[RejectedFile] | None = None
) -> str:
    """The list as a message to paste into a chat group: per community, counts, then who;
    files rejected whole under the community their name gives."""
    label = period_label(period, lang)
    files = files or []
    if not gaps and not files:
        return msg("gaps.text.none", lang, period=label)
    lines = [msg("gaps.text.heading", lang, period=label)]
    by_community: dict[str | None, tuple[str, list[Gap], list[RejectedFile]]] = {}
    for gap in gaps:
        by_community.setdefault(gap.community_id, (gap.community, [], []))[1].append(gap)
    for file in files:
        by_community.setdefault(file.community_id, (file.community, [], []))[2].append(file)
    order = sorted(by_community, key=lambda c: (c is None, c == SUBDISTRICT, c or ""))
    for community_id in order:
        community, members, sent = by_community[community_id]
        missing = sum(g.state == "missing" for g in members)
        lines.append("")
        if members:
            lines.append(
                msg(
                    "gaps.text.community",
                    lang,
                    community=community,
                    missing=missing,
                    rejected=len(members) - missing,
                )
            )
        else:
            lines.append(
                msg("gaps.text.community_files", lang, community=community, count=len(sent))
            )
        for gap in members:
            state = msg(f"gaps.state.{gap.state}", lang)
            if gap.rejected_files:
                state += msg("gaps.text.files", lang, files=gap.rejected_files)
            key = "gaps.text.evaluator" if gap.source == "evaluations" else "gaps.text.organisation"
            lines.append(
                msg(
                    key,
                    lang,
                    code=gap.code,
                    name=gap.name,
                    role=_group_label(gap, lang),
                    state=state,
                )
            )
        for file in sent:
            lines.append(msg("gaps.text.file", lang, file=file.file_name, reason=file.reason))
    lines += ["", msg("gaps.text.footer", lang)]
    return "\n".join(lines)


_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")


def write_gaps_workbook(
    path: Path,
    gaps: list[Gap],
    statuses: list[CommunityStatus],
    period: Period,
    lang: str,
    files: list[RejectedFile] | None = None,
) -> Path:
    """The list as a workbook the community office works through: one row per report to
    chase (filter by community), with columns to note the call; a sheet of counts."""
    t: Callable[..., str] = lambda key, **v: msg(key, lang, **v)  # noqa: E731
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = t("gaps.sheet.list")
    headers = [
        ("gaps.col.community", 14),
        ("gaps.col.source", 12),
        ("gaps.col.code", 12),
        ("gaps.col.name", 30),
        ("gaps.col.group", 14),
        ("gaps.col.state", 18),
        ("gaps.col.files", 30),
        ("gaps.col.rows", 10),
        ("gaps.col.contacted", 14),
        ("gaps.col.note", 30),
    ]
    sheet.append([t(key) for key, _ in headers])
    for gap in gaps:
        sheet.append(
            [
                gap.community,
                t(f"gaps.source.{gap.source}"),
                gap.code,
                gap.name,
                _group_label(gap, lang),
                t(f"gaps.state.{gap.state}"),
                gap.rejected_files or None,
                gap.rows_rejected or None,
                None,
                None,
            ]
        )
    for file in files or []:
        sheet.append(
            [
                file.community,
                t("gaps.source.file"),
                None,
                file.file_name,
                None,
                t("gaps.state.file"),
                file.reason,
                None,
                None,
                None,
            ]
        )
    listed = len(gaps) + len(files or [])
    _style(sheet, [width for _, width in headers], listed)
    contacted = DataValidation(type="date", operator="greaterThan", formula1="DATE(2000,1,1)")
    contacted.add(f"I2:I{max(2, listed + 1)}")
    sheet.add_data_validation(contacted)
    for row in range(2, listed + 2):
        sheet.cell(row=row, column=9).number_format = "yyyy-mm-dd"
        for column in (9, 10):
            sheet.cell(row=row, column=column).protection = Protection(locked=False)
    summary = book.create_sheet(t("gaps.sheet.summary"))
    columns = [
        ("gaps.col.community", 16),
        ("gaps.col.sent", 10),
        ("gaps.col.expected", 10),
        ("gaps.col.valid", 10),
        ("gaps.col.rejected", 10),
        ("gaps.col.missing", 10),
        ("gaps.col.files_rejected", 12),
    ]
    summary.append([t(key) for key, _ in columns])
    for status in statuses:
        summary.append(
            [
                status.community,
                status.forms_sent,
                status.expected,
                status.valid,
                status.rejected,
                status.missing,
                status.files_rejected,
            ]
        )
    _style(summary, [width for _, width in columns], len(statuses))
    book.properties.title = t("gaps.title", period=period_label(period, lang))
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _style(sheet: Worksheet, widths: list[int], rows: int) -> None:
    """Bold headers, widths, frozen header, a filter on every column, A4 landscape."""
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(widths))}{rows + 1}"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
