"""The site bound (column generation) and the site MIP against the exact MIP.

Groups here are small enough for the household MIP (``solve_exact``) to prove
the optimum, and use stacked coordinates (stairwells, shared houses) because
sites are what the new bound exploits.
"""

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanzhang.partition import HouseholdPoint, Rules, check_plan, plan
from sanzhang.partition.bounds import lagrangian_bound
from sanzhang.partition.colgen import site_bound, solve_sites, useful_pairs
from sanzhang.partition.exact import solve_exact
from sanzhang.partition.generator import urban_district
from sanzhang.partition.problem import build_problem
from sanzhang.partition.search import solution_cost
from sanzhang.partition.solver import Options, finalize, group_households, solve_group

from .helpers import LAT0, LON0

TOL = 1e-6


def _stacked(seed: int, n: int, points: int, rate: float) -> list[HouseholdPoint]:
    """n households on a few points (stairwells), some candidates."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0.0, 300.0, (points, 2))
    at = rng.integers(0, points, n)
    cand = rng.random(n) < rate
    return [
        HouseholdPoint(
            f"h{i:02d}",
            "G1",
            LON0 + xy[at[i], 0] / 97_000.0,
            LAT0 + xy[at[i], 1] / 111_000.0,
            bool(cand[i]),
        )
        for i in range(n)
    ]


def _optimum(prob):
    exact = solve_exact(prob, prob.k, None, time_limit=60)
    assert exact.proven
    return solution_cost(prob, finalize(prob, exact.solution)), exact


def _heuristic(prob):
    """Any plan with k candidate centres (the search's, without the site stage)."""
    out = solve_group(prob, Options(exact="never", site_min=10**9))
    return out.solution, solution_cost(prob, out.solution)


@st.composite
def stacked_groups(draw):
    lo = draw(st.integers(2, 4))
    hi = draw(st.integers(lo + 1, 8))
    n = draw(st.integers(3 * hi // 2 + 3, 22))
    rules = Rules(lo, hi, draw(st.integers(lo, hi)))
    points = draw(st.integers(2, 9))
    rate = draw(st.sampled_from([0.0, 0.1, 0.3, 0.6]))
    return _stacked(draw(st.integers(0, 10**6)), n, points, rate), rules


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stacked_groups())
def test_site_bound_never_exceeds_the_optimum(case):
    households, rules = case
    prob = build_problem("G1", households, rules)
    if prob.p < 3:
        return
    best, _ = _optimum(prob)
    start, upper = _heuristic(prob)
    lag = lagrangian_bound(prob, prob.k, upper)
    sb = site_bound(prob, prob.k, upper, start, 5.0, multipliers=lag.multipliers)
    assert sb.value <= best + TOL * max(best, 1.0)
    # Started from the Lagrangian multipliers, it is never weaker.
    assert sb.value >= lag.value - TOL * max(best, 1.0)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("rate", [0.0, 0.15, 0.5])
def test_site_bound_on_stairwells(seed, rate):
    households = _stacked(seed, 24, 6, rate)
    prob = build_problem("G1", households, Rules(3, 6, 4))
    best, exact = _optimum(prob)
    start, upper = _heuristic(prob)
    lag = lagrangian_bound(prob, prob.k, upper)
    sb = site_bound(prob, prob.k, upper, start, 5.0, multipliers=lag.multipliers)
    assert lag.value - TOL * best <= sb.value <= best + TOL * max(best, 1.0)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("rate", [0.0, 0.15, 0.5])
def test_site_mip_matches_household_mip(seed, rate):
    households = _stacked(seed, 24, 6, rate)
    prob = build_problem("G1", households, Rules(3, 6, 4))
    best, _ = _optimum(prob)
    start, upper = _heuristic(prob)
    result = solve_sites(prob, prob.k, start, 30.0)
    assert result.proven
    sol = finalize(prob, result.solution)
    assert solution_cost(prob, sol) == pytest.approx(best, rel=1e-9, abs=1e-6)
    assert np.count_nonzero(prob.cand[sol.centers]) == prob.k
    assert result.lower_bound <= best + TOL * max(best, 1.0)
    # Reduced-cost fixing from the site duals keeps every plan at least as good.
    sb = site_bound(prob, prob.k, upper, start, 5.0)
    keep, open_ = useful_pairs(prob, prob.k, sb.duals, upper)
    pruned = solve_sites(prob, prob.k, start, 30.0, keep, open_)
    assert pruned.proven
    cost = solution_cost(prob, finalize(prob, pruned.solution))
    assert cost == pytest.approx(best, rel=1e-9, abs=1e-6)


def test_urban_group_gap_and_rules():
    households = urban_district(3, 1, size_range=(220, 220))
    rules = Rules()
    result = plan(households, rules)
    assert check_plan(result, households, rules) == []
    assert result.lower_bound_m <= result.total_distance_m
    (prob,) = [
        build_problem(g, m, rules) for g, m in group_households(households).items()
    ]
    out = solve_group(prob, Options(site_min=10**9))
    # The site stage never reports a weaker bound than the Lagrangian path.
    assert result.lower_bound_m >= min(out.lower_bound, result.total_distance_m) - TOL


def test_site_stage_is_a_bound_on_small_groups():
    # Force the site stage onto groups the MIP can still prove.
    for seed in range(4):
        households = _stacked(seed, 24, 5, 0.2)
        prob = build_problem("G1", households, Rules(3, 6, 4))
        best, _ = _optimum(prob)
        opts = Options(exact="never", site_min=1, site_gap=0.0)
        out = solve_group(prob, opts)
        assert out.lower_bound <= best + TOL * max(best, 1.0)
        opts = Options(site_min=1, site_gap=0.0, exact_max=0)
        out = solve_group(prob, opts)
        assert out.method.startswith("site") or out.exact
        assert solution_cost(prob, out.solution) >= best - TOL
        assert out.lower_bound <= best + TOL * max(best, 1.0)


def test_locked_big_group_keeps_locks():
    households = urban_district(5, 1, size_range=(200, 200))
    locked = [
        dataclasses.replace(h, locked_neighborhood="L1") if i < 4 else h
        for i, h in enumerate(households)
    ]
    rules = Rules()
    result = plan(locked, rules)
    assert check_plan(result, locked, rules) == []
    assignment = result.assignment()
    assert {assignment[h.id] for h in locked[:4]} == {"L1"}
