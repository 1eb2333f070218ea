"""The registry files checked before anything reads them: an encoding minyi cannot read or a
duplicate id gives one line naming the file, the line and the fix, not a traceback."""

from __future__ import annotations

import codecs
import csv
from pathlib import Path
from typing import Final

from flows.messages import both

# Files and the column that must be unique in each.
UNIQUE_IDS: Final = {"communities.csv": "community_id", "organisations.csv": "org_id"}
REGISTRY_FILES: Final = ("communities.csv", "organisations.csv", "evaluators.csv")


class RegistryProblem(ValueError):
    """A registry file minyi cannot use as it is; the message says where and how to fix it."""


def check_registry(reference_dir: Path) -> None:
    """Raise RegistryProblem for a registry file not in UTF-8 or with a duplicate id."""
    for name in REGISTRY_FILES:
        path = reference_dir / name
        if path.is_file():
            _check_encoding(path)
    for name, column in UNIQUE_IDS.items():
        path = reference_dir / name
        if path.is_file():
            _check_unique(path, column)


def _check_encoding(path: Path) -> None:
    """Refuse a file that is not UTF-8 (with or without BOM), naming its first bad line."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    line = 1
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as error:
                line += block[: error.start].count(b"\n")
                raise RegistryProblem(
                    both("registry_bad_encoding", file=path.name, line=line)
                ) from None
            line += block.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            problem = both("registry_bad_encoding", file=path.name, line=line)
            raise RegistryProblem(problem) from None


def _check_unique(path: Path, column: str) -> None:
    """Refuse a file in which one id stands on two lines, naming both."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = [name.strip() for name in next(reader, [])]
        if column not in header:
            return  # the reader names missing columns itself
        index = header.index(column)
        first: dict[str, int] = {}
        for row in reader:
            if index >= len(row) or not row[index].strip():
                continue
            value = row[index].strip()
            line = reader.line_num
            if value in first:
                raise RegistryProblem(
                    both(
                        "registry_duplicate_id",
                        file=path.name,
                        column=column,
                        value=value,
                        first=first[value],
                        line=line,
                    )
                )
            first[value] = line
