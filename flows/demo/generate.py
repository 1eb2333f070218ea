"""Synthetic but realistic input files and the demo registry, shaped like the seed subdistrict.

The demo registry mirrors the seed text: 9 communities (21,000 households, 68,000 residents),
31 building branches, 7 market and enterprise branches, 9 temporary branches, 1 integrated
economic committee and 38 co-building unit organisations, with rosters of evaluators per
half-year. From it, :func:`generate` writes the files organizers collect each half-year
(evaluation workbooks, GB18030 hearing exports, branch report workbooks), a few rows in each
deliberately wrong (see :data:`BAD_ROWS`). Everything is drawn from seeded generators, so the
same seed gives byte-identical files.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Final, TypeVar

import xlsxwriter

from flows.datasets import COLUMNS, Kind, column_names
from flows.messages import both
from flows.periods import Period, parse_period
from flows.settings import Settings

Row = dict[str, Any]
_Item = TypeVar("_Item")

COMMUNITIES_FILE: Final = "communities.csv"
ORGANISATIONS_FILE: Final = "organisations.csv"
EVALUATORS_FILE: Final = "evaluators.csv"
COMMUNITY_FIELDS: Final = ("community_id", "name", "households", "residents")
ORGANISATION_FIELDS: Final = ("org_id", "name", "kind", "community_id", "active_from", "active_to")
EVALUATOR_FIELDS: Final = ("period", "evaluator", "role", "community_id")

# The half-years the committed roster covers; other periods are appended on demand.
ROSTER_PERIODS: Final[tuple[Period, ...]] = tuple(
    Period(year, half) for year in (2024, 2025, 2026, 2027) for half in (1, 2)
)

# Every kind of deliberately wrong row, by dataset: what the row looks like and which rule
# of the pipeline should catch it. A few of each are written per period and subdistrict.
BAD_ROWS: Final[dict[Kind, dict[str, str]]] = {
    "evaluations": {
        "rating_out_of_range": "one item rated 6 or 0 (ratings are 1 to 5)",
        "unknown_verdict": "overall verdict 一般, not 满意 / 基本满意 / 不满意",
        "unknown_community": "a community name that is not in the registry",
        "duplicate_form": "the same evaluator's form twice in one file",
        "missing_verdict": "overall verdict left empty",
    },
    "hearings": {
        "resolved_over_raised": "more opinions resolved than raised",
        "negative_attendees": "a negative number of attendees",
        "unparseable_date": "a date that is no date (2026-02-30, 三月中旬)",
        "unknown_kind": "a kind that is not 听证会 / 恳谈会 / 入户走访 (座谈会)",
    },
    "branch_reports": {
        "participating_over_total": "more members participating than members in total",
        "unknown_org": "an organisation that is not in the registry",
        "invalid_period": "a period that is no half-year (2026H3, 2026年第三季度)",
    },
}

_COMMUNITY_NAMES: Final = (
    "和平",
    "新兴",
    "南营门",
    "五大道",
    "劝业场",
    "小白楼",
    "体育馆",
    "南市",
    "滨江",
)
_UNKNOWN_COMMUNITIES: Final = ("东风社区", "向阳社区", "光华社区", "幸福里社区")
_SUBDISTRICT_STEMS: Final = tuple(
    "长江黄河泰山华山中山解放建设人民胜利团结友谊东湖西湖南湖北湖青年红旗朝阳前进"
    "新华光荣振兴长春永安太平安定康宁福安昌平丰台海河滨海龙潭凤鸣锦绣文华"
)
_SUBDISTRICT_SUFFIXES: Final = tuple("路道里桥门园湖山城庄街港湾坊苑")
_MARKET_BRANCHES: Final = (
    "滨江道商业街市场党支部",
    "南市食品街市场党支部",
    "西康路农贸市场党支部",
)
_ENTERPRISE_BRANCHES: Final = (
    "华信科技有限公司党支部",
    "津海物流有限公司党支部",
    "恒达律师事务所党支部",
    "同仁物业服务有限公司党支部",
)
_TEMPORARY_BRANCHES: Final = (
    "南市食品街商户临时党支部",
    "滨江道商户临时党支部",
    "快递外卖骑手临时党支部",
    "家政服务人员临时党支部",
    "网约车司机临时党支部",
    "小白楼商务楼宇临时党支部",
    "装修施工人员临时党支部",
    "劝业场商户临时党支部",
    "外来务工人员临时党支部",
)
_ECONOMIC_COMMITTEE: Final = "综合经济党委"
_AGENCIES: Final = (
    "市发展改革委",
    "市教委",
    "市科技局",
    "市工业和信息化局",
    "市民政局",
    "市司法局",
    "市财政局",
    "市人力资源和社会保障局",
    "市规划和自然资源局",
    "市生态环境局",
    "市住房和城乡建设委",
    "市城市管理委",
    "市交通运输委",
    "市水务局",
    "市农业农村委",
    "市商务局",
    "市文化和旅游局",
    "市卫生健康委",
    "市退役军人事务局",
    "市应急管理局",
    "市审计局",
    "市国资委",
    "市市场监管委",
    "市体育局",
    "市统计局",
    "市医保局",
    "市信访办",
    "市政务服务办",
    "市粮食和物资储备局",
    "市机关事务管理局",
    "市合作交流办",
    "市地方金融监管局",
    "市档案馆",
    "市气象局",
    "市民族宗教委",
    "市外办",
    "市总工会",
    "市妇联",
)
_UNKNOWN_ORGS: Final = ("幸福里社区第五楼院党支部", "B99", "市邮政管理局机关党委")
_CHINESE_ORDINALS: Final = ("一", "二", "三", "四", "五", "六")

_SURNAMES: Final = tuple(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
)
_GIVEN_CHARACTERS: Final = tuple(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红建国志文斌海燕春梅林波宇浩凯鹏"
    "辉晨欣怡佳婷雪琳晶琴云莉颖慧淑珍凤荣德福祥振兴宏亮永立新俊峰秋菊树森桂香金宝玉成"
)

_ROLE_RESIDENT: Final = "居民代表"
_ROLE_DEPUTY: Final = "人大代表"
_ROLE_CPPCC: Final = "政协委员"
_ROLE_UNIT: Final = "单位代表"
_SATISFIED: Final = "满意"
_BASICALLY: Final = "基本满意"
_DISSATISFIED: Final = "不满意"

_PRAISE: Final = (
    "社区工作人员服务热情，办事认真负责。",
    "居务公开及时，希望继续保持。",
    "环境整治效果明显，楼道干净整洁了。",
    "为老服务做得好，助餐点很方便。",
    "社区干部经常入户走访，群众有事找得到人。",
)
_SUGGESTIONS: Final = (
    "建议增加老年人助餐点的供餐时间。",
    "希望尽快推进老旧楼加装电梯。",
    "小区停车难，建议协调周边单位错时停车。",
    "垃圾分类投放点夜间照明不足，建议加装路灯。",
    "建议增设社区图书角和青少年活动场所。",
    "楼道堆物较多，存在消防隐患，建议定期清理。",
    "希望多组织面向在职党员的志愿服务活动。",
    "建议在社区公众号及时公开物业维修资金使用情况。",
    "菜市场周边占道经营，早高峰拥堵，建议加强管理。",
    "希望增加社区卫生服务站的全科医生坐诊时间。",
)
_COMPLAINTS: Final = (
    "反映的楼顶漏水问题至今未解决，办事效率有待提高。",
    "夜间施工噪音扰民，多次反映没有回音。",
    "物业服务差，社区监督不到位。",
    "居务公开不够及时，很多事情居民不知道。",
)
_MEETING_TOPICS: Final = (
    "老旧小区改造方案",
    "老楼加装电梯费用分摊",
    "小区停车管理办法",
    "垃圾分类投放点设置",
    "物业服务收费调整",
    "社区养老驿站建设",
    "背街小巷环境整治",
    "便民菜市场规范经营",
    "社区公共收益使用",
    "绿化带改造提升",
)
_VISIT_TOPICS: Final = (
    "走访独居老人",
    "走访困难家庭",
    "征求居民对物业服务的意见",
    "走访残疾人家庭",
    "入户宣传垃圾分类",
    "走访退役军人家庭",
    "了解加装电梯意愿",
    "入户核查安全隐患",
)

_RATING_COLUMNS: Final = tuple(c.name for c in COLUMNS["evaluations"] if c.kind == "rating")
# Item ratings that go with each verdict, with cumulative weights.
_RATINGS_BY_VERDICT: Final[dict[str, tuple[tuple[int, ...], tuple[float, ...]]]] = {
    "满意": ((5, 4, 3), (0.72, 0.97, 1.0)),
    "基本满意": ((5, 4, 3, 2), (0.15, 0.65, 0.95, 1.0)),
    "不满意": ((4, 3, 2, 1), (0.05, 0.35, 0.75, 1.0)),
}


@dataclass(frozen=True)
class Community:
    """A community in the registry: id, name, households and residents."""

    community_id: str
    name: str
    households: int
    residents: int


@dataclass(frozen=True)
class Organisation:
    """A branch, the economic committee or a unit organisation in the registry."""

    org_id: str
    name: str
    kind: str
    community_id: str
    active_from: str = ""
    active_to: str = ""

    def is_active(self, period: Period) -> bool:
        """Whether the organisation exists in this half-year."""
        start = parse_period(self.active_from) if self.active_from else None
        end = parse_period(self.active_to) if self.active_to else None
        return (start is None or start <= period) and (end is None or period <= end)


@dataclass(frozen=True)
class Evaluator:
    """One person on a community's roster: name and role (Chinese label)."""

    name: str
    role: str


