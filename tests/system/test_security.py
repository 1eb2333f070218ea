"""Hostile files, unsafe names, links, formula injection, SQL built by formatting, bind address."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import re
import stat
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter
from typer.testing import CliRunner

from flows.ingest.batch import ingest
from flows.ingest.inbox import inbox_files, safe_file_name
from flows.ingest.readers import MAX_SHEET_ROWS
from flows.ingest.rebuild import rebuild
from flows.periods import Period
from flows.reports import write_reports
from flows.settings import REPO_ROOT, Settings
from flows.warehouse import Mode, open_warehouse
from flows.warehouse.display import DISPLAY_CHARS
from flows.warehouse.export import export_period, write_query_output
from tests.helpers import EVALUATION_HEADER, evaluation, hearing, write_csv

FLOWS_DIR = REPO_ROOT / "flows"
MAX_SECONDS = 10.0
MAX_RSS_GROWTH_MB = 300

# Hostile workbooks are written member by member with zipfile: cheap to build, exact in shape.
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
    'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
    '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="评议" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org'
    b'/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_TAIL = b"</sheetData></worksheet>"
_HEADER = ["评议期", "社区", "评议人", "身份", "服务态度", "办事效率", "环境整治"]
_HEADER += ["居务公开", "为民办实事", "总体评价", "意见建议", "评议日期"]


def _header_row() -> bytes:
    cells = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{text}</t></is></c>'
        for i, text in enumerate(_HEADER)
    )
    return f'<row r="1">{cells}</row>'.encode()


_SHARED_RELS = _WORKBOOK_RELS.replace(
    "</Relationships>",
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
)


def _workbook(
    path: Path, sheet: Iterator[bytes], shared_strings: Iterator[bytes] | None = None
) -> Path:
    """An .xlsx whose one sheet's XML (and shared strings, if given) is streamed (fast deflate)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _RELS)
        book.writestr("xl/workbook.xml", _WORKBOOK)
        rels = _WORKBOOK_RELS if shared_strings is None else _SHARED_RELS
        book.writestr("xl/_rels/workbook.xml.rels", rels)
        parts = {"xl/worksheets/sheet1.xml": sheet}
        if shared_strings is not None:
            parts["xl/sharedStrings.xml"] = shared_strings
        for name, blocks in parts.items():
            with book.open(name, "w", force_zip64=True) as member:
                for block in blocks:
                    member.write(block)
    return path


def huge_shared_string(path: Path) -> Path:
    """The poisoned workbook of issue 20: about 190 KB, one shared string of 190 million
    characters shown in one cell (E2). Under the zip-bomb limits: only the cell limit holds."""

    def sheet() -> Iterator[bytes]:
        yield _SHEET_HEAD + _header_row() + b'<row r="2"><c r="E2" t="s"><v>0</v></c></row>'
        yield _SHEET_TAIL

    def shared_strings() -> Iterator[bytes]:
        yield (
            b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats'
            b'.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
        )
        block = b"A" * (1 << 20)
        for _ in range(190_000_000 >> 20):
            yield block
        yield b"</t></si></sst>"

    return _workbook(path, sheet(), shared_strings())


def zip_bomb(path: Path) -> Path:
    """A 1 MB workbook holding one 300 MB cell."""
    block = b"A" * (1 << 20)

    def sheet() -> Iterator[bytes]:
        yield _SHEET_HEAD + _header_row() + b'<row r="2"><c r="A2" t="inlineStr"><is><t>'
        for _ in range(300):
            yield block
        yield b"</t></is></c></row>" + _SHEET_TAIL

    return _workbook(path, sheet())


def million_styled_rows(path: Path) -> Path:
    """A million empty formatted rows (no r="..." numbers, as some tools write), one value last."""

    def sheet() -> Iterator[bytes]:
        yield _SHEET_HEAD + _header_row()
        for _ in range(100):
            yield b'<row s="1" customFormat="1"><c s="1"/></row>' * 10_000
        yield b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' + _SHEET_TAIL

    return _workbook(path, sheet())


