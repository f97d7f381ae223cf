"""Every read of notices: progress per child unit (one grouped query on the ancestor
columns, however big the subtree), household lists, a chief's pending notices, ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from sanzhang.org.levels import CHILD_LEVEL, SCOPE_FIELD
from sanzhang.org.models import Unit

from .access import notices_visible_to, relay_scope_q, send_scope_q
from .models import Notice, NoticeRelay


@dataclass(frozen=True)
class Progress:
    unit_id: int | None  # None: households not yet paired into a child unit
    name: str
    total: int
    done: int

    @property
    def percent(self) -> int:
        return (100 * self.done // self.total) if self.total else 0

    @property
    def pending(self) -> int:
        return self.total - self.done


def relays_under(notice: Notice, unit: Unit) -> QuerySet[NoticeRelay]:
    return NoticeRelay.objects.filter(
        notice=notice, **{SCOPE_FIELD[unit.level]: unit.pk}
    )


def progress_total(notice: Notice, unit: Unit) -> Progress:
    agg = relays_under(notice, unit).aggregate(
        total=Count("id"), done=Count("relayed_at")
    )
    return Progress(unit.pk, unit.name, agg["total"], agg["done"])


def progress_by_child(notice: Notice, unit: Unit) -> list[Progress]:
    """Relay progress of each child unit of `unit` (empty at the neighbourhood)."""
    child = CHILD_LEVEL[unit.level]
    if child is None:
        return []
    column = SCOPE_FIELD[child]
    counts = {
        row[column]: row
        for row in relays_under(notice, unit)
        .order_by()
        .values(column)
        .annotate(total=Count("id"), done=Count("relayed_at"))
    }
    names = dict(
        Unit.objects.filter(pk__in=[k for k in counts if k]).values_list("pk", "name")
    )
    order = list(
        Unit.objects.filter(pk__in=names)
        .order_by("sort_order", "id")
        .values_list("pk", flat=True)
    )
    rows = [
        Progress(pk, names[pk], counts[pk]["total"], counts[pk]["done"]) for pk in order
    ]
    if None in counts:  # households hanging off a group before they are paired
        c = counts[None]
        rows.append(Progress(None, "未划邻", c["total"], c["done"]))
    return rows


def household_rows(notice: Notice, unit: Unit, *, pending_only: bool = False):
    """The relay rows of the households under `unit`, with what a list shows."""
    qs = relays_under(notice, unit).select_related(
        "household", "household__head", "relayed_by"
    )
    if pending_only:
        qs = qs.filter(relayed_at__isnull=True)
    return qs.order_by("neighborhood_id", "household__code")


def my_relays(user: Any, notice: Notice) -> QuerySet[NoticeRelay]:
    """The relay rows of `notice` the user may mark (their posts' subtrees)."""
    scope = relay_scope_q(user)
    if scope is None:
        return NoticeRelay.objects.none()
    return (
        NoticeRelay.objects.filter(scope, notice=notice)
        .select_related("household", "household__head", "relayed_by")
        .order_by("neighborhood_id", "household__code")
    )


@dataclass(frozen=True)
class Pending:
    notice: Notice
    total: int
    done: int

    @property
    def pending(self) -> int:
        return self.total - self.done


def my_pending(user: Any, *, include_done: bool = False) -> list[Pending]:
    """The sent notices with households for the user to relay, newest first."""
    scope = relay_scope_q(user)
    if scope is None:
        return []
    counts = (
        NoticeRelay.objects.filter(scope)
        .order_by()
        .values("notice_id")
        .annotate(total=Count("id"), done=Count("relayed_at"))
    )
    by_notice = {c["notice_id"]: c for c in counts}
    notices = Notice.objects.filter(pk__in=by_notice).order_by("-sent_at", "-id")
    out = [
        Pending(n, by_notice[n.pk]["total"], by_notice[n.pk]["done"]) for n in notices
    ]
    return out if include_done else [p for p in out if p.pending]


def with_done(qs: QuerySet[Notice]) -> QuerySet[Notice]:
    """Annotate each notice with `done`, its relayed household count."""
    done = (
        NoticeRelay.objects.filter(notice=OuterRef("pk"), relayed_at__isnull=False)
        .order_by()
        .values("notice")
        .annotate(c=Count("id"))
        .values("c")
    )
    return qs.annotate(done=Coalesce(Subquery(done, output_field=IntegerField()), 0))


def sent_by_me(user: Any) -> QuerySet[Notice]:
    return with_done(
        Notice.objects.filter(Q(sent_by=user) | Q(created_by=user, sent_at=None))
        .select_related("unit")
        .order_by("-sent_at", "-id")
    )


@dataclass
class LedgerFilter:
    unit: Unit | None = None
    start: date | None = None
    end: date | None = None
    sender: int | None = None


def _day_start(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time.min))


def ledger(user: Any, f: LedgerFilter) -> QuerySet[Notice]:
    """Sent notices aimed inside the user's sending scope (or sent by them)."""
    q = Q(sent_by=user)
    scope = send_scope_q(user)
    if scope is not None:
        q |= scope
    qs = notices_visible_to(user).filter(q, sent_at__isnull=False)
    if f.unit is not None:
        qs = qs.filter(**{SCOPE_FIELD[f.unit.level]: f.unit.pk})
    if f.start:
        qs = qs.filter(sent_at__gte=_day_start(f.start))
    if f.end:
        qs = qs.filter(sent_at__lt=_day_start(f.end) + timedelta(days=1))
    if f.sender:
        qs = qs.filter(sent_by_id=f.sender)
    return with_done(qs.select_related("unit", "sent_by").order_by("-sent_at", "-id"))
