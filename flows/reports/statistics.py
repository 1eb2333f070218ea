"""Statistics and disclosure control: Fisher's exact test of a change, the small-cell rule."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

ALPHA = 0.05
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class ChangeTest:
    """A rate's change against the previous half-year, with Fisher's exact test."""

    change: float
    p_value: float
    significant: bool


# Statistics and disclosure control


def change_test(
    positives: int, responses: int, previous_positives: int, previous_responses: int
) -> ChangeTest | None:
    """Change in rate against the previous half-year, with Fisher's exact test (two-sided)."""
    if responses <= 0 or previous_responses <= 0:
        return None
    table = [
        [positives, responses - positives],
        [previous_positives, previous_responses - previous_positives],
    ]
    from scipy.stats import fisher_exact  # imported when first needed: it takes seconds

    p_value = float(fisher_exact(table, alternative="two-sided")[1])
    change = positives / responses - previous_positives / previous_responses
    return ChangeTest(change, p_value, p_value < ALPHA)


def suppressed_cells(
    sizes: Mapping[K, int],
    min_size: int,
    groups: Sequence[Callable[[K], Hashable]] = (),
) -> set[K]:
    """Cells to hide: those under ``min_size``, plus, in any group (whose total is shown
    elsewhere) with exactly one hidden cell, its smallest shown cell, until none is left alone.
    """
    hidden = {key for key, size in sizes.items() if size < min_size}
    group_functions = list(groups) or [lambda _key: None]
    changed = True
    while changed:
        changed = False
        for group_of in group_functions:
            members: dict[Hashable, list[K]] = defaultdict(list)
            for key in sizes:
                members[group_of(key)].append(key)
            for keys in members.values():
                shown = [k for k in keys if k not in hidden]
                if len(keys) - len(shown) == 1 and shown:
                    hidden.add(min(shown, key=lambda k: (sizes[k], str(k))))
                    changed = True
    return hidden


def positives(row: Mapping[str, Any], definition: str) -> int:
    """Forms counted as satisfied under the definition (top2: 满意+基本满意; top1: 满意)."""
    satisfied = int(row["satisfied"] or 0)
    return satisfied + int(row["basically_satisfied"] or 0) if definition == "top2" else satisfied
