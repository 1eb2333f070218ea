"""minyi templates: forms from the registry that come back and load without guessing."""

from __future__ import annotations

import csv
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine as calamine

from flows.collection.sample import form_checks
from flows.collection.templates import write_templates
from flows.ingest.batch import ingest
from flows.periods import Period
from flows.settings import Settings
from tests.collection.forms import HEADER_ROW, fill_form, headers, prefilled_rows
from tests.helpers import evaluation, write_csv
from tests.warehouse_state import query

HALF_YEAR = Period(2026, 1)


def _roster(settings: Settings, community_id: str) -> list[dict[str, str]]:
    """The registry file's roster rows of 2026H1 for one community, read directly."""
    with (settings.reference_dir / "evaluators.csv").open(encoding="utf-8-sig") as fh:
        return [
            r
            for r in csv.DictReader(fh)
            if r["period"] == "2026H1" and r["community_id"] == community_id
        ]


def _organisations(settings: Settings, community_id: str) -> list[dict[str, str]]:
    with (settings.reference_dir / "organisations.csv").open(encoding="utf-8-sig") as fh:
        return [r for r in csv.DictReader(fh) if r["community_id"] == community_id]


def _form(paths: list[Path], community_id: str, word: str) -> Path:
    (found,) = [p for p in paths if f"-{community_id}-" in p.name and word in p.name]
    return found


@pytest.fixture
def forms(settings: Settings) -> list[Path]:
    """Every form of 2026H1 for the demo registry, written on a home with no warehouse."""
    written = write_templates(settings, HALF_YEAR)
    assert not settings.warehouse_path.exists(), "templates need only the registry"
    return written


def test_one_form_per_community_and_source(settings: Settings, forms: list[Path]) -> None:
    with (settings.reference_dir / "communities.csv").open(encoding="utf-8-sig") as fh:
        communities = [r["community_id"] for r in csv.DictReader(fh)]
    # Three per community, and a branch report form for organisations under no community.
    assert len(forms) == 3 * len(communities) + 1
    assert {p.parent for p in forms} == {settings.templates_dir / "2026H1"}


def test_evaluation_form_has_dropdowns_protection_print_setup_and_hidden_mark(
    settings: Settings, forms: list[Path]
) -> None:
    path = _form(forms, "C01", "评议")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["评议表", "填表说明", "_minyi_template"]
    assert book["_minyi_template"].sheet_state == "veryHidden"
    sheet = book["评议表"]
    assert sheet.protection.sheet and not sheet.protection.password
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4  # 9: A4
    columns = headers(sheet)
    rules = form_checks(sheet)
    for header in ("服务态度", "办事效率", "环境整治", "居务公开", "为民办实事"):
        assert rules[columns[header]] == ("list", ["5", "4", "3", "2", "1"])
    assert rules[columns["总体评价"]] == ("list", ["满意", "基本满意", "不满意"])
    assert rules[columns["评议日期"]][0] == "date"
    assert all(r.showInputMessage and r.prompt for r in sheet.data_validations.dataValidation)
    roster = _roster(settings, "C01")
    rows = prefilled_rows(sheet)
    assert len(rows) == len(roster)
    # Header locked, cells to fill unlocked, identity locked.
    assert sheet.cell(row=HEADER_ROW, column=columns["总体评价"]).protection.locked
    assert not sheet.cell(row=rows[0], column=columns["总体评价"]).protection.locked
    assert sheet.cell(row=rows[0], column=columns["身份"]).protection.locked
    codes = [sheet.cell(row=r, column=1).value for r in rows]
    assert len(set(codes)) == len(codes) and all(c.startswith("C01-") for c in codes)
    # No name travels in clear: not in any cell, nor anywhere in the file's XML.
    with zipfile.ZipFile(path) as archive:
        text = "".join(
            archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xml")
        )
    assert "评议人" in text
    assert not [r["evaluator"] for r in roster if r["evaluator"] in text]
    mark = {row[0].value: row[1].value for row in book["_minyi_template"].iter_rows()}
    assert (mark["kind"], mark["period"], mark["community_id"]) == ("evaluations", "2026H1", "C01")


