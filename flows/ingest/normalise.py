"""Turning read text into typed values: numbers, dates, periods, vocabularies, registry ids.

Values that cannot be parsed become missing and are reported as failures with the raw text;
values that parse but break a rule (a rating of 6, an unknown community) are left for the
Great Expectations suites in ``expectations/`` to catch.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from flows.datasets import COLUMNS, HEARING_KINDS, ROLES, VERDICTS, Column, Kind
from flows.ingest.readers import SheetTable
from flows.ingest.registry import Lookup, Registry
from flows.periods import parse_period, period_of
from flows.privacy import Scrubber, mask_personal_numbers, person_names, pseudonym

MISSING = object()


@dataclass(frozen=True)
class Failure:
    """One cell that breaks a rule: which row, which column, the value as read, the rule."""

    row_id: str
    column: str
    value: str | None
    rule: str


@dataclass(frozen=True)
class TableSource:
    """One table read from one file, with what the batch knows of that file."""

    file_hash: str
    file_name: str
    sequence: int  # order in the batch: a later file supersedes an earlier one
    correction: bool  # a corrections workbook replaces rows one by one
    table: SheetTable


@dataclass
class StagedTable:
    """All rows of one dataset kind in a batch, typed, with the text as read beside them.

    ``frame`` has the lineage columns (row_id, file_hash, file_name, sheet, row_number,
    sequence, correction), the typed columns and derived ones; ``raw`` the text as read
    (names pseudonymised, personal numbers masked), on the same index.
    """

    kind: Kind
    frame: pd.DataFrame
    raw: pd.DataFrame
    failures: list[Failure] = field(default_factory=list)


def _text(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


_NUMBER_JUNK = re.compile(r"[,\s人户次个名]")


def parse_int(value: str) -> object:
    """A whole number from text such as ``１２``, ``1,234``, ``12.0``, ``12人``; MISSING if none."""
    text = _NUMBER_JUNK.sub("", _text(value))
    try:
        number = float(text)
    except ValueError:
        return MISSING
    return int(number) if number.is_integer() else MISSING


_DATE_FORMATS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(value: str) -> object:
    """A date from ``2026-03-05``, ``2026/3/5``, ``2026.3.5``, ``2026年3月5日``, Excel serials."""
    text = _text(value)
    for pattern in _DATE_FORMATS:
        match = pattern.match(text)
        if match:
            try:
                return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                return MISSING
    if re.fullmatch(r"\d{5}(\.0+)?", text) and 20000 <= float(text) <= 80000:
        return _EXCEL_EPOCH + timedelta(days=int(float(text)))
    return MISSING


_TRUE = {"是", "y", "yes", "true", "1", "参与", "已参与", "√"}
_FALSE = {"否", "n", "no", "false", "0", "未参与", "不参与", "×"}


def parse_bool(value: str) -> object:
    """True for 是/yes/1, False for 否/no/0; MISSING otherwise."""
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return MISSING


def parse_rating(value: str) -> object:
    """A rating as a whole number (range is checked by the suite); MISSING if not whole."""
    return parse_int(value)


def parse_period_text(value: str) -> object:
    """The canonical period text (``2026H1``) or MISSING."""
    period = parse_period(value)
    return str(period) if period else MISSING


_PARSERS: dict[str, tuple[Callable[[str], object], str]] = {
    "int": (parse_int, "bad_number"),
    "rating": (parse_rating, "bad_rating"),
    "date": (parse_date, "bad_date"),
    "period": (parse_period_text, "bad_period"),
    "bool": (parse_bool, "bad_boolean"),
}


def _vocabulary(mapping: dict[str, str]) -> Callable[[str], object]:
    accepted = {**{k: v for k, v in mapping.items()}, **{v: v for v in mapping.values()}}

    def parse(value: str) -> object:
        text = re.sub(r"\s+", "", _text(value))
        return accepted.get(text, accepted.get(text.lower(), text))

    return parse


def _by_code(results: Sequence[object], codes: np.ndarray, index: pd.Index) -> pd.Series:
    """The result of each row's distinct value, from ``pd.factorize``'s codes (-1, a missing
    value, takes the None put last)."""
    table = np.empty(len(results) + 1, dtype=object)
    table[:-1] = results
    table[-1] = None
    return pd.Series(table[codes], index=index)


def _map_unique(series: pd.Series, parse: Callable[[str], object]) -> pd.Series:
    """Apply ``parse`` once per distinct value: columns repeat heavily, rows are many.

    One hashing pass (``pd.factorize``) and a take by code: about twice as fast as
    ``unique`` then ``map`` with a dict on a column of mostly distinct texts, seven times on
    a column of few values (measured on 144,000 rows).
    """
    codes, uniques = pd.factorize(series)
    return _by_code([parse(value) for value in uniques], codes, series.index)


def _map_many(series: pd.Series, convert: Callable[[list[str]], Sequence[object]]) -> pd.Series:
    """Like :func:`_map_unique` with a function that converts all distinct values at once."""
    codes, uniques = pd.factorize(series)
    return _by_code(convert([str(value) for value in uniques]), codes, series.index)


def _typed_column(
    column: Column, series: pd.Series, row_ids: pd.Series, failures: list[Failure]
) -> pd.Series:
    if column.kind not in _PARSERS:
        return _map_unique(series, _text)
    parse, rule = _PARSERS[column.kind]
    codes, uniques = pd.factorize(series)
    results = [parse(value) for value in uniques]
    # Which rows failed, decided once per distinct value rather than once per row.
    failed = np.array([result is MISSING for result in results] + [False], dtype=bool)
    bad = pd.Series(failed[codes], index=series.index)
    for row_id, value in zip(row_ids[bad], series[bad], strict=True):
        failures.append(Failure(row_id, column.name, value, rule))
    parsed = [None if result is MISSING else result for result in results]
    values = _by_code(parsed, codes, series.index).astype(object)
    if column.kind in ("int", "rating"):
        return pd.Series(values, dtype="Int64")
    if column.kind == "date":
        return pd.to_datetime(values)
    if column.kind == "bool":
        return pd.Series(values, dtype="boolean")
    return values


def stage_table(
    kind: Kind, sources: list[TableSource], registry: Registry, key: bytes, scrub: Scrubber
) -> StagedTable:
    """Type the rows of many tables of one kind at once: ids, pseudonyms, masked text.

    Work is done once per column over the whole batch (and once per distinct value), not
    once per file: a national batch has thousands of small files.
    """
    lengths = [len(source.table.rows) for source in sources]
    rows = (
        pd.concat([source.table.rows for source in sources], ignore_index=True)
        if sources
        else pd.DataFrame(columns=[*[c.name for c in COLUMNS[kind]], "row_number"])
    )
    rows = scrub_rows(rows, scrub, registry)
    frame = pd.DataFrame(
        {
            # dtype object: an empty batch's columns are then text, not float.
            "file_hash": np.repeat(np.array([s.file_hash for s in sources], object), lengths),
            "file_name": np.repeat(np.array([s.file_name for s in sources], object), lengths),
            "sheet": np.repeat(np.array([s.table.sheet for s in sources], object), lengths),
            "row_number": rows["row_number"].astype("int64").to_numpy(),
            "sequence": np.repeat([s.sequence for s in sources], lengths).astype("int64"),
            "correction": np.repeat([s.correction for s in sources], lengths).astype(bool),
        }
    )
    frame.insert(
        0,
        "row_id",
        frame["file_hash"].str.slice(0, 16)
        + ":"
        + frame["sheet"]
        + ":"
        + frame["row_number"].astype(str),
    )
    failures: list[Failure] = []
    raw = rows.copy()
    for column in COLUMNS[kind]:
        frame[column.name] = _typed_column(column, rows[column.name], frame["row_id"], failures)
    _resolve(kind, frame, raw, registry, key)
    return StagedTable(kind, frame, raw, failures)


def batch_names(registry: Registry, tables: list[SheetTable]) -> frozenset[str]:
    """The names in the tables' evaluator column that the roster's scrubber does not mask."""
    columns = [t.rows["evaluator"].to_numpy(dtype=object) for t in tables if "evaluator" in t.rows]
    if not columns:
        return frozenset()
    roster = registry.roster_scrubber
    # Once over the batch's distinct names; those on the roster (most) need no normalising.
    distinct = pd.unique(np.concatenate(columns))
    found = person_names(v for v in distinct if not (isinstance(v, str) and roster.knows(v)))
    return frozenset(name for name in found if not roster.knows(name))


def table_scrubber(
    registry: Registry, tables: list[SheetTable], names: frozenset[str] | None = None
) -> Scrubber:
    """A scrubber for the roster's names and the names in the tables' evaluator column.

    The roster's part is built once per registry; a batch adds only the names it brings.
    ``names``: the names to add instead of the tables' (a whole batch's, earlier batches').
    """
    extra = batch_names(registry, tables) if names is None else names
    return Scrubber(extra, base=registry.roster_scrubber) if extra else registry.roster_scrubber


def scrub_rows(rows: pd.DataFrame, scrub: Scrubber, registry: Registry) -> pd.DataFrame:
    """Every text cell but the evaluator's (pseudonymised later) with names and numbers masked.

    Any cell can hold a phone number or a name (a note typed into the community column), and
    a cell that fails a rule is kept as read in the quarantine, so all of them are masked.
    Registered community and organisation names are kept whole even if they hold a name.
    """

    columns = [c for c in rows.columns if c not in ("evaluator", "row_number")]
    factorized = {c: pd.factorize(rows[c]) for c in columns}
    distinct = {c: uniques.tolist() for c, (_codes, uniques) in factorized.items()}
    # One registry lookup for the texts of every column: each lookup scans the registry.
    texts = sorted({v for values in distinct.values() for v in values if isinstance(v, str)})
    kept = {v for v, ok in zip(texts, registry.registered_names(texts), strict=True) if ok}
    scrubbed = rows.copy()
    for column, (codes, _uniques) in factorized.items():
        masked = [v if v in kept else scrub.value(v) for v in distinct[column]]
        scrubbed[column] = _by_code(masked, codes, rows.index)
    return scrubbed


def _resolve(
    kind: Kind, frame: pd.DataFrame, raw: pd.DataFrame, registry: Registry, key: bytes
) -> None:
    """Add registry ids, vocabularies, pseudonyms and derived columns in place."""
    if kind in ("evaluations", "hearings"):
        frame["community_id"], frame["community_known"] = _registered(
            frame["community"], registry.community_lookup
        )
    if kind == "evaluations":
        frame["evaluator_key"] = _map_unique(frame["evaluator"], lambda n: pseudonym(n, key))
        raw["evaluator"] = frame["evaluator_key"]
        frame.drop(columns=["evaluator"], inplace=True)
        frame["role"] = _map_unique(frame["role"], _vocabulary(ROLES))
        frame["verdict"] = _map_unique(frame["verdict"], _vocabulary(VERDICTS))
        frame["comments"] = _map_unique(frame["comments"], mask_personal_numbers)
        raw["comments"] = frame["comments"]
        frame["period_start"] = _period_start(frame["period"])
    elif kind == "hearings":
        frame["kind"] = _map_unique(frame["kind"], _vocabulary(HEARING_KINDS))
        frame["topic"] = _map_unique(frame["topic"], mask_personal_numbers)
        raw["topic"] = frame["topic"]
        frame["period"] = frame["held_on"].map(
            lambda d: str(period_of(d.date())), na_action="ignore"
        )
        frame["record_key"] = _record_keys(frame)
        parts = frame[["residents", "deputies", "party_members"]]
        frame["attendance_parts"] = parts.sum(axis=1, min_count=1).astype("Int64")
    else:
        frame["org_id"], frame["org_known"] = _registered(frame["org"], registry.org_lookup)
        frame["period_start"] = _period_start(frame["period"])


def _registered(values: pd.Series, lookup: Lookup) -> tuple[pd.Series, pd.Series]:
    """The id each value finds in the registry (the value itself where none), and whether it
    found one: True, False, or missing where there is no value.

    The suites check that flag rather than a value set of every registered id, which Great
    Expectations would copy many times per expectation (slow with a national registry).
    """
    found = _map_many(values, lookup.found)
    known = pd.Series(found.notna(), index=values.index, dtype="boolean").mask(values.isna())
    return found.where(found.notna(), values), known


def _period_start(periods: pd.Series) -> pd.Series:
    def start(text: str) -> object:
        period = parse_period(text)
        return pd.Timestamp(period.start) if period else None

    return pd.to_datetime(_map_unique(periods, start))


def _record_keys(frame: pd.DataFrame) -> pd.Series:
    """The record id when given, else a digest of community, date, kind and topic."""
    given = frame["record_id"].astype(object)
    missing = given.isna() | (given == "")
    keys = given.copy()
    if missing.any():
        parts = frame.loc[missing, ["community_id", "held_on", "kind", "topic"]].astype(str)
        joined = parts.agg("|".join, axis=1)
        keys[missing] = ["h_" + hashlib.sha256(text.encode()).hexdigest()[:16] for text in joined]
    return keys
