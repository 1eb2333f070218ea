"""Roster codes and masked names from the registry alone, and the office's own codes."""

from __future__ import annotations

import csv

import duckdb
import pytest

from flows.collection.roster import roster_evaluators
from flows.ingest.batch import ingest
from flows.ingest.registry import load_registry
from flows.periods import Period
from flows.privacy import load_key, pseudonym
from flows.settings import Settings
from flows.warehouse import ensure_schema
from tests.warehouse_state import query


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张伟", "张*"),
        ("欧阳明月", "欧***"),
        ("李", "*"),
        (" 王 芳 ", "王*"),
        ("王\u3000芳", "王*"),
    ],
)
def test_masked_name_keeps_the_family_name_only(name: str, masked: str) -> None:
    con = duckdb.connect()
    ensure_schema(con)
    assert con.execute("select meta.masked_name(?)", [name]).fetchone() == (masked,)


def test_the_offices_own_codes_are_used_where_the_roster_has_them(settings: Settings) -> None:
    key = load_key(settings.key_path)
    before = roster_evaluators(load_registry(settings.reference_dir), key, Period(2026, 1))
    path = settings.reference_dir / "evaluators.csv"
    with path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    given = {"史芳": "HP-01", "顾秀": "HP-02"}  # C01 deputies; everyone else gets minyi's code
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=[*rows[0], "code"])
        writer.writeheader()
        writer.writerows({**r, "code": given.get(r["evaluator"], "")} for r in rows)
    roster = roster_evaluators(load_registry(settings.reference_dir), key, Period(2026, 1))
    codes = dict(zip(roster["evaluator_key"], roster["code"], strict=True))
    expected = dict(zip(before["evaluator_key"], before["code"], strict=True))
    expected |= {pseudonym(name, key): code for name, code in given.items()}
    assert codes == expected
    ingest(settings, [])  # the warehouse takes the same codes from the registry
    (code,) = query(
        settings,
        "select code from ref.evaluator_codes where evaluator_key = ?",
        [pseudonym("史芳", key)],
    )
    assert code == ("HP-01",)
