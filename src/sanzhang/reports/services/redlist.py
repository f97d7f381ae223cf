"""The red list (红榜): a transparent score for each chief, from the metrics.

Each chief is scored over their post's unit subtree (the households and cases they
answer for) and over their own records (cases they handled, activities they joined):

    component c in [0, 1]:
      visit_coverage, on_time_rate, dispute_resolution_rate, satisfaction_rate:
          the metric of the chief's unit (REGISTRY, grouped per level);
      cases_handled: own cases reported + resolved in the period ÷ the most any chief
          in the same list has;
      participation: own attendance rows in activities (incl. volunteer days) ÷ the
          most any chief in the same list has.
    score = 100 × Σ w_c × c ÷ Σ w_c, summed over the components that have data
            (a rate whose base is empty, e.g. no disputes, is left out, not zeroed).

A chief whose own records in the period (visits recorded, cases reported or
resolved, attendance) number fewer than `min_records` is listed apart, unranked.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanzhang.cases.models import Case
from sanzhang.core.audit import audit_record
from sanzhang.core.errors import DomainError, NotAllowed
from sanzhang.org.levels import SCOPE_FIELD, Level
from sanzhang.org.models import CHIEF_ROLES, Post, Unit, User
from sanzhang.org.pii import name_mask

from .. import metrics
from ..access import ReportAction, may, own_posts
from ..models import (
    DEFAULT_MIN_RECORDS,
    DEFAULT_WEIGHTS,
    Appeal,
    PublishedRedList,
    ScoreWeights,
)
from ..period import Period

COMPONENTS: dict[str, Any] = {
    "visit_coverage": gettext_lazy("走访覆盖率"),
    "cases_handled": gettext_lazy("事件登记与办结"),
    "on_time_rate": gettext_lazy("按时办结率"),
    "dispute_resolution_rate": gettext_lazy("矛盾纠纷化解率"),
    "participation": gettext_lazy("活动与志愿参与"),
    "satisfaction_rate": gettext_lazy("群众满意率"),
}
UNIT_RATES = (
    "visit_coverage",
    "on_time_rate",
    "dispute_resolution_rate",
    "satisfaction_rate",
)
RELATIVE = ("cases_handled", "participation")
CHIEF_LEVELS = (Level.AREA, Level.GROUP, Level.NEIGHBORHOOD)


@dataclass
class Row:
    post: Post
    unit_label: str
    figures: dict[str, float | int | None] = field(default_factory=dict)
    parts: dict[str, float | None] = field(default_factory=dict)  # weighted points
    records: int = 0
    score: float = 0.0
    rank: int | None = None

    @property
    def name(self) -> str:
        return self.post.holder_name


@dataclass
class RedList:
    unit: Unit
    period: Period
    weights: dict[str, int]
    min_records: int
    ranked: list[Row]
    apart: list[Row]


# --- weights ------------------------------------------------------------------------
def weights_for(township_id: int) -> tuple[dict[str, int], int]:
    row = ScoreWeights.objects.filter(township_id=township_id).first()
    if row is None:
        return dict(DEFAULT_WEIGHTS), DEFAULT_MIN_RECORDS
    return {**DEFAULT_WEIGHTS, **row.weights}, row.min_records


def weights_set(
    *, township: Unit, by: Any, weights: dict[str, Any], min_records: Any
) -> ScoreWeights:
    """Set the township's weights (whole numbers 0-100, not all zero)."""
    if not may(by, ReportAction.MANAGE, township):
        raise NotAllowed(_("只有乡镇管理员可以设置红榜权重"))
    clean: dict[str, int] = {}
    for key in COMPONENTS:
        raw = str(weights.get(key, "")).strip()
        if not raw.isdigit() or int(raw) > 100:
            raise DomainError(
                _("“%(name)s”的权重应为 0 到 100 的整数") % {"name": COMPONENTS[key]},
                field=key,
            )
        clean[key] = int(raw)
    if not any(clean.values()):
        raise DomainError(_("权重不能全部为 0"))
    raw_min = str(min_records).strip()
    if not raw_min.isdigit() or int(raw_min) > 1000:
        raise DomainError(_("最少记录数应为 0 到 1000 的整数"), field="min_records")
    with transaction.atomic():
        row, _created = ScoreWeights.objects.update_or_create(
            township=township,
            defaults={
                "weights": clean,
                "min_records": int(raw_min),
                "updated_by": by,
            },
        )
        audit_record(
            by=by,
            action="redlist_weights",
            obj=row,
            township_id=township.pk,
            weights=clean,
            min_records=int(raw_min),
        )
    return row


