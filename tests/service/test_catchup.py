"""A half-year whose run was missed is run when serve starts; flow-level retries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from prefect.client.schemas.objects import StateType

from flows.flows import semiannual_run
from flows.messages import msg
from flows.periods import parse_period
from flows.service.catchup import catch_up, reports_missing
from flows.settings import Settings

# 2027-01-20 in Shanghai: the last closed half-year is 2026H2.
NOW = datetime(2027, 1, 20, 9, 0, tzinfo=UTC)


@dataclass
class FakeRun:
    state_type: StateType
    expected_start_time: datetime | None = None


@dataclass
class FakeClient:
    """The three calls catch_up makes of Prefect's client."""

    runs: list[FakeRun] = field(default_factory=list)
    created: list[tuple[UUID, list[str]]] = field(default_factory=list)
    deployment_id: UUID = field(default_factory=uuid4)

    def read_deployment_by_name(self, name: str) -> Any:
        assert name == "semiannual-run/minyi"
        return type("Deployment", (), {"id": self.deployment_id})()

    def read_flow_runs(self, **_filters: Any) -> list[FakeRun]:
        return self.runs

    def create_flow_run_from_deployment(self, deployment_id: UUID, tags: list[str]) -> None:
        self.created.append((deployment_id, tags))


def test_missing_reports_of_the_last_closed_half_year_start_a_run(settings: Settings) -> None:
    client, said = FakeClient(), []
    started = catch_up(client, settings, "minyi", said.append, now=NOW)
    assert started == parse_period("2026H2")
    assert client.created == [(client.deployment_id, ["catch-up"])]
    assert said == [msg("serve_catch_up", settings.lang, period="2026H2")]


def test_reports_present_start_nothing(settings: Settings) -> None:
    folder = settings.reports_dir / "2026H2"
    folder.mkdir(parents=True)
    (folder / "report.zh.html").write_text("<html></html>", encoding="utf-8")
    period = parse_period("2026H2")
    assert period is not None and not reports_missing(settings, period)
    client = FakeClient()
    assert catch_up(client, settings, "minyi", print, now=NOW) is None
    assert client.created == []


def test_a_run_already_running_or_due_is_not_doubled(settings: Settings) -> None:
    due = FakeRun(StateType.SCHEDULED, datetime.now(UTC) - timedelta(minutes=1))
    for waiting in (FakeRun(StateType.RUNNING), due):
        client = FakeClient(runs=[waiting])
        assert catch_up(client, settings, "minyi", print, now=NOW) is None
        assert client.created == []
    later = FakeRun(StateType.SCHEDULED, datetime.now(UTC) + timedelta(days=100))
    client = FakeClient(runs=[later])
    assert catch_up(client, settings, "minyi", print, now=NOW) is not None


def test_the_half_year_run_retries_with_a_delay() -> None:
    assert semiannual_run.retries == 2
    assert semiannual_run.retry_delay_seconds == 600
