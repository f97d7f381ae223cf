"""A stronger lower bound for big groups: column generation over *sites*.

Why the Lagrangian bound of ``bounds`` is weak on town blocks: it equals the
LP relaxation of the compact model, in which a stairwell of 18 households at
one point can be served by 1.2 "fractional" centres at zero distance, while
any real plan needs two neighbourhoods there. Re-formulating with one column
per neighbourhood (Dantzig-Wolfe over single centres) does not help: with
unit demands each centre's pricing problem has the integrality property, so
that master LP gives exactly the same bound.

What does help is to price *sites* instead of households. A site is a set of
households at one point and of one kind (candidate or not): apartment
stairwells, houses shared by two households. Households of a site are
interchangeable, so a plan is described, site by site, by

    q_s  = neighbourhoods centred at site s (integer, 0..m_s), and
    a_ts = households of site t in those neighbourhoods (0..m_t), with
           a_ss >= q_s and min q_s <= sum_t a_ts <= max q_s.

A column is one site's whole share of a plan (q_s, a_.s); the master LP
picks at most one column per site (convexity), covers every site t exactly
m_t times and opens p centres, k of them at candidate sites. Because a_ts
<= m_t is kept inside the column (the households of one stairwell cannot be
counted twice by the neighbourhoods of one site) and q_s is integral, this
pricing problem does *not* have the integrality property, and the bound is
strictly stronger than the LP where it matters.

Pricing is exact and cheap: for fixed q the best column takes the q centre
households, then the cheapest further households under reduced costs
d_ts - pi_t, at least up to min q in total and while negative up to max q.
So at any duals pi the Lagrangian value

    L(pi) = sum_t m_t pi_t + min { sum_s f_s(q_s) : sum_s q_s = p,
                                   sum_{s candidate} q_s = k }

(f_s(q) = best reduced cost of a column at site s with q centres, f_s(0) = 0;
the min is a small knapsack, solved exactly by dynamic programming) is a
proven lower bound on every plan with k candidate chiefs in which no chiefless
neighbourhood holds a candidate, whatever pi is. Locks are ignored, which
only weakens it. The restricted master LP (HiGHS) supplies the duals; the
loop stops when the bound meets the master's value or the upper bound, or at
the time limit, and returns the best L(pi) seen. Every value it returns is
such an L(pi); the time limit only decides how good it is.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from .problem import GroupProblem
from .search import Solution


@dataclass
class SiteBound:
    value: float  # proven lower bound (0.0 when nothing was proven)
    master: float  # last restricted master LP value (an upper estimate of the dual)
    iterations: int
    columns: int
    seconds: float
    duals: tuple[np.ndarray, float, float] | None = None  # (pi per site, mu, nu)
    centres: np.ndarray | None = None  # centres suggested by the master LP


class _Sites:
    """Households grouped by (point, kind); ``of`` maps household -> site."""

    def __init__(self, prob: GroupProblem) -> None:
        key = np.column_stack([prob.lon, prob.lat, prob.cand.astype(float)])
        _, first, inverse = np.unique(
            key, axis=0, return_index=True, return_inverse=True
        )
        self.of = inverse.ravel().astype(np.int64)
        self.rep = first.astype(np.int64)
        self.m = np.bincount(self.of).astype(np.int64)
        self.cand = prob.cand[self.rep]
        self.count = len(self.rep)


class _Pricer:
    """Exact pricing of site columns, vectorised over all centre sites.

    Rows are the sites that may hold centres. Only the cheapest hi * qmax
    households of a row can be in any of its columns, so each row keeps just
    that many (sorted) instead of sorting all n.
    """

    def __init__(self, prob: GroupProblem, sites: _Sites, k: int) -> None:
        self.prob, self.sites, self.k = prob, sites, k
        self.lo, self.hi = prob.lo, min(prob.hi, prob.n)
        kinds = ([True] if k > 0 else []) + ([False] if k < prob.p else [])
        self.centres = np.flatnonzero(np.isin(sites.cand, kinds))
        rows = prob.dist[sites.rep[self.centres]].copy()  # (centres, households)
        # A chiefless centre may not take candidates (they would be chiefs).
        rows[np.ix_(~sites.cand[self.centres], prob.cand)] = np.inf
        self.dist = rows
        self.nfin = np.isfinite(rows).sum(axis=1)
        quota = np.where(sites.cand[self.centres], k, prob.p - k)
        self.qmax = np.minimum(
            np.minimum(sites.m[self.centres], quota), self.nfin // max(self.lo, 1)
        ).astype(np.int64)
        self.Q = int(self.qmax.max(initial=0))
        self.own = self.centres  # site index of each centre row
        self.row = np.arange(len(self.centres))
        self.width = np.minimum(self.hi * np.maximum(self.qmax, 1), prob.n)
        self.by_width = [
            (int(w), np.flatnonzero(self.width == w)) for w in np.unique(self.width)
        ]
        self.members = [np.flatnonzero(sites.of == s) for s in range(sites.count)]

    def price(self, pi_site: np.ndarray) -> tuple[np.ndarray, _Priced]:
        """f[c, q] for every centre row c and q = 0..Q (inf where impossible)."""
        pi = pi_site[self.sites.of]  # per household
        red = self.dist - pi[None, :]
        rows = len(self.centres)
        width = int(self.width.max(initial=1))
        order = np.zeros((rows, width), dtype=np.int64)
        srt = np.full((rows, width), np.inf)
        for w, idx in self.by_width:
            sub = red[idx]
            if w < sub.shape[1]:
                part = np.argpartition(sub, w - 1, axis=1)[:, :w]
            else:
                part = np.broadcast_to(np.arange(sub.shape[1]), sub.shape)
            vals = np.take_along_axis(sub, part, axis=1)
            o = np.argsort(vals, axis=1)
            order[idx, :w] = np.take_along_axis(part, o, axis=1)
            srt[idx, :w] = np.take_along_axis(vals, o, axis=1)
        finite = np.isfinite(srt)
        prefix = np.zeros((rows, width + 1))
        np.cumsum(np.where(finite, srt, 0.0), axis=1, out=prefix[:, 1:])
        neg = (red < 0.0).sum(axis=1)
        cs = -pi_site[self.own]  # reduced cost of a household of the centre's site
        block = (red < cs[:, None]).sum(axis=1)  # first position of value cs
        f = np.full((rows, self.Q + 1), np.inf)
        f[:, 0] = 0.0
        extra = np.zeros((rows, self.Q + 1), dtype=np.int64)
        for q in range(1, self.Q + 1):
            ok = self.qmax >= q
            neg_rest = neg - np.where(cs < 0.0, q, 0)
            a = np.maximum(self.lo * q - q, np.minimum(self.hi * q - q, neg_rest))
            a = np.maximum(a, 0)
            ok &= a + q <= self.nfin
            a = np.where(ok, a, 0)
            val = np.where(
                a >= block,
                prefix[self.row, np.minimum(a + q, width)],
                q * cs + prefix[self.row, np.minimum(a, width)],
            )
            f[:, q] = np.where(ok, val, np.inf)
            extra[:, q] = a
        return f, _Priced(order, extra, block)

    def column(
        self, c: int, q: int, priced: _Priced
    ) -> tuple[np.ndarray, float] | None:
        """Site counts a_t and distance of row c's best column with q centres."""
        s = int(self.own[c])
        a = int(priced.extra[c, q])
        row = priced.order[c]
        if a >= priced.block[c]:
            chosen = row[: a + q]
            counts = np.bincount(self.sites.of[chosen], minlength=self.sites.count)
            if counts[s] < q:
                # Ties with another site's households (same reduced cost)
                # pushed some of the centre's own out: force them, then the
                # cheapest others (same cost).
                own = self.members[s][:q]
                rest = row[: a + 2 * q]
                rest = rest[~np.isin(rest, own)][:a]
                chosen = np.concatenate([own, rest])
                counts = np.bincount(self.sites.of[chosen], minlength=self.sites.count)
        else:
            chosen = np.concatenate([self.members[s][:q], row[:a]])
            counts = np.bincount(self.sites.of[chosen], minlength=self.sites.count)
        cost = self.dist[c, chosen]
        if not np.all(np.isfinite(cost)):
            return None
        return counts, float(cost.sum())


