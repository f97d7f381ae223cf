"""The loop's figures, each defined once: (scope, period) -> the number and the
queryset behind it, so every number on a page can link to its records.

`scope` is a Q over Case's ancestor columns (e.g. Q(village_id=41)); a period is
[start, end). A later issue gathers all figures into one metrics module.

Each rate is "the `part` rows among a `base` queryset": the base builders and the part
conditions below are public so that reports.grouped can count many figures per unit
in one grouped query from exactly these definitions (no copy of a condition).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import Case, FollowUp, Mediation
from .states import ACTIVE_STATUSES, SATISFIED_VALUES, VILLAGE_LEVELS, CaseStatus


@dataclass
class Figure:
    value: float | int
    records: QuerySet  # the rows the number counts (the numerator)
    base: QuerySet | None = None  # the rows it is a share of, for rates

    @property
    def count(self) -> int:
        return self.records.count()


# --- the parts: conditions on a base's rows --------------------------------------
ANSWERED_ON_SPOT = Q(answered_on_spot=True)
IN_VILLAGE = Q(resolved_level__in=VILLAGE_LEVELS)
IN_TOWNSHIP = ~Q(resolved_level="")
TRACKED = Q(is_tracked=True)
SATISFIED = Q(satisfaction__in=SATISFIED_VALUES)
MEDIATED = Q(mediation_outcome="succeeded")
LEVELS = ("neighborhood", "group", "area", "village", "station")


def on_time(start: datetime, end: datetime) -> Q:
    """The on-time part of `on_time_base`: resolved in the period within the limit
    and never overdue."""
    return Q(
        resolved_at__gte=start,
        resolved_at__lt=end,
        resolved_on_time=True,
        overdue_count=0,
    )


# --- the bases --------------------------------------------------------------------
def collected(scope: Q, start: datetime, end: datetime) -> QuerySet[Case]:
    """Cases recorded in the period (gathered duplicates not counted)."""
    return Case.objects.filter(
        scope, created_at__gte=start, created_at__lt=end
    ).exclude(status=CaseStatus.MERGED)


def resolved(scope: Q, start: datetime, end: datetime) -> QuerySet[Case]:
    """Cases resolved in the period."""
    return Case.objects.filter(scope, resolved_at__gte=start, resolved_at__lt=end)


def still_open_late(scope: Q, start: datetime, end: datetime) -> Q:
    """Cases still being handled whose limit passed in the period (and before now)."""
    return Q(
        scope,
        status__in=ACTIVE_STATUSES,
        due_at__gte=start,
        due_at__lt=min(end, timezone.now()),
    )


def on_time_base(scope: Q, start: datetime, end: datetime) -> QuerySet[Case]:
    """The whole of the on-time rate: resolved in the period, plus cases still being
    handled whose limit passed in the period."""
    done = Q(scope, resolved_at__gte=start, resolved_at__lt=end)  # as `resolved`
    # Two plain conditions OR-ed (not `pk IN (resolved)` OR ...): PostgreSQL then
    # combines two index scans; the subquery form scanned every case (0.6 s a count
    # at a million cases).
    return Case.objects.filter(done | still_open_late(scope, start, end))


def late_not_resolved(scope: Q, start: datetime, end: datetime) -> QuerySet[Case]:
    """The rows of `on_time_base` that `resolved` does not hold (a reopened case can
    be in both), so |on_time_base| = |resolved| + |late_not_resolved| and the on-time
    part lies inside `resolved`: counted per unit along with the other resolved
    figures (reports.grouped) instead of by a second pass over the OR."""
    return Case.objects.filter(still_open_late(scope, start, end)).exclude(
        resolved_at__gte=start, resolved_at__lt=end
    )


def followups(scope: Q, start: datetime, end: datetime) -> QuerySet[FollowUp]:
    """Follow-up calls done in the period."""
    return FollowUp.objects.filter(scope, at__gte=start, at__lt=end)


def mediations_ended(
    scope: Q,
    start: datetime,
    end: datetime,
    townships: Iterable[int] | None = None,
) -> QuerySet[Case]:
    """Disputes whose mediation ended in the period, in success or failure.

    `townships`: the townships the scope lies in, when known; a mediation carries its
    case's township, so naming them only narrows where the mediations are looked up."""
    # The cases named by the mediations that ended (a case has at most one): read from
    # the mediations' (township, end time) index, not by joining every dispute case of
    # the scope to its mediation.
    ended = Mediation.objects.filter(ended_at__gte=start, ended_at__lt=end)
    if townships is not None:
        ended = ended.filter(township_id__in=list(townships))
    return Case.objects.filter(
        scope, is_dispute=True, pk__in=ended.values("case_id")
    ).exclude(mediation_outcome="")


