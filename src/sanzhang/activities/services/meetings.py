"""Meetings (村民议事会, 民情分析会, 三长会议): agenda, attendance, notes, resolutions.

A resolution or need can be sent up as a case (cases.services.intake.case_report); the
case's status then shows on the meeting page. A 民情分析会 starts from a prepared agenda:
one item per open case located in the unit's subtree (the area's monthly review).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sanzhang.cases.models import Case, Category
from sanzhang.cases.services.intake import case_report
from sanzhang.cases.states import OPEN_STATUSES, Source
from sanzhang.core.errors import DomainError, NotAllowed
from sanzhang.org.levels import SCOPE_FIELD
from sanzhang.org.models import Unit

from ..access import may_record
from ..models import AgendaItem, Meeting, MeetingAttendee, MeetingKind, Resolution
from .activities import candidates
from .common import case_level_for, parse_key, past_or_today, scope_of
from .common import text as clean

MAX_PREPARED_ITEMS = 200


def open_cases(unit: Unit):
    """The open cases located in the unit's subtree, oldest first (the agenda order)."""
    return (
        Case.objects.filter(
            status__in=OPEN_STATUSES, **{SCOPE_FIELD[unit.level]: unit.pk}
        )
        .select_related("category")
        .order_by("created_at", "id")
    )


def meeting_create(
    *,
    by: Any,
    client_key: Any,
    unit: Unit,
    kind: str,
    held_on: Any,
    title: str = "",
    place: str = "",
    notes: str = "",
    agenda: list[str] | None = None,
    today: date | None = None,
) -> tuple[Meeting, bool]:
    key = parse_key(client_key)
    existing = Meeting.objects.filter(client_key=key).first()
    if existing is not None:
        return existing, False
    if not may_record(by, unit):
        raise DomainError(_("该单元不在您的管辖范围内"), field="unit")
    if kind not in MeetingKind.values:
        raise DomainError(_("请选择会议类型"), field="kind")
    day = past_or_today(held_on, field=_("会议日期"), today=today)
    items = [clean(a, limit=200, field=_("议题")) for a in agenda or []]
    meeting = Meeting(
        client_key=key,
        unit=unit,
        kind=kind,
        held_on=day,
        title=clean(title, limit=80, field=_("会议名称"))
        or str(MeetingKind(kind).label),
        place=clean(place, limit=120, field=_("地点")),
        notes=clean(notes, limit=10000, field=_("讨论记录")),
        convener=by,
        **scope_of(unit),
    )
    try:
        with transaction.atomic():
            meeting.save(force_insert=True)
            rows = [
                AgendaItem(meeting=meeting, position=i, title=t)
                for i, t in enumerate((t for t in items if t), start=1)
            ]
            if kind == MeetingKind.CONCERNS:
                rows += _prepared_agenda(meeting, start=len(rows) + 1)
            AgendaItem.objects.bulk_create(rows)
    except IntegrityError:
        existing = Meeting.objects.filter(client_key=key).first()
        if existing is None:
            raise
        return existing, False
    return meeting, True


def _prepared_agenda(meeting: Meeting, *, start: int) -> list[AgendaItem]:
    return [
        AgendaItem(
            meeting=meeting,
            position=start + i,
            title=_("事件 #%(id)s %(cat)s：%(title)s")
            % {"id": c.pk, "cat": c.category.name, "title": c.title},
            case=c,
        )
        for i, c in enumerate(open_cases(meeting.unit)[:MAX_PREPARED_ITEMS])
    ]


def _may(by: Any, meeting: Meeting) -> None:
    if not may_record(by, meeting):
        raise NotAllowed(_("无权修改该会议记录"))


def meeting_update(
    *,
    meeting: Meeting,
    by: Any,
    notes: str | None = None,
    discussions: dict[int, str] | None = None,
    add_agenda: str = "",
) -> Meeting:
    _may(by, meeting)
    with transaction.atomic():
        if notes is not None:
            meeting.notes = clean(notes, limit=10000, field=_("讨论记录"))
            meeting.save(update_fields=["notes", "updated_at"])
        items = {a.pk: a for a in meeting.agenda.all()}
        for pk, value in (discussions or {}).items():
            if pk in items:
                items[pk].discussion = clean(value, limit=4000, field=_("讨论情况"))
                items[pk].save(update_fields=["discussion"])
        title = clean(add_agenda, limit=200, field=_("议题"))
        if title:
            AgendaItem.objects.create(
                meeting=meeting, position=len(items) + 1, title=title
            )
    return meeting


def attendees_set(*, meeting: Meeting, by: Any, people: list[str]) -> int:
    """The ticked list ("r<id>"/"u<id>" from the unit's chiefs and residents)."""
    _may(by, meeting)
    allowed = {p.key: p for p in candidates(meeting.unit, limit=100_000)}
    if any(k not in allowed for k in people):
        raise DomainError(_("勾选的人员不在本单元名单中"))
    chosen = [allowed[k] for k in dict.fromkeys(people)]
    with transaction.atomic():
        MeetingAttendee.objects.filter(meeting=meeting).delete()
        MeetingAttendee.objects.bulk_create(
            [
                MeetingAttendee(
                    meeting=meeting,
                    resident_id=p.resident_id,
                    user_id=p.user_id,
                    name=p.name,
                )
                for p in chosen
            ]
        )
    return len(chosen)


def resolution_add(
    *, meeting: Meeting, by: Any, text: str, kind: str = Resolution.Kind.RESOLUTION
) -> Resolution:
    _may(by, meeting)
    if kind not in Resolution.Kind.values:
        raise DomainError(_("请选择决议或诉求"))
    body = clean(text, limit=2000, field=_("内容"), required=True)
    return Resolution.objects.create(meeting=meeting, kind=kind, text=body)


def resolution_send_up(
    *, resolution: Resolution, by: Any, category: Category | None
) -> Case:
    """Raise a case from the resolution (once: a second send returns the same case)."""
    meeting = resolution.meeting
    _may(by, meeting)
    if resolution.case_id:
        return resolution.case
    if category is None or category.township_id != meeting.township_id:
        raise DomainError(_("请选择本乡镇的事件分类"), field="category")
    # A key derived from the resolution: a double tap or a retry makes one case.
    key = uuid.uuid5(uuid.NAMESPACE_URL, f"sanzhang:resolution:{resolution.pk}")
    label = MeetingKind(meeting.kind).label
    case, _created = case_report(
        by=by,
        client_key=key,
        category=category,
        text=f"【{label} {meeting.held_on:%Y-%m-%d}】{resolution.text}",
        unit=meeting.unit,
        source=Source.COUNCIL,
        level=case_level_for(meeting.unit, category),
        place=meeting.place,
    )
    with transaction.atomic():
        Resolution.objects.filter(pk=resolution.pk, case__isnull=True).update(case=case)
    resolution.case = case
    return case
