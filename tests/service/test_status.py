"""minyi status: where it looks for the server, the warehouse's runs, the lines it prints."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.ingest.inbox import InboxSplit
from flows.messages import msg
from flows.service import server, status
from flows.service.status import DeploymentInfo, FlowRunInfo, ServiceStatus
from flows.settings import Settings
from flows.warehouse import connection as connection_module
from tests.helpers import evaluation, write_csv
from tests.processes import FakeClock, hold_file, release
from tests.warehouse_fixtures import insert_rows, make_warehouse

JAN_4_22H_UTC = datetime(2026, 1, 4, 22, 0, tzinfo=UTC)  # 2026-01-05 06:00 in Shanghai


def test_local_time_is_shanghai() -> None:
    assert status.local_time(datetime(2026, 1, 4, 22, 0, tzinfo=UTC), "Asia/Shanghai") == (
        "2026-01-05 06:00"
    )
    assert status.local_time(None, "Asia/Shanghai") == "-"


def test_status_without_a_server(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    con = make_warehouse(settings.home)
    started = datetime(2026, 7, 4, 22, 0, tzinfo=UTC)
    insert_rows(
        con,
        "meta.runs",
        [{"run_id": "r1", "started_at": started, "status": "completed", "rows_loaded": 12}],
    )
    con.close()
    write_csv(settings.inbox_dir / "forms.csv", "evaluations", [evaluation()])
    (settings.inbox_dir / "~$forms.xlsx").write_text("lock")
    port = server.free_port()

    found = status.service_status(settings, port)
    lines = status.status_lines(found, settings)

    assert not found.server_up
    assert found.api_url == f"http://127.0.0.1:{port}/api"
    assert found.warehouse_runs is not None and found.warehouse_runs[0]["run_id"] == "r1"
    text = "\n".join(lines)
    assert f"127.0.0.1:{port}" in text
    assert "2026-07-05 06:00" in text
    assert "~$forms.xlsx" in text


def test_status_looks_where_the_user_pointed_first(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MINYI_PREFECT_PORT", raising=False)
    note = settings.home / ".serve.json"
    settings.home.mkdir(parents=True, exist_ok=True)
    note.write_text(json.dumps({"api_url": "http://127.0.0.1:5000/api"}), encoding="utf-8")
    monkeypatch.setenv("PREFECT_API_URL", "http://elsewhere:4200/api")
    assert status.status_api_url(settings, 4300) == "http://elsewhere:4200/api"
    monkeypatch.delenv("PREFECT_API_URL")
    assert status.status_api_url(settings, 4300) == "http://127.0.0.1:5000/api"
    note.write_text("{damaged", encoding="utf-8")
    assert status.status_api_url(settings, 4300) == "http://127.0.0.1:4300/api"
    note.unlink()
    assert status.status_api_url(settings, None) == "http://127.0.0.1:4200/api"
    assert status.status_api_url(settings, 0) == "http://127.0.0.1:4200/api", (
        "port 0 means any free port for serve; status looks at the default"
    )


@pytest.fixture
def health_server() -> Iterator[str]:
    """A local HTTP server answering Prefect's health check, as a served API would."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/api/health" else 404)
            self.end_headers()
            self.wfile.write(b"true")

        def log_message(self, *_args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/api"
    finally:
        httpd.shutdown()


def test_a_run_finds_the_running_serves_server(settings: Settings, health_server: str) -> None:
    """minyi run uses a running serve's server only when its note names one that answers."""
    note = settings.home / ".serve.json"
    settings.home.mkdir(parents=True, exist_ok=True)
    assert status.running_serve_api(settings) is None  # no serve
    note.write_text(json.dumps({"api_url": health_server, "pid": 1}), encoding="utf-8")
    assert status.running_serve_api(settings) == health_server
    gone = f"http://127.0.0.1:{server.free_port()}/api"
    note.write_text(json.dumps({"api_url": gone}), encoding="utf-8")
    assert status.running_serve_api(settings) is None  # a stale note
    note.write_text("{damaged", encoding="utf-8")
    assert status.running_serve_api(settings) is None


def test_minyi_run_hands_its_flow_to_the_serves_server(
    settings: Settings, health_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With files in the inbox and serve running, the flow runs against serve's server (no
    temporary server), unless PREFECT_API_URL already says where."""
    import os

    from flows.cli import runs

    settings.home.mkdir(parents=True, exist_ok=True)
    note = settings.home / ".serve.json"
    note.write_text(json.dumps({"api_url": health_server}), encoding="utf-8")
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    runs._use_serves_server(settings)
    assert os.environ["PREFECT_API_URL"] == health_server
    monkeypatch.setenv("PREFECT_API_URL", "http://elsewhere:4200/api")
    runs._use_serves_server(settings)
    assert os.environ["PREFECT_API_URL"] == "http://elsewhere:4200/api"


def test_status_before_the_first_run_says_so(settings: Settings) -> None:
    assert status.read_warehouse_runs(settings) == (
        None,
        msg("status_warehouse_missing", settings.lang),
    )


def test_status_lists_the_latest_warehouse_runs_first(settings: Settings) -> None:
    con = make_warehouse(settings.home)
    insert_rows(
        con,
        "meta.runs",
        [
            {"run_id": f"r{n}", "started_at": JAN_4_22H_UTC + timedelta(days=n), "status": "x"}
            for n in range(7)
        ],
    )
    con.close()
    runs, note = status.read_warehouse_runs(settings, limit=3)
    assert note is None
    assert runs is not None and [r["run_id"] for r in runs] == ["r6", "r5", "r4"]


def test_status_while_a_run_writes_the_warehouse(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run holds the warehouse: status says so instead of failing or waiting a minute."""
    make_warehouse(settings.home).close()
    clock = FakeClock()
    monkeypatch.setattr(connection_module, "time", clock)
    holder = hold_file(settings.warehouse_path)
    try:
        runs, note = status.read_warehouse_runs(settings)
    finally:
        release(holder)
    assert runs is None
    assert note == msg("status_warehouse_busy", settings.lang)
    assert clock.now < 10 < settings.lock_timeout_seconds, "a few seconds, not the lock timeout"


def _service(**changes: object) -> ServiceStatus:
    values: dict[str, object] = {
        "api_url": "http://127.0.0.1:4200/api",
        "server_up": True,
        "deployments": [],
        "flow_runs": [],
        "warehouse_runs": [],
        "warehouse_note": None,
        "backlog": InboxSplit([], []),
    }
    values.update(changes)
    return ServiceStatus(**values)  # type: ignore[arg-type]


def test_status_lines_show_deployments_and_runs_in_office_time(settings: Settings) -> None:
    deployments = [
        DeploymentInfo(
            "semiannual-run/minyi", False, ["cron 0 6 5 1,7 * (Asia/Shanghai)"], [JAN_4_22H_UTC]
        ),
        DeploymentInfo("ingest-inbox/minyi", True, ["every 15 min"], []),
    ]
    runs = [
        FlowRunInfo("ingest-inbox", "calm-fox", "Crashed", JAN_4_22H_UTC, None, "lost heartbeat"),
        FlowRunInfo("ingest-inbox", "red-owl", "Completed", None, None, "All states completed."),
    ]
    lines = status.status_lines(_service(deployments=deployments, flow_runs=runs), settings)
    text = "\n".join(lines)

    assert lines[0] == msg("status_server_up", "zh", url="http://127.0.0.1:4200/api")
    semiannual = next(line for line in lines if "semiannual-run/minyi" in line)
    assert "2026-01-05 06:00" in semiannual
    inbox = next(line for line in lines if "ingest-inbox/minyi" in line)
    assert msg("status_paused", "zh") in inbox
    assert msg("status_next", "zh", when=msg("status_none", "zh")) in inbox
    assert "lost heartbeat" in text, "a crashed run says why"
    assert "All states completed." not in text, "a completed run needs no message"
    assert "  -  " in next(line for line in lines if "red-owl" in line), "no start time: -"


def test_status_lines_without_a_server_or_deployments(settings: Settings) -> None:
    down = status.status_lines(_service(server_up=False), settings)
    assert down[0] == msg("status_server_down", "zh", url="http://127.0.0.1:4200/api")
    assert not any(msg("status_deployments", "zh", tz="Asia/Shanghai") in line for line in down)

    up = status.status_lines(_service(), settings)
    assert "  " + msg("status_no_deployments", "zh") in up


def test_status_lines_show_why_the_warehouse_cannot_be_read(settings: Settings) -> None:
    note = msg("status_warehouse_busy", "en")
    lines = status.status_lines(_service(warehouse_note=note), settings)
    assert "  " + note in lines


def test_status_lines_list_files_still_being_written(settings: Settings) -> None:
    backlog = InboxSplit([Path("a.csv"), Path("b.csv")], [Path("~$c.xlsx")])
    lines = status.status_lines(_service(backlog=backlog), settings)
    assert msg("status_inbox", "zh", waiting=2, writing=1) in lines
    assert lines[-1] == "  … ~$c.xlsx"


def test_schedules_are_described_for_people() -> None:
    from prefect.schedules import Cron, Interval

    cron = Cron("0 6 5 1,7 *", timezone="Asia/Shanghai")
    assert status._describe_schedule(cron) == "cron 0 6 5 1,7 * (Asia/Shanghai)"
    assert status._describe_schedule(Interval(timedelta(minutes=15))) == "every 15 min"


def test_status_lines_say_hidden_files_are_never_loaded_and_why(settings: Settings) -> None:
    backlog = InboxSplit([], [], [Path(".forms.csv"), Path(".13912345678.csv")])
    lines = status.status_lines(_service(backlog=backlog), settings)
    assert msg("status_inbox", "zh", waiting=0, writing=0) in lines
    assert lines[-3:] == [
        msg("status_inbox_ignored", "zh", count=2),
        "  ✗ .forms.csv",
        "  ✗ .[电话].csv",
    ]


def test_status_lines_list_the_files_the_run_will_refuse_with_why(settings: Settings) -> None:
    from flows.ingest.readers import FileRejected

    link = settings.inbox_dir / "link.csv"
    backlog = InboxSplit([], [], [], [(link, FileRejected("file_symlink"))])
    lines = status.status_lines(_service(backlog=backlog), settings)
    assert lines[-2:] == [
        msg("status_inbox_refused", "zh", count=1),
        f"  ✗ link.csv  {msg('file_symlink', 'zh')}",
    ]


def test_status_looks_at_the_port_serve_is_told_to_use(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("MINYI_PREFECT_PORT", "5125")
    assert status.status_api_url(settings, None) == "http://127.0.0.1:5125/api"
    assert status.status_api_url(settings, 5126) == "http://127.0.0.1:5126/api"


def test_status_json_has_the_documented_keys(settings: Settings) -> None:
    runs = [FlowRunInfo("ingest-inbox", "calm-fox", "Completed", JAN_4_22H_UTC, None, None, "r1")]
    deployments = [DeploymentInfo("ingest-inbox/minyi", False, ["every 15 min"], [JAN_4_22H_UTC])]
    found = _service(flow_runs=runs, deployments=deployments, refused=2)
    shown = json.loads(json.dumps(status.status_json(found, settings)))
    assert set(shown) == {"home", "warehouse", "snapshot", "server", "deployments", "runs", "inbox"}
    assert shown["home"] == str(settings.home)
    assert {"url", "up"} <= set(shown["server"])
    assert shown["server"]["up"] is True
    assert shown["deployments"] == [
        {"name": "ingest-inbox/minyi", "next_run": JAN_4_22H_UTC.isoformat(), "paused": False}
    ]
    assert shown["runs"] == [
        {
            "id": "r1",
            "flow": "ingest-inbox",
            "state": "Completed",
            "started": JAN_4_22H_UTC.isoformat(),
            "finished": None,
        }
    ]
    assert {"waiting": 0, "refused": 2}.items() <= shown["inbox"].items()


def test_status_command_prints_json_without_a_server(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from flows.cli import app

    monkeypatch.setenv("PREFECT_API_URL", server.local_api_url(server.free_port()))
    shown = CliRunner().invoke(app, ["status", "--json"])
    assert shown.exit_code == 0, shown.output
    parsed = json.loads(shown.output)
    assert parsed["server"]["up"] is False
    assert parsed["snapshot"]["refreshed"] is None
