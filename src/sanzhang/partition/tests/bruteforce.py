"""Exhaustive reference solver for tiny groups (independent of the optimiser).

Enumerates every set partition (restricted growth strings) with the right
number of blocks and block sizes, gives each block the chief the rules call
for, and keeps the lexicographic best (fewest chiefless blocks, then least
distance). Exponential: only for a dozen households.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


def partitions(n: int, p: int, lo: int, hi: int) -> Iterator[list[int]]:
    labels = [0] * n
    sizes = [0] * p

    def rec(i: int, used: int) -> Iterator[list[int]]:
        if i == n:
            if used == p and all(lo <= s <= hi for s in sizes):
                yield labels.copy()
            return
        if p - used > n - i:  # not enough households left to open the rest
            return
        for b in range(min(used + 1, p)):
            if sizes[b] == hi:
                continue
            labels[i] = b
            sizes[b] += 1
            yield from rec(i + 1, max(used, b + 1))
            sizes[b] -= 1

    yield from rec(0, 0)


def block_cost(
    dist: np.ndarray, cand: np.ndarray, members: list[int]
) -> tuple[int, float]:
    """(1 if chiefless else 0, distance to the chief or medoid)."""
    m = np.array(members)
    cands = m[cand[m]]
    pool = cands if len(cands) else m
    best = float(dist[np.ix_(m, pool)].sum(axis=0).min())
    return (0 if len(cands) else 1), best


def optimum(
    dist: np.ndarray, cand: np.ndarray, p: int, lo: int, hi: int
) -> tuple[int, float]:
    """Best (chiefless count, total distance) over all feasible partitions."""
    best = (10**9, float("inf"))
    n = len(dist)
    memo: dict[tuple[int, ...], tuple[int, float]] = {}
    for labels in partitions(n, p, lo, hi):
        chiefless, total = 0, 0.0
        for b in range(p):
            block = tuple(i for i in range(n) if labels[i] == b)
            if block not in memo:
                memo[block] = block_cost(dist, cand, list(block))
            c, d = memo[block]
            chiefless += c
            total += d
        if (chiefless, total) < (best[0], best[1] - 1e-9):
            best = (chiefless, total)
    return best
