"""The message catalogues: complete in both languages, compiled, with every key the code uses."""

from __future__ import annotations

import ast
import gettext
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from string import Formatter

import pytest
from babel.messages.pofile import read_po

import flows.messages
from flows.compile_messages import CatalogueError, compile_catalogues, compiled_catalogues
from flows.datasets import HEARING_KINDS, KINDS, ORG_KINDS, RATING_ITEMS, ROLES
from flows.ingest.normalise import _PARSERS
from flows.messages import DOMAINS, LANGS, LOCALE_DIR, MESSAGES, both, msg
from flows.reports.columns import COLUMNS

ROOT = Path(__file__).resolve().parents[1]
FLOWS = ROOT / "flows"
LOCALE = Path(LOCALE_DIR)


def po_texts(lang: str, domain: str) -> dict[str, str]:
    """A .po file's texts by key, read with Babel (independently of the runtime)."""
    with open(LOCALE / lang / "LC_MESSAGES" / f"{domain}.po", "rb") as file:
        catalogue = read_po(file, locale=lang, domain=domain)
    return {str(m.id): str(m.string) for m in list(catalogue)[1:]}


def fields(text: str, lang: str) -> set[tuple[str, str, str]]:
    """(name, conversion, spec) of each placeholder; Chinese ``{x_zh}`` stands for ``{x}``."""
    found = set()
    for _, name, spec, conversion in Formatter().parse(text):
        if name is not None:
            if lang == "zh" and name.endswith("_zh"):
                name = name[: -len("_zh")]
            found.add((name, conversion or "", spec or ""))
    return found


def test_the_locale_folder_holds_exactly_the_domains() -> None:
    for lang in LANGS:
        folder = LOCALE / lang / "LC_MESSAGES"
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            f"{d}{suffix}" for d in DOMAINS for suffix in (".po", ".mo")
        )


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_key_exists_in_both_languages(domain: str) -> None:
    zh, en = po_texts("zh", domain), po_texts("en", domain)
    assert zh, domain
    assert sorted(zh.keys() - en.keys()) == [], "in Chinese only"
    assert sorted(en.keys() - zh.keys()) == [], "in English only"
    assert [k for k in zh if not zh[k].strip() or not en[k].strip()] == [], "empty texts"


def test_no_key_is_in_two_domains() -> None:
    seen: dict[str, str] = {}
    twice = []
    for domain in DOMAINS:
        for key in po_texts("zh", domain):
            if seen.setdefault(key, domain) != domain:
                twice.append((key, seen[key], domain))
    assert twice == []


@pytest.mark.parametrize("domain", DOMAINS)
def test_both_languages_use_the_same_placeholders(domain: str) -> None:
    zh, en = po_texts("zh", domain), po_texts("en", domain)
    differ = {k: (zh[k], en[k]) for k in zh if fields(zh[k], "zh") != fields(en[k], "en")}
    assert differ == {}


def test_chinese_column_names_are_the_only_language_specific_placeholder() -> None:
    chinese_only = {
        name
        for domain in DOMAINS
        for text in po_texts("zh", domain).values()
        for _, name, _, _ in Formatter().parse(text)
        if name and name.endswith("_zh")
    }
    assert chinese_only == {"column_zh"}
    assert msg("rule.required", "zh", column="members_total", column_zh="党员总数") == (
        "必填项“党员总数”为空。"
    )
    assert msg("rule.required", "en", column="members_total", column_zh="党员总数") == (
        "Required field members_total is empty."
    )


def test_the_committed_files_are_what_compiling_writes() -> None:
    stale = [
        str(path.relative_to(ROOT))
        for path, content in compiled_catalogues().items()
        if path.read_bytes() != content
    ]
    assert stale == [], "run `python -m flows.compile_messages` and commit the result"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("domain", DOMAINS)
def test_the_runtime_reads_what_gettext_reads(domain: str, lang: str) -> None:
    with open(LOCALE / lang / "LC_MESSAGES" / f"{domain}.mo", "rb") as file:
        translations = gettext.GNUTranslations(file)
    for key, text in po_texts(lang, domain).items():
        assert translations.gettext(key) == text, key
        assert MESSAGES[key][LANGS.index(lang)] == text, key


def test_looking_up_needs_no_babel() -> None:
    code = (
        "import sys, flows.messages as m; m.both('run_done', files=1, loaded=1, quarantined=0); "
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ('babel', 'gettext')))"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "[]"


