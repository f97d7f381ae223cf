"""What `sanzhang tick` does for activities (called by cases' tick command).

From the 20th of a month, an area (片) that has not held its monthly 民情分析会 yet gets
one reminder to its area chief; the reminder is remembered in the inbox, so each area is
reminded at most once a month however often tick runs.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from sanzhang.cases.access import post_user_ids
from sanzhang.cases.models import Notification
from sanzhang.cases.services.notify import notify
from sanzhang.org.levels import Level
from sanzhang.org.models import Role, Unit
from sanzhang.org.selectors import active_posts

from ..models import Meeting, MeetingKind

REMIND_FROM_DAY = 20
MARK = "【民情分析会提醒】"


def _month_text(now: datetime, area: Unit) -> str:
    local = timezone.localtime(now)
    return f"{MARK}{local:%Y年%m月}{area.name}尚未召开民情分析会，请安排召开并记录。"


def remind_concerns_meetings(now: datetime) -> int:
    local = timezone.localtime(now)
    if local.day < REMIND_FROM_DAY:
        return 0
    month_start = local.date().replace(day=1)
    held = set(
        Meeting.objects.filter(
            kind=MeetingKind.CONCERNS, held_on__gte=month_start, area__isnull=False
        ).values_list("area_id", flat=True)
    )
    chiefs: dict[int, set[int]] = {}
    posts = active_posts().filter(role=Role.AREA_CHIEF, unit__is_active=True)
    for post in posts.exclude(unit_id__in=held).select_related("unit"):
        chiefs.setdefault(post.unit_id, set()).update(
            post_user_ids(active_posts().filter(pk=post.pk))
        )
    sent = 0
    areas = Unit.objects.filter(pk__in=chiefs, level=Level.AREA)
    for area in areas:
        text = _month_text(now, area)
        users = chiefs[area.pk]
        already = set(
            Notification.objects.filter(user_id__in=users, text=text).values_list(
                "user_id", flat=True
            )
        )
        todo = users - already
        if not todo:
            continue
        with transaction.atomic():
            notify(
                case=None,
                township_id=area.township_id,
                user_ids=todo,
                text=text,
                now=now,
                channel_text=f"{MARK}{area.name}本月民情分析会尚未召开",
            )
        sent += 1
    return sent


def tick(now: datetime | None = None) -> str:
    """Run this module's periodic work; return one summary line."""
    now = now or timezone.now()
    reminded = remind_concerns_meetings(now)
    return f"activities: {reminded} area(s) reminded of their 民情分析会"