Roster = dict[str, list[Evaluator]]


@dataclass
class Registry:
    """Communities, organisations and the rosters of the requested half-years."""

    communities: list[Community]
    organisations: list[Organisation]
    rosters: dict[Period, Roster]


def subdistrict_of(identifier: str) -> str:
    """The subdistrict prefix of a community or organisation id (``S0001``), "" if none."""
    return identifier.split("-", 1)[0] if "-" in identifier else ""


def _rng(seed: int, *parts: object) -> random.Random:
    """A generator seeded by the seed and a purpose; string seeds hash the same every run."""
    return random.Random(":".join(str(p) for p in (seed, *parts)))


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    if not weights:
        return []
    scale = total / sum(weights)
    shares = [w * scale for w in weights]
    parts = [int(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: parts[i] - shares[i])
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _prefixed(prefix: str, identifier: str) -> str:
    """An id with the subdistrict prefix when there is one."""
    return f"{prefix}-{identifier}" if prefix else identifier


def _subdistrict_prefix(index: int, count: int) -> str:
    """``S0001``-style prefix of the index-th subdistrict, "" when there is only one."""
    return f"S{index + 1:04d}" if count > 1 else ""


def _subdistrict_stem(index: int, count: int) -> str:
    """A place name that makes names unique across subdistricts ("" for a single one)."""
    if count == 1:
        return ""
    stems, suffixes = len(_SUBDISTRICT_STEMS) // 2, len(_SUBDISTRICT_SUFFIXES)
    stem = _SUBDISTRICT_STEMS[2 * (index % stems)] + _SUBDISTRICT_STEMS[2 * (index % stems) + 1]
    stem += _SUBDISTRICT_SUFFIXES[(index // stems) % suffixes]
    cycle = index // (stems * suffixes)
    return f"{stem}{cycle + 1}" if cycle else stem


def build_communities(seed: int, index: int = 0, count: int = 1) -> list[Community]:
    """The nine communities of one subdistrict: 21,000 households and 68,000 residents."""
    rng = _rng(seed, "communities", index)
    prefix, stem = _subdistrict_prefix(index, count), _subdistrict_stem(index, count)
    households = _apportion(21_000, [rng.uniform(0.7, 1.3) for _ in _COMMUNITY_NAMES])
    residents = _apportion(68_000, [h * rng.uniform(2.9, 3.6) for h in households])
    return [
        Community(_prefixed(prefix, f"C{n:02d}"), f"{stem}{name}社区", hh, people)
        for n, (name, hh, people) in enumerate(
            zip(_COMMUNITY_NAMES, households, residents, strict=True), start=1
        )
    ]


def _building_branches(rng: random.Random, communities: list[Community]) -> list[Organisation]:
    """31 building branches, three or four under each community."""
    with_four = set(rng.sample(range(len(communities)), 31 - 3 * len(communities)))
    prefix = subdistrict_of(communities[0].community_id)
    branches: list[Organisation] = []
    for position, community in enumerate(communities):
        for ordinal in _CHINESE_ORDINALS[: 4 if position in with_four else 3]:
            org_id = _prefixed(prefix, f"B{len(branches) + 1:02d}")
            name = f"{community.name}第{ordinal}楼院党支部"
            branches.append(Organisation(org_id, name, "building_branch", community.community_id))
    return branches


def _subdistrict_orgs(prefix: str, stem: str) -> list[Organisation]:
    """Market, enterprise and temporary branches and the economic committee (no community)."""
    label = f"{stem}街道" if stem else ""
    groups = (
        ("M", "market_branch", _MARKET_BRANCHES),
        ("E", "enterprise_branch", _ENTERPRISE_BRANCHES),
        ("T", "temporary_branch", _TEMPORARY_BRANCHES),
        ("K", "economic_committee", (_ECONOMIC_COMMITTEE,)),
    )
    orgs = [
        Organisation(_prefixed(prefix, f"{letter}{n:02d}"), f"{label}{name}", kind, "")
        for letter, kind, names in groups
        for n, name in enumerate(names, start=1)
    ]
    # A temporary branch closes when its floating members move on: shows active_to.
    last_temporary = _prefixed(prefix, f"T{len(_TEMPORARY_BRANCHES):02d}")
    return [replace(o, active_to="2025H1") if o.org_id == last_temporary else o for o in orgs]


def _unit_orgs(rng: random.Random, communities: list[Community], stem: str) -> list[Organisation]:
    """38 municipal agency party organisations, each in co-building with one community."""
    prefix = subdistrict_of(communities[0].community_id)
    partners = [communities[i % len(communities)].community_id for i in range(len(_AGENCIES))]
    rng.shuffle(partners)
    label = f"（{stem}街道）" if stem else ""
    orgs = [
        Organisation(
            _prefixed(prefix, f"U{n:02d}"), f"{agency}机关党委{label}", "unit_org", partner
        )
        for n, (agency, partner) in enumerate(zip(_AGENCIES, partners, strict=True), start=1)
    ]
    # The newest co-building agreement started in the second half of 2025: shows active_from.
    orgs[-1] = replace(orgs[-1], active_from="2025H2")
    return orgs


def build_organisations(
    seed: int, communities: list[Community], index: int = 0, count: int = 1
) -> list[Organisation]:
    """The 86 organisations of one subdistrict, as the seed text counts them."""
    rng = _rng(seed, "organisations", index)
    prefix, stem = _subdistrict_prefix(index, count), _subdistrict_stem(index, count)
    return [
        *_building_branches(rng, communities),
        *_subdistrict_orgs(prefix, stem),
        *_unit_orgs(rng, communities, stem),
    ]


def _new_name(rng: random.Random, taken: set[str]) -> str:
    """A synthetic Chinese full name not yet used in this community and period."""
    while True:
        given_length = 1 if rng.random() < 0.3 else 2
        name = rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN_CHARACTERS, k=given_length))
        if name not in taken:
            taken.add(name)
            return name


def fresh_roster(seed: int, community_id: str) -> list[Evaluator]:
    """A first roster for a community: 16-60 people, mostly resident representatives."""
    rng = _rng(seed, "roster", "fresh", community_id)
    size = rng.randint(16, 60)
    roles = [_ROLE_DEPUTY] * rng.randint(1, 3) + [_ROLE_CPPCC] * rng.randint(1, 2)
    roles += [_ROLE_UNIT] * rng.randint(0, 4)
    roles += [_ROLE_RESIDENT] * (size - len(roles))
    taken: set[str] = set()
    return [Evaluator(_new_name(rng, taken), role) for role in roles]


def roster_after(
    seed: int, community_id: str, period: Period, previous: list[Evaluator]
) -> list[Evaluator]:
    """The roster of ``period`` grown from an earlier one: most people stay, a few change."""
    if not previous:
        return fresh_roster(seed, community_id)
    rng = _rng(seed, "roster", period, community_id)
    taken = {person.name for person in previous}
    roster = [
        person if rng.random() < 0.9 else Evaluator(_new_name(rng, taken), person.role)
        for person in previous
    ]
    change = rng.randint(-2, 2)
    if change < 0 and len(roster) + change >= 16:
        roster = roster[:change]
    elif change > 0 and len(roster) + change <= 60:
        roster += [Evaluator(_new_name(rng, taken), _ROLE_RESIDENT) for _ in range(change)]
    return roster


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """A UTF-8 registry CSV with a header row and Unix line ends."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _roster_rows(period: Period, roster: Roster) -> Iterator[tuple[str, str, str, str]]:
    """Rows of evaluators.csv for one half-year."""
    for community_id, people in roster.items():
        for person in people:
            yield str(period), person.name, person.role, community_id


def write_registry(
    reference_dir: Path,
    seed: int = 2026,
    subdistricts: int = 1,
    periods: Sequence[Period] = ROSTER_PERIODS,
) -> list[Path]:
    """Write communities.csv, organisations.csv and evaluators.csv for N seed-like subdistricts."""
    _check_subdistricts(subdistricts)
    reference_dir.mkdir(parents=True, exist_ok=True)
    communities: list[Community] = []
    organisations: list[Organisation] = []
    for index in range(subdistricts):
        local = build_communities(seed, index, subdistricts)
        communities += local
        organisations += build_organisations(seed, local, index, subdistricts)
    written = [
        _write_csv(
            reference_dir / COMMUNITIES_FILE,
            COMMUNITY_FIELDS,
            ((c.community_id, c.name, c.households, c.residents) for c in communities),
        ),
        _write_csv(
            reference_dir / ORGANISATIONS_FILE,
            ORGANISATION_FIELDS,
            (
                (o.org_id, o.name, o.kind, o.community_id, o.active_from, o.active_to)
                for o in organisations
            ),
        ),
    ]
    written.append(_write_rosters(reference_dir / EVALUATORS_FILE, seed, communities, periods))
    return written


def _write_rosters(
    path: Path, seed: int, communities: list[Community], periods: Sequence[Period]
) -> Path:
    """evaluators.csv for consecutive half-years, each roster grown from the one before."""
    roster: Roster = {c.community_id: [] for c in communities}
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(EVALUATOR_FIELDS)
        for period in sorted(periods):
            roster = {
                cid: roster_after(seed, cid, period, people) for cid, people in roster.items()
            }
            writer.writerows(_roster_rows(period, roster))
    return path


def _check_subdistricts(subdistricts: int) -> None:
    """Refuse a subdistrict count below one."""
    if subdistricts < 1:
        raise ValueError(both("generate_subdistricts_invalid", count=subdistricts))


def _check_registry_size(reference_dir: Path, subdistricts: int) -> None:
    """Refuse to generate N subdistricts' files from a registry of another size."""
    found = len({subdistrict_of(c.community_id) for c in read_communities(reference_dir)})
    if found != subdistricts:
        raise ValueError(
            both("generate_registry_mismatch", found=found, wanted=subdistricts, path=reference_dir)
        )


def registry_present(reference_dir: Path) -> bool:
    """Whether the three registry files exist."""
    names = (COMMUNITIES_FILE, ORGANISATIONS_FILE, EVALUATORS_FILE)
    return all((reference_dir / name).is_file() for name in names)


def _read_csv(path: Path) -> Iterator[dict[str, str]]:
    """Rows of a registry CSV as dicts of text."""
    with path.open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def read_communities(reference_dir: Path) -> list[Community]:
    """The communities of the registry."""
    return [
        Community(r["community_id"], r["name"], int(r["households"]), int(r["residents"]))
        for r in _read_csv(reference_dir / COMMUNITIES_FILE)
    ]


def read_organisations(reference_dir: Path) -> list[Organisation]:
    """The organisations of the registry."""
    return [
        Organisation(
            r["org_id"], r["name"], r["kind"], r["community_id"], r["active_from"], r["active_to"]
        )
        for r in _read_csv(reference_dir / ORGANISATIONS_FILE)
    ]


def _read_rosters(
    path: Path, periods: Iterable[Period]
) -> tuple[list[Period], dict[Period, Roster]]:
    """Every half-year evaluators.csv covers, and the rosters of some of them by community."""
    wanted = {str(p): p for p in periods}
    rosters: dict[Period, Roster] = {p: {} for p in wanted.values()}
    present: dict[str, None] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh)
        position = {name: i for i, name in enumerate(next(rows))}
        at_period, at_name, at_role, at_community = (position[f] for f in EVALUATOR_FIELDS)
        for row in rows:
            present[row[at_period]] = None
            period = wanted.get(row[at_period])
            if period is not None:
                people = rosters[period].setdefault(row[at_community], [])
                people.append(Evaluator(row[at_name], row[at_role]))
    covered = sorted(p for p in map(parse_period, present) if p is not None)
    return covered, {p: r for p, r in rosters.items() if p in covered}


