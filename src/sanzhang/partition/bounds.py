"""Lagrangian lower bound for one group.

Relaxing "each household in exactly one neighbourhood" with multipliers
lambda_i splits the problem by centre. For a centre j the best neighbourhood
under reduced costs d_ij - lambda_i holds j itself, the (min - 1) cheapest
others, and any further ones with negative reduced cost up to max; then the k
candidate centres and p - k other centres with the lowest values are opened.
Every sub-problem has integral optima, so the best multipliers give the same
bound as the LP relaxation; we approach them by subgradient steps.

The bound is valid for every plan that obeys the size bounds, has exactly k
candidate chiefs and puts no candidate in a chiefless neighbourhood (which
every plan we output does). Locks are dropped, which only weakens it.

Only the nearest few households of each centre are scanned while iterating,
which is a heuristic shortcut; the value reported always comes from one final
evaluation over all households, so it is a proven bound regardless.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .problem import GroupProblem


def _covering_width(
    cover: np.ndarray, rows: np.ndarray, width: int, per_household: int = 4
) -> int:
    """List length so each household is on the lists of its nearest centres.

    Without that, a household no centre lists (few candidates, far away)
    would see its multiplier grow without limit and the true bound collapse.
    """
    if rows.shape[0] == 0 or cover.shape[1] == 0:
        return width
    # Rank of each household to cover within every centre's sorted row.
    srt = np.sort(rows, axis=1)
    rank = np.stack([np.searchsorted(srt[r], cover[r]) for r in range(rows.shape[0])])
    nearest = np.argsort(cover, axis=0)[: min(per_household, cover.shape[0])]
    needed = int(np.take_along_axis(rank, nearest, axis=0).max()) + 1
    return max(width, needed)


class _Relaxation:
    """The Lagrangian sub-problems of one group, set up for fast evaluation."""

    def __init__(self, prob: GroupProblem, k: int, width: int | None) -> None:
        self.prob = prob
        self.k = k
        self.lo = prob.lo
        self.hi = min(prob.hi, prob.n)
        n = prob.n
        dist = prob.dist.copy()
        np.fill_diagonal(dist, np.inf)  # the centre itself is added separately
        # A chiefless centre may not take candidates (they would be chiefs).
        noncand = ~prob.cand
        dist[np.ix_(noncand, prob.cand)] = np.inf
        if k == prob.p:
            self.centers = np.flatnonzero(prob.cand)
        elif k == 0:
            self.centers = np.flatnonzero(noncand)
        else:
            self.centers = np.arange(n)
        rows = dist[self.centers]
        if width is not None:
            # Households that may be centres cap their own multiplier (they
            # open themselves), so only the others need covering.
            others = np.setdiff1d(np.arange(n), self.centers)
            width = min(_covering_width(rows[:, others], rows, width), n - 1)
        # ``full``: every row lists all households in order, so lam needs no
        # gather (small groups, and the final exact evaluation).
        self.full = width is None or width >= n - 1
        if self.full:
            cols = np.broadcast_to(np.arange(n), rows.shape)
        else:
            cols = np.argpartition(rows, width - 1, axis=1)[:, :width]
        self.cols = np.ascontiguousarray(cols)
        self.dist = rows if self.full else np.take_along_axis(rows, self.cols, axis=1)
        self.take = min(self.hi - 1, self.dist.shape[1])
        self.row = np.arange(len(self.centers))[:, None]
        self.must = np.arange(self.take)[None, :] < self.lo - 1
        is_cand = prob.cand[self.centers]
        self.kinds = [
            (np.flatnonzero(is_cand == kind), quota)
            for kind, quota in ((True, k), (False, prob.p - k))
        ]

    def evaluate(self, lam: np.ndarray) -> tuple[float, np.ndarray]:
        """Lagrangian value and subgradient at ``lam``."""
        value, grad, _ = self.evaluate_full(lam)
        return value, grad

    def evaluate_full(self, lam: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Value, subgradient and the centres the relaxation opens."""
        n = self.prob.n
        reduced = self.dist - (lam[None, :] if self.full else lam[self.cols])
        # Every row needs only its sorted values; which households they are
        # matters only for the p rows opened, so only those are argsorted.
        vals = self._smallest(reduced, sort_values=True)
        chosen = self.must | (vals < 0.0)
        # An infinite value among the mandatory members makes the centre
        # infeasible, and it then sums to +inf by itself.
        rho = np.where(chosen, vals, 0.0).sum(axis=1) - lam[self.centers]
        opened = self._open(rho)
        if opened is None:
            return -np.inf, np.zeros(n), np.array([], dtype=np.int64)
        value = float(lam.sum() + rho[opened].sum())
        part = self._smallest(reduced[opened], sort_values=False)
        members = self.cols[opened[:, None], part][chosen[opened]]
        count = np.bincount(self.centers[opened], minlength=n) + np.bincount(
            members, minlength=n
        )
        return value, 1.0 - count, self.centers[opened]

    def _smallest(self, reduced: np.ndarray, sort_values: bool) -> np.ndarray:
        """The ``take`` smallest entries of each row, ascending: their values
        (``sort_values``) or their column positions."""
        take = self.take
        rows = reduced.shape[0]
        if take == 0:
            return np.zeros((rows, 0), dtype=float if sort_values else np.int64)
        if reduced.shape[1] <= 64:  # one sort beats partition-then-sort on short rows
            if sort_values:
                return np.sort(reduced, axis=1)[:, :take]
            return np.argsort(reduced, axis=1)[:, :take]
        if sort_values:
            return np.sort(np.partition(reduced, take - 1, axis=1)[:, :take], axis=1)
        part = np.argpartition(reduced, take - 1, axis=1)[:, :take]
        vals = np.take_along_axis(reduced, part, axis=1)
        return np.take_along_axis(part, np.argsort(vals, axis=1), axis=1)

    def _open(self, rho: np.ndarray) -> np.ndarray | None:
        picks = []
        for idx, quota in self.kinds:
            if quota > len(idx):
                return None  # the quota cannot be met at all
            if 0 < quota < len(idx):
                idx = idx[np.argpartition(rho[idx], quota - 1)[:quota]]
            elif quota == 0:
                continue
            picks.append(idx)
        return np.concatenate(picks) if picks else np.array([], dtype=np.int64)


