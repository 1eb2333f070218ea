"""The reference registry kept by the office: communities, organisations, evaluator roster."""

from __future__ import annotations

import csv
import hashlib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import duckdb
import pandas as pd

from flows.datasets import ROLES
from flows.periods import parse_period
from flows.privacy import Scrubber, person_names, pseudonym
from flows.warehouse import sql

_REGISTRY_FILES = ("communities.csv", "organisations.csv", "evaluators.csv")


def lookup_key(value: object) -> str:
    """A name or id as compared against the registry: NFKC, no spaces, lower case."""
    return "".join(unicodedata.normalize("NFKC", str(value)).split()).lower()


@dataclass
class Registry:
    """Registry tables plus lookups from id or registered name to id.

    The evaluator roster (millions of rows nationally) is not held in memory: DuckDB reads
    its file when the warehouse's copy is replaced and for the names masked in free text.
    """

    communities: pd.DataFrame
    organisations: pd.DataFrame
    roster_path: Path
    community_lookup: dict[str, str] = field(default_factory=dict)
    org_lookup: dict[str, str] = field(default_factory=dict)
    fingerprint: str = ""  # sha256 of the three registry files, to skip reloading them

    @cached_property
    def registered_keys(self) -> frozenset[str]:
        """Lookup keys of every registered community and organisation id and name."""
        return frozenset(self.community_lookup.keys() | self.org_lookup.keys())

    @cached_property
    def community_ids(self) -> frozenset[str]:
        """Every registered community id."""
        return frozenset(self.communities["community_id"].dropna())

    @cached_property
    def org_ids(self) -> frozenset[str]:
        """Every registered organisation id."""
        return frozenset(self.organisations["org_id"].dropna())

    @cached_property
    def roster_names(self) -> frozenset[str]:
        """The roster's names as masked in free text (computed once, not once per batch)."""
        source = roster_source(self.roster_path)
        if source is None:
            return frozenset()
        with duckdb.connect() as con:
            rows = con.execute(sql("load/roster_names"), source).fetchall()
        return person_names(row[0] for row in rows)

    @cached_property
    def roster_scrubber(self) -> Scrubber:
        """A scrubber of the roster's names, built once (a national roster is large)."""
        return Scrubber(self.roster_names)

    def community_id(self, value: str) -> str:
        """The community id for an id or registered name; the value itself when unknown."""
        return self.community_lookup.get(lookup_key(value), value)

    def org_id(self, value: str) -> str:
        """The organisation id for an id or registered name; the value itself when unknown."""
        return self.org_lookup.get(lookup_key(value), value)


def _read_csv(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [c.strip() for c in frame.columns]
    return frame.apply(lambda col: col.str.strip()).replace({"": None})


def load_registry(reference_dir: Path) -> Registry:
    """Read the registry CSVs from ``reference_dir``; raise FileNotFoundError if one is missing."""
    missing = [name for name in _REGISTRY_FILES if not (reference_dir / name).is_file()]
    if missing:
        raise FileNotFoundError(f"registry files missing in {reference_dir}: {', '.join(missing)}")
    communities = _read_csv(reference_dir / "communities.csv")
    organisations = _read_csv(reference_dir / "organisations.csv")
    community_lookup: dict[str, str] = {}
    for cid, name in zip(communities["community_id"], communities["name"], strict=True):
        community_lookup[lookup_key(cid)] = cid
        community_lookup[lookup_key(name)] = cid
        if name.endswith("社区"):
            community_lookup.setdefault(lookup_key(name[:-2]), cid)
    org_lookup: dict[str, str] = {}
    for oid, name in zip(organisations["org_id"], organisations["name"], strict=True):
        org_lookup[lookup_key(oid)] = oid
        org_lookup.setdefault(lookup_key(name), oid)
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
    distinct = con.execute(sql("load/roster_distinct"), source).fetchall()
    roles = {**ROLES, **{v: v for v in ROLES.values()}}
    convert: dict[str, Callable[[str], str]] = {
        "period": lambda p: str(parse_period(p) or p),
        "evaluator": lambda n: pseudonym(n, key),
        "role": lambda r: roles.get(r, r),
        "community_id": registry.community_id,
    }
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