def _base_period(period: Period, present: list[Period]) -> Period | None:
    """The roster a missing half-year grows from: the latest before it, else the earliest."""
    before = [p for p in present if p < period]
    return max(before) if before else (min(present) if present else None)


def ensure_rosters(
    reference_dir: Path, periods: Iterable[Period], communities: list[Community], seed: int
) -> dict[Period, Roster]:
    """The rosters of the requested half-years, appending to evaluators.csv those it lacks."""
    path = reference_dir / EVALUATORS_FILE
    requested = sorted(set(periods))
    present, rosters = _read_rosters(path, requested)
    missing = [p for p in requested if p not in present]
    bases = {b for p in missing if (b := _base_period(p, present)) is not None} - set(rosters)
    if bases:
        rosters |= _read_rosters(path, bases)[1]
    for period in missing:
        base_period = _base_period(period, present)
        base = rosters[base_period] if base_period is not None else {}
        roster = {
            c.community_id: roster_after(seed, c.community_id, period, base.get(c.community_id, []))
            for c in communities
        }
        _append_roster(path, period, roster)
        rosters[period] = roster
        present = sorted([*present, period])
    return {p: rosters[p] for p in requested}


def _append_roster(path: Path, period: Period, roster: Roster) -> None:
    """Append one half-year's roster rows to evaluators.csv."""
    with path.open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(_roster_rows(period, roster))


