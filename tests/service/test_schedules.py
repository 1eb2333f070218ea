"""When the deployments run: the half-year cron in the office's time zone, the inbox interval."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace
from uuid import UUID, uuid4

import pytest
from prefect.exceptions import ObjectNotFound
from prefect.server.schemas.schedules import CronSchedule

from flows.service import schedules
from flows.settings import Settings, load_settings


def _fires(schedule: object, after: datetime, count: int = 3) -> list[datetime]:
    """When the Prefect server would schedule runs of this cron, in UTC."""
    server_side = CronSchedule(cron=schedule.cron, timezone=schedule.timezone)  # type: ignore[attr-defined]
    return [d.astimezone(UTC) for d in asyncio.run(server_side.get_dates(count, start=after))]


def test_half_year_runs_at_six_in_the_morning_shanghai_time(settings: Settings) -> None:
    fires = _fires(schedules.semiannual_schedule(settings), datetime(2026, 1, 1, tzinfo=UTC))
    # 06:00 on 5 January and 5 July in Shanghai (UTC+8) is 22:00 UTC the day before.
    assert fires == [
        datetime(2026, 1, 4, 22, 0, tzinfo=UTC),
        datetime(2026, 7, 4, 22, 0, tzinfo=UTC),
        datetime(2027, 1, 4, 22, 0, tzinfo=UTC),
    ]


def test_the_cron_and_time_zone_come_from_the_settings(settings: Settings) -> None:
    custom = load_settings(
        env={
            "MINYI_HOME": str(settings.home),
            "MINYI_SEMIANNUAL_CRON": "30 8 10 1,7 *",
            "MINYI_TIMEZONE": "Asia/Urumqi",
        }
    )
    fires = _fires(schedules.semiannual_schedule(custom), datetime(2026, 1, 1, tzinfo=UTC), 1)
    assert fires == [datetime(2026, 1, 10, 2, 30, tzinfo=UTC)]  # Urumqi is UTC+6


@pytest.mark.parametrize(("minutes", "seconds"), [("15", 900), ("1", 60)], ids=["default", "1"])
def test_inbox_is_polled_every_configured_minutes(
    settings: Settings, minutes: str, seconds: int
) -> None:
    polled = load_settings(
        env={"MINYI_HOME": str(settings.home), "MINYI_INBOX_INTERVAL_MINUTES": minutes}
    )
    schedule = schedules.inbox_schedule(polled)
    assert schedule.interval.total_seconds() == seconds
    assert schedule.timezone == "Asia/Shanghai"


def test_deployment_name_is_per_office(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MINYI_DEPLOYMENT_NAME", raising=False)
    assert schedules.deployment_name() == "minyi"
    monkeypatch.setenv("MINYI_DEPLOYMENT_NAME", "heping")
    assert schedules.deployment_name() == "heping"


class _Server:
    """A Prefect client that knows some deployments by 'flow/deployment' name."""

    def __init__(self, known: dict[str, UUID]) -> None:
        self.known = known

    def read_deployment_by_name(self, name: str) -> SimpleNamespace:
        if name not in self.known:
            raise ObjectNotFound(http_exc=Exception(name))
        return SimpleNamespace(id=self.known[name])


def test_deployment_ids_are_this_offices_known_deployments() -> None:
    inbox, other = uuid4(), uuid4()
    client = _Server({"ingest-inbox/heping": inbox, "semiannual-run/xinxing": other})
    assert schedules.deployment_ids(client, "heping") == {inbox: "ingest-inbox"}  # type: ignore[arg-type]
    assert schedules.deployment_ids(client, "nowhere") == {}  # type: ignore[arg-type]
