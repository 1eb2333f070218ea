"""The SQL the project runs, loaded by name from sql/."""

from __future__ import annotations

import pytest

from flows.settings import SQL_DIR
from flows.warehouse.statements import sql, sql_names


def test_sql_is_the_files_text() -> None:
    text = (SQL_DIR / "metrics" / "satisfaction.sql").read_text(encoding="utf-8")
    assert sql("metrics/satisfaction") == text


def test_sql_names_are_sorted_with_their_folder_and_no_suffix() -> None:
    names = sql_names("schema")
    assert names[0] == "schema/01_schemas"
    assert names == sorted(names)
    assert names == [f"schema/{p.stem}" for p in sorted((SQL_DIR / "schema").glob("*.sql"))]
    assert all(sql(name) for name in names)


def test_an_unknown_name_is_an_error_not_an_empty_statement() -> None:
    with pytest.raises(FileNotFoundError):
        sql("metrics/no_such_metric")
    assert sql_names("no_such_folder") == []


def test_each_file_opens_with_a_line_saying_what_it_produces() -> None:
    files = sorted(SQL_DIR.rglob("*.sql"))
    openings = {
        p.relative_to(SQL_DIR).as_posix(): p.read_text("utf-8").split("\n")[0] for p in files
    }
    assert len(openings) > 50
    assert [name for name, first in openings.items() if not first.startswith("-- ")] == []