def load_registry(reference_dir: Path, periods: Iterable[Period], seed: int = 2026) -> Registry:
    """Communities, organisations and the rosters of these half-years (extended if needed)."""
    communities = read_communities(reference_dir)
    rosters = ensure_rosters(reference_dir, periods, communities, seed)
    return Registry(communities, read_organisations(reference_dir), rosters)


def period_label(period: Period) -> str:
    """The half-year as file names and titles write it: ``2026年上半年``."""
    return f"{period.year}年{'上' if period.half == 1 else '下'}半年"


def _period_text(rng: random.Random, period: Period) -> str:
    """The half-year written in one of the ways forms write it."""
    half = "上" if period.half == 1 else "下"
    return rng.choice(
        (
            period_label(period),
            period_label(period),
            f"{period.year}{half}半年",
            str(period),
            f"{period.year}-H{period.half}",
        )
    )


def _after_period(rng: random.Random, period: Period, late_share: float) -> date:
    """A date shortly after the half-year ends: mostly within 15 days, a few later."""
    late = rng.random() < late_share
    return period.end + timedelta(days=rng.randint(16, 45) if late else rng.randint(1, 15))


def _day_within(rng: random.Random, period: Period) -> date:
    """A day inside the half-year."""
    return period.start + timedelta(days=rng.randint(0, (period.end - period.start).days))


