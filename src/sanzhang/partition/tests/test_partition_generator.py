from collections import Counter

from sanzhang.partition.generator import (
    ANXIANG_LAT,
    ANXIANG_LON,
    township,
    urban_district,
)


def test_township_is_deterministic_and_sized():
    a, villages = township(seed=3)
    b, _ = township(seed=3)
    assert a == b
    assert len(a) == 4555
    sizes = Counter(h.group_id for h in a)
    assert len(sizes) == 252
    assert min(sizes.values()) < 5  # tiny groups exist
    assert sum(len(v.group_ids) for v in villages) == 252
    assert township(seed=4)[0] != a


def test_points_are_around_anxiang():
    households, _ = township(seed=1)
    assert all(
        abs(h.lon - ANXIANG_LON) < 0.2 and abs(h.lat - ANXIANG_LAT) < 0.2
        for h in households
    )
    rates = Counter()
    for h in households:
        rates[h.group_id] += h.is_candidate
    assert min(rates.values()) == 0  # some groups have no volunteer at all


def test_urban_groups_are_large_and_stacked():
    households = urban_district(seed=2, groups=3)
    sizes = Counter(h.group_id for h in households)
    assert all(200 <= n <= 400 for n in sizes.values())
    points = Counter((h.lon, h.lat) for h in households)
    assert max(points.values()) >= 5  # stairwells share a coordinate
