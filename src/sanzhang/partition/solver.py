"""Plan every group: choose the method by size, then assemble the Plan.

Per group:

* p = 1: one neighbourhood; its chief is the candidate with the least total
  distance (or the medoid if there is none). Exact.
* p = 2: the exact two-neighbourhood split (see ``search``) over the whole
  group. Exact.
* p >= 3: multi-start local search, then the Lagrangian bound. When the bound
  does not already prove the plan optimal and the group is small enough
  (``exact_max``), the MIP is solved with the heuristic plan as a warm start.
* Big groups (``site_min`` households and up) whose gap is still open go to
  the site stage: the column-generation bound of ``colgen`` and, when the
  group has no locks or move costs, the site MIP, pruned by both bounds'
  reduced-cost fixing and warm-started with the plan.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from .bounds import lagrangian_bound, useful_columns
from .colgen import has_multi_sites, site_bound, site_keep, solve_sites, useful_pairs
from .exact import solve_exact
from .model import GroupReport, HouseholdPoint, NeighborhoodPlan, Plan, PlanError, Rules
from .problem import GroupProblem, build_problem
from .search import (
    EPS,
    Solution,
    best_pair_split,
    bisection_seed,
    local_search,
    seed_centers,
    swap_search,
)

EXACT_MAX = 60  # households; above this the MIP gets slow and the bound is tight anyway


@dataclass(frozen=True)
class Options:
    """Knobs for the per-group solver.

    exact: "auto" proves small groups optimal with the MIP when the bound does
    not; "always" runs the MIP for every group with p >= 3 (benchmarks);
    "never" stops at heuristic + bound.
    """

    exact: str = "auto"
    exact_max: int = EXACT_MAX
    # MIP seconds per group. Most close in milliseconds after reduced-cost
    # fixing; the odd group with a weak LP bound could take much longer, and
    # then keeps its (usually already optimal) plan, reported unproven.
    time_limit: float = 1.0
    starts: int = 3  # greedy, relaxation, bisection; more adds random greedy
    large: int = 120  # households; bigger groups get fewer starts
    # Centre swaps tried per neighbourhood and round: big groups, small ones,
    # and groups the site MIP finishes (it closes what fewer swaps leave
    # open: county urban groups 11 CPU s less search for 4 s more MIP, 130 of
    # 130 within 2 % either way, +0.02 % distance).
    swaps_large: int = 5
    swaps_small: int = 3
    swaps_site: int = 3
    # Big groups try a second start only above this gap: below it the gap is
    # mostly the LP bound's own weakness, and a second start rarely pays.
    retry_gap: float = 0.10
    # ... and only when the site MIP will not see them: with the MIP budget
    # below it finishes those groups itself, and the second start (a whole
    # swap search) cost more than it saved (urban groups of the county:
    # 130 of 130 within 2 % either way, 12 CPU s less without it).
    site_retry: bool = False
    seed: int = 0
    bound_iterations: int = 250
    # Groups of at least ``site_min`` households whose gap is still above
    # ``site_gap`` after the search get the site bound (column generation,
    # ``colgen``) and, without locks, the site MIP, each with a time cap.
    # Both stop once the gap is proven at most ``site_gap`` (the target for
    # urban groups is 2 %: 1.9 % leaves a margin that is itself proven, as the
    # bound is), and the MIP is pruned against that goal.
    site_min: int = 150
    site_gap: float = 0.019
    # CPU seconds per 100 households. The column generation gets 0.8 s for a
    # group of 400; the MIP up to 4 s, but it stops as soon as the gap target
    # is proven, which most groups reach in well under a second: the cap
    # only matters for the few hard ones (0.2 s per 100 left 6-10 of 130
    # county groups above 2 %; each needed 1-3.5 s more).
    site_seconds: float = 0.2  # column generation
    site_mip_seconds: float = 1.0  # HiGHS MIP, enforced through its callback
    # False skips the centre-swap rounds on groups the site MIP will see:
    # faster, but the MIP then starts from worse plans, prunes less and times
    # out more (measured worse on the urban benchmark).
    site_swaps: bool = True
    # HiGHS presolve on the pruned site MIP: off measured better (18 of 26
    # hard county groups within 2 % against 10, in less time).
    site_presolve: bool = False


@dataclass
class GroupOutcome:
    solution: Solution
    lower_bound: float
    exact: bool
    method: str


# --------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------


def plan(
    households: Iterable[HouseholdPoint],
    rules: Rules | None = None,
    *,
    exact: str = "auto",
    workers: int = 1,
    seed: int = 0,
) -> Plan:
    """Partition households into neighbourhoods and pick their chiefs."""
    rules = rules or Rules()
    options = Options(exact=exact, seed=seed)
    if exact not in ("auto", "always", "never"):
        raise ValueError("exact must be 'auto', 'always' or 'never'")
    groups = group_households(households)
    tasks = [(gid, members, rules, options) for gid, members in groups.items()]
    parts = _map_groups(tasks, workers)
    return _join(parts, rules, moved=0)


@dataclass
class _GroupPart:
    """One group's finished share of a plan (what a worker sends back)."""

    neighborhoods: list[NeighborhoodPlan]
    report: GroupReport
    warnings: list[str]


