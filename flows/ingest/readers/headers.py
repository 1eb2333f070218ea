"""Finding the header row at the top of a table, and the kind of table it names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import zip_longest
from typing import Final

from flows.datasets import (
    HEADER_INDEX,
    KINDS,
    Kind,
    names_no_column,
    normalise_header,
    required_columns,
)
from flows.ingest.readers.common import TextRow

# Header detection looks at this many non-blank rows and columns from the top of a table.
HEADER_SCAN_ROWS: Final = 30
HEADER_SCAN_COLUMNS: Final = 200


@dataclass(frozen=True)
class HeaderMatch:
    """The header row found at the top of a table, and the kind it names (None if unknown)."""

    kind: Kind | None
    row_number: int
    cells: TextRow
    mapping: dict[int, str]  # cell position -> canonical column name


def find_header(rows: Sequence[tuple[int, TextRow]]) -> HeaderMatch | None:
    """The row (among the first non-blank ones) that best names the columns of a known kind.

    A two-row header (group labels above item names, merged in Excel but flat in CSV) is
    read as the lower row with its blanks taken from the row above. Without a known kind,
    the first row with several cells is returned with ``kind=None``, for the rejection
    message. None when there are no rows at all.
    """
    best: tuple[tuple[float, int, bool], HeaderMatch] | None = None
    fallback: HeaderMatch | None = None
    previous: TextRow = []
    previous_keys: list[str] = []
    for row_number, cells in rows[:HEADER_SCAN_ROWS]:
        # Each cell's header key is found once per row (not once per kind and candidate).
        # A row naming no column maps nothing for any kind; its stacked form maps only
        # columns the row above names at the same places, so it never scores above the row
        # above (which wins ties as a plain row): most rows are passed over at once.
        keys = _header_keys(cells[:HEADER_SCAN_COLUMNS])
        if not _HEADER_KEYS.isdisjoint(keys):
            best = _better_header(best, row_number, cells, True, keys)
            stacked_keys = [
                key if c is not None else (p or "")
                for c, key, p in zip_longest(cells[:HEADER_SCAN_COLUMNS], keys, previous_keys)
            ]
            # Identical keys map identically, and the plain row wins such a tie.
            if stacked_keys != keys:
                stacked = [c if c is not None else p for c, p in zip_longest(cells, previous)]
                best = _better_header(best, row_number, stacked, False, stacked_keys)
        if fallback is None and sum(c is not None for c in cells) > 1:
            fallback = HeaderMatch(None, row_number, cells, {})
        previous, previous_keys = cells, keys
    if best is not None:
        return best[1]
    if fallback is not None:
        return fallback
    return HeaderMatch(None, rows[0][0], rows[0][1], {}) if rows else None


def _better_header(
    best: tuple[tuple[float, int, bool], HeaderMatch] | None,
    row_number: int,
    candidate: TextRow,
    plain: bool,
    keys: list[str],
) -> tuple[tuple[float, int, bool], HeaderMatch] | None:
    """The best header so far after trying one candidate row against every kind."""
    hits = [(i, key) for i, key in enumerate(keys) if key in _HEADER_KEYS]
    for kind in KINDS:
        mapping = _match_keys(kind, hits)
        required = _REQUIRED[kind]
        share = len(required & set(mapping.values())) / len(required)
        score = (share, len(mapping), plain)
        if share >= 0.5 and (best is None or score > best[0]):
            best = (score, HeaderMatch(kind, row_number, candidate, mapping))
    return best


# Every normalised header text naming a column of some kind, and each kind's required columns.
_HEADER_KEYS: Final = frozenset(key for index in HEADER_INDEX.values() for key in index)
_REQUIRED: Final = {kind: frozenset(required_columns(kind)) for kind in KINDS}


# Header keys by cell text: normalise_header(cell or "") when that names a column of some
# kind, else "" (all find_header needs to know). Blank cells (None) have the key "".
_HEADER_KEY_CACHE: dict[str | None, str] = {None: ""}
_HEADER_KEY_CACHE_SIZE: Final = 1 << 16


def _header_keys(cells: TextRow) -> list[str]:
    """``_header_key`` of each cell: the same header texts head thousands of files."""
    try:
        keys = list(map(_HEADER_KEY_CACHE.get, cells))
    except TypeError:  # an unhashable value
        return [_header_key(c) for c in cells]
    position = -1
    for _ in range(keys.count(None)):
        position = keys.index(None, position + 1)
        keys[position] = _header_key(cells[position])
    return keys  # type: ignore[return-value]


def _header_key(cell: str | None) -> str:
    """normalise_header(cell or "") when that names a column of some kind, else "".

    Data cells mostly hold a digit or ideograph no header holds: they are not normalised.
    """
    if type(cell) is not str:
        key = normalise_header(cell or "")
        return key if key in _HEADER_KEYS else ""
    if len(_HEADER_KEY_CACHE) >= _HEADER_KEY_CACHE_SIZE:
        _HEADER_KEY_CACHE.clear()
        _HEADER_KEY_CACHE[None] = ""
    key = "" if names_no_column(cell) else normalise_header(cell)
    key = _HEADER_KEY_CACHE[cell] = key if key in _HEADER_KEYS else ""
    return key


def _match_keys(kind: Kind, hits: list[tuple[int, str]]) -> dict[int, str]:
    """``match_headers`` over normalised header texts: the first cell naming a column wins."""
    index = HEADER_INDEX[kind]
    found: dict[int, str] = {}
    taken: set[str] = set()
    for position, key in hits:
        name = index.get(key)
        if name and name not in taken:
            found[position] = name
            taken.add(name)
    return found


def header_listing(cells: TextRow, sheet: str) -> str:
    """The header texts of a row for a message, prefixed with the sheet name in workbooks."""
    texts = ", ".join(c for c in cells[:HEADER_SCAN_COLUMNS] if c) or "-"
    return f"[{sheet}] {texts}" if sheet else texts
