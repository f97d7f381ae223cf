"""Speed-ups that must not change results, against the straightforward code."""

import numpy as np
import pytest

from sanzhang.partition import Rules
from sanzhang.partition.bounds import _Relaxation
from sanzhang.partition.problem import build_problem
from sanzhang.partition.search import local_search, seed_centers, swap_search

from .helpers import scatter


def _plain_evaluate(rel: _Relaxation, lam: np.ndarray):
    """Lagrangian value and subgradient as first written: argsort every row."""
    n = rel.prob.n
    reduced = rel.dist - lam[rel.cols]
    part = np.argsort(reduced, axis=1)[:, : rel.take]
    vals = np.take_along_axis(reduced, part, axis=1)
    chosen = rel.must | (vals < 0.0)
    rho = np.where(chosen, vals, 0.0).sum(axis=1) - lam[rel.centers]
    opened = rel._open(rho)
    members = rel.cols[opened[:, None], part[opened]][chosen[opened]]
    count = np.bincount(rel.centers[opened], minlength=n) + np.bincount(
        members, minlength=n
    )
    return float(lam.sum() + rho[opened].sum()), 1.0 - count


@pytest.mark.parametrize(
    ("n", "width"), [(30, 48), (90, 48), (90, None), (140, 20), (220, 80)]
)
def test_relaxation_matches_plain_sorting(n, width):
    # Sorting only values for every row and indices only for the opened ones
    # gives the same value and subgradient (random points: no ties).
    prob = build_problem("G1", scatter(n, seed=n), Rules())
    rel = _Relaxation(prob, prob.k, width)
    rng = np.random.default_rng(0)
    for _ in range(5):
        lam = rng.uniform(0.0, 200.0, n)
        value, grad = rel.evaluate(lam)
        plain_value, plain_grad = _plain_evaluate(rel, lam)
        assert value == pytest.approx(plain_value, rel=1e-12, abs=1e-9)
        assert np.array_equal(grad, plain_grad)


@pytest.mark.parametrize("seed", range(3))
def test_distinct_sites_shortcut_changes_nothing(seed):
    # Villager groups have one household per point; skipping the de-duplication
    # of centre options there gives the same search as doing it.
    prob = build_problem("G1", scatter(70, seed=seed), Rules())
    assert prob.distinct_sites
    fast = swap_search(prob, local_search(prob, seed_centers(prob)))
    prob.distinct_sites = False
    slow = swap_search(prob, local_search(prob, seed_centers(prob)))
    assert np.array_equal(fast.centers, slow.centers)
    assert np.array_equal(fast.assign, slow.assign)
