"""Recording activities: the record, its attendance (ticked from a list or by people
checking themselves in with the day's code), photos, and Friday volunteer days.

Every write keeps `person_times` = attendance rows + `unlisted_count`, and refuses a
total above the organising unit's population: bad input changes nothing.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhang.cases.services.photos import CheckedPhoto, photo_check
from sanzhang.core.errors import DomainError, NotAllowed, NotFound
from sanzhang.org.access import access_for
from sanzhang.org.levels import SCOPE_FIELD
from sanzhang.org.models import CHIEF_ROLES, Resident, Role, Unit
from sanzhang.org.selectors import active_posts

from ..access import household_unit_ids, may_record, own_household
from ..models import (
    Activity,
    ActivityKind,
    ActivityPhoto,
    Attendance,
    AttendanceMethod,
    VolunteerSignup,
)
from .common import count, parse_date, parse_key, past_or_today, population, scope_of
from .common import text as clean

FRIDAY = 4
MAX_PHOTOS = 9


# --- the record ---------------------------------------------------------------------
def new_code(held_on: date) -> str:
    """Six random digits not used by another activity that day (codes are per day)."""
    for _attempt in range(20):
        code = f"{secrets.randbelow(1_000_000):06d}"
        if not Activity.objects.filter(held_on=held_on, checkin_code=code).exists():
            return code
    raise DomainError(_("签到码生成失败，请重试"))


def activity_create(
    *,
    by: Any,
    client_key: Any,
    unit: Unit,
    kind: str,
    held_on: Any,
    place: str = "",
    title: str = "",
    leaflets: Any = 0,
    summary: str = "",
    unlisted_count: Any = 0,
    today: date | None = None,
) -> tuple[Activity, bool]:
    """Record an activity held by `unit`; returns (activity, created).

    A retry with the same client_key returns the first record unchanged."""
    key = parse_key(client_key)
    existing = Activity.objects.filter(client_key=key).first()
    if existing is not None:
        return existing, False
    if not may_record(by, unit):
        raise NotFound(_("找不到该单元"))
    if kind not in ActivityKind.values:
        raise DomainError(_("请选择活动类型"), field="kind")
    day = past_or_today(held_on, field=_("活动日期"), today=today)
    unlisted = count(unlisted_count, field=_("名单外人次"))
    _check_population(unit, unlisted)
    activity = Activity(
        client_key=key,
        unit=unit,
        kind=kind,
        held_on=day,
        place=clean(place, limit=120, field=_("地点")),
        title=clean(title, limit=80, field=_("主题")),
        organiser=by,
        leaflets=count(leaflets, field=_("发放资料份数")),
        summary=clean(summary, limit=4000, field=_("小结")),
        unlisted_count=unlisted,
        person_times=unlisted,
        checkin_code=new_code(day),
        **scope_of(unit),
    )
    try:
        with transaction.atomic():
            activity.save(force_insert=True)
    except IntegrityError:
        existing = Activity.objects.filter(client_key=key).first()
        if existing is None:
            raise
        return existing, False
    return activity, True


def _check_population(unit: Unit, total: int) -> None:
    ceiling = population(unit)
    if total > ceiling:
        raise DomainError(
            _("参加人次（%(n)d）超过%(unit)s的人口（%(p)d）")
            % {"n": total, "unit": unit.name, "p": ceiling},
            field="unlisted_count",
        )


def activity_update(
    *,
    activity: Activity,
    by: Any,
    summary: str | None = None,
    leaflets: Any = None,
    unlisted_count: Any = None,
    place: str | None = None,
) -> Activity:
    if not may_record(by, activity):
        raise NotAllowed(_("无权修改该活动"))
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        if summary is not None:
            locked.summary = clean(summary, limit=4000, field=_("小结"))
        if leaflets is not None:
            locked.leaflets = count(leaflets, field=_("发放资料份数"))
        if place is not None:
            locked.place = clean(place, limit=120, field=_("地点"))
        if unlisted_count is not None:
            locked.unlisted_count = count(unlisted_count, field=_("名单外人次"))
        _recount(locked)
        locked.save()
    return locked


def _recount(activity: Activity) -> None:
    """person_times = attendance rows + unlisted_count, within the unit's population."""
    rows = Attendance.objects.filter(activity=activity).count()
    activity.person_times = rows + activity.unlisted_count
    _check_population(activity.unit, activity.person_times)


# --- attendance ---------------------------------------------------------------------
@dataclass(frozen=True)
class Person:
    """Someone who can be ticked: a resident of the unit, or a chief's login."""

    key: str  # "r<id>" or "u<id>"
    name: str
    is_chief: bool
    resident_id: int | None
    user_id: int | None


