"""The registry: lookups in memory, the evaluator roster read by DuckDB from its file."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from flows.privacy import pseudonym
from flows.registry import Lookup, load_registry, lookup_keys, replace_roster, roster_source
from flows.settings import Settings
from flows.warehouse import open_warehouse

KEY = b"k" * 32


def _roster(settings: Settings, text: str) -> Path:
    path = settings.reference_dir / "evaluators.csv"
    path.write_text(text, encoding="utf-8-sig")
    return path


def _loaded_roster(settings: Settings) -> list[tuple[str, str, str, str]]:
    registry = load_registry(settings.reference_dir)
    with open_warehouse(settings) as con:
        con.execute("delete from ref.evaluators")
        replace_roster(con, registry, KEY)
        rows = con.execute(
            "select period, evaluator_key, role, community_id from ref.evaluators order by all"
        ).fetchall()
    return rows


def test_roster_is_pseudonymised_and_converted_once_per_value(settings: Settings) -> None:
    # Columns in another order, spaces around headers and values, a name in full-width form.
    _roster(
        settings,
        " role ,community_id, evaluator ,period\n"
        "人大代表, 和平社区 , 测试 甲 ,2026年上半年\n"
        "居民代表,C01,测试乙,2026H1\n"
        "居民代表,C01,,2026H1\n",
    )
    rows = _loaded_roster(settings)
    assert rows == sorted(
        [
            ("2026H1", pseudonym("测试甲", KEY), "deputy", "C01"),
            ("2026H1", pseudonym("测试乙", KEY), "resident_rep", "C01"),
        ]
    )


def test_roster_names_are_read_from_the_file(settings: Settings) -> None:
    _roster(settings, "period,evaluator,role,community_id\n2026H1, 测试丙 ,居民代表,C01\n")
    assert load_registry(settings.reference_dir).roster_names == frozenset({"测试丙"})


def test_roster_missing_a_column_is_refused_by_name(settings: Settings) -> None:
    path = _roster(settings, "period,evaluator,community_id\n2026H1,测试丁,C01\n")
    with pytest.raises(ValueError, match="role"):
        roster_source(path)


def test_registry_fingerprint_follows_every_file(settings: Settings) -> None:
    before = load_registry(settings.reference_dir).fingerprint
    path = settings.reference_dir / "evaluators.csv"
    path.write_text(path.read_text(encoding="utf-8") + "2026H1,测试戊,居民代表,C01\n", "utf-8")
    assert load_registry(settings.reference_dir).fingerprint != before


def test_roster_with_no_rows_loads_nothing(settings: Settings) -> None:
    _roster(settings, "period,evaluator,role,community_id\n")
    assert _loaded_roster(settings) == []


def test_lookup_prefers_ids_then_names_then_first_row() -> None:
    ids = pd.Series(["C01", "C02", "C03"], dtype="str")
    names = pd.Series(["和平社区", "c01", "和平社区"], dtype="str")  # a name equal to an id
    lookup = Lookup.build([(ids, ids), (names, ids)])
    assert lookup.resolve(["c01", " 和 平 社区", "Ｃ０２", "未知"]) == ["C01", "C01", "C02", "未知"]


def test_lookup_keys_match_python_whitespace_and_nfkc() -> None:
    spaces = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
    text = f"Ｓ0001{spaces}-ｃ01 社区"
    expected = "".join(unicodedata.normalize("NFKC", text).split()).lower()
    assert lookup_keys([text]).to_pylist() == [expected]


def test_registered_names_cover_communities_and_organisations(settings: Settings) -> None:
    registry = load_registry(settings.reference_dir)
    community = registry.communities["name"].iloc[0]
    org = registry.organisations["name"].iloc[0]
    assert registry.registered_names([community, org, "张三"]) == [True, True, False]
