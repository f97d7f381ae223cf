"""The one shape every transition takes: check the move, conditional UPDATE on the
version, one CaseEvent, notifications, all in one transaction; return the case."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhang.core.errors import Conflict, DomainError
from sanzhang.org.levels import ANCESTOR_FIELDS
from sanzhang.org.models import Station

from ..deadlines import WorkCalendar, deadline
from ..defaults import WARN_SHARE
from ..models import Case, CaseEvent
from ..states import HandlingLevel, Move, check_move

MAX_NOTE = 2000


def actor_name(by: Any) -> str:
    if by is None:
        return "系统"
    return str(getattr(by, "display_name", "") or getattr(by, "username", ""))


def clean_note(note: str | None, *, required: bool = False, field: str = "") -> str:
    text = (note or "").strip()
    if required and not text:
        raise DomainError(_("请填写%(field)s") % {"field": field or _("理由")})
    if len(text) > MAX_NOTE:
        raise DomainError(_("文字过长（最多 2000 字）"))
    return text


def scope_values(case: Case) -> dict[str, Any]:
    return {f: getattr(case, f) for f in ANCESTOR_FIELDS}


def event_add(case: Case, **fields: Any) -> CaseEvent:
    """Write one timeline event (see `event_build` for the fields)."""
    event = event_build(case, **fields)
    event.save(force_insert=True)
    return event


def event_build(
    case: Case,
    *,
    kind: str,
    by: Any,
    now: datetime,
    note: str = "",
    from_status: str = "",
    to_status: str = "",
    from_level: str = "",
    to_level: str = "",
    data: dict | None = None,
) -> CaseEvent:
    """An unsaved timeline event, for writers that insert several in one statement."""
    return CaseEvent(
        case=case,
        kind=kind,
        at=now,
        by=by if getattr(by, "pk", None) else None,
        by_name=actor_name(by),
        from_status=from_status,
        to_status=to_status,
        from_level=from_level,
        to_level=to_level,
        unit_id=case.handling_unit_id,
        station_id=case.station_id,
        note=note,
        data=data or {},
        **scope_values(case),
    )


def unit_id_for_level(case: Case, level: str) -> int:
    """The unit that answers for `level` at the case's place (station: the township)."""
    if level == HandlingLevel.NEIGHBORHOOD and case.neighborhood_id:
        return case.neighborhood_id
    field = {
        HandlingLevel.NEIGHBORHOOD: "villager_group_id",  # no neighbourhood: its group
        HandlingLevel.GROUP: "villager_group_id",
        HandlingLevel.AREA: "area_id",
        HandlingLevel.VILLAGE: "village_id",
        HandlingLevel.STATION: "township_id",
    }[level]
    unit_id = getattr(case, field)
    if unit_id is None:
        raise DomainError(_("该事件的位置不完整，无法交给该层级"))
    return unit_id


def station_for(case: Case, code: str | None) -> Station:
    """The named station, else the category's default, else 综治中心."""
    codes = [c for c in (code, case.category.default_station_code, "zongzhi") if c]
    stations = {
        s.code: s
        for s in Station.objects.filter(township_id=case.township_id, code__in=codes)
    }
    for c in codes:
        if c in stations:
            return stations[c]
    raise DomainError(_("找不到该乡站所"))


def arrival(
    case: Case, level: str, *, now: datetime, station: Station | None = None
) -> dict[str, Any]:
    """Fields that place the case at `level`, with a fresh time limit for that level."""
    if level == HandlingLevel.NEIGHBORHOOD and not case.neighborhood_id:
        level = HandlingLevel.GROUP
    if case.is_urgent:
        due_at = now + timedelta(hours=case.category.urgent_hours)
        warn_at = now + (due_at - now) * WARN_SHARE
    else:
        days = case.category.limit_for(level)
        warn_at, due_at = deadline(
            start=now, days=days, calendar=WorkCalendar.for_township(case.township_id)
        )
    return {
        "handling_level": level,
        "handling_unit_id": unit_id_for_level(case, level),
        "station_id": station.pk
        if level == HandlingLevel.STATION and station
        else None,
        "arrived_at": now,
        "warn_at": warn_at,
        "due_at": due_at,
        "deadline_flag": "",
    }


def case_move(
    *,
    case: Case,
    by: Any,
    move: Move,
    kind: str,
    changes: dict[str, Any] | None = None,
    note: str = "",
    target: str | None = None,
    now: datetime | None = None,
    data: dict | None = None,
    after: Callable[[Case, datetime], None] | None = None,
) -> Case:
    """Apply `move` if the case is still at the version the actor saw; else Conflict."""
    transition = check_move(move, case.status)
    to_status = target or transition.target or case.status
    now = now or timezone.now()
    changes = dict(changes or {})
    from_status, from_level = case.status, case.handling_level
    expected = case.version
    with transaction.atomic():
        updated = Case.objects.filter(pk=case.pk, version=expected).update(
            status=to_status, version=F("version") + 1, updated_at=now, **changes
        )
        if not updated:
            raise Conflict(_("该事件刚被他人处理过，请刷新后查看"))
        for field, value in changes.items():
            setattr(case, field, value)
        case.status = to_status
        case.version = expected + 1
        case.updated_at = now
        if "station_id" in changes:
            case.__dict__.get("_state").fields_cache.pop("station", None)
        if "handling_unit_id" in changes:
            case.__dict__.get("_state").fields_cache.pop("handling_unit", None)
        event_add(
            case,
            kind=kind,
            by=by,
            now=now,
            note=note,
            from_status=from_status,
            to_status=to_status,
            from_level=from_level,
            to_level=case.handling_level,
            data=data,
        )
        if after is not None:
            after(case, now)
    return case