def huge_field_csv(path: Path) -> Path:
    """A CSV whose one quoted field runs for 100 MB (just under the file size limit)."""
    with path.open("w", encoding="utf-8") as fh:
        fh.write(",".join(_HEADER) + '\n2026H1,和平社区,甲,居民代表,5,5,5,5,5,满意,"')
        chunk = "很" * (1 << 20)
        for _ in range(33):  # 3 bytes a character: 99 MB
            fh.write(chunk)
        fh.write('",2026-07-03\n')
    return path


def oversized(path: Path) -> Path:
    """A file larger than the configured maximum (sparse: costs no disk)."""
    with path.open("wb") as fh:
        fh.write(b"\xef\xbb\xbf" + ",".join(_HEADER).encode() + b"\n")
        fh.truncate(101 * 1024 * 1024)
    return path


HOSTILE: dict[str, tuple[Callable[[Path], Path], str, str]] = {
    "zip-bomb": (zip_bomb, "bomb.xlsx", "file_zip_bomb"),
    "huge-shared-string": (huge_shared_string, "poisoned.xlsx", "file_cell_too_large"),
    "million-styled-rows": (million_styled_rows, "rows.xlsx", "file_sheet_too_many_rows"),
    "100mb-field": (huge_field_csv, "field.csv", "file_field_too_large"),
    "over-max-size": (oversized, "big.csv", "file_too_large"),
}

_MEASURE = textwrap.dedent(
    """
    import json, resource, sys, time
    from pathlib import Path
    from flows.ingest.readers import FileRejected, read_file
    from flows.settings import load_settings
    settings = load_settings()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    try:
        read_file(Path(sys.argv[1]), settings)
        key = None
    except FileRejected as error:
        key = error.key
    print(json.dumps({
        "key": key,
        "seconds": time.monotonic() - started,
        "rss_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024,
    }))
    """
)


@pytest.mark.parametrize(("build", "name", "key"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_file_is_refused_in_bounded_time_and_memory(
    tmp_path: Path, home: Path, build: Callable[[Path], Path], name: str, key: str
) -> None:
    path = build(tmp_path / name)
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
        env={**os.environ, "MINYI_HOME": str(home)},
        check=True,
    )
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    assert measured["key"] == key
    assert measured["seconds"] < MAX_SECONDS
    assert measured["rss_mb"] < MAX_RSS_GROWTH_MB


def test_million_rows_limit_is_above_any_real_form() -> None:
    assert 100_000 < MAX_SHEET_ROWS < 1_000_000


# Inbox: links, odd names, temporary files; the run goes on for the good files


@pytest.fixture
def outside_secret(tmp_path: Path) -> Path:
    """A readable file outside the inbox that a link would expose (valid forms, even)."""
    return write_csv(tmp_path / "outside" / "outside_forms.csv", "evaluations", [evaluation()])


def _meta_files(settings: Settings) -> dict[str, tuple[str, str | None]]:
    with open_warehouse(settings, Mode.READ) as con:
        rows = con.execute("select file_name, status, reason_en from meta.files").fetchall()
    return {name: (status, reason) for name, status, reason in rows}


def test_symlink_in_inbox_is_refused_unread_with_a_reason(
    settings: Settings, outside_secret: Path
) -> None:
    inbox = settings.inbox_dir
    good = write_csv(inbox / "good.csv", "evaluations", [evaluation(evaluator="乙")])
    link = inbox / "link.csv"
    link.symlink_to(outside_secret)
    (inbox / "dirlink").symlink_to(outside_secret.parent, target_is_directory=True)

    result = ingest(settings, inbox_files(settings))
    summary, outcomes = result.summary, result.outcomes

    by_name = {o.file_name: o for o in outcomes}
    assert by_name["good.csv"].outcome == "loaded" and summary.rows_loaded == 1
    for name in ("link.csv", "dirlink"):
        rejection = by_name[name].rejection
        assert by_name[name].outcome == "rejected" and rejection is not None
        assert rejection.key == "file_symlink"
    files = _meta_files(settings)
    assert files["link.csv"][0] == "rejected" and "symbolic link" in str(files["link.csv"][1])
    assert not link.is_symlink() and not good.exists(), "the inbox is cleared"
    assert outside_secret.is_file(), "the target is left alone"
    secret = outside_secret.read_bytes()
    copies = [p for p in settings.home.rglob("*") if p.is_file() and p.read_bytes() == secret]
    assert copies == [], "the target was neither archived nor quarantined"


def test_temporary_files_are_left_for_later_not_refused(settings: Settings) -> None:
    inbox = settings.inbox_dir
    write_csv(inbox / "good.csv", "evaluations", [evaluation()])
    lock = inbox / "~$评议表.xlsx"
    partial = inbox / "评议表.xlsx.tmp"
    for path in (lock, partial):
        path.write_bytes(b"partial")

    result = ingest(settings, inbox_files(settings))
    outcomes = result.outcomes

    assert [o.file_name for o in outcomes] == ["good.csv"]
    assert lock.exists() and partial.exists()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("..", "file", id="dot-dot"),
        pytest.param("../../etc/passwd", "_.._etc_passwd", id="traversal"),
        pytest.param("..\\..\\evil.csv", "_.._evil.csv", id="windows-traversal"),
        pytest.param("a\x1b[31mred\x07.csv", "a_[31mred_.csv", id="terminal-escape"),
        pytest.param("evil\u202excsv.exe", "evil_xcsv.exe", id="bidi-override"),
        pytest.param(".hidden.csv", "hidden.csv", id="leading-dot"),
        pytest.param("评议表（一）.xlsx", "评议表（一）.xlsx", id="ordinary"),
        pytest.param("x" * 300 + ".xlsx", "x" * 155 + ".xlsx", id="too-long"),
    ],
)
def test_safe_file_name(name: str, expected: str) -> None:
    assert safe_file_name(name) == expected


