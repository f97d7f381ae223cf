"""Hard rules and the candidate floor on arbitrary inputs (hypothesis)."""

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanzhang.partition import HouseholdPoint, Rules, check_plan, chiefless_excess, plan

from .helpers import LAT0, LON0


@st.composite
def villages(draw):
    lo = draw(st.integers(1, 6))
    hi = draw(st.integers(max(lo, 2), 16))
    rules = Rules(lo, hi, draw(st.integers(1, 12)))
    households = []
    for g in range(draw(st.integers(1, 3))):
        n = draw(st.integers(1, 30))
        # Clustered offsets with duplicates: stacked points are the awkward case.
        base = draw(st.lists(st.integers(-400, 400), min_size=2, max_size=2))
        for i in range(n):
            dx = draw(st.sampled_from([0, 0, 3, 25, 140, 600]))
            dy = draw(st.sampled_from([0, 7, 60, 300]))
            households.append(
                HouseholdPoint(
                    id=f"g{g}h{i}",
                    group_id=f"g{g}",
                    lon=LON0 + (base[0] + dx) / 97_000.0,
                    lat=LAT0 + (base[1] + dy) / 111_000.0,
                    is_candidate=draw(st.booleans()),
                )
            )
    return households, rules


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(villages())
def test_hard_rules_hold_for_any_input(case):
    households, rules = case
    result = plan(households, rules)
    assert check_plan(result, households, rules) == []
    assert chiefless_excess(result, households) == 0
    assert result.lower_bound_m <= result.total_distance_m + 1e-6
    assert len(result.assignment()) == len(households)


def test_candidate_floor_is_reached_with_few_candidates():
    from .helpers import scatter

    households = scatter(60, seed=3, candidate_rate=0.0)
    # Make exactly three candidates; 60 households give p = 8 neighbourhoods.
    households = [
        HouseholdPoint(h.id, h.group_id, h.lon, h.lat, i in (0, 10, 20))
        for i, h in enumerate(households)
    ]
    result = plan(households)
    chiefs = [n.chief_household_id for n in result.neighborhoods]
    assert len(chiefs) == 8
    assert sorted(c for c in chiefs if c) == sorted(
        households[i].id for i in (0, 10, 20)
    )
    assert chiefs.count(None) == 5  # the floor, max(0, p - candidates)
    assert check_plan(result, households, Rules()) == []


def test_tiny_group_is_one_neighbourhood():
    from .helpers import scatter

    households = scatter(3, seed=1, group="tiny", candidate_rate=1.0)
    result = plan(households)
    assert len(result.neighborhoods) == 1
    hood = result.neighborhoods[0]
    assert len(hood.household_ids) == 3
    assert hood.id == "tiny-01"
    assert hood.chief_household_id is not None


def test_neighbourhoods_never_span_groups():
    from .helpers import scatter

    households = scatter(30, seed=2, group="A") + scatter(30, seed=2, group="B")
    result = plan(households)
    assert check_plan(result, households, Rules()) == []
    groups = Counter(n.group_id for n in result.neighborhoods)
    assert groups == {"A": 4, "B": 4}
    assert all(n.id.startswith(n.group_id + "-") for n in result.neighborhoods)


def test_worker_processes_give_the_same_plan():
    from .helpers import scatter

    households = (
        scatter(40, 1, group="A") + scatter(25, 2, group="B") + scatter(3, 3, group="C")
    )
    serial = plan(households)
    parallel = plan(households, workers=2)
    assert parallel.assignment() == serial.assignment()
    assert parallel.total_distance_m == serial.total_distance_m
