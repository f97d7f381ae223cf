"""A realistic year of activities for the demo township, deterministic from `rng`.

Weekly micro-lectures (微宣讲) with leaflets per village, Friday volunteer days with hours,
monthly clean-ups, customs-reform talks (most persuaded), a monthly 民情分析会 per area and
a few levee patrol shifts in flood season. Rows go in with bulk inserts; the whole year
for a township of ~10 villages takes well under a few seconds.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, time, timedelta
from decimal import Decimal

from django.utils import timezone

from sanzhang.core.db import insert_rows
from sanzhang.org.levels import ANCESTOR_FIELDS, Level
from sanzhang.org.models import Household, Post, Resident, Unit, User

from .models import (
    Activity,
    ActivityKind,
    Attendance,
    CustomsReform,
    LeveeSection,
    Meeting,
    MeetingKind,
    PatrolKind,
    PatrolMember,
    PatrolShift,
)

LECTURE_TOPICS = ("防溺水", "防电诈", "医保缴费", "秸秆禁烧", "防汛知识", "移风易俗")


def _key(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _scope(unit: Unit) -> dict[str, int | None]:
    return {f: getattr(unit, f) for f in ANCESTOR_FIELDS}


class _Codes:
    """Unique six-digit codes per day, as the services guarantee."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: dict[date, set[str]] = {}

    def __call__(self, day: date) -> str:
        used = self.used.setdefault(day, set())
        while True:
            code = f"{self.rng.randrange(1_000_000):06d}"
            if code not in used:
                used.add(code)
                return code


def seed_demo(township: Unit, rng: random.Random, today: date) -> None:
    villages = list(Unit.objects.filter(township=township, level=Level.VILLAGE))
    areas = list(Unit.objects.filter(township=township, level=Level.AREA))
    if not villages:
        return
    posts = list(
        Post.objects.filter(township=township, ended_on__isnull=True).select_related(
            "unit"
        )
    )
    users_by_resident = dict(
        User.objects.filter(resident__township=township).values_list(
            "resident_id", "pk"
        )
    )
    organiser: dict[int, int | None] = {}
    for p in posts:
        uid = p.user_id or users_by_resident.get(p.resident_id)
        organiser.setdefault(p.unit_id, uid)
    residents_of: dict[int, list[tuple[int, str]]] = {}
    for rid, name, village_id in Resident.objects.filter(
        township=township, is_active=True
    ).values_list("pk", "name", "household__village_id"):
        residents_of.setdefault(village_id, []).append((rid, name))
    chiefs = {p.resident_id for p in posts if p.resident_id}
    codes = _Codes(rng)
    start = today - timedelta(days=364)

    activities: list[Activity] = []
    people: list[list[tuple[int, str]]] = []  # attendees of each activity, same order
    for village in villages:
        pool = residents_of.get(village.pk, [])
        org = organiser.get(village.pk)
        day = start + timedelta(days=(1 - start.weekday()) % 7)  # Tuesdays
        while day <= today:
            kind_title = [
                (ActivityKind.MICRO_LECTURE, rng.choice(LECTURE_TOPICS), 0.9),
                (ActivityKind.VOLUNTEER_DAY, "周五志愿日", 0.85),
            ]
            if day.day <= 7:
                kind_title.append((ActivityKind.CLEANUP, "环境整治", 1.0))
                kind_title.append(
                    (ActivityKind.CUSTOMS_REFORM, "红白喜事简办宣讲", 0.5)
                )
            for kind, title, chance in kind_title:
                if rng.random() > chance or not pool:
                    continue
                held = (
                    day + timedelta(days=3)
                    if kind == ActivityKind.VOLUNTEER_DAY
                    else day
                )
                if held > today:
                    continue
                n = min(len(pool), rng.randint(8, 30))
                chosen = rng.sample(pool, n)
                unlisted = rng.randint(0, 10)
                activities.append(
                    Activity(
                        client_key=_key(rng),
                        unit=village,
                        kind=kind,
                        title=title,
                        held_on=held,
                        place=f"{village.name}村部",
                        organiser_id=org,
                        leaflets=rng.randint(20, 80)
                        if kind == ActivityKind.MICRO_LECTURE
                        else 0,
                        summary="",
                        person_times=n + unlisted,
                        unlisted_count=unlisted,
                        checkin_code=codes(held),
                        **_scope(village),
                    )
                )
                people.append(chosen)
            day += timedelta(days=7)
    Activity.objects.bulk_create(activities, batch_size=500)
    now = timezone.now()
    rows = []
    for activity, chosen in zip(activities, people, strict=True):
        volunteer = activity.kind == ActivityKind.VOLUNTEER_DAY
        for rid, name in chosen:
            rows.append(
                Attendance(
                    activity_id=activity.pk,
                    resident_id=rid,
                    name=name,
                    is_chief=rid in chiefs,
                    hours=Decimal(rng.choice(["1.5", "2.0", "2.5", "3.0"]))
                    if volunteer
                    else Decimal("0"),
                    checked_in_at=now,
                    method=rng.choice(["list", "list", "code"]),
                )
            )
    insert_rows(
        Attendance,
        [
            "activity",
            "resident",
            "name",
            "is_chief",
            "hours",
            "checked_in_at",
            "method",
        ],
        rows,
    )
    _customs(township, rng, today, organiser)
    _meetings(areas, rng, today, organiser)
    _patrols(villages, rng, today, organiser, posts)


