"""Writing tables: Chinese headers, encodings, numbering and titles as offices send them."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest

from flows.datasets import COLUMNS
from flows.demo.entities import Row
from flows.demo.files import workbook_created, write_table_csv, write_table_xlsx
from flows.periods import Period
from flows.settings import Settings
from tests.demo.readback import files_of, read_reports, sheet_rows

REPORTS: list[Row] = [
    {
        "period": "2026H1",
        "org": "B01",
        "members_total": 30,
        "members_participating": 27,
        "submitted_on": date(2026, 7, 3),
        "took_part": None,
    },
    {
        "period": "2026H1",
        "org": "U01",
        "members_total": 80,
        "members_participating": 0,
        "submitted_on": date(2026, 7, 9),
        "took_part": "否",
    },
]
CREATED = datetime(2026, 7, 1, 9, 0)


def test_a_numbered_csv_has_chinese_headers_iso_dates_and_crlf(tmp_path: Path) -> None:
    path = write_table_csv(tmp_path / "t.csv", "branch_reports", REPORTS, "utf-8-sig", True)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == 3
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header, first, second = list(csv.reader(fh))
    names = [c.name for c in COLUMNS["branch_reports"]]
    assert header == ["序号", *(c.zh for c in COLUMNS["branch_reports"])]
    assert first[0] == "1" and second[0] == "2"
    assert first[1 + names.index("submitted_on")] == "2026-07-03"
    assert first[1 + names.index("took_part")] == ""
    assert first[1 + names.index("floating_members")] == ""
    assert second[1 + names.index("took_part")] == "否"


def test_an_unnumbered_gb18030_csv_starts_with_the_header(tmp_path: Path) -> None:
    path = write_table_csv(tmp_path / "t.csv", "branch_reports", REPORTS, "gb18030", False)
    with path.open(encoding="gb18030", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    assert header == [c.zh for c in COLUMNS["branch_reports"]]
    assert len(rows) == 2
    assert "否".encode("gb18030") in path.read_bytes()


def test_a_workbook_without_title_reads_back_with_typed_cells(tmp_path: Path) -> None:
    path = write_table_xlsx(tmp_path / "t.xlsx", "branch_reports", REPORTS, CREATED, None)
    assert sheet_rows(path)[0] == [c.zh for c in COLUMNS["branch_reports"]]
    first, second = read_reports(path)
    assert first["submitted_on"] == date(2026, 7, 3)
    assert first["members_total"] == 30
    assert (first["took_part"], second["took_part"]) == ("", "否")


def test_a_titled_workbook_is_numbered_under_its_title(tmp_path: Path) -> None:
    path = write_table_xlsx(tmp_path / "t.xlsx", "branch_reports", REPORTS, CREATED, "标题")
    title, header, *rows = sheet_rows(path)
    assert title[0] == "标题"
    assert header == ["序号", *(c.zh for c in COLUMNS["branch_reports"])]
    assert [row[0] for row in rows] == [1, 2]


def test_a_workbook_written_twice_has_the_same_bytes(tmp_path: Path) -> None:
    created = workbook_created(Period(2026, 1))
    assert created == datetime(2026, 7, 1, 9, 0)
    first = write_table_xlsx(tmp_path / "a.xlsx", "branch_reports", REPORTS, created, None)
    again = write_table_xlsx(tmp_path / "b.xlsx", "branch_reports", REPORTS, created, None)
    assert first.read_bytes() == again.read_bytes()


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
