"""Who may see and record activities, meetings and patrols: built on org.access grants.

- Chiefs, village cadre and the township admin record (and see) records of units in the
  subtree of one of their posts; station staff see their township's records, read only.
- A resident sees the activities organised by one of their own household's units (their
  neighbourhood up to the township: what they are invited to), signs up for volunteer
  days and checks themselves in with the code shown at the event. Meetings, patrols and
  customs-reform records are not shown to residents; a patrol shift is also shown to
  the people on its roster.
- Everything else is 404, the same as missing (`get_*_for`).
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from sanzhang.core.errors import NotFound
from sanzhang.org.access import Grant, access_for
from sanzhang.org.levels import ANCESTOR_FIELDS
from sanzhang.org.models import Household, Role, Unit

from .models import Activity, CustomsReform, Meeting, PatrolMember, PatrolShift


class ActivityAction(str, Enum):
    VIEW = "view"
    RECORD = "record"
    CHECKIN = "checkin"


V, R, C = ActivityAction.VIEW, ActivityAction.RECORD, ActivityAction.CHECKIN
ACTIVITY_MATRIX: dict[str, frozenset[ActivityAction]] = {
    Role.TOWNSHIP_ADMIN: frozenset({V, R, C}),
    Role.STATION_STAFF: frozenset({V, C}),
    Role.VILLAGE_CADRE: frozenset({V, R, C}),
    Role.AREA_CHIEF: frozenset({V, R, C}),
    Role.GROUP_CHIEF: frozenset({V, R, C}),
    Role.NEIGHBORHOOD_CHIEF: frozenset({V, R, C}),
    Role.RESIDENT: frozenset({C}),  # plus the own-household view below
}


def grants(user: Any, action: ActivityAction) -> list[Grant]:
    return [
        g for g in access_for(user).grants if action in ACTIVITY_MATRIX.get(g.role, ())
    ]


def scope_q(user: Any, action: ActivityAction = V) -> Q | None:
    """Rows (anything Scoped) inside one of the user's subtrees for `action`."""
    q: Q | None = None
    for g in grants(user, action):
        q = g.q() if q is None else q | g.q()
    return q


def own_household(user: Any) -> Household | None:
    hh_id = access_for(user).own_household_id
    return Household.objects.filter(pk=hh_id).first() if hh_id else None


def household_unit_ids(household: Household) -> list[int]:
    return [v for f in ANCESTOR_FIELDS if (v := getattr(household, f))]


def activities_visible_to(user: Any) -> QuerySet[Activity]:
    q = scope_q(user, V)
    household = own_household(user)
    if household is not None:
        own = Q(unit_id__in=household_unit_ids(household))
        q = own if q is None else q | own
    if q is None:
        return Activity.objects.none()
    return Activity.objects.filter(q)


def _in_scope(model: type[Model], user: Any, action: ActivityAction) -> QuerySet:
    q = scope_q(user, action)
    return model.objects.none() if q is None else model.objects.filter(q)


def meetings_visible_to(user: Any) -> QuerySet[Meeting]:
    return _in_scope(Meeting, user, V)


def customs_visible_to(user: Any) -> QuerySet[CustomsReform]:
    return _in_scope(CustomsReform, user, V)


def shifts_visible_to(user: Any) -> QuerySet[PatrolShift]:
    """Shifts in the subtree, plus those the user is rostered on (a villager on the
    village's levee roster sees the shifts they must walk, and only those)."""
    q = scope_q(user, V)
    if user is not None and user.is_authenticated:
        person = Q(user_id=user.pk)
        if user.resident_id:
            person |= Q(resident_id=user.resident_id)
        rostered = Q(pk__in=PatrolMember.objects.filter(person).values("shift_id"))
        q = rostered if q is None else q | rostered
    return PatrolShift.objects.none() if q is None else PatrolShift.objects.filter(q)


def may_record(user: Any, obj: Any) -> bool:
    """May the user record for `obj` (a Unit, Household or Scoped record)?"""
    return any(g.covers(obj) for g in grants(user, R))


def may_view_people(user: Any, activity: Activity) -> bool:
    """Attendance lists name people: only for those who see the subtree, not residents."""
    return any(g.covers(activity) for g in grants(user, V))


def recordable_units(user: Any) -> QuerySet[Unit]:
    q = scope_q(user, R)
    return Unit.objects.none() if q is None else Unit.objects.filter(q, is_active=True)


def _get(qs: QuerySet, pk: Any, message: str) -> Any:
    try:
        return qs.get(pk=int(pk))
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise NotFound(message) from None


def get_activity_for(user: Any, activity_id: Any) -> Activity:
    qs = activities_visible_to(user).select_related("unit", "organiser")
    return _get(qs, activity_id, _("找不到该活动"))


def get_meeting_for(user: Any, meeting_id: Any) -> Meeting:
    qs = meetings_visible_to(user).select_related("unit", "convener")
    return _get(qs, meeting_id, _("找不到该会议"))


def get_customs_for(user: Any, record_id: Any) -> CustomsReform:
    return _get(customs_visible_to(user), record_id, _("找不到该记录"))


def get_shift_for(user: Any, shift_id: Any) -> PatrolShift:
    qs = shifts_visible_to(user).select_related("unit", "section", "leader")
    return _get(qs, shift_id, _("找不到该班次"))


def get_recordable_unit(user: Any, unit_id: Any) -> Unit:
    return _get(recordable_units(user), unit_id, _("找不到该单元"))
