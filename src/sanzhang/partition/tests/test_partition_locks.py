import dataclasses

import pytest

from sanzhang.partition import HouseholdPoint, PlanError, Rules, check_plan, plan

from .helpers import scatter


def _with(households, changes):
    out = list(households)
    for i, fields in changes.items():
        out[i] = dataclasses.replace(out[i], **fields)
    return out


def test_locked_households_stay_together_and_keep_the_label():
    base = scatter(40, seed=4, candidate_rate=0.3)
    # Lock two far-apart households into one neighbourhood, and two others apart.
    far = max(range(40), key=lambda i: (base[i].lon - base[0].lon) ** 2)
    households = _with(
        base,
        {
            0: {"locked_neighborhood": "G1-east"},
            far: {"locked_neighborhood": "G1-east"},
            5: {"locked_neighborhood": "G1-west"},
            6: {"locked_neighborhood": "G1-west2"},
        },
    )
    result = plan(households)
    assert check_plan(result, households, Rules()) == []
    where = result.assignment()
    assert where[households[0].id] == where[households[far].id] == "G1-east"
    assert where[households[5].id] == "G1-west"
    assert where[households[6].id] == "G1-west2"


def test_must_be_chief_is_chief_even_when_off_centre():
    base = scatter(30, seed=8, candidate_rate=0.5)
    edge = max(range(30), key=lambda i: base[i].lat)
    households = _with(base, {edge: {"is_candidate": True, "must_be_chief": True}})
    result = plan(households)
    assert check_plan(result, households, Rules()) == []
    assert households[edge].id in {h.chief_household_id for h in result.neighborhoods}


def test_locks_cost_distance_but_never_break_rules():
    base = scatter(24, seed=9)
    free = plan(base)
    locked = plan(
        _with(base, {0: {"locked_neighborhood": "x"}, 1: {"locked_neighborhood": "x"}})
    )
    assert locked.total_distance_m >= free.total_distance_m - 1e-6


def test_too_many_households_locked_together():
    households = [
        dataclasses.replace(h, locked_neighborhood="big") for h in scatter(16, seed=1)
    ]
    with pytest.raises(PlanError, match="locked together"):
        plan(households)


def test_more_locks_than_neighbourhoods():
    base = scatter(12, seed=1)  # p = 2
    households = _with(base, {i: {"locked_neighborhood": f"L{i}"} for i in range(3)})
    with pytest.raises(PlanError, match="more locked neighbourhoods"):
        plan(households)


def test_lock_across_groups_rejected():
    households = _with(
        scatter(6, 1, group="A") + scatter(6, 2, group="B"),
        {0: {"locked_neighborhood": "L"}, 6: {"locked_neighborhood": "L"}},
    )
    with pytest.raises(PlanError, match="spans groups"):
        plan(households)


def test_two_pinned_chiefs_in_one_lock():
    base = scatter(20, seed=3, candidate_rate=1.0)
    households = _with(
        base,
        {i: {"locked_neighborhood": "L", "must_be_chief": True} for i in (0, 1)},
    )
    with pytest.raises(PlanError, match="two households"):
        plan(households)


def test_pinned_chief_must_be_candidate():
    with pytest.raises(PlanError):
        HouseholdPoint("h", "g", 112.0, 29.0, is_candidate=False, must_be_chief=True)


def test_duplicate_ids_rejected():
    households = scatter(6, 1)
    with pytest.raises(PlanError, match="duplicate"):
        plan(households + [households[0]])
