"""Access follows the tree: the one place that decides what a user may see and do.

A user's rights come from their active posts. Each post grants its role's actions
(policy.MATRIX) over the subtree of the post's unit; because every unit and household
carries the ids of all its ancestors, "inside the subtree of U" is the single test
`row.<U's level>_id == U.id`. A resident account without posts sees its own household.

Callers never filter by hand: lists come from `units_visible_to` / `households_visible_to`
and single objects from `get_unit_for` / `get_household_for`, which raise the same
NotFound for a missing object and for one outside the user's scope, so scope never
leaks through error messages.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhang.core.errors import NotFound

from .levels import SCOPE_FIELD
from .models import Household, Post, Resident, Role, Tag, Unit
from .policy import Action, role_may


@dataclass(frozen=True)
class Grant:
    role: str
    unit_id: int
    level: str
    township_id: int | None
    station_code: str = ""

    def covers(self, obj: Any) -> bool:
        """Is `obj` (a Unit, Household or anything Scoped) inside this grant's subtree?"""
        return getattr(obj, SCOPE_FIELD[self.level], None) == self.unit_id

    def q(self, prefix: str = "") -> Q:
        return Q(**{prefix + SCOPE_FIELD[self.level]: self.unit_id})


class Access:
    """What one user may see and do, computed once per request from their posts."""

    def __init__(self, user: Any) -> None:
        self.user = user

    @cached_property
    def grants(self) -> tuple[Grant, ...]:
        user = self.user
        if user is None or not user.is_authenticated or not user.is_active:
            return ()
        holder = Q(user_id=user.pk)
        if user.resident_id:
            holder |= Q(resident_id=user.resident_id)
        today = timezone.localdate()
        posts = (
            Post.objects.filter(holder, started_on__lte=today)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today))
            .select_related("unit", "station")
            # Every request asks this: read only what a grant needs.
            .only(
                "role",
                "unit__level",
                "unit__township_id",
                "unit__is_active",
                "station__code",
            )
        )
        grants = [
            Grant(
                role=p.role,
                unit_id=p.unit_id,
                level=p.unit.level,
                township_id=p.unit.township_id,
                station_code=p.station.code if p.station else "",
            )
            for p in posts
            if p.unit.is_active
        ]
        return tuple(grants)

    @cached_property
    def own_household_id(self) -> int | None:
        if (
            self.user is None
            or not self.user.is_authenticated
            or not self.user.resident_id
        ):
            return None
        return (
            Resident.objects.filter(pk=self.user.resident_id, is_active=True)
            .values_list("household_id", flat=True)
            .first()
        )

    # --- questions ---------------------------------------------------------------
    @property
    def roles(self) -> set[str]:
        roles = {g.role for g in self.grants}
        if self.own_household_id:
            roles.add(Role.RESIDENT)
        return roles

    @property
    def has_any_post(self) -> bool:
        return bool(self.grants)

    def grants_for(self, action: Action) -> list[Grant]:
        return [g for g in self.grants if role_may(g.role, action)]

    def can(self, action: Action, obj: Any = None) -> bool:
        """May the user do `action` on `obj` (a Unit, Household, Resident), or anywhere?"""
        if isinstance(obj, Resident):
            if self._is_self_resident(obj) and role_may(Role.RESIDENT, action):
                return True
            obj = obj.household
        if (
            isinstance(obj, Household)
            and obj.pk == self.own_household_id
            and action == Action.VIEW_HOUSEHOLDS
        ):
            return True
        grants = self.grants_for(action)
        if obj is None:
            return bool(grants)
        return any(g.covers(obj) for g in grants)

    def _is_self_resident(self, resident: Resident) -> bool:
        return bool(
            self.user
            and self.user.is_authenticated
            and self.user.resident_id == resident.pk
        )

    def scope_q(self, action: Action, prefix: str = "") -> Q | None:
        """A Q selecting the rows the action is allowed on, or None for nothing."""
        q: Q | None = None
        for grant in self.grants_for(action):
            q = grant.q(prefix) if q is None else q | grant.q(prefix)
        return q

    def root_units(self, action: Action = Action.VIEW_TREE) -> list[Unit]:
        """The top units of the user's scope (a village cadre: their village)."""
        ids = {g.unit_id for g in self.grants_for(action)}
        units = list(Unit.objects.filter(pk__in=ids, is_active=True))
        # Drop a root that lies inside another root (a cadre who is also a chief).
        return [
            u
            for u in units
            if not any(
                o.pk != u.pk and getattr(u, SCOPE_FIELD[o.level]) == o.pk for o in units
            )
        ]

    def visible_tags(self, household: Household, tags: list[Tag]) -> list[Tag]:
        """Sensitive tags only for area chiefs and above, or the station responsible."""
        if self.can(Action.VIEW_SENSITIVE_TAGS, household):
            return tags
        stations = {
            g.station_code
            for g in self.grants_for(Action.VIEW_STATION_TAGS)
            if g.covers(household)
        }
        return [t for t in tags if not t.is_sensitive or t.station_code in stations]

    def sensitive_tag_q(self, household_prefix: str = "") -> Q:
        """Rows of HouseholdTag-like joins the user may see (for lists and exports)."""
        full = self.scope_q(Action.VIEW_SENSITIVE_TAGS, household_prefix)
        q = Q(tag__is_sensitive=False)
        if full is not None:
            q |= full
        for g in self.grants_for(Action.VIEW_STATION_TAGS):
            q |= g.q(household_prefix) & Q(tag__station_code=g.station_code)
        return q