# --- computing ----------------------------------------------------------------------
def _post_users(posts: list[Post]) -> dict[int, int]:
    """user id -> post id, for accounts holding the posts (directly or as resident)."""
    out: dict[int, int] = {}
    by_resident = {p.resident_id: p.pk for p in posts if p.resident_id}
    for p in posts:
        if p.user_id:
            out[p.user_id] = p.pk
    for uid, rid in User.objects.filter(
        resident_id__in=list(by_resident), is_active=True
    ).values_list("pk", "resident_id"):
        out.setdefault(uid, by_resident[rid])
    return out


def _per_user(qs: Any, col: str, users: dict[int, int]) -> dict[int, int]:
    """Rows per post, from rows per user."""
    out: dict[int, int] = {}
    for row in (
        qs.filter(**{f"{col}__in": list(users)})
        .order_by()
        .values(col)
        .annotate(n=Count("pk"))
    ):
        pid = users[row[col]]
        out[pid] = out.get(pid, 0) + row["n"]
    return out


def _own_counts(
    unit: Unit, period: Period, users: dict[int, int]
) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    """(cases handled, participation, visits recorded) per post."""
    start, end = period.dt
    scope = metrics.in_unit(unit)
    reported = _per_user(
        Case.objects.filter(scope, created_at__gte=start, created_at__lt=end),
        "reported_by",
        users,
    )
    resolved = _per_user(
        Case.objects.filter(scope, resolved_at__gte=start, resolved_at__lt=end),
        "resolved_by",
        users,
    )
    handled = {
        k: reported.get(k, 0) + resolved.get(k, 0) for k in {*reported, *resolved}
    }
    participation: dict[int, int] = {}
    visits: dict[int, int] = {}
    try:
        attendance = metrics.model("activities.Attendance").objects.filter(
            metrics.in_unit(unit, "activity__"),
            activity__held_on__gte=period.start,
            activity__held_on__lte=period.end,
        )
        participation = _per_user(attendance, "user", users)
    except metrics.Unavailable:
        pass
    with contextlib.suppress(metrics.Unavailable):
        visits = _per_user(metrics.visits(unit, period), "recorded_by", users)
    return handled, participation, visits


# The parts whose sum is each unit rate's base (reports.grouped.DERIVED): a unit whose
# base is empty has no rate (None), as Indicator.breakdown leaves it out.
RATE_BASES: dict[str, tuple[str, ...]] = {
    "visit_coverage": ("households",),
    "on_time_rate": ("resolved", "late"),
    "dispute_resolution_rate": ("mediations",),
    "satisfaction_rate": ("followups",),
}


def unit_rates(unit: Unit, period: Period) -> dict[str, dict[str, dict[int, Any]]]:
    """rate -> chief level -> unit id -> the rate of each area, group and
    neighbourhood under `unit` that has a base. One grouped computation by (area,
    group, neighbourhood), folded per level: one query per family (five) where
    Indicator.breakdown per rate and level made 24 (the month's mediations looked up
    across the county 6 times: 0.31 s of a township's 0.64 s on SQLite)."""
    from .. import grouped

    by = tuple(SCOPE_FIELD[level] for level in CHIEF_LEVELS)
    result = grouped.compute(unit, period, UNIT_RATES, by=by)
    out: dict[str, dict[str, dict[int, Any]]] = {
        key: {level: {} for level in CHIEF_LEVELS} for key in UNIT_RATES
    }
    for i, level in enumerate(CHIEF_LEVELS):
        folded = result.fold(i)
        for uid, fams in folded.parts.items():
            if uid is None:
                continue
            for key in UNIT_RATES:
                base = sum(fams.get(f, {}).get("n", 0) for f in RATE_BASES[key])
                if base:
                    out[key][level][uid] = folded.groups[uid][key]
    return out


def _label(post: Post, units: dict[int, Unit]) -> str:
    u = post.unit
    parts = [units[i].name for i in (u.village_id, u.area_id) if i in units]
    if u.level != Level.VILLAGE:
        parts.append(u.name)
    return " ".join(dict.fromkeys(parts))