@dataclass
class _Priced:
    order: np.ndarray
    extra: np.ndarray
    block: np.ndarray


def _knapsack(f: np.ndarray, groups: list[tuple[np.ndarray, int]]) -> float:
    """min sum_c f[c, q_c] with sum q_c = quota within each group of rows."""
    total = 0.0
    for rows, quota in groups:
        if quota == 0:
            continue
        if len(rows) == 0:
            return np.inf
        sub = f[rows]
        single = (
            np.isinf(sub[:, 2:]).all(axis=1)
            if sub.shape[1] > 2
            else np.ones(len(rows), dtype=bool)
        )
        # Rows that can open at most one centre: the best j of them is a sort.
        ones = np.sort(sub[single, 1])
        ones_prefix = np.concatenate([[0.0], np.cumsum(ones)])[: quota + 1]
        dp = np.full(quota + 1, np.inf)
        dp[0] = 0.0
        for row in sub[~single]:
            new = dp.copy()
            for q in range(1, min(len(row) - 1, quota) + 1):
                if np.isfinite(row[q]):
                    np.minimum(new[q:], dp[: quota + 1 - q] + row[q], out=new[q:])
            dp = new
        j = np.arange(len(ones_prefix))
        best = float(np.min(ones_prefix + dp[quota - j]))
        total += best
    return total


