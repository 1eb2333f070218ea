"""The demo tests' shared input: four half-years generated once from a fresh demo registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.demo.generate import generate
from flows.settings import Settings
from tests.demo.readback import FOUR_PERIODS


@pytest.fixture(scope="package")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, list[Path]]:
    """Four half-years generated once from a fresh demo registry (read-only for the tests)."""
    settings = Settings(home=tmp_path_factory.mktemp("demo"))
    return settings, generate(settings, FOUR_PERIODS)