def candidates(unit: Unit, *, limit: int = 500) -> list[Person]:
    """The unit's chiefs (and cadre) first, then its residents on the roll."""
    posts = (
        active_posts()
        .filter(**{"unit__" + SCOPE_FIELD[unit.level]: unit.pk})
        .exclude(role__in=[Role.STATION_STAFF])
        .select_related("user", "resident")
    )
    people: list[Person] = []
    seen_residents: set[int] = set()
    for p in posts.order_by("unit__path", "id"):
        if p.resident_id:
            seen_residents.add(p.resident_id)
            people.append(
                Person(f"r{p.resident_id}", p.holder_name, True, p.resident_id, None)
            )
        elif p.user_id:
            people.append(Person(f"u{p.user_id}", p.holder_name, True, None, p.user_id))
    residents = Resident.objects.filter(
        is_active=True,
        household__is_active=True,
        **{"household__" + SCOPE_FIELD[unit.level]: unit.pk},
    ).order_by("household__code", "id")[:limit]
    for r in residents:
        if r.pk not in seen_residents:
            people.append(Person(f"r{r.pk}", r.name, False, r.pk, None))
    return people


def _chief_resident_ids(resident_ids: Iterable[int]) -> set[int]:
    return set(
        active_posts()
        .filter(resident_id__in=list(resident_ids), role__in=CHIEF_ROLES)
        .values_list("resident_id", flat=True)
    )


def attendance_set(
    *, activity: Activity, by: Any, people: Sequence[str], now: datetime | None = None
) -> Activity:
    """Make the ticked list ("r<id>" residents, "u<id>" logins) the list-taken rows.

    Rows made by code check-in are kept; ticks outside the unit's list are refused."""
    if not may_record(by, activity):
        raise NotAllowed(_("无权登记该活动的参加人"))
    allowed = {p.key: p for p in candidates(activity.unit, limit=100_000)}
    unknown = [k for k in people if k not in allowed]
    if unknown:
        raise DomainError(_("勾选的人员不在本单元名单中"))
    now = now or timezone.now()
    chosen = [allowed[k] for k in dict.fromkeys(people)]
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        existing = list(Attendance.objects.filter(activity=locked))
        have = {(a.resident_id, a.user_id) for a in existing}
        keep = {(p.resident_id, p.user_id) for p in chosen}
        Attendance.objects.filter(
            pk__in=[
                a.pk
                for a in existing
                if a.method == AttendanceMethod.LIST
                and (a.resident_id, a.user_id) not in keep
            ]
        ).delete()
        Attendance.objects.bulk_create(
            [
                Attendance(
                    activity=locked,
                    resident_id=p.resident_id,
                    user_id=p.user_id,
                    name=p.name,
                    is_chief=p.is_chief,
                    checked_in_at=now,
                    method=AttendanceMethod.LIST,
                )
                for p in chosen
                if (p.resident_id, p.user_id) not in have
                and not _same_person(existing, p)
            ]
        )
        _recount(locked)  # raises (and rolls back) above the population
        locked.save(update_fields=["person_times", "updated_at"])
    return locked


def _same_person(rows: list[Attendance], p: Person) -> bool:
    return any(
        (p.resident_id and a.resident_id == p.resident_id)
        or (p.user_id and a.user_id == p.user_id)
        for a in rows
    )


CHECKIN_MISSES_PER_DAY = 10


def find_by_code(code: str, *, on: date) -> Activity:
    code = (code or "").strip()
    activity = None
    if len(code) == 6 and code.isdigit():
        activity = (
            Activity.objects.filter(held_on=on, checkin_code=code)
            .select_related("unit")
            .first()
        )
    if activity is None:
        raise DomainError(
            _("签到码错误或已过期（签到码只在活动当天有效）"), field="code"
        )
    return activity