def test_calamine_reads_the_forms_back(forms: list[Path]) -> None:
    for path in forms:
        book = calamine.CalamineWorkbook.from_path(path)
        visible = [
            m.name for m in book.sheets_metadata if m.visible == calamine.SheetVisibleEnum.Visible
        ]
        assert "_minyi_template" in book.sheet_names and "_minyi_template" not in visible
        grid = book.get_sheet_by_name(visible[0]).to_python()
        assert len(grid) >= HEADER_ROW and any(grid[HEADER_ROW - 1])


def test_forms_filled_from_their_own_dropdowns_load_without_quarantine(
    settings: Settings, forms: list[Path]
) -> None:
    inbox = settings.home / "returned"  # not the inbox: ingested files leave it
    returned = [
        fill_form(_form(forms, "C01", "评议"), target=inbox / "评议.xlsx"),
        fill_form(_form(forms, "C01", "党支部"), target=inbox / "党支部.xlsx"),
        fill_form(_form(forms, "C01", "听证"), rows=3, target=inbox / "听证.xlsx"),
    ]
    summary = ingest(settings, returned).summary
    roster, orgs = _roster(settings, "C01"), _organisations(settings, "C01")
    assert summary.rows_quarantined == 0
    assert summary.rows_loaded == len(roster) + len(orgs) + 3
    assert query(settings, "select count(*) from meta.quarantine") == [(0,)]
    states = query(
        settings,
        "select state, count(*) from metrics.reporting_states where period = '2026H1' and "
        "community_id = 'C01' group by state",
    )
    assert states == [("on_time", len(roster) + len(orgs))]
    # The codes on the form are the warehouse's codes for the same evaluators.
    sheet = openpyxl.load_workbook(_form(forms, "C01", "评议"))["评议表"]
    pseudonyms = {
        sheet.cell(row=r, column=3).value: sheet.cell(row=r, column=1).value
        for r in prefilled_rows(sheet)
    }
    codes = dict(
        query(
            settings,
            "select evaluator_key, code from ref.evaluator_codes where community_id = 'C01'",
        )
    )
    assert {k: codes[k] for k in pseudonyms} == pseudonyms


