"""The naive baseline: what a first script would do with pandas, Great Expectations and DuckDB.

Every file is read whole with pandas, the frames of one dataset are concatenated, typed with
plain pandas calls, validated whole with the suites in ``expectations/``, and the rows go into
DuckDB with ``executemany`` (valid rows into the table, failing rows into a quarantine table).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from benchmarks.inputs import csv_encoding, kind_of
from flows.datasets import COLUMNS, HEARING_KINDS, ROLES, VERDICTS, Kind
from flows.settings import EXPECTATIONS_DIR

_PERIOD = re.compile(r"^(\d{4})H([12])$")
_INT_COLUMNS = {c.name for cols in COLUMNS.values() for c in cols if c.kind in ("int", "rating")}
_DATE_COLUMNS = {c.name for cols in COLUMNS.values() for c in cols if c.kind == "date"}


def read_whole(path: Path) -> pd.DataFrame:
    """One file as a DataFrame with canonical column names, read whole."""
    kind = kind_of(path)
    if path.suffix.lower() == ".csv":
        frame = pd.read_csv(path, encoding=csv_encoding(kind), dtype=str)
    else:
        frame = pd.read_excel(path, dtype=object)
    names = {c.zh: c.name for c in COLUMNS[kind]}
    frame = frame.rename(columns=names)
    frame = frame[[c for c in names.values() if c in frame.columns]]
    frame.insert(0, "file_hash", path.name)
    frame.insert(1, "row_id", [f"{path.name}:{i}" for i in range(len(frame))])
    return frame


def _period_start(text: object) -> pd.Timestamp | None:
    match = _PERIOD.match(str(text))
    if not match:
        return None
    return pd.Timestamp(int(match[1]), 1 if match[2] == "1" else 7, 1)


def typed(kind: Kind, frame: pd.DataFrame, lookups: dict[str, dict[str, str]]) -> pd.DataFrame:
    """The derived columns the suites check, built with straightforward pandas."""
    for column in frame.columns:
        if column in _INT_COLUMNS:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
        elif column in _DATE_COLUMNS:
            frame[column] = pd.to_datetime(frame[column], errors="coerce")
    if kind in ("evaluations", "hearings"):
        frame["community_id"] = frame["community"].map(lookups["community"])
        frame["community_known"] = _known(frame["community_id"], frame["community"])
    if kind == "evaluations":
        frame["evaluator_key"] = frame["evaluator"]
        frame["role"] = frame["role"].map(ROLES)
        frame["verdict"] = frame["verdict"].map(VERDICTS)
        frame["period_start"] = pd.to_datetime(frame["period"].map(_period_start))
    elif kind == "hearings":
        frame["kind"] = frame["kind"].map(HEARING_KINDS)
        frame["record_key"] = frame["record_id"]
        parts = frame[["residents", "deputies", "party_members"]]
        frame["attendance_parts"] = parts.sum(axis=1, min_count=1).astype("Int64")
    else:
        frame["org_id"] = frame["org"].map(lookups["org"])
        frame["org_known"] = _known(frame["org_id"], frame["org"])
        frame["period_start"] = pd.to_datetime(frame["period"].map(_period_start))
        frame["took_part"] = frame["took_part"].map({"是": True, "否": False})
    return frame


def _known(ids: pd.Series, given: pd.Series) -> pd.Series:
    """The registration flag the suites check: an id was found for the value given."""
    return pd.Series(ids.notna(), dtype="boolean").mask(given.isna())


def validate_whole(context: Any, kind: Kind, frame: pd.DataFrame) -> set[str]:
    """Row ids failing any expectation of the kind's suite, validated in one batch."""
    import great_expectations as gx

    source = context.data_sources.add_pandas(f"naive_{kind}")
    batch_definition = source.add_dataframe_asset(kind).add_batch_definition_whole_dataframe(kind)
    with (EXPECTATIONS_DIR / f"{kind}.json").open(encoding="utf-8") as fh:
        suite = gx.ExpectationSuite(**json.load(fh))
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(
        suite,
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["row_id"]},
    )
    failing: set[str] = set()
    for item in result.results:
        for index in item.result.get("unexpected_index_list") or []:
            failing.add(index["row_id"])
    return failing


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Create the table from the frame's columns and insert its rows with executemany."""
    columns = ", ".join(f'"{c}" varchar' for c in frame.columns)
    con.execute(f"create table if not exists {table} ({columns})")
    marks = ", ".join("?" for _ in frame.columns)
    rows = [
        [None if pd.isna(v) else str(v) for v in row]
        for row in frame.itertuples(index=False, name=None)
    ]
    con.executemany(f"insert into {table} values ({marks})", rows)


def _lookups(reference_dir: Path) -> dict[str, dict[str, str]]:
    communities = pd.read_csv(reference_dir / "communities.csv", dtype=str)
    organisations = pd.read_csv(reference_dir / "organisations.csv", dtype=str)
    return {
        "community": {
            **dict(zip(communities["name"], communities["community_id"], strict=True)),
            **dict(zip(communities["community_id"], communities["community_id"], strict=True)),
        },
        "org": {
            **dict(zip(organisations["name"], organisations["org_id"], strict=True)),
            **dict(zip(organisations["org_id"], organisations["org_id"], strict=True)),
        },
    }


def naive_run(
    paths: list[Path], reference_dir: Path, database: Path, mark: Callable[[str], None]
) -> dict[str, Any]:
    """Read, validate and insert everything the naive way; ``mark`` closes each stage."""
    database.unlink(missing_ok=True)
    lookups = _lookups(reference_dir)
    by_kind: dict[Kind, list[pd.DataFrame]] = {}
    for path in paths:
        by_kind.setdefault(kind_of(path), []).append(read_whole(path))
    mark("read")
    frames = {
        kind: typed(kind, pd.concat(parts, ignore_index=True), lookups)
        for kind, parts in by_kind.items()
    }
    mark("type")
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    failing = {kind: validate_whole(context, kind, frame) for kind, frame in frames.items()}
    mark("validate")
    con = duckdb.connect(str(database))
    rows = loaded = 0
    for kind, frame in frames.items():
        bad = frame["row_id"].isin(failing[kind])
        insert_rows(con, kind, frame[~bad])
        insert_rows(con, f"{kind}_quarantine", frame[bad])
        rows += len(frame)
        loaded += int((~bad).sum())
    con.close()
    mark("insert")
    return {"rows": rows, "rows_loaded": loaded, "rows_quarantined": rows - loaded}
