"""HTML table rows built in Python, as the template built them before."""

from __future__ import annotations

import random

import jinja2
import pytest

from flows import reports
from flows.reports import (
    SUPPRESSED,
    templating,
)

_ROWS_BEFORE = """{% set ns = namespace(group=None) %}
{% for row in table.rows %}
{% if table.grouped and row[0] != ns.group %}
{% set ns.group = row[0] %}
<tr class="group"><td colspan="{{ table.columns|length - 1 }}">{{ row[0] }}</td></tr>
{% endif %}
<tr>
{% for value in row %}
{% set col = table.columns[loop.index0] %}
{% if not (table.grouped and loop.first) %}
{% set shown = value|cell(col.kind, lang) %}
<td class="{{ 'hidden' if shown == '—' else ('num' if col.kind != 'text' else ('opinion' if table.key == 'opinions' else '')) }}">{{ shown }}</td>
{% endif %}
{% endfor %}
</tr>
{% endfor %}
"""  # noqa: E501  (the rows of _table.html.j2 before they were built in Python)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("key", ["opinions", "gaps"])
@pytest.mark.parametrize("grouped", [False, True])
def test_html_rows_as_before(lang: str, key: str, grouped: bool) -> None:
    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["cell"] = reports.format_cell
    before = env.from_string(_ROWS_BEFORE)
    kinds: list[reports.CellKind] = ["text", "text", "int", "pct", "pp", "num", "p"]
    columns = [reports.Col(f"c{i}", kind) for i, kind in enumerate(kinds)]
    rng = random.Random(7)
    values: list[object] = [None, SUPPRESSED, "—", "<b>&'\"", "东华社区", 3, 0.25, -0.01, 0.0004]
    rows = [
        [rng.choice([None, "甲", "乙", "<&>"]), *[rng.choice(values) for _ in kinds[1:]]]
        for _ in range(60)
    ]
    rows.sort(key=lambda r: str(r[0]))
    table = reports.Table(key, "title", columns, rows, grouped=grouped)
    assert str(templating.table_rows_html(table, lang)) == before.render(table=table, lang=lang)
