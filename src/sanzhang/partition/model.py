"""Immutable value types shared by the optimiser, the CLI and callers.

Everything here is plain data: no Django, no numpy in the public fields, so a
plan can be logged, compared, pickled to a worker process or serialised
without surprises.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


class PlanError(ValueError):
    """The input cannot be planned (bad rules, contradictory locks, ...).

    The message is bilingual because it is shown to township staff as is.
    """


@dataclass(frozen=True)
class HouseholdPoint:
    """One household as the optimiser sees it.

    ``locked_neighborhood`` is a label: households sharing it end up in the same
    neighbourhood (which keeps the label as its id), households with different
    labels in different ones. ``must_be_chief`` pins the household as its
    neighbourhood's chief; it must then also be a candidate, because the chief
    is always a volunteer.
    """

    id: str
    group_id: str
    lon: float
    lat: float
    is_candidate: bool = False
    locked_neighborhood: str | None = None
    must_be_chief: bool = False

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lon) and -180.0 <= self.lon <= 180.0):
            raise PlanError(f"住户 {self.id}: 经度超出范围 (household {self.id}: lon)")
        if not (math.isfinite(self.lat) and -90.0 <= self.lat <= 90.0):
            raise PlanError(f"住户 {self.id}: 纬度超出范围 (household {self.id}: lat)")
        if self.must_be_chief and not self.is_candidate:
            raise PlanError(
                f"住户 {self.id}: 指定为邻长但不是候选人 "
                f"(household {self.id}: must_be_chief requires is_candidate)"
            )


@dataclass(frozen=True)
class Rules:
    """Size rules for neighbourhoods (邻): between min and max households."""

    min_size: int = 5
    max_size: int = 15
    target: int = 8

    def __post_init__(self) -> None:
        if self.min_size < 1:
            raise PlanError("最小户数必须至少为 1 (min must be at least 1)")
        if self.min_size > self.max_size:
            raise PlanError(
                f"最小户数 {self.min_size} 大于最大户数 {self.max_size} "
                f"(min {self.min_size} > max {self.max_size})"
            )
        if self.target < 1:
            raise PlanError("目标户数必须至少为 1 (target must be at least 1)")


@dataclass(frozen=True)
class NeighborhoodPlan:
    """One neighbourhood: its households, its chief and its centre.

    ``center_household_id`` is the household distances are measured to: the
    chief where there is one, else the medoid (the household minimising the
    sum of distances), which is where a future chief would best live.
    """

    id: str
    group_id: str
    household_ids: tuple[str, ...]
    chief_household_id: str | None
    center_household_id: str
    distance_m: float


@dataclass(frozen=True)
class GroupReport:
    """How one villager group was solved and how good the answer is.

    ``lower_bound_m`` is a proven lower bound on the total distance of any
    plan for the group that obeys the size rules and has the same number of
    candidate-chief neighbourhoods; ``exact`` means the plan is proven optimal.
    ``min_size``/``max_size`` are the bounds actually enforced, which differ
    from the rules only for groups that cannot meet them (see ``sizing``).
    """

    group_id: str
    households: int
    neighborhoods: int
    min_size: int
    max_size: int
    candidates: int
    chiefless: int
    chiefless_floor: int
    distance_m: float
    lower_bound_m: float
    exact: bool
    method: str


@dataclass(frozen=True)
class Plan:
    """A complete partition of households into neighbourhoods."""

    neighborhoods: tuple[NeighborhoodPlan, ...]
    total_distance_m: float
    lower_bound_m: float
    households_moved: int
    rules: Rules
    groups: tuple[GroupReport, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def gap(self) -> float:
        """Relative gap (upper - lower) / lower; 0.0 when proven optimal."""
        return relative_gap(self.total_distance_m, self.lower_bound_m)

    def assignment(self) -> dict[str, str]:
        """Household id -> neighbourhood id."""
        return {
            hid: hood.id for hood in self.neighborhoods for hid in hood.household_ids
        }

    def chief_of(self) -> dict[str, str | None]:
        """Neighbourhood id -> chief household id (None when chiefless)."""
        return {hood.id: hood.chief_household_id for hood in self.neighborhoods}


def relative_gap(upper: float, lower: float) -> float:
    """(upper - lower) / lower, guarding the all-zero case."""
    if upper <= lower + 1e-9 * max(1.0, abs(upper)):
        return 0.0
    if lower <= 0.0:
        return math.inf
    return (upper - lower) / lower
