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

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhang.core.db import fetch_models, hot_cursor, select_list
from sanzhang.core.errors import NotFound
from sanzhang.core.parsing import parse_id

from .levels import SCOPE_FIELD
from .models import Household, Post, Resident, Role, Station, Tag, Unit
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


# The posts a user (or the resident they are) holds today, in active units.
_GRANTS_SQL = (
    "SELECT p.role, p.unit_id, u.level, u.township_id, s.code "  # noqa: S608
    f"FROM {Post._meta.db_table} p "
    f"JOIN {Unit._meta.db_table} u ON u.id = p.unit_id "
    f"LEFT JOIN {Station._meta.db_table} s ON s.id = p.station_id "
    "WHERE (p.user_id = %s OR p.resident_id = %s) AND p.started_on <= %s "
    "AND (p.ended_on IS NULL OR p.ended_on > %s) AND u.is_active "
    "ORDER BY p.started_on DESC, p.id DESC"
)


class Access:
    """What one user may see and do, computed once per request from their posts."""

    def __init__(self, user: Any) -> None:
        self.user = user

    @cached_property
    def grants(self) -> tuple[Grant, ...]:
        user = self.user
        if user is None or not user.is_authenticated or not user.is_active:
            return ()
        today = connection.ops.adapt_datefield_value(timezone.localdate())
        # Every request asks this: plain SQL, only what a grant needs, unordered.
        with hot_cursor() as cursor:
            cursor.execute(
                _GRANTS_SQL, [user.pk, user.resident_id or None, today, today]
            )
            rows = cursor.fetchall()
        grants = [
            Grant(
                role=role,
                unit_id=unit_id,
                level=level,
                township_id=township_id,
                station_code=station_code or "",
            )
            for role, unit_id, level, township_id, station_code in rows
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
        grants = self.grants_for(action)
        if obj is None:
            return bool(grants)
        if any(g.covers(obj) for g in grants):
            return True
        # Asked last: it costs a query, and a grant usually answers first.
        return (
            isinstance(obj, Household)
            and action == Action.VIEW_HOUSEHOLDS
            and obj.pk == self.own_household_id
        )

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
    user: Any,
    household_id: Any,
    action: Action = Action.VIEW_HOUSEHOLDS,
    *,
    with_unit: bool = False,
) -> Household:
    """One household the user may act on, else NotFound (as if it did not exist).

    Read by key and checked against the grants in Python: the same rule as
    `households_visible_to`, one indexed look-up instead of an OR over the grants.
    `with_unit` also loads the unit it hangs off (its neighbourhood, else its group)
    in the same query, as if by select_related.
    """
    pk = parse_id(household_id)
    household = _household_read(pk, with_unit) if pk else None
    if household is None or not access_for(user).can(action, household):
        raise NotFound(_("找不到该户"))
    return household


def _household_read(pk: int, with_unit: bool) -> Household | None:
    # Plain SQL: this runs on every request about a household, and the ORM's compile
    # and build cost more than the query (see core/db.py).
    unit_columns = f", {select_list(Unit, 'u')}" if with_unit else ""
    join = (
        f" JOIN {Unit._meta.db_table} u"
        " ON u.id = COALESCE(h.neighborhood_id, h.villager_group_id)"
        if with_unit
        else ""
    )
    sql = (
        f"SELECT {select_list(Household, 'h')}{unit_columns} "  # noqa: S608
        f"FROM {Household._meta.db_table} h{join} WHERE h.id = %s AND h.is_active"
    )
    found = fetch_models(sql, [pk], Household, *([Unit] if with_unit else []))
    if found is None:
        return None
    household, *unit = found
    if unit:
        field = "neighborhood" if household.neighborhood_id else "villager_group"
        Household._meta.get_field(field).set_cached_value(household, unit[0])
    return household


def get_resident_for(user: Any, resident_id: Any) -> Resident:
    try:
        return (
            residents_visible_to(user)
            .select_related("household")
            .get(pk=int(resident_id))
        )
    except (Resident.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("找不到该居民")) from None
