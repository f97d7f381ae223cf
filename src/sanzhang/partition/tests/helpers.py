"""Small builders shared by the partition tests."""

from __future__ import annotations

import numpy as np

from sanzhang.partition import HouseholdPoint

LON0, LAT0 = 112.17, 29.41


def scatter(
    n: int,
    seed: int,
    group: str = "G1",
    spread_m: float = 300.0,
    candidate_rate: float = 0.3,
) -> list[HouseholdPoint]:
    """n households scattered within about spread_m metres of Anxiang."""
    rng = np.random.default_rng(seed)
    xy = rng.normal(0.0, spread_m / 2, (n, 2))
    lat = LAT0 + xy[:, 1] / 111_195.0
    lon = LON0 + xy[:, 0] / (111_195.0 * np.cos(np.radians(LAT0)))
    cand = rng.random(n) < candidate_rate
    return [
        HouseholdPoint(
            f"{group}-{i:03d}", group, float(lon[i]), float(lat[i]), bool(cand[i])
        )
        for i in range(n)
    ]
