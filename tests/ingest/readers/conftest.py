"""The reader tests need no registry: settings with a home folder of their own."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.settings import Settings, load_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with their own home folder."""
    return load_settings(env={"MINYI_HOME": str(tmp_path / "home")})
