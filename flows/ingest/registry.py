"""The reference registry kept by the office: communities, organisations, evaluator roster."""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from flows.datasets import ROLES
from flows.ingest.registry_check import check_registry
from flows.periods import parse_period
from flows.privacy import Scrubber, person_names, pseudonym, saved_scrubber_format
from flows.warehouse import sql

_REGISTRY_FILES = ("communities.csv", "organisations.csv", "evaluators.csv")
_log = logging.getLogger(__name__)
_T = TypeVar("_T")


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

    def dumps(self) -> bytes:
        """The lookup as an Arrow IPC file, for :meth:`loads`."""
        sink = pa.BufferOutputStream()
        with pa.ipc.new_file(sink, self.table.schema) as writer:
            writer.write_table(self.table)
        return sink.getvalue().to_pybytes()

    @classmethod
    def loads(cls, saved: bytes | memoryview) -> Lookup:
        """The lookup :meth:`dumps` saved (read in place); ValueError if ``saved`` is not one."""
        try:
            table = pa.ipc.open_file(pa.py_buffer(saved)).read_all()
            keys, ids = table.column("key").combine_chunks(), table.column("id").combine_chunks()
        except (pa.ArrowException, KeyError) as error:
            raise ValueError(f"not a saved lookup: {error}") from None
        if keys.type != pa.string() or ids.type != pa.string():
            raise ValueError("not a saved lookup: columns are not text")
        return cls(keys, ids)

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


# A file changed this recently may change again within its file system's timestamp tick (2 s on
# FAT, 1 s on some network file systems) without its stat showing it: its digest is not kept.
_RACY_NS = 2_000_000_000
_DIGEST_BYTES = 32

Signature = tuple[int, ...]  # see _signature


def _signature(path: Path) -> Signature:
    """What changes whenever a file's content may have: size, modification and change times,
    inode and device."""
    st = path.stat()
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def file_sha256(path: Path) -> bytes:
    """The SHA-256 digest of a file's content."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").digest()


def read_kept(path: Path) -> memoryview | None:
    """The payload :func:`keep` wrote to ``path``; None if missing, truncated or corrupt."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    payload = memoryview(data)[_DIGEST_BYTES:]
    if len(data) < _DIGEST_BYTES or hashlib.sha256(payload).digest() != data[:_DIGEST_BYTES]:
        return None
    return payload


