"""Who may write, send, see and relay notices: built on org.access grants.

- SEND: the township admin for its township (any subtree of it), a village cadre for its
  village's subtree. A sender sees the progress of every notice aimed inside its scope.
- RELAY: area, group and neighbourhood chiefs, for the households in their own post's
  subtree (a neighbourhood chief only their neighbourhood).
- A chief (or cadre) also sees a sent notice that reached households in their subtree,
  with the progress limited to that subtree.
- Station staff and residents neither send nor relay.

`get_notice_for` raises the same NotFound for a missing notice and one out of scope.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from sanzhang.core.errors import NotFound
from sanzhang.org.access import Grant, access_for
from sanzhang.org.levels import DEPTH, SCOPE_FIELD
from sanzhang.org.models import Role, Unit

from .models import Notice, NoticeRelay


class NoticeAction(str, Enum):
    SEND = "send"
    RELAY = "relay"


N = NoticeAction
NOTICE_MATRIX: dict[str, frozenset[NoticeAction]] = {
    Role.TOWNSHIP_ADMIN: frozenset({N.SEND}),
    Role.VILLAGE_CADRE: frozenset({N.SEND}),
    Role.AREA_CHIEF: frozenset({N.RELAY}),
    Role.GROUP_CHIEF: frozenset({N.RELAY}),
    Role.NEIGHBORHOOD_CHIEF: frozenset({N.RELAY}),
    Role.STATION_STAFF: frozenset(),
    Role.RESIDENT: frozenset(),
}


def notice_grants(user: Any, action: NoticeAction) -> list[Grant]:
    return [
        g for g in access_for(user).grants if action in NOTICE_MATRIX.get(g.role, ())
    ]


def _q(grants: list[Grant], prefix: str = "") -> Q | None:
    q: Q | None = None
    for g in grants:
        q = g.q(prefix) if q is None else q | g.q(prefix)
    return q


def may_send(user: Any, unit: Unit | None = None) -> bool:
    """May the user write notices (aimed at `unit`, or anywhere)?"""
    grants = notice_grants(user, N.SEND)
    if unit is None:
        return bool(grants)
    return any(g.covers(unit) for g in grants)


def may_relay(user: Any) -> bool:
    return bool(notice_grants(user, N.RELAY))


def relay_scope_q(user: Any, prefix: str = "") -> Q | None:
    """The relay rows (or households) the user may mark, or None for none."""
    return _q(notice_grants(user, N.RELAY), prefix)


def send_scope_q(user: Any) -> Q | None:
    """Notices whose target lies inside one of the user's SEND grants."""
    return _q(notice_grants(user, N.SEND))


def notices_visible_to(user: Any) -> QuerySet[Notice]:
    """Notices the user wrote, may manage, or has households to see relayed."""
    if user is None or not user.is_authenticated:
        return Notice.objects.none()
    q = Q(created_by=user) | Q(sent_by=user)
    send = send_scope_q(user)
    if send is not None:
        q |= send
    # Chiefs and cadres: sent notices with relay rows inside their posts' subtrees.
    reach = _q(
        [
            g
            for g in access_for(user).grants
            if NOTICE_MATRIX.get(g.role) and g.role != Role.TOWNSHIP_ADMIN
        ]
    )
    if reach is not None:
        rows = NoticeRelay.objects.filter(reach, notice=OuterRef("pk"))
        q |= Q(sent_at__isnull=False) & Exists(rows)
    return Notice.objects.filter(q)


def get_notice_for(user: Any, notice_id: Any) -> Notice:
    try:
        return notices_visible_to(user).select_related("unit").get(pk=int(notice_id))
    except (Notice.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("找不到该通知")) from None


def may_manage(user: Any, notice: Notice) -> bool:
    """The author, or a sender whose scope covers the target: edit/send a draft, and
    see the whole progress."""
    if notice.created_by_id == user.pk or notice.sent_by_id == user.pk:
        return True
    return any(g.covers(notice) for g in notice_grants(user, N.SEND))


def progress_root(user: Any, notice: Notice) -> Unit | None:
    """The top unit of the progress the user may see: the whole target for those who
    manage it, else the highest of their post units inside the target subtree."""
    if may_manage(user, notice):
        return notice.unit
    target_field = SCOPE_FIELD[notice.unit.level]
    ids = [
        g.unit_id
        for g in access_for(user).grants
        if NOTICE_MATRIX.get(g.role) and g.role != Role.TOWNSHIP_ADMIN
    ]
    units = [
        u
        for u in Unit.objects.filter(pk__in=ids, is_active=True)
        if getattr(u, target_field) == notice.unit_id
    ]
    if not units:
        return None
    return min(units, key=lambda u: (DEPTH[u.level], u.pk))


def unit_in(unit: Unit, root: Unit) -> bool:
    """Is `unit` inside (or equal to) `root`'s subtree?"""
    return getattr(unit, SCOPE_FIELD[root.level]) == root.pk