def test_a_value_pasted_past_the_validation_is_quarantined_with_the_usual_reason(
    settings: Settings, forms: list[Path]
) -> None:
    inbox = settings.home / "returned"  # not the inbox: ingested files leave it
    path = fill_form(_form(forms, "C02", "评议"), rows=2, target=inbox / "C02.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["评议表"]
    sheet.cell(row=HEADER_ROW + 1, column=headers(sheet)["服务态度"]).value = "6"
    book.save(path)
    plain = write_csv(inbox / "plain.csv", "evaluations", [evaluation(service_attitude="6")])
    summary = ingest(settings, [path, plain]).summary
    assert (summary.rows_loaded, summary.rows_quarantined) == (1, 2)
    reasons = query(
        settings, "select file_name, rule, reason_zh from meta.quarantine order by file_name"
    )
    assert [(name, rule) for name, rule, _ in reasons] == [
        ("C02.xlsx", "rating_range"),
        ("plain.csv", "rating_range"),
    ]
    assert reasons[0][2] == reasons[1][2]


def test_a_form_with_columns_moved_added_and_rows_added_still_loads(
    settings: Settings, forms: list[Path]
) -> None:
    inbox = settings.home / "returned"  # not the inbox: ingested files leave it
    path = fill_form(_form(forms, "C03", "听证"), rows=2, target=inbox / "h.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["听证记录"]
    sheet.protection.sheet = False  # as an office unprotects to rearrange
    columns = headers(sheet)
    topic, kind = columns["议题"], columns["形式"]
    for row in range(HEADER_ROW, HEADER_ROW + 3):  # swap two columns, header and values
        a, b = sheet.cell(row=row, column=topic), sheet.cell(row=row, column=kind)
        a.value, b.value = b.value, a.value
    extra = sheet.max_column + 1
    sheet.cell(row=HEADER_ROW, column=extra).value = "联系人"
    sheet.cell(row=HEADER_ROW + 1, column=extra).value = "某某"
    far = sheet.max_row + 5  # a row added well below the form's rows
    sheet.cell(row=far, column=kind).value = "恳谈会"  # (column kind now holds 议题)
    sheet.cell(row=far, column=topic).value = "恳谈会"
    for header, value in (("日期", "2026-05-04"), ("参加人数", 12)):
        sheet.cell(row=far, column=columns[header]).value = value
    for header in ("收集意见数", "办结数"):
        sheet.cell(row=far, column=columns[header]).value = 1
    sheet.insert_rows(1)  # and a line typed above the title
    book.save(path)
    summary = ingest(settings, [path]).summary
    assert (summary.rows_loaded, summary.rows_quarantined) == (3, 0)
    kinds = query(
        settings, "select kind, count(*) from core.hearings where community_id = 'C03' group by 1"
    )
    assert sum(n for _, n in kinds) == 3 and {k for k, _ in kinds} <= {
        "hearing",
        "consultation",
        "home_visit",
    }
    assert query(settings, "select extra_columns from meta.files") == [(["联系人"],)]


def test_a_form_filled_twice_supersedes_the_first(settings: Settings, forms: list[Path]) -> None:
    inbox = settings.home / "returned"  # not the inbox: ingested files leave it
    first = fill_form(_form(forms, "C04", "评议"), rows=3, target=inbox / "first.xlsx")
    ingest(settings, [first])
    book = openpyxl.load_workbook(first)
    sheet = book["评议表"]
    sheet.cell(row=HEADER_ROW + 1, column=headers(sheet)["总体评价"]).value = "不满意"
    book.save(inbox / "second.xlsx")
    ingest(settings, [inbox / "second.xlsx"])
    current = query(
        settings,
        "select verdict, count(*) from core.evaluations where superseded_by is null "
        "group by verdict order by verdict",
    )
    # Rows chose 满意, 基本满意, 不满意 from the list; the first was corrected to 不满意.
    assert current == [("basically_satisfied", 1), ("dissatisfied", 2)]
    (superseded,) = query(
        settings, "select count(*) from core.evaluations where superseded_by is not null"
    )
    assert superseded == (3,)


def test_an_unreturned_form_is_not_a_data_row(settings: Settings, forms: list[Path]) -> None:
    """Only minyi's prefilled cells in a row: nobody returned that form; it stays missing."""
    path = fill_form(_form(forms, "C05", "评议"), rows=1, target=settings.home / "one.xlsx")
    summary = ingest(settings, [path]).summary
    assert (summary.rows_read, summary.rows_quarantined) == (1, 0)


def _soffice(tmp_path: Path, target: str, path: Path, out: Path) -> Path:
    """Convert with LibreOffice headless (its own profile folder, so tests do not collide)."""
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            str(path),
        ],
        check=True,
        timeout=180,
        capture_output=True,
    )
    (converted,) = out.glob(f"{path.stem}.*")
    return converted


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_a_form_and_its_resaved_copy_still_loads(
    settings: Settings, forms: list[Path], tmp_path: Path
) -> None:
    path = _form(forms, "C06", "评议")
    # 44,34,76: comma-separated, quoted, UTF-8.
    text = _soffice(tmp_path, "csv:Text - txt - csv (StarCalc):44,34,76", path, tmp_path / "csv")
    content = text.read_text(encoding="utf-8")
    assert "服务态度" in content and "C06-" in content
    # Saved again by another program (as an office's Excel, WPS or LibreOffice does), filled
    # forms are still recognised and load.
    filled = fill_form(path, rows=2, target=tmp_path / "filled" / path.name)
    resaved = _soffice(tmp_path, "xlsx:Calc MS Excel 2007 XML", filled, tmp_path / "resaved")
    summary = ingest(settings, [resaved]).summary
    assert (summary.rows_loaded, summary.rows_quarantined) == (2, 0)
