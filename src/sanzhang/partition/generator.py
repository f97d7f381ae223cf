"""Synthetic but realistic household layouts around Anxiang county (安乡县).

Anxiang lies on the Dongting lake plain (about 112.17 E, 29.41 N): farm
houses line embankments (堤), roads and canals in long strips, with some small
hamlets (院落) and a few scattered houses; the county town has residents'
groups of a few hundred households living in apartment blocks, where dozens of
households share one entrance coordinate. The generator reproduces those
shapes, plus the awkward cases the optimiser must survive: tiny groups, groups
with no or very few willing candidates, and stacked identical coordinates.

Everything is deterministic for a given seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .model import HouseholdPoint

ANXIANG_LON = 112.17
ANXIANG_LAT = 29.41
METRES_PER_DEG_LAT = 111_195.0


@dataclass(frozen=True)
class Village:
    id: str
    group_ids: tuple[str, ...]


def to_lonlat(
    x: np.ndarray, y: np.ndarray, lon0: float, lat0: float
) -> tuple[np.ndarray, np.ndarray]:
    """Metres east/north of (lon0, lat0) to degrees (fine at village scale)."""
    lat = lat0 + y / METRES_PER_DEG_LAT
    lon = lon0 + x / (METRES_PER_DEG_LAT * math.cos(math.radians(lat0)))
    return lon, lat


def _candidate_rate(rng: np.random.Generator) -> float:
    # Many groups have a healthy pool of volunteers, some have very few.
    return float(
        rng.choice([0.0, 0.04, 0.1, 0.2, 0.3, 0.5], p=[0.05, 0.1, 0.2, 0.3, 0.25, 0.1])
    )


def _strip(rng: np.random.Generator, count: int) -> np.ndarray:
    """Houses along a bent embankment or road, on one or both sides."""
    spacing = rng.uniform(18.0, 55.0)
    length = max(count * spacing / rng.choice([1.0, 2.0]), 1.0)
    corners = rng.integers(1, 4)
    heading = rng.uniform(0, 2 * math.pi)
    pts = [np.zeros(2)]
    for _ in range(corners):
        heading += rng.normal(0.0, 0.5)
        step = length / corners
        pts.append(pts[-1] + step * np.array([math.cos(heading), math.sin(heading)]))
    path = np.array(pts)
    seg_len = np.linalg.norm(np.diff(path, axis=0), axis=1)
    along = np.sort(rng.uniform(0.0, seg_len.sum(), count))
    seg = np.minimum(np.searchsorted(np.cumsum(seg_len), along), len(seg_len) - 1)
    start_at = np.concatenate([[0.0], np.cumsum(seg_len)])[seg]
    direction = np.diff(path, axis=0)[seg] / seg_len[seg, None]
    base = path[seg] + direction * (along - start_at)[:, None]
    normal = np.column_stack([-direction[:, 1], direction[:, 0]])
    side = rng.choice([-1.0, 1.0], count) * rng.uniform(8.0, 35.0, count)
    return base + normal * side[:, None]


def _hamlet(rng: np.random.Generator, count: int) -> np.ndarray:
    radius = rng.uniform(30.0, 110.0)
    angle = rng.uniform(0, 2 * math.pi, count)
    r = radius * np.sqrt(rng.uniform(0, 1, count))
    return np.column_stack([r * np.cos(angle), r * np.sin(angle)])


def rural_layout(rng: np.random.Generator, n: int) -> np.ndarray:
    """Metre offsets for a villager group of n households."""
    if n <= 0:
        return np.zeros((0, 2))
    parts: list[np.ndarray] = []
    left = n
    scattered = min(int(rng.binomial(n, 0.06)), n - 1)
    left -= scattered
    while left > 0:
        size = min(left, int(rng.integers(4, 40)))
        shape = _strip(rng, size) if rng.random() < 0.65 else _hamlet(rng, size)
        offset = rng.normal(0.0, 180.0 + 12.0 * math.sqrt(n), 2)
        parts.append(shape + offset)
        left -= size
    pts = np.vstack(parts)
    if scattered:
        lo, hi = pts.min(axis=0) - 150.0, pts.max(axis=0) + 150.0
        pts = np.vstack([pts, rng.uniform(lo, hi, (scattered, 2))])
    return pts[rng.permutation(n)]


def urban_layout(rng: np.random.Generator, n: int) -> np.ndarray:
    """A few street blocks of the county town.

    Most households live in 3-5 storey self-built houses along the streets
    (one or two households per house); the rest in apartment slabs whose
    households are geocoded to their stairwell, so several share a point.
    """
    pitch = rng.uniform(90.0, 150.0)
    cols = max(2, int(math.sqrt(n / 60)) + 1)
    pts: list[np.ndarray] = []
    left = n
    block = 0
    while left > 0:
        corner = np.array([(block % cols) * pitch, (block // cols) * pitch])
        if rng.random() < 0.6:
            size = min(left, int(rng.integers(20, 70)))
            pts.append(corner + _street_front(rng, size, pitch))
        else:
            size = min(left, int(rng.integers(20, 90)))
            pts.append(corner + _slabs(rng, size, pitch))
        left -= size
        block += 1
    return np.vstack(pts)[rng.permutation(n)]


def _street_front(rng: np.random.Generator, count: int, pitch: float) -> np.ndarray:
    houses = max(1, int(count / rng.uniform(1.2, 1.8)))
    t = rng.uniform(0.0, 4 * pitch, houses)  # position along the block's edge
    side = (t // pitch).astype(int)
    u = t % pitch
    corners = np.array([[0, 0], [pitch, 0], [pitch, pitch], [0, pitch]], dtype=float)
    dirs = np.array([[1, 0], [0, 1], [-1, 0], [0, -1]], dtype=float)
    inward = np.array([[0, 1], [-1, 0], [0, -1], [1, 0]], dtype=float)
    xy = corners[side] + dirs[side] * u[:, None] + inward[side] * 8.0
    return xy[rng.integers(0, houses, count)]  # some houses hold two households


def _slabs(rng: np.random.Generator, count: int, pitch: float) -> np.ndarray:
    wells = max(1, count // int(rng.integers(6, 19)))
    x = rng.uniform(10.0, pitch - 10.0, wells)
    y = rng.choice(np.linspace(15.0, pitch - 15.0, 3), wells)
    stair = np.column_stack([x, y])
    return stair[rng.integers(0, wells, count)]


def make_group(
    rng: np.random.Generator,
    group_id: str,
    n: int,
    lon0: float,
    lat0: float,
    urban: bool = False,
) -> list[HouseholdPoint]:
    xy = urban_layout(rng, n) if urban else rural_layout(rng, n)
    lon, lat = to_lonlat(xy[:, 0], xy[:, 1], lon0, lat0)
    rate = _candidate_rate(rng) * (0.5 if urban else 1.0)
    cand = rng.random(n) < rate
    return [
        HouseholdPoint(
            id=f"{group_id}-H{i + 1:03d}",
            group_id=group_id,
            lon=round(float(lon[i]), 7),
            lat=round(float(lat[i]), 7),
            is_candidate=bool(cand[i]),
        )
        for i in range(n)
    ]


def rural_group_sizes(
    rng: np.random.Generator, groups: int, households: int
) -> list[int]:
    """Group sizes with the right total: mostly 8-40, some tiny, a few large."""
    mean = households / groups
    sizes = np.maximum(1, np.round(rng.gamma(2.2, mean / 2.2, groups))).astype(int)
    tiny = rng.random(groups) < 0.04
    sizes[tiny] = rng.integers(1, 5, int(tiny.sum()))
    while sizes.sum() != households:
        i = int(rng.integers(groups))
        if sizes.sum() > households and sizes[i] > 5:
            sizes[i] -= 1
        elif sizes.sum() < households and not tiny[i]:
            sizes[i] += 1
    return sizes.tolist()


def township(
    seed: int = 0,
    households: int = 4555,
    groups: int = 252,
    prefix: str = "T01",
    lon0: float = ANXIANG_LON,
    lat0: float = ANXIANG_LAT,
) -> tuple[list[HouseholdPoint], list[Village]]:
    """A rural township: villages of 8-20 villager groups."""
    rng = np.random.default_rng(seed)
    sizes = rural_group_sizes(rng, groups, households)
    points: list[HouseholdPoint] = []
    villages: list[Village] = []
    g = 0
    v = 0
    while g < groups:
        v += 1
        count = min(groups - g, int(rng.integers(8, 21)))
        vx, vy = rng.uniform(-6000, 6000, 2)
        ids = []
        for j in range(count):
            gid = f"{prefix}-V{v:02d}-G{j + 1:02d}"
            gx, gy = vx + rng.normal(0, 700), vy + rng.normal(0, 700)
            glon, glat = to_lonlat(np.array([gx]), np.array([gy]), lon0, lat0)
            points.extend(
                make_group(rng, gid, sizes[g], float(glon[0]), float(glat[0]))
            )
            ids.append(gid)
            g += 1
        villages.append(Village(f"{prefix}-V{v:02d}", tuple(ids)))
    return points, villages


def urban_district(
    seed: int = 0,
    groups: int = 10,
    prefix: str = "U01",
    lon0: float = ANXIANG_LON,
    lat0: float = ANXIANG_LAT,
    size_range: tuple[int, int] = (200, 400),
) -> list[HouseholdPoint]:
    """Residents' groups of a town seat, 200-400 households each."""
    rng = np.random.default_rng(seed)
    points: list[HouseholdPoint] = []
    for j in range(groups):
        n = int(rng.integers(size_range[0], size_range[1] + 1))
        gx, gy = rng.uniform(-1500, 1500, 2)
        glon, glat = to_lonlat(np.array([gx]), np.array([gy]), lon0, lat0)
        gid = f"{prefix}-G{j + 1:02d}"
        points.extend(
            make_group(rng, gid, n, float(glon[0]), float(glat[0]), urban=True)
        )
    return points


def county(
    seed: int = 0, townships: int = 35, urban_groups: int = 130
) -> list[HouseholdPoint]:
    """About 200k households: rural townships plus the county town."""
    rng = np.random.default_rng(seed)
    points: list[HouseholdPoint] = []
    for t in range(townships):
        lon0 = ANXIANG_LON + rng.uniform(-0.18, 0.18)
        lat0 = ANXIANG_LAT + rng.uniform(-0.15, 0.15)
        hh = int(rng.integers(4000, 5200))
        pts, _ = township(
            int(rng.integers(2**31)), hh, round(hh / 18), f"T{t + 1:02d}", lon0, lat0
        )
        points.extend(pts)
    points.extend(urban_district(int(rng.integers(2**31)), urban_groups, "U01"))
    return points
