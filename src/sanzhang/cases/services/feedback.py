"""The follow-up (回访): the household's own neighbourhood chief asks the resident,
never whoever resolved it. 不满意 reopens the case at the level that resolved it and
counts against that level; the second follow-up then belongs to the village."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhang.core.errors import DomainError, NotAllowed
from sanzhang.org.levels import ANCESTOR_FIELDS

from ..access import CaseAction, case_grants, case_owner_ids, may_follow_up
from ..models import Case, CaseEvent, FollowUp
from ..states import CaseStatus, HandlingLevel, Move, Satisfaction, check_move
from .loop import arrival, case_move, clean_note, event_add
from .notify import notify


def case_follow_up(
    *,
    case: Case,
    by: Any,
    satisfaction: str,
    note: str = "",
    now: datetime | None = None,
) -> Case:
    """Record the resident's satisfaction; close the case, or reopen it (不满意)."""
    check_move(Move.FOLLOW_UP, case.status)
    if satisfaction not in Satisfaction.values:
        raise DomainError(_("请选择满意度"))
    note = clean_note(note)
    if not may_follow_up(by, case):
        if by is not None and by.pk == case.resolved_by_id:
            raise NotAllowed(_("办结人不能自己回访，应由该户的邻长回访"))
        if case.needs_village_follow_up:
            raise NotAllowed(_("第二次回访由村两委负责"))
        raise NotAllowed(_("回访应由该户的邻长进行"))
    now = now or timezone.now()
    round_no = case.follow_ups.count() + 1
    satisfied = satisfaction != Satisfaction.DISSATISFIED
    scope = {f: getattr(case, f) for f in ANCESTOR_FIELDS}
    resolved = {
        "resolved_level": case.resolved_level,
        "resolved_unit_id": case.resolved_unit_id,
        "resolved_station_id": case.resolved_station_id,
    }
    village_round = case.needs_village_follow_up

    def after(c: Case, at: datetime) -> None:
        FollowUp.objects.create(
            case=c,
            round=round_no,
            by=by,
            satisfaction=satisfaction,
            note=note,
            is_village_round=village_round,
            at=at,
            **resolved,
            **scope,
        )
        if satisfied:
            event_add(
                c,
                kind=CaseEvent.Kind.CLOSED,
                by=by,
                now=at,
                from_status=CaseStatus.RESOLVED,
                to_status=CaseStatus.CLOSED,
            )
            return
        event_add(
            c,
            kind=CaseEvent.Kind.REOPENED,
            by=by,
            now=at,
            note=note,
            from_status=CaseStatus.RESOLVED,
            to_status=CaseStatus.HANDLING,
            to_level=c.handling_level,
            data={
                "against_level": resolved["resolved_level"],
                "reopen_count": c.reopen_count,
            },
        )
        notify(
            case=c,
            township_id=c.township_id,
            user_ids=case_owner_ids(c),
            now=at,
            text=_("事件 #%(id)s 回访不满意，已退回重办：%(note)s")
            % {"id": c.pk, "note": note[:60]},
        )

    if satisfied:
        changes: dict[str, Any] = {
            "satisfaction": satisfaction,
            "closed_at": now,
            "deadline_flag": "",
        }
        target = CaseStatus.CLOSED
    else:
        # Back to the level that resolved it, with a fresh time limit there.
        level = case.resolved_level or HandlingLevel.VILLAGE
        station = case.resolved_station if level == HandlingLevel.STATION else None
        changes = arrival(case, level, now=now, station=station)
        changes.update(
            satisfaction=satisfaction,
            reopen_count=case.reopen_count + 1,
            needs_village_follow_up=True,
            # A second 不满意 goes to leadership review (领导包案): tracked.
            is_tracked=case.is_tracked or case.reopen_count >= 1,
        )
        target = CaseStatus.HANDLING
    return case_move(
        case=case,
        by=by,
        move=Move.FOLLOW_UP,
        kind=CaseEvent.Kind.FOLLOWED_UP,
        changes=changes,
        note=note,
        target=target,
        now=now,
        after=after,
        data={"satisfaction": satisfaction, "round": round_no},
    )


def case_close_without_follow_up(*, case: Case, by: Any, reason: str) -> Case:
    """Close a resolved case whose follow-up was impossible, recording why."""
    check_move(Move.CLOSE_WITHOUT_FOLLOW_UP, case.status)
    reason = clean_note(reason, required=True, field=_("无法回访的原因"))
    if not may_follow_up(by, case) and not any(
        g.covers(case) for g in case_grants(by, CaseAction.TRACK)
    ):
        raise NotAllowed(_("无权结案"))
    now = timezone.now()
    return case_move(
        case=case,
        by=by,
        move=Move.CLOSE_WITHOUT_FOLLOW_UP,
        kind=CaseEvent.Kind.CLOSED,
        changes={"closed_at": now, "close_reason": reason[:200], "deadline_flag": ""},
        note=reason,
        now=now,
    )
