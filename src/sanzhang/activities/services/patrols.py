"""Patrols: levee sections per village, shifts with a roster (a levee section or a
night-patrol route, date and time window), and check-ins at points. A hazard found at
a point becomes a case in one step, in an emergency (防汛抗旱) category by default, so
the case loop treats it as urgent (its category's is_emergency flag and 1-day limits).
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhang.cases.access import may_report
from sanzhang.cases.models import Category
from sanzhang.cases.services.categories import categories_for
from sanzhang.cases.services.intake import case_report
from sanzhang.cases.states import Source
from sanzhang.core.errors import DomainError, NotAllowed
from sanzhang.org.levels import Level
from sanzhang.org.models import Unit

from ..access import may_record
from ..models import LeveeSection, PatrolCheckin, PatrolKind, PatrolMember, PatrolShift
from .activities import candidates
from .common import case_level_for, parse_date, parse_key, scope_of
from .common import text as clean

# The categories a hazard may be filed under: 防汛抗旱 and 安全隐患 (cases.defaults).
HAZARD_ROOTS = ("flood", "hazard")
DEFAULT_HAZARD = {PatrolKind.LEVEE: "flood.1", PatrolKind.NIGHT: "hazard"}


def hazard_categories(township_id: int) -> list[Category]:
    rows = categories_for(township_id)
    return [
        c
        for c in rows
        if c.code in HAZARD_ROOTS or c.code.split(".")[0] in HAZARD_ROOTS
    ]


def section_create(
    *,
    by: Any,
    village: Unit,
    name: str,
    start_mark: str = "",
    end_mark: str = "",
    points: str = "",
) -> LeveeSection:
    if village.level != Level.VILLAGE:
        raise DomainError(_("堤段须属于一个村"), field="village")
    if not may_record(by, village):
        raise DomainError(_("该村不在您的管辖范围内"), field="village")
    name = clean(name, limit=60, field=_("堤段名称"), required=True)
    if LeveeSection.objects.filter(village=village, name=name).exists():
        raise DomainError(_("本村已有同名堤段"), field="name")
    lines = [clean(p, limit=80, field=_("巡查点")) for p in (points or "").splitlines()]
    return LeveeSection.objects.create(
        village=village,
        township_id=village.township_id,
        name=name,
        start_mark=clean(start_mark, limit=20, field=_("起点桩号")),
        end_mark=clean(end_mark, limit=20, field=_("终点桩号")),
        points="\n".join(p for p in lines if p),
    )


def _time(value: Any, field: str) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value).strip())
    except ValueError:
        raise DomainError(_("%(f)s格式不对") % {"f": field}, field=field) from None


def shift_create(
    *,
    by: Any,
    client_key: Any,
    unit: Unit,
    kind: str,
    on: Any,
    starts_at: Any,
    ends_at: Any,
    section: LeveeSection | None = None,
    route: str = "",
    people: list[str] | None = None,
) -> tuple[PatrolShift, bool]:
    """Plan a shift (it may be in the future: a roster is made ahead)."""
    key = parse_key(client_key)
    existing = PatrolShift.objects.filter(client_key=key).first()
    if existing is not None:
        return existing, False
    if not may_record(by, unit):
        raise DomainError(_("该单元不在您的管辖范围内"), field="unit")
    if kind not in PatrolKind.values:
        raise DomainError(_("请选择巡查类型"), field="kind")
    day = parse_date(on, field=_("日期"))
    if abs((day - timezone.localdate()).days) > 366:
        raise DomainError(_("日期不对"), field="on")
    start, end = _time(starts_at, _("开始时间")), _time(ends_at, _("结束时间"))
    if start == end:
        raise DomainError(_("开始和结束时间不能相同"), field="ends_at")
    route = clean(route, limit=120, field=_("巡逻路线"))
    if kind == PatrolKind.LEVEE:
        if section is None or not section.is_active:
            raise DomainError(_("巡堤查险须选择堤段"), field="section")
        if not may_record(by, section.village) or (
            unit.village_id != section.village_id
        ):
            raise DomainError(_("该堤段不属于本村"), field="section")
    elif not route:
        raise DomainError(_("请填写巡逻路线"), field="route")
    allowed = {p.key: p for p in candidates(unit, limit=100_000)}
    chosen = [allowed.get(k) for k in dict.fromkeys(people or [])]
    if any(p is None for p in chosen):
        raise DomainError(_("排班人员不在本单元名单中"), field="people")
    if not chosen:
        raise DomainError(_("请至少安排一名巡查人员"), field="people")
    shift = PatrolShift(
        client_key=key,
        unit=unit,
        kind=kind,
        section=section if kind == PatrolKind.LEVEE else None,
        route=route,
        on=day,
        starts_at=start,
        ends_at=end,
        leader=by,
        created_by=by,
        **scope_of(unit),
    )
    try:
        with transaction.atomic():
            shift.save(force_insert=True)
            PatrolMember.objects.bulk_create(
                [
                    PatrolMember(
                        shift=shift,
                        resident_id=p.resident_id,
                        user_id=p.user_id,
                        name=p.name,
                    )
                    for p in chosen
                    if p is not None
                ]
            )
    except IntegrityError:
        existing = PatrolShift.objects.filter(client_key=key).first()
        if existing is None:
            raise
        return existing, False
    return shift, True


def shift_points(shift: PatrolShift) -> list[str]:
    if shift.section_id:
        return shift.section.point_list
    return [p.strip() for p in shift.route.replace("，", ",").split(",") if p.strip()]


def may_check_in(user: Any, shift: PatrolShift) -> bool:
    """Those on the roster and those who may record for the unit."""
    if may_record(user, shift):
        return True
    return shift.members.filter(user_id=user.pk).exists() or bool(
        user.resident_id and shift.members.filter(resident_id=user.resident_id).exists()
    )


def _window_open(shift: PatrolShift, now: datetime) -> bool:
    """The shift's day (or the next morning, for a shift that runs past midnight)."""
    today = timezone.localdate(now)
    if shift.on == today:
        return True
    overnight = shift.ends_at < shift.starts_at
    return overnight and shift.on == today - timedelta(days=1)


