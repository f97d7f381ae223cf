"""Forming a group's neighborhoods with the optimiser: the one caller of `partition`.

propose: the group's households become optimiser points (candidates are households with
a Party member or a sitting chief; households without coordinates are placed along a
line in address order and flagged), and the current layout is the starting plan, so a
re-plan moves as few households as the rules allow.
apply: one transaction creates or retires neighborhood units, moves households, hands
chief posts to the proposed chiefs' households, and keeps the previous layout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhang import partition
from sanzhang.core.audit import audit_record
from sanzhang.core.db import update_rows
from sanzhang.core.errors import DomainError, NotAllowed

from ..access import access_for
from ..levels import NEIGHBORHOOD_MAX, NEIGHBORHOOD_MIN, Level
from ..models import Household, NeighborhoodLayout, Post, Resident, Role, Unit
from ..policy import Action
from .posts import post_appoint, post_end

RULES = partition.Rules(min_size=NEIGHBORHOOD_MIN, max_size=NEIGHBORHOOD_MAX, target=8)
# Spacing of households placed by address order when they have no coordinates (~20 m).
FALLBACK_STEP_DEG = 0.0002


@dataclass
class Proposal:
    """A plan for one group, with what the page needs to draw and explain it."""

    group: Unit
    plan: partition.Plan
    households: dict[str, Household]
    points: dict[str, partition.HouseholdPoint]
    placed_by_address: set[str] = field(default_factory=set)
    current: dict[str, str] = field(default_factory=dict)  # household -> current nb id

    @property
    def moved(self) -> int:
        after = self.plan.assignment()
        return sum(1 for hid, nb in self.current.items() if after.get(hid) != nb)


def _check(by: Any, group: Unit) -> None:
    if group.level != Level.GROUP:
        raise DomainError(_("请选择一个组来划邻"))
    if not access_for(by).can(Action.PLAN_NEIGHBORHOODS, group):
        raise NotAllowed(_("无权为该组划邻"))


def _candidates(households: list[Household]) -> set[int]:
    ids = [h.pk for h in households]
    party = set(
        Resident.objects.filter(
            household_id__in=ids, is_active=True, is_party_member=True
        ).values_list("household_id", flat=True)
    )
    chiefs = set(
        Post.objects.filter(
            resident__household_id__in=ids,
            ended_on__isnull=True,
            role__in=[Role.NEIGHBORHOOD_CHIEF, Role.GROUP_CHIEF, Role.VILLAGE_CADRE],
        ).values_list("resident__household_id", flat=True)
    )
    return party | chiefs


def _points(
    group: Unit,
    households: list[Household],
    candidates: set[int],
    locks: dict[str, str],
    pinned: set[str],
) -> tuple[dict[str, partition.HouseholdPoint], set[str]]:
    located = [h for h in households if h.lon is not None and h.lat is not None]
    if located:
        lon0 = sum(h.lon for h in located) / len(located)
        lat0 = sum(h.lat for h in located) / len(located)
    else:
        lon0, lat0 = group.lon or 112.17, group.lat or 29.41
    points, flagged = {}, set()
    missing = sorted(
        (h for h in households if h.lon is None or h.lat is None),
        key=lambda h: h.address,
    )
    fallback = {
        h.pk: (lon0 + (i + 1) * FALLBACK_STEP_DEG, lat0 - FALLBACK_STEP_DEG)
        for i, h in enumerate(missing)
    }
    for h in households:
        hid = str(h.pk)
        lon, lat = fallback.get(h.pk, (h.lon, h.lat))
        if h.pk in fallback:
            flagged.add(hid)
        is_candidate = h.pk in candidates
        points[hid] = partition.HouseholdPoint(
            id=hid,
            group_id=str(group.pk),
            lon=lon,
            lat=lat,
            is_candidate=is_candidate,
            locked_neighborhood=locks.get(hid),
            must_be_chief=hid in pinned and is_candidate,
        )
    return points, flagged


def _current_plan(group: Unit, households: list[Household]) -> partition.Plan | None:
    by_nb: dict[int, list[str]] = {}
    for h in households:
        if h.neighborhood_id:
            by_nb.setdefault(h.neighborhood_id, []).append(str(h.pk))
    if not by_nb:
        return None
    chiefs = dict(
        Post.objects.filter(
            unit_id__in=list(by_nb), role=Role.NEIGHBORHOOD_CHIEF, ended_on__isnull=True
        ).values_list("unit_id", "resident__household_id")
    )
    hoods = tuple(
        partition.NeighborhoodPlan(
            id=str(nb),
            group_id=str(group.pk),
            household_ids=tuple(members),
            chief_household_id=str(chiefs[nb])
            if chiefs.get(nb) and str(chiefs[nb]) in members
            else None,
            center_household_id=members[0],
            distance_m=0.0,
        )
        for nb, members in by_nb.items()
    )
    return partition.Plan(
        neighborhoods=hoods,
        total_distance_m=0.0,
        lower_bound_m=0.0,
        households_moved=0,
        rules=RULES,
    )


def neighborhood_plan_propose(
    *,
    group: Unit,
    by: Any,
    locks: dict[str, str] | None = None,
    pinned: set[str] | None = None,
) -> Proposal:
    """Propose the group's neighborhoods and chiefs (nothing is written)."""
    _check(by, group)
    households = list(
        Household.objects.filter(villager_group=group, is_active=True).order_by("code")
    )
    if not households:
        raise DomainError(_("该组还没有户"))
    points, flagged = _points(
        group, households, _candidates(households), locks or {}, pinned or set()
    )
    previous = _current_plan(group, households)
    try:
        if previous is not None and not locks:
            plan = partition.replan(previous, points.values(), RULES)
        else:
            plan = partition.plan(points.values(), RULES)
    except partition.PlanError as exc:
        raise DomainError(str(exc)) from None
    current = {
        str(h.pk): str(h.neighborhood_id) for h in households if h.neighborhood_id
    }
    return Proposal(
        group=group,
        plan=plan,
        households={str(h.pk): h for h in households},
        points=points,
        placed_by_address=flagged,
        current=current,
    )