def _plan_group(task: tuple[str, list[HouseholdPoint], Rules, Options]) -> _GroupPart:
    gid, members, rules, options = task
    prob = build_problem(gid, members, rules)
    out = solve_group(prob, options)
    return _part(prob, out, neighborhood_ids(prob, out.solution))


def _map_groups(
    tasks: list[tuple[str, list[HouseholdPoint], Rules, Options]], workers: int
) -> list[_GroupPart]:
    """Solve groups, in worker processes when asked (each builds its own problem)."""
    workers = min(workers, os.cpu_count() or 1)
    if workers <= 1 or len(tasks) < 2:
        return [_plan_group(task) for task in tasks]
    # Big groups first so the pool does not end on one long straggler.
    order = sorted(range(len(tasks)), key=lambda i: -len(tasks[i][1]))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        done = list(pool.map(_plan_group, [tasks[i] for i in order], chunksize=16))
    parts: list[_GroupPart | None] = [None] * len(tasks)
    for i, part in zip(order, done, strict=True):
        parts[i] = part
    return [part for part in parts if part is not None]


def group_households(
    households: Iterable[HouseholdPoint],
) -> dict[str, list[HouseholdPoint]]:
    """Group in input order; reject duplicate ids and cross-group lock labels."""
    groups: dict[str, list[HouseholdPoint]] = {}
    seen: set[str] = set()
    label_group: dict[str, str] = {}
    for hh in households:
        if hh.id in seen:
            raise PlanError(f"住户编号重复: {hh.id} (duplicate household id {hh.id})")
        seen.add(hh.id)
        label = hh.locked_neighborhood
        if (
            label is not None
            and label_group.setdefault(label, hh.group_id) != hh.group_id
        ):
            raise PlanError(
                f"邻 {label} 跨越两个组 (lock {label} spans groups "
                f"{label_group[label]} and {hh.group_id})"
            )
        groups.setdefault(hh.group_id, []).append(hh)
    return groups


# --------------------------------------------------------------------------
# One group
# --------------------------------------------------------------------------


def solve_group(prob: GroupProblem, options: Options) -> GroupOutcome:
    if prob.p == 1:
        return _single(prob)
    if prob.p == 2:
        exact = _two(prob)
        if exact is not None:
            return exact
    return _search_and_prove(prob, options)


def _single(prob: GroupProblem) -> GroupOutcome:
    assign = np.zeros(prob.n, dtype=np.int64)
    sol = finalize(prob, Solution(assign, np.array([0], dtype=np.int64)))
    return GroupOutcome(sol, _distance(prob, sol), True, "single")


def _two(prob: GroupProblem) -> GroupOutcome | None:
    move = best_pair_split(prob, np.arange(prob.n), 0, 1, prob.k, limit=None)
    if move is None:
        return None
    assign = np.zeros(prob.n, dtype=np.int64)
    assign[move.second] = 1
    sol = finalize(prob, Solution(assign, np.array([move.center_a, move.center_b])))
    exact = not prob.has_penalty
    bound = _distance(prob, sol) if exact else 0.0
    return GroupOutcome(sol, bound, exact, "pair-enumeration")


