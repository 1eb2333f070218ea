"""The reference registry kept by the office: communities, organisations, evaluator roster."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from flows.datasets import ROLES
from flows.periods import parse_period
from flows.privacy import person_names, pseudonym

_REGISTRY_FILES = ("communities.csv", "organisations.csv", "evaluators.csv")


def lookup_key(value: object) -> str:
    """A name or id as compared against the registry: NFKC, no spaces, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))).lower()


@dataclass
class Registry:
    """Registry tables plus lookups from id or registered name to id."""

    communities: pd.DataFrame
    organisations: pd.DataFrame
    evaluators: pd.DataFrame
    community_lookup: dict[str, str] = field(default_factory=dict)
    org_lookup: dict[str, str] = field(default_factory=dict)
    fingerprint: str = ""  # sha256 of the three registry files, to skip reloading them

    @cached_property
    def registered_keys(self) -> frozenset[str]:
        """Lookup keys of every registered community and organisation id and name."""
        return frozenset(self.community_lookup.keys() | self.org_lookup.keys())

    @cached_property
    def roster_names(self) -> frozenset[str]:
        """The roster's names as masked in free text (computed once, not once per batch)."""
        return person_names(self.evaluators["evaluator"].dropna().unique())

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
    evaluators = _read_csv(reference_dir / "evaluators.csv")
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
        digest.update((reference_dir / name).read_bytes())
    return Registry(
        communities, organisations, evaluators, community_lookup, org_lookup, digest.hexdigest()
    )


def roster_rows(registry: Registry, key: bytes) -> pd.DataFrame:
    """The evaluator roster as stored in the warehouse: names replaced by keyed pseudonyms."""
    roster = registry.evaluators
    roles = {**ROLES, **{v: v for v in ROLES.values()}}

    def each_distinct(column: str, convert: Callable[[str], str]) -> pd.Series:
        # A roster repeats periods, roles and (across periods) names: convert each once.
        values = roster[column].astype(str)
        return values.map({v: convert(v) for v in values.unique()})

    return pd.DataFrame(
        {
            "period": each_distinct("period", lambda p: str(parse_period(p) or p)),
            "evaluator_key": each_distinct("evaluator", lambda n: pseudonym(n, key)),
            "role": each_distinct("role", lambda r: roles.get(r, r)),
            "community_id": each_distinct("community_id", registry.community_id),
        }
    )