def _head_or_party(household_id: int) -> Resident | None:
    members = Resident.objects.filter(household_id=household_id, is_active=True)
    return (
        members.filter(is_party_member=True).order_by("id").first()
        or members.filter(relation=Resident.Relation.HEAD).first()
    )


def neighborhood_plan_apply(*, proposal: Proposal, by: Any) -> NeighborhoodLayout:
    """Make the proposal the group's layout in one transaction; keep the old one."""
    group = proposal.group
    _check(by, group)
    existing = {
        str(u.pk): u
        for u in Unit.objects.filter(
            parent=group, level=Level.NEIGHBORHOOD, is_active=True
        )
    }
    with transaction.atomic():
        snapshot = _snapshot(group, existing)
        names = {u.name for u in existing.values()}
        units: dict[str, Unit] = {}
        for hood in proposal.plan.neighborhoods:
            unit = existing.get(hood.id)
            if unit is None:
                unit = _new_neighborhood(group, names)
            units[hood.id] = unit
        moved = []
        for hood in proposal.plan.neighborhoods:
            for hid in hood.household_ids:
                hh = proposal.households[hid]
                if hh.neighborhood_id != units[hood.id].pk:
                    hh.neighborhood_id = units[hood.id].pk
                    hh.version += 1
                    moved.append(hh)
        update_rows(Household, ["neighborhood", "version"], moved)
        kept = {u.pk for u in units.values()}
        for unit in existing.values():
            if unit.pk not in kept:
                _retire(unit, by)
        for hood in proposal.plan.neighborhoods:
            _hand_over(units[hood.id], hood.chief_household_id, by)
        layout = NeighborhoodLayout.objects.create(
            villager_group=group,
            township_id=group.township_id,
            applied_by=by if getattr(by, "pk", None) else None,
            before=snapshot,
            households_moved=len(moved),
        )
        audit_record(
            by=by,
            action="neighborhoods_apply",
            obj=group,
            township_id=group.township_id,
            moved=len(moved),
            neighborhoods=len(units),
        )
    return layout


def _snapshot(group: Unit, existing: dict[str, Unit]) -> dict:
    members: dict[int, list[int]] = {}
    for pk, nb in Household.objects.filter(
        villager_group=group, is_active=True
    ).values_list("pk", "neighborhood_id"):
        members.setdefault(nb, []).append(pk)
    chiefs = dict(
        Post.objects.filter(
            unit__in=list(existing.values()),
            role=Role.NEIGHBORHOOD_CHIEF,
            ended_on__isnull=True,
        ).values_list("unit_id", "resident_id")
    )
    return {
        "neighborhoods": [
            {
                "id": u.pk,
                "name": u.name,
                "households": members.get(u.pk, []),
                "chief_resident": chiefs.get(u.pk),
            }
            for u in existing.values()
        ],
        "unpaired": members.get(None, []),
    }


def _new_neighborhood(group: Unit, names: set[str]) -> Unit:
    from .units import unit_create

    n = 1
    while f"{n}邻" in names:
        n += 1
    names.add(f"{n}邻")
    return unit_create(
        parent=group, level=Level.NEIGHBORHOOD, name=f"{n}邻", sort_order=n
    )


def _retire(unit: Unit, by: Any) -> None:
    for post in Post.objects.filter(unit=unit, ended_on__isnull=True):
        post_end(post=post, reason=_("重新划邻，该邻撤并"), by=by)
    # Retired units keep their history; their name is freed for a later neighborhood.
    Unit.objects.filter(pk=unit.pk).update(
        is_active=False, name=f"{unit.name}（撤并{unit.pk}）"
    )


def _hand_over(unit: Unit, chief_household: str | None, by: Any) -> None:
    current = (
        Post.objects.filter(
            unit=unit, role=Role.NEIGHBORHOOD_CHIEF, ended_on__isnull=True
        )
        .select_related("resident")
        .first()
    )
    if (
        current
        and chief_household
        and str(current.resident.household_id) == chief_household
    ):
        return
    if current and (
        chief_household or current.resident.household.neighborhood_id != unit.pk
    ):
        post_end(post=current, reason=_("重新划邻"), by=by)
        current = None
    if current is None and chief_household:
        resident = _head_or_party(int(chief_household))
        if resident is not None:
            post_appoint(
                unit=unit,
                role=Role.NEIGHBORHOOD_CHIEF,
                resident=resident,
                how_chosen=Post.HowChosen.SURVEYED,
                started_on=timezone.localdate(),
                by=by,
            )


def hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Convex hull (monotone chain), for drawing a neighborhood's outline."""
    pts = sorted(set(points))
    if len(pts) <= 2:
        return pts

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def project(
    points: dict[str, partition.HouseholdPoint], size: int = 320, pad: int = 16
) -> dict[str, tuple[float, float]]:
    """Households to SVG coordinates (north up, equal scale on both axes)."""
    lons = [p.lon for p in points.values()]
    lats = [p.lat for p in points.values()]
    lat0 = sum(lats) / len(lats)
    kx = math.cos(math.radians(lat0))
    span = max((max(lons) - min(lons)) * kx, max(lats) - min(lats), 1e-6)
    scale = (size - 2 * pad) / span
    return {
        hid: (
            pad + (p.lon - min(lons)) * kx * scale,
            size - pad - (p.lat - min(lats)) * scale,
        )
        for hid, p in points.items()
    }
