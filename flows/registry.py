"""The reference registry kept by the office: communities, organisations, evaluator roster."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from flows.datasets import ROLES
from flows.periods import parse_period
from flows.privacy import Scrubber, person_names, pseudonym
from flows.warehouse import sql

_REGISTRY_FILES = ("communities.csv", "organisations.csv", "evaluators.csv")


# Every character Python's str.isspace() accepts, as an RE2 class (RE2's \\s is ASCII only).
_SPACES = (
    r"[\x{9}-\x{d}\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}"
    r"\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]+"
)


def lookup_keys(values: Iterable[object] | pa.Array) -> pa.Array:
    """Names or ids as compared against the registry: NFKC, no spaces, lower case.

    Vectorised with Arrow: a national registry has 1.6 million names and ids to key.
    """
    array = values if isinstance(values, pa.Array) else pa.array(values, type=pa.string())
    text = pc.utf8_normalize(array, "NFKC")
    return pc.utf8_lower(pc.replace_substring_regex(text, _SPACES, ""))


@dataclass(frozen=True)
class Lookup:
    """Lookup key -> id, as two Arrow arrays: a national registry has 1.6 million keys, which
    a dict of Python strings holds in several times the memory and builds far slower."""

    keys: pa.Array  # unique lookup keys (see lookup_keys)
    ids: pa.Array  # the id each key finds

    @classmethod
    def build(cls, tiers: list[tuple[pd.Series, pd.Series]]) -> Lookup:
        """From (values, ids) pairs: an earlier pair wins over a later one (ids over names
        over names without 社区), and within a pair the first row."""
        keys = pa.concat_arrays([lookup_keys(_arrow(values.dropna())) for values, _ in tiers])
        ids = pa.concat_arrays([_arrow(found[values.notna()]) for values, found in tiers])
        order = pa.table({"key": keys, "row": pa.array(range(len(keys)), pa.int64())})
        first = order.group_by("key", use_threads=False).aggregate([("row", "min")])
        rows = pc.sort_indices(first["row_min"])
        return cls(first["key"].take(rows).combine_chunks(), ids.take(first["row_min"].take(rows)))

    @cached_property
    def table(self) -> pa.Table:
        """The lookup as a table DuckDB joins against (read in place, not copied)."""
        return pa.table({"key": self.keys, "id": self.ids})

    def found(self, values: list[str]) -> list[str | None]:
        """The id each value's key finds; None where none.

        DuckDB joins the few distinct values of a batch against the keys: no hash table of
        the whole registry is kept in memory between calls.
        """
        if not values:
            return []
        wanted = pa.table(
            {"pos": pa.array(range(len(values)), pa.int64()), "key": lookup_keys(values)}
        )
        cursor = _engine().cursor()
        try:
            cursor.register("wanted", wanted)
            cursor.register("known", self.table)
            return [row[0] for row in cursor.execute(sql("registry/resolve")).fetchall()]
        finally:
            cursor.close()

    def resolve(self, values: list[str]) -> list[str]:
        """The id each value's key finds; the value itself where none."""
        return [
            v if hit is None else hit for hit, v in zip(self.found(values), values, strict=True)
        ]


@cache
def _engine() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for registry lookups (one per process; a cursor per call)."""
    return duckdb.connect()


def _arrow(series: pd.Series) -> pa.Array:
    """A text column as one Arrow string array (no copy through Python objects)."""
    if not len(series):
        return pa.array([], pa.string())
    array = pa.array(series.array, type=pa.string())
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


@dataclass
class Registry:
    """Registry tables plus lookups from id or registered name to id.

    The evaluator roster (millions of rows nationally) is not held in memory: DuckDB reads
    its file when the warehouse's copy is replaced and for the names masked in free text.
    """

    communities: pd.DataFrame
    organisations: pd.DataFrame
    roster_path: Path
    community_lookup: Lookup
    org_lookup: Lookup
    fingerprint: str = ""  # sha256 of the three registry files, to skip reloading them

    @cached_property
    def roster_names(self) -> frozenset[str]:
        """The roster's names as masked in free text (computed once, not once per batch)."""
        source = roster_source(self.roster_path)
        if source is None:
            return frozenset()
        with duckdb.connect() as con:
            con.execute(sql("registry/roster_file"))
            rows = con.execute(sql("load/roster_names"), source).fetchall()
        return person_names(row[0] for row in rows)

    @cached_property
    def roster_scrubber(self) -> Scrubber:
        """A scrubber of the roster's names, built once (a national roster is large)."""
        return Scrubber(self.roster_names)

    def registered_names(self, values: list[str]) -> list[bool]:
        """For each value, whether it is a registered community or organisation id or name."""
        communities, organisations = (
            self.community_lookup.found(values),
            self.org_lookup.found(values),
        )
        return [
            a is not None or b is not None for a, b in zip(communities, organisations, strict=True)
        ]


