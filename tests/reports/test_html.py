"""The HTML report in a browser."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from flows.messages import msg
from flows.settings import Settings
from tests.reports.builders import (
    CHROMIUM,
    report_html,
    section_of,
)

# In a browser


def _chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--enable-logging=stderr",
        "--v=0",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run(
        [str(CHROMIUM), *flags, *args], capture_output=True, text=True, timeout=120, check=False
    )


_BROWSER_ERRORS = re.compile(
    r"Uncaught|Failed to load resource|ERR_(?:FILE_NOT_FOUND|NAME_NOT_RESOLVED|INTERNET|CONNECTION)"
)


def test_report_renders_in_chromium(
    written: list[Path], settings: Settings, tmp_path: Path
) -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (apt-get install chromium fonts-noto-cjk)")
        pytest.skip("chromium is not installed")
    url = written[0].as_uri()
    dom = _chromium(["--dump-dom", url], tmp_path / "profile-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert msg("report.title", "zh", period="2026年上半年") in dom.stdout
    assert not _BROWSER_ERRORS.search(dom.stderr), dom.stderr[-2000:]
    shot = tmp_path / "report.png"
    run = _chromium(
        [f"--screenshot={shot}", "--window-size=1280,2400", "--hide-scrollbars", url],
        tmp_path / "profile-shot",
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert shot.is_file() and shot.stat().st_size > 20_000
    assert not _BROWSER_ERRORS.search(run.stderr), run.stderr[-2000:]
    keep = os.environ.get("MINYI_KEEP_SCREENSHOT")
    if keep:
        shutil.copy(shot, keep)


def test_browser_check_catches_a_broken_resource(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (apt-get install chromium fonts-noto-cjk)")
        pytest.skip("chromium is not installed")
    page = tmp_path / "broken.html"
    page.write_text('<html><body><img src="missing.png"><script>nope(</script></body></html>')
    run = _chromium(["--dump-dom", page.as_uri()], tmp_path / "profile-broken")
    assert _BROWSER_ERRORS.search(run.stderr), run.stderr[-2000:]


def test_phone_layout_keeps_names_whole_and_charts_readable(
    written: list[Path], settings: Settings
) -> None:
    """At 390 px: names wrap between words (never a character per line), community cells do
    not wrap at all, and the chart scrolls in its own box instead of shrinking its text."""
    html = report_html(settings)
    style = html.split("<style>")[1].split("</style>")[0]
    assert re.search(r"th, td \{[^}]*word-break: keep-all", style)
    assert re.search(r"td\.name \{[^}]*white-space: nowrap", style)
    assert re.search(r"\.chart \{[^}]*overflow-x: auto", style)
    assert re.search(r"\.chart svg \{[^}]*min-width: 720px", style)
    by_community = section_of(html, "by_community")
    assert '<td class="name">东华社区</td>' in by_community


# Measured in the page by the browser: the widest the page gets, each name's lines, each
# chart text's box and size as drawn. The report sits in an iframe of the width under test
# (headless Chromium's windows are at least 500 px wide).
_MEASURE = """<html><body style="margin:0">
<iframe id="f" src="%s" style="width:%dpx;height:4000px;border:0"></iframe>
<script>
document.getElementById('f').addEventListener('load', () => {
  const d = document.getElementById('f').contentDocument, w = d.defaultView;
  const lines = el => {
    const range = d.createRange(); range.selectNodeContents(el);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
  };
  const charts = [...d.querySelectorAll('.chart svg')].map(svg => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    return [...svg.querySelectorAll('text')].filter(t => t.textContent.trim()).map(t => {
      const r = t.getBoundingClientRect();
      const size = parseFloat(w.getComputedStyle(t).fontSize) * scale;
      return [t.textContent, r.left, r.top, r.right, r.bottom, size];
    });
  });
  document.body.setAttribute('data-result', JSON.stringify({
    page: d.documentElement.scrollWidth,
    names: [...d.querySelectorAll('td.name')].map(td => [td.textContent, lines(td)]),
    charts: charts,
  }));
});
</script></body></html>"""


def _measure(page: Path, width: int, tmp_path: Path) -> dict[str, Any]:
    wrapper = tmp_path / f"measure-{width}.html"
    wrapper.write_text(_MEASURE % (page.as_uri(), width), encoding="utf-8")
    run = _chromium(
        [
            "--allow-file-access-from-files",
            "--virtual-time-budget=10000",
            f"--window-size={width + 40},4000",
            "--dump-dom",
            wrapper.as_uri(),
        ],
        tmp_path / f"profile-measure-{width}",
    )
    assert run.returncode == 0, run.stderr[-2000:]
    found = re.search(r'data-result="([^"]*)"', run.stdout)
    assert found, run.stdout[-2000:]
    result: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return result


def _overlaps(a: list[Any], b: list[Any]) -> bool:
    return bool(a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5 and a[2] < b[4] - 0.5 and b[2] < a[4] - 0.5)


@pytest.mark.parametrize("width", [390, 1280])
def test_report_reads_on_a_phone_and_a_pc(
    written: list[Path], settings: Settings, tmp_path: Path, width: int
) -> None:
    """No horizontal page scroll; names never broken one character per line (on one line);
    chart text at least 9 px as drawn, and no two chart labels on top of each other."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (apt-get install chromium fonts-noto-cjk)")
        pytest.skip("chromium is not installed")
    result = _measure(written[0], width, tmp_path)
    assert result["page"] <= width
    assert result["names"], "the report has community cells"
    assert [name for name, lines in result["names"] if lines > 1] == []
    assert result["charts"]
    for texts in result["charts"]:
        assert min(t[5] for t in texts) >= 9, texts
        for i, a in enumerate(texts):
            for b in texts[i + 1 :]:
                assert not _overlaps(a, b), (a, b)
    shot = tmp_path / f"report-{width}.png"
    run = _chromium(
        [
            "--allow-file-access-from-files",
            f"--screenshot={shot}",
            f"--window-size={width + 40},2400",
            "--hide-scrollbars",
            (tmp_path / f"measure-{width}.html").as_uri(),
        ],
        tmp_path / f"profile-shot-{width}",
    )
    assert run.returncode == 0 and shot.is_file(), run.stderr[-2000:]
    keep = os.environ.get("MINYI_KEEP_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)
