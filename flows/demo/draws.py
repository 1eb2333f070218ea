"""Seeded draws every part of the generator shares, so the same seed gives the same files."""

from __future__ import annotations

import random
from collections.abc import Sequence


def rng_for(seed: int, *parts: object) -> random.Random:
    """A generator seeded by the seed and a purpose; string seeds hash the same every run."""
    return random.Random(":".join(str(p) for p in (seed, *parts)))


def apportion(total: int, weights: Sequence[float]) -> list[int]:
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