def keep(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path``, mode 600, after its SHA-256, whole or not at all."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(hashlib.sha256(payload).digest())
            fh.write(payload)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


class RegistryCache:
    """What is derived from one version of the registry files alone, kept between runs.

    Files live in ``root/<fingerprint>/`` (``MINYI_HOME/cache/registry``); a new fingerprint
    removes the folders of older ones. Each file is written by :func:`keep`, so a truncated or
    corrupt one reads as missing and is built again. The roster's name automaton holds
    personal names: files are mode 600 and folders 700, like the pseudonym key. A file is
    kept only while the registry files still have the stat ``signatures`` they were
    fingerprinted with, so nothing built from newer content is kept under an older
    fingerprint. ``root`` None keeps nothing.
    """

    def __init__(
        self,
        root: Path | None = None,
        fingerprint: str = "",
        signatures: dict[Path, Signature] | None = None,
    ) -> None:
        """A cache under ``root`` for the registry files with ``fingerprint``."""
        self.folder = root / fingerprint if root is not None and fingerprint else None
        self.signatures = signatures or {}

    def get(
        self,
        name: str,
        build: Callable[[], _T],
        dump: Callable[[_T], bytes],
        load: Callable[[memoryview], _T],
    ) -> _T:
        """The value kept as ``name``, else ``build()``, kept for the next run."""
        if self.folder is None:
            return build()
        saved = read_kept(self.folder / name)
        if saved is not None:
            try:
                return load(saved)
            except ValueError:
                pass  # written by another version of minyi or of a library: built again
        value = build()
        if self._files_unchanged():
            self._keep(self.folder, name, dump(value))
        return value

    def _files_unchanged(self) -> bool:
        try:
            return all(_signature(path) == sig for path, sig in self.signatures.items())
        except OSError:
            return False

    @staticmethod
    def _keep(folder: Path, name: str, payload: bytes) -> None:
        """Write ``name``; a home that cannot be written only loses the time saved."""
        try:
            if not folder.is_dir():
                folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                for stale in folder.parent.iterdir():
                    if stale.is_dir() and not stale.is_symlink():
                        shutil.rmtree(stale, ignore_errors=True)
                folder.mkdir(mode=0o700, exist_ok=True)
            keep(folder / name, payload)
        except OSError as error:
            _log.warning("registry cache %s not written: %s", name, error.strerror or error)


def registry_fingerprint(
    reference_dir: Path, cache_root: Path | None = None
) -> tuple[str, dict[Path, Signature]]:
    """The SHA-256 of the registry files' digests, and each file's stat signature.

    With ``cache_root``, a file's digest is reused from ``cache_root/digests`` while the file
    has the size, modification and change times, inode and device it was hashed with (a
    national roster is 1 GB to read). Content rewritten with the same size and its old
    modification time restored still has a new change time (only moving the system clock
    back can forge one), so it is hashed again; so is a file replaced by another (new inode).
    A digest is kept only for a file that did not change while it was read and whose last
    change is older than ``_RACY_NS``.
    """
    digests_path = cache_root / "digests" if cache_root is not None else None
    kept = _kept_digests(digests_path)
    digests: dict[str, tuple[Signature, bytes]] = {}
    signatures: dict[Path, Signature] = {}
    combined = hashlib.sha256()
    for name in _REGISTRY_FILES:
        path = reference_dir / name
        signature = _signature(path)
        entry = kept.get(str(path))
        if entry is not None and entry[0] == signature:
            digest = entry[1]
        else:
            started = time.time_ns()
            digest = file_sha256(path)
            if _signature(path) == signature and max(signature[1:3]) < started - _RACY_NS:
                entry = (signature, digest)
        if entry is not None and entry[0] == signature:
            digests[str(path)] = entry
        signatures[path] = signature
        combined.update(digest)
    if digests_path is not None and digests and digests != kept:
        _keep_digests(digests_path, digests)
    return combined.hexdigest(), signatures


def checked_before(reference_dir: Path, cache_root: Path | None) -> bool:
    """True when every registry file is as it was when its digest was kept: digests are kept
    only by :func:`load_registry`, after :func:`check_registry` passed, so the files need no
    second reading (4.2 s of the 4.9 s it took to prepare a one-file correction at N=9000)."""
    if cache_root is None:
        return False
    kept = _kept_digests(cache_root / "digests")
    for name in _REGISTRY_FILES:
        path = reference_dir / name
        entry = kept.get(str(path))
        try:
            if entry is None or entry[0] != _signature(path):
                return False
        except OSError:
            return False
    return True


def _kept_digests(path: Path | None) -> dict[str, tuple[Signature, bytes]]:
    saved = read_kept(path) if path is not None else None
    if saved is None:
        return {}
    try:
        entries = json.loads(bytes(saved))
        return {
            file: (tuple(int(n) for n in entry["signature"]), bytes.fromhex(entry["sha256"]))
            for file, entry in entries.items()
        }
    except (ValueError, TypeError, KeyError, AttributeError):
        return {}


def _keep_digests(path: Path, digests: dict[str, tuple[Signature, bytes]]) -> None:
    entries = {
        file: {"signature": list(signature), "sha256": digest.hex()}
        for file, (signature, digest) in digests.items()
    }
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        keep(path, json.dumps(entries, indent=1).encode())
    except OSError as error:
        _log.warning("registry digests not written: %s", error.strerror or error)


def read_roster_names(path: Path) -> frozenset[str]:
    """The roster file's names as masked in free text (DuckDB reads the file)."""
    source = roster_source(path)
    if source is None:
        return frozenset()
    with duckdb.connect() as con:
        con.execute(sql("registry/roster_file"))
        rows = con.execute(sql("load/roster_names"), source).fetchall()
    return person_names(row[0] for row in rows)


# Registries unpickled in this process (a Dask worker's), by what they are built from: the
# tasks of a run share one, so what it derives (the roster's automaton) is loaded once.
_SHARED: dict[tuple[Path, str, Path | None], Registry] = {}


def _shared_registry(reference_dir: Path, fingerprint: str, cache: RegistryCache) -> Registry:
    if not fingerprint:  # nothing tells two versions of the files apart
        return Registry(reference_dir, fingerprint, cache)
    key = (reference_dir, fingerprint, cache.folder)
    registry = _SHARED.get(key)
    if registry is None:
        _SHARED.clear()  # only the latest: a worker may serve many runs
        registry = _SHARED[key] = Registry(reference_dir, fingerprint, cache)
    return registry


@dataclass
class Registry:
    """Registry tables plus lookups from id or registered name to id.

    The tables are read when first needed (when the warehouse's copy is replaced); the
    evaluator roster (millions of rows nationally) is not held in memory: DuckDB reads its
    file. What depends on the files alone (the lookups, the roster's names for masking) is
    kept in ``cache`` between runs: ingesting one corrected file does not rebuild it.
    """

    reference_dir: Path
    fingerprint: str = ""  # sha256 of the three registry files, to skip reloading them
    cache: RegistryCache = field(default_factory=RegistryCache)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled without what it derives (tens of MB of names nationally), which each task
        sent to a worker would carry: the worker builds it, or loads it from the cache, once.
        """
        return (_shared_registry, (self.reference_dir, self.fingerprint, self.cache))

    @property
    def roster_path(self) -> Path:
        """The evaluator roster file."""
        return self.reference_dir / "evaluators.csv"

    # The tables are read each time, not kept: they are needed only to build the lookups and
    # to replace the ref tables, and kept they held 130 MiB through a national run.
    @property
    def communities(self) -> pd.DataFrame:
        """The communities table, read from its file."""
        return _read_csv(self.reference_dir / "communities.csv")

    @property
    def organisations(self) -> pd.DataFrame:
        """The organisations table, read from its file."""
        return _read_csv(self.reference_dir / "organisations.csv")

    @cached_property
    def community_lookup(self) -> Lookup:
        """Community id, registered name or name without 社区 -> community id."""
        return self.cache.get(
            "community-lookup.arrow", self._community_lookup, Lookup.dumps, Lookup.loads
        )

    @cached_property
    def org_lookup(self) -> Lookup:
        """Organisation id or registered name -> organisation id."""
        return self.cache.get("org-lookup.arrow", self._org_lookup, Lookup.dumps, Lookup.loads)

    @cached_property
    def roster_scrubber(self) -> Scrubber:
        """A scrubber of the roster's names, built once per registry, not once per run."""
        return self.cache.get(
            f"roster-names.{saved_scrubber_format()}.automaton",
            lambda: Scrubber(read_roster_names(self.roster_path)),
            Scrubber.dumps,
            Scrubber.loads,
        )

    @property
    def roster_names(self) -> frozenset[str]:
        """The roster's names as masked in free text."""
        return self.roster_scrubber.names

    def registered_names(self, values: list[str]) -> list[bool]:
        """For each value, whether it is a registered community or organisation id or name."""
        communities, organisations = (
            self.community_lookup.found(values),
            self.org_lookup.found(values),
        )
        return [
            a is not None or b is not None for a, b in zip(communities, organisations, strict=True)
        ]

    def _community_lookup(self) -> Lookup:
        communities = self.communities
        ids, names = communities["community_id"], communities["name"]
        short = names[names.str.endswith("社区", na=False)]
        return Lookup.build([(ids, ids), (names, ids), (short.str.slice(0, -2), ids[short.index])])

    def _org_lookup(self) -> Lookup:
        organisations = self.organisations
        ids, names = organisations["org_id"], organisations["name"]
        return Lookup.build([(ids, ids), (names, ids)])


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


def load_registry(reference_dir: Path, cache_dir: Path | None = None) -> Registry:
    """The registry in ``reference_dir``; raise FileNotFoundError if a file is missing.

    With ``cache_dir``, what is derived from the files alone is kept there between runs and
    rebuilt when a file changes (see :class:`RegistryCache`, :func:`registry_fingerprint`).
    """
    missing = [name for name in _REGISTRY_FILES if not (reference_dir / name).is_file()]
    if missing:
        raise FileNotFoundError(f"registry files missing in {reference_dir}: {', '.join(missing)}")
    if not checked_before(reference_dir, cache_dir):
        check_registry(reference_dir)
    fingerprint, signatures = registry_fingerprint(reference_dir, cache_dir)
    registry = Registry(
        reference_dir, fingerprint, RegistryCache(cache_dir, fingerprint, signatures)
    )
    # The lookups now rather than at the first file: a registry that cannot be read fails here.
    _ = registry.community_lookup, registry.org_lookup
    return registry


_ROSTER_COLUMNS = ("period", "evaluator", "role", "community_id")
# Distinct roster values converted in Python at a time (see replace_roster).
ROSTER_CHUNK = 50_000


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
    The distinct values stay in Arrow and are converted ROSTER_CHUNK at a time into a DuckDB
    table: a national roster has 570,000 names, several hundred MB as Python objects.
    """
    source = roster_source(registry.roster_path)
    if source is None:
        return
    con.execute(sql("registry/roster_file"))
    distinct: pa.Table = con.sql(sql("load/roster_distinct"), params=source).to_arrow_table()
    roles = {**ROLES, **{v: v for v in ROLES.values()}}
    convert: dict[str, Callable[[str], str]] = {
        "period": lambda p: str(parse_period(p) or p),
        "evaluator": lambda n: pseudonym(n, key),
        "role": lambda r: roles.get(r, r),
    }
    in_community = pc.equal(distinct["column_name"], "community_id")
    communities = distinct["value"].filter(in_community).to_pylist()
    # Communities in one vectorised lookup: a national roster names 100,000 of them.
    convert["community_id"] = dict(
        zip(communities, registry.community_lookup.resolve(communities), strict=True)
    ).__getitem__
    con.execute(sql("load/roster_mapping"))
    for chunk in distinct.to_batches(max_chunksize=ROSTER_CHUNK):
        columns, values = chunk.column(0), chunk.column(1)
        converted = [
            convert[column](value)
            for column, value in zip(columns.to_pylist(), values.to_pylist(), strict=True)
        ]
        rows = pa.table({"column_name": columns, "value": values, "converted": converted})
        con.register("roster_chunk", rows)
        try:
            con.execute(sql("load/roster_mapping_add"))
        finally:
            con.unregister("roster_chunk")
    con.execute(sql("load/replace_evaluators"), source)
    if "code" in source[1]:  # type: ignore[operator]  # the office numbers its evaluators
        con.execute(sql("load/roster_given_codes"), source)
