"""Bad rows: every kind of BAD_ROWS is written, none when not asked, in names no one uses."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from flows.datasets import COLUMNS, HEARING_KINDS
from flows.demo.entities import Community, Round
from flows.demo.evaluations import evaluation_forms
from flows.demo.generate import generate
from flows.demo.rosters import fresh_roster
from flows.demo.spoil import BAD_ROWS, spoil_round
from flows.periods import Period, parse_period
from flows.settings import Settings
from tests.demo.readback import (
    RATING_ITEMS,
    files_of,
    is_iso_date,
    read_csv,
    read_evaluations,
    read_hearings,
    read_reports,
)


def _bad_rows_found(paths: list[Path], registry: Path) -> set[str]:
    """Which kinds of BAD_ROWS appear in the generated files."""
    names = {c["name"] for c in read_csv(registry / "communities.csv")}
    ids = {c["community_id"] for c in read_csv(registry / "communities.csv")}
    organisations = read_csv(registry / "organisations.csv")
    orgs = {o["org_id"] for o in organisations} | {o["name"] for o in organisations}
    found: set[str] = set()
    for path in files_of(paths, "代表评议"):
        forms = read_evaluations(path)
        seen = Counter(f["evaluator"] for f in forms)
        found |= {"duplicate_form"} if max(seen.values()) > 1 else set()
        for form in forms:
            found |= {"rating_out_of_range"} if {form[i] for i in RATING_ITEMS} & {0, 6} else set()
            found |= {"unknown_verdict"} if form["verdict"] == "一般" else set()
            found |= {"missing_verdict"} if form["verdict"] == "" else set()
            found |= {"unknown_community"} if form["community"] not in names | ids else set()
    for record in (r for path in files_of(paths, "听证") for r in read_hearings(path)):
        resolved_over = int(record["opinions_resolved"]) > int(record["opinions_raised"])
        found |= {"resolved_over_raised"} if resolved_over else set()
        found |= {"negative_attendees"} if int(record["attendees"]) < 0 else set()
        found |= set() if is_iso_date(record["held_on"]) else {"unparseable_date"}
        found |= {"unknown_kind"} if record["kind"] not in HEARING_KINDS else set()
    for report in (r for path in files_of(paths, "党支部") for r in read_reports(path)):
        over = report["members_participating"] > report["members_total"]
        found |= {"participating_over_total"} if over else set()
        found |= {"unknown_org"} if report["org"] not in orgs else set()
        found |= {"invalid_period"} if parse_period(report["period"]) is None else set()
    return found


def test_bad_rows_are_catalogued_for_every_dataset() -> None:
    assert set(BAD_ROWS) == set(COLUMNS)
    assert all(BAD_ROWS[kind] for kind in BAD_ROWS)


def test_every_kind_of_bad_row_is_written(demo: tuple[Settings, list[Path]]) -> None:
    settings, paths = demo
    catalogue = {defect for defects in BAD_ROWS.values() for defect in defects}
    assert _bad_rows_found(paths, settings.reference_dir) == catalogue


def test_no_bad_rows_when_asked(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    paths = generate(settings, [Period(2026, 1)], bad_rows=False)
    assert _bad_rows_found(paths, settings.reference_dir) == set()


def test_an_unknown_community_is_a_name_the_registry_does_not_use() -> None:
    period = Period(2026, 1)
    community = Community("C01", "东风社区", 2_000, 6_500)
    forms = {"C01": evaluation_forms(2026, period, community, fresh_roster(2026, "C01"))}
    written = {f["community"] for f in forms["C01"]}
    spoil_round(2026, period, "", Round(forms, [], []), {"东风社区"})
    assert {f["community"] for f in forms["C01"]} - written == {"向阳社区"}


def test_an_empty_half_year_stays_empty() -> None:
    round_ = Round({"C01": []}, [], [])
    spoil_round(2026, Period(2026, 1), "", round_, set())
    assert round_ == Round({"C01": []}, [], [])
