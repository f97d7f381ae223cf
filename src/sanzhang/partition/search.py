"""Heuristic search for one group (capacitated p-median with chief types).

The search alternates three exact sub-steps, each of which can only lower the
cost, until none does:

* ``assign_optimal``: with the centres fixed, the best assignment under the
  size bounds is a transportation problem. It is solved exactly as an
  assignment problem in which every neighbourhood offers ``max`` seats, the
  first ``min`` of them carrying a large bonus so they are always filled.
* ``update_centers``: each neighbourhood moves its centre to the member of the
  same kind (candidate or not) with the least total distance.
* ``pair_sweep``: two neighbouring neighbourhoods are pooled and re-split
  *optimally* by enumerating both centres; for a fixed pair of centres the
  best split is found by sorting the households by how much they prefer one
  centre to the other. This move subsumes single moves, swaps and centre
  changes, and it is what makes the search tight. Applied to a whole group
  with p = 2 it is an exact solver.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from .problem import GroupProblem

EPS = 1e-6  # metres; improvements below this are rounding noise
# A swap whose sizeless assignment costs this much more than now is not tried.
HOPELESS = 1.2
HOPELESS_MIN = 150  # households; smaller groups try every swap
# Neighbourhoods re-optimised around the old and the new centre of a swap.
SWAP_FANOUT = 4


@dataclass
class Solution:
    assign: np.ndarray  # (n,) slot of each household
    centers: np.ndarray  # (p,) household index of each slot's centre

    def copy(self) -> Solution:
        return Solution(self.assign.copy(), self.centers.copy())


def solution_cost(prob: GroupProblem, sol: Solution) -> float:
    rows = np.arange(prob.n)
    cost = prob.dist[rows, sol.centers[sol.assign]].sum()
    return float(cost + prob.penalty[rows, sol.assign].sum())


# --------------------------------------------------------------------------
# Seeding
# --------------------------------------------------------------------------


def seed_centers(
    prob: GroupProblem, rng: np.random.Generator | None = None
) -> np.ndarray:
    """Pick one centre per slot: pinned chiefs, locked candidates, then greedy.

    The greedy step is the classic uncapacitated p-median "add" heuristic,
    with separate quotas for candidate and non-candidate centres so that the
    candidate-chief count is right from the start. With ``rng`` the choice is
    made among the few best options at random, for multi-start.
    """
    centers = _pinned_centers(prob)
    open_slots = [s for s in range(prob.p) if centers[s] < 0]
    if not open_slots:
        return centers
    fixed = centers[centers >= 0]
    cand_quota = prob.k - int(np.count_nonzero(prob.cand[fixed]))
    cand_quota = max(0, min(cand_quota, len(open_slots)))
    picks = _greedy_picks(prob, fixed, open_slots, cand_quota, rng)
    for slot, pick in zip(
        open_slots, _match_picks(prob, open_slots, picks), strict=True
    ):
        centers[slot] = pick
    return centers


def _pinned_centers(prob: GroupProblem) -> np.ndarray:
    centers = prob.forced_center.copy()
    for s in range(prob.p):
        if centers[s] >= 0:
            continue
        locked = np.flatnonzero(prob.slot_of == s)
        locked_cands = locked[prob.cand[locked]]
        if len(locked_cands):
            # A locked candidate must be this neighbourhood's chief (rule 2).
            spread = prob.dist[np.ix_(locked, locked_cands)].sum(axis=0)
            centers[s] = locked_cands[int(np.argmin(spread))]
    return centers


def _greedy_picks(
    prob: GroupProblem,
    fixed: np.ndarray,
    open_slots: list[int],
    cand_quota: int,
    rng: np.random.Generator | None,
) -> list[int]:
    dist = prob.dist
    open_labeled = {s for s in open_slots if np.any(prob.slot_of == s)}
    # Unlocked households, plus members of open labelled slots (a slot may use
    # one of its own locked households as centre).
    pool = (prob.slot_of < 0) | np.isin(prob.slot_of, list(open_labeled))
    best = (
        dist[:, fixed].min(axis=1)
        if len(fixed)
        else np.full(prob.n, 2 * dist.max() + 1)
    )
    quotas = {True: cand_quota, False: len(open_slots) - cand_quota}
    picks: list[int] = []
    for _ in open_slots:
        allowed = pool & np.where(prob.cand, quotas[True] > 0, quotas[False] > 0)
        options = np.flatnonzero(allowed)
        gain = np.maximum(best[:, None] - dist[:, options], 0.0).sum(axis=0)
        choice = _choose(options, gain, rng)
        picks.append(choice)
        quotas[bool(prob.cand[choice])] -= 1
        best = np.minimum(best, dist[:, choice])
        pool[choice] = False
        if prob.slot_of[choice] >= 0:
            pool[prob.slot_of == prob.slot_of[choice]] = False
    return picks


def _choose(
    options: np.ndarray, gain: np.ndarray, rng: np.random.Generator | None
) -> int:
    if rng is None or len(options) < 2:
        return int(options[int(np.argmax(gain))])
    top = np.argsort(-gain)[: min(3, len(options))]
    return int(options[int(rng.choice(top))])


def _match_picks(
    prob: GroupProblem, open_slots: list[int], picks: list[int]
) -> list[int]:
    """Give the greedy picks to the open slots; locked slots get nearby ones."""
    cost = np.zeros((len(open_slots), len(picks)))
    for r, s in enumerate(open_slots):
        locked = np.flatnonzero(prob.slot_of == s)
        if len(locked):
            cost[r] = prob.dist[np.ix_(locked, picks)].sum(axis=0)
    for c, pick in enumerate(picks):
        own = prob.slot_of[pick]
        if own >= 0:  # a locked pick can only serve its own slot
            cost[[r for r, s in enumerate(open_slots) if s != own], c] = np.inf
    rows, cols = linear_sum_assignment(cost)
    order = np.empty(len(open_slots), dtype=np.int64)
    order[rows] = np.asarray(picks)[cols]
    return order.tolist()


def bisection_seed(prob: GroupProblem) -> np.ndarray | None:
    """Centres from recursive splits of the group along its main axis.

    Farm houses sit in strips and hamlets; cutting at the widest gaps that
    still leave a feasible number of households on each side recovers that
    structure, including uneven splits (one hamlet of 8 next to a strip of
    15) which distance-only seeding tends to miss. Locked groups are skipped.
    """
    if (prob.slot_of >= 0).any():
        return None
    xy = np.column_stack([prob.lon * np.cos(np.radians(prob.lat.mean())), prob.lat])
    labels = np.zeros(prob.n, dtype=np.int64)
    _split(prob, xy, np.arange(prob.n), prob.p, labels, 0)
    return centers_for_clusters(prob, labels)


def _split(
    prob: GroupProblem,
    xy: np.ndarray,
    idx: np.ndarray,
    p: int,
    labels: np.ndarray,
    first: int,
) -> None:
    if p == 1:
        labels[idx] = first
        return
    pts = xy[idx] - xy[idx].mean(axis=0)
    axis = (
        np.linalg.svd(pts, full_matrices=False)[2][0]
        if len(idx) > 1
        else np.array([1.0, 0])
    )
    proj = pts @ axis
    order = np.argsort(proj, kind="stable")
    gaps = np.diff(proj[order])
    n = len(idx)
    scale = float(np.median(gaps)) + 1e-12 if len(gaps) else 1.0
    best: tuple[float, int, int] | None = None
    for p1 in range(1, p):
        p2 = p - p1
        lo_cut = max(p1 * prob.lo, n - p2 * prob.hi)
        hi_cut = min(p1 * prob.hi, n - p2 * prob.lo)
        for cut in range(max(lo_cut, 1), min(hi_cut, n - 1) + 1):
            imbalance = abs(cut / p1 - (n - cut) / p2) / max(prob.lo, 1)
            score = gaps[cut - 1] / scale - imbalance
            if best is None or score > best[0]:
                best = (score, p1, cut)
    if best is None:  # cannot happen for feasible sizes; keep one cluster per slot
        labels[idx] = first
        return
    _, p1, cut = best
    _split(prob, xy, idx[order[:cut]], p1, labels, first)
    _split(prob, xy, idx[order[cut:]], p - p1, labels, first + p1)


def centers_for_clusters(prob: GroupProblem, labels: np.ndarray) -> np.ndarray | None:
    """Best centre per cluster with exactly k candidate centres.

    An assignment problem between clusters and households: a household as
    centre costs the cluster's total distance to it. When every candidate
    must be a centre (k < p), candidate columns get a bonus so all are used.
    """
    p = prob.p
    cost = np.zeros((p, prob.n))
    for c in range(p):
        members = np.flatnonzero(labels == c)
        cost[c] = prob.dist[members].sum(axis=0)
    if prob.k == p:
        cost[:, ~prob.cand] = np.inf
    elif prob.k < p:
        cost[:, prob.cand] -= cost[np.isfinite(cost)].sum() + 1.0
    try:
        rows, cols = linear_sum_assignment(cost)
    except ValueError:
        return None
    centers = np.empty(p, dtype=np.int64)
    centers[rows] = cols
    return centers


# --------------------------------------------------------------------------
# Assignment for fixed centres
# --------------------------------------------------------------------------


def assign_optimal(
    prob: GroupProblem,
    centers: np.ndarray,
    slots: np.ndarray | None = None,
    members: np.ndarray | None = None,
) -> np.ndarray:
    """Best assignment for fixed centres under sizes, locks and chief kinds.

    With ``slots`` and ``members`` only those households are reassigned among
    those slots (everything else stays put); returns their new slots.
    """
    if slots is None:
        slots = np.arange(prob.p)
        members = np.arange(prob.n)
    assert members is not None
    lo, hi = prob.lo, min(prob.hi, prob.n)
    base = (
        prob.dist[np.ix_(members, centers[slots])]
        + prob.penalty[np.ix_(members, slots)]
    )
    base = np.where(_forbidden(prob, centers, slots, members), np.inf, base)
    finite = base[np.isfinite(base)]
    bonus = float(np.abs(finite).sum()) + 1.0 if finite.size else 1.0
    seat_bonus = np.where(np.arange(hi) < lo, -bonus, 0.0)  # first lo seats
    seats = (base[:, :, None] + seat_bonus[None, None, :]).reshape(len(members), -1)
    rows, cols = linear_sum_assignment(seats)
    out = np.empty(len(members), dtype=np.int64)
    out[rows] = slots[cols // hi]
    return out


def _forbidden(
    prob: GroupProblem, centers: np.ndarray, slots: np.ndarray, members: np.ndarray
) -> np.ndarray:
    lock = prob.slot_of[members][:, None]
    forbidden = (lock >= 0) & (lock != slots[None, :])
    own = centers[slots]
    is_centre = members[:, None] == own[None, :]
    # A centre lives in its own neighbourhood, and only there.
    forbidden |= is_centre.any(axis=1)[:, None] & ~is_centre
    chiefless = ~prob.cand[own]
    # A candidate in a chiefless neighbourhood should have been its chief.
    forbidden |= (
        prob.cand[members][:, None] & chiefless[None, :] & (lock != slots[None, :])
    )
    return forbidden


# --------------------------------------------------------------------------
# Centre update
# --------------------------------------------------------------------------


def update_centers(
    prob: GroupProblem, sol: Solution, slots: Iterable[int] | None = None
) -> bool:
    """Move each centre to its best member of the same kind; True if changed."""
    changed = False
    for s in range(prob.p) if slots is None else slots:
        if prob.forced_center[s] >= 0:
            continue
        members = np.flatnonzero(sol.assign == s)
        kind = prob.cand[sol.centers[s]]
        eligible = members[prob.cand[members] == kind]
        spread = prob.dist[np.ix_(members, eligible)].sum(axis=0)
        best = int(eligible[int(np.argmin(spread))])
        current = float(prob.dist[members, sol.centers[s]].sum())
        if best != sol.centers[s] and spread.min() < current - EPS:
            sol.centers[s] = best
            changed = True
    return changed


# --------------------------------------------------------------------------
# Exact two-neighbourhood re-split
# --------------------------------------------------------------------------


@dataclass
class PairMove:
    cost: float
    first: np.ndarray  # household indices going to slot a
    second: np.ndarray  # household indices going to slot b
    center_a: int
    center_b: int


def best_pair_split(
    prob: GroupProblem, pool: np.ndarray, a: int, b: int, n_cand: int, limit: int | None
) -> PairMove | None:
    """Optimal split of ``pool`` into slots a and b with n_cand candidate chiefs.

    ``limit`` caps how many centre options per slot and kind are enumerated
    (ranked by total distance to the pool); None enumerates all, which makes
    the result exact.
    """
    m = len(pool)
    cand = prob.cand[pool]
    lock = prob.slot_of[pool]
    opts_a = _center_options(prob, pool, a, b, limit)
    opts_b = _center_options(prob, pool, b, a, limit)
    c1, c2 = np.meshgrid(opts_a, opts_b, indexing="ij")
    c1, c2 = c1.ravel(), c2.ravel()
    keep = (c1 != c2) & (cand[c1].astype(int) + cand[c2].astype(int) == n_cand)
    c1, c2 = c1[keep], c2[keep]
    if len(c1) == 0:
        return None
    sub = prob.dist[np.ix_(pool, pool)]
    unit = prob.penalty
    cost_a = sub[:, c1].T + unit[pool, a][None, :]  # (pairs, m)
    cost_b = sub[:, c2].T + unit[pool, b][None, :]
    diff = cost_a - cost_b
    idx = np.arange(m)[None, :]
    mixed_a = (cand[c1] & ~cand[c2])[:, None]
    mixed_b = (cand[c2] & ~cand[c1])[:, None]
    to_a = (lock == a)[None, :] | (idx == c1[:, None]) | (mixed_a & cand[None, :])
    to_b = (lock == b)[None, :] | (idx == c2[:, None]) | (mixed_b & cand[None, :])
    k_lo = np.maximum(max(prob.lo, m - prob.hi), to_a.sum(axis=1))
    k_hi = np.minimum(min(prob.hi, m - prob.lo), m - to_b.sum(axis=1))
    ok = ~(to_a & to_b).any(axis=1) & (k_lo <= k_hi)
    if not ok.any():
        return None
    key = np.where(to_a, -np.inf, np.where(to_b, np.inf, diff))
    order = np.argsort(key, axis=1, kind="stable")
    prefix = np.cumsum(np.take_along_axis(diff, order, axis=1), axis=1)
    ks = np.arange(1, m + 1)[None, :]
    window = (ks >= k_lo[:, None]) & (ks <= k_hi[:, None]) & ok[:, None]
    totals = np.where(window, prefix, np.inf) + cost_b.sum(axis=1)[:, None]
    flat = int(np.argmin(totals))
    r, k = divmod(flat, m)
    first = pool[order[r, : k + 1]]
    second = pool[order[r, k + 1 :]]
    return PairMove(
        float(totals[r, k]), first, second, int(pool[c1[r]]), int(pool[c2[r]])
    )


def _center_options(
    prob: GroupProblem, pool: np.ndarray, slot: int, other: int, limit: int | None
) -> np.ndarray:
    """Local indices (into pool) that may be the centre of ``slot``."""
    forced = prob.forced_center[slot]
    if forced >= 0:
        return np.flatnonzero(pool == forced)
    allowed = np.flatnonzero(prob.slot_of[pool] != other)
    if not prob.distinct_sites:
        _, first = np.unique(prob.site[pool[allowed]], return_index=True)
        allowed = allowed[np.sort(first)]  # one option per distinct point and kind
    if limit is None or len(allowed) <= limit:
        return allowed
    spread = prob.dist[np.ix_(pool, pool[allowed])].sum(axis=0)
    picked = []
    for kind in (True, False):  # keep options of both kinds for type swaps
        of_kind = np.flatnonzero(prob.cand[pool[allowed]] == kind)
        ranked = of_kind[np.argsort(spread[of_kind])[:limit]]
        picked.append(allowed[ranked])
    return np.concatenate(picked)


def try_pair(
    prob: GroupProblem, sol: Solution, a: int, b: int, limit: int | None
) -> float:
    """Apply the best re-split of slots a and b if it helps; return the gain."""
    pool = np.flatnonzero((sol.assign == a) | (sol.assign == b))
    unit = prob.penalty
    rows_cost = (
        prob.dist[pool, sol.centers[sol.assign[pool]]] + unit[pool, sol.assign[pool]]
    )
    current = float(rows_cost.sum())
    n_cand = int(prob.cand[sol.centers[a]]) + int(prob.cand[sol.centers[b]])
    move = best_pair_split(prob, pool, a, b, n_cand, limit)
    if move is None or move.cost >= current - EPS:
        return 0.0
    sol.assign[move.first] = a
    sol.assign[move.second] = b
    sol.centers[a] = move.center_a
    sol.centers[b] = move.center_b
    return current - move.cost


def neighbor_pairs(
    prob: GroupProblem, sol: Solution, fanout: int = 5
) -> list[tuple[int, int]]:
    """Slot pairs worth re-splitting: each slot with its nearest few others."""
    p = prob.p
    if p < 2:
        return []
    cd = prob.dist[np.ix_(sol.centers, sol.centers)]
    np.fill_diagonal(cd, np.inf)
    near = np.argsort(cd, axis=1)[:, : min(fanout, p - 1)]
    pairs = {(min(a, int(b)), max(a, int(b))) for a in range(p) for b in near[a]}
    return sorted(pairs, key=lambda ab: cd[ab])


def slot_signatures(prob: GroupProblem, sol: Solution) -> np.ndarray:
    """A cheap fingerprint of each slot's members and centre.

    Lets repeated sweeps skip pairs (and swaps) already known not to improve.
    Households are fingerprinted by their site (same point, same kind, no
    lock): such households are interchangeable in every move, so a slot that
    merely traded one stairwell household for its neighbour is the same slot.
    The global re-assignment does that all the time on town blocks (ties),
    and fingerprinting by household made the last swap round, which only
    confirms that nothing helps, re-try most swaps. Replan's move costs are
    per household, so with them households are fingerprinted one by one.
    """
    key = np.arange(prob.n) if prob.has_penalty else prob.site
    idx = key.astype(float) + 1.0
    members = np.bincount(
        sol.assign, weights=idx * idx * 1.000001 + idx, minlength=prob.p
    )
    return members + key[sol.centers] * 7.3e9


def pair_sweep(
    prob: GroupProblem,
    sol: Solution,
    limit: int | None,
    fanout: int = 5,
    seen: dict[tuple[int, int], tuple[float, float]] | None = None,
) -> float:
    """Re-split neighbouring pairs until no pair improves; return total gain.

    ``seen`` remembers pairs (by fingerprint) that were tried without gain.
    """
    seen = {} if seen is None else seen
    total = 0.0
    active = set(range(prob.p))
    while active:
        touched: set[int] = set()
        sig = slot_signatures(prob, sol)
        for a, b in neighbor_pairs(prob, sol, fanout):
            if a not in active and b not in active:
                continue
            if seen.get((a, b)) == (sig[a], sig[b]):
                continue
            gain = try_pair(prob, sol, a, b, limit)
            if gain > 0.0:
                total += gain
                touched.update((a, b))
                sig = slot_signatures(prob, sol)
            else:
                seen[(a, b)] = (sig[a], sig[b])
        active = touched
    return total


# --------------------------------------------------------------------------
# Centre swaps (escape from local optima)
# --------------------------------------------------------------------------


def swap_options(
    prob: GroupProblem, sol: Solution, per_slot: int
) -> list[tuple[int, int]]:
    """Promising (slot, new centre) swaps, best estimate first.

    The classic p-median interchange estimate: every household goes to its
    nearest remaining centre. It ignores the size bounds, so it only ranks
    swaps; they are then evaluated properly by ``try_swap``.

    ``per_slot`` sets the budget (per_slot * p swaps a round); slots without
    options (every candidate already a chief, pinned chiefs) hand their share
    to the others. That matters when one kind of centre is scarce: with 45
    chiefs for 45 candidates and 5 chiefless centres, the 5 medoids are the
    only centres that can move, and the uncapacitated estimate ranks their
    best moves poorly (on one such group the move that closes a 6.5 % gap
    ranked 23rd of 134), so they need far more than 5 tries each.
    """
    eff = prob.dist.copy()
    eff[np.ix_(prob.cand, ~prob.cand)] = np.inf  # candidates never join chiefless
    to_centers = eff[:, sol.centers]
    order = np.argsort(to_centers, axis=1)[:, :2]
    rows = np.arange(prob.n)
    near1 = order[:, 0]
    b1 = to_centers[rows, near1]
    b2 = to_centers[rows, order[:, 1]] if prob.p > 1 else np.full(prob.n, np.inf)
    current = float(np.where(np.isfinite(b1), b1, 0.0).sum())
    is_center = np.zeros(prob.n, dtype=bool)
    is_center[sol.centers] = True
    distinct = _first_free_per_site(prob, is_center)
    ranked: dict[int, list[tuple[float, int]]] = {}
    for s in range(prob.p):
        if prob.forced_center[s] >= 0:
            continue
        kind = prob.cand[sol.centers[s]]
        options = np.flatnonzero(
            (prob.cand == kind)
            & ~is_center
            & distinct
            & ((prob.slot_of < 0) | (prob.slot_of == s))
        )
        if len(options) == 0:
            continue
        rest = np.where(near1 == s, b2, b1)
        est = np.minimum(eff[:, options], rest[:, None]).sum(axis=0)
        keep = np.isfinite(est)
        est, options = est[keep], options[keep]
        best = np.argsort(est)
        ranked[s] = [(float(est[b]) - current, int(options[b])) for b in best]
    quota = _share({s: len(v) for s, v in ranked.items()}, per_slot * prob.p, per_slot)
    scored = [(gain, s, h) for s, v in ranked.items() for gain, h in v[: quota[s]]]
    scored.sort()
    moves = [(s, h) for _, s, h in scored]
    return moves + _split_moves(prob, sol, b2 - b1, near1, is_center)


def _share(available: dict[int, int], budget: int, least: int) -> dict[int, int]:
    """Split ``budget`` tries over slots, none above what it has (water-filling).

    Every slot gets at least ``least`` (or all it has); what slots cannot use
    goes equally to the others.
    """
    quota = {s: min(a, least) for s, a in available.items()}
    left = budget - sum(quota.values())
    open_ = [s for s, a in available.items() if a > quota[s]]
    while left > 0 and open_:
        step = max(1, left // len(open_))
        for s in list(open_):
            add = min(step, available[s] - quota[s], left)
            quota[s] += add
            left -= add
            if quota[s] >= available[s]:
                open_.remove(s)
            if left <= 0:
                break
    return quota


def _first_free_per_site(prob: GroupProblem, is_center: np.ndarray) -> np.ndarray:
    """One non-centre household per point: a second centre may share a point."""
    if prob.distinct_sites:
        return ~is_center
    free = np.flatnonzero(~is_center)
    _, first = np.unique(prob.site[free], return_index=True)
    mask = np.zeros(prob.n, dtype=bool)
    mask[free[first]] = True
    return mask


def _split_moves(
    prob: GroupProblem,
    sol: Solution,
    regret: np.ndarray,
    near1: np.ndarray,
    is_center: np.ndarray,
    count: int = 3,
) -> list[tuple[int, int]]:
    """Close a cheap neighbourhood and split a large one in two.

    Size bounds make this valuable where the uncapacitated estimate sees
    nothing: a stairwell of 10 households is one neighbourhood at zero cost,
    or two of 5 at zero cost that free a centre for somewhere else.
    """
    regret = np.where(np.isfinite(regret), regret, 1e18)
    closing = np.bincount(near1, weights=regret, minlength=prob.p)
    closing[prob.forced_center >= 0] = np.inf
    cheap = np.argsort(closing)[:count]
    sizes = np.bincount(sol.assign, minlength=prob.p)
    big = [t for t in np.argsort(-sizes)[:count] if sizes[t] >= 2 * prob.lo]
    moves = []
    for t in big:
        members = np.flatnonzero((sol.assign == t) & ~is_center & (prob.slot_of < 0))
        for s in cheap:
            if s == t or not np.isfinite(closing[s]):
                continue
            kind = prob.cand[sol.centers[s]]
            options = members[prob.cand[members] == kind]
            if len(options):
                # The member closest to the centre keeps the split compact.
                h = options[int(np.argmin(prob.dist[options, sol.centers[t]]))]
                moves.append((int(s), int(h)))
    return moves


def swap_slots(
    prob: GroupProblem, sol: Solution, s: int, h: int, fanout: int = SWAP_FANOUT
) -> np.ndarray:
    """Slots ``try_swap`` re-optimises: those near the old and the new centre."""
    centers = sol.centers.copy()
    centers[s] = h
    cd = prob.dist[np.ix_([int(sol.centers[s]), h], centers)]
    near = np.argsort(cd, axis=1)[:, : fanout + 1].ravel()
    return np.unique(np.concatenate([near, [s, sol.assign[h]]]))


def try_swap(
    prob: GroupProblem,
    sol: Solution,
    s: int,
    h: int,
    fanout: int = SWAP_FANOUT,
    slots: np.ndarray | None = None,
) -> float:
    """Make h the centre of slot s, re-optimise nearby slots; keep if better.

    Only the slots around the old and the new centre are reassigned (an
    exact assignment problem on that subset), which is what makes trying
    many swaps affordable on 400-household groups. The outcome depends only
    on those slots' members and centres (``swap_search`` relies on that).
    """
    centers = sol.centers.copy()
    centers[s] = h
    if slots is None:
        slots = swap_slots(prob, sol, s, h, fanout)
    members = np.flatnonzero(np.isin(sol.assign, slots))
    before = _cost_of(prob, sol.assign[members], sol.centers, members)
    if _hopeless(prob, centers, slots, members, before):
        return 0.0
    try:
        assign = assign_optimal(prob, centers, slots, members)
    except ValueError:  # the subset cannot meet the bounds with this swap
        return 0.0
    trial = Solution(sol.assign.copy(), centers)
    trial.assign[members] = assign
    if update_centers(prob, trial, slots):
        trial.assign[members] = assign_optimal(prob, trial.centers, slots, members)
    after = _cost_of(prob, trial.assign[members], trial.centers, members)
    if after >= before - EPS:
        return 0.0
    sol.assign, sol.centers = trial.assign, trial.centers
    return before - after


def _hopeless(
    prob: GroupProblem,
    centers: np.ndarray,
    slots: np.ndarray,
    members: np.ndarray,
    before: float,
) -> bool:
    """Skip a swap whose sizeless assignment is already far dearer than now.

    With every household at its nearest allowed centre (no size bounds) the
    cost is a lower bound on the swap's first assignment; only the centre
    update after it can still win something back. Measured on urban groups
    of 300-400 households: a third of all tries end here, and of some 40
    improving swaps one was lost (it needed its centre moved far). Smaller
    groups try every swap: the filter cost rural groups of 61-150 households
    0.003 % of distance in the county run and saved them little time.
    """
    if prob.has_penalty or prob.n < HOPELESS_MIN:
        return False
    base = prob.dist[np.ix_(members, centers[slots])]
    base = np.where(_forbidden(prob, centers, slots, members), np.inf, base)
    return float(base.min(axis=1).sum()) >= HOPELESS * before


def _cost_of(
    prob: GroupProblem, assign: np.ndarray, centers: np.ndarray, members: np.ndarray
) -> float:
    return float(
        (prob.dist[members, centers[assign]] + prob.penalty[members, assign]).sum()
    )


def swap_search(
    prob: GroupProblem,
    sol: Solution,
    per_slot: int = 5,
    limit: int | None = 12,
    rounds: int = 50,
) -> Solution:
    """Rounds of centre swaps, each followed by a full local search.

    A swap that failed is not tried again while the slots it touches keep
    their members and centres (same inputs, same answer): after the first
    round most of a round's swaps are such repeats, and the last round,
    which only confirms that nothing helps, is nearly free.
    """
    failed: dict[tuple[int, int], bytes] = {}
    for _ in range(rounds):
        gained = 0.0
        touched: set[int] = set()
        sig = slot_signatures(prob, sol)
        for s, h in swap_options(prob, sol, per_slot):
            if s in touched or prob.cand[h] != prob.cand[sol.centers[s]]:
                continue  # stale after an earlier swap this round
            if np.any(sol.centers == h):
                continue
            slots = swap_slots(prob, sol, s, h)
            key = slots.tobytes() + sig[slots].tobytes()
            if failed.get((s, h)) == key:
                continue
            gain = try_swap(prob, sol, s, h, slots=slots)
            if gain > 0.0:
                gained += gain
                touched.add(s)
                sig = slot_signatures(prob, sol)
            else:
                failed[(s, h)] = key
        if gained <= 0.0:
            return sol
        sol = local_search(prob, sol.centers, limit, sol.assign)
    return sol


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------


def local_search(
    prob: GroupProblem,
    centers: np.ndarray,
    limit: int | None = 12,
    assign: np.ndarray | None = None,
) -> Solution:
    """Centre updates, pair re-splits and global reassignment until stuck."""
    start = assign if assign is not None else assign_optimal(prob, centers)
    sol = Solution(start.copy(), centers.copy())
    best = solution_cost(prob, sol)
    seen: dict[tuple[int, int], tuple[float, float]] = {}
    while True:
        update_centers(prob, sol)
        pair_sweep(prob, sol, limit, seen=seen)
        sol.assign = assign_optimal(prob, sol.centers)
        cost = solution_cost(prob, sol)
        if cost >= best - EPS:
            return sol
        best = cost
