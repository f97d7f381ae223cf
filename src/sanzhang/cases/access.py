"""Who may see and act on cases: built on org.access, the one place for the tree.

A user's posts give grants over subtrees (org.access.Grant). For cases:

- a chief, a village cadre or the township admin sees every case whose location lies
  in the subtree of one of their posts (whatever level holds it now), and may act on
  a case while the unit holding it lies in that subtree (a group chief may take over
  a case pending at one of their neighbourhoods, not one at the area);
- station staff see the cases that were ever sent to their station, and act on those
  the station holds now;
- a resident sees the cases of their own household and may report for it.

The case rights of each role are data (CASE_MATRIX), documented in docs/workflow.md.
`get_case_for` raises the same NotFound for a missing case and one out of scope.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from sanzhang.core.errors import NotFound
from sanzhang.org.access import Grant, access_for
from sanzhang.org.levels import SCOPE_FIELD
from sanzhang.org.models import Post, Role, Unit, User

from .models import Case, CaseEvent
from .states import HandlingLevel


class CaseAction(str, Enum):
    VIEW = "view"
    REPORT = "report"
    HANDLE = "handle"
    FOLLOW_UP = "follow_up"
    TRACK = "track"
    MANAGE_CATEGORIES = "manage_categories"
    MANAGE_CHANNELS = "manage_channels"  # the township's webhook / WeCom channels


C = CaseAction
CASE_MATRIX: dict[str, frozenset[CaseAction]] = {
    Role.TOWNSHIP_ADMIN: frozenset(CaseAction),
    Role.STATION_STAFF: frozenset({C.VIEW, C.HANDLE}),
    Role.VILLAGE_CADRE: frozenset({C.VIEW, C.REPORT, C.HANDLE, C.FOLLOW_UP, C.TRACK}),
    Role.AREA_CHIEF: frozenset({C.VIEW, C.REPORT, C.HANDLE, C.FOLLOW_UP}),
    Role.GROUP_CHIEF: frozenset({C.VIEW, C.REPORT, C.HANDLE, C.FOLLOW_UP}),
    Role.NEIGHBORHOOD_CHIEF: frozenset({C.VIEW, C.REPORT, C.HANDLE, C.FOLLOW_UP}),
    Role.RESIDENT: frozenset({C.VIEW, C.REPORT}),
}
# The post that answers for each level of the ladder (station: its staff).
ROLE_OF_LEVEL: dict[str, str] = {
    HandlingLevel.NEIGHBORHOOD: Role.NEIGHBORHOOD_CHIEF,
    HandlingLevel.GROUP: Role.GROUP_CHIEF,
    HandlingLevel.AREA: Role.AREA_CHIEF,
    HandlingLevel.VILLAGE: Role.VILLAGE_CADRE,
    HandlingLevel.STATION: Role.STATION_STAFF,
}


def case_grants(user: Any, action: CaseAction) -> list[Grant]:
    return [g for g in access_for(user).grants if action in CASE_MATRIX.get(g.role, ())]


def _station_ids(grant: Grant) -> QuerySet:
    from sanzhang.org.models import Station

    return Station.objects.filter(
        township_id=grant.township_id, code=grant.station_code
    ).values("pk")


def cases_scope_q(user: Any, action: CaseAction = CaseAction.VIEW) -> Q | None:
    q: Q | None = None
    for grant in case_grants(user, action):
        if grant.role == Role.STATION_STAFF:
            if not grant.station_code:
                continue
            stations = _station_ids(grant)
            part = Q(station_id__in=stations) | Q(
                pk__in=CaseEvent.objects.filter(station_id__in=stations).values(
                    "case_id"
                )
            )
        else:
            part = grant.q()
        q = part if q is None else q | part
    access = access_for(user)
    if action in (C.VIEW, C.REPORT) and access.own_household_id:
        own = Q(household_id=access.own_household_id)
        q = own if q is None else q | own
    return q


def cases_visible_to(user: Any) -> QuerySet[Case]:
    q = cases_scope_q(user, CaseAction.VIEW)
    if q is None:
        return Case.objects.none()
    return Case.objects.filter(q)


def get_case_for(user: Any, case_id: Any) -> Case:
    try:
        return (
            cases_visible_to(user)
            .select_related("category", "handling_unit", "station", "household")
            .get(pk=int(case_id))
        )
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("找不到该事件")) from None


def may_report(user: Any, unit: Unit, household_id: int | None = None) -> bool:
    """May the user record a case located in `unit` (for `household_id`)?"""
    if any(
        g.covers(unit) for g in case_grants(user, C.REPORT) if g.role != Role.RESIDENT
    ):
        return True
    own = access_for(user).own_household_id
    return household_id is not None and own == household_id


def may_handle(user: Any, case: Case) -> bool:
    """May the user act for the level that holds the case now?"""
    for grant in case_grants(user, C.HANDLE):
        if case.handling_level == HandlingLevel.STATION:
            if grant.role == Role.TOWNSHIP_ADMIN and grant.unit_id == case.township_id:
                return True
            if (
                grant.role == Role.STATION_STAFF
                and case.station_id
                and grant.township_id == case.township_id
                and grant.station_code == case.station.code
            ):
                return True
        elif grant.role != Role.STATION_STAFF and grant.covers(case.handling_unit):
            return True
    return False


def may_track(user: Any, case: Case) -> bool:
    return any(g.covers(case) for g in case_grants(user, C.TRACK))


def may_manage_categories(user: Any, township: Unit) -> bool:
    return any(g.unit_id == township.pk for g in case_grants(user, C.MANAGE_CATEGORIES))


def may_manage_channels(user: Any, township: Unit) -> bool:
    return any(g.unit_id == township.pk for g in case_grants(user, C.MANAGE_CHANNELS))


def post_user_ids(posts: QuerySet[Post]) -> set[int]:
    """Accounts holding the given posts (directly or through their resident record)."""
    ids = {uid for uid in posts.values_list("user_id", flat=True) if uid}
    resident_ids = [r for r in posts.values_list("resident_id", flat=True) if r]
    if resident_ids:
        ids |= set(
            User.objects.filter(
                resident_id__in=resident_ids, is_active=True
            ).values_list("pk", flat=True)
        )
    return ids


def _active_posts() -> QuerySet[Post]:
    from sanzhang.org.selectors import active_posts

    return active_posts()


def case_owner_ids(case: Case) -> set[int]:
    """Accounts answering for the level that holds the case now (for reminders)."""
    posts = _active_posts()
    if case.handling_level == HandlingLevel.STATION:
        posts = posts.filter(role=Role.STATION_STAFF, station_id=case.station_id)
    else:
        posts = posts.filter(
            role=ROLE_OF_LEVEL[case.handling_level], unit_id=case.handling_unit_id
        )
    return post_user_ids(posts)


# Follow-up: the household's own neighbourhood chief, never the resolver; if the
# neighbourhood has none (or they resolved it), the chief one level up.
_FOLLOW_UP_LADDER = (
    ("neighborhood_id", Role.NEIGHBORHOOD_CHIEF),
    ("villager_group_id", Role.GROUP_CHIEF),
    ("area_id", Role.AREA_CHIEF),
    ("village_id", Role.VILLAGE_CADRE),
)


def follow_up_user_ids(case: Case) -> set[int]:
    """The accounts that must do the case's follow-up now."""
    posts = _active_posts()
    ladder = _FOLLOW_UP_LADDER
    if case.needs_village_follow_up:
        ladder = _FOLLOW_UP_LADDER[-1:]  # the second follow-up is the village's
    for field, role in ladder:
        unit_id = getattr(case, field)
        if not unit_id:
            continue
        ids = post_user_ids(posts.filter(role=role, unit_id=unit_id))
        ids.discard(case.resolved_by_id)
        if ids:
            return ids
    return set()


def may_follow_up(user: Any, case: Case) -> bool:
    return user is not None and user.pk in follow_up_user_ids(case)


def scope_field_of(unit: Unit) -> str:
    return SCOPE_FIELD[unit.level]
