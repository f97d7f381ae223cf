"""Time-driven work, run by `sanzhang tick`: flag what is near due (yellow) and overdue
(red), remind the owner, escalate overdue cases one level (吹哨), deliver the outbox.

Running it twice changes nothing the second time: a flag is set once, and an escalated
case gets a fresh time limit at its new level.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhang.core.errors import DomainError
from sanzhang.org.models import Role

from ..access import case_owner_ids, follow_up_user_ids, post_user_ids
from ..models import Case, CaseEvent
from ..states import ACTIVE_STATUSES, CaseStatus, DeadlineFlag, HandlingLevel
from .handling import case_escalate
from .loop import event_add
from .notify import notify, outbox_deliver

# What a tick looks at: cases being handled, and resolved ones awaiting follow-up.
TICK_STATUSES = (*ACTIVE_STATUSES, CaseStatus.RESOLVED)


@dataclass
class TickReport:
    yellow: list[int] = field(default_factory=list)
    red: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    outbox: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        return (
            f"yellow={len(self.yellow)} red={len(self.red)} "
            f"escalated={len(self.escalated)} outbox={self.outbox}"
        )


def _admins(case: Case) -> set[int]:
    from sanzhang.org.selectors import active_posts

    return post_user_ids(
        active_posts().filter(role=Role.TOWNSHIP_ADMIN, unit_id=case.township_id)
    )


def _who(case: Case) -> set[int]:
    if case.status == CaseStatus.RESOLVED:
        return follow_up_user_ids(case)
    return case_owner_ids(case)


def _flag(case: Case, flag: str, now: datetime, text: str, extra: set[int]) -> bool:
    with transaction.atomic():
        updated = (
            Case.objects.filter(pk=case.pk, due_at=case.due_at, status=case.status)
            .exclude(deadline_flag=flag)
            .update(
                deadline_flag=flag,
                overdue_count=F("overdue_count")
                + (1 if flag == DeadlineFlag.RED else 0),
            )
        )
        if not updated:
            return False
        event_add(
            case,
            kind=CaseEvent.Kind.FLAGGED,
            by=None,
            now=now,
            note=text,
            data={"flag": flag},
        )
        notify(
            case=case,
            township_id=case.township_id,
            user_ids=_who(case) | extra,
            now=now,
            text=text,
        )
    return True


def cases_tick(*, now: datetime | None = None, deliver: bool = True) -> TickReport:
    now = now or timezone.now()
    report = TickReport()
    open_cases = Case.objects.filter(status__in=TICK_STATUSES).select_related(
        "category", "station", "handling_unit"
    )

    near, late = _due_ids(open_cases, now)
    near_due = Q(warn_at__lte=now, due_at__gt=now, deadline_flag="")
    for case in _each(open_cases.filter(near_due), near):
        text = _("事件 #%(id)s（%(cat)s）临近时限 %(due)s，请尽快办理") % {
            "id": case.pk,
            "cat": case.category.name,
            "due": timezone.localtime(case.due_at).strftime("%m-%d %H:%M"),
        }
        if case.status == CaseStatus.RESOLVED:
            text = _("事件 #%(id)s 临近回访时限，请尽快回访") % {"id": case.pk}
        if _flag(case, DeadlineFlag.YELLOW, now, text, set()):
            report.yellow.append(case.pk)

    overdue = open_cases.filter(due_at__lte=now).exclude(deadline_flag=DeadlineFlag.RED)
    for case in _each(overdue.order_by("due_at", "id"), late):
        if (
            case.status in ACTIVE_STATUSES
            and case.handling_level != HandlingLevel.STATION
        ):
            if _escalate_overdue(case, now):
                report.escalated.append(case.pk)
            continue
        text = _("事件 #%(id)s（%(cat)s）已超期，请立即办理（督办）") % {
            "id": case.pk,
            "cat": case.category.name,
        }
        extra = _admins(case)
        if case.status == CaseStatus.RESOLVED:
            text = _("事件 #%(id)s 已超过回访时限，请尽快回访") % {"id": case.pk}
            extra = set()
        if _flag(case, DeadlineFlag.RED, now, text, extra):
            report.red.append(case.pk)
    if deliver:
        report.outbox = outbox_deliver(now=now)
    return report


def _due_ids(open_cases: QuerySet[Case], now: datetime) -> tuple[list[int], list[int]]:
    """Ids of the open cases to flag yellow and of the overdue ones (by due time), from
    one read of the open cases' deadlines.

    Asking the database for `due_at <= now` directly lets SQLite's planner pick the
    due_at index (it cannot know that most cases are closed), and with a million
    cases that walked nearly all of them: 4-7 s for a tick with nothing to do. The
    open cases are a few percent of the table and the status index finds them."""
    near, late = [], []
    # One status at a time: SQLite estimates each status value at a third of the
    # table, so an IN over three of them looks like the whole table and it scans.
    rows = (
        row
        for status in TICK_STATUSES
        for row in open_cases.filter(status=status)
        .order_by()
        .values_list("pk", "warn_at", "due_at", "deadline_flag")
    )
    for pk, warn_at, due_at, flag in rows:
        if due_at <= now:
            if flag != DeadlineFlag.RED:
                late.append((due_at, pk))
        elif warn_at is not None and warn_at <= now and flag == "":
            near.append(pk)
    return sorted(near), [pk for _, pk in sorted(late)]


def _each(qs: QuerySet[Case], ids: list[int], chunk: int = 500) -> Iterator[Case]:
    """The cases of `qs` among `ids`, in `qs`'s order chunk by chunk. `qs` keeps its
    own conditions, so a case changed since `ids` were read is skipped as before."""
    for start in range(0, len(ids), chunk):
        yield from qs.filter(pk__in=ids[start : start + chunk])


def _escalate_overdue(case: Case, now: datetime) -> bool:
    """吹哨: the overdue case goes one level up, with the overdue counted."""
    try:
        with transaction.atomic():
            Case.objects.filter(pk=case.pk, version=case.version).update(
                overdue_count=F("overdue_count") + 1
            )
            case_escalate(
                case=case,
                by=None,
                now=now,
                reason=_("超过办理时限未办结，系统自动上报（吹哨）"),
            )
    except DomainError:
        # Someone acted on it a moment ago; the next tick looks again.
        return False
    return True