@dataclass(frozen=True)
class _Mood:
    """How a community's evaluators answer this half-year."""

    submit_share: float
    dissatisfied: float
    basically: float
    by_name: bool


def _community_mood(seed: int, community_id: str, period: Period) -> _Mood:
    """Submission share and verdict mix of one community, varying by community and round."""
    stable, round_ = _rng(seed, "mood", community_id), _rng(seed, "mood", community_id, period)
    dissatisfied = stable.uniform(0.005, 0.035) * round_.uniform(0.6, 1.4)
    basically = stable.uniform(0.08, 0.18) * round_.uniform(0.8, 1.2)
    return _Mood(round_.uniform(0.90, 0.97), dissatisfied, basically, round_.random() < 0.8)


def _verdict(rng: random.Random, mood: _Mood) -> str:
    """An overall verdict drawn from the community's mix."""
    draw = rng.random()
    if draw < mood.dissatisfied:
        return _DISSATISFIED
    return _BASICALLY if draw < mood.dissatisfied + mood.basically else _SATISFIED


def _ratings(rng: random.Random, verdict: str) -> dict[str, int]:
    """The item ratings 1-5 of one form, going with its overall verdict."""
    ratings, cumulative = _RATINGS_BY_VERDICT[verdict]
    drawn = rng.choices(ratings, cum_weights=cumulative, k=len(_RATING_COLUMNS))
    return dict(zip(_RATING_COLUMNS, drawn, strict=True))


def _comment(rng: random.Random, verdict: str) -> str | None:
    """A free-text opinion, often empty, critical when the verdict is."""
    if verdict == _DISSATISFIED:
        return rng.choice(_COMPLAINTS)
    draw = rng.random()
    if draw < 0.55:
        return None
    return rng.choice(_PRAISE) if draw < 0.7 and verdict == _SATISFIED else rng.choice(_SUGGESTIONS)