def site_bound(
    prob: GroupProblem,
    k: int,
    upper: float,
    start: Solution,
    time_limit: float = 1.0,
    max_iterations: int = 400,
    multipliers: np.ndarray | None = None,
    target: float | None = None,
    stall: int | None = None,
    max_columns: int = 50,
) -> SiteBound:
    """Best Lagrangian value L(pi) found by column generation (see module doc).

    ``start`` must be a plan with k candidate centres (it seeds the master
    with a feasible set of columns); ``multipliers`` (per household, e.g.
    from ``lagrangian_bound``) give a first L(pi) to beat. The loop stops
    early once the bound reaches ``target`` (default: ``upper``). Time is CPU
    time of this process.
    """
    t0 = time.process_time()
    sites = _Sites(prob)
    pricer = _Pricer(prob, sites, k)
    is_cand = sites.cand[pricer.centres]
    groups = [
        (np.flatnonzero(is_cand), k),
        (np.flatnonzero(~is_cand), prob.p - k),
    ]
    m = sites.m.astype(float)

    def lagrangian(pi: np.ndarray) -> tuple[float, np.ndarray, _Priced]:
        f, priced = pricer.price(pi)
        return float(pi @ m + _knapsack(f, groups)), f, priced

    best = 0.0
    duals: tuple[np.ndarray, float, float] | None = None
    if multipliers is not None:
        # Households of a site share one multiplier; their mean is a fair start.
        pi0 = np.bincount(sites.of, weights=multipliers) / sites.m
        best = max(best, lagrangian(pi0)[0])
    master = _Master(prob, sites, k)
    master.add_plan(start)
    z = np.inf
    it = 0
    tol = 1e-7 * max(upper, 1.0)
    goal = upper if target is None else min(target, upper)
    centre: np.ndarray | None = None  # duals behind the best bound (stability centre)
    alpha = 0.5
    history: list[float] = []
    for _ in range(max_iterations):
        it += 1
        z, pi, mu, nu, sigma = master.solve()
        if duals is None:
            duals = (pi.copy(), mu, nu)
        # Wentges smoothing: price at a point between the master's duals and
        # the best ones so far; every point gives a valid L(pi).
        sep = pi if centre is None else alpha * centre + (1.0 - alpha) * pi
        value, f, priced = lagrangian(sep)
        if value > best:
            best, centre = value, sep.copy()
            duals = (sep.copy(), mu, nu)
        if best >= min(z, goal) - tol or time.process_time() - t0 > time_limit:
            break
        history.append(best)
        if stall and len(history) > stall and best - history[-stall - 1] < 1e-4 * best:
            break  # tailing off: the last iterations barely moved the bound
        q = np.arange(f.shape[1])[None, :]
        shift = mu + np.where(is_cand, nu, 0.0)
        rc = f - q * shift[:, None] - sigma[pricer.centres][:, None]
        rc[:, 0] = np.inf
        cols = []
        best_rc = rc.min(axis=1)
        # The most negative columns only: a smaller master re-solves faster.
        cand_rows = np.flatnonzero(best_rc < -tol)
        cand_rows = cand_rows[np.argsort(best_rc[cand_rows])[:max_columns]]
        for c in cand_rows:
            qq = int(np.argmin(rc[c]))
            col = pricer.column(int(c), qq, priced)
            if col is None:
                continue
            counts, cost = col
            s = int(pricer.own[c])
            # Keep it if it prices out at the master's own duals.
            true_rc = cost - counts @ pi - qq * shift[c] - sigma[s]
            if true_rc < -tol:
                cols.append((s, qq, counts, cost))
        if not cols:
            if centre is None or alpha == 0.0:
                break
            alpha = 0.0  # mispricing: fall back to the master's duals
            centre = None
            continue
        alpha = 0.5
        master.add_many(cols)
    value = min(max(best, 0.0), upper)
    seconds = time.process_time() - t0
    centres = master.centres(prob, k)
    return SiteBound(value, z, it, master.ncols, seconds, duals, centres)


