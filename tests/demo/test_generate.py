"""The synthetic data generator: registry shaped like the seed, files shaped like the forms."""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from flows.datasets import BRANCH_KINDS, COLUMNS, HEARING_KINDS, ROLES, VERDICTS, Kind
from flows.demo.generate import generate
from flows.demo.halfyears import period_label
from flows.demo.registry import EVALUATORS_FILE, ROSTER_PERIODS, write_registry
from flows.demo.spoil import BAD_ROWS
from flows.periods import Period, parse_period
from flows.settings import REPO_ROOT, Settings

FOUR_PERIODS = [Period(2025, 1), Period(2025, 2), Period(2026, 1), Period(2026, 2)]
ZH_TO_NAME = {kind: {c.zh: c.name for c in cols} for kind, cols in COLUMNS.items()}


def read_csv(path: Path) -> list[dict[str, str]]:
    """A registry CSV as dicts."""
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def sheet_rows(path: Path) -> list[list[Any]]:
    """The cells of a workbook's first sheet."""
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def as_records(
    kind: Kind, header: Sequence[object], rows: Sequence[Sequence[object]]
) -> list[dict[str, Any]]:
    """Data rows keyed by canonical column name (序号 and unknown headers dropped)."""
    names = [ZH_TO_NAME[kind].get(str(h)) for h in header]
    return [{n: v for n, v in zip(names, row, strict=True) if n} for row in rows]