class _Incumbent:
    """Best plan so far, kept in final form (chiefs chosen by the rules)."""

    def __init__(self, prob: GroupProblem) -> None:
        self.prob = prob
        self.sol: Solution | None = None
        self.cost = np.inf

    def offer(self, sol: Solution) -> None:
        final = finalize(self.prob, sol)
        cost = _distance(self.prob, final)
        if cost < self.cost - EPS:
            self.sol, self.cost = final, cost


def _search_and_prove(prob: GroupProblem, options: Options) -> GroupOutcome:
    """Cheapest work first; stop as soon as the bound proves the plan optimal."""
    best = _Incumbent(prob)
    large = prob.n > options.large
    backed = _mip_allowed(prob, options)
    # The site MIP polishes big groups better than centre swaps do.
    polished = backed or (_site_mip_allowed(prob, options) and not options.site_swaps)
    # Recursive bisection is the better single start on big groups (and
    # cheaper); greedy is the more reliable one on small ones.
    first = bisection_seed(prob) if large else None
    start = first if first is not None else seed_centers(prob)
    per_slot = options.swaps_large if large else options.swaps_small
    if _site_mip_allowed(prob, options):
        per_slot = options.swaps_site
    best.offer(_improve(prob, start, per_slot, polished))
    k = int(np.count_nonzero(prob.cand[best.sol.centers]))  # type: ignore[union-attr]
    result = lagrangian_bound(prob, k, best.cost, iterations=options.bound_iterations)
    bound = result.value

    def closed() -> bool:
        return best.cost - bound <= 1e-7 * max(best.cost, 1.0)

    # More starts: the relaxation's own centres, recursive bisection, random
    # greedy. Big groups get one more only when the gap is clearly open.
    rng = np.random.default_rng(options.seed)
    if large:
        retry = options.site_retry or not _site_mip_allowed(prob, options)
        wide_open = retry and best.cost > bound * (1.0 + options.retry_gap)
        starts = [seed_centers(prob)] if wide_open else []
    else:
        relaxed = result.centers if len(result.centers) == prob.p else None
        starts = [relaxed if (prob.slot_of < 0).all() else None, bisection_seed(prob)]
        starts += [seed_centers(prob, rng) for _ in range(max(0, options.starts - 3))]
    for centers in starts:
        if closed():
            break
        if centers is not None:
            best.offer(
                _improve(prob, np.asarray(centers, dtype=np.int64), per_slot, polished)
            )
    assert best.sol is not None
    if closed():
        return GroupOutcome(best.sol, best.cost, True, "local-search+bound")
    if _sites_allowed(prob, options):
        return _site_stage(prob, options, best, k, bound, result.multipliers)
    if not backed:
        return GroupOutcome(best.sol, bound, False, "local-search")
    keep = None
    if result.multipliers is not None:
        keep = useful_columns(prob, k, result.multipliers, best.cost)
        keep[np.arange(prob.n), best.sol.centers[best.sol.assign]] = (
            True  # the warm start
        )
    exact = solve_exact(prob, k, best.sol, options.time_limit, keep)
    if exact.solution is not None:
        best.offer(exact.solution)
    bound = max(bound, min(exact.lower_bound, best.cost))
    if exact.proven:
        return GroupOutcome(best.sol, best.cost, True, "mip")
    return GroupOutcome(best.sol, bound, False, "mip-timeout")