def evaluation_forms(
    seed: int, period: Period, community: Community, roster: list[Evaluator]
) -> list[Row]:
    """The forms one community's evaluators returned this half-year, in submission order."""
    mood = _community_mood(seed, community.community_id, period)
    rng = _rng(seed, "evaluations", period, community.community_id)
    period_text = _period_text(rng, period)
    forms: list[Row] = []
    for person in roster:
        if rng.random() >= mood.submit_share:
            continue
        verdict = _verdict(rng, mood)
        form: Row = {
            "period": period_text if rng.random() < 0.9 else _period_text(rng, period),
            "community": community.name if mood.by_name else community.community_id,
            "evaluator": person.name,
            "role": person.role,
        }
        form.update(_ratings(rng, verdict))
        form["verdict"] = verdict
        form["comments"] = _comment(rng, verdict)
        form["evaluated_on"] = _after_period(rng, period, 0.03)
        forms.append(form)
    rng.shuffle(forms)
    return forms


def _meeting(rng: random.Random, period: Period) -> Row:
    """A hearing or consultation meeting: tens of attendees, a handful of opinions."""
    deputies, party_members = rng.randint(2, 8), rng.randint(5, 20)
    residents = rng.randint(10, 60)
    raised = rng.randint(3, 15)
    return {
        "kind": rng.choice(("听证会", "恳谈会")),
        "held_on": _day_within(rng, period),
        "topic": rng.choice(_MEETING_TOPICS),
        "attendees": residents + deputies + party_members + rng.randint(0, 5),
        "residents": residents,
        "deputies": deputies,
        "party_members": party_members,
        "households_visited": None,
        "opinions_raised": raised,
        "opinions_resolved": sum(rng.random() < 0.85 for _ in range(raised)),
    }


def _home_visit(rng: random.Random, period: Period) -> Row:
    """A round of door-to-door visits by a few staff, deputies and party members."""
    residents, deputies, party_members = rng.randint(0, 2), rng.randint(0, 2), rng.randint(1, 4)
    raised = rng.randint(0, 12)
    return {
        "kind": "入户走访",
        "held_on": _day_within(rng, period),
        "topic": rng.choice(_VISIT_TOPICS),
        "attendees": residents + deputies + party_members + rng.randint(1, 3),
        "residents": residents,
        "deputies": deputies,
        "party_members": party_members,
        "households_visited": rng.randint(15, 50),
        "opinions_raised": raised,
        "opinions_resolved": sum(rng.random() < 0.8 for _ in range(raised)),
    }


def hearing_records(seed: int, period: Period, community: Community) -> list[Row]:
    """One community's meetings and home visits of the half-year, numbered by date."""
    rng = _rng(seed, "hearings", period, community.community_id)
    visits = max(6, round(community.households / rng.uniform(120, 200)))
    records = [_meeting(rng, period) for _ in range(rng.randint(2, 5))]
    records += [_home_visit(rng, period) for _ in range(visits)]
    records.sort(key=lambda r: r["held_on"])
    by_name = rng.random() < 0.7
    for number, record in enumerate(records, start=1):
        record["record_id"] = f"H{period}-{community.community_id}-{number:03d}"
        record["community"] = community.name if by_name else community.community_id
    return records


def branch_members(seed: int, prefix: str, organisations: list[Organisation]) -> dict[str, int]:
    """Members per organisation of one subdistrict: 47 branches, about 1,755 members in all."""
    rng = _rng(seed, "members", prefix)
    members: dict[str, int] = {}
    for kinds, total, low, high in (
        (("building_branch",), 1_240, 0.55, 1.45),
        (("market_branch", "enterprise_branch"), 280, 0.75, 1.25),
        (("temporary_branch",), 235, 0.6, 1.4),
    ):
        group = [o.org_id for o in organisations if o.kind in kinds]
        sizes = _apportion(total, [rng.uniform(low, high) for _ in group])
        members.update(zip(group, sizes, strict=True))
    for org in organisations:
        if org.kind == "unit_org":
            members[org.org_id] = rng.randint(40, 200)
    return members


def _branch_report(rng: random.Random, org: Organisation, members: int) -> Row:
    """The report of one branch: about 90% of members take part in community work."""
    floating = members if org.kind == "temporary_branch" else rng.randint(0, 6)
    return {
        "members_total": members,
        "members_participating": round(members * min(1.0, rng.gauss(0.9, 0.04))),
        "in_service_registered": rng.randint(0, 12) if org.kind == "building_branch" else None,
        "floating_members": floating,
        "activities": rng.randint(2, 12),
        "took_part": None,
    }


def _unit_report(rng: random.Random, members: int, took_part: bool) -> Row:
    """The report of a co-building unit organisation: whether it took part, and how many."""
    return {
        "members_total": members,
        "members_participating": round(members * rng.uniform(0.1, 0.4)) if took_part else 0,
        "in_service_registered": rng.randint(3, 30),
        "floating_members": 0,
        "activities": rng.randint(1, 6) if took_part else 0,
        "took_part": "是" if took_part else "否",
    }


