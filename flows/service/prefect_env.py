"""Prefect settings for a quiet, offline local run; applied before Prefect is imported."""

from __future__ import annotations

import os

from flows.settings import Settings

# Defaults only: anything the user exported wins.
_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_UI_ENABLED": "false",
    "GX_ANALYTICS_ENABLED": "False",
    # A local Dask cluster's scheduler and workers log each start and stop at INFO.
    "DASK_LOGGING__DISTRIBUTED": "warning",
}


def configure_prefect(settings: Settings) -> None:
    """Set Prefect's environment defaults, with PREFECT_HOME inside MINYI_HOME."""
    for name, value in _DEFAULTS.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home))
