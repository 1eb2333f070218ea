"""``minyi serve`` and ``minyi status``: minyi as a service."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    pass

from flows.cli.common import (
    Port,
    _fail,
    _one_line_errors,
    _settings,
    _writable_home,
    app,
)


@app.command()
@_one_line_errors
def serve(port: Port = None) -> None:
    """启动服务：本机 Prefect 服务器与定时任务 / run the server and the scheduled deployments."""
    settings = _settings()
    _writable_home(settings)
    from flows.service.prefect_env import configure_prefect

    # A service's runs log at INFO (each poll's counts), to the journal and the Prefect UI.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
    configure_prefect(settings)
    from flows.service.serve import ServeError
    from flows.service.serve import serve as serve_deployments

    try:
        serve_deployments(settings, port, say=typer.echo)
    except ServeError as error:
        _fail(str(error))


@app.command()
@_one_line_errors
def status(
    port: Port = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="输出一个 JSON 对象 / print one JSON object")
    ] = False,
) -> None:
    """查看计划、最近运行和收件箱 / show schedules, recent runs and the inbox backlog."""
    settings = _settings()
    from flows.service.prefect_env import configure_prefect

    configure_prefect(settings)
    from flows.service.status import service_status, status_json, status_lines

    found = service_status(settings, port)
    if as_json:
        typer.echo(json.dumps(status_json(found, settings), ensure_ascii=False, indent=2))
        return
    for line in status_lines(found, settings):
        typer.echo(line)