def _rate(part: QuerySet, base: QuerySet) -> Figure:
    n, d = part.count(), base.count()
    return Figure(round(n / d, 4) if d else 0.0, part, base)


def _share(base: QuerySet, part: Q) -> Figure:
    """The rate of the `part` rows among `base`: both counts in one aggregate (one
    pass over the period's rows instead of two)."""
    row = base.order_by().aggregate(n=Count("pk", filter=part), d=Count("pk"))
    n, d = row["n"], row["d"]
    return Figure(round(n / d, 4) if d else 0.0, base.filter(part), base)


def cases_collected(scope: Q, start: datetime, end: datetime) -> Figure:
    """民情收集数: cases recorded in the period (gathered duplicates not counted)."""
    qs = collected(scope, start, end)
    return Figure(qs.count(), qs)


def answered_on_spot(scope: Q, start: datetime, end: datetime) -> Figure:
    """当场答复数 (and its rate: answered on the spot ÷ collected)."""
    return _share(collected(scope, start, end), ANSWERED_ON_SPOT)


def resolved_by_level(scope: Q, start: datetime, end: datetime) -> dict[str, Figure]:
    """Cases resolved in the period, by the level that resolved them."""
    qs = resolved(scope, start, end)
    counts = dict(  # one grouped query, not one count per level
        qs.order_by().values_list("resolved_level").annotate(n=Count("pk"))
    )
    return {
        level: Figure(counts.get(level, 0), qs.filter(resolved_level=level))
        for level in LEVELS
    }


def resolved_in_village(scope: Q, start: datetime, end: datetime) -> Figure:
    """小事不出村: resolved at neighbourhood, group, area or village ÷ all resolved."""
    return _share(resolved(scope, start, end), IN_VILLAGE)


def resolved_in_township(scope: Q, start: datetime, end: datetime) -> Figure:
    """大事不出乡: resolved at any level up to a township station ÷ all resolved
    (everything the platform records is resolved inside the township today; a county
    level would lower it)."""
    return _share(resolved(scope, start, end), IN_TOWNSHIP)


def on_time_rate(scope: Q, start: datetime, end: datetime) -> Figure:
    """按时办结率 (shared/DOMAIN.md §5: closed within limit ÷ items whose limit fell in
    the period): resolved in the period within the limit and never overdue, ÷ resolved
    in the period plus cases still being handled whose limit passed in the period. A
    case left open past its limit counts against the rate, not just the ones closed."""
    return _share(on_time_base(scope, start, end), on_time(start, end))


def satisfaction_rate(scope: Q, start: datetime, end: datetime) -> Figure:
    """群众满意率: (满意 + 基本满意) ÷ follow-ups done in the period."""
    return _share(followups(scope, start, end), SATISFIED)


def disputes_resolved(scope: Q, start: datetime, end: datetime) -> Figure:
    """矛盾纠纷化解数 (and rate: mediated successfully ÷ mediations that ended in the
    period, in success or failure)."""
    return _share(mediations_ended(scope, start, end), MEDIATED)


def tracked_resolved(scope: Q, start: datetime, end: datetime) -> Figure:
    """重难点问题解决数: tracked cases resolved in the period (and ÷ tracked)."""
    base = Case.objects.filter(scope, is_tracked=True)
    return _rate(resolved(scope, start, end).filter(TRACKED), base)


ALL = {
    "cases_collected": cases_collected,
    "answered_on_spot": answered_on_spot,
    "resolved_in_village": resolved_in_village,
    "resolved_in_township": resolved_in_township,
    "on_time_rate": on_time_rate,
    "satisfaction_rate": satisfaction_rate,
    "disputes_resolved": disputes_resolved,
    "tracked_resolved": tracked_resolved,
}
