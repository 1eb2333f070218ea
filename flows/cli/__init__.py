"""The ``minyi`` command line: one module per group of commands (runs, data, forms, service)."""

from __future__ import annotations

from flows.cli import data, forms, runs, service
from flows.cli.common import app
from flows.cli.runs import LISTED_FILES, _print_result
from flows.topics.commands import topics_app

# minyi topics list | check | tag | others: the taxonomy, for organizers editing it.
app.add_typer(topics_app, name="topics")

__all__ = ["LISTED_FILES", "_print_result", "app", "data", "forms", "main", "runs", "service"]


def main() -> None:
    """Entry point of the ``minyi`` console command."""
    app()
