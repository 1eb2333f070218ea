"""Compile the message catalogues: ``python -m flows.compile_messages`` after editing a .po file.

Checks that both languages hold the same keys with the same placeholders in each domain and
no key sits in two domains, refreshes each entry's comment showing the other language's text
and its ``python-brace-format`` flag, and writes the ``.mo`` files the runtime reads
(:mod:`flows.messages`). Development only: needs Babel (the dev extra).
"""

from __future__ import annotations

import sys
from io import BytesIO
from pathlib import Path
from string import Formatter

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from flows.messages import DOMAINS, LANGS, Lang, catalogue_path


class CatalogueError(ValueError):
    """The .po files disagree, or hold something the runtime cannot use."""


def placeholders(text: str, lang: Lang) -> set[tuple[str, str, str]]:
    """A text's ``str.format`` fields as (name, conversion, spec); ``x_zh`` in Chinese is ``x``."""
    fields = set()
    for _literal, name, spec, conversion in Formatter().parse(text):
        if name is not None:
            if lang == "zh":
                name = name.removesuffix("_zh")
            fields.add((name, conversion or "", spec or ""))
    return fields


def read_catalogue(lang: Lang, domain: str) -> Catalog:
    """One domain's .po file in one language, as a Babel catalogue."""
    with open(catalogue_path(lang, domain, ".po"), "rb") as file:
        return read_po(file, locale=lang, domain=domain)


def catalogue_texts(catalogue: Catalog, problems: list[str]) -> dict[str, str]:
    """The texts of a catalogue by key; what the runtime cannot use goes to ``problems``."""
    name = f"{catalogue.locale_identifier}/{catalogue.domain}.po"
    texts: dict[str, str] = {}
    for message in list(catalogue)[1:]:
        if not isinstance(message.id, str) or message.context:
            problems.append(f"{name}: {message.id}: plural forms and contexts are not used")
        elif message.fuzzy or not message.string or not isinstance(message.string, str):
            problems.append(f"{name}: {message.id}: empty or fuzzy (review it, drop the flag)")
        else:
            texts[message.id] = message.string
    return texts


def catalogue_problems(texts: dict[tuple[str, str], dict[str, str]]) -> list[str]:
    """What disagrees between the texts by (language, domain), one line each."""
    problems: list[str] = []
    domain_of: dict[str, str] = {}
    for domain in DOMAINS:
        zh, en = texts[("zh", domain)], texts[("en", domain)]
        for key in sorted(zh.keys() ^ en.keys()):
            problems.append(f"{domain}.po: {key}: in one language only")
        for key in sorted(zh.keys() & en.keys()):
            if domain_of.setdefault(key, domain) != domain:
                problems.append(f"{domain}.po: {key}: also in {domain_of[key]}.po")
            try:
                if placeholders(zh[key], "zh") != placeholders(en[key], "en"):
                    problems.append(f"{domain}.po: {key}: the languages' placeholders differ")
            except ValueError as error:
                problems.append(f"{domain}.po: {key}: not a str.format text ({error})")
    return problems


def compiled_catalogues() -> dict[Path, bytes]:
    """Every .po and .mo file as compiling writes them, from the .po files as they are."""
    catalogues = {(lang, d): read_catalogue(lang, d) for d in DOMAINS for lang in LANGS}
    problems: list[str] = []
    texts = {at: catalogue_texts(catalogue, problems) for at, catalogue in catalogues.items()}
    problems += catalogue_problems(texts)
    if problems:
        raise CatalogueError("\n".join(problems))
    files: dict[Path, bytes] = {}
    for (lang, domain), catalogue in catalogues.items():
        other_lang = "en" if lang == "zh" else "zh"
        other = texts[(other_lang, domain)]
        catalogue.charset = "utf-8"
        for key, text in texts[(lang, domain)].items():
            message = catalogue[key]
            message.auto_comments = [f"{other_lang}: {other[key]}"]
            # Babel derives this flag from the msgid, which here is a key without placeholders.
            if placeholders(text, lang):
                message.flags.add("python-brace-format")
        po, mo = BytesIO(), BytesIO()
        write_po(po, catalogue, width=0, no_location=True)
        write_mo(mo, catalogue)
        files[Path(catalogue_path(lang, domain, ".po"))] = po.getvalue()
        files[Path(catalogue_path(lang, domain, ".mo"))] = mo.getvalue()
    return files


def compile_catalogues() -> list[Path]:
    """Check the .po files, refresh their comments and write the .mo files; the files changed."""
    changed = []
    for path, content in compiled_catalogues().items():
        if not path.exists() or path.read_bytes() != content:
            path.write_bytes(content)
            changed.append(path)
    return changed


def main() -> int:
    """Compile the catalogues; print what changed, or the problems and exit 1."""
    try:
        changed = compile_catalogues()
    except CatalogueError as error:
        print(f"The catalogues were not compiled:\n{error}", file=sys.stderr)
        return 1
    for path in changed:
        print(f"wrote {path}")
    print(f"{len(changed)} file(s) changed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
