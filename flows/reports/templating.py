"""The Jinja environment the charts and the HTML pages render with, and the rows of an HTML
table (built in Python: a report has up to a million cells)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from flows.reports.cells import Table, format_cell

TEMPLATES_DIR = Path(__file__).parent / "templates"


def _template_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates ship with the package: no stat() per chart rendered
    )
    env.filters["cell"] = format_cell
    env.filters["rows_html"] = table_rows_html
    env.filters["pct"] = lambda v: "" if v is None else f"{v:.0%}"
    return env


def table_rows_html(table: Table, lang: str) -> Markup:
    """The body rows of a report table in HTML: one ``<tr>`` per row, cells shown with
    ``format_cell``; a grouped table starts a group row whenever its first column changes.

    Built here rather than in ``_table.html.j2`` because a report has up to a million cells.
    """
    kinds = [c.kind for c in table.columns]
    text_class = "opinion" if table.key == "opinions" else ""
    names = ("community", "subdistrict")
    classes = [
        "num"
        if c.kind != "text"
        else "name"
        if c.key in names
        else "opinion"
        if c.key == "opinion"
        else text_class
        for c in table.columns
    ]
    first = 1 if table.grouped else 0
    group_row = '<tr class="group"><td colspan="' + str(len(kinds) - 1) + '">{}</td></tr>\n'
    out: list[str] = []
    group: object = None
    for row in table.rows:
        if first and row[0] != group:
            group = row[0]
            out.append(group_row.format(escape(group)))
        out.append("<tr>\n")
        for i in range(first, len(row)):
            value = row[i]
            # format_cell shows a text as it is (whatever the column): the call worth saving.
            shown = value if type(value) is str else format_cell(value, kinds[i], lang)
            css = "hidden" if shown == "—" else classes[i]
            out.append(f'<td class="{css}">{shown.translate(_HTML_ESCAPES)}</td>\n')
        out.append("</tr>\n")
    return Markup("".join(out))


# What markupsafe.escape (Jinja's autoescape) replaces, for a plain str, as a translate table.
_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"})


ENV = _template_env()
