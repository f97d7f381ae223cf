"""The per-group optimisation problem in array form.

Neighbourhoods are *slots* 0..p-1. Locks are turned into slots up front:
every lock label gets its own slot, and so does every ``must_be_chief``
household without a label. Locked households never leave their slot, which
keeps the search simple (a lock is just a fixed entry) and keeps locked
neighbourhoods' ids stable.

Rule 2 (fewest chiefless neighbourhoods) is handled as a count: the optimum
has exactly ``k`` candidate chiefs, where k is the number of "candidate units"
(slots holding a locked candidate, plus unlocked candidates) capped at p.
Every search move keeps that count, and a neighbourhood whose centre is not a
candidate may not contain one (otherwise that candidate should be its chief).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .geo import distance_matrix
from .model import HouseholdPoint, PlanError, Rules
from .sizing import group_sizing

# A group this large would need a multi-gigabyte distance matrix; no real
# villager or residents' group comes near it.
MAX_GROUP_SIZE = 6000


@dataclass
class GroupProblem:
    group_id: str
    ids: list[str]
    lon: np.ndarray  # (n,) degrees
    lat: np.ndarray  # (n,) degrees
    dist: np.ndarray  # (n, n) metres
    cand: np.ndarray  # (n,) bool
    p: int
    lo: int
    hi: int
    k: int  # candidate chiefs required
    slot_of: np.ndarray  # (n,) locked slot or -1
    forced_center: np.ndarray  # (p,) household pinned as chief or -1
    slot_labels: list[str | None]  # lock label per slot
    # (n, p) extra cost of putting a household in a slot; replan uses it to
    # make moving a household dearer than any distance saving. Zero otherwise.
    penalty: np.ndarray
    relaxed: bool = False
    # Households at the same point and of the same kind are interchangeable
    # as centres (apartment stairwells geocode to one point); ``site`` lets
    # the search try each such point once. Locked households keep their own.
    site: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # Every household its own site (no two share a point and kind): the
    # search then skips de-duplicating centre options. True for nearly all
    # villager groups, so that saves thousands of small sorts per county.
    distinct_sites: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        if len(self.site) != len(self.ids):
            self.site = centre_sites(self.lon, self.lat, self.cand, self.slot_of)
        self.distinct_sites = bool(np.array_equal(self.site, np.arange(len(self.ids))))

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def has_penalty(self) -> bool:
        return bool(self.penalty.any())


def build_problem(
    group_id: str,
    households: Sequence[HouseholdPoint],
    rules: Rules,
    slot_names: Sequence[str] = (),
) -> GroupProblem:
    """Array form of one group.

    ``slot_names`` (used by replan) names the first slots after existing
    neighbourhoods, so a lock on an existing neighbourhood id lands there.
    """
    n = len(households)
    if n > MAX_GROUP_SIZE:
        raise PlanError(
            f"组 {group_id} 有 {n} 户, 超过上限 {MAX_GROUP_SIZE} "
            f"(group {group_id} has {n} households, limit {MAX_GROUP_SIZE})"
        )
    sizing = group_sizing(n, rules)
    lon = np.array([h.lon for h in households], dtype=float)
    lat = np.array([h.lat for h in households], dtype=float)
    cand = np.array([h.is_candidate for h in households], dtype=bool)
    slot_of, forced, labels = _lock_slots(
        group_id, households, sizing.neighborhoods, list(slot_names)
    )
    _check_lock_sizes(
        group_id, slot_of, sizing.neighborhoods, sizing.min_size, sizing.max_size
    )
    problem = GroupProblem(
        group_id=group_id,
        ids=[h.id for h in households],
        lon=lon,
        lat=lat,
        dist=distance_matrix(lon, lat),
        cand=cand,
        p=sizing.neighborhoods,
        lo=sizing.min_size,
        hi=sizing.max_size,
        k=0,
        slot_of=slot_of,
        forced_center=forced,
        slot_labels=labels,
        penalty=np.zeros((n, sizing.neighborhoods)),
        relaxed=sizing.relaxed,
    )
    problem.k = candidate_units(problem)
    return problem


def centre_sites(
    lon: np.ndarray, lat: np.ndarray, cand: np.ndarray, slot_of: np.ndarray
) -> np.ndarray:
    """Index of the first household equivalent to each one as a centre."""
    n = len(lon)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    key = np.column_stack(
        [lon, lat, cand.astype(float), np.where(slot_of >= 0, np.arange(n), -1)]
    )
    _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    return first[inverse.ravel()].astype(np.int64)


def candidate_units(problem: GroupProblem) -> int:
    """Most neighbourhoods that can have a candidate chief (ignoring sizes)."""
    locked_slots = {int(s) for s in problem.slot_of[problem.cand] if s >= 0}
    free_candidates = int(np.count_nonzero(problem.cand & (problem.slot_of < 0)))
    return min(problem.p, len(locked_slots) + free_candidates)


def _lock_slots(
    group_id: str, households: Sequence[HouseholdPoint], p: int, names: list[str]
) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
    n = len(households)
    slot_of = np.full(n, -1, dtype=np.int64)
    forced = np.full(p, -1, dtype=np.int64)
    labels: list[str | None] = [None] * p
    slot_by_label: dict[str, int] = {name: s for s, name in enumerate(names[:p])}
    used: set[int] = set()

    def new_slot(label: str | None) -> int:
        free = [s for s in range(len(names), p) if s not in used] + [
            s for s in range(min(len(names), p)) if s not in used
        ]
        if not free:
            raise PlanError(
                f"组 {group_id} 的锁定/指定邻长多于邻数 {p} "
                f"(group {group_id}: more locked neighbourhoods than the {p} allowed)"
            )
        used.add(free[0])
        labels[free[0]] = label
        return free[0]

    for i, hh in enumerate(households):
        if hh.locked_neighborhood is not None:
            label = hh.locked_neighborhood
            if label not in slot_by_label:
                slot_by_label[label] = new_slot(label)
            slot_of[i] = slot_by_label[label]
            used.add(int(slot_of[i]))
            labels[int(slot_of[i])] = label
    for i, hh in enumerate(households):
        if not hh.must_be_chief:
            continue
        slot = int(slot_of[i]) if slot_of[i] >= 0 else new_slot(None)
        if forced[slot] >= 0:
            raise PlanError(
                f"邻 {labels[slot]} 指定了两位邻长 "
                f"(neighbourhood {labels[slot]} has two households marked must_be_chief)"
            )
        slot_of[i] = slot
        forced[slot] = i
    return slot_of, forced, labels


def _check_lock_sizes(
    group_id: str, slot_of: np.ndarray, p: int, lo: int, hi: int
) -> None:
    locked = np.bincount(slot_of[slot_of >= 0], minlength=p)
    if locked.max(initial=0) > hi:
        raise PlanError(
            f"组 {group_id}: 锁定在同一邻的户数 {locked.max()} 超过最大户数 {hi} "
            f"(group {group_id}: {locked.max()} households locked together, max {hi})"
        )
    if int(np.maximum(locked, lo).sum()) > len(slot_of):
        raise PlanError(
            f"组 {group_id}: 锁定使每邻至少 {lo} 户无法满足 "
            f"(group {group_id}: locks make the minimum of {lo} per neighbourhood impossible)"
        )
