"""The ``minyi`` command line: one module per group of commands (runs, data, forms, service)."""

from __future__ import annotations

from flows.cli import data, forms, runs, service
from flows.cli.common import app
from flows.cli.runs import LISTED_FILES, _print_result
from flows.topics.commands import topics_app

# `minyi --help` lists the commands in the order of a half-year's work.
ORDER = [
    *("demo", "run", "ingest", "query", "generate", "report", "rebuild"),
    *("templates", "gaps", "serve", "status", "export", "backup", "restore"),
]
app.registered_commands.sort(
    key=lambda command: ORDER.index(getattr(command.callback, "__name__", ""))
)

# minyi topics list | check | tag | others: the taxonomy, for organizers editing it.
app.add_typer(topics_app, name="topics")

__all__ = ["LISTED_FILES", "_print_result", "app", "data", "forms", "main", "runs", "service"]


def main() -> None:
    """Entry point of the ``minyi`` console command."""
    app()
