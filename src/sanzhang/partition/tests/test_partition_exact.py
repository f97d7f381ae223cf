"""Optimality on tiny groups, proven by enumerating every partition."""

import numpy as np
import pytest

from sanzhang.partition import Rules, plan
from sanzhang.partition.bounds import lagrangian_bound
from sanzhang.partition.exact import solve_exact
from sanzhang.partition.problem import build_problem
from sanzhang.partition.search import Solution, solution_cost
from sanzhang.partition.solver import Options, finalize, solve_group

from . import bruteforce
from .helpers import scatter

# (households, rules, candidate rate): p = 2 (pair enumeration) and p = 3
# (local search + bound + MIP) cases, with plenty and with scarce candidates.
CASES = [
    (10, Rules(3, 6, 5), 0.3),  # p = 2
    (11, Rules(3, 6, 4), 0.3),  # p = 3
    (11, Rules(3, 5, 4), 0.15),  # p = 3, candidates scarce
    (9, Rules(2, 3, 2), 0.0),  # p = 4, no candidates at all
    (9, Rules(2, 4, 3), 0.6),  # p = 3
]


def _reference(households, rules):
    prob = build_problem("G1", households, rules)
    return prob, bruteforce.optimum(prob.dist, prob.cand, prob.p, prob.lo, prob.hi)


@pytest.mark.parametrize(("n", "rules", "rate"), CASES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_plan_is_optimal_on_tiny_groups(n, rules, rate, seed):
    households = scatter(n, seed, candidate_rate=rate)
    prob, (chiefless, best) = _reference(households, rules)
    result = plan(households, rules)
    assert sum(h.chief_household_id is None for h in result.neighborhoods) == chiefless
    assert result.total_distance_m == pytest.approx(best, rel=1e-9, abs=1e-6)
    assert result.gap == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(("n", "rules", "rate"), CASES)
def test_mip_matches_enumeration(n, rules, rate):
    households = scatter(n, 7, candidate_rate=rate)
    prob, (_, best) = _reference(households, rules)
    result = solve_exact(prob, prob.k, None, time_limit=20)
    assert result.proven
    sol = finalize(prob, result.solution)
    assert solution_cost(prob, sol) == pytest.approx(best, rel=1e-9, abs=1e-6)
    assert result.lower_bound == pytest.approx(best, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize(("n", "rules", "rate"), CASES)
def test_lagrangian_bound_is_a_bound(n, rules, rate):
    households = scatter(n, 11, candidate_rate=rate)
    prob, (_, best) = _reference(households, rules)
    bound = lagrangian_bound(prob, prob.k, upper=best * 2 + 1).value
    assert 0.0 < bound <= best + 1e-6


def test_bound_is_tight_on_a_larger_group():
    # Not enumerable; the MIP proves the optimum and the bound must sit below.
    households = scatter(40, 5, candidate_rate=0.25)
    prob = build_problem("G1", households, Rules())
    out = solve_group(prob, Options(exact="always"))
    assert out.exact
    optimum = solution_cost(prob, out.solution)
    bound = lagrangian_bound(prob, prob.k, upper=optimum).value
    assert bound <= optimum + 1e-6
    assert bound >= 0.8 * optimum  # LP bounds of p-median are strong


def test_enumeration_helper_counts_partitions():
    # Stirling number S(6, 2) = 31 partitions of 6 items into 2 blocks.
    assert sum(1 for _ in bruteforce.partitions(6, 2, 1, 6)) == 31
    assert sum(1 for _ in bruteforce.partitions(6, 2, 3, 3)) == 10


def test_solution_cost_counts_each_household_once():
    households = scatter(6, 3)
    prob = build_problem("G1", households, Rules())
    sol = Solution(np.zeros(6, dtype=np.int64), np.array([2]))
    assert solution_cost(prob, sol) == pytest.approx(prob.dist[:, 2].sum())
