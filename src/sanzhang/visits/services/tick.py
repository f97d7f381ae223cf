"""What `sanzhang tick` does for visits (called by cases' tick command): remind the
neighbourhood chief (or, with none, the group chief) of care households whose visit is
overdue, at most once per household per care interval."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhang.cases.services.notify import notify
from sanzhang.org.levels import Level
from sanzhang.org.models import Household, Post, Role, Unit, User

from ..models import CareReminder
from ..selectors import care_intervals, care_overdue, households_in


def _not_recently_reminded(days_values: list[int], today) -> Q:
    """No reminder for the household within its own care interval."""
    q = Q()
    for days in days_values:
        recent = Exists(
            CareReminder.objects.filter(
                household_id=OuterRef("pk"),
                reminded_on__gt=today - timedelta(days=days),
            )
        )
        q |= Q(care_days=days) & ~Q(recent)
    return q


def _chief_users(unit_ids: set[int], role: str) -> dict[int, set[int]]:
    """unit id -> accounts of its active chief (directly or through the resident)."""
    posts = list(
        Post.objects.filter(
            role=role, unit_id__in=unit_ids, ended_on__isnull=True
        ).values("unit_id", "user_id", "resident_id")
    )
    accounts = dict(
        User.objects.filter(
            resident_id__in=[p["resident_id"] for p in posts if p["resident_id"]],
            is_active=True,
        ).values_list("resident_id", "pk")
    )
    out: dict[int, set[int]] = {}
    for p in posts:
        uid = p["user_id"] or accounts.get(p["resident_id"])
        if uid:
            out.setdefault(p["unit_id"], set()).add(uid)
    return out


def remind_township(township: Unit, now: datetime) -> int:
    """Remind about the township's overdue care households; returns households."""
    today = timezone.localdate(now)
    days_values = sorted(set(care_intervals(township.pk).values()))
    if not days_values:
        return 0
    due = list(
        care_overdue(households_in(township), township.pk, today)
        .filter(_not_recently_reminded(days_values, today))
        .values("pk", "neighborhood_id", "villager_group_id", "address")
    )
    if not due:
        return 0
    by_nb = _chief_users(
        {h["neighborhood_id"] for h in due if h["neighborhood_id"]},
        Role.NEIGHBORHOOD_CHIEF,
    )
    by_group = _chief_users({h["villager_group_id"] for h in due}, Role.GROUP_CHIEF)
    per_user: dict[int, list[str]] = {}
    for h in due:
        users = by_nb.get(h["neighborhood_id"]) or by_group.get(
            h["villager_group_id"], set()
        )
        for uid in users:
            per_user.setdefault(uid, []).append(h["address"])
    with transaction.atomic():
        for uid, addresses in sorted(per_user.items()):
            shown = "、".join(addresses[:5]) + ("等" if len(addresses) > 5 else "")
            notify(
                case=None,
                township_id=township.pk,
                user_ids=[uid],
                now=now,
                text=_("关爱户走访提醒：%(n)s 户已超过走访周期未走访（%(list)s）")
                % {"n": len(addresses), "list": shown},
                # Channels carry no addresses (DESIGN: no personal data off-site).
                channel_text=_("关爱户走访提醒：%(n)s 户已超过走访周期未走访")
                % {"n": len(addresses)},
            )
        ids = [h["pk"] for h in due]
        CareReminder.objects.filter(household_id__in=ids).delete()
        CareReminder.objects.bulk_create(
            [
                CareReminder(household_id=i, township_id=township.pk, reminded_on=today)
                for i in ids
            ],
            batch_size=1000,
        )
    return len(due)


def tick(now: datetime | None = None) -> str:
    """Run this module's periodic work; return one summary line."""
    now = now or timezone.now()
    townships = Unit.objects.filter(
        level=Level.TOWNSHIP,
        is_active=True,
        pk__in=Household.objects.filter(is_active=True)
        .values("township_id")
        .distinct(),
    )
    total = sum(remind_township(t, now) for t in townships)
    return f"visits: {total} overdue care households reminded"
