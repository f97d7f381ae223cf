"""What `sanzhang tick` does for notices (called by cases' tick command): remind the
chiefs who still have unrelayed households of notices sent more than
NOTICE_REMIND_AFTER_DAYS ago (default 2), at most once per notice, chief and day, and
for NOTICE_REMIND_FOR_DAYS (default 30) after sending."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhang.cases.models import Notification
from sanzhang.org.models import Role, User
from sanzhang.org.selectors import active_posts

from ..models import Notice, NoticeRelay, NoticeReminder

# Who answers for an unrelayed household: its neighbourhood chief; failing one (or
# a household not yet paired), the group chief; failing that, the area chief.
_LADDER = (
    ("neighborhood_id", Role.NEIGHBORHOOD_CHIEF),
    ("villager_group_id", Role.GROUP_CHIEF),
    ("area_id", Role.AREA_CHIEF),
)


def remind_after() -> timedelta:
    return timedelta(days=getattr(settings, "NOTICE_REMIND_AFTER_DAYS", 2))


def remind_for() -> timedelta:
    return timedelta(days=getattr(settings, "NOTICE_REMIND_FOR_DAYS", 30))


def _chiefs_by_unit(unit_ids: set[int]) -> dict[tuple[str, int], set[int]]:
    """{(role, unit id): account ids} in two queries, whatever the number of posts."""
    posts = list(
        active_posts()
        .filter(unit_id__in=unit_ids, role__in=[role for _f, role in _LADDER])
        .values_list("role", "unit_id", "user_id", "resident_id")
    )
    accounts = dict(
        User.objects.filter(
            resident_id__in={r for *_x, r in posts if r}, is_active=True
        ).values_list("resident_id", "pk")
    )
    out: dict[tuple[str, int], set[int]] = {}
    for role, unit_id, user_id, resident_id in posts:
        ids = out.setdefault((role, unit_id), set())
        if user_id:
            ids.add(user_id)
        if resident_id in accounts:
            ids.add(accounts[resident_id])
    return {k: v for k, v in out.items() if v}


def responsible_chiefs(notice: Notice) -> dict[int, int]:
    """{user id: unrelayed households they answer for} for one notice."""
    groups = list(
        NoticeRelay.objects.filter(notice=notice, relayed_at__isnull=True)
        .order_by()
        .values("neighborhood_id", "villager_group_id", "area_id")
        .annotate(n=Count("id"))
    )
    unit_ids = {g[f] for g in groups for f, _r in _LADDER if g[f]}
    chiefs = _chiefs_by_unit(unit_ids)
    owed: dict[int, int] = {}
    for g in groups:
        for field, role in _LADDER:
            users = chiefs.get((role, g[field])) if g[field] else None
            if users:
                for uid in users:
                    owed[uid] = owed.get(uid, 0) + g["n"]
                break
    return owed


def tick(now: datetime | None = None) -> str:
    """Run this module's periodic work; return one summary line."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = Notice.objects.filter(
        sent_at__lte=now - remind_after(), sent_at__gt=now - remind_for()
    ).order_by("sent_at", "id")
    sent = 0
    notices = 0
    for notice in due:
        if not NoticeRelay.objects.filter(
            notice=notice, relayed_at__isnull=True
        ).exists():
            continue
        owed = responsible_chiefs(notice)
        already = set(
            NoticeReminder.objects.filter(
                notice=notice, sent_on=today, user_id__in=owed
            ).values_list("user_id", flat=True)
        )
        todo = sorted(set(owed) - already)
        if not todo:
            continue
        with transaction.atomic():
            NoticeReminder.objects.bulk_create(
                [NoticeReminder(notice=notice, user_id=u, sent_on=today) for u in todo],
                ignore_conflicts=True,
            )
            Notification.objects.bulk_create(
                [
                    Notification(
                        user_id=u,
                        township_id=notice.township_id,
                        case=None,
                        text=(
                            _("通知《%(title)s》还有 %(n)d 户未传达，请尽快传达到户")
                            % {"title": notice.title, "n": owed[u]}
                        )[:300],
                        created_at=now,
                    )
                    for u in todo
                ]
            )
        sent += len(todo)
        notices += 1
    if not sent:
        return ""
    return _("通知传达提醒：%(n)d 条（%(k)d 个通知）") % {"n": sent, "k": notices}
