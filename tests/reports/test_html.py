"""The HTML report in a browser."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

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
    assert re.search(r"\.chart svg \{[^}]*min-width: 560px", style)
    by_community = section_of(html, "by_community")
    assert '<td class="name">东华社区</td>' in by_community
