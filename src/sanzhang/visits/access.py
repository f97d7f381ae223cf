"""Who may record and see visits: built on org.access grants, like cases/access.py.

Each post grants its role's visit actions (VISIT_MATRIX) over the subtree of the post's
unit. Chiefs, village cadres and the township admin record visits to the households of
their subtree; everyone with a post sees the coverage of their subtree; station staff
see coverage only (no ledger: notes may hold private matters), residents nothing.
`get_*_for` raise the same NotFound for a missing object and one out of scope.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from sanzhang.core.errors import NotFound
from sanzhang.org.access import Grant, access_for
from sanzhang.org.levels import SCOPE_FIELD
from sanzhang.org.models import Household, Role, Unit

from .models import Visit, VisitCampaign


class VisitAction(str, Enum):
    RECORD = "record"  # log a visit to a household
    COVERAGE = "coverage"  # see coverage figures, lists of unvisited / overdue
    LEDGER = "ledger"  # see and export the visit records themselves
    CAMPAIGN = "campaign"  # start a full-coverage campaign
    SETTINGS = "settings"  # edit care intervals and the quiet-chief rule


V = VisitAction
_CHIEF = frozenset({V.RECORD, V.COVERAGE, V.LEDGER})
VISIT_MATRIX: dict[str, frozenset[VisitAction]] = {
    Role.TOWNSHIP_ADMIN: frozenset(VisitAction),
    Role.STATION_STAFF: frozenset({V.COVERAGE}),
    Role.VILLAGE_CADRE: frozenset({V.RECORD, V.COVERAGE, V.LEDGER, V.CAMPAIGN}),
    Role.AREA_CHIEF: _CHIEF,
    Role.GROUP_CHIEF: _CHIEF,
    Role.NEIGHBORHOOD_CHIEF: _CHIEF,
    Role.RESIDENT: frozenset(),
}


ACTION_LABELS = {
    V.RECORD: "登记走访",
    V.COVERAGE: "查看覆盖率",
    V.LEDGER: "查看/导出走访台账",
    V.CAMPAIGN: "发起全覆盖走访",
    V.SETTINGS: "设置走访周期",
}


def matrix_markdown() -> str:
    """VISIT_MATRIX as the table in docs/visits.md (a test keeps them equal)."""
    roles = list(VISIT_MATRIX)
    head = "| 动作 action | " + " | ".join(str(Role(r).label) for r in roles) + " |"
    rule = "|---|" + "---|" * len(roles)
    rows = [
        f"| {ACTION_LABELS[a]} `{a.value}` | "
        + " | ".join("✓" if a in VISIT_MATRIX[r] else "—" for r in roles)
        + " |"
        for a in VisitAction
    ]
    return "\n".join([head, rule, *rows])


def visit_grants(user: Any, action: VisitAction) -> list[Grant]:
    return [
        g for g in access_for(user).grants if action in VISIT_MATRIX.get(g.role, ())
    ]


def may(user: Any, action: VisitAction, obj: Any = None) -> bool:
    """May `user` do `action` on `obj` (a Unit, Household or Scoped row), or anywhere?"""
    grants = visit_grants(user, action)
    if obj is None:
        return bool(grants)
    return any(g.covers(obj) for g in grants)


def visits_scope_q(user: Any, action: VisitAction, prefix: str = "") -> Q | None:
    q: Q | None = None
    for grant in visit_grants(user, action):
        q = grant.q(prefix) if q is None else q | grant.q(prefix)
    return q


def visits_visible_to(user: Any) -> QuerySet[Visit]:
    q = visits_scope_q(user, V.LEDGER)
    return Visit.objects.none() if q is None else Visit.objects.filter(q)


def households_recordable(user: Any) -> QuerySet[Household]:
    """Active households the user may record visits for."""
    q = visits_scope_q(user, V.RECORD)
    if q is None:
        return Household.objects.none()
    return Household.objects.filter(q, is_active=True)


def get_unit_for(user: Any, unit_id: Any, action: VisitAction) -> Unit:
    try:
        unit = Unit.objects.get(pk=int(unit_id), is_active=True)
    except (Unit.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("找不到该单元")) from None
    if not may(user, action, unit):
        raise NotFound(_("找不到该单元"))
    return unit


def get_household_for(user: Any, household_id: Any) -> Household:
    try:
        return households_recordable(user).get(pk=int(household_id))
    except (Household.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("找不到该户")) from None


def get_visit_for(user: Any, visit_id: Any) -> Visit:
    try:
        return visits_visible_to(user).get(pk=int(visit_id))
    except (Visit.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("找不到该走访记录")) from None


def root_units(user: Any, action: VisitAction) -> list[Unit]:
    """The top units of the user's scope for `action` (nested ones dropped)."""
    ids = {g.unit_id for g in visit_grants(user, action)}
    units = list(Unit.objects.filter(pk__in=ids, is_active=True).order_by("id"))
    return [
        u
        for u in units
        if not any(
            o.pk != u.pk and getattr(u, SCOPE_FIELD[o.level]) == o.pk for o in units
        )
    ]


def campaigns_visible_to(user: Any) -> QuerySet[VisitCampaign]:
    """Campaigns whose target overlaps the user's coverage scope: inside it (a village
    campaign for the township admin) or containing it (a village campaign for one of
    its neighbourhood chiefs)."""
    q: Q | None = None
    for unit in root_units(user, V.COVERAGE):
        part = Q(**{SCOPE_FIELD[unit.level]: unit.pk})  # campaign inside the grant
        for level, field in SCOPE_FIELD.items():
            ancestor = getattr(unit, field)
            if ancestor and ancestor != unit.pk:
                part |= Q(unit_id=ancestor, unit__level=level)
        q = part if q is None else q | part
    if q is None:
        return VisitCampaign.objects.none()
    return VisitCampaign.objects.filter(q)


def get_campaign_for(user: Any, campaign_id: Any) -> VisitCampaign:
    try:
        return (
            campaigns_visible_to(user).select_related("unit").get(pk=int(campaign_id))
        )
    except (VisitCampaign.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("找不到该走访活动")) from None
