"""``minyi templates`` and ``minyi gaps``: the forms that go out, and who has not sent one back."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from flows.messages import both
from flows.periods import Period
from flows.settings import Settings

if TYPE_CHECKING:
    pass

from flows.cli.common import (
    HalfYear,
    Lang,
    _fail,
    _lang_or_fail,
    _period_or_fail,
    _say,
    _settings,
    app,
)


def _inputs(period: str, lang: str | None) -> tuple[Settings, Period, str]:
    """The settings, and the half-year and language (zh | en; the settings' when not given) the
    options name, checked."""
    settings = _settings()
    return settings, _period_or_fail(period, settings), _lang_or_fail(lang) or settings.lang


@app.command()
def templates(
    period: HalfYear,
    community: Annotated[
        str | None, typer.Option(help="只写这个社区（编号，如 C01）/ one community (id)")
    ] = None,
    lang: Lang = None,
) -> None:
    """按登记册写出本半年度要发给各社区的表格 / write the half-year's forms from the registry."""
    settings, target, language = _inputs(period, lang)
    from flows.collection.templates import write_templates

    try:
        written = write_templates(settings, target, community, language)
    except (FileNotFoundError, ValueError) as error:  # registry files missing or malformed
        _fail(both("registry_missing", error=error, path=settings.reference_dir))
        return
    if community is not None and not written:
        _fail(both("templates.no_community", community=community), 2)
    _say(
        settings, "templates.written", count=len(written), path=settings.templates_dir / str(target)
    )


@app.command()
def gaps(
    period: HalfYear,
    community: Annotated[
        str | None, typer.Option(help="只列这个社区（编号，如 C01）/ one community (id)")
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="text | xlsx")] = "text",
    output: Annotated[
        Path | None, typer.Option("--output", help="写入文件 / write to a file")
    ] = None,
    lang: Lang = None,
) -> None:
    """列出尚未交回有效表格的评议人和组织（催交）/ who has not sent a valid form yet."""
    settings, target, language = _inputs(period, lang)
    if output_format not in ("text", "xlsx") or (output_format == "xlsx" and output is None):
        _fail(both("gaps.bad_format"), 2)
    from flows.collection.gaps import (
        collection_status,
        gaps_text,
        rejected_files,
        reporting_gaps,
        write_gaps_workbook,
    )
    from flows.ingest.registry import load_registry

    try:
        registry = load_registry(settings.reference_dir, settings.registry_cache_dir)
    except (FileNotFoundError, ValueError) as error:
        _fail(both("registry_missing", error=error, path=settings.reference_dir))
        return
    found = reporting_gaps(settings, target, community, registry)
    files = rejected_files(settings, target, language, registry)
    if community is not None:
        files = [f for f in files if f.community_id == community]
    if output_format == "xlsx" and output is not None:
        statuses = collection_status(settings, target, registry)
        if community is not None:
            statuses = [s for s in statuses if s.community_id == community]
        write_gaps_workbook(output, found, statuses, target, language, files)
        _say(settings, "gaps.written", count=len(found), path=output)
        return
    text = gaps_text(found, target, language, files)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text + "\n", encoding="utf-8")
        _say(settings, "gaps.written", count=len(found), path=output)
        return
    typer.echo(text)
