"""``minyi topics``: list, check and try the taxonomy; the words of 其他 in the warehouse.

    minyi topics list                 # the topics of the configured taxonomy
    minyi topics check [FILE]         # a taxonomy file: one line per problem
    minyi topics tag [TEXT]...        # how opinions are tagged, and why (else standard input)
    minyi topics others --period P    # frequent words of the opinions tagged 其他

A broken taxonomy file prints one line naming the file and the line, and exits with 2.
The tagging modules are imported inside each command: jieba's import (about half a second)
is not paid by every other ``minyi`` command.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from flows.messages import both, msg
from flows.periods import parse_period
from flows.settings import Settings, load_settings

if TYPE_CHECKING:
    from flows.topics.taxonomy import Taxonomy

topics_app = typer.Typer(
    help="主题：列出、检查、试用主题表 / topics: list, check and try the taxonomy.",
    no_args_is_help=True,
)


def _settings() -> Settings:
    from flows.topics.tokens import keep_cache_in

    try:
        settings = load_settings()
    except ValueError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    keep_cache_in(settings.jieba_cache_dir)
    return settings


def _taxonomy(settings: Settings, path: Path | None = None) -> Taxonomy:
    from flows.topics.taxonomy import TaxonomyError, load_taxonomy

    try:
        return load_taxonomy(path or settings.topics_path)
    except TaxonomyError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None


@topics_app.command("list")
def list_topics() -> None:
    """列出主题及其关键词数 / list the topics and how many words mark each."""
    from flows.topics.model import model_for

    settings = _settings()
    taxonomy = _taxonomy(settings)
    lang = settings.lang
    typer.echo(msg("topics_list_file", lang, path=taxonomy.path, topics=len(taxonomy.topics)))
    for topic in taxonomy.topics:
        typer.echo(
            msg(
                "topics_list_row",
                lang,
                code=topic.code,
                name=topic.name(lang),
                keywords=len(topic.keywords),
                hints=len(topic.hints),
                examples=len(topic.examples),
            )
            + ("  " + msg("topics_list_fallback", lang) if topic.code == taxonomy.fallback else "")
        )
    model = msg("topics_model_on" if model_for(taxonomy) else "topics_model_off", lang)
    typer.echo(model)


@topics_app.command("check")
def check(
    file: Annotated[
        Path | None, typer.Argument(help="主题表（默认：设置 topics）/ taxonomy file")
    ] = None,
) -> None:
    """检查主题表及其示例 / check a taxonomy file and that its examples land in their topic."""
    from flows.topics.__main__ import check as check_taxonomy

    settings = _settings()
    raise typer.Exit(check_taxonomy(_taxonomy(settings, file), settings.lang))


@topics_app.command("tag")
def tag(
    texts: Annotated[
        list[str] | None, typer.Argument(help="意见（默认：标准输入每行一条）/ opinions")
    ] = None,
) -> None:
    """试用：给意见归类并说明依据 / tag opinions and show the words that decided."""
    from flows.topics.classify import classify, explain

    settings = _settings()
    taxonomy = _taxonomy(settings)
    opinions = texts or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    for opinion, topics in zip(opinions, classify(opinions, taxonomy), strict=True):
        names = "、".join(taxonomy.name(code, settings.lang) for code in topics) or "-"
        found = explain(opinion, taxonomy)
        why = "; ".join(f"{code}: {' '.join(terms)}" for code, terms in found.items())
        learned = any(code not in found for code in topics if code != taxonomy.fallback)
        typer.echo(
            f"{opinion}\t{names}\t{why or '-'}"
            + (f"\t{msg('topics_tag_learned', settings.lang)}" if learned else "")
        )


@topics_app.command("others")
def others(
    period: Annotated[str, typer.Option(help="半年度，如 2026H1 / half-year")],
    community: Annotated[
        str | None, typer.Option(help="社区代码（默认全部）/ community id (default: all)")
    ] = None,
    limit: Annotated[int, typer.Option(help="词数 / words")] = 30,
) -> None:
    """其他类意见的常见词，用于扩充主题表 / frequent words of opinions tagged 其他."""
    settings = _settings()
    target = parse_period(period)
    if target is None:
        typer.echo(both("bad_period", value=period), err=True)
        raise typer.Exit(2)
    if not settings.warehouse_path.exists():
        typer.echo(both("warehouse_missing", path=settings.warehouse_path), err=True)
        raise typer.Exit(1)
    from flows.topics.section import other_terms
    from flows.warehouse import Mode, open_warehouse

    with open_warehouse(settings, Mode.READ) as con:
        terms = other_terms(
            con, target, community, min_cell_size=settings.min_cell_size, limit=limit
        )
    lang = settings.lang
    if not terms:
        typer.echo(msg("topics_others_none", lang, period=target, min_cell=settings.min_cell_size))
    for term, count in terms:
        typer.echo(msg("topics_others_row", lang, term=term, count=count))