def branch_reports(
    seed: int, period: Period, prefix: str, organisations: list[Organisation]
) -> list[Row]:
    """Reports of one subdistrict's active organisations, one to three of them missing."""
    rng = _rng(seed, "branch_reports", period, prefix)
    active = [o for o in organisations if o.is_active(period)]
    members = {
        org_id: max(1, size + rng.randint(-2, 2))
        for org_id, size in branch_members(seed, prefix, organisations).items()
    }
    overseen = sum(
        members[o.org_id] for o in active if o.kind in ("market_branch", "enterprise_branch")
    )
    units = [o.org_id for o in active if o.kind == "unit_org"]
    taking_part = set(rng.sample(units, round(len(units) * rng.uniform(0.66, 0.76))))
    missing = set(rng.sample([o.org_id for o in active], min(len(active), rng.randint(1, 3))))
    period_text = _period_text(rng, period)
    reports: list[Row] = []
    for org in active:
        if org.kind == "unit_org":
            report = _unit_report(rng, members[org.org_id], org.org_id in taking_part)
        elif org.kind == "economic_committee":
            report = _branch_report(rng, org, overseen) | {"floating_members": None}
        else:
            report = _branch_report(rng, org, members[org.org_id])
        report["period"] = period_text
        report["org"] = org.org_id if rng.random() < 0.5 else org.name
        report["submitted_on"] = _after_period(rng, period, 0.06)
        if org.org_id not in missing:
            reports.append(report)
    return reports


def _pick(rng: random.Random, rows: list[Row], used: set[int]) -> Row:
    """A row not yet made bad (falls back to any row in tiny tables)."""
    fresh = [r for r in rows if id(r) not in used] or rows
    row = rng.choice(fresh)
    used.add(id(row))
    return row


def _spoil_evaluations(
    rng: random.Random, forms: dict[str, list[Row]], unknown_community: str
) -> None:
    """Make a few evaluation forms wrong in each way of BAD_ROWS["evaluations"]."""
    used: set[int] = set()
    communities = [cid for cid, rows in forms.items() if rows]
    if not communities:
        return
    for defect in BAD_ROWS["evaluations"]:
        for _ in range(rng.randint(1, 2)):
            rows = forms[rng.choice(communities)]
            row = _pick(rng, rows, used)
            if defect == "rating_out_of_range":
                row[rng.choice(_RATING_COLUMNS)] = rng.choice((6, 0))
            elif defect == "unknown_verdict":
                row["verdict"] = "一般"
            elif defect == "unknown_community":
                row["community"] = unknown_community
            elif defect == "missing_verdict":
                row["verdict"] = None
            else:
                rows.insert(rng.randint(0, len(rows)), dict(row))


def _spoil_hearings(rng: random.Random, records: list[Row], period: Period) -> None:
    """Make a few hearing records wrong in each way of BAD_ROWS["hearings"]."""
    used: set[int] = set()
    if not records:
        return
    for defect in BAD_ROWS["hearings"]:
        for _ in range(rng.randint(1, 2)):
            record = _pick(rng, records, used)
            if defect == "resolved_over_raised":
                record["opinions_resolved"] = record["opinions_raised"] + rng.randint(1, 3)
            elif defect == "negative_attendees":
                record["attendees"] = -record["attendees"]
            elif defect == "unparseable_date":
                record["held_on"] = rng.choice((f"{period.year}-02-30", "三月中旬"))
            else:
                record["kind"] = "座谈会"


def _spoil_branch_reports(rng: random.Random, reports: list[Row], period: Period) -> None:
    """Make a few branch reports wrong in each way of BAD_ROWS["branch_reports"]."""
    used: set[int] = set()
    if not reports:
        return
    for defect in BAD_ROWS["branch_reports"]:
        for _ in range(rng.randint(1, 2)):
            report = _pick(rng, reports, used)
            if defect == "participating_over_total":
                report["members_participating"] = report["members_total"] + rng.randint(1, 5)
            elif defect == "invalid_period":
                report["period"] = rng.choice((f"{period.year}H3", f"{period.year}年第三季度"))
            else:
                extra = dict(report) | {"org": rng.choice(_UNKNOWN_ORGS)}
                reports.insert(rng.randint(0, len(reports)), extra)


def _cell_text(value: object) -> object:
    """A value as a CSV cell: dates in ISO form, empty for None."""
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


def _headers(kind: Kind) -> list[str]:
    """The Chinese headers of a dataset, in form order."""
    return [c.zh for c in COLUMNS[kind]]


def _write_table_csv(
    path: Path, kind: Kind, rows: Iterable[Row], encoding: str, numbered: bool
) -> Path:
    """A CSV as office software exports it: Chinese headers, CRLF line ends."""
    names = column_names(kind)
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow((["序号"] if numbered else []) + _headers(kind))
        for number, row in enumerate(rows, start=1):
            cells = [_cell_text(row.get(name)) for name in names]
            writer.writerow([number, *cells] if numbered else cells)
    return path


