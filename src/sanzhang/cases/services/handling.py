"""Handling a case at its level: take it, resolve it, pass it up, send it back,
refer it to a station, note progress, gather duplicates into one case."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhang.core.errors import Conflict, DomainError, NotAllowed
from sanzhang.org.levels import ANCESTOR_FIELDS

from ..access import case_owner_ids, follow_up_user_ids, may_handle, may_track
from ..deadlines import WorkCalendar, deadline
from ..defaults import FOLLOW_UP_DAYS
from ..models import Case, CaseEvent, CaseHousehold
from ..states import CaseStatus, HandlingLevel, Move, check_move, level_above
from .loop import arrival, case_move, clean_note, event_add, station_for
from .notify import notify


def _require_handler(case: Case, by: Any) -> None:
    if by is not None and not may_handle(by, case):
        raise NotAllowed(
            _("该事件现由%(who)s办理，您无权操作") % {"who": case.handler_label}
        )


def _tell_owners(case: Case, now: datetime, text: str, *, by: Any = None) -> None:
    owners = case_owner_ids(case)
    owners.discard(getattr(by, "pk", None))
    notify(case=case, township_id=case.township_id, user_ids=owners, now=now, text=text)


def _due(case: Case) -> str:
    return timezone.localtime(case.due_at).strftime("%m-%d %H:%M")


def case_accept(*, case: Case, by: Any) -> Case:
    """Sign for the case (签收): the level that holds it starts work on it."""
    check_move(Move.ACCEPT, case.status)
    _require_handler(case, by)
    return case_move(case=case, by=by, move=Move.ACCEPT, kind=CaseEvent.Kind.ACCEPTED)


def case_escalate(
    *,
    case: Case,
    by: Any,
    reason: str,
    station_code: str | None = None,
    now: datetime | None = None,
    kind: str = CaseEvent.Kind.ESCALATED,
) -> Case:
    """Hand the case one level up the ladder (吹哨) and record why.

    `by=None` is the scheduler escalating an overdue case."""
    check_move(Move.ESCALATE, case.status)
    reason = clean_note(reason, required=True, field=_("上报理由"))
    if by is not None:
        _require_handler(case, by)
    up = level_above(case.handling_level)
    if up is None:
        raise DomainError(_("已在乡站所，不能再上报；可列为重难点督办"))
    now = now or timezone.now()
    station = station_for(case, station_code) if up == HandlingLevel.STATION else None
    changes = arrival(case, up, now=now, station=station)
    if (
        changes["handling_unit_id"] == case.handling_unit_id
        and up != HandlingLevel.STATION
    ):
        # No unit at this level here (a case without a neighbourhood): skip a rung.
        changes = arrival(case, level_above(up) or up, now=now, station=station)

    def after(c: Case, at: datetime) -> None:
        _tell_owners(
            c,
            at,
            _("事件 #%(id)s（%(cat)s）已上报到您处：%(reason)s，时限 %(due)s")
            % {
                "id": c.pk,
                "cat": c.category.name,
                "reason": reason[:60],
                "due": _due(c),
            },
            by=by,
        )

    return case_move(
        case=case,
        by=by,
        move=Move.ESCALATE,
        kind=kind,
        changes=changes,
        note=reason,
        now=now,
        after=after,
    )


def _level_before_station(case: Case) -> str:
    last = (
        CaseEvent.objects.filter(case=case, to_level=HandlingLevel.STATION)
        .exclude(from_level=HandlingLevel.STATION)
        .exclude(from_level="")
        .order_by("-at", "-id")
        .values_list("from_level", flat=True)
        .first()
    )
    return last or HandlingLevel.VILLAGE


def case_return(*, case: Case, by: Any, reason: str) -> Case:
    """A station sends the case back (退回) to the level it came from, with a reason."""
    check_move(Move.RETURN, case.status)
    reason = clean_note(reason, required=True, field=_("退回理由"))
    if case.handling_level != HandlingLevel.STATION:
        raise DomainError(_("只有乡站所可以退回事件"))
    _require_handler(case, by)
    now = timezone.now()
    down = _level_before_station(case)
    changes = arrival(case, down, now=now)

    def after(c: Case, at: datetime) -> None:
        _tell_owners(
            c,
            at,
            _("事件 #%(id)s 被退回：%(reason)s") % {"id": c.pk, "reason": reason[:80]},
            by=by,
        )

    return case_move(
        case=case,
        by=by,
        move=Move.RETURN,
        kind=CaseEvent.Kind.RETURNED,
        changes=changes,
        note=reason,
        now=now,
        after=after,
    )


def case_refer(*, case: Case, by: Any, station_code: str, reason: str) -> Case:
    """Refer the case straight to a township station (e.g. a failed mediation to 司法所)."""
    check_move(Move.REFER, case.status)
    reason = clean_note(reason, required=True, field=_("转交理由"))
    _require_handler(case, by)
    now = timezone.now()
    station = station_for(case, station_code)
    if case.handling_level == HandlingLevel.STATION and case.station_id == station.pk:
        raise DomainError(_("事件已在该乡站所"))
    changes = arrival(case, HandlingLevel.STATION, now=now, station=station)

    def after(c: Case, at: datetime) -> None:
        _tell_owners(
            c,
            at,
            _("事件 #%(id)s（%(cat)s）转交至%(st)s：%(reason)s")
            % {
                "id": c.pk,
                "cat": c.category.name,
                "st": station.name,
                "reason": reason[:60],
            },
            by=by,
        )

    return case_move(
        case=case,
        by=by,
        move=Move.REFER,
        kind=CaseEvent.Kind.REFERRED,
        changes=changes,
        note=reason,
        now=now,
        after=after,
    )


def case_resolve(
    *, case: Case, by: Any, result: str, now: datetime | None = None
) -> Case:
    """Record the result (办结); the household's own chief follows up next."""
    check_move(Move.RESOLVE, case.status)
    result = clean_note(result, required=True, field=_("办理结果"))
    _require_handler(case, by)
    now = now or timezone.now()
    changes = {
        "resolution": result,
        "resolved_at": now,
        "resolved_by_id": by.pk,
        "resolved_level": case.handling_level,
        "resolved_unit_id": case.handling_unit_id,
        "resolved_station_id": case.station_id,
        "resolved_on_time": now <= case.due_at,
        "deadline_flag": "",
    }
    # From now on the clock runs for the follow-up.
    warn_at, due_at = deadline(
        start=now,
        days=FOLLOW_UP_DAYS,
        calendar=WorkCalendar.for_township(case.township_id),
    )
    changes.update(warn_at=warn_at, due_at=due_at)

    def after(c: Case, at: datetime) -> None:
        _answer_merged(c, by=by, now=at)
        notify(
            case=c,
            township_id=c.township_id,
            user_ids=follow_up_user_ids(c),
            now=at,
            text=_("事件 #%(id)s 已办结，请回访居民并记录满意度") % {"id": c.pk},
        )

    return case_move(
        case=case,
        by=by,
        move=Move.RESOLVE,
        kind=CaseEvent.Kind.RESOLVED,
        changes=changes,
        note=result,
        now=now,
        after=after,
    )


