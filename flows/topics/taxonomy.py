"""The topic taxonomy: which topics exist and the words that mark each, read from a CSV file.

The file (default ``data/topics.csv``, else the ``topics`` setting / ``MINYI_TOPICS``) has a
header row and one row per topic::

    topic,name_zh,name_en,keywords,hints,examples
    parking,停车交通,Parking and traffic,停车|车位|充电桩|...,车|路口|...,晚上没地方停车|...

- ``topic``: a stable code (letters, digits, ``_``, ``-``) stored in the warehouse;
- ``name_zh``, ``name_en``: what reports print;
- ``keywords``: words and phrases separated by ``|``, each of which alone marks the topic
  (matched as whole words after segmentation, so 车位 does not fire inside 停车位: list both
  when both are meant);
- ``hints``: optional words that mark the topic only together with a second word of the same
  topic (楼上 + 半夜 is a neighbour complaint; 楼上 alone is a place);
- ``examples``: optional sample opinions, ``|``-separated (checked by the tests to land in
  their topic).

At most one topic may have neither keywords nor hints: the fallback (其他) for opinions that
match nothing. Without such a row the fallback is ``other`` / 其他 / Other. Chinese
headers (主题代码, 中文名称, 英文名称, 关键词, 提示词, 示例) are accepted too. UTF-8 (with or
without the BOM Excel writes), GBK / GB18030 as Chinese Excel saves "CSV", and Excel's
tab-separated "Unicode text" are read.

A file that breaks a rule raises :class:`TaxonomyError`, whose text is one line naming the
file and the line, in Chinese and English.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from flows.messages import msg
from flows.topics.tokens import normalise

COLUMNS = ("topic", "name_zh", "name_en", "keywords", "hints", "examples")
REQUIRED = ("topic", "name_zh", "name_en", "keywords")
HEADER_ALIASES = {
    "主题": "topic",
    "主题代码": "topic",
    "代码": "topic",
    "中文名称": "name_zh",
    "中文名": "name_zh",
    "英文名称": "name_en",
    "英文名": "name_en",
    "关键词": "keywords",
    "提示词": "hints",
    "示例": "examples",
    "例句": "examples",
}
SEPARATOR = "|"
FALLBACK = ("other", "其他", "Other")

_CODE = re.compile(r"[A-Za-z0-9_-]+")
# A keyword holding one of these can never match: segmentation cuts text there.
_BREAKS = re.compile(r"[\s,，。！？!?；;：:、（）()\[\]【】《》<>“”\"‘’'/~～…]")


class TaxonomyError(ValueError):
    """A taxonomy file that cannot be used, with the line at fault."""

    def __init__(self, path: Path, line: int | None, key: str, **values: object) -> None:
        self.path = path
        self.line = line
        self.key = key
        self.values = values
        super().__init__(f"{self.message('zh')} / {self.message('en')}")

    def _parts(self, lang: str) -> dict[str, object]:
        where = msg("topics_line", lang, line=self.line) if self.line else ""
        return {"path": self.path, "where": where, "problem": msg(self.key, lang, **self.values)}

    def message(self, lang: str = "zh") -> str:
        """The problem in one language, naming the file and the line."""
        return msg("topics_file", lang, **self._parts(lang))


@dataclass(frozen=True)
class Topic:
    """One topic: its code, names, keywords and examples, and the line it was read from."""

    code: str
    name_zh: str
    name_en: str
    keywords: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    line: int = 0

    def name(self, lang: str = "zh") -> str:
        """The topic's name in ``lang``."""
        return self.name_en if lang == "en" else self.name_zh


@dataclass(frozen=True)
class Taxonomy:
    """The topics in file order and the code of the fallback topic."""

    path: Path
    topics: tuple[Topic, ...]
    fallback: str
    _by_code: dict[str, Topic] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {topic.code: topic for topic in self.topics})

    @property
    def codes(self) -> tuple[str, ...]:
        """Every topic code, in file order, the fallback included."""
        return tuple(topic.code for topic in self.topics)

    def topic(self, code: str) -> Topic:
        """The topic with this code."""
        return self._by_code[code]

    def name(self, code: str, lang: str = "zh") -> str:
        """The name of topic ``code`` in ``lang``."""
        return self._by_code[code].name(lang)