def evaluation_records(path: Path) -> list[dict[str, Any]]:
    """Forms of one evaluation workbook (title line, then header) or CSV."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            text_header, *text_rows = list(csv.reader(fh))
        return as_records("evaluations", text_header, text_rows)
    _, header, *rows = sheet_rows(path)
    return as_records("evaluations", header, rows)


def hearing_records(path: Path) -> list[dict[str, Any]]:
    """Records of one GB18030 hearing CSV."""
    with path.open(encoding="gb18030", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    return as_records("hearings", header, rows)


def report_records(path: Path) -> list[dict[str, Any]]:
    """Rows of one branch report workbook (header on the first line)."""
    header, *rows = sheet_rows(path)
    return as_records("branch_reports", header, rows)


def is_iso_date(text: str) -> bool:
    """Whether the text is a real calendar date written YYYY-MM-DD."""
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def is_active(org: dict[str, str], period: Period) -> bool:
    """Whether a registry organisation exists in the half-year."""
    start, end = parse_period(org["active_from"]), parse_period(org["active_to"])
    return (start is None or start <= period) and (end is None or period <= end)


def files_of(paths: list[Path], marker: str, period: Period | None = None) -> list[Path]:
    """Generated files whose name holds the marker (and the period's label)."""
    label = "" if period is None else period_label(period)
    return [p for p in paths if marker in p.name and p.name.startswith(label)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, list[Path]]:
    """Four half-years generated once from a fresh demo registry (read-only for the tests)."""
    settings = Settings(home=tmp_path_factory.mktemp("demo"))
    return settings, generate(settings, FOUR_PERIODS)


def test_registry_counts_match_the_seed(tmp_path: Path) -> None:
    write_registry(tmp_path, 2026)
    communities = read_csv(tmp_path / "communities.csv")
    organisations = read_csv(tmp_path / "organisations.csv")
    assert [c["community_id"] for c in communities] == [f"C{n:02d}" for n in range(1, 10)]
    assert all(c["name"].endswith("社区") for c in communities)
    assert sum(int(c["households"]) for c in communities) == pytest.approx(21_000, rel=0.05)
    assert sum(int(c["residents"]) for c in communities) == pytest.approx(68_000, rel=0.05)
    assert Counter(o["kind"] for o in organisations) == {
        "building_branch": 31,
        "market_branch": 3,
        "enterprise_branch": 4,
        "temporary_branch": 9,
        "economic_committee": 1,
        "unit_org": 38,
    }
    per_community = Counter(
        o["community_id"] for o in organisations if o["kind"] == "building_branch"
    )
    assert set(per_community) == {c["community_id"] for c in communities}
    assert set(per_community.values()) <= {3, 4}
    unit_partners = {o["community_id"] for o in organisations if o["kind"] == "unit_org"}
    assert unit_partners == set(per_community)
    subdistrict_level = [
        o for o in organisations if o["kind"] not in ("building_branch", "unit_org")
    ]
    assert all(o["community_id"] == "" for o in subdistrict_level)
    assert any(o["active_from"] for o in organisations)
    assert any(o["active_to"] for o in organisations)


def test_committed_registry_is_the_generators_output(tmp_path: Path) -> None:
    write_registry(tmp_path, 2026)
    committed = REPO_ROOT / "data" / "reference"
    for name in ("communities.csv", "organisations.csv", EVALUATORS_FILE):
        assert (tmp_path / name).read_bytes() == (committed / name).read_bytes(), name


def test_rosters_are_sized_named_and_stable(tmp_path: Path) -> None:
    write_registry(tmp_path, 2026)
    roster = read_csv(tmp_path / EVALUATORS_FILE)
    assert sorted({r["period"] for r in roster}) == [str(p) for p in ROSTER_PERIODS]
    assert {r["role"] for r in roster} <= set(ROLES)
    names = Counter((r["period"], r["community_id"], r["evaluator"]) for r in roster)
    assert max(names.values()) == 1
    sizes = Counter((r["period"], r["community_id"]) for r in roster)
    assert all(16 <= size <= 60 for size in sizes.values())
    first = {(r["community_id"], r["evaluator"]) for r in roster if r["period"] == "2024H1"}
    second = {(r["community_id"], r["evaluator"]) for r in roster if r["period"] == "2024H2"}
    assert len(first & second) / len(first) > 0.8


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    def run(folder: str, seed: int) -> dict[str, bytes]:
        settings = Settings(home=tmp_path / folder)
        paths = generate(settings, [Period(2026, 1)], seed=seed)
        paths += sorted(settings.reference_dir.iterdir())
        return {p.name: p.read_bytes() for p in paths}

    first, again, other = run("a", 7), run("b", 7), run("c", 8)
    assert first == again
    assert first.keys() == other.keys()
    assert all(first[name] != other[name] for name in first)


def test_files_are_named_like_the_forms(demo: tuple[Settings, list[Path]]) -> None:
    settings, paths = demo
    names = {p.name for p in paths}
    assert "2026年上半年_代表评议_和平社区.xlsx" in names
    assert "2026年上半年_听证恳谈走访记录.csv" in names
    assert "2026年上半年_党支部报表.xlsx" in names
    assert len(paths) == 4 * (9 + 2)
    assert all(p.parent == settings.inbox_dir for p in paths)


def test_headers_are_the_dataset_chinese_texts(demo: tuple[Settings, list[Path]]) -> None:
    _, paths = demo
    title, header, *_ = sheet_rows(files_of(paths, "代表评议", Period(2026, 1))[0])
    assert str(title[0]).startswith("2026年上半年社区居委会工作评议表（")
    assert header == ["序号", *(c.zh for c in COLUMNS["evaluations"])]
    with files_of(paths, "听证")[0].open(encoding="gb18030", newline="") as fh:
        assert next(csv.reader(fh)) == [c.zh for c in COLUMNS["hearings"]]
    assert sheet_rows(files_of(paths, "党支部")[0])[0] == [c.zh for c in COLUMNS["branch_reports"]]


def test_hearings_are_gb18030_without_bom(demo: tuple[Settings, list[Path]]) -> None:
    _, paths = demo
    raw = files_of(paths, "听证")[0].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert "入户走访".encode("gb18030") in raw


def test_satisfaction_is_near_the_seed(demo: tuple[Settings, list[Path]]) -> None:
    _, paths = demo
    verdicts = Counter(
        form["verdict"] for path in files_of(paths, "代表评议") for form in evaluation_records(path)
    )
    good = {v: n for v, n in verdicts.items() if v in VERDICTS}
    top_two = (good["满意"] + good["基本满意"]) / sum(good.values())
    assert 0.95 <= top_two < 1.0
    assert 0.75 <= good["满意"] / sum(good.values()) <= 0.92


def test_most_rostered_evaluators_submit(demo: tuple[Settings, list[Path]]) -> None:
    settings, paths = demo
    roster = read_csv(settings.reference_dir / EVALUATORS_FILE)
    rostered = sum(1 for r in roster if parse_period(r["period"]) in FOUR_PERIODS)
    submitted = {
        (path.name[:7], form["evaluator"])
        for path in files_of(paths, "代表评议")
        for form in evaluation_records(path)
    }
    assert 0.88 <= len(submitted) / rostered <= 0.98


def test_ratings_follow_the_verdict(demo: tuple[Settings, list[Path]]) -> None:
    _, paths = demo
    forms = [f for path in files_of(paths, "代表评议") for f in evaluation_records(path)]
    items = [c.name for c in COLUMNS["evaluations"] if c.kind == "rating"]

    def mean_rating(verdict: str) -> float:
        ratings = [f[i] for f in forms if f["verdict"] == verdict for i in items]
        return sum(ratings) / len(ratings)

    assert mean_rating("满意") > mean_rating("基本满意") > mean_rating("不满意")


def test_dates_follow_the_period_end(demo: tuple[Settings, list[Path]]) -> None:
    _, paths = demo
    period = Period(2026, 1)
    days = [
        (form["evaluated_on"] - period.end).days
        for path in files_of(paths, "代表评议", period)
        for form in evaluation_records(path)
    ]
    days += [
        (report["submitted_on"] - period.end).days
        for report in report_records(files_of(paths, "党支部", period)[0])
    ]
    assert min(days) >= 1
    assert 0.85 <= sum(d <= 15 for d in days) / len(days) < 1.0


def test_branch_participation_is_near_the_seed(demo: tuple[Settings, list[Path]]) -> None:
    settings, paths = demo
    organisations = read_csv(settings.reference_dir / "organisations.csv")
    kind_of = {o["org_id"]: o["kind"] for o in organisations}
    kind_of |= {o["name"]: o["kind"] for o in organisations}
    id_of = {o["name"]: o["org_id"] for o in organisations} | {
        o["org_id"]: o["org_id"] for o in organisations
    }
    reports = [
        r for path in files_of(paths, "党支部") for r in report_records(path) if r["org"] in kind_of
    ]
    branches = [r for r in reports if kind_of[r["org"]] in BRANCH_KINDS]
    share = sum(r["members_participating"] for r in branches) / sum(
        r["members_total"] for r in branches
    )
    assert 0.85 <= share <= 0.95
    units = [r for r in reports if kind_of[r["org"]] == "unit_org"]
    assert 0.6 <= sum(r["took_part"] == "是" for r in units) / len(units) <= 0.8
    assert all(r["took_part"] == "" for r in branches)
    members = {id_of[r["org"]]: r["members_total"] for r in branches}
    assert len(members) == 47
    assert sum(members.values()) == pytest.approx(1_755, rel=0.10)
    assert all(20 <= members[o] <= 60 for o in members if kind_of[o] == "building_branch")


@pytest.mark.parametrize("period", FOUR_PERIODS, ids=str)
def test_one_to_three_active_organisations_do_not_report(
    demo: tuple[Settings, list[Path]], period: Period
) -> None:
    settings, paths = demo
    organisations = read_csv(settings.reference_dir / "organisations.csv")
    reported = {r["org"] for r in report_records(files_of(paths, "党支部", period)[0])}
    active = [o for o in organisations if is_active(o, period)]
    silent = [o for o in active if o["org_id"] not in reported and o["name"] not in reported]
    assert 1 <= len(silent) <= 3
    inactive = [o for o in organisations if o not in active]
    assert not [o for o in inactive if o["org_id"] in reported or o["name"] in reported]


def test_hearing_records_add_up(demo: tuple[Settings, list[Path]]) -> None:
    _, paths = demo
    records = [r for path in files_of(paths, "听证") for r in hearing_records(path)]
    good = [
        r
        for r in records
        if r["kind"] in HEARING_KINDS
        and is_iso_date(r["held_on"])
        and int(r["attendees"]) >= 0
        and int(r["opinions_resolved"]) <= int(r["opinions_raised"])
    ]
    assert len(good) >= 0.95 * len(records)
    for record in good:
        split = int(record["residents"]) + int(record["deputies"]) + int(record["party_members"])
        assert split <= int(record["attendees"])
        assert (record["households_visited"] != "") == (record["kind"] == "入户走访")
        assert re.fullmatch(r"H\d{4}H[12]-C0\d-\d{3}", record["record_id"])
    meetings = Counter(r["kind"] for r in good)
    assert meetings["入户走访"] > meetings["听证会"] + meetings["恳谈会"] > 0


def _bad_rows_found(paths: list[Path], registry: Path) -> set[str]:
    """Which kinds of BAD_ROWS appear in the generated files."""
    names = {c["name"] for c in read_csv(registry / "communities.csv")}
    ids = {c["community_id"] for c in read_csv(registry / "communities.csv")}
    organisations = read_csv(registry / "organisations.csv")
    orgs = {o["org_id"] for o in organisations} | {o["name"] for o in organisations}
    found: set[str] = set()
    items = [c.name for c in COLUMNS["evaluations"] if c.kind == "rating"]
    for path in files_of(paths, "代表评议"):
        forms = evaluation_records(path)
        seen = Counter(f["evaluator"] for f in forms)
        found |= {"duplicate_form"} if max(seen.values()) > 1 else set()
        for form in forms:
            found |= {"rating_out_of_range"} if {form[i] for i in items} & {0, 6} else set()
            found |= {"unknown_verdict"} if form["verdict"] == "一般" else set()
            found |= {"missing_verdict"} if form["verdict"] == "" else set()
            found |= {"unknown_community"} if form["community"] not in names | ids else set()
    for record in (r for path in files_of(paths, "听证") for r in hearing_records(path)):
        resolved_over = int(record["opinions_resolved"]) > int(record["opinions_raised"])
        found |= {"resolved_over_raised"} if resolved_over else set()
        found |= {"negative_attendees"} if int(record["attendees"]) < 0 else set()
        found |= set() if is_iso_date(record["held_on"]) else {"unparseable_date"}
        found |= {"unknown_kind"} if record["kind"] not in HEARING_KINDS else set()
    for report in (r for path in files_of(paths, "党支部") for r in report_records(path)):
        over = report["members_participating"] > report["members_total"]
        found |= {"participating_over_total"} if over else set()
        found |= {"unknown_org"} if report["org"] not in orgs else set()
        found |= {"invalid_period"} if parse_period(report["period"]) is None else set()
    return found


def test_every_kind_of_bad_row_is_written(demo: tuple[Settings, list[Path]]) -> None:
    settings, paths = demo
    catalogue = {defect for defects in BAD_ROWS.values() for defect in defects}
    assert _bad_rows_found(paths, settings.reference_dir) == catalogue


def test_no_bad_rows_when_asked(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    paths = generate(settings, [Period(2026, 1)], bad_rows=False)
    assert _bad_rows_found(paths, settings.reference_dir) == set()


def test_roster_is_extended_for_a_period_outside_the_registry(tmp_path: Path) -> None:
    def run(folder: str) -> Path:
        settings = Settings(home=tmp_path / folder)
        write_registry(settings.reference_dir, 2026)
        generate(settings, [Period(2028, 2)])
        return settings.reference_dir / EVALUATORS_FILE

    roster_path = run("a")
    assert roster_path.read_bytes() == run("b").read_bytes()
    write_registry(tmp_path / "plain", 2026)
    before = (tmp_path / "plain" / EVALUATORS_FILE).read_bytes()
    assert roster_path.read_bytes().startswith(before)
    roster = read_csv(roster_path)
    added = [r for r in roster if r["period"] == "2028H2"]
    sizes = Counter(r["community_id"] for r in added)
    assert len(sizes) == 9
    assert all(16 <= n <= 60 for n in sizes.values())
    latest = {(r["community_id"], r["evaluator"]) for r in roster if r["period"] == "2027H2"}
    assert len({(r["community_id"], r["evaluator"]) for r in added} & latest) > 0.7 * len(added)


def test_many_subdistricts_have_prefixed_consistent_ids(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    paths = generate(settings, [Period(2026, 1)], subdistricts=3)
    communities = read_csv(settings.reference_dir / "communities.csv")
    organisations = read_csv(settings.reference_dir / "organisations.csv")
    roster = read_csv(settings.reference_dir / EVALUATORS_FILE)
    assert len(communities) == 27
    assert len(organisations) == 3 * 86
    assert communities[0]["community_id"] == "S0001-C01"
    assert organisations[0]["org_id"] == "S0001-B01"
    assert len({c["name"] for c in communities}) == 27
    assert len({o["name"] for o in organisations}) == 3 * 86
    prefix = {c["community_id"]: c["community_id"][:5] for c in communities}
    for org in organisations:
        assert re.fullmatch(r"S000[123]-[BMETKU]\d{2}", org["org_id"])
        if org["community_id"]:
            assert prefix[org["community_id"]] == org["org_id"][:5]
    assert {r["community_id"] for r in roster} == set(prefix)
    assert sorted(p.name for p in paths) == sorted(
        f"2026年上半年_{what}_S000{n}.{ext}"
        for n in (1, 2, 3)
        for what, ext in (("代表评议", "csv"), ("听证恳谈走访记录", "csv"), ("党支部报表", "xlsx"))
    )
    names = {c["name"]: c["community_id"] for c in communities}
    for path in files_of(paths, "代表评议"):
        subdistrict = path.stem[-5:]
        known = [
            f["community"] for f in evaluation_records(path) if f["community"] in names | prefix
        ]
        assert {names.get(c, c)[:5] for c in known} == {subdistrict}
        assert len(known) > 300


def test_a_registry_of_another_size_is_refused_untouched(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    write_registry(settings.reference_dir, 2026)
    roster = (settings.reference_dir / EVALUATORS_FILE).read_bytes()
    with pytest.raises(ValueError, match="subdistrict"):
        generate(settings, [Period(2030, 1)], subdistricts=2)
    assert (settings.reference_dir / EVALUATORS_FILE).read_bytes() == roster
    assert not settings.inbox_dir.exists()
    with pytest.raises(ValueError, match="at least 1"):
        generate(settings, [Period(2026, 1)], subdistricts=0)