def test_messages_maps_every_key_to_both_languages() -> None:
    keys = {k for d in DOMAINS for k in po_texts("zh", d)}
    assert set(MESSAGES) == keys
    assert len(MESSAGES) == len(keys)
    assert MESSAGES["report.yes"] == ("是", "yes")
    assert "rule.required" in MESSAGES
    assert "rule.no_such_rule" not in MESSAGES


def test_an_unknown_key_raises_key_error() -> None:
    with pytest.raises(KeyError):
        msg("no_such_message", "zh")
    with pytest.raises(KeyError):
        msg("no_such_message", "en")
    with pytest.raises(KeyError):
        both("no_such_message")
    with pytest.raises(KeyError):
        MESSAGES["no_such_message"]


def test_lookups_fill_placeholders_in_the_language_asked() -> None:
    values: dict[str, object] = {"files": 2, "loaded": 10, "quarantined": 1}
    zh = "运行完成：2 个文件，载入 10 行，隔离 1 行。"
    en = "Run finished: 2 file(s), 10 row(s) loaded, 1 row(s) quarantined."
    assert msg("run_done", "zh", **values) == zh
    assert msg("run_done", "en", **values) == en
    assert msg("run_done", files=2, loaded=10, quarantined=1) == zh
    assert both("run_done", **values) == f"{zh} / {en}"
    assert msg("warehouse_locked_wait", "en", holder="x", seconds=29.6).endswith("30 s...")


# Calls that take a message key, and which argument holds it.
KEY_ARGUMENT = {"msg": 0, "both": 0, "t": 0, "_say": 1, "FileRejected": 0, "writing": 1}


def _literals(node: ast.expr) -> list[ast.Constant]:
    """String constants an argument can evaluate to (both branches of ``a if c else b``)."""
    if isinstance(node, ast.IfExp):
        return _literals(node.body) + _literals(node.orelse)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node]
    return []


def _key_arguments(tree: ast.AST) -> list[ast.expr]:
    """The key argument of every call in ``tree`` that takes a message key."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            position = KEY_ARGUMENT.get(name or "")
            if position is not None and len(node.args) > position:
                found.append(node.args[position])
    return found


def _variable_keys(function: ast.FunctionDef) -> list[ast.Constant]:
    """Literals a function assigns (or defaults) to a variable it passes as a key."""
    names = {a.id for a in _key_arguments(function) if isinstance(a, ast.Name)}
    arguments = function.args.posonlyargs + function.args.args
    defaults = zip(reversed(arguments), reversed(function.args.defaults), strict=False)
    constants = [c for a, d in defaults if a.arg in names for c in _literals(d)]
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id in names for t in node.targets
        ):
            constants += _literals(node.value)
    return constants


def literal_keys() -> dict[str, list[str]]:
    """Every key written as a literal in flows/: the places it appears, by key."""
    found: dict[str, list[str]] = {}
    for path in sorted(FLOWS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = [c for a in _key_arguments(tree) for c in _literals(a)]
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                constants += _variable_keys(node)
        for constant in constants:
            where = f"{path.relative_to(ROOT)}:{constant.lineno}"
            found.setdefault(str(constant.value), []).append(where)
    # Report columns are labelled from their table: each entry names report.col.<key>.
    for key, spec in COLUMNS.items():
        found.setdefault(f"report.col.{key}", []).append("flows/reports/columns.py")
        if spec.note:
            found.setdefault(spec.note, []).append("flows/reports/columns.py")
    return found


def test_every_literal_key_in_the_code_exists() -> None:
    found = literal_keys()
    # The scan itself works: it sees keys passed each way.
    for key in ("run_done", "file_too_large", "report.col.members_total", "serve_ready"):
        assert key in found, key
    assert {"disk_full", "home_not_writable", "manifest_not_written"} <= found.keys()
    assert len(found) > 200
    missing = {key: places for key, places in found.items() if key not in MESSAGES}
    assert missing == {}


def rules_in_use() -> set[str]:
    """Rules a failure can name: each expectation's meta.rule and each parsing rule."""
    rules = {rule for _, rule in _PARSERS.values()}
    for suite in (ROOT / "expectations").glob("*.json"):
        for expectation in json.loads(suite.read_text(encoding="utf-8"))["expectations"]:
            rules.add(expectation["meta"]["rule"])
    return rules