def _customs(
    township: Unit, rng: random.Random, today: date, organiser: dict[int, int | None]
) -> None:
    households = list(Household.objects.filter(township=township, is_active=True))
    picks = rng.sample(households, min(len(households), 60))
    outcomes = ["scaled_down"] * 6 + ["cancelled"] * 2 + ["not_persuaded"] * 2
    rows = [
        CustomsReform(
            client_key=_key(rng),
            household=h,
            event=rng.choice(["wedding", "wedding", "funeral", "funeral", "other"]),
            outcome=rng.choice(outcomes),
            talked_on=today - timedelta(days=rng.randrange(365)),
            recorded_by_id=organiser.get(h.neighborhood_id or 0)
            or organiser.get(h.village_id),
            notes="",
            created_at=timezone.now(),
            updated_at=timezone.now(),
            **{f: getattr(h, f) for f in ANCESTOR_FIELDS},
        )
        for h in picks
    ]
    CustomsReform.objects.bulk_create(rows)


def _meetings(
    areas: list[Unit], rng: random.Random, today: date, organiser: dict[int, int | None]
) -> None:
    rows = []
    for area in areas:
        month = date(today.year - 1, today.month, 1)
        while month <= today:
            held = month + timedelta(days=rng.randrange(5, 25))
            if held <= today and rng.random() < 0.9:
                rows.append(
                    Meeting(
                        client_key=_key(rng),
                        unit=area,
                        kind=MeetingKind.CONCERNS,
                        title=f"{month:%Y年%m月}民情分析会",
                        held_on=held,
                        place=f"{area.name}",
                        convener_id=organiser.get(area.pk),
                        notes="梳理本片未结事件，明确责任人和时限。",
                        **_scope(area),
                    )
                )
            month = (month + timedelta(days=32)).replace(day=1)
    Meeting.objects.bulk_create(rows, batch_size=500)


def _patrols(
    villages: list[Unit],
    rng: random.Random,
    today: date,
    organiser: dict[int, int | None],
    posts: list[Post],
) -> None:
    village = villages[0]
    section = LeveeSection.objects.create(
        village=village,
        township_id=village.township_id,
        name="东堤一段",
        start_mark="K0+000",
        end_mark="K1+500",
        points="1号涵闸\n2号险工段\n电排站",
    )
    crew = [p for p in posts if p.unit.village_id == village.pk and p.resident_id][:6]
    flood_start = date(today.year if today.month >= 6 else today.year - 1, 6, 15)
    for i in range(8):
        on = flood_start + timedelta(days=i * 3)
        if on > today:
            break
        shift = PatrolShift.objects.create(
            client_key=_key(rng),
            unit=village,
            kind=PatrolKind.LEVEE,
            section=section,
            on=on,
            starts_at=time(20),
            ends_at=time(6),
            leader_id=organiser.get(village.pk),
            created_by_id=organiser.get(village.pk),
            **_scope(village),
        )
        PatrolMember.objects.bulk_create(
            [
                PatrolMember(shift=shift, resident_id=p.resident_id, name=p.holder_name)
                for p in rng.sample(crew, min(3, len(crew)))
            ]
        )
