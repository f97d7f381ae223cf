"""Who may do what with figures, the red list, commendations and stories.

Reading figures follows the tree: anyone who may see a unit (org Action.VIEW_TREE)
may see its figures, dashboards, reports and drill-down lists. Deciding things is
the township's: weights, publishing, approvals, appeal outcomes. Village cadres
nominate and write stories for their village; area chiefs write stories for their
area; every chief may appeal a figure of their own.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from sanzhang.org.access import access_for
from sanzhang.org.models import Post, Role, Unit


class ReportAction(str, Enum):
    MANAGE = "manage"  # weights, publish red list, approve, decide appeals, report up
    NOMINATE = "nominate"
    WRITE_STORY = "write_story"


R = ReportAction
REPORT_MATRIX: dict[str, frozenset[ReportAction]] = {
    Role.TOWNSHIP_ADMIN: frozenset(ReportAction),
    Role.VILLAGE_CADRE: frozenset({R.NOMINATE, R.WRITE_STORY}),
    Role.AREA_CHIEF: frozenset({R.WRITE_STORY}),
}


def may(user: Any, action: ReportAction, unit: Unit) -> bool:
    """May `user` do `action` for `unit` (a grant of a role holding it covers unit)?"""
    return any(
        action in REPORT_MATRIX.get(g.role, ()) and g.covers(unit)
        for g in access_for(user).grants
    )


def own_posts(user: Any) -> list[Post]:
    """The user's active chief posts (theirs to appeal about)."""
    from django.db.models import Q

    if user is None or not user.is_authenticated:
        return []
    holder = Q(user_id=user.pk)
    if user.resident_id:
        holder |= Q(resident_id=user.resident_id)
    return list(
        Post.objects.filter(
            holder,
            ended_on__isnull=True,
            role__in=(Role.AREA_CHIEF, Role.GROUP_CHIEF, Role.NEIGHBORHOOD_CHIEF),
        ).select_related("unit")
    )
