import itertools

import numpy as np
import pytest

from sanzhang.partition import GroupSite, PlanError, group_sites, plan_areas
from sanzhang.partition.generator import township
from sanzhang.partition.geo import pairwise_m


def _sites(seed: int, m: int) -> list[GroupSite]:
    rng = np.random.default_rng(seed)
    return [
        GroupSite(
            f"G{i}",
            int(rng.integers(8, 60)),
            112.17 + rng.normal(0, 0.01),
            29.41 + rng.normal(0, 0.01),
        )
        for i in range(m)
    ]


def _loads(sites, result):
    by_id = {s.id: s.households for s in sites}
    return [sum(by_id[g] for g in a.group_ids) for a in result.areas]


@pytest.mark.parametrize(
    ("seed", "m", "k"), [(0, 8, 2), (1, 8, 3), (2, 9, 3), (3, 7, 4)]
)
def test_areas_are_balanced_and_whole(seed, m, k):
    sites = _sites(seed, m)
    result = plan_areas(sites, k, tolerance=0.1)
    assert len(result.areas) == k
    assert sorted(g for a in result.areas for g in a.group_ids) == sorted(
        s.id for s in sites
    )
    loads = _loads(sites, result)
    assert sum(loads) == sum(s.households for s in sites)
    # Best achievable balance, by enumerating every assignment of groups to areas.
    w = np.array([s.households for s in sites])
    avg = w.sum() / k
    best = min(
        np.abs(np.bincount(labels, weights=w, minlength=k) - avg).max()
        for labels in itertools.product(range(k), repeat=m)
        if len(set(labels)) == k
    )
    allowed = max(0.1 * avg, w.max() - avg, best) * 1.5
    assert result.max_deviation == pytest.approx(max(abs(x - avg) for x in loads))
    assert result.max_deviation <= allowed + 1e-9


def test_loose_tolerance_gives_the_most_compact_split():
    sites = _sites(7, 7)
    result = plan_areas(sites, 2, tolerance=100.0)
    w = np.array([s.households for s in sites], dtype=float)
    lon = np.array([s.lon for s in sites])
    lat = np.array([s.lat for s in sites])
    cost = w[:, None] * pairwise_m(lon, lat, lon, lat)
    best = min(
        cost[:, list(pair)].min(axis=1).sum()
        for pair in itertools.combinations(range(7), 2)
    )
    assert result.weighted_distance_m == pytest.approx(best, rel=1e-9)


def test_group_sites_from_households():
    households, villages = township(seed=4, households=300, groups=20)
    village = villages[0]
    sites = [s for s in group_sites(households) if s.id in village.group_ids]
    assert sum(s.households for s in sites) == sum(
        h.group_id in village.group_ids for h in households
    )
    result = plan_areas(sites, 2)
    assert {a.id for a in result.areas} == {"A1", "A2"}


def test_bad_k():
    sites = _sites(0, 3)
    with pytest.raises(PlanError):
        plan_areas(sites, 4)
    with pytest.raises(PlanError):
        plan_areas(sites, 0)
