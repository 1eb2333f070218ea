"""Shared fixtures: every test gets its own MINYI_HOME and Prefect runs in a throwaway home."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.settings import DEFAULT_HOME, Settings, load_settings

# Prefect reads these at import: a private, quiet, offline home for the whole session.
_PREFECT_HOME = tempfile.mkdtemp(prefix="minyi-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

REFERENCE = DEFAULT_HOME / "reference"


@pytest.fixture(autouse=True)
def _umask_restored() -> Iterator[None]:
    """Commands and flows make the process umask 077: each test starts with the session's."""
    before = os.umask(0o022)
    os.umask(before)
    yield
    os.umask(before)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty MINYI_HOME with the committed demo registry in reference/."""
    root = tmp_path / "home"
    shutil.copytree(REFERENCE, root / "reference")
    monkeypatch.setenv("MINYI_HOME", str(root))
    return root


@pytest.fixture
def settings(home: Path) -> Settings:
    """Settings pointing at the test's own home."""
    return load_settings(env={"MINYI_HOME": str(home)})