@dataclass
class Bound:
    value: float  # proven lower bound, never above the upper bound given
    centers: np.ndarray  # centres opened at the best multipliers (a good seed)
    multipliers: np.ndarray | None = None  # lambda behind ``value``


def lagrangian_bound(
    prob: GroupProblem,
    k: int,
    upper: float,
    start: np.ndarray | None = None,
    iterations: int = 250,
    width: int | None = 48,
) -> Bound:
    """Subgradient ascent on the Lagrangian dual; see the module docstring."""
    none = np.array([], dtype=np.int64)
    if prob.p == 1 or prob.n <= 1:
        return Bound(0.0, none)
    approx = _Relaxation(prob, k, width)
    exact = approx if approx.dist.shape[1] >= prob.n else _Relaxation(prob, k, None)
    lam = _initial_multipliers(prob) if start is None else start.astype(float).copy()
    # The approximate value can overrate multipliers, so candidates for the
    # answer are compared by their exact value at regular checkpoints.
    kept_lam, kept = lam.copy(), exact.evaluate(lam)[0]
    best_lam, best = lam.copy(), -np.inf
    theta, stall = 1.0, 0
    for it in range(iterations):
        if it % 25 == 24 and exact is not approx:
            kept_lam, kept = _better(exact, best_lam, kept_lam, kept)
        value, grad = approx.evaluate(lam)
        if not np.isfinite(value):
            break
        if value > best + 1e-9:
            best, best_lam, stall = value, lam.copy(), 0
        else:
            stall += 1
            if stall >= 15:
                theta, stall = theta / 2.0, 0
        norm = float(grad @ grad)
        if norm == 0.0 or theta < 5e-3 or upper - best <= 1e-7 * max(upper, 1.0):
            break
        lam = lam + theta * max(upper - value, 1e-9 * upper) / norm * grad
    kept_lam, kept = _better(exact, best_lam, kept_lam, kept)
    value, _, opened = exact.evaluate_full(kept_lam)
    if not np.isfinite(value):
        return Bound(0.0, none)
    return Bound(max(0.0, min(value, upper)), opened, kept_lam)


