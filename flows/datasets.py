"""The three input datasets: their columns, header names and value vocabularies.

This is the one alias table: readers match headers against it, the normaliser types
values with it, the generator writes its Chinese headers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal

Kind = Literal["evaluations", "hearings", "branch_reports"]
ColumnType = Literal["text", "int", "date", "period", "rating", "bool"]

KINDS: Final[tuple[Kind, ...]] = ("evaluations", "hearings", "branch_reports")


@dataclass(frozen=True)
class Column:
    """One input column: canonical name, Chinese header, accepted aliases, type, required."""

    name: str
    zh: str
    kind: ColumnType
    required: bool = True
    aliases: tuple[str, ...] = ()

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header text that names this column (canonical, Chinese, aliases)."""
        return (self.name, self.zh, *self.aliases)


RATING_ITEMS: Final[tuple[str, ...]] = (
    "service_attitude",
    "efficiency",
    "environment",
    "openness",
    "practical_results",
)

COLUMNS: Final[dict[Kind, tuple[Column, ...]]] = {
    "evaluations": (
        Column("period", "评议期", "period", aliases=("评议期间", "评议时段", "半年度", "期间")),
        Column("community", "社区", "text", aliases=("社区名称", "被评议社区", "社区居委会")),
        Column("evaluator", "评议人", "text", aliases=("评议人姓名", "姓名", "代表姓名")),
        Column("role", "身份", "text", aliases=("评议人身份", "代表类别", "类别")),
        Column("service_attitude", "服务态度", "rating"),
        Column("efficiency", "办事效率", "rating"),
        Column("environment", "环境整治", "rating", aliases=("环境卫生",)),
        Column("openness", "居务公开", "rating"),
        Column("practical_results", "为民办实事", "rating", aliases=("办实事",)),
        Column("verdict", "总体评价", "text", aliases=("评议结果", "综合评价", "满意度")),
        Column("comments", "意见建议", "text", required=False, aliases=("意见和建议", "备注意见")),
        Column("evaluated_on", "评议日期", "date", aliases=("填表日期", "日期")),
    ),
    "hearings": (
        Column("record_id", "编号", "text", required=False, aliases=("记录编号",)),
        Column("community", "社区", "text", aliases=("社区名称",)),
        Column("kind", "形式", "text", aliases=("活动形式", "类型")),
        Column("held_on", "日期", "date", aliases=("举办日期", "活动日期", "时间")),
        Column("topic", "议题", "text", aliases=("主题", "内容")),
        Column("attendees", "参加人数", "int", aliases=("参会人数", "出席人数")),
        Column("residents", "居民人数", "int", required=False),
        Column("deputies", "代表委员人数", "int", required=False, aliases=("代表人数",)),
        Column("party_members", "党员人数", "int", required=False),
        Column("households_visited", "走访户数", "int", required=False, aliases=("入户数",)),
        Column("opinions_raised", "收集意见数", "int", aliases=("意见数", "收集意见")),
        Column("opinions_resolved", "办结数", "int", aliases=("已办结数", "办结意见数")),
    ),
    "branch_reports": (
        Column("period", "报告期", "period", aliases=("报告期间", "半年度", "期间")),
        Column("org", "组织", "text", aliases=("组织名称", "党支部", "支部名称", "单位名称")),
        Column("members_total", "党员总数", "int", aliases=("党员数",)),
        Column("members_participating", "参与社区工作党员数", "int", aliases=("参与党员数",)),
        Column("in_service_registered", "在职党员报到数", "int", required=False),
        Column("floating_members", "流动党员数", "int", required=False),
        Column("activities", "活动次数", "int", required=False),
        Column("took_part", "是否参与共建", "bool", required=False, aliases=("参与共建",)),
        Column("submitted_on", "上报日期", "date", aliases=("报送日期", "填报日期")),
    ),
}

