"""Demo records for the reports app: a year of stories (10+ reported upward, as in
the article) and last year's commendations (4 models selected), deterministic from
`rng`. Figures themselves are never seeded: they come from the other apps' records."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from sanzhang.cases.models import Case
from sanzhang.org.levels import ANCESTOR_FIELDS
from sanzhang.org.models import Post, Role, User

from .models import Commendation, Story

TITLES = (
    "一条排水沟，两家和好如初",
    "邻长夜巡发现险情，及时转移群众",
    "移风易俗劝导记：婚事新办省下三万元",
    "独居老人的“编外儿女”",
    "宅基地纠纷就地化解",
    "周五志愿日，村道换新颜",
)


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=timezone.get_current_timezone())


def seed_demo(township, rng: random.Random, today: date) -> None:
    author = (
        User.objects.filter(posts__role=Role.TOWNSHIP_ADMIN, posts__unit=township)
        .order_by("id")
        .first()
        or User.objects.order_by("id").first()
    )
    if author is None:
        return
    chiefs = list(
        Post.objects.filter(
            township=township, role=Role.NEIGHBORHOOD_CHIEF, ended_on__isnull=True
        )
        .select_related("unit")
        .order_by("id")[:400]
    )
    if not chiefs:
        return
    cases = list(
        Case.objects.filter(township=township, resolved_at__isnull=False)
        .order_by("id")
        .values_list("pk", flat=True)[:200]
    )
    stories = []
    for i in range(12):
        post = rng.choice(chiefs)
        day = today - timedelta(days=rng.randint(5, 330))
        reported = i < 11
        stories.append(
            Story(
                **{f: getattr(post.unit, f) for f in ANCESTOR_FIELDS},
                unit=post.unit,
                kind="case" if i % 2 else "deed",
                title=TITLES[i % len(TITLES)],
                body="（演示）"
                + TITLES[i % len(TITLES)]
                + "。事情经过、办理结果和群众评价见相关记录。",
                post=post,
                status="approved" if reported else "draft",
                written_by=author,
                approved_by=author if reported else None,
                approved_at=_at(day) if reported else None,
                reported_at=_at(day + timedelta(days=3)) if reported else None,
                reported_to="县委组织部" if reported else "",
            )
        )
    Story.objects.bulk_create(stories)
    through = Story.cases.through
    through.objects.bulk_create(
        [
            through(story_id=s.pk, case_id=rng.choice(cases))
            for s in stories
            if s.kind == "case" and cases
        ]
    )
    last_year = today.year - 1
    picked = rng.sample(chiefs, min(4, len(chiefs)))
    approved = _at(date(last_year, 12, 20))
    Commendation.objects.bulk_create(
        [
            Commendation(
                **{f: getattr(post.unit, f) for f in ANCESTOR_FIELDS},
                year=last_year,
                post=post,
                holder_name=post.holder_name,
                unit_name=post.unit.name,
                title="优秀邻长",
                reason="（演示）走访全覆盖，事件按时办结，群众满意。",
                status=Commendation.Status.PUBLISHED,
                nominated_by=author,
                nominated_at=approved - timedelta(days=10),
                approved_by=author,
                approved_at=approved,
                published_at=approved + timedelta(days=1),
            )
            for post in picked
        ]
    )
