"""Staging a batch: the rows of every new file typed, all files of a kind at once, with the
text as read kept beside them for the quarantine."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from flows.datasets import Kind
from flows.ingest.normalise import StagedTable, TableSource, stage_table, table_scrubber
from flows.ingest.receive import FileOutcome, read_tables
from flows.ingest.registry import Registry


def stage_files(
    outcomes: list[FileOutcome],
    registry: Registry,
    key: bytes,
    *,
    first_sequence: int = 0,
    names: frozenset[str] | None = None,
) -> dict[Kind, StagedTable]:
    """Type the rows of every new file, all files of a kind at once.

    The roster's names and ``names`` (by default those in the evaluation files of
    ``outcomes``, :func:`batch_names`) are masked in every file's text; what is kept about
    rejected files (reasons, extra columns) is masked too. When ``outcomes`` are a part of a
    batch (staged on another worker), ``first_sequence`` is the position of the first in the
    batch.
    """
    scrub = table_scrubber(registry, read_tables(outcomes), names)
    sources: dict[Kind, list[TableSource]] = defaultdict(list)
    for sequence, outcome in enumerate(outcomes, start=first_sequence):
        # File and sheet names are stored and shown: a person's name in them is masked too.
        outcome.masked_name = scrub(outcome.file_name)
        if outcome.rejection is not None:
            values = outcome.rejection.values
            outcome.rejection.values = {k: scrub.value(str(v)) for k, v in values.items()}
        if outcome.read is None or outcome.outcome != "new":
            continue
        for table in outcome.read.tables:
            table.extra_columns = [str(scrub(c)) for c in table.extra_columns]
            table.sheet = scrub(table.sheet)
            sources[table.kind].append(
                TableSource(
                    outcome.file_hash, outcome.file_name, sequence, outcome.is_correction, table
                )
            )
        outcome.rows_read = sum(len(t.rows) for t in outcome.read.tables)
    return {
        kind: stage_table(kind, kind_sources, registry, key, scrub)
        for kind, kind_sources in sources.items()
    }


def merge_staged(parts: list[dict[Kind, StagedTable]]) -> dict[Kind, StagedTable]:
    """The staged tables of a batch's parts (in batch order) as the whole batch's."""
    by_kind: dict[Kind, list[StagedTable]] = defaultdict(list)
    for part in parts:
        for kind, table in part.items():
            by_kind[kind].append(table)
    return {
        kind: StagedTable(
            kind,
            pd.concat([t.frame for t in tables], ignore_index=True),
            pd.concat([t.raw for t in tables], ignore_index=True),
            [failure for t in tables for failure in t.failures],
        )
        for kind, tables in by_kind.items()
    }


def among(column: pd.Series, values: Collection[str]) -> np.ndarray:
    """``column.isin(values)`` for a text column, in Arrow: pandas' ``isin`` on Arrow-backed
    text builds one Arrow scalar per value in Python (thousands of row ids a batch)."""
    if not values:
        return np.zeros(len(column), dtype=bool)
    array = pa.array(column)
    found = pc.is_in(array, value_set=pa.array(list(values), type=array.type))
    return np.asarray(found, dtype=bool)


def row_values(table: StagedTable, row_ids: Collection[str]) -> dict[str, str]:
    """The text as read (names pseudonymised) of the given rows, as JSON, by row id."""
    chosen = among(table.frame["row_id"], row_ids)
    columns = [c for c in table.raw.columns if c != "row_number"]
    raw = table.raw.loc[chosen, columns].astype(object)
    records = raw.where(raw.notna(), None).to_dict("records")
    return {
        row_id: json.dumps(record, ensure_ascii=False)
        for row_id, record in zip(table.frame.loc[chosen, "row_id"], records, strict=True)
    }