def _site_stage(
    prob: GroupProblem,
    options: Options,
    best: _Incumbent,
    k: int,
    bound: float,
    multipliers: np.ndarray | None,
) -> GroupOutcome:
    """Big groups: the site bound, then (without locks) the pruned site MIP.

    Both stop as soon as the gap is proven to be at most ``site_gap``: time
    spent closing it further is time the county run does not have.
    """
    assert best.sol is not None
    target = options.site_gap

    def content() -> bool:
        return best.cost <= bound * (1.0 + target)

    def closed() -> bool:
        return best.cost - bound <= 1e-7 * max(best.cost, 1.0)

    if content():
        return GroupOutcome(best.sol, bound, False, "local-search")
    upper = best.cost
    duals = None
    scale = prob.n / 100.0  # budgets are per 100 households
    if has_multi_sites(prob, k):
        sb = site_bound(
            prob,
            k,
            upper,
            best.sol,
            scale * options.site_seconds,
            multipliers=multipliers,
            target=upper / (1.0 + target),
        )
        bound, duals = max(bound, sb.value), sb.duals
        if content():
            return GroupOutcome(
                best.sol, best.cost if closed() else bound, closed(), "site-bound"
            )
        if sb.centres is not None and (prob.slot_of < 0).all():
            best.offer(local_search(prob, sb.centres))  # start from the LP's centres
            upper = best.cost
            if content():
                return GroupOutcome(best.sol, bound, False, "site-bound")
    if not _site_mip_allowed(prob, options):
        return GroupOutcome(best.sol, bound, False, "local-search+site-bound")
    # We need to know only that no plan costs less than ``goal``, so the
    # reduced-cost fixing prunes against ``goal`` rather than our plan's
    # cost: much stronger, and the MIP then proves the gap target (or finds
    # a plan below ``goal``) far sooner. The plan itself stays in the model
    # (``solve_sites`` keeps the warm start's variables).
    goal = upper / (1.0 + target)
    keep = open_ = None
    if multipliers is not None:
        keep, open_ = site_keep(prob, useful_columns(prob, k, multipliers, goal))
    if duals is not None:
        pairs, opens = useful_pairs(prob, k, duals, goal)
        keep = pairs if keep is None else keep & pairs
        open_ = opens if open_ is None else open_ & opens
    seconds = scale * options.site_mip_seconds
    # HiGHS measures its gap against the plan, we against the bound.
    mip = solve_sites(
        prob,
        k,
        best.sol,
        seconds,
        keep,
        open_,
        gap=target / (1.0 + target),
        presolve=options.site_presolve,
    )
    if mip.solution is not None:
        best.offer(mip.solution)
    # Every plan costing at most ``goal`` survived the pruning, so the MIP's
    # bound holds for those; all others cost more than ``goal``.
    bound = max(bound, min(mip.lower_bound, goal))
    if closed():
        return GroupOutcome(best.sol, best.cost, True, "site-mip")
    if content():
        return GroupOutcome(best.sol, bound, False, "site-mip-gap")
    return GroupOutcome(best.sol, bound, False, "site-mip-timeout")


def _sites_allowed(prob: GroupProblem, options: Options) -> bool:
    return prob.n >= options.site_min and prob.p >= 3


def _site_mip_allowed(prob: GroupProblem, options: Options) -> bool:
    # The site MIP models neither locks nor replan's move costs.
    return (
        options.exact != "never"
        and _sites_allowed(prob, options)
        and not prob.has_penalty
        and bool((prob.slot_of < 0).all())
    )


def _improve(
    prob: GroupProblem, centers: np.ndarray, per_slot: int, backed: bool
) -> Solution:
    """Local search, plus centre swaps unless the MIP will finish the job.

    ``backed``: the group is small enough for the (cheap, pruned) MIP, which
    is faster at closing the last gap than swap rounds are.
    """
    sol = local_search(prob, centers)
    if backed:
        return sol
    # Big groups have many more centre options; look a little deeper there.
    return swap_search(prob, sol, per_slot=per_slot)


def _mip_allowed(prob: GroupProblem, options: Options) -> bool:
    if prob.has_penalty:  # replan's move costs are not in the MIP
        return False
    return options.exact == "always" or (
        options.exact == "auto" and prob.n <= options.exact_max
    )


def finalize(prob: GroupProblem, sol: Solution) -> Solution:
    """Make each centre the chief the rules call for.

    A neighbourhood holding any candidate gets the candidate with the least
    total distance (or its pinned chief); one without gets its medoid.
    """
    centers = sol.centers.copy()
    for s in range(prob.p):
        members = np.flatnonzero(sol.assign == s)
        if prob.forced_center[s] >= 0:
            centers[s] = prob.forced_center[s]
            continue
        cands = members[prob.cand[members]]
        eligible = cands if len(cands) else members
        spread = prob.dist[np.ix_(members, eligible)].sum(axis=0)
        centers[s] = eligible[int(np.argmin(spread))]
    return Solution(sol.assign.copy(), centers)


def _distance(prob: GroupProblem, sol: Solution) -> float:
    return float(prob.dist[np.arange(prob.n), sol.centers[sol.assign]].sum())


