"""Every read of activities, customs reform, meetings and patrols: the ledgers with their
filters (unit, period, kind, person) and counts, always inside the user's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from sanzhang.core.parsing import parse_id
from sanzhang.org.access import get_unit_for
from sanzhang.org.levels import SCOPE_FIELD

from .access import (
    activities_visible_to,
    customs_visible_to,
    meetings_visible_to,
    shifts_visible_to,
)
from .models import Attendance, CustomsOutcome


@dataclass
class LedgerFilter:
    unit: int | None = None
    start: date | None = None
    end: date | None = None
    kind: str = ""
    person: str = ""  # a name: organiser / attendee / recorder contains it


def parse_filter(params: Any) -> LedgerFilter:
    def day(key: str) -> date | None:
        try:
            return date.fromisoformat(params.get(key, "") or "")
        except ValueError:
            return None

    unit = params.get("unit", "")
    return LedgerFilter(
        unit=parse_id(unit),
        start=day("start"),
        end=day("end"),
        kind=(params.get("kind", "") or "")[:20],
        person=(params.get("person", "") or "").strip()[:30],
    )


def _narrow(user: Any, qs: QuerySet, f: LedgerFilter, date_field: str) -> QuerySet:
    if f.unit:
        unit = get_unit_for(user, f.unit)  # NotFound outside the scope
        qs = qs.filter(**{SCOPE_FIELD[unit.level]: unit.pk})
    if f.start:
        qs = qs.filter(**{date_field + "__gte": f.start})
    if f.end:
        qs = qs.filter(**{date_field + "__lte": f.end})
    return qs


def activity_ledger(user: Any, f: LedgerFilter) -> QuerySet:
    qs = _narrow(user, activities_visible_to(user), f, "held_on")
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.person:
        qs = qs.filter(
            Q(organiser__display_name__contains=f.person)
            | Q(organiser__username=f.person)
            | Q(
                pk__in=Attendance.objects.filter(name__contains=f.person).values(
                    "activity_id"
                )
            )
        )
    return qs.select_related("unit", "organiser").order_by("-held_on", "-id")


def activity_totals(qs: QuerySet) -> dict[str, int]:
    agg = qs.aggregate(
        n=Count("id"), person_times=Sum("person_times"), leaflets=Sum("leaflets")
    )
    return {k: int(v or 0) for k, v in agg.items()}


def customs_ledger(user: Any, f: LedgerFilter) -> QuerySet:
    qs = _narrow(user, customs_visible_to(user), f, "talked_on")
    if f.kind:
        qs = qs.filter(Q(event=f.kind) | Q(outcome=f.kind))
    if f.person:
        qs = qs.filter(
            Q(recorded_by__display_name__contains=f.person)
            | Q(household__head__name__contains=f.person)
        )
    return qs.select_related("household", "recorded_by").order_by("-talked_on", "-id")


def customs_totals(qs: QuerySet) -> dict[str, int]:
    counts = dict(qs.order_by().values_list("outcome").annotate(n=Count("id")))
    total = sum(counts.values())
    persuaded = counts.get(CustomsOutcome.SCALED_DOWN, 0) + counts.get(
        CustomsOutcome.CANCELLED, 0
    )
    return {
        "n": total,
        "scaled_down": counts.get(CustomsOutcome.SCALED_DOWN, 0),
        "cancelled": counts.get(CustomsOutcome.CANCELLED, 0),
        "not_persuaded": counts.get(CustomsOutcome.NOT_PERSUADED, 0),
        "persuaded": persuaded,
    }


def meeting_ledger(user: Any, f: LedgerFilter) -> QuerySet:
    qs = _narrow(user, meetings_visible_to(user), f, "held_on")
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.person:
        qs = qs.filter(
            Q(convener__display_name__contains=f.person)
            | Q(attendees__name__contains=f.person)
        ).distinct()
    return (
        qs.select_related("unit", "convener")
        .annotate(n_attendees=Count("attendees", distinct=True))
        .order_by("-held_on", "-id")
    )


def shift_ledger(user: Any, f: LedgerFilter) -> QuerySet:
    qs = _narrow(user, shifts_visible_to(user), f, "on")
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.person:
        qs = qs.filter(members__name__contains=f.person).distinct()
    return (
        qs.select_related("unit", "section")
        .annotate(
            n_checkins=Count("checkins", distinct=True),
            n_hazards=Count(
                "checkins", filter=Q(checkins__is_hazard=True), distinct=True
            ),
        )
        .order_by("-on", "-starts_at", "-id")
    )