def checkin_by_code(
    *, user: Any, code: str, now: datetime | None = None
) -> tuple[Activity, bool]:
    """A person checks themselves in with the code shown at the event (that day only).

    Returns (activity, created); checking in twice keeps one row."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    # Six digits can be guessed: a person gets a few wrong tries a day, then must ask
    # the organiser, so nobody checks in to an event they are not at by trying codes.
    tries_key = f"checkin-misses:{getattr(user, 'pk', None)}:{day.isoformat()}"
    if cache.get(tries_key, 0) >= CHECKIN_MISSES_PER_DAY:
        raise DomainError(
            _("签到码输错次数过多，今天不能再试；请向活动组织者核对"), field="code"
        )
    try:
        activity = find_by_code(code, on=day)
    except DomainError:
        cache.set(tries_key, cache.get(tries_key, 0) + 1, timeout=24 * 3600)
        raise
    person = _self_person(user, activity)
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        rows = list(Attendance.objects.filter(activity=locked))
        if _same_person(rows, person):
            return locked, False
        Attendance.objects.create(
            activity=locked,
            resident_id=person.resident_id,
            user_id=person.user_id,
            name=person.name,
            is_chief=person.is_chief,
            checked_in_at=now,
            method=AttendanceMethod.CODE,
        )
        _recount(locked)
        locked.save(update_fields=["person_times", "updated_at"])
    return locked, True


def _self_person(user: Any, activity: Activity) -> Person:
    """The signed-in person, if they belong to the activity's township."""
    if user is None or not user.is_authenticated:
        raise NotAllowed(_("请先登录"))
    grants = access_for(user).grants
    chief = any(g.role in CHIEF_ROLES for g in grants)
    household = own_household(user)
    in_township = (
        household is not None and household.township_id == activity.township_id
    ) or any(g.township_id == activity.township_id for g in grants)
    if not in_township:
        # Same words as a wrong code: a code of another township reveals nothing.
        raise DomainError(
            _("签到码错误或已过期（签到码只在活动当天有效）"), field="code"
        )
    name = str(user)
    if user.resident_id:
        return Person(f"r{user.resident_id}", name, chief, user.resident_id, None)
    return Person(f"u{user.pk}", name, chief or bool(grants), None, user.pk)


# --- photos -------------------------------------------------------------------------
def photo_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "activities"
    path.mkdir(parents=True, exist_ok=True)
    return path


def photo_path(name: str) -> Path:
    return photo_dir() / Path(name).name


def photos_add(*, activity: Activity, by: Any, uploads: Sequence[Any]) -> int:
    """Check every photo first (as for cases), then store them under random names."""
    if not may_record(by, activity):
        raise NotAllowed(_("无权上传照片"))
    if not uploads:
        raise DomainError(_("请选择照片"))
    have = ActivityPhoto.objects.filter(activity=activity).count()
    if have + len(uploads) > MAX_PHOTOS:
        raise DomainError(_("每个活动最多 %(n)d 张照片") % {"n": MAX_PHOTOS})
    checked: list[CheckedPhoto] = [photo_check(u) for u in uploads]
    stored: list[str] = []
    try:
        for photo in checked:
            name = f"{secrets.token_hex(16)}.{photo.ext}"
            (photo_dir() / name).write_bytes(photo.data)
            stored.append(name)
        with transaction.atomic():
            ActivityPhoto.objects.bulk_create(
                [
                    ActivityPhoto(
                        activity=activity,
                        township_id=activity.township_id,
                        file=name,
                        content_type=photo.content_type,
                        size=len(photo.data),
                        width=photo.width,
                        height=photo.height,
                        uploaded_by=by,
                    )
                    for photo, name in zip(checked, stored, strict=True)
                ]
            )
    except Exception:
        for name in stored:
            photo_path(name).unlink(missing_ok=True)
        raise
    return len(stored)


# --- Friday volunteer days ----------------------------------------------------------
def friday_of(day: date) -> date:
    """The Friday of the week of `day` (Monday-Sunday)."""
    return day + timedelta(days=FRIDAY - day.weekday())


def next_friday(day: date) -> date:
    """The coming volunteer day: `day` itself if it is a Friday."""
    return day + timedelta(days=(FRIDAY - day.weekday()) % 7)


def volunteer_day_for(
    unit: Unit, on: Any, *, by: Any | None = None, create: bool = True
) -> Activity | None:
    """The unit's Friday volunteer-day activity of the week of `on` (made on first use).

    Sign-up opens up to a week ahead, so the coming Friday may be after today."""
    day = friday_of(parse_date(on, field=_("日期")))
    if day > timezone.localdate() + timedelta(days=7):
        raise DomainError(_("只能为本周或下周五的志愿日报名"))
    found = Activity.objects.filter(
        unit=unit, kind=ActivityKind.VOLUNTEER_DAY, held_on=day
    ).first()
    if found is not None or not create:
        return found
    organiser = by if by is not None and may_record(by, unit) else None
    with transaction.atomic():
        found = (
            Activity.objects.select_for_update()
            .filter(unit=unit, kind=ActivityKind.VOLUNTEER_DAY, held_on=day)
            .first()
        )
        if found is not None:
            return found
        return Activity.objects.create(
            # Deterministic key: two phones opening the same Friday make one record.
            client_key=uuid.uuid5(uuid.NAMESPACE_URL, f"sanzhang:vday:{unit.pk}:{day}"),
            unit=unit,
            kind=ActivityKind.VOLUNTEER_DAY,
            title=_("周五志愿日"),
            held_on=day,
            organiser=organiser,
            checkin_code=new_code(day),
            **scope_of(unit),
        )