# --------------------------------------------------------------------------
# Assembling the Plan
# --------------------------------------------------------------------------


def assemble_plan(
    problems: Sequence[GroupProblem],
    outcomes: Sequence[GroupOutcome],
    rules: Rules,
    moved: int,
    slot_ids: Sequence[list[str]],
) -> Plan:
    parts = [
        _part(prob, out, ids)
        for prob, out, ids in zip(problems, outcomes, slot_ids, strict=True)
    ]
    return _join(parts, rules, moved)


def _part(prob: GroupProblem, out: GroupOutcome, ids: Sequence[str]) -> _GroupPart:
    report = _report(prob, out)
    return _GroupPart(
        _neighborhoods(prob, out.solution, ids), report, _warnings(prob, report)
    )


def _join(parts: Sequence[_GroupPart], rules: Rules, moved: int) -> Plan:
    total = sum(part.report.distance_m for part in parts)
    lower = sum(part.report.lower_bound_m for part in parts)
    return Plan(
        neighborhoods=tuple(h for part in parts for h in part.neighborhoods),
        total_distance_m=total,
        lower_bound_m=min(lower, total),
        households_moved=moved,
        rules=rules,
        groups=tuple(part.report for part in parts),
        warnings=tuple(w for part in parts for w in part.warnings),
    )


def neighborhood_ids(prob: GroupProblem, sol: Solution) -> list[str]:
    """Lock labels keep their name; the rest are <group>-01.. north to south."""
    ids: list[str | None] = list(prob.slot_labels)
    taken = {label for label in ids if label is not None}
    lat_key = [-_centre_lat(prob, sol, s) for s in range(prob.p)]
    number = 0
    for s in sorted(range(prob.p), key=lambda s: lat_key[s]):
        if ids[s] is not None:
            continue
        while True:
            number += 1
            name = f"{prob.group_id}-{number:02d}"
            if name not in taken:
                break
        ids[s] = name
    return [str(x) for x in ids]


def _centre_lat(prob: GroupProblem, sol: Solution, slot: int) -> float:
    return float(prob.lat[sol.centers[slot]])


def _neighborhoods(
    prob: GroupProblem, sol: Solution, ids: Sequence[str]
) -> list[NeighborhoodPlan]:
    hoods = []
    for s in range(prob.p):
        members = np.flatnonzero(sol.assign == s)
        centre = int(sol.centers[s])
        hoods.append(
            NeighborhoodPlan(
                id=ids[s],
                group_id=prob.group_id,
                household_ids=tuple(prob.ids[i] for i in members),
                chief_household_id=prob.ids[centre] if prob.cand[centre] else None,
                center_household_id=prob.ids[centre],
                distance_m=float(prob.dist[members, centre].sum()),
            )
        )
    return hoods


def _report(prob: GroupProblem, out: GroupOutcome) -> GroupReport:
    distance = _distance(prob, out.solution)
    chiefs = int(np.count_nonzero(prob.cand[out.solution.centers]))
    candidates = int(np.count_nonzero(prob.cand))
    return GroupReport(
        group_id=prob.group_id,
        households=prob.n,
        neighborhoods=prob.p,
        min_size=prob.lo,
        max_size=prob.hi,
        candidates=candidates,
        chiefless=prob.p - chiefs,
        chiefless_floor=max(0, prob.p - candidates),
        distance_m=distance,
        lower_bound_m=min(out.lower_bound, distance),
        exact=out.exact,
        method=out.method,
    )


def _warnings(prob: GroupProblem, report: GroupReport) -> list[str]:
    out = []
    if prob.relaxed:
        out.append(
            f"组 {prob.group_id}: {prob.n} 户无法同时满足最小/最大户数, 已放宽最小户数为 "
            f"{prob.lo} (group {prob.group_id}: {prob.n} households cannot meet both "
            f"bounds; min relaxed to {prob.lo})"
        )
    if report.chiefless > report.chiefless_floor:
        out.append(
            f"组 {prob.group_id}: 锁定使无候选人的邻多于下限 "
            f"(group {prob.group_id}: locks leave {report.chiefless} chiefless "
            f"neighbourhoods, floor {report.chiefless_floor})"
        )
    return out