def test_every_rule_has_a_reason_and_an_action() -> None:
    rules = rules_in_use()
    assert {"required", "bad_number", "unknown_community", "duplicate_form"} <= rules
    assert sorted(r for r in rules if f"rule.{r}" not in MESSAGES) == []
    assert sorted(r for r in rules if f"action.{r}" not in MESSAGES) == []
    reasons = {k.removeprefix("rule.") for k in MESSAGES if k.startswith("rule.")}
    actions = {k.removeprefix("action.") for k in MESSAGES if k.startswith("action.")}
    assert reasons == actions


def _verdicts() -> set[str]:
    macros = (ROOT / "sql" / "schema" / "02_macros.sql").read_text(encoding="utf-8")
    verdict = macros[macros.index("macro meta.verdict") :]
    return set(re.findall(r"'(\w+)'", verdict[: verdict.index("end;")]))


@pytest.mark.parametrize(
    ("family", "members"),
    [
        pytest.param("report.role", set(ROLES.values()), id="role"),
        pytest.param("report.hearing", set(HEARING_KINDS.values()), id="hearing"),
        pytest.param("report.org", set(ORG_KINDS), id="org"),
        pytest.param("report.item", set(RATING_ITEMS), id="item"),
        pytest.param("report.source", set(KINDS), id="source"),
        # settings.satisfaction_definition
        pytest.param("report.definition", {"top2", "top1"}, id="definition"),
        pytest.param("report.verdict", _verdicts(), id="verdict"),
        # meta.files outcomes, and sql/reports/quality_receipts.sql's superseded
        pytest.param(
            "report.outcome", {"loaded", "duplicate", "rejected", "superseded"}, id="outcome"
        ),
        # meta.runs.status: sql/load/start_run, finish_run, fail_run, mark_crashed_runs
        pytest.param("report.run", {"running", "completed", "failed", "crashed"}, id="run"),
        # sql/metrics/reporting_gaps.sql
        pytest.param("report.status", {"missing", "late"}, id="status"),
    ],
)
def test_labelled_vocabularies_have_a_label_for_every_value(family: str, members: set[str]) -> None:
    assert members
    assert sorted(m for m in members if f"{family}.{m}" not in MESSAGES) == []


def test_compiling_names_every_disagreement(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locale = tmp_path / "locale"
    shutil.copytree(LOCALE, locale)
    en = locale / "en" / "LC_MESSAGES" / "cli.po"
    text = en.read_text(encoding="utf-8")
    text = text.replace("{loaded} row(s) loaded", "{rows} row(s) loaded")
    text = text.replace('msgid "no_new_files"', '#, fuzzy\nmsgid "no_new_files"')
    start = text.index('msgid "reports_at"')
    text = text[:start] + text[text.index("\n\n", start) + 2 :]
    en.write_text(text, encoding="utf-8")
    monkeypatch.setattr(flows.messages, "LOCALE_DIR", str(locale))

    with pytest.raises(CatalogueError) as raised:
        compile_catalogues()

    assert str(raised.value).splitlines() == [
        "en/cli.po: no_new_files: empty or fuzzy (review it, drop the flag)",
        "cli.po: no_new_files: in one language only",
        "cli.po: reports_at: in one language only",
        "cli.po: run_done: the languages' placeholders differ",
    ]
    unwritten = LOCALE / "en" / "LC_MESSAGES" / "cli.mo"
    assert (locale / "en" / "LC_MESSAGES" / "cli.mo").read_bytes() == unwritten.read_bytes()


def test_compiling_writes_an_edited_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locale = tmp_path / "locale"
    shutil.copytree(LOCALE, locale)
    zh = locale / "zh" / "LC_MESSAGES" / "cli.po"
    zh.write_text(
        zh.read_text(encoding="utf-8").replace("收件箱中没有新文件。", "收件箱是空的。"),
        encoding="utf-8",
    )
    monkeypatch.setattr(flows.messages, "LOCALE_DIR", str(locale))

    changed = compile_catalogues()

    assert sorted(p.relative_to(locale).as_posix() for p in changed) == [
        "en/LC_MESSAGES/cli.po",  # its comment shows the new Chinese text
        "zh/LC_MESSAGES/cli.mo",
    ]
    assert "#. zh: 收件箱是空的。" in (locale / "en" / "LC_MESSAGES" / "cli.po").read_text("utf-8")
    with open(locale / "zh" / "LC_MESSAGES" / "cli.mo", "rb") as file:
        assert gettext.GNUTranslations(file).gettext("no_new_files") == "收件箱是空的。"
    assert compile_catalogues() == []