def _decode(path: Path, raw: bytes) -> str:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TaxonomyError(path, None, "topics_not_text")


def _split(cell: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for part in normalise(cell).split(SEPARATOR):
        if part.strip():
            seen.setdefault(part.strip(), None)
    return tuple(seen)


def _header(path: Path, row: list[str]) -> list[str]:
    names = [HEADER_ALIASES.get(cell.strip(), cell.strip().lower()) for cell in row]
    missing = [column for column in REQUIRED if column not in names]
    if missing:
        raise TaxonomyError(path, 1, "topics_missing_columns", columns=", ".join(missing))
    return names


def _topic(path: Path, line: int, record: dict[str, str]) -> Topic:
    code = record["topic"].strip()
    if not code:
        raise TaxonomyError(path, line, "topics_empty_code")
    if not _CODE.fullmatch(code):
        raise TaxonomyError(path, line, "topics_bad_code", code=code)
    for column in ("name_zh", "name_en"):
        if not record[column].strip():
            raise TaxonomyError(path, line, "topics_missing_name", code=code, column=column)
    keywords = _split(record["keywords"])
    hints = tuple(hint for hint in _split(record.get("hints", "")) if hint not in keywords)
    for keyword in (*keywords, *hints):
        if _BREAKS.search(keyword):
            raise TaxonomyError(path, line, "topics_keyword_punctuation", keyword=keyword)
    return Topic(
        code=code,
        name_zh=record["name_zh"].strip(),
        name_en=record["name_en"].strip(),
        keywords=keywords,
        hints=hints,
        examples=tuple(
            part.strip() for part in record.get("examples", "").split(SEPARATOR) if part.strip()
        ),
        line=line,
    )


def parse_taxonomy(path: Path, text: str) -> Taxonomy:
    """The taxonomy in ``text`` (the content of ``path``); raises TaxonomyError."""
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    topics: list[Topic] = []
    names: list[str] | None = None
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if names is None:
                names = _header(path, row)
                continue
            if len(row) > len(names) and any(cell.strip() for cell in row[len(names) :]):
                raise TaxonomyError(
                    path, line, "topics_row_columns", found=len(row), expected=len(names)
                )
            record = {name: (row[i] if i < len(row) else "") for i, name in enumerate(names)}
            topics.append(_topic(path, line, record))
    except csv.Error as error:
        raise TaxonomyError(path, reader.line_num, "topics_not_csv", error=error) from None
    if names is None or not topics:
        raise TaxonomyError(path, 1 if names else None, "topics_no_topics")
    return _checked(path, topics)


def _checked(path: Path, topics: list[Topic]) -> Taxonomy:
    first: dict[str, Topic] = {}
    fallback: Topic | None = None
    for topic in topics:
        if topic.code in first:
            raise TaxonomyError(
                path, topic.line, "topics_duplicate", code=topic.code, first=first[topic.code].line
            )
        first[topic.code] = topic
        if not topic.keywords and not topic.hints:
            if fallback is not None:
                raise TaxonomyError(
                    path,
                    topic.line,
                    "topics_second_fallback",
                    code=topic.code,
                    other=fallback.code,
                    first=fallback.line,
                )
            fallback = topic
    if fallback is None:
        code, name_zh, name_en = FALLBACK
        if code in first:
            raise TaxonomyError(path, first[code].line, "topics_other_reserved", code=code)
        fallback = Topic(code, name_zh, name_en)
        topics = [*topics, fallback]
    return Taxonomy(path=path, topics=tuple(topics), fallback=fallback.code)


def load_taxonomy(path: Path | str) -> Taxonomy:
    """Read and check the taxonomy file at ``path``; raises TaxonomyError naming file and line."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise TaxonomyError(path, None, "topics_missing") from None
    except OSError as error:
        raise TaxonomyError(path, None, "topics_unreadable", error=error.strerror) from None
    return parse_taxonomy(path, _decode(path, raw))