def compute(unit: Unit, period: Period) -> RedList:
    """The red list of every chief in `unit`'s subtree for `period`."""
    weights, min_records = weights_for(unit.township_id or unit.pk)
    posts = list(
        Post.objects.filter(
            metrics.in_unit(unit, "unit__"),
            role__in=CHIEF_ROLES,
            ended_on__isnull=True,
            unit__is_active=True,
        )
        .select_related("unit")
        .order_by("unit__path", "id")
    )
    unit_ids = {i for p in posts for i in (p.unit.village_id, p.unit.area_id)}
    units = Unit.objects.in_bulk([i for i in unit_ids if i])
    rates = unit_rates(unit, period)
    users = _post_users(posts)
    handled, participation, visits = _own_counts(unit, period, users)
    rows = []
    for post in posts:
        row = Row(post=post, unit_label=_label(post, units))
        for key in UNIT_RATES:
            row.figures[key] = rates[key][post.unit.level].get(post.unit_id)
        row.figures["cases_handled"] = handled.get(post.pk, 0)
        row.figures["participation"] = participation.get(post.pk, 0)
        row.records = (
            handled.get(post.pk, 0)
            + participation.get(post.pk, 0)
            + visits.get(post.pk, 0)
        )
        rows.append(row)
    tops = {k: max((r.figures[k] or 0 for r in rows), default=0) for k in RELATIVE}
    for row in rows:
        _score(row, weights, tops)
    ranked = sorted(
        (r for r in rows if r.records >= min_records),
        key=lambda r: (-r.score, r.post.holder_name, r.post.pk),
    )
    for i, row in enumerate(ranked, start=1):
        row.rank = i
    apart = [r for r in rows if r.records < min_records]
    return RedList(unit, period, weights, min_records, ranked, apart)


def _score(row: Row, weights: dict[str, int], tops: dict[str, int]) -> None:
    total_w = 0
    points = 0.0
    for key in COMPONENTS:
        w = weights.get(key, 0)
        fig = row.figures.get(key)
        # A rate with no base in the period (None) is left out; counts go relative.
        c = (
            fig
            if key not in RELATIVE
            else ((fig or 0) / tops[key] if tops[key] else None)
        )
        if c is None or w == 0:
            row.parts[key] = None
            continue
        total_w += w
        points += w * float(c)
        row.parts[key] = round(100 * w * float(c), 1)
    row.score = round(100 * points / total_w, 1) if total_w else 0.0
    if total_w:
        row.parts = {
            k: (round(v / total_w, 1) if v is not None else None)
            for k, v in row.parts.items()
        }


# --- publishing ---------------------------------------------------------------------
def _public_place(post: Post, names: dict[int, str]) -> str:
    """Where a chief serves, said no finer than the group (shared/RELIABILITY.md:
    public lists go down to group level only)."""
    u = post.unit
    ids = (u.village_id, u.area_id, u.villager_group_id)
    parts = [names[i] for i in ids if i in names]
    if u.level in (Level.VILLAGE, Level.AREA, Level.GROUP) and u.pk not in ids:
        parts.append(u.name)
    return " ".join(dict.fromkeys(parts))


def public_rows(redlist: RedList) -> list[dict[str, Any]]:
    """Masked name (张*), role, place down to the group, and figures: no ids, phones,
    neighbourhood or anything about households."""
    ids = {
        i
        for r in redlist.ranked
        for i in (
            r.post.unit.village_id,
            r.post.unit.area_id,
            r.post.unit.villager_group_id,
        )
        if i
    }
    names = dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name"))
    return [
        {
            "rank": r.rank,
            "name": name_mask(r.name),
            "role": str(r.post.get_role_display()),
            "unit": _public_place(r.post, names),
            "score": r.score,
            "figures": {
                k: (round(v, 4) if isinstance(v, float) else v)
                for k, v in r.figures.items()
            },
        }
        for r in redlist.ranked
    ]


# Publishing the same period again within this time returns the list already up (a
# double click); later, a corrected list may be published beside it.
REPUBLISH_AFTER = timedelta(minutes=10)


