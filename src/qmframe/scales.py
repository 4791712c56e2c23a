"""Ordinal-safe arithmetic on scale levels.

Levels are ranks, not numbers: *exceptional* is above *enhanced*, but not
"one more". So aggregation here only compares positions (minimum, lower
median, best fit, counts at or above a level). Points are used only where a
framework gives every level explicit points.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

__all__ = ["AGGREGATES", "aggregate", "best_fit", "lower_median", "minimum"]


def minimum(ranks: Sequence[int]) -> int:
    """The lowest rank: a chain is as strong as its weakest link."""
    return min(ranks)


def lower_median(ranks: Sequence[int]) -> int:
    """The median rank, taking the lower of the two middle ranks for an even count."""
    ordered = sorted(ranks)
    return ordered[(len(ordered) - 1) // 2]


def best_fit(ranks: Sequence[int]) -> int:
    """The most frequent rank; a tie goes to the lower rank (the cautious reading)."""
    counts = Counter(ranks)
    top = max(counts.values())
    return min(rank for rank, count in counts.items() if count == top)


AGGREGATES = {"minimum": minimum, "median": lower_median, "best-fit": best_fit}


def aggregate(method: str, ranks: Sequence[int]) -> int:
    """Combine ranks with a named method; ``ranks`` must not be empty."""
    return AGGREGATES[method](ranks)
