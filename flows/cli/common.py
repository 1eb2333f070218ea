"""What every ``minyi`` command shares: the app, the settings, options checked before anything
is touched, and failures that end in one line."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar, cast

import typer

from flows.messages import both, msg
from flows.periods import Period, last_closed_period, parse_period
from flows.settings import Settings, load_settings
from flows.storage import keep_private

if TYPE_CHECKING:
    pass

app = typer.Typer(
    help="民意 minyi：街道半年度评议与参与情况数据处理 / semiannual evaluation and "
    "participation pipeline for subdistrict offices.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

Lang = Annotated[str | None, typer.Option("--lang", help="zh | en（报告语言 / report language）")]
HalfYear = Annotated[str, typer.Option(help="半年度，如 2026H1 / half-year")]


def _settings() -> Settings:
    try:
        settings = load_settings()
    except ValueError as error:
        _fail(str(error))
        raise
    # Everything minyi writes (archive, quarantine, reports, the warehouse) is private.
    keep_private(settings.home)
    return settings


def _fail(text: str, code: int = 1) -> NoReturn:
    typer.echo(text, err=True)
    raise typer.Exit(code)


Command = TypeVar("Command", bound=Callable[..., None])


def _one_line_errors(command: Command) -> Command:
    """A command whose expected failures (a home or folder that cannot be written, a registry
    file minyi cannot read, a lock held too long) end in one line and exit code 1, never a
    traceback."""
    from flows.ingest.registry_check import RegistryProblem
    from flows.service.runlock import RunLocked
    from flows.storage import HomeNotWritable
    from flows.warehouse import WarehouseLocked

    @functools.wraps(command)
    def guarded(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except (HomeNotWritable, RegistryProblem, RunLocked, WarehouseLocked) as error:
            _fail(str(error))
        except OSError as error:
            if error.filename:
                _fail(both("cannot_write", path=error.filename, reason=error.strerror or error))
            _fail(both("os_problem", reason=error))

    return cast(Command, guarded)


def _lang_or_fail(lang: str | None) -> str | None:
    """The --lang option checked before a command touches anything."""
    if lang is not None and lang not in ("zh", "en"):
        _fail(both("bad_lang", value=lang), 2)
    return lang


def _periods_or_fail(periods: int) -> int:
    """The --periods option checked before a command touches anything."""
    if periods < 1:
        _fail(both("bad_periods", value=periods), 2)
    return periods


def _writable_home(settings: Settings) -> None:
    """Fail in one line, before Prefect starts, when the home cannot be written."""
    from flows.storage import ensure_home_writable

    ensure_home_writable(settings.home)


def _say(settings: Settings, key: str, **values: Any) -> None:
    typer.echo(msg(key, settings.lang, **values))


def _period_or_fail(value: str | None, settings: Settings) -> Period:
    """The half-year an option names, parsed once here; the last closed one when not given."""
    if value is None:
        return last_closed_period(tz=settings.timezone)
    period = parse_period(value)
    if period is None:
        _fail(both("bad_period", value=value), 2)
        raise AssertionError  # _fail exits
    return period


def _taxonomy_or_fail(settings: Settings) -> None:
    """Stop with one line naming the file and the line when the topic taxonomy is broken."""
    from flows.topics.taxonomy import TaxonomyError, load_taxonomy

    try:
        load_taxonomy(settings.topics_path)
    except TaxonomyError as error:
        _fail(str(error), 2)


Port = Annotated[
    int | None,
    typer.Option(
        "--port",
        help="本机 Prefect 服务器端口（默认 MINYI_PREFECT_PORT 或 4200；0 自动选择）/ "
        "local Prefect server port",
    ),
]
