"""The package's shape: no import cycles, modules of one idea (a few hundred lines each)."""

from __future__ import annotations

import grimp
import pytest

from flows.settings import REPO_ROOT

# "Keep a module to one idea and a few hundred lines": past this it has become two ideas.
MAX_MODULE_LINES = 600
# Modules still being cut up; strict, so each fails here once it is split and must leave.
BEING_SPLIT: set[str] = set()
MODULES = sorted(p.relative_to(REPO_ROOT).as_posix() for p in REPO_ROOT.glob("flows/**/*.py"))


def _cycles(imports: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in imports.get(module, ()):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(imports):
        if module not in index:
            visit(module)
    return found


def test_cycles_are_found_where_there_are_some() -> None:
    imports = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(imports) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_back_through_others() -> None:
    graph = grimp.build_graph("flows")
    imports = {
        module: {m for m in graph.find_modules_directly_imported_by(module) if m != module}
        for module in graph.modules
    }
    # A package's __init__ re-exporting its own modules is not a cycle of ideas.
    for package in [m for m in graph.modules if graph.find_children(m)]:
        imports[package] = {m for m in imports[package] if not m.startswith(package + ".")}
    assert _cycles(imports) == []


@pytest.mark.parametrize(
    "module",
    [
        pytest.param(m, marks=pytest.mark.xfail(strict=True)) if m in BEING_SPLIT else m
        for m in sorted(
            p.relative_to(REPO_ROOT).as_posix() for p in REPO_ROOT.glob("flows/**/*.py")
        )
    ],
)
def test_each_module_is_one_idea_of_a_few_hundred_lines(module: str) -> None:
    lines = len((REPO_ROOT / module).read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{module}: {lines} lines; split it by what it does"


@pytest.mark.parametrize("module", MODULES)
def test_the_architecture_page_names_every_module(module: str) -> None:
    """docs/architecture.md lets a newcomer find the module of any stage in one step."""
    page = (REPO_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    source = (REPO_ROOT / module).read_text(encoding="utf-8")
    if module.endswith("__init__.py") and len(source.splitlines()) <= 2:
        pytest.skip("an empty package marker")
    assert f"`{module}`" in page