class _Master:
    """The restricted master LP, kept in one HiGHS instance and re-solved warm.

    New columns leave the basis primal feasible, so primal simplex restarts
    from it.
    """

    def __init__(self, prob: GroupProblem, sites: _Sites, k: int) -> None:
        self.sites = sites
        self.dist = prob.dist
        self.nsites = sites.count
        self.k_row = 0 < k < prob.p
        h = highspy._Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.setOptionValue("presolve", "off")
        h.setOptionValue("solver", "simplex")
        h.setOptionValue("simplex_strategy", 4)  # primal
        inf = highspy.kHighsInf
        # Rows: cover (one per site), p, [k], convexity (one per site).
        bounds = [float(x) for x in sites.m] + [float(prob.p)]
        if self.k_row:
            bounds.append(float(k))
        self.conv0 = len(bounds)
        lower = np.array(bounds + [-inf] * self.nsites)
        upper = np.array(bounds + [1.0] * self.nsites)
        h.addRows(
            len(lower),
            lower,
            upper,
            0,
            np.zeros(len(lower), dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0),
        )
        self.h = h
        self.ncols = 0
        self.col_site = np.zeros(0, dtype=np.int64)
        self.col_q = np.zeros(0)

    def add_plan(self, sol: Solution) -> None:
        sites = self.sites
        centre_site = sites.of[sol.centers]
        cols = []
        for s in np.unique(centre_site):
            slots = np.flatnonzero(centre_site == s)
            members = np.flatnonzero(np.isin(sol.assign, slots))
            counts = np.bincount(sites.of[members], minlength=self.nsites)
            cost = float(self.dist[members, sites.rep[s]].sum())
            cols.append((int(s), len(slots), counts, cost))
        self.add_many(cols)

    def add_many(self, cols: list[tuple[int, int, np.ndarray, float]]) -> None:
        starts, index, value, cost = [], [], [], []
        pos = 0
        for s, q, counts, c in cols:
            idx = np.flatnonzero(counts)
            extra = [self.nsites] + (
                [self.nsites + 1] if self.k_row and self.sites.cand[s] else []
            )
            extra.append(self.conv0 + s)
            starts.append(pos)
            index.append(np.concatenate([idx, extra]))
            value.append(
                np.concatenate([counts[idx], [q] * (len(extra) - 1), [1]]).astype(float)
            )
            pos += len(idx) + len(extra)
            cost.append(c)
        n = len(cols)
        self.h.addCols(
            n,
            np.array(cost),
            np.zeros(n),
            np.full(n, highspy.kHighsInf),
            pos,
            np.array(starts, dtype=np.int32),
            np.concatenate(index).astype(np.int32),
            np.concatenate(value),
        )
        self.ncols += n
        self.col_site = np.concatenate([self.col_site, [c[0] for c in cols]])
        self.col_q = np.concatenate([self.col_q, [c[1] for c in cols]])

    def centres(self, prob: GroupProblem, k: int) -> np.ndarray | None:
        """p centre households read off the master LP: per kind, the sites
        opening the most (fractional) centres, each up to the rounded-up
        count; a start for the local search."""
        if self.ncols == 0:
            return None
        lam = np.asarray(self.h.getSolution().col_value)
        opened = np.zeros(self.nsites)
        np.add.at(opened, self.col_site, lam * self.col_q)
        picks: list[int] = []
        for kind, quota in ((True, k), (False, prob.p - k)):
            idx = np.flatnonzero((self.sites.cand == kind) & (opened > 1e-6))
            idx = idx[np.argsort(-opened[idx], kind="stable")]
            chosen: list[int] = []
            for rnd in range(int(np.ceil(opened.max(initial=0.0))) + 1):
                for s in idx:
                    members = np.flatnonzero(self.sites.of == s)
                    if len(chosen) < quota and rnd < min(
                        len(members), np.ceil(opened[s] - 1e-6)
                    ):
                        chosen.append(int(members[rnd]))
            if len(chosen) < quota:
                return None
            picks.extend(chosen)
        return np.array(picks, dtype=np.int64)

    def solve(self) -> tuple[float, np.ndarray, float, float, np.ndarray]:
        self.h.run()
        y = np.asarray(self.h.getSolution().row_dual)
        nsites = self.nsites
        pi = y[:nsites].copy()
        mu = float(y[nsites])
        nu = float(y[nsites + 1]) if self.k_row else 0.0
        sigma = y[self.conv0 : self.conv0 + nsites].copy()
        return float(self.h.getInfo().objective_function_value), pi, mu, nu, sigma


