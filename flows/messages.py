"""The message catalogue: every user-facing text in Chinese and English.

The texts are gettext catalogues, one domain per area of the code that uses them, in
``flows/locale/<lang>/LC_MESSAGES/<domain>.po``; the compiled ``.mo`` files beside them are
what runs, read with the standard library on first use of a language. Each msgid is a key
("run_done", "rule.required"). Placeholders are ``str.format`` names, the same in both
languages, except that ``{name_zh}`` in Chinese stands where English has ``{name}``.

Look texts up with :func:`msg` (one language) or :func:`both` ("中文 / English"); an unknown
key raises KeyError. After editing a ``.po`` file, ``python -m flows.compile_messages``
(:mod:`flows.compile_messages`, Babel from the dev extra) writes the ``.mo`` files.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator, Mapping

Lang = str  # "zh" | "en"

LANGS = ("zh", "en")
# One domain per area, named after the package (or module) whose code shows its messages.
DOMAINS = ("cli", "ingest", "warehouse", "reports", "service", "demo", "topics", "collection")
LOCALE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "locale")

_MO_MAGIC = 0x950412DE
_loaded: dict[str, dict[str, str]] = {}


def catalogue_path(lang: Lang, domain: str, suffix: str = ".mo") -> str:
    """Where one domain's catalogue in one language lives (``.po`` or ``.mo``)."""
    return os.path.join(LOCALE_DIR, lang, "LC_MESSAGES", domain + suffix)


def _read_mo(path: str) -> dict[str, str]:
    """The texts of a compiled catalogue (GNU .mo, UTF-8) by msgid, without the header."""
    with open(path, "rb") as file:
        data = file.read()
    order = "<" if data[:4] == struct.pack("<I", _MO_MAGIC) else ">"
    magic, _revision, count, ids_at, texts_at = struct.unpack_from(order + "5I", data)
    if magic != _MO_MAGIC:
        raise ValueError(f"not a compiled gettext catalogue: {path}")
    texts: dict[str, str] = {}
    for index in range(count):
        id_size, id_at = struct.unpack_from(order + "2I", data, ids_at + 8 * index)
        text_size, text_at = struct.unpack_from(order + "2I", data, texts_at + 8 * index)
        if id_size:
            key = data[id_at : id_at + id_size].decode("utf-8")
            texts[key] = data[text_at : text_at + text_size].decode("utf-8")
    return texts


def _texts(lang: Lang) -> dict[str, str]:
    """Every message in one language (Chinese unless ``lang`` is "en"), read once."""
    lang = "en" if lang == "en" else "zh"
    texts = _loaded.get(lang)
    if texts is None:
        texts = {}
        for domain in DOMAINS:
            texts.update(_read_mo(catalogue_path(lang, domain)))
        _loaded[lang] = texts
    return texts


class _Messages(Mapping[str, tuple[str, str]]):
    """Every message by key, as (Chinese, English); read-only."""

    def __getitem__(self, key: str) -> tuple[str, str]:
        return _texts("zh")[key], _texts("en")[key]

    def __contains__(self, key: object) -> bool:
        return key in _texts("zh")

    def __iter__(self) -> Iterator[str]:
        return iter(_texts("zh"))

    def __len__(self) -> int:
        return len(_texts("zh"))


MESSAGES: Mapping[str, tuple[str, str]] = _Messages()


def msg(key: str, lang: Lang = "zh", **values: object) -> str:
    """The message ``key`` in one language, with its placeholders filled."""
    return _texts(lang)[key].format(**values)


def both(key: str, **values: object) -> str:
    """The message ``key`` in Chinese and English: "中文 / English"."""
    return f"{msg(key, 'zh', **values)} / {msg(key, 'en', **values)}"
