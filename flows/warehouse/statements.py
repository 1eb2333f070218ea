"""The SQL the project runs, read from ``sql/<folder>/<name>.sql`` by name."""

from __future__ import annotations

from functools import cache

from flows.settings import SQL_DIR


@cache
def sql(name: str) -> str:
    """The text of ``sql/<name>.sql`` (e.g. ``metrics/satisfaction``)."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def sql_names(folder: str) -> list[str]:
    """Names of the SQL files in ``sql/<folder>``, sorted, without suffix."""
    return [f"{folder}/{p.stem}" for p in sorted((SQL_DIR / folder).glob("*.sql"))]