def test_odd_file_names_are_cleaned_wherever_used_as_paths(settings: Settings) -> None:
    inbox = settings.inbox_dir
    odd = "..\x1b[2J..\r评议表\x07"
    bad_rows = [evaluation(community="无此社区")]
    loaded = write_csv(inbox / f"{odd}.csv", "evaluations", [evaluation(), *bad_rows])
    refused = inbox / f"{odd}.txt"
    refused.write_text("not a table\n", encoding="utf-8")

    result = ingest(settings, [loaded, refused])
    outcomes = result.outcomes
    with open_warehouse(settings, Mode.READ) as con:
        written = write_reports(con, settings, Period(2026, 1))

    assert {o.outcome for o in outcomes} == {"loaded", "rejected"}
    names = [o.file_name for o in outcomes] + list(_meta_files(settings))
    assert all(not re.search(r"[\x00-\x1f/\\]", n) for n in names), names
    quarantined = list(settings.quarantine_dir.iterdir())
    corrections = [p for p in written if p.name.endswith(".corrections.xlsx")]
    assert len(quarantined) == 1 and len(corrections) == 1
    for path, folder in ((quarantined[0], settings.quarantine_dir), (corrections[0], None)):
        assert path.parent == (folder or path.parent) and path.resolve().is_relative_to(
            settings.home.resolve()
        )
        assert not re.search(r"[\x00-\x1f]", path.name)


def test_validation_results_keep_counts_not_the_offending_values(settings: Settings) -> None:
    # A resident's name no list knows: only dropping the values keeps it out of the file.
    forms = [evaluation(community="王大爷家楼下"), evaluation(evaluator="乙", verdict="王大爷说好")]
    ingest(settings, [write_csv(settings.inbox_dir / "e.csv", "evaluations", forms)])

    (result,) = (settings.reports_dir / "validation").glob("*.json")
    text = result.read_text(encoding="utf-8")
    assert "王大爷" not in text
    assert '"unexpected_count": 1' in text


# Formula injection

FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def _sheet_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as book:
        return "".join(
            book.read(n).decode("utf-8") for n in book.namelist() if n.startswith("xl/worksheets/")
        )


