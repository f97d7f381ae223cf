"""How many neighbourhoods a group gets, and the sizes actually enforced.

p = clamp(round_half_up(n / target), ceil(n / max), floor(n / min)), and p = 1
when n < min (a tiny group is one neighbourhood, below the minimum).

When ceil(n / max) > floor(n / min) no partition satisfies both bounds. With
the default rules (5..15) this never happens for n >= 5, because the ranges
[5p, 15p] overlap for consecutive p; in general it cannot happen whenever
max >= 2 * min - 1. For other rules (say 5..6 and n = 13) we keep the maximum,
because a chief cannot look after more households than that, and relax the
minimum for that group only: p = ceil(n / max) neighbourhoods of as even a
size as possible. The plan carries a warning saying so.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Rules


@dataclass(frozen=True)
class GroupSizing:
    households: int
    neighborhoods: int
    min_size: int
    max_size: int
    relaxed: bool  # True when the rules could not be met and min was relaxed


def round_half_up(numerator: int, denominator: int) -> int:
    """round(numerator / denominator) with halves going up, in exact integers.

    Python's round() rounds halves to even (round(2.5) == 2), which would give
    a 20-household group 2 neighbourhoods of 10 instead of 3.
    """
    return (2 * numerator + denominator) // (2 * denominator)


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def neighborhood_count(n: int, rules: Rules) -> int:
    """Number of neighbourhoods for a group of n households."""
    return group_sizing(n, rules).neighborhoods


def group_sizing(n: int, rules: Rules) -> GroupSizing:
    if n < 1:
        raise ValueError("a group needs at least one household")
    if n < rules.min_size:
        return GroupSizing(n, 1, n, n, relaxed=False)
    fewest = ceil_div(n, rules.max_size)
    most = n // rules.min_size
    if fewest > most:
        # Impossible rules for this n: keep max, relax min (see module doc).
        return GroupSizing(n, fewest, n // fewest, rules.max_size, relaxed=True)
    p = min(max(round_half_up(n, rules.target), fewest), most)
    return GroupSizing(n, p, rules.min_size, rules.max_size, relaxed=False)