def may_join(user: Any, activity: Activity) -> bool:
    """A resident joins their own units' volunteer days; recorders join any in scope."""
    if may_record(user, activity):
        return True
    household = own_household(user)
    return household is not None and activity.unit_id in household_unit_ids(household)


def volunteer_signup(
    *, activity: Activity, user: Any, now: datetime | None = None
) -> bool:
    """Sign the user up; returns False if they already were."""
    if activity.kind != ActivityKind.VOLUNTEER_DAY:
        raise DomainError(_("只有周五志愿日可以报名"))
    if not may_join(user, activity):
        raise NotFound(_("找不到该活动"))
    if activity.held_on < timezone.localdate(now):
        raise DomainError(_("该志愿日已过，不能再报名"))
    q = Q(user=user)
    if user.resident_id:
        q |= Q(resident_id=user.resident_id)
    if VolunteerSignup.objects.filter(q, activity=activity).exists():
        return False
    chief = any(g.role in CHIEF_ROLES for g in access_for(user).grants)
    VolunteerSignup.objects.create(
        activity=activity,
        resident_id=user.resident_id,
        user=None if user.resident_id else user,
        name=str(user),
        is_chief=chief,
        signed_up_at=now or timezone.now(),
    )
    return True


def parse_hours(value: Any) -> Decimal:
    try:
        hours = Decimal(str(value).strip() or "0")
    except InvalidOperation:
        raise DomainError(_("时长须为数字"), field="hours") from None
    if not hours.is_finite() or hours < 0 or hours > 24:
        raise DomainError(_("时长须在 0 到 24 小时之间"), field="hours")
    return hours.quantize(Decimal("0.1"))


def hours_set(*, activity: Activity, by: Any, hours: dict[int, Any]) -> int:
    """Set volunteer hours by attendance id; all values are checked before any is saved."""
    if not may_record(by, activity):
        raise NotAllowed(_("无权登记时长"))
    if activity.held_on > timezone.localdate():
        raise DomainError(_("志愿日还没到，不能登记时长"))
    parsed = {int(k): parse_hours(v) for k, v in hours.items()}
    rows = {
        a.pk: a for a in Attendance.objects.filter(activity=activity, pk__in=parsed)
    }
    if len(rows) != len(parsed):
        raise DomainError(_("有人员不在本次签到名单中"))
    with transaction.atomic():
        for pk, value in parsed.items():
            rows[pk].hours = value
        Attendance.objects.bulk_update(list(rows.values()), ["hours"])
    return len(rows)


@dataclass(frozen=True)
class HoursRow:
    name: str
    is_chief: bool
    resident_id: int | None
    user_id: int | None
    days: int
    hours: Decimal


def volunteer_hours(
    unit: Unit, start: date, end: date, *, person: str = ""
) -> list[HoursRow]:
    """Volunteer hours per person over the unit's subtree's volunteer days in [start, end]."""
    qs = Attendance.objects.filter(
        activity__kind=ActivityKind.VOLUNTEER_DAY,
        activity__held_on__gte=start,
        activity__held_on__lte=end,
        **{"activity__" + SCOPE_FIELD[unit.level]: unit.pk},
    )
    if person:
        qs = qs.filter(name__contains=person)
    rows = (
        qs.values("resident_id", "user_id")
        .annotate(days=Count("activity_id", distinct=True), total=Sum("hours"))
        .order_by("-total", "resident_id", "user_id")
    )
    names = dict(
        qs.values_list("resident_id", "name").filter(resident_id__isnull=False)
    )
    unames = dict(qs.values_list("user_id", "name").filter(resident_id__isnull=True))
    chiefs = set(
        qs.filter(is_chief=True).values_list("resident_id", "user_id").distinct()
    )
    return [
        HoursRow(
            name=names.get(r["resident_id"]) or unames.get(r["user_id"]) or "",
            is_chief=(r["resident_id"], r["user_id"]) in chiefs,
            resident_id=r["resident_id"],
            user_id=r["user_id"],
            days=r["days"],
            hours=r["total"] or Decimal("0"),
        )
        for r in rows
    ]