def access_for(user: Any) -> Access:
    """The Access of a user, cached on the user object for the rest of the request."""
    cached = getattr(user, "_sanzhang_access", None)
    if cached is None:
        cached = Access(user)
        if user is not None:
            # AnonymousUser may refuse new attributes; then nothing is cached.
            with contextlib.suppress(AttributeError):
                user._sanzhang_access = cached
    return cached


# --- funnels: every read of units and households goes through these -----------------
def units_visible_to(user: Any, action: Action = Action.VIEW_TREE) -> QuerySet[Unit]:
    q = access_for(user).scope_q(action)
    if q is None:
        return Unit.objects.none()
    return Unit.objects.filter(q, is_active=True)


def households_visible_to(
    user: Any, action: Action = Action.VIEW_HOUSEHOLDS
) -> QuerySet[Household]:
    access = access_for(user)
    q = access.scope_q(action)
    if action == Action.VIEW_HOUSEHOLDS and access.own_household_id:
        own = Q(pk=access.own_household_id)
        q = own if q is None else q | own
    if q is None:
        return Household.objects.none()
    return Household.objects.filter(q, is_active=True)


def households_under(
    user: Any, unit: Unit, action: Action = Action.VIEW_HOUSEHOLDS
) -> QuerySet[Household]:
    """The households of `unit`'s subtree, for a user whose grant covers the unit.

    A grant covers whole subtrees, so once the unit is allowed every household under it is
    too; the query is then one indexed equality (no OR over the user's grants), which lets
    the (<level>_id, code) indexes serve ordered pages.
    """
    if not access_for(user).can(action, unit):
        raise NotFound(_("找不到该单元"))
    return Household.objects.filter(
        **{SCOPE_FIELD[unit.level]: unit.pk}, is_active=True
    )


def residents_visible_to(user: Any) -> QuerySet[Resident]:
    households = households_visible_to(user)
    return Resident.objects.filter(
        household__in=households.values("pk"), is_active=True
    )


def get_unit_for(user: Any, unit_id: Any, action: Action = Action.VIEW_TREE) -> Unit:
    try:
        return units_visible_to(user, action).get(pk=int(unit_id))
    except (Unit.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("找不到该单元")) from None


def get_household_for(
    user: Any, household_id: Any, action: Action = Action.VIEW_HOUSEHOLDS
) -> Household:
    try:
        return households_visible_to(user, action).get(pk=int(household_id))
    except (Household.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("找不到该户")) from None


def get_resident_for(user: Any, resident_id: Any) -> Resident:
    try:
        return (
            residents_visible_to(user)
            .select_related("household")
            .get(pk=int(resident_id))
        )
    except (Resident.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("找不到该居民")) from None
