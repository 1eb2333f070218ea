"""The wheel: it carries what the code reads at run time, and an install from it runs anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from flows.settings import REPO_ROOT


def _build_wheel(out: Path) -> Path:
    """Build minyi's wheel offline with the setuptools of this environment."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(out),
            str(REPO_ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = out.glob("minyi-*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """minyi's wheel, built once for this module."""
    return _build_wheel(tmp_path_factory.mktemp("wheel"))


def _tracked(pattern: str) -> set[str]:
    return {p.relative_to(REPO_ROOT).as_posix() for p in REPO_ROOT.glob(pattern)}


def test_wheel_carries_what_the_code_reads(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())

    shipped = {n.removeprefix("flows/_shipped/") for n in names if n.startswith("flows/_shipped/")}
    assert _tracked("sql/**/*.sql") <= shipped
    assert len(_tracked("sql/**/*.sql")) > 50  # the glob found the statements
    assert _tracked("expectations/*.json") <= shipped
    assert {
        "data/topics.csv",
        "data/topics-userdict.txt",
        "data/topics-stopwords.txt",
        "data/topics-training.csv",
    } <= shipped
    for lang in ("zh", "en"):
        for domain in ("cli", "ingest", "warehouse", "reports", "service", "demo", "topics"):
            assert f"flows/locale/{lang}/LC_MESSAGES/{domain}.mo" in names
    templates = {p.removeprefix("flows/") for p in _tracked("flows/reports/templates/**/*.j2")}
    assert {f"flows/{t}" for t in templates} <= names
    # Nothing of a home (warehouse, inbox, keys) is packed from the checkout's data/.
    assert not [n for n in shipped if n.startswith("data/") and "topics" not in n]


@pytest.mark.slow
def test_demo_and_query_from_a_wheel_install_outside_the_checkout(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    # The dependencies come from this environment (installing them again would need the
    # network); minyi itself only from the wheel, ahead of them on sys.path.
    (site / "_minyi_test_dependencies.pth").write_text(
        sysconfig.get_path("purelib") + "\n", encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MINYI_", "PYTHON"))}
    env["MINYI_HOME"] = str(tmp_path / "home")
    minyi = str(venv / "bin" / "minyi")

    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import flows; print(flows.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(venv)

    demo = subprocess.run(
        [minyi, "demo", "--periods", "1"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert demo.returncode == 0, demo.stderr
    assert list((tmp_path / "home" / "reports").glob("*/report.zh.html"))

    query = subprocess.run(
        [minyi, "query", "select count(*) as n from metrics.satisfaction", "--format", "csv"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert query.returncode == 0, query.stderr
    assert int(query.stdout.split()[-1]) > 0