def checkin_record(
    *,
    shift: PatrolShift,
    by: Any,
    client_key: Any,
    point: str,
    finding: str = "",
    is_hazard: bool = False,
    category: Category | None = None,
    now: datetime | None = None,
) -> tuple[PatrolCheckin, bool]:
    """Check in at a point; with is_hazard the finding is filed as a case at once."""
    key = parse_key(client_key)
    existing = PatrolCheckin.objects.filter(client_key=key).first()
    if existing is not None:
        return existing, False
    if not may_check_in(by, shift):
        raise NotAllowed(_("您不在本班次的排班名单中"))
    now = now or timezone.now()
    if not _window_open(shift, now):
        raise DomainError(_("只能在班次当天签到"), field="point")
    point = clean(point, limit=80, field=_("巡查点"), required=True)
    finding = clean(finding, limit=2000, field=_("发现情况"), required=is_hazard)
    if is_hazard:
        allowed = {c.pk: c for c in hazard_categories(shift.township_id)}
        if category is None:
            code = DEFAULT_HAZARD[PatrolKind(shift.kind)]
            category = next((c for c in allowed.values() if c.code == code), None)
        if category is None or category.pk not in allowed:
            raise DomainError(_("请选择防汛或安全隐患分类"), field="category")
    checkin = PatrolCheckin(
        client_key=key,
        shift=shift,
        point=point,
        at=now,
        by=by,
        finding=finding,
        is_hazard=is_hazard,
        **scope_of(shift.unit),
    )
    try:
        with transaction.atomic():
            if is_hazard:
                where = shift.section.name if shift.section_id else shift.route
                # A rostered villager may find a hazard on the village's levee
                # without a post covering it; the case is then filed in the name of
                # the shift's organiser (who may report there), naming the finder.
                reporter = by if may_report(by, shift.unit) else shift.created_by
                checkin.case, _created = case_report(
                    by=reporter,
                    client_key=uuid.uuid5(key, "case"),
                    category=category,
                    text=_("【%(kind)s发现险情】%(where)s %(point)s：%(finding)s")
                    % {
                        "kind": shift.get_kind_display(),
                        "where": where,
                        "point": point,
                        "finding": finding,
                    }
                    + ("" if reporter == by else _("（巡查人：%(n)s）") % {"n": by}),
                    unit=shift.unit,
                    source=Source.NIGHT_PATROL,
                    urgent=True,  # a hazard found on patrol is urgent by nature
                    level=case_level_for(shift.unit, category),
                    place=f"{where} {point}"[:120],
                    now=now,
                )
            checkin.save(force_insert=True)
    except IntegrityError:
        existing = PatrolCheckin.objects.filter(client_key=key).first()
        if existing is None:
            raise
        return existing, False
    return checkin, True
