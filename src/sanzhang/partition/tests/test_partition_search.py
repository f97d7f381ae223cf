"""Centre swaps and the site stage's early stop, against straightforward versions."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanzhang.partition import Rules, plan
from sanzhang.partition import search as search_mod
from sanzhang.partition.exact import solve_exact
from sanzhang.partition.generator import urban_district
from sanzhang.partition.problem import build_problem
from sanzhang.partition.search import (
    _share,
    local_search,
    seed_centers,
    solution_cost,
    swap_options,
    swap_search,
    try_swap,
)
from sanzhang.partition.solver import (
    Options,
    finalize,
    group_households,
    solve_group,
)
from sanzhang.partition.validate import check_plan

from .test_partition_colgen import stacked_groups

TOL = 1e-6


def _naive_swap_search(prob, sol, per_slot=5, limit=12, rounds=50):
    """The swap search without memory of failed swaps (what it was before)."""
    for _ in range(rounds):
        gained = 0.0
        touched: set[int] = set()
        for s, h in swap_options(prob, sol, per_slot):
            if s in touched or prob.cand[h] != prob.cand[sol.centers[s]]:
                continue
            if np.any(sol.centers == h):
                continue
            gain = try_swap(prob, sol, s, h)
            if gain > 0.0:
                gained += gain
                touched.add(s)
        if gained <= 0.0:
            return sol
        sol = local_search(prob, sol.centers, limit, sol.assign)
    return sol


@pytest.mark.parametrize("seed", range(3))
def test_swap_memory_changes_nothing(seed, monkeypatch):
    # Skipping a failed swap while its slots are unchanged is exact: the same
    # plan as trying every swap again, on groups of 120-160 households.
    households = urban_district(seed, 1, size_range=(120, 160))
    (members,) = group_households(households).values()
    prob = build_problem("G1", members, Rules())
    start = local_search(prob, seed_centers(prob))
    monkeypatch.setattr(search_mod, "HOPELESS", np.inf)  # only the memory here
    fast = swap_search(prob, start.copy())
    slow = _naive_swap_search(prob, start.copy())
    assert np.array_equal(fast.centers, slow.centers)
    assert np.array_equal(fast.assign, slow.assign)


def test_hopeless_filter_keeps_plans_close():
    # The filter only skips swaps; on these groups the plan stays within
    # 0.5 % of the unfiltered search's (and is often the same).
    for seed in range(2):
        households = urban_district(seed, 1, size_range=(150, 150))
        (members,) = group_households(households).values()
        prob = build_problem("G1", members, Rules())
        start = local_search(prob, seed_centers(prob))
        filtered = solution_cost(prob, swap_search(prob, start.copy()))
        plain = solution_cost(prob, _naive_swap_search(prob, start.copy()))
        assert filtered <= plain * 1.005


@given(
    st.dictionaries(st.integers(0, 40), st.integers(0, 200), max_size=30),
    st.integers(0, 400),
    st.integers(0, 8),
)
def test_share_is_water_filling(available, budget, least):
    quota = _share(available, budget, least)
    assert set(quota) == set(available)
    for s, a in available.items():
        assert min(a, least) <= quota[s] <= a
    total = sum(quota.values())
    floor = sum(min(a, least) for a in available.values())
    assert total == max(floor, min(budget, sum(available.values())))


def test_scarce_centres_get_the_budget():
    # Every candidate is a chief (k = candidates), so only the few chiefless
    # centres can move: they get the whole budget, not 5 tries each.
    households = urban_district(0, 8, size_range=(400, 400))
    members = group_households(households)["U01-G06"]
    prob = build_problem("U01-G06", members, Rules())
    assert prob.k == int(prob.cand.sum())
    assert prob.p - prob.k == 5
    sol = local_search(prob, seed_centers(prob))
    moves = swap_options(prob, sol, 5)
    chiefless = {s for s in range(prob.p) if not prob.cand[sol.centers[s]]}
    per_slot = {s: sum(1 for m, _ in moves if m == s) for s in chiefless}
    assert min(per_slot.values()) >= 40


@st.composite
def stacked_cases(draw):
    """The column-generation tests' stacked groups, each with a gap to stop at."""
    prob, rules = draw(stacked_groups())
    gap = draw(st.sampled_from([0.005, 0.02, 0.1]))
    return prob, rules, gap


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stacked_cases())
def test_early_stop_bound_is_proven(case):
    # The site stage prunes against cost / (1 + gap) and stops at that gap:
    # its bound must still be below the true optimum, and when it says the
    # gap is met, it is.
    households, rules, gap = case
    prob = build_problem("G1", households, rules)
    if prob.p < 3:
        return
    exact = solve_exact(prob, prob.k, None, time_limit=60)
    assert exact.proven
    best = solution_cost(prob, finalize(prob, exact.solution))
    out = solve_group(prob, Options(site_min=1, site_gap=gap, exact_max=0))
    cost = solution_cost(prob, out.solution)
    assert cost >= best - TOL * max(best, 1.0)
    assert out.lower_bound <= best + TOL * max(best, 1.0)
    if out.method in ("site-mip-gap", "site-bound", "site-mip"):
        assert cost <= out.lower_bound * (1.0 + gap) + TOL * max(best, 1.0)


def test_urban_plan_is_valid_with_early_stop():
    households = urban_district(11, 2, size_range=(260, 300))
    result = plan(households, Rules())
    assert check_plan(result, households, Rules()) == []
    for g in result.groups:
        assert g.lower_bound_m <= g.distance_m + TOL


def test_signatures_see_sites_not_households():
    # Two households at one point and of one kind are interchangeable, so
    # trading them between slots leaves every fingerprint as it was (the
    # swap and pair memories stay valid); with replan's per-household move
    # costs they are no longer interchangeable, and the fingerprint changes.
    households = urban_district(3, 1, size_range=(160, 160))
    (members,) = group_households(households).values()
    prob = build_problem("G1", members, Rules())
    sol = local_search(prob, seed_centers(prob))
    centre = np.zeros(prob.n, dtype=bool)
    centre[sol.centers] = True
    twins = [
        (i, j)
        for i in range(prob.n)
        for j in range(i + 1, prob.n)
        if prob.site[i] == prob.site[j]
        and sol.assign[i] != sol.assign[j]
        and not centre[i]
        and not centre[j]
    ]
    assert twins, "the generator stacks households in stairwells"
    i, j = twins[0]
    traded = sol.copy()
    traded.assign[[i, j]] = traded.assign[[j, i]]
    assert np.array_equal(
        search_mod.slot_signatures(prob, sol), search_mod.slot_signatures(prob, traded)
    )
    prob.penalty = np.ones((prob.n, prob.p))
    assert not np.array_equal(
        search_mod.slot_signatures(prob, sol), search_mod.slot_signatures(prob, traded)
    )