def _answer_merged(case: Case, *, by: Any, now: datetime) -> None:
    """Everyone whose case was gathered into this one gets the answer too."""
    merged = list(Case.objects.filter(merged_into=case))
    reporters: set[int] = set()
    for other in merged:
        event_add(
            other,
            kind=CaseEvent.Kind.RESOLVED,
            by=by,
            now=now,
            note=_("并入的事件 #%(id)s 已办结：%(r)s")
            % {"id": case.pk, "r": case.resolution[:200]},
            from_status=other.status,
            to_status=other.status,
        )
        if other.reported_by_id:
            reporters.add(other.reported_by_id)
    if reporters:
        notify(
            case=case,
            township_id=case.township_id,
            user_ids=reporters,
            now=now,
            text=_("您登记的同类事件已随 #%(id)s 办结，请告知居民") % {"id": case.pk},
        )


def case_note(*, case: Case, by: Any, note: str) -> CaseEvent:
    """Add a progress note to the timeline (no change of status)."""
    note = clean_note(note, required=True, field=_("进展"))
    if not (may_handle(by, case) or may_track(by, case)):
        raise NotAllowed(_("无权在该事件上记录进展"))
    with transaction.atomic():
        return event_add(
            case, kind=CaseEvent.Kind.NOTE, by=by, now=timezone.now(), note=note
        )