def _write_table_xlsx(
    path: Path, kind: Kind, rows: Sequence[Row], created: datetime, title: str | None
) -> Path:
    """A workbook with one sheet: an optional title line, Chinese headers, typed cells."""
    names = column_names(kind)
    numbered = title is not None
    headers = (["序号"] if numbered else []) + _headers(kind)
    # A workbook holds at most one subdistrict's ~90 rows, so building it in memory stays
    # small and avoids xlsxwriter's per-workbook temporary files (three times faster).
    workbook = xlsxwriter.Workbook(str(path), {"in_memory": True})
    workbook.set_properties({"created": created, "author": "minyi"})
    sheet = workbook.add_worksheet("评议表" if kind == "evaluations" else "报表")
    bold = workbook.add_format({"bold": True, "border": 1, "align": "center"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.set_column(0, len(headers) - 1, 12)
    top = 0
    if title is not None:
        sheet.merge_range(0, 0, 0, len(headers) - 1, title, workbook.add_format({"bold": True}))
        top = 1
    sheet.write_row(top, 0, headers, bold)
    for offset, row in enumerate(rows, start=1):
        cells = ([offset] if numbered else []) + [row.get(name) for name in names]
        for column, value in enumerate(cells):
            if isinstance(value, date):
                sheet.write_datetime(top + offset, column, value, day)
            elif value is not None:
                sheet.write(top + offset, column, value)
    workbook.close()
    return path


def _created(period: Period) -> datetime:
    """A fixed creation time for a period's workbooks, so their bytes do not vary."""
    return datetime.combine(period.end + timedelta(days=1), time(9, 0))


def _evaluation_title(period: Period, community: Community) -> str:
    """The title line above an evaluation form's header."""
    return f"{period_label(period)}社区居委会工作评议表（{community.name}）"


@dataclass
class _Round:
    """One subdistrict's rows for one half-year, before writing."""

    forms: dict[str, list[Row]]
    hearings: list[Row]
    reports: list[Row]


def _subdistrict_round(
    seed: int,
    period: Period,
    prefix: str,
    communities: list[Community],
    organisations: list[Organisation],
    roster: Roster,
) -> _Round:
    """Every row one subdistrict's organizers collect for one half-year."""
    forms = {
        c.community_id: evaluation_forms(seed, period, c, roster.get(c.community_id, []))
        for c in communities
    }
    hearings = [record for c in communities for record in hearing_records(seed, period, c)]
    return _Round(forms, hearings, branch_reports(seed, period, prefix, organisations))


def _spoil_round(
    seed: int, period: Period, prefix: str, round_: _Round, known_names: set[str]
) -> None:
    """Add the deliberately bad rows of BAD_ROWS to one subdistrict's half-year."""
    rng = _rng(seed, "bad_rows", period, prefix)
    unknown = next(n for n in _UNKNOWN_COMMUNITIES if n not in known_names)
    _spoil_evaluations(rng, round_.forms, unknown)
    _spoil_hearings(rng, round_.hearings, period)
    _spoil_branch_reports(rng, round_.reports, period)


def _write_single(
    out_dir: Path, period: Period, communities: list[Community], round_: _Round
) -> list[Path]:
    """The demo subdistrict's files: a workbook per community, one hearing CSV, one report."""
    label, created = period_label(period), _created(period)
    written = [
        _write_table_xlsx(
            out_dir / f"{label}_代表评议_{c.name}.xlsx",
            "evaluations",
            round_.forms[c.community_id],
            created,
            _evaluation_title(period, c),
        )
        for c in communities
    ]
    written.append(
        _write_table_csv(
            out_dir / f"{label}_听证恳谈走访记录.csv", "hearings", round_.hearings, "gb18030", False
        )
    )
    reports_path = out_dir / f"{label}_党支部报表.xlsx"
    written.append(_write_table_xlsx(reports_path, "branch_reports", round_.reports, created, None))
    return written


def _write_many(out_dir: Path, period: Period, prefix: str, round_: _Round) -> list[Path]:
    """One subdistrict's files at scale: evaluation CSV, hearing CSV, report workbook."""
    label = period_label(period)
    forms = (form for rows in round_.forms.values() for form in rows)
    return [
        _write_table_csv(
            out_dir / f"{label}_代表评议_{prefix}.csv", "evaluations", forms, "utf-8-sig", True
        ),
        _write_table_csv(
            out_dir / f"{label}_听证恳谈走访记录_{prefix}.csv",
            "hearings",
            round_.hearings,
            "gb18030",
            False,
        ),
        _write_table_xlsx(
            out_dir / f"{label}_党支部报表_{prefix}.xlsx",
            "branch_reports",
            round_.reports,
            _created(period),
            None,
        ),
    ]


def _grouped(items: Iterable[_Item], key_of: Callable[[_Item], str]) -> dict[str, list[_Item]]:
    """Items grouped by the subdistrict prefix of their id, in order."""
    groups: dict[str, list[_Item]] = {}
    for item in items:
        groups.setdefault(subdistrict_of(key_of(item)), []).append(item)
    return groups


def generate(
    settings: Settings,
    periods: list[Period],
    *,
    seed: int = 2026,
    out_dir: Path | None = None,
    subdistricts: int = 1,
    bad_rows: bool = True,
) -> list[Path]:
    """Write the input files of these half-years from the registry; return their paths."""
    _check_subdistricts(subdistricts)
    reference_dir = settings.reference_dir
    if not registry_present(reference_dir):
        write_registry(reference_dir, seed, subdistricts)
    _check_registry_size(reference_dir, subdistricts)
    registry = load_registry(reference_dir, periods, seed)
    target = out_dir or settings.inbox_dir
    target.mkdir(parents=True, exist_ok=True)
    communities = _grouped(registry.communities, lambda c: c.community_id)
    organisations = _grouped(registry.organisations, lambda o: o.org_id)
    known_names = {c.name for c in registry.communities}
    written: list[Path] = []
    for period in sorted(set(periods)):
        for prefix, local in communities.items():
            round_ = _subdistrict_round(
                seed, period, prefix, local, organisations.get(prefix, []), registry.rosters[period]
            )
            if bad_rows:
                _spoil_round(seed, period, prefix, round_, known_names)
            if subdistricts == 1:
                written += _write_single(target, period, local, round_)
            else:
                written += _write_many(target, period, prefix, round_)
    return written
