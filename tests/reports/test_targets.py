"""How far a figure is from its target, by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.messages import msg
from flows.reports.targets import short_of_target
from flows.settings import Settings
from tests.reports.builders import sheet_rows


@pytest.mark.parametrize(
    ("part", "total", "target", "short"),
    [
        (45, 50, 0.98, 4),  # 49 of 50 is 98%: 4 more
        (49, 50, 0.98, 0),
        (48, 50, 0.98, 1),
        (316, 400, 0.8, 4),  # 320 of 400 is 80%
        (0, 0, 0.8, 0),
        (7, 100, 0.07, 0),  # 0.07 * 100 is 7.000000000000001 in floating point
        (100, 100, 0.9, 0),
    ],
)
def test_short_of_target_by_hand(part: int, total: int, target: float, short: int) -> None:
    assert short_of_target(part, total, target) == short
    if short:
        assert (part + short) / total >= target - 1e-12 > (part + short - 1) / total


def test_each_community_under_its_member_target_says_how_many_more(
    written: list[Path], settings: Settings
) -> None:
    rows = sheet_rows(written[1], msg("report.section.members", "zh"))
    header = rows[0]
    total, part, short = (
        header.index(msg(f"report.col.{k}", "zh"))
        for k in ("members_total", "members_participating", "short_of_target")
    )
    checked = 0
    for row in rows[1:]:
        if not row[0] or not row[total]:
            continue
        needed = max(0, -(-int(settings.member_target * 100 * row[total]) // 100) - row[part])
        if row[part] / row[total] < settings.member_target:
            assert row[short].startswith(f"还差 {needed} 人"), row
            checked += 1
        else:
            assert not row[short], row
    assert checked, "the fixture has a community under the member target"