ROLES: Final[dict[str, str]] = {
    "人大代表": "deputy",
    "政协委员": "cppcc_member",
    "居民代表": "resident_rep",
    "单位代表": "unit_rep",
}
VERDICTS: Final[dict[str, str]] = {
    "满意": "satisfied",
    "基本满意": "basically_satisfied",
    "不满意": "dissatisfied",
}
HEARING_KINDS: Final[dict[str, str]] = {
    "听证会": "hearing",
    "恳谈会": "consultation",
    "入户走访": "home_visit",
}
ORG_KINDS: Final[tuple[str, ...]] = (
    "building_branch",
    "market_branch",
    "enterprise_branch",
    "temporary_branch",
    "economic_committee",
    "unit_org",
)
# Organisations whose members count towards member participation. The economic committee
# is left out: its members are those of the market and enterprise branches it oversees.
BRANCH_KINDS: Final[tuple[str, ...]] = (
    "building_branch",
    "market_branch",
    "enterprise_branch",
    "temporary_branch",
)

_SPACES = re.compile(r"\s+")


_UNIT_NOTE = re.compile(r"\((人|户|次|个|名|分|1-5分?|1～5分?|1~5分?)\)$")


def normalise_header(text: object) -> str:
    """Header text compared by meaning: NFKC (full-width to half-width), no spaces, lower case."""
    if text is None:
        return ""
    return _normalise_header_text(str(text))


@lru_cache(maxsize=65536)
def _normalise_header_text(text: str) -> str:
    # Header detection looks at the same few cells of thousands of files: remember them.
    folded = unicodedata.normalize("NFKC", text).replace("\ufeff", "")
    folded = _SPACES.sub("", folded).lower()
    # Units or notes in brackets after the name: 参加人数(人), 走访户数（户）
    return _UNIT_NOTE.sub("", folded)


HEADER_INDEX: Final[dict[Kind, dict[str, str]]] = {
    kind: {normalise_header(h): col.name for col in cols for h in col.headers}
    for kind, cols in COLUMNS.items()
}


def _foreign_characters() -> re.Pattern[str]:
    """Digits and CJK ideographs found in no header text (normalised) and no unit note.

    normalise_header keeps these as they are: NFKC leaves them alone and composes them with
    nothing, they have no case and are no space. A text holding one normalises to a text
    holding it, which names no column.
    """
    kept = set("".join(key for index in HEADER_INDEX.values() for key in index))
    kept |= set(_UNIT_NOTE.pattern)
    foreign = [
        code for code in (*range(0x30, 0x3A), *range(0x4E00, 0xA000)) if chr(code) not in kept
    ]
    spans: list[list[int]] = []
    for code in foreign:
        if spans and spans[-1][1] == code - 1:
            spans[-1][1] = code
        else:
            spans.append([code, code])
    return re.compile("[" + "".join(f"\\u{a:04x}-\\u{b:04x}" for a, b in spans) + "]")


_FOREIGN: Final = _foreign_characters()


def names_no_column(text: str) -> bool:
    """Whether a text certainly names no column of any kind (normalise_header(text) is in no
    kind's HEADER_INDEX): a quick test for the data cells header detection passes over.
    False means only that it may name one."""
    return _FOREIGN.search(text) is not None


def required_columns(kind: Kind) -> list[str]:
    """Canonical names of the columns a file of this kind must have."""
    return [c.name for c in COLUMNS[kind] if c.required]


# Each canonical column's Chinese header by (kind, name); reversed so the first of a name wins.
_CHINESE_HEADERS: Final[dict[tuple[str, str], str]] = {
    (kind, column.name): column.zh for kind in KINDS for column in reversed(COLUMNS[kind])
}


def column_label(kind: str, column: str) -> str:
    """The Chinese header of a canonical column (the column name when unknown)."""
    return _CHINESE_HEADERS.get((kind, column), column)


def column_names(kind: Kind) -> list[str]:
    """Canonical names of every column of this kind, in form order."""
    return [c.name for c in COLUMNS[kind]]


def match_headers(kind: Kind, headers: list[str]) -> dict[int, str]:
    """Map header positions to canonical column names for one dataset kind."""
    index = HEADER_INDEX[kind]
    found: dict[int, str] = {}
    taken: set[str] = set()
    for position, header in enumerate(headers):
        name = index.get(normalise_header(header))
        if name and name not in taken:
            found[position] = name
            taken.add(name)
    return found
