"""Independent checker for plans: every hard rule, recomputed from scratch.

It shares no code with the optimiser beyond the sizing formula and the
distance function, so a bug in the search cannot hide itself here. Tests and
benchmarks run it on every plan.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

import numpy as np

from .geo import pairwise_m
from .model import HouseholdPoint, Plan, Rules
from .sizing import group_sizing


def check_plan(
    plan: Plan, households: Iterable[HouseholdPoint], rules: Rules
) -> list[str]:
    """Return a list of violated hard rules (empty when the plan is valid)."""
    points = {h.id: h for h in households}
    problems: list[str] = []
    problems += _coverage(plan, points)
    if problems:
        return problems
    problems += _groups_and_sizes(plan, points, rules)
    problems += _chiefs(plan, points)
    problems += _locks(plan, points)
    problems += _distance(plan, points)
    return problems


def chiefless_excess(plan: Plan, households: Iterable[HouseholdPoint]) -> int:
    """Chiefless neighbourhoods above the floor max(0, p - candidates)."""
    cands = Counter(h.group_id for h in households if h.is_candidate)
    hoods = Counter(hood.group_id for hood in plan.neighborhoods)
    chiefless = Counter(
        hood.group_id for hood in plan.neighborhoods if hood.chief_household_id is None
    )
    return sum(max(0, chiefless[g] - max(0, hoods[g] - cands[g])) for g in hoods)


def _coverage(plan: Plan, points: dict[str, HouseholdPoint]) -> list[str]:
    seen = Counter(hid for hood in plan.neighborhoods for hid in hood.household_ids)
    out = [f"household {hid} appears {c} times" for hid, c in seen.items() if c > 1]
    out += [f"unknown household {hid}" for hid in seen if hid not in points]
    out += [f"household {hid} is not planned" for hid in points if hid not in seen]
    ids = Counter(hood.id for hood in plan.neighborhoods)
    out += [f"neighbourhood id {nid} used {c} times" for nid, c in ids.items() if c > 1]
    return out


def _groups_and_sizes(
    plan: Plan, points: dict[str, HouseholdPoint], rules: Rules
) -> list[str]:
    out = []
    per_group: dict[str, list[int]] = defaultdict(list)
    for hood in plan.neighborhoods:
        groups = {points[h].group_id for h in hood.household_ids}
        if groups != {hood.group_id}:
            out.append(f"{hood.id} spans groups {sorted(groups)}")
        per_group[hood.group_id].append(len(hood.household_ids))
    sizes_of_group = Counter(h.group_id for h in points.values())
    for gid, n in sizes_of_group.items():
        sizing = group_sizing(n, rules)
        sizes = per_group.get(gid, [])
        if len(sizes) != sizing.neighborhoods:
            out.append(
                f"group {gid}: {len(sizes)} neighbourhoods, expected {sizing.neighborhoods}"
            )
        bad = [s for s in sizes if not sizing.min_size <= s <= sizing.max_size]
        if bad:
            out.append(
                f"group {gid}: sizes {bad} outside {sizing.min_size}..{sizing.max_size}"
            )
    return out


def _chiefs(plan: Plan, points: dict[str, HouseholdPoint]) -> list[str]:
    out = []
    for hood in plan.neighborhoods:
        chief = hood.chief_household_id
        has_candidate = any(points[h].is_candidate for h in hood.household_ids)
        if chief is None:
            if has_candidate:
                out.append(f"{hood.id} has a candidate but no chief")
            continue
        if chief not in hood.household_ids:
            out.append(f"{hood.id}: chief {chief} does not live there")
        elif not points[chief].is_candidate:
            out.append(f"{hood.id}: chief {chief} is not a candidate")
        if hood.center_household_id != chief:
            out.append(f"{hood.id}: distances not measured to the chief")
    return out


def _locks(plan: Plan, points: dict[str, HouseholdPoint]) -> list[str]:
    out = []
    hood_of = plan.assignment()
    by_label: dict[str, set[str]] = defaultdict(set)
    for h in points.values():
        if h.locked_neighborhood is not None:
            by_label[h.locked_neighborhood].add(hood_of[h.id])
    hoods_used: Counter[str] = Counter()
    for label, hoods in by_label.items():
        if len(hoods) > 1:
            out.append(f"lock {label} split over {sorted(hoods)}")
        hoods_used.update(hoods)
    out += [f"two locks share {hid}" for hid, c in hoods_used.items() if c > 1]
    chiefs = {hood.chief_household_id for hood in plan.neighborhoods}
    out += [
        f"{h.id} must be chief"
        for h in points.values()
        if h.must_be_chief and h.id not in chiefs
    ]
    return out


def _distance(plan: Plan, points: dict[str, HouseholdPoint]) -> list[str]:
    total = 0.0
    out = []
    for hood in plan.neighborhoods:
        c = points[hood.center_household_id]
        lon = np.array([points[h].lon for h in hood.household_ids])
        lat = np.array([points[h].lat for h in hood.household_ids])
        d = float(pairwise_m(np.array([c.lon]), np.array([c.lat]), lon, lat).sum())
        if abs(d - hood.distance_m) > 1e-6 * max(1.0, d):
            out.append(f"{hood.id}: distance {hood.distance_m} != {d}")
        total += d
    if abs(total - plan.total_distance_m) > 1e-6 * max(1.0, total):
        out.append(f"total distance {plan.total_distance_m} != {total}")
    if plan.lower_bound_m > plan.total_distance_m + 1e-6 * max(1.0, total):
        out.append("lower bound above total distance")
    return out