def useful_pairs(
    prob: GroupProblem, k: int, duals: tuple[np.ndarray, float, float], upper: float
) -> tuple[np.ndarray, np.ndarray]:
    """Lagrangian reduced-cost fixing on the site model.

    Returns ``keep[t, s]`` (households of site t may join a neighbourhood
    centred at site s) and ``open_[s]`` (site s may hold a centre) for any
    plan costing at most ``upper``. With the duals (pi, mu, nu) the value

        L = sum_t m_t pi_t + mu p + nu k + sum_s min(0, g_s),
        g_s = min_{q >= 1} f_s(q) - q (mu + nu [s candidate]),

    is a lower bound; forcing one household of t onto centre site s replaces
    min(0, g_s) by the best such column that contains it. For a fixed q the
    greedy column either already contains t (no change) or gains it by adding
    it (when below max q) or by dropping its dearest optional member, so the
    forced cost is f_s(q) + max(0, r_t - max(r_last, 0 or -inf)). The pair is
    dropped when even that lifts L above ``upper``.
    """
    pi, mu, nu = duals
    sites = _Sites(prob)
    pricer = _Pricer(prob, sites, k)
    nsites = sites.count
    keep = np.zeros((nsites, nsites), dtype=bool)
    open_ = np.zeros(nsites, dtype=bool)
    rows = len(pricer.centres)
    if rows == 0:
        return keep, open_
    pih = pi[sites.of]
    red = pricer.dist - pih[None, :]
    srt = np.sort(red, axis=1)
    finite = np.isfinite(srt)
    nfin = finite.sum(axis=1)
    prefix = np.zeros((rows, srt.shape[1] + 1))
    np.cumsum(np.where(finite, srt, 0.0), axis=1, out=prefix[:, 1:])
    neg = (srt < 0.0).sum(axis=1)
    cs = -pi[pricer.own]
    block = (srt < cs[:, None]).sum(axis=1)
    shift = mu + np.where(sites.cand[pricer.own], nu, 0.0)
    # Reduced cost of one household of site t on centre row c (inf: not allowed).
    red_site = pricer.dist[:, sites.rep] - pi[None, :]
    g = np.full(rows, np.inf)
    forced = np.full((rows, nsites), np.inf)
    ridx = np.arange(rows)
    for q in range(1, pricer.Q + 1):
        ok = pricer.qmax >= q
        neg_rest = neg - np.where(cs < 0.0, q, 0)
        a = np.maximum(pricer.lo * q - q, np.minimum(pricer.hi * q - q, neg_rest))
        a = np.maximum(a, 0)
        ok &= a + q <= nfin
        a = np.where(ok, a, 0)
        val = np.where(
            a >= block,
            prefix[ridx, np.minimum(a + q, srt.shape[1])],
            q * cs + prefix[ridx, a],
        )
        val = np.where(ok, val - q * shift, np.inf)
        g = np.minimum(g, val)
        # The dearest optional member: position a-1 of the list without the
        # q centre households.
        last_pos = np.where(a - 1 < block, a - 1, a - 1 + q)
        last = np.where(
            a > 0, srt[ridx, np.clip(last_pos, 0, srt.shape[1] - 1)], -np.inf
        )
        room = np.where(a + q < pricer.hi * q, np.maximum(last, 0.0), last)
        rise = np.maximum(red_site - room[:, None], 0.0)
        rise = np.where(np.isneginf(room)[:, None], np.inf, rise)
        rise[np.isnan(rise)] = np.inf
        forced = np.minimum(forced, val[:, None] + rise)
    base = float(pi @ sites.m + mu * prob.p + nu * k + np.minimum(g, 0.0).sum())
    if not np.isfinite(base):
        return ~keep, ~open_
    margin = 1e-6 * max(upper, 1.0) + 1e-6
    rest = base - np.minimum(g, 0.0)  # L without centre row's own term
    open_[pricer.own] = rest + g <= upper + margin
    ok_pair = (rest[:, None] + forced <= upper + margin) & np.isfinite(red_site)
    keep[:, pricer.own] = ok_pair.T
    keep[pricer.own, pricer.own] |= open_[pricer.own]
    return keep, open_


