import math

import pytest

from sanzhang.partition import (
    PlanError,
    Rules,
    group_sizing,
    neighborhood_count,
    round_half_up,
)


def test_twenty_households_make_three_neighbourhoods():
    # Python's round(2.5) is 2; the rule rounds halves up.
    assert round(20 / 8) == 2
    assert neighborhood_count(20, Rules()) == 3


@pytest.mark.parametrize(
    ("n", "p"),
    [
        (1, 1),
        (4, 1),
        (5, 1),
        (11, 1),
        (12, 2),
        (15, 2),
        (16, 2),
        (19, 2),
        (28, 4),
        (36, 5),
    ],
)
def test_formula_examples(n, p):
    assert neighborhood_count(n, Rules()) == p


def test_round_half_up_matches_definition():
    for num in range(0, 200):
        for den in range(1, 13):
            assert round_half_up(num, den) == math.floor(num / den + 0.5)


@pytest.mark.parametrize(
    "rules", [Rules(), Rules(3, 6, 4), Rules(2, 3, 2), Rules(8, 12, 10)]
)
def test_every_group_size_is_feasible(rules):
    for n in range(1, 400):
        s = group_sizing(n, rules)
        assert s.neighborhoods * s.min_size <= n <= s.neighborhoods * s.max_size
        if n < rules.min_size:
            assert (s.neighborhoods, s.min_size, s.max_size) == (1, n, n)
        elif not s.relaxed:
            expected = min(
                max(round_half_up(n, rules.target), -(-n // rules.max_size)),
                n // rules.min_size,
            )
            assert s.neighborhoods == expected
            assert (s.min_size, s.max_size) == (rules.min_size, rules.max_size)


def test_impossible_bounds_keep_max_and_relax_min():
    # 5..6 cannot hold 13 households: 2 x 6 < 13 < 3 x 5.
    s = group_sizing(13, Rules(5, 6, 5))
    assert s.relaxed
    assert s.neighborhoods == 3
    assert s.max_size == 6
    assert s.min_size == 4


def test_default_rules_never_need_relaxing():
    assert not any(group_sizing(n, Rules()).relaxed for n in range(1, 2000))


@pytest.mark.parametrize(("lo", "hi", "target"), [(6, 5, 5), (0, 5, 3), (3, 5, 0)])
def test_bad_rules_rejected(lo, hi, target):
    with pytest.raises(PlanError):
        Rules(lo, hi, target)
