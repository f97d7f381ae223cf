"""A year of synthetic cases for the demo township (and, larger, for the benchmarks).

Rows go in with `insert_rows`, bypassing the services: thousands of cases through
case_report would take minutes. Each gets the timeline a real one would have had
(reported, then resolved and followed up when it is closed), so its page reads right.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from sanzhang.core.db import insert_rows
from sanzhang.org.models import Household, Unit

from .models import Case, CaseEvent, Category, Mediation
from .services.categories import category_install_defaults
from .services.intake import normalise
from .states import CaseStatus, DeadlineFlag, HandlingLevel, Satisfaction

TEXTS = {
    "dispute": (
        "邻里因排水沟堵塞发生争执",
        "兄弟俩为宅基地边界起纠纷",
        "赡养老人费用分摊有分歧",
    ),
    "hazard": (
        "老屋墙体开裂，有倒塌风险",
        "电线私拉乱接，存在火灾隐患",
        "塘边无护栏，小孩常去玩水",
    ),
    "flood": ("堤脚有渗水点，需要查看", "电排站附近渍水严重"),
    "order": ("夜里有可疑人员在村口转悠", "有人接到疑似诈骗电话"),
    "environment": (
        "门前垃圾堆放多日无人清理",
        "有人在田边焚烧秸秆",
        "沟渠漂浮垃圾较多",
    ),
    "welfare": (
        "独居老人申请临时救助",
        "低保认证不会在手机上操作",
        "村口路灯不亮，晚上出行不便",
    ),
    "farming": ("稻田出现虫害，请农技员指导", "耕地补贴没有到账"),
    "policy": ("咨询医保缴费截止时间", "问养老保险怎么补缴"),
    "suggestion": ("建议在村部旁增设健身器材", "希望修一条通往渡口的便道"),
}
CASE_FIELDS = [f.name for f in Case._meta.concrete_fields if not f.primary_key]
EVENT_FIELDS = [f.name for f in CaseEvent._meta.concrete_fields if not f.primary_key]
SCOPE = ("township_id", "village_id", "area_id", "villager_group_id", "neighborhood_id")
LEVEL_SHARE = (  # where cases end up resolved: most inside the village
    (HandlingLevel.NEIGHBORHOOD, 0.46),
    (HandlingLevel.GROUP, 0.18),
    (HandlingLevel.AREA, 0.12),
    (HandlingLevel.VILLAGE, 0.14),
    (HandlingLevel.STATION, 0.10),
)


def _level(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for level, share in LEVEL_SHARE:
        total += share
        if roll < total:
            return level
    return HandlingLevel.STATION


def _unit_for(level: str, hh: dict[str, Any]) -> int:
    return {
        HandlingLevel.NEIGHBORHOOD: hh["neighborhood_id"],
        HandlingLevel.GROUP: hh["villager_group_id"],
        HandlingLevel.AREA: hh["area_id"],
        HandlingLevel.VILLAGE: hh["village_id"],
    }.get(level, hh["township_id"])


def case_rows(
    households: list[dict[str, Any]],
    categories: list[Category],
    n: int,
    rng: random.Random,
    now: datetime,
    span_days: int,
) -> list[Case]:
    """`n` cases over the last `span_days` days: about 4% still open (their deadline
    flags as earlier ticks would have left them), the rest closed with a rating."""
    rows = []
    for _ in range(n):
        hh = rng.choice(households)
        cat = rng.choice(categories)
        family = cat.code.split(".")[0]
        text = rng.choice(TEXTS.get(family, TEXTS["suggestion"]))
        created = now - timedelta(minutes=rng.randrange(span_days * 24 * 60))
        level = _level(rng)
        due = created + timedelta(days=5)
        status, flag = CaseStatus.CLOSED, DeadlineFlag.NONE
        if rng.random() < 0.04:
            status = rng.choice([CaseStatus.PENDING, CaseStatus.HANDLING])
            created = now - timedelta(hours=rng.randrange(1, 24 * 12))
            due = created + timedelta(days=rng.choice([3, 5, 7]))
            flag = (
                DeadlineFlag.RED
                if due <= now
                else DeadlineFlag.YELLOW
                if due - now < timedelta(days=1)
                else DeadlineFlag.NONE
            )
        closed = status == CaseStatus.CLOSED
        resolved_at = created + timedelta(hours=rng.randrange(1, 24 * 8))
        on_spot = closed and level == HandlingLevel.NEIGHBORHOOD and rng.random() < 0.5
        rating = rng.choices(
            [Satisfaction.SATISFIED, Satisfaction.BASICALLY, Satisfaction.DISSATISFIED],
            [0.86, 0.11, 0.03],
        )[0]
        rows.append(
            Case(
                client_key=uuid.UUID(int=rng.getrandbits(128)),
                body_hash="demo",
                category=cat,
                text=text,
                search_text=normalise(text),
                source=rng.choice(["visit", "visit", "phone", "walk_in", "council"]),
                household_id=hh["id"],
                **{f: hh[f] for f in SCOPE},
                is_dispute=family == "dispute",
                status=status,
                handling_level=level,
                handling_unit_id=_unit_for(level, hh),
                arrived_at=created,
                warn_at=due - timedelta(days=1),
                due_at=due,
                deadline_flag=flag,
                answered_on_spot=on_spot,
                resolution="已处理，群众认可" if closed else "",
                resolved_at=resolved_at if closed else None,
                resolved_level=level if closed else "",
                resolved_unit_id=_unit_for(level, hh) if closed else None,
                resolved_on_time=(resolved_at <= due) if closed else None,
                closed_at=resolved_at + timedelta(days=2) if closed else None,
                satisfaction=rating if closed else "",
                mediation_outcome=(
                    "succeeded" if closed and family == "dispute" else ""
                ),
                created_at=created,
                updated_at=created,
            )
        )
    return rows


def _events(case: Case) -> list[CaseEvent]:
    scope = {f: getattr(case, f) for f in SCOPE}
    base = {"case_id": case.pk, "unit_id": case.handling_unit_id, **scope}
    events = [
        CaseEvent(
            kind=CaseEvent.Kind.REPORTED, at=case.created_at, by_name="邻长", **base
        )
    ]
    if case.status == CaseStatus.CLOSED:
        events += [
            CaseEvent(
                kind=CaseEvent.Kind.RESOLVED,
                at=case.resolved_at,
                note=case.resolution,
                to_status=CaseStatus.RESOLVED,
                **base,
            ),
            CaseEvent(
                kind=CaseEvent.Kind.FOLLOWED_UP,
                at=case.closed_at,
                to_status=CaseStatus.CLOSED,
                data={"satisfaction": case.satisfaction},
                **base,
            ),
        ]
    return events


def seed_demo(township: Unit, rng: random.Random, today: date, n: int = 1500) -> None:
    """About a year of cases for the demo township, with their timelines."""
    if not Category.objects.filter(township=township).exists():
        category_install_defaults(township=township)
    categories = list(
        Category.objects.filter(township=township, parent__isnull=False, is_active=True)
    )
    households = list(
        Household.objects.filter(township=township, is_active=True).values("id", *SCOPE)
    )
    now = timezone.make_aware(datetime.combine(today, time(17, 0)))
    with transaction.atomic():
        insert_rows(
            Case, CASE_FIELDS, case_rows(households, categories, n, rng, now, 365)
        )
        cases = list(Case.objects.filter(township=township, body_hash="demo"))
        insert_rows(CaseEvent, EVENT_FIELDS, [e for c in cases for e in _events(c)])
        Mediation.objects.bulk_create(
            Mediation(
                case=c,
                township_id=c.township_id,
                mediator_name="村调委会",
                agreement_terms="双方同意按协商结果履行",
                signatures_noted=True,
                agreed_on=timezone.localtime(c.resolved_at).date(),
                ended_at=c.resolved_at,
            )
            for c in cases
            if c.mediation_outcome
        )