@dataclass
class SiteMipResult:
    solution: Solution | None
    lower_bound: float
    proven: bool


def solve_sites(
    prob: GroupProblem,
    k: int,
    warm: Solution,
    time_limit: float,
    keep: np.ndarray | None = None,
    open_: np.ndarray | None = None,
    gap: float = 1e-7,
    presolve: bool = True,
) -> SiteMipResult:
    """The compact model on sites (integer counts), warm-started with ``warm``.

    Households of one site are interchangeable, so this MIP has far fewer
    variables and none of the symmetry of the household model. Integer
    solutions are plans (see ``_decode_sites``) of the same cost or less, and
    every plan with k candidate centres is one, so its dual bound is a lower
    bound on those plans. Locks are not modelled: callers use it only for
    groups without locks or move costs. ``keep``/``open_`` (from
    ``useful_pairs``) drop variables no plan costing at most the warm start's
    cost can use; the reported bound is then capped by that cost. ``gap``:
    HiGHS stops once its plan is within this relative gap of its bound
    (``proven`` then means "within ``gap``", not "optimal").
    """
    sites = _Sites(prob)
    nsites = sites.count
    lo, hi = prob.lo, prob.hi
    centre_site = sites.of[warm.centers]
    warm_y = np.bincount(centre_site, minlength=nsites)
    warm_x = np.zeros((nsites, nsites), dtype=np.int64)
    np.add.at(warm_x, (sites.of, centre_site[warm.assign]), 1)
    kinds = ([True] if k > 0 else []) + ([False] if k < prob.p else [])
    can_open = np.isin(sites.cand, kinds)
    if open_ is not None:
        can_open &= open_
    can_open |= warm_y > 0
    allowed = np.ones((nsites, nsites), dtype=bool) if keep is None else keep.copy()
    allowed &= can_open[None, :]
    allowed &= ~(sites.cand[:, None] & ~sites.cand[None, :])
    allowed |= warm_x > 0
    ys = np.flatnonzero(can_open)
    xt, xs = np.nonzero(allowed)
    ny, nx = len(ys), len(xt)
    y_col = np.full(nsites, -1, dtype=np.int64)
    y_col[ys] = np.arange(ny)
    dist = prob.dist[np.ix_(sites.rep, sites.rep)]
    cost = np.concatenate([np.zeros(ny), dist[xt, xs]])
    upper_b = np.concatenate([np.minimum(sites.m[ys], prob.p), sites.m[xt]]).astype(
        float
    )
    rows_i: list[np.ndarray] = []
    rows_v: list[np.ndarray] = []
    lower: list[float] = []
    upper: list[float] = []

    def row(idx: np.ndarray, val: np.ndarray, lb: float, ub: float) -> None:
        rows_i.append(idx.astype(np.int32))
        rows_v.append(val.astype(float))
        lower.append(lb)
        upper.append(ub)

    inf = highspy.kHighsInf
    xcol = ny + np.arange(nx)
    order = np.argsort(xt, kind="stable")
    starts = np.searchsorted(xt[order], np.arange(nsites + 1))
    for t in range(nsites):  # cover
        cs_ = xcol[order[starts[t] : starts[t + 1]]]
        row(cs_, np.ones(len(cs_)), float(sites.m[t]), float(sites.m[t]))
    order_s = np.argsort(xs, kind="stable")
    starts_s = np.searchsorted(xs[order_s], np.arange(nsites + 1))
    for s in ys:
        members = order_s[starts_s[s] : starts_s[s + 1]]
        cs_ = xcol[members]
        yc = np.array([y_col[s]])
        ones = np.ones(len(cs_))
        row(np.concatenate([cs_, yc]), np.concatenate([ones, [-hi]]), -inf, 0.0)
        row(np.concatenate([cs_, yc]), np.concatenate([ones, [-lo]]), 0.0, inf)
        for c, t in zip(cs_, xt[members], strict=True):
            if t == s:
                row(np.array([c, yc[0]]), np.array([1.0, -1.0]), 0.0, inf)
            else:
                cap = float(min(sites.m[t], hi))
                row(np.array([c, yc[0]]), np.array([1.0, -cap]), -inf, 0.0)
    row(np.arange(ny), np.ones(ny), float(prob.p), float(prob.p))
    if 0 < k < prob.p:
        cy = np.flatnonzero(sites.cand[ys])
        row(cy, np.ones(len(cy)), float(k), float(k))
    lp = highspy.HighsLp()
    ncol = ny + nx
    lp.num_col_ = ncol
    lp.num_row_ = len(lower)
    lp.col_cost_ = cost
    lp.col_lower_ = np.zeros(ncol)
    lp.col_upper_ = upper_b
    lp.row_lower_ = np.array(lower)
    lp.row_upper_ = np.array(upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.concatenate(
        [[0], np.cumsum([len(r) for r in rows_i])]
    ).astype(np.int32)
    lp.a_matrix_.index_ = np.concatenate(rows_i)
    lp.a_matrix_.value_ = np.concatenate(rows_v)
    lp.a_matrix_.num_col_ = ncol
    lp.a_matrix_.num_row_ = len(lower)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * ncol
    h = highspy._Highs()
    h.setOptionValue("output_flag", False)
    # ``time_limit`` is CPU time (checked by the MIP's interrupt callback), so
    # a busy machine does not cut the search short; the wall-clock limit is a
    # backstop for phases that do not call back (presolve, the root LP).
    h.setOptionValue("time_limit", 4.0 * float(time_limit) + 1.0)
    h.setOptionValue("mip_rel_gap", float(gap))
    h.setOptionValue("mip_abs_gap", 1e-3)
    h.setOptionValue("threads", 1)
    if not presolve:
        h.setOptionValue("presolve", "off")
    if h.passModel(lp) != highspy.HighsStatus.kOk:
        raise RuntimeError("HiGHS rejected the site model")
    start = np.concatenate([warm_y[ys], warm_x[xt, xs]]).astype(float)
    sol = highspy.HighsSolution()
    sol.col_value = start.tolist()
    sol.value_valid = True
    h.setSolution(sol)
    clock = _CpuLimit(time_limit)
    h.setCallback(_interrupt, clock)
    h.startCallback(highspy._core.cb.HighsCallbackType.kCallbackMipInterrupt)
    h.run()
    h.setCallback(None, None)
    del clock
    info = h.getInfo()
    proven = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else 0.0
    if info.primal_solution_status != highspy.kSolutionStatusFeasible:
        return SiteMipResult(None, max(bound, 0.0), False)
    val = np.rint(np.asarray(h.getSolution().col_value)).astype(np.int64)
    y = np.zeros(nsites, dtype=np.int64)
    y[ys] = val[:ny]
    x = np.zeros((nsites, nsites), dtype=np.int64)
    x[xt, xs] = val[ny:]
    return SiteMipResult(_decode_sites(prob, sites, y, x), max(bound, 0.0), proven)


class _CpuLimit:
    def __init__(self, seconds: float) -> None:
        self.deadline = time.process_time() + seconds


def _interrupt(_kind, _message, _out, data_in, clock: _CpuLimit) -> None:
    if data_in is not None and time.process_time() > clock.deadline:
        data_in.user_interrupt = True


def _decode_sites(
    prob: GroupProblem, sites: _Sites, y: np.ndarray, x: np.ndarray
) -> Solution | None:
    """Turn site counts into neighbourhoods (None if the counts are inconsistent)."""
    if y.sum() != prob.p or not np.array_equal(x.sum(axis=1), sites.m):
        return None
    pool = [list(np.flatnonzero(sites.of == t)) for t in range(sites.count)]
    assign = np.full(prob.n, -1, dtype=np.int64)
    centers = np.full(prob.p, -1, dtype=np.int64)
    slot = 0
    for s in np.flatnonzero(y):
        q = int(y[s])
        if x[s, s] < q:
            return None
        heads = [pool[s].pop() for _ in range(q)]
        others: list[int] = []
        for t in np.flatnonzero(x[:, s]):
            take = int(x[t, s]) - (q if t == s else 0)
            others.extend(pool[t].pop() for _ in range(take))
        total = q + len(others)
        if not (prob.lo * q <= total <= prob.hi * q):
            return None
        sizes = [total // q + (1 if i < total % q else 0) for i in range(q)]
        pos = 0
        for i, head in enumerate(heads):
            members = [head] + others[pos : pos + sizes[i] - 1]
            pos += sizes[i] - 1
            assign[members] = slot
            centers[slot] = head
            slot += 1
    if (assign < 0).any():
        return None
    return Solution(assign, centers)


def has_multi_sites(prob: GroupProblem, k: int) -> bool:
    """Whether some possible centre shares its point with a household of its kind.

    Without such sites the site bound is the household LP bound again.
    """
    sites = _Sites(prob)
    kinds = ([True] if k > 0 else []) + ([False] if k < prob.p else [])
    return bool((sites.m[np.isin(sites.cand, kinds)] >= 2).any())


def site_keep(prob: GroupProblem, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Household-level fixing (``bounds.useful_columns``) lifted to sites.

    A site pair stays when any household pair does; a site may hold a centre
    when enough households may join one of its households.
    """
    sites = _Sites(prob)
    nsites = sites.count
    pairs = np.zeros((nsites, nsites), dtype=bool)
    i, j = np.nonzero(keep)
    pairs[sites.of[i], sites.of[j]] = True
    counts = np.zeros(nsites, dtype=np.int64)
    np.maximum.at(counts, sites.of, keep.sum(axis=0))
    open_ = counts >= prob.lo - 1
    pairs[np.arange(nsites), np.arange(nsites)] |= open_
    return pairs, open_
