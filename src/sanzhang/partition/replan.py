"""Re-planning after households move in, move out or change group.

Priorities, in order: the hard rules; rule 2 (fewest chiefless
neighbourhoods); then as few existing households changing neighbourhood as
possible; then the distance. Sitting chiefs stay chiefs while they remain in
the group and their neighbourhood survives.

How: each surviving neighbourhood keeps its id as a slot. Putting a
household anywhere but its previous slot costs more than any possible
distance saving (group diameter x households), so the exact assignment step
minimises moves first and distance second, and the pair re-splits only shuffle
the households that are free to move (newcomers, members of dissolved
neighbourhoods). If the group now needs fewer neighbourhoods, the ones with
the fewest remaining members are dissolved; if it needs more, new ones are
seeded where the newcomers are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from .model import HouseholdPoint, Plan, Rules
from .problem import GroupProblem, build_problem
from .search import Solution, assign_optimal, local_search
from .sizing import group_sizing
from .solver import (
    GroupOutcome,
    Options,
    assemble_plan,
    finalize,
    group_households,
    neighborhood_ids,
    solve_group,
)


def replan(
    previous: Plan, households: Iterable[HouseholdPoint], rules: Rules | None = None
) -> Plan:
    """Update ``previous`` for the current households, moving as few as possible."""
    rules = rules or previous.rules
    groups = group_households(households)
    before = previous.assignment()
    old_group = {hood.id: hood.group_id for hood in previous.neighborhoods}
    old_chief = previous.chief_of()
    problems: list[GroupProblem] = []
    outcomes: list[GroupOutcome] = []
    names: list[list[str]] = []
    taken = set(old_group)
    for gid, members in groups.items():
        kept = _surviving(
            gid,
            members,
            before,
            old_group,
            group_sizing(len(members), rules).neighborhoods,
        )
        prob = build_problem(gid, members, rules, slot_names=kept)
        if not kept:  # a new group (or one with nobody left): plan it afresh
            out = solve_group(prob, Options())
            ids = neighborhood_ids(prob, out.solution)
        else:
            out = _replan_group(prob, members, kept, before, old_chief)
            ids = _slot_ids(prob, kept, taken)
        taken.update(ids)
        problems.append(prob)
        outcomes.append(out)
        names.append(ids)
    plan = assemble_plan(problems, outcomes, rules, moved=0, slot_ids=names)
    after = plan.assignment()
    moved = sum(
        1 for hid, hood in before.items() if hid in after and after[hid] != hood
    )
    return Plan(
        neighborhoods=plan.neighborhoods,
        total_distance_m=plan.total_distance_m,
        lower_bound_m=plan.lower_bound_m,
        households_moved=moved,
        rules=rules,
        groups=plan.groups,
        warnings=plan.warnings,
    )


def _surviving(
    gid: str,
    members: Sequence[HouseholdPoint],
    before: dict[str, str],
    old_group: dict[str, str],
    p: int,
) -> list[str]:
    """Previous neighbourhoods of this group that keep their id, largest first."""
    counts: dict[str, int] = {}
    for hh in members:
        hood = before.get(hh.id)
        if hood is not None and old_group.get(hood) == gid:
            counts[hood] = counts.get(hood, 0) + 1
    ranked = sorted(counts, key=lambda h: (-counts[h], h))
    return sorted(ranked[:p])


def _slot_ids(prob: GroupProblem, kept: list[str], taken: set[str]) -> list[str]:
    ids = list(kept)
    number = 0
    for s in range(len(kept), prob.p):
        label = prob.slot_labels[s]
        if label is not None and label not in taken:
            ids.append(label)
            continue
        while True:
            number += 1
            name = f"{prob.group_id}-{number:02d}"
            if name not in taken and name not in ids:
                break
        ids.append(name)
    return ids


def _replan_group(
    prob: GroupProblem,
    members: Sequence[HouseholdPoint],
    kept: list[str],
    before: dict[str, str],
    old_chief: dict[str, str | None],
) -> GroupOutcome:
    slot_of_hood = {hood: s for s, hood in enumerate(kept)}
    prev = np.array([slot_of_hood.get(before.get(h.id, ""), -1) for h in members])
    _set_move_penalty(prob, prev)
    _pin_sitting_chiefs(prob, members, kept, old_chief, prev)
    centers = _initial_centers(prob, prev)
    sol = Solution(assign_optimal(prob, centers), centers)
    sol = local_search(prob, sol.centers, assign=sol.assign)
    sol = finalize(prob, sol)
    return GroupOutcome(sol, 0.0, False, "replan")


def _set_move_penalty(prob: GroupProblem, prev: np.ndarray) -> None:
    move_cost = float(prob.dist.max()) * prob.n + 1.0
    penalty = np.zeros((prob.n, prob.p))
    has_prev = prev >= 0
    penalty[has_prev] = move_cost
    penalty[np.flatnonzero(has_prev), prev[has_prev]] = 0.0
    prob.penalty = penalty


def _pin_sitting_chiefs(
    prob: GroupProblem,
    members: Sequence[HouseholdPoint],
    kept: list[str],
    old_chief: dict[str, str | None],
    prev: np.ndarray,
) -> None:
    index = {h.id: i for i, h in enumerate(members)}
    for s, hood in enumerate(kept):
        chief = old_chief.get(hood)
        i = index.get(chief) if chief is not None else None
        if i is None or prob.forced_center[s] >= 0 or not prob.cand[i]:
            continue
        if prev[i] == s and prob.slot_of[i] in (-1, s):
            prob.forced_center[s] = i
            prob.slot_of[i] = s


def _initial_centers(prob: GroupProblem, prev: np.ndarray) -> np.ndarray:
    """A centre per slot with exactly k candidate centres."""
    centers = prob.forced_center.copy()
    for s in range(prob.p):
        if centers[s] >= 0:
            continue
        members = np.flatnonzero((prev == s) | (prob.slot_of == s))
        if len(members) == 0:  # a new slot: start where the free households are
            free = np.flatnonzero((prev < 0) & (prob.slot_of < 0))
            members = free if len(free) else np.flatnonzero(prob.slot_of < 0)
        centers[s] = _best_of(prob, members, centers)
    _fix_candidate_count(prob, centers)
    return centers


def _best_of(prob: GroupProblem, members: np.ndarray, taken: np.ndarray) -> int:
    options = members[~np.isin(members, taken)]
    if len(options) == 0:
        options = np.setdiff1d(np.flatnonzero(prob.slot_of < 0), taken)
    cands = options[prob.cand[options]]
    pool = cands if len(cands) else options
    spread = prob.dist[np.ix_(members, pool)].sum(axis=0)
    return int(pool[int(np.argmin(spread))])


def _fix_candidate_count(prob: GroupProblem, centers: np.ndarray) -> None:
    """Swap chiefless centres for the nearest spare candidates (rule 2)."""
    while int(prob.cand[centers].sum()) < prob.k:
        spare = np.flatnonzero(prob.cand & ~np.isin(np.arange(prob.n), centers))
        spare = spare[
            (prob.slot_of[spare] < 0) | (prob.forced_center[prob.slot_of[spare]] < 0)
        ]
        chiefless = [
            s
            for s in range(prob.p)
            if not prob.cand[centers[s]] and prob.forced_center[s] < 0
        ]
        if len(spare) == 0 or not chiefless:
            return
        d = prob.dist[np.ix_(spare, centers[chiefless])]
        lock = prob.slot_of[spare]
        d[(lock[:, None] >= 0) & (lock[:, None] != np.array(chiefless)[None, :])] = (
            np.inf
        )
        if not np.isfinite(d).any():
            return
        r, c = np.unravel_index(int(np.argmin(d)), d.shape)
        centers[chiefless[c]] = spare[r]
    while int(prob.cand[centers].sum()) > prob.k:  # cannot normally happen
        extra = [
            s
            for s in range(prob.p)
            if prob.cand[centers[s]] and prob.forced_center[s] < 0
        ]
        if not extra:
            return
        s = extra[-1]
        others = np.flatnonzero(~prob.cand & ~np.isin(np.arange(prob.n), centers))
        if len(others) == 0:
            return
        centers[s] = others[int(np.argmin(prob.dist[centers[s], others]))]
