"""The registry: lookups in memory, the evaluator roster read by DuckDB from its file, and
what is derived from its files kept between runs."""

from __future__ import annotations

import os
import pickle
import stat
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from flows.ingest import registry as registry_module
from flows.ingest.registry import (
    Lookup,
    Registry,
    keep,
    load_registry,
    lookup_keys,
    read_roster_names,
    registry_fingerprint,
    replace_roster,
    roster_source,
)
from flows.privacy import pseudonym
from flows.settings import Settings
from flows.warehouse import Mode, open_warehouse

KEY = b"k" * 32


def _roster(settings: Settings, text: str) -> Path:
    path = settings.reference_dir / "evaluators.csv"
    path.write_text(text, encoding="utf-8-sig")
    return path


def _roster_file(settings: Settings) -> Path:
    return settings.reference_dir / "evaluators.csv"


def _loaded_roster(settings: Settings) -> list[tuple[str, str, str, str]]:
    registry = load_registry(settings.reference_dir)
    with open_warehouse(settings, Mode.WRITE) as con:
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


def test_roster_names_are_masked_and_blank_cells_kept_empty(settings: Settings) -> None:
    # Each distinct name is masked once (roster_mapping.masked): every row of it gets it.
    _roster(
        settings,
        "period,evaluator,role,community_id\n"
        "2026H1, 测 试 甲 ,居民代表,C01\n"
        "2026H2,测试甲,,C01\n"
        ",乙,人大代表,\n",
    )
    registry = load_registry(settings.reference_dir)
    with open_warehouse(settings, Mode.WRITE) as con:
        con.execute("delete from ref.evaluators")
        replace_roster(con, registry, KEY)
        rows = con.execute(
            "select period, role, community_id, masked_name from ref.evaluators order by all"
        ).fetchall()
    assert rows == [
        ("", "deputy", "", "*"),
        ("2026H1", "resident_rep", "C01", "测**"),
        ("2026H2", "", "C01", "测**"),
    ]


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


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts how often the roster's names are read and a lookup is built."""
    counts: Counter[str] = Counter()
    build, read = Lookup.build, read_roster_names

    def counted_build(tiers: list[tuple[pd.Series, pd.Series]]) -> Lookup:
        counts["lookup"] += 1
        return build(tiers)

    def counted_read(path: Path) -> frozenset[str]:
        counts["roster"] += 1
        return read(path)

    monkeypatch.setattr(Lookup, "build", staticmethod(counted_build))
    monkeypatch.setattr(registry_module, "read_roster_names", counted_read)
    return counts


def _derived(registry: Registry) -> tuple[object, ...]:
    """Everything the cache may supply, in comparable form."""
    lookups = (registry.community_lookup, registry.org_lookup)
    return (
        registry.roster_names,
        [(lookup.keys.to_pylist(), lookup.ids.to_pylist()) for lookup in lookups],
    )


def _kept_files(settings: Settings) -> list[Path]:
    return sorted(p for p in settings.registry_cache_dir.rglob("*") if p.is_file())


def test_second_load_uses_what_the_first_kept(settings: Settings, builds: Counter[str]) -> None:
    first = load_registry(settings.reference_dir, settings.registry_cache_dir)
    expected = _derived(first)
    assert builds == {"lookup": 2, "roster": 1}
    second = load_registry(settings.reference_dir, settings.registry_cache_dir)
    assert _derived(second) == expected
    assert builds == {"lookup": 2, "roster": 1}, "nothing built again"
    assert (
        second.fingerprint == first.fingerprint == load_registry(settings.reference_dir).fingerprint
    )


def test_kept_files_are_rebuilt_when_the_roster_changes(
    settings: Settings, builds: Counter[str]
) -> None:
    before = load_registry(settings.reference_dir, settings.registry_cache_dir)
    assert "测试庚" not in before.roster_names
    _roster(settings, "period,evaluator,role,community_id\n2026H1,测试庚,居民代表,C01\n")
    after = load_registry(settings.reference_dir, settings.registry_cache_dir)
    assert after.roster_names == frozenset({"测试庚"}) and builds["roster"] == 2
    folders = [p.name for p in settings.registry_cache_dir.iterdir() if p.is_dir()]
    assert folders == [after.fingerprint], "the older registry's files are removed"


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))


def _foreign_but_intact(path: Path) -> None:
    # Its digest matches, but it holds a pickle of a callable, not what the reader expects.
    keep(path, pickle.dumps(os.system))


