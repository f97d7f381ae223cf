"""Area planning (划片): a village's groups split among its k area chiefs.

Whole groups only. A small p-median MIP (HiGHS) with each area anchored at
one of its groups: minimise the household-weighted distance from each
group's centroid to its area's anchor, subject to every area's household
count lying within +-cap of the village average:

    (avg - cap) y_j <= sum_g w_g x_gj <= (avg + cap) y_j

Linking the bounds to y_j keeps the LP relaxation tight (no big-M), so the
MIP solves in well under a second for a village. cap starts at
``tolerance`` x average; when whole groups cannot be balanced that well (one
very large group, say) it is widened step by step until a plan exists, so
the result is as balanced as the groups allow and otherwise compact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import highspy
import numpy as np

from .geo import pairwise_m
from .model import HouseholdPoint, PlanError


@dataclass(frozen=True)
class GroupSite:
    """A villager group as area planning sees it."""

    id: str
    households: int
    lon: float
    lat: float


@dataclass(frozen=True)
class Area:
    id: str
    group_ids: tuple[str, ...]
    households: int
    anchor_group_id: str


@dataclass(frozen=True)
class AreaPlan:
    areas: tuple[Area, ...]
    max_deviation: float  # households, largest |area load - average|
    weighted_distance_m: float  # sum over groups of households x distance to anchor


def group_sites(households: Iterable[HouseholdPoint]) -> list[GroupSite]:
    """Household count and centroid of each group, in first-seen order."""
    acc: dict[str, list[float]] = {}
    for h in households:
        a = acc.setdefault(h.group_id, [0.0, 0.0, 0.0])
        a[0] += 1
        a[1] += h.lon
        a[2] += h.lat
    return [GroupSite(g, int(a[0]), a[1] / a[0], a[2] / a[0]) for g, a in acc.items()]


def plan_areas(
    groups: Sequence[GroupSite],
    k: int,
    tolerance: float = 0.1,
    time_limit: float = 10.0,
) -> AreaPlan:
    """Split groups into k areas, balanced in households and compact."""
    m = len(groups)
    if k < 1:
        raise PlanError("片数必须至少为 1 (k must be at least 1)")
    if k > m:
        raise PlanError(f"片数 {k} 多于组数 {m} (k={k} is more than the {m} groups)")
    if len({g.id for g in groups}) != m:
        raise PlanError("组编号重复 (duplicate group id)")
    weight = np.array([g.households for g in groups], dtype=float)
    lon = np.array([g.lon for g in groups])
    lat = np.array([g.lat for g in groups])
    cost = weight[:, None] * pairwise_m(lon, lat, lon, lat)  # group -> anchor
    average = weight.sum() / k
    # Start at the tolerance, but never below what the largest group forces.
    cap = max(tolerance * average, weight.max() - average, 0.5)
    while True:
        anchor_of = _solve(cost, weight, k, average, cap, time_limit)
        if anchor_of is not None:
            return _areas(groups, anchor_of, weight, cost, average)
        cap *= 1.5


def _solve(
    cost: np.ndarray,
    weight: np.ndarray,
    k: int,
    average: float,
    cap: float,
    time_limit: float,
) -> np.ndarray | None:
    """Anchor index of each group, or None when no plan meets the cap."""
    m = len(weight)
    rows: list[tuple[list[int], list[float], float, float]] = []
    inf = highspy.kHighsInf

    def col(g: int, j: int) -> int:  # x[g, j]: group g in the area anchored at j
        return g * m + j

    for g in range(m):
        rows.append(([col(g, j) for j in range(m)], [1.0] * m, 1.0, 1.0))
        for j in range(m):
            if g != j:  # y_j = x[j, j]
                rows.append(([col(g, j), col(j, j)], [1.0, -1.0], -inf, 0.0))
    rows.append(([col(j, j) for j in range(m)], [1.0] * m, k, k))
    for j in range(m):
        idx = [col(g, j) for g in range(m) if g != j]
        w = [float(weight[g]) for g in range(m) if g != j]
        low, high = average - cap, average + cap
        rows.append((idx + [col(j, j)], w + [weight[j] - high], -inf, 0.0))
        rows.append((idx + [col(j, j)], w + [weight[j] - low], 0.0, inf))
    h = _highs(time_limit)
    if h.passModel(_lp(cost.ravel(), rows)) != highspy.HighsStatus.kOk:
        raise RuntimeError("HiGHS rejected the area model")
    h.run()
    if h.getInfo().primal_solution_status != highspy.kSolutionStatusFeasible:
        return None
    x = np.asarray(h.getSolution().col_value).reshape(m, m) > 0.5
    return np.argmax(x, axis=1)


def _highs(time_limit: float) -> highspy._Highs:
    h = highspy._Highs()  # the public wrapper prints a banner on stdout
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("threads", 1)
    return h


def _lp(
    cost: np.ndarray, rows: list[tuple[list[int], list[float], float, float]]
) -> highspy.HighsLp:
    n = len(cost)
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = len(rows)
    lp.col_cost_ = cost.astype(float)
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.ones(n)
    lp.row_lower_ = np.array([r[2] for r in rows], dtype=float)
    lp.row_upper_ = np.array([r[3] for r in rows], dtype=float)
    starts = np.concatenate([[0], np.cumsum([len(r[0]) for r in rows])]).astype(
        np.int32
    )
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = np.concatenate(
        [np.asarray(r[0], dtype=np.int32) for r in rows]
    )
    lp.a_matrix_.value_ = np.concatenate([np.asarray(r[1], dtype=float) for r in rows])
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = len(rows)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    return lp


def _areas(
    groups: Sequence[GroupSite],
    anchor_of: np.ndarray,
    weight: np.ndarray,
    cost: np.ndarray,
    average: float,
) -> AreaPlan:
    anchors = sorted(
        set(anchor_of.tolist()), key=lambda j: (-groups[j].lat, groups[j].lon)
    )
    areas = []
    for number, j in enumerate(anchors, start=1):
        members = [g for g in range(len(groups)) if anchor_of[g] == j]
        areas.append(
            Area(
                id=f"A{number}",
                group_ids=tuple(groups[g].id for g in members),
                households=int(weight[members].sum()),
                anchor_group_id=groups[j].id,
            )
        )
    deviation = max(abs(a.households - average) for a in areas)
    distance = float(sum(cost[g, anchor_of[g]] for g in range(len(groups))))
    return AreaPlan(tuple(areas), float(deviation), distance)
