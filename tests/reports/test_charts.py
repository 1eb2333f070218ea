"""Charts: labels that do not collide, value labels at the right end of their interval."""

from __future__ import annotations

import re
import unicodedata

import pytest

from flows.reports.charts import CHART_WIDTH, Point, dot_interval_chart, trend_chart

_TEXT = re.compile(
    r'<text x="(?P<x>[\d.]+)" y="(?P<y>[\d.]+)" class="(?P<cls>\w+)"'
    r'(?: text-anchor="(?P<anchor>\w+)")?[^>]*>(?P<text>[^<]*)</text>'
)
_SIZES = {"tick": 11.0, "lbl": 12.5, "val": 11.0}


def _box(match: re.Match[str]) -> tuple[float, float, float, float]:
    """A text's bounding box, estimated: a Chinese character is as wide as the font is tall,
    anything else 0.62 of it (wider than Noto Sans's digits)."""
    size = _SIZES[match["cls"]]
    text = match["text"]
    width = sum(size if unicodedata.east_asian_width(c) in "WF" else 0.62 * size for c in text)
    x, y = float(match["x"]), float(match["y"])
    left = {"end": x - width, "middle": x - width / 2}.get(match["anchor"] or "", x)
    return left, y - size, left + width, y


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


POINTS = [
    Point("南营门社区", 0.9796, 0.955, 0.99, "borderline", False),
    Point("五大道社区", 1.0, 0.93, 1.0, "meets", True),
    Point("新兴社区", 0.62, 0.48, 0.74, "below", False),
    Point("小白楼街道劝业场社区", 0.985, 0.97, 0.995, "meets", False),
]


@pytest.mark.parametrize("target", [0.9, 0.98])
def test_dot_interval_labels_do_not_collide(target: float) -> None:
    svg = str(dot_interval_chart(POINTS, target, "满意度", "zh"))
    texts = [m for m in _TEXT.finditer(svg) if m["cls"] in _SIZES]
    assert len(texts) >= 2 * len(POINTS)
    boxes = [_box(m) for m in texts]
    for i, a in enumerate(boxes):
        assert a[0] >= 0 and a[2] <= CHART_WIDTH, texts[i]["text"]
        for j in range(i + 1, len(boxes)):
            assert not _overlap(a, boxes[j]), (texts[i]["text"], texts[j]["text"])


def test_value_labels_sit_right_of_the_interval_and_agree_with_the_target() -> None:
    svg = str(dot_interval_chart(POINTS, 0.98, "满意度", "zh"))
    ends = [float(x) for x in re.findall(r'<line x1="[\d.]+" y1="[\d.]+" x2="([\d.]+)"', svg)]
    values = [m for m in _TEXT.finditer(svg) if m["cls"] == "val"]
    interval_ends = ends[-len(values) :]  # ticks and the target line come first
    assert [float(m["x"]) for m in values] == [x + 6 for x in interval_ends]
    assert all(m["anchor"] is None for m in values)
    assert values[0]["text"] == "97.96%"  # under the 98% target: never "98.0%"


def test_trend_end_label_agrees_with_the_target() -> None:
    svg = str(
        trend_chart("南营门社区", [("2025年下半年", 0.99), ("2026年上半年", 0.9796)], 0.98, 0.9)
    )
    assert ">97.96%</text>" in svg
