import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanzhang.partition import (
    HouseholdPoint,
    Rules,
    check_plan,
    chiefless_excess,
    neighborhood_count,
    plan,
    replan,
)

from .helpers import scatter


@pytest.fixture(scope="module")
def village():
    households = scatter(70, 21, group="A", candidate_rate=0.3) + scatter(
        45, 22, group="B", candidate_rate=0.2
    )
    return households, plan(households)


def _near(h: HouseholdPoint, new_id: str, candidate: bool = False) -> HouseholdPoint:
    return HouseholdPoint(new_id, h.group_id, h.lon + 0.0001, h.lat - 0.0001, candidate)


def test_unchanged_input_changes_nothing(village):
    households, first = village
    again = replan(first, households)
    assert again.households_moved == 0
    assert again.assignment() == first.assignment()
    assert again.chief_of() == first.chief_of()


@pytest.mark.parametrize("who", [0, 17, 69, 80])
def test_one_newcomer_moves_nobody_when_p_is_unchanged(village, who):
    households, first = village
    new = _near(households[who], "NEW", candidate=True)
    n = sum(h.group_id == new.group_id for h in households)
    assert neighborhood_count(n + 1, Rules()) == neighborhood_count(n, Rules())
    updated = households + [new]
    result = replan(first, updated)
    assert check_plan(result, updated, Rules()) == []
    assert result.households_moved == 0
    before = first.assignment()
    after = result.assignment()
    assert all(after[h.id] == before[h.id] for h in households)


def test_growth_that_adds_a_neighbourhood_moves_few(village):
    households, first = village
    # 70 -> 76 households: p goes from 9 to 10, so a new neighbourhood is needed.
    extra = [_near(households[3], f"N{i}", candidate=i == 0) for i in range(6)]
    assert neighborhood_count(76, Rules()) == neighborhood_count(70, Rules()) + 1
    updated = households + extra
    result = replan(first, updated)
    assert check_plan(result, updated, Rules()) == []
    assert result.households_moved <= Rules().max_size
    kept = {h.id for h in first.neighborhoods if h.group_id == "A"}
    assert kept <= {h.id for h in result.neighborhoods}


def test_departures_keep_everyone_else(village):
    households, first = village
    rng = np.random.default_rng(5)
    gone = set(rng.choice(len(households), 8, replace=False).tolist())
    remaining = [h for i, h in enumerate(households) if i not in gone]
    result = replan(first, remaining)
    assert check_plan(result, remaining, Rules()) == []
    fresh = plan(remaining)
    # Stability costs some distance, but only a little, and few households move.
    assert result.total_distance_m >= fresh.total_distance_m - 1e-6
    assert result.households_moved <= 10


def test_group_change_counts_as_a_move(village):
    households, first = village
    moved = dataclasses.replace(households[0], group_id="B")
    updated = [moved] + households[1:]
    result = replan(first, updated)
    assert check_plan(result, updated, Rules()) == []
    assert result.households_moved >= 1
    assert result.assignment()[moved.id].startswith("B-")


def test_departed_chief_is_replaced_by_a_candidate(village):
    households, first = village
    hood = next(h for h in first.neighborhoods if h.chief_household_id)
    remaining = [h for h in households if h.id != hood.chief_household_id]
    result = replan(first, remaining)
    assert check_plan(result, remaining, Rules()) == []
    new_chief = result.chief_of().get(hood.id)
    members = {h.id for h in remaining if result.assignment()[h.id] == hood.id}
    candidates = {h.id for h in remaining if h.is_candidate and h.id in members}
    assert (new_chief is None) == (not candidates)


def test_new_group_is_planned_fresh(village):
    households, first = village
    newcomers = scatter(12, 30, group="C")
    updated = households + newcomers
    result = replan(first, updated)
    assert check_plan(result, updated, Rules()) == []
    assert result.households_moved == 0
    assert {h.id for h in result.neighborhoods if h.group_id == "C"} == {"C-01", "C-02"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 40),
    drop=st.sets(st.integers(0, 39), max_size=12),
    add=st.integers(0, 12),
    lo=st.integers(2, 6),
)
def test_replan_keeps_hard_rules_for_any_change(seed, n, drop, add, lo):
    rules = Rules(lo, max(lo * 2, 8), lo + 2)
    before = scatter(n, seed, group="A", candidate_rate=0.3)
    first = plan(before, rules)
    rng = np.random.default_rng(seed)
    after = [h for i, h in enumerate(before) if i not in drop]
    after += [
        _near(
            before[int(rng.integers(n))], f"new{i}", candidate=bool(rng.random() < 0.3)
        )
        for i in range(add)
    ]
    if not after:
        return
    result = replan(first, after, rules)
    assert check_plan(result, after, rules) == []
    assert chiefless_excess(result, after) == 0
    kept = {h.id for h in after} & set(first.assignment())
    assert result.households_moved <= len(kept)