def test_input_text_never_becomes_a_formula_in_workbooks_or_csv(
    settings: Settings, tmp_path: Path
) -> None:
    forms = [evaluation(evaluator=f"评议人{i}", comments=text) for i, text in enumerate(FORMULAS)]
    forms.append(evaluation(evaluator="评议人x", community="=1+1"))  # quarantined: corrections
    records = [hearing(record_id=f"H-{i}", topic=text) for i, text in enumerate(FORMULAS)]
    paths = [
        write_csv(settings.inbox_dir / "e.csv", "evaluations", forms),
        write_csv(settings.inbox_dir / "h.csv", "hearings", records),
    ]
    ingest(settings, paths)
    with open_warehouse(settings, Mode.READ) as con:
        written = write_reports(con, settings, Period(2026, 1))

    workbooks = [p for p in written if p.suffix == ".xlsx"]
    assert any(p.name.endswith(".corrections.xlsx") for p in workbooks)
    for path in workbooks:
        assert "<f>" not in _sheet_xml(path), path.name

    exported = export_period(settings, Period(2026, 1), "csv", tmp_path / "export")
    runner = CliRunner()
    from flows.cli import app

    query = "select topic from core.hearings union all select comments from core.evaluations"
    printed = runner.invoke(app, ["query", query, "--format", "csv"], catch_exceptions=False)
    frame = pd.DataFrame({"topic": FORMULAS})
    write_query_output(frame, tmp_path / "q.csv", settings.timezone)
    write_query_output(frame, tmp_path / "q.xlsx", settings.timezone)
    assert "<f>" not in _sheet_xml(tmp_path / "q.xlsx")
    csv_texts = {
        "export": next(t.path for t in exported if t.name == "hearings").read_text("utf-8"),
        "query-output": (tmp_path / "q.csv").read_text("utf-8-sig"),
        "query-print": printed.output,
    }
    for where, text in csv_texts.items():
        cells = [c for row in csv.reader(io.StringIO(text, newline="")) for c in row]
        formula_like = [c for c in cells if isinstance(c, str) and c.startswith(tuple("=+-@\t\r"))]
        assert formula_like == [], where
        assert any(c == "'=1" or c == "'\t=1" for c in cells if isinstance(c, str)), where


# SQL is built from files and parameters only

# (file, line) of f-strings in SQL whose only inserts are names from the repository itself.
_KNOWN_SAFE = {
    (
        "warehouse/schema.py",
        'con.execute(f"create or replace view metrics.{view} as\\n{sql(name)}")',
    ),
    ("ingest/load.py", 'con.execute(f"delete from ref.{table}")'),
}
# sql(f"reports/{name}") only names a file in sql/; executing formatted text is what is caught.
_BUILT_SQL = re.compile(r"""\.(execute|sql|query)\(\s*f["']|\.execute\([^)]*(\.format\(|%\s)""")