def _better(
    exact: _Relaxation, lam: np.ndarray, kept_lam: np.ndarray, kept: float
) -> tuple[np.ndarray, float]:
    value = exact.evaluate(lam)[0]
    if value > kept:  # nan compares false, so a broken value is never kept
        return lam.copy(), value
    return kept_lam, kept


def useful_columns(
    prob: GroupProblem, k: int, lam: np.ndarray, upper: float
) -> np.ndarray:
    """Lagrangian reduced-cost fixing: which x_ij can still be in a better plan.

    Forcing household i to centre j raises the Lagrangian value by at least
    (cost of opening j instead of the worst open centre of its kind) +
    (cost of adding i to j's best set, dropping its dearest member). When that
    lifts the bound above ``upper``, no plan at most as good as ``upper`` uses
    x_ij, so the MIP may omit it. Returns an (n, n) mask, True = keep.
    """
    rel = _Relaxation(prob, k, None)
    value, _, _ = rel.evaluate_full(lam)
    n = prob.n
    keep = np.zeros((n, n), dtype=bool)
    if not np.isfinite(value):
        return ~keep
    reduced = rel.dist - lam[rel.cols]  # rows: centres, cols: all households
    take = min(rel.hi - 1, reduced.shape[1])
    order = np.argsort(reduced, axis=1)
    vals = np.take_along_axis(reduced, order, axis=1)[:, :take]
    chosen = (np.arange(take)[None, :] < rel.lo - 1) | (vals < 0.0)
    chosen &= np.isfinite(vals)
    rho = np.where(chosen, vals, 0.0).sum(axis=1) - lam[rel.centers]
    dearest = np.where(chosen, vals, -np.inf).max(axis=1, initial=-np.inf)
    add_cost = np.maximum(reduced - np.maximum(dearest, 0.0)[:, None], 0.0)
    members = np.zeros(reduced.shape, dtype=bool)
    np.put_along_axis(members, order[:, :take], chosen, axis=1)
    add_cost[members] = 0.0  # already in the centre's best set
    rise = _opening_cost(rel, rho)[:, None] + add_cost  # (centres, households)
    margin = 1e-6 * max(upper, 1.0) + 1e-6
    keep[:, rel.centers] = ((value + rise <= upper + margin) & np.isfinite(reduced)).T
    return keep


def _opening_cost(rel: _Relaxation, rho: np.ndarray) -> np.ndarray:
    """Bound increase from forcing each centre open (0 for those already open)."""
    is_cand = rel.prob.cand[rel.centers]
    cost = np.full(len(rho), np.inf)
    for kind, quota in ((True, rel.k), (False, rel.prob.p - rel.k)):
        idx = np.flatnonzero(is_cand == kind)
        if quota == 0 or len(idx) == 0:
            continue
        ranked = idx[np.argsort(rho[idx])]
        opened, closed = ranked[:quota], ranked[quota:]
        cost[opened] = 0.0
        cost[closed] = rho[closed] - rho[opened].max()
    return np.maximum(cost, 0.0)


def _initial_multipliers(prob: GroupProblem) -> np.ndarray:
    """Distance to the (min)-th nearest household: roughly what joining costs."""
    n = prob.n
    kth = min(max(prob.lo - 1, 1), n - 1)
    return np.partition(prob.dist, kth, axis=1)[:, kth]
