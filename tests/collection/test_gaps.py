"""minyi gaps: per community, exactly the evaluators and organisations without a valid form."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from flows import cli
from flows.collection.gaps import collection_status, gaps_text, rejected_files, reporting_gaps
from flows.collection.templates import write_templates
from flows.ingest.batch import ingest
from flows.periods import Period
from flows.settings import Settings
from tests.collection.forms import HEADER_ROW, fill_form, headers, prefilled_rows
from tests.warehouse_state import query

HALF_YEAR = Period(2026, 1)


def _codes(path: Path) -> list[str]:
    """The codes in a form's first column, in order (evaluator codes or organisation ids)."""
    sheet = openpyxl.load_workbook(path).worksheets[0]
    return [sheet.cell(row=r, column=1).value for r in prefilled_rows(sheet)]


def _partial_return(settings: Settings) -> tuple[list[str], list[str]]:
    """C01 returns three evaluation forms, one valid branch report and one rejected; the
    evaluation codes and organisation ids of the C01 forms."""
    forms = write_templates(settings, HALF_YEAR, community_id="C01")
    evaluation_form = next(p for p in forms if "评议" in p.name)
    branch_form = next(p for p in forms if "党支部" in p.name)
    returned = settings.home / "returned"
    evaluations = fill_form(evaluation_form, rows=3, target=returned / "e.xlsx")
    reports = fill_form(branch_form, rows=2, target=returned / "b.xlsx")
    book = openpyxl.load_workbook(reports)
    sheet = book.worksheets[0]
    sheet.cell(row=HEADER_ROW + 2, column=headers(sheet)["党员总数"]).value = "四十"
    book.save(reports)
    summary = ingest(settings, [evaluations, reports]).summary
    assert (summary.rows_loaded, summary.rows_quarantined) == (4, 1)
    return _codes(evaluation_form), _codes(branch_form)


def test_reminders_name_exactly_those_without_a_valid_form(settings: Settings) -> None:
    evaluators, organisations = _partial_return(settings)
    gaps = reporting_gaps(settings, HALF_YEAR, community_id="C01")
    # The first three evaluators returned valid forms, so did the first organisation; the
    # second organisation's report was rejected; everyone else sent nothing.
    expected = {(code, "missing") for code in evaluators[3:] + organisations[2:]}
    expected.add((organisations[1], "rejected"))
    assert {(g.code, g.state) for g in gaps} == expected
    assert len(gaps) == len(expected)
    rejected = next(g for g in gaps if g.state == "rejected")
    assert (rejected.rows_rejected, rejected.rejected_files) == (1, "b.xlsx")
    text = gaps_text(gaps, HALF_YEAR, "zh")
    assert text.startswith("【2026年上半年报表催交】")
    assert all(code in text for code, _ in expected)
    assert not any(code in text for code in evaluators[:3] + organisations[:1])
    assert f"未交 {len(expected) - 1} 份，待更正 1 份" in text


def test_reminders_before_any_run_list_everyone(settings: Settings) -> None:
    gaps = reporting_gaps(settings, HALF_YEAR, community_id="C02")
    forms = write_templates(settings, HALF_YEAR, community_id="C02")
    codes = [c for p in forms for c in _codes(p)]
    assert sorted(g.code for g in gaps) == sorted(codes)
    assert {g.state for g in gaps} == {"missing"}


def test_reminders_workbook_and_collection_status(settings: Settings, tmp_path: Path) -> None:
    evaluators, organisations = _partial_return(settings)
    output = tmp_path / "gaps.xlsx"
    result = CliRunner().invoke(
        cli.app,
        ["gaps", "--period", "2026H1", "--format", "xlsx", "--output", str(output)],
    )
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(output)
    reminders = book.worksheets[0]
    assert reminders.auto_filter.ref
    rows = list(reminders.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(reporting_gaps(settings, HALF_YEAR))
    c01 = [r for r in rows if r[0] == "和平社区"]
    assert len(c01) == len(evaluators) - 3 + len(organisations) - 1
    status = {s.community_id: s for s in collection_status(settings, HALF_YEAR)}["C01"]
    assert (status.forms_sent, status.valid, status.rejected) == (3, 4, 1)
    assert status.missing == len(evaluators) + len(organisations) - 5
    summary = {r[0]: r for r in book.worksheets[1].iter_rows(min_row=2, values_only=True)}
    assert summary["和平社区"][1:] == (3, status.expected, 4, 1, status.missing, 0)


def test_gaps_text_on_the_command_line_and_bad_options(settings: Settings) -> None:
    runner = CliRunner()
    result = runner.invoke(cli.app, ["gaps", "--period", "2026H1", "--community", "C03"])
    assert result.exit_code == 0 and "C03-" in result.output
    result = runner.invoke(cli.app, ["gaps", "--period", "2026H1", "--format", "xlsx"])
    assert result.exit_code == 2
    result = runner.invoke(cli.app, ["templates", "--period", "2026H1", "--community", "C99"])
    assert result.exit_code == 2
    result = runner.invoke(cli.app, ["templates", "--period", "2026H1", "--community", "C03"])
    assert result.exit_code == 0
    assert len(list((settings.templates_dir / "2026H1").glob("*-C03-*.xlsx"))) == 3


def test_a_form_returned_empty_is_listed_under_its_community(settings: Settings) -> None:
    forms = write_templates(settings, HALF_YEAR, community_id="C02")
    form = next(p for p in forms if "评议" in p.name)
    summary = ingest(settings, [form]).summary  # returned as it went out: nothing filled
    assert summary.files_rejected == 1
    files = rejected_files(settings, HALF_YEAR, "zh")
    assert [(f.community_id, f.community, f.file_name) for f in files] == [
        ("C02", "新兴社区", form.name)
    ]
    text = gaps_text(reporting_gaps(settings, HALF_YEAR, "C02"), HALF_YEAR, "zh", files)
    assert f"整份退回的文件：{form.name}（{files[0].reason}）" in text
    status = {s.community_id: s for s in collection_status(settings, HALF_YEAR)}
    assert (status["C02"].files_rejected, status["C01"].files_rejected) == (1, 0)


def test_collection_status_view_matches_the_reminders(settings: Settings) -> None:
    _partial_return(settings)
    forms = write_templates(settings, HALF_YEAR, community_id="C02")
    ingest(settings, [next(p for p in forms if "评议" in p.name)])  # returned unfilled
    by_python = {s.community_id: s for s in collection_status(settings, HALF_YEAR)}
    rows = query(
        settings,
        "select community_id, expected, valid, rejected, missing, files_rejected "
        "from metrics.collection_status where period = '2026H1' and community_id in ('C01', 'C02')"
        " order by community_id",
    )
    assert rows == [
        (c, s.expected, s.valid, s.rejected, s.missing, s.files_rejected)
        for c, s in sorted(by_python.items())
        if c in ("C01", "C02")
    ]
    (total,) = query(
        settings,
        "select expected, files_rejected from metrics.collection_status "
        "where period = '2026H1' and community_id is null",
    )
    assert total == (sum(s.expected for s in by_python.values()), 1)