def _read_csv(path: Path) -> pd.DataFrame:
    """A registry CSV as text columns (Arrow-backed, compact), trimmed, empty cells missing."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh), [])
    types = dict.fromkeys(header, pa.string())
    table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types))
    columns = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        trimmed = pc.utf8_trim_whitespace(column)
        columns[name.strip()] = pc.if_else(pc.equal(trimmed, ""), None, trimmed)
    return pa.table(columns).to_pandas()


def load_registry(reference_dir: Path) -> Registry:
    """Read the registry CSVs from ``reference_dir``; raise FileNotFoundError if one is missing."""
    missing = [name for name in _REGISTRY_FILES if not (reference_dir / name).is_file()]
    if missing:
        raise FileNotFoundError(f"registry files missing in {reference_dir}: {', '.join(missing)}")
    communities = _read_csv(reference_dir / "communities.csv")
    organisations = _read_csv(reference_dir / "organisations.csv")
    ids, names = communities["community_id"], communities["name"]
    short = names[names.str.endswith("社区", na=False)]
    community_lookup = Lookup.build(
        [(ids, ids), (names, ids), (short.str.slice(0, -2), ids[short.index])]
    )
    ids, names = organisations["org_id"], organisations["name"]
    org_lookup = Lookup.build([(ids, ids), (names, ids)])
    digest = hashlib.sha256()
    for name in _REGISTRY_FILES:
        with (reference_dir / name).open("rb") as fh:
            digest.update(hashlib.file_digest(fh, "sha256").digest())
    return Registry(
        communities,
        organisations,
        reference_dir / "evaluators.csv",
        community_lookup,
        org_lookup,
        digest.hexdigest(),
    )


_ROSTER_COLUMNS = ("period", "evaluator", "role", "community_id")


def roster_source(path: Path) -> list[object] | None:
    """The SQL parameters that read the roster file: its path and its column names in order.

    Names are taken from the header, stripped of spaces, so that columns may come in any
    order; a roster missing one of them is refused with the names it lacks. None when the
    roster has no rows.
    """
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = [name.strip() for name in next(reader, [])]
        missing = [name for name in _ROSTER_COLUMNS if name not in header]
        if missing:
            raise ValueError(f"{path.name}: columns missing: {', '.join(missing)}")
        if next(reader, None) is None:
            return None
    return [str(path), header]


def replace_roster(con: duckdb.DuckDBPyConnection, registry: Registry, key: bytes) -> None:
    """Insert the evaluator roster into ``ref.evaluators``, names replaced by keyed pseudonyms.

    DuckDB reads the file; Python converts each distinct name, period, role and community
    once (a roster repeats them heavily), so memory follows the distinct values, not the rows.
    """
    source = roster_source(registry.roster_path)
    if source is None:
        return
    con.execute(sql("registry/roster_file"))
    distinct = con.execute(sql("load/roster_distinct"), source).fetchall()
    roles = {**ROLES, **{v: v for v in ROLES.values()}}
    convert: dict[str, Callable[[str], str]] = {
        "period": lambda p: str(parse_period(p) or p),
        "evaluator": lambda n: pseudonym(n, key),
        "role": lambda r: roles.get(r, r),
    }
    communities = [value for column, value in distinct if column == "community_id"]
    # Communities in one vectorised lookup: a national roster names 100,000 of them.
    convert["community_id"] = dict(
        zip(communities, registry.community_lookup.resolve(communities), strict=True)
    ).__getitem__
    mapping = pd.DataFrame(
        [(column, value, convert[column](value)) for column, value in distinct],
        columns=["column_name", "value", "converted"],
        dtype=object,
    )
    con.register("roster_mapping", mapping)
    try:
        con.execute(sql("load/replace_evaluators"), source)
    finally:
        con.unregister("roster_mapping")
