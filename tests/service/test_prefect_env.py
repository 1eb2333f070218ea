"""Prefect's environment for a quiet, offline run: defaults that never override the user."""

from __future__ import annotations

import os

import pytest

from flows.service.prefect_env import configure_prefect
from flows.settings import Settings

QUIET = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "GX_ANALYTICS_ENABLED": "False",
}


@pytest.fixture
def bare_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No Prefect, GX or Dask variable set (restored after the test)."""
    for name in list(os.environ):
        if name.startswith(("PREFECT_", "GX_", "DASK_")):
            monkeypatch.delenv(name)
    return monkeypatch


def test_defaults_make_prefect_quiet_and_offline(
    bare_env: pytest.MonkeyPatch, settings: Settings
) -> None:
    configure_prefect(settings)
    assert {name: os.environ.get(name) for name in QUIET} == QUIET
    assert os.environ["PREFECT_HOME"] == str(settings.home / "prefect")


def test_what_the_user_exported_wins(bare_env: pytest.MonkeyPatch, settings: Settings) -> None:
    bare_env.setenv("PREFECT_LOGGING_LEVEL", "DEBUG")
    bare_env.setenv("PREFECT_HOME", "/srv/prefect")
    bare_env.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "true")
    configure_prefect(settings)
    assert os.environ["PREFECT_LOGGING_LEVEL"] == "DEBUG"
    assert os.environ["PREFECT_HOME"] == "/srv/prefect"
    assert os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] == "true"
    assert os.environ["PREFECT_SERVER_LOGGING_LEVEL"] == "CRITICAL"
