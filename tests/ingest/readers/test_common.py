"""The rejection every reader raises, the result it gives, and the file hash."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import pandas as pd

from flows.ingest.readers.common import FileRejected, ReadResult, SheetTable, file_hash
from flows.messages import msg


def test_rejection_gives_its_reason_in_both_languages() -> None:
    error = FileRejected("file_too_large", size=10, limit=5)
    assert str(error) == msg("file_too_large", "en", size=10, limit=5)
    assert error.reason("zh") == msg("file_too_large", "zh", size=10, limit=5)
    assert error.reason("zh") != error.reason("en")


def test_rejection_survives_pickling_with_its_key_and_values() -> None:
    error = FileRejected("file_missing_columns", missing="议题 (topic)", found="编号")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.key, copy.values) == (error.key, error.values)
    assert copy.reason("zh") == error.reason("zh")


def test_rows_read_counts_every_table(tmp_path: Path) -> None:
    def table(count: int) -> SheetTable:
        rows = pd.DataFrame({"row_number": range(2, 2 + count)})
        return SheetTable("hearings", "a", 1, {}, [], rows)

    result = ReadResult(tmp_path / "a.xlsx", "0" * 64, 10, tables=[table(3), table(0), table(2)])
    assert result.rows_read == 5
    assert ReadResult(tmp_path / "b.csv", "0" * 64, 10).rows_read == 0


def test_file_hash_is_the_sha256_of_the_bytes(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    data = bytes(range(256)) * 9000  # more than one block of 1 MiB
    path.write_bytes(data)
    assert file_hash(path) == hashlib.sha256(data).hexdigest()