@pytest.mark.parametrize(
    "damage",
    [
        _truncate,
        _flip_last_byte,
        lambda path: path.write_bytes(b""),
        _foreign_but_intact,
    ],
    ids=["truncated", "corrupt", "empty", "intact-but-foreign"],
)
def test_damaged_kept_files_are_rebuilt_not_trusted(
    settings: Settings,
    builds: Counter[str],
    monkeypatch: pytest.MonkeyPatch,
    damage: Callable[[Path], None],
) -> None:
    monkeypatch.setattr(registry_module, "_RACY_NS", -60 * 10**9)  # keep the digests too
    expected = _derived(load_registry(settings.reference_dir, settings.registry_cache_dir))
    kept = _kept_files(settings)
    assert len(kept) == 4, "digests, two lookups, the roster's names"
    for path in kept:
        damage(path)
    again = load_registry(settings.reference_dir, settings.registry_cache_dir)
    assert _derived(again) == expected
    assert builds == {"lookup": 4, "roster": 2}
    assert _derived(load_registry(settings.reference_dir, settings.registry_cache_dir)) == expected
    assert builds == {"lookup": 4, "roster": 2}, "the damaged files were written again"


def test_scrubbing_is_the_same_with_and_without_kept_files(settings: Settings) -> None:
    names = sorted(read_roster_names(_roster_file(settings)))
    texts = [
        f"{names[0]}反映楼道灯坏了，联系电话13912345678",
        f"{names[1]}{names[2]}和{names[3]}都来了",
        f"居民{names[4][:1]}说",  # one character of a name is not a name
        "楼道灯坏了3盏",
        "",
    ]
    uncached = load_registry(settings.reference_dir).roster_scrubber
    built = load_registry(settings.reference_dir, settings.registry_cache_dir).roster_scrubber
    loaded = load_registry(settings.reference_dir, settings.registry_cache_dir).roster_scrubber
    expected = [uncached(text) for text in texts]
    assert [built(text) for text in texts] == expected == [loaded(text) for text in texts]
    assert expected[0] == "[姓名]反映楼道灯坏了，联系电话[电话]"
    assert loaded.names == uncached.names == frozenset(names)


def test_kept_files_are_readable_by_the_owner_only(settings: Settings) -> None:
    assert load_registry(settings.reference_dir, settings.registry_cache_dir).roster_names
    folders = [p for p in settings.registry_cache_dir.rglob("*") if p.is_dir()]
    assert folders and all(stat.S_IMODE(p.stat().st_mode) == 0o700 for p in folders)
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in _kept_files(settings))


def test_unwritable_cache_folder_only_costs_time(settings: Settings, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("a file where the cache folder should be")
    registry = load_registry(settings.reference_dir, not_a_folder)
    assert registry.roster_names == read_roster_names(_roster_file(settings))


def test_roster_changed_while_building_is_not_kept(
    settings: Settings, builds: Counter[str]
) -> None:
    registry = load_registry(settings.reference_dir, settings.registry_cache_dir)
    _roster(settings, "period,evaluator,role,community_id\n2026H1,测试辛,居民代表,C01\n")
    assert registry.roster_names == frozenset({"测试辛"}), "built from the file as it is now"
    folder = settings.registry_cache_dir / registry.fingerprint
    assert not list(folder.glob("roster-names.*")), "not kept under the older fingerprint"


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The registry files read to fingerprint them, in order."""
    files: list[Path] = []
    file_sha256 = registry_module.file_sha256

    def counted(path: Path) -> bytes:
        files.append(path)
        return file_sha256(path)

    monkeypatch.setattr(registry_module, "file_sha256", counted)
    return files


def _rewrite_in_place(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("人大代表", "政协委员", 1), encoding="utf-8")


def _replace(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    swapped = path.with_name("evaluators.csv.new")
    swapped.write_text(text.replace("人大代表", "政协委员", 1), encoding="utf-8")
    os.replace(swapped, path)


@pytest.mark.parametrize("rewrite", [_rewrite_in_place, _replace], ids=["in-place", "replaced"])
def test_kept_digest_is_not_used_for_changed_content_of_the_same_size_and_mtime(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    hashed: list[Path],
    rewrite: Callable[[Path], None],
) -> None:
    # As if the files had been written long before they were hashed (see _RACY_NS).
    monkeypatch.setattr(registry_module, "_RACY_NS", -60 * 10**9)
    cache = settings.registry_cache_dir
    first, _ = registry_fingerprint(settings.reference_dir, cache)
    assert registry_fingerprint(settings.reference_dir, cache)[0] == first and len(hashed) == 3

    roster = _roster_file(settings)
    before = roster.stat()
    time.sleep(0.02)  # file times advance in ticks of a few milliseconds
    rewrite(roster)
    os.utime(roster, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (
        roster.stat().st_size == before.st_size and roster.stat().st_mtime_ns == before.st_mtime_ns
    )

    changed, _ = registry_fingerprint(settings.reference_dir, cache)
    assert changed != first and hashed[3:] == [roster]
    assert changed == registry_fingerprint(settings.reference_dir)[0]


def test_recently_written_files_are_hashed_every_time(
    settings: Settings, hashed: list[Path]
) -> None:
    _rewrite_in_place(_roster_file(settings))  # just now: may change again within its tick
    for _ in range(2):
        registry_fingerprint(settings.reference_dir, settings.registry_cache_dir)
    assert hashed.count(_roster_file(settings)) == 2