def publish(
    *, unit: Unit, span: str, period: Period, by: Any, top: int = 20
) -> PublishedRedList:
    township = Unit.objects.get(pk=unit.township_id or unit.pk)
    if not may(by, ReportAction.MANAGE, township):
        raise NotAllowed(_("只有乡镇管理员可以公布红榜"))
    if top < 1 or top > 500:
        raise DomainError(_("上榜人数应在 1 到 500 之间"))
    redlist = compute(unit, period)
    if not redlist.ranked:
        raise DomainError(_("该期没有可排名的三长，无法公布"))
    redlist.ranked = redlist.ranked[:top]
    with transaction.atomic():
        # A second click on 公布 (or a retried request) gives back the list already up
        # for this unit and period rather than a second public page.
        same = (
            PublishedRedList.objects.select_for_update()
            .filter(
                unit=unit,
                span=span,
                start=period.start,
                end=period.end,
                withdrawn_at=None,
                published_at__gte=timezone.now() - REPUBLISH_AFTER,
            )
            .first()
        )
        if same is not None:
            return same
        pub = PublishedRedList.objects.create(
            township=township,
            unit=unit,
            span=span,
            start=period.start,
            end=period.end,
            title=_("%(unit)s三长红榜（%(period)s）")
            % {"unit": unit.name, "period": period.label()},
            slug=secrets.token_urlsafe(24),
            rows=public_rows(redlist),
            weights=redlist.weights,
            published_by=by,
            published_at=timezone.now(),
        )
        audit_record(
            by=by,
            action="redlist_publish",
            obj=pub,
            township_id=township.pk,
            start=str(period.start),
            end=str(period.end),
            rows=len(pub.rows),
        )
    return pub


def withdraw(*, published: PublishedRedList, by: Any) -> PublishedRedList:
    if not may(by, ReportAction.MANAGE, published.township):
        raise NotAllowed(_("只有乡镇管理员可以撤下红榜"))
    with transaction.atomic():
        published.withdrawn_at = timezone.now()
        published.save(update_fields=["withdrawn_at"])
        audit_record(
            by=by,
            action="redlist_withdraw",
            obj=published,
            township_id=published.township_id,
        )
    return published


# --- appeals ------------------------------------------------------------------------
def appeal_raise(
    *, by: Any, post_id: Any, indicator: str, period: Period, reason: str
) -> Appeal:
    post = next((p for p in own_posts(by) if str(p.pk) == str(post_id)), None)
    if post is None:
        raise DomainError(_("只能对本人的数据提出复核"))
    if indicator not in COMPONENTS:
        raise DomainError(_("请选择要复核的指标"), field="indicator")
    reason = reason.strip()
    if len(reason) < 4:
        raise DomainError(_("请写明复核理由（至少 4 个字）"), field="reason")
    redlist = compute(post.unit, period)
    row = next(
        (r for r in redlist.ranked + redlist.apart if r.post.pk == post.pk), None
    )
    seen = row.figures.get(indicator) if row else None
    open_same = Appeal.objects.filter(
        post=post,
        indicator=indicator,
        start=period.start,
        end=period.end,
        status=Appeal.Status.OPEN,
    ).first()
    if open_same is not None:
        return open_same  # a double submit, or asking again before the answer
    return Appeal.objects.create(
        township_id=post.township_id or post.unit.township_id,
        post=post,
        indicator=indicator,
        start=period.start,
        end=period.end,
        value_seen=float(seen or 0),
        reason=reason[:2000],
        raised_by=by,
        raised_at=timezone.now(),
    )


def appeal_decide(*, appeal: Appeal, by: Any, status: str, outcome: str) -> Appeal:
    if not may(by, ReportAction.MANAGE, appeal.post.unit):
        raise NotAllowed(_("只有乡镇管理员可以答复复核申请"))
    if appeal.status != Appeal.Status.OPEN:
        raise DomainError(_("该申请已答复"))
    if status not in (Appeal.Status.UPHELD, Appeal.Status.REJECTED):
        raise DomainError(_("请选择复核结论"), field="status")
    if not outcome.strip():
        raise DomainError(_("请写明复核结果"), field="outcome")
    with transaction.atomic():
        appeal.status = status
        appeal.outcome = outcome.strip()[:2000]
        appeal.decided_by = by
        appeal.decided_at = timezone.now()
        appeal.save()
        audit_record(
            by=by,
            action="redlist_appeal",
            obj=appeal,
            township_id=appeal.township_id,
            status=status,
        )
    return appeal


def appeals_for(user: Any, township: Unit | None = None) -> Any:
    q = Q(raised_by=user)
    if township is not None and may(user, ReportAction.MANAGE, township):
        q |= Q(township=township)
    return Appeal.objects.filter(q).select_related("post", "post__unit")