def case_gather(*, case: Case, others: Sequence[Case], by: Any) -> Case:
    """Gather cases about the same thing into `case` (并案); their households join it,
    and it becomes a tracked issue showing how many households it affects."""
    if not case.is_open or case.status == CaseStatus.RESOLVED:
        raise DomainError(_("只能并入办理中的事件"))
    _require_handler(case, by)
    now = timezone.now()
    with transaction.atomic():
        for other in others:
            if other.pk == case.pk:
                continue
            if other.township_id != case.township_id:
                raise DomainError(_("只能合并本乡镇的事件"))
            if not may_handle(by, other) and not may_track(by, other):
                raise NotAllowed(_("无权合并事件 #%(id)s") % {"id": other.pk})
            case_move(
                case=other,
                by=by,
                move=Move.MERGE,
                kind=CaseEvent.Kind.MERGED,
                changes={"merged_into_id": case.pk},
                now=now,
                note=_("并入事件 #%(id)s") % {"id": case.pk},
            )
            for row in CaseHousehold.objects.filter(case=other):
                CaseHousehold.objects.get_or_create(
                    case=case,
                    household_id=row.household_id,
                    defaults={
                        "added_at": now,
                        "added_by": by,
                        **{f: getattr(row, f) for f in ANCESTOR_FIELDS},
                    },
                )
            event_add(
                case,
                kind=CaseEvent.Kind.GATHERED,
                by=by,
                now=now,
                note=_("并入事件 #%(id)s") % {"id": other.pk},
                data={"case": other.pk},
            )
        updated = Case.objects.filter(pk=case.pk, version=case.version).update(
            is_tracked=True, tracked_at=case.tracked_at or now, version=F("version") + 1
        )
        if not updated:
            raise Conflict(_("该事件刚被他人处理过，请刷新后查看"))
        case.version += 1
        case.is_tracked = True
        case.tracked_at = case.tracked_at or now
    return case


def case_track(
    *, case: Case, by: Any, supervisor_name: str, note: str = "", supervisor: Any = None
) -> Case:
    """Mark a hard case as tracked (重难点督办) under a supervising leader."""
    if not may_track(by, case):
        raise NotAllowed(_("无权列为重难点督办"))
    if not case.is_open:
        raise DomainError(_("已结案的事件不能列为督办"))
    name = (supervisor_name or "").strip()[:50]
    if not name:
        raise DomainError(_("请填写督办领导"))
    note = clean_note(note)
    now = timezone.now()
    with transaction.atomic():
        updated = Case.objects.filter(pk=case.pk, version=case.version).update(
            is_tracked=True,
            supervisor_name=name,
            supervisor=supervisor,
            tracked_at=case.tracked_at or now,
            version=F("version") + 1,
            updated_at=now,
        )
        if not updated:
            raise Conflict(_("该事件刚被他人处理过，请刷新后查看"))
        case.is_tracked, case.supervisor_name, case.supervisor = True, name, supervisor
        case.tracked_at = case.tracked_at or now
        case.version += 1
        event_add(
            case,
            kind=CaseEvent.Kind.TRACKED,
            by=by,
            now=now,
            note=_("督办领导：%(n)s。%(note)s") % {"n": name, "note": note},
        )
    return case