def _built_sql_lines() -> Iterator[tuple[str, str]]:
    # Every module of every sub-package (the checks once looked at flows/*.py only).
    for path in sorted(FLOWS_DIR.rglob("*.py")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if _BUILT_SQL.search(line):
                yield path.relative_to(FLOWS_DIR).as_posix(), line.strip()


def test_sql_is_never_built_by_formatting_strings() -> None:
    found = set(_built_sql_lines())
    assert found <= _KNOWN_SAFE
    assert found, "the check reads the modules where SQL is run"


def test_the_sql_check_catches_a_formatted_query() -> None:
    line = "con.execute(f\"select * from t where name = '{name}'\")"
    assert _BUILT_SQL.search(line)
    assert _BUILT_SQL.search('con.execute("select {}".format(x))')
    assert not _BUILT_SQL.search('con.execute(sql("load/insert_file"), [name])')


def test_query_connection_has_file_access_disabled(settings: Settings) -> None:
    ingest(settings, [write_csv(settings.inbox_dir / "e.csv", "evaluations", [evaluation()])])
    from flows.warehouse.query import run_query

    frame = run_query(
        settings, "select current_setting('enable_external_access') as external_access"
    )
    assert frame["external_access"].tolist() == [False]


# Services


def test_prefect_server_binds_to_localhost_by_default() -> None:
    from flows.service.server import server_command

    command = server_command(4200)
    assert command[command.index("--host") + 1] == "127.0.0.1"


def test_a_value_loaded_before_the_limit_is_cut_at_display_and_refused_by_rebuild(
    settings: Settings, tmp_path: Path
) -> None:
    # A warehouse from before the cell limit: loaded under a limit far above Excel's.
    roomy = dataclasses.replace(settings, max_field_chars=100_000)
    long_opinion = "很长的意见" * 10_000  # 50,000 characters
    forms = [evaluation(evaluator=f"评议人{i}", comments=long_opinion) for i in range(3)]
    forms.append(evaluation(evaluator="评议人x", comments="短意见"))
    ingest(roomy, [write_csv(roomy.inbox_dir / "long.csv", "evaluations", forms)])

    with open_warehouse(settings, Mode.READ) as con:
        written = write_reports(con, settings, Period(2026, 1))
    (html,) = [p for p in written if p.suffix == ".html" and "quality" not in p.name][:1]
    page = html.read_text(encoding="utf-8")
    assert long_opinion not in page and long_opinion[: DISPLAY_CHARS - 1] + "…" in page

    from flows.warehouse.query import run_query

    shown = run_query(settings, "select comments from core.evaluations order by comments")
    lengths = sorted(shown["comments"].str.len().tolist())
    assert lengths == [3, DISPLAY_CHARS, DISPLAY_CHARS, DISPLAY_CHARS]

    # minyi rebuild applies today's limits to the archive: the file is refused whole.
    summary = rebuild(settings)
    assert summary.rows_loaded == 0
    with open_warehouse(settings, Mode.READ) as con:
        assert con.execute("select count(*) from core.evaluations").fetchone() == (0,)
    files = _meta_files(settings)
    assert files["long.csv"][0] == "rejected"
    assert "32767" in str(files["long.csv"][1])


# Personal numbers in file names, sheet names and numeric cells


def test_numbers_and_names_in_file_sheet_names_and_numeric_cells_are_masked(
    settings: Settings,
) -> None:
    roster = pd.read_csv(settings.reference_dir / "evaluators.csv", dtype=str)
    person = str(roster["evaluator"].iloc[0])
    path = settings.inbox_dir / f"{person}_139 1234 5678.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    comments = EVALUATION_HEADER.index("意见建议")
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet("110105194912310021")
        sheet.write_row(0, 0, EVALUATION_HEADER)
        sheet.write_row(1, 0, evaluation(evaluator="乙"))
        # An ID typed into a text column that Excel turned into a number.
        sheet.write_number(1, comments, 110105194912310021)
    ingest(settings, [path])

    with open_warehouse(settings, Mode.READ) as con:
        (file_name,) = con.execute("select file_name from meta.files").fetchone() or ("",)
        sheet_name, text = con.execute(
            "select sheet, comments from core.evaluations"
        ).fetchone() or ("", "")
    assert file_name == "[姓名]_[电话].xlsx"
    assert sheet_name == "[身份证号]"
    assert text == "[身份证号]"


# Private by default


def test_minyi_home_and_everything_minyi_writes_are_private(settings: Settings) -> None:
    from flows.cli import app

    settings.home.chmod(0o755)  # as an older minyi, or a default umask, left it
    good = write_csv(settings.inbox_dir / "e.csv", "evaluations", [evaluation()])
    refused = settings.inbox_dir / "empty.csv"
    refused.write_bytes(b"")
    for path in (good, refused):
        path.chmod(0o644)
    runner = CliRunner()
    ingested = runner.invoke(app, ["ingest", str(good), str(refused)], catch_exceptions=False)
    assert ingested.exit_code == 0, ingested.output
    reported = runner.invoke(app, ["report", "--period", "2026H1"], catch_exceptions=False)
    assert reported.exit_code == 0, reported.output

    assert stat.S_IMODE(settings.home.stat().st_mode) == 0o700
    written = [
        p
        for p in settings.home.rglob("*")
        if p.relative_to(settings.home).parts[0] not in ("reference", "inbox")
    ]
    kinds = {p.relative_to(settings.home).parts[0] for p in written}
    assert {"archive", "quarantine", "reports", "warehouse.duckdb"} <= kinds
    open_to_others = {
        str(p.relative_to(settings.home)): oct(stat.S_IMODE(p.stat().st_mode))
        for p in written
        if stat.S_IMODE(p.stat().st_mode) & 0o077
    }
    assert open_to_others == {}
