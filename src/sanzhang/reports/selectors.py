"""Reads for the report pages: the township report's shape, drill-down rows,
dashboard data and usage figures. Every number comes from metrics.REGISTRY."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanzhang.cases.models import Case
from sanzhang.cases.states import HandlingLevel, Satisfaction
from sanzhang.core.parsing import parse_id
from sanzhang.org.levels import CHILD_LEVEL, SCOPE_FIELD, Level
from sanzhang.org.models import Household, Unit

from . import grouped, metrics
from .metrics import REGISTRY, Indicator, Unavailable
from .period import Period, months

REPORT_LAYOUT: list[tuple[Any, list[str]]] = [
    (
        _("一、组织架构"),
        [
            "villages",
            "areas",
            "groups",
            "neighborhoods",
            "households",
            "area_chiefs",
            "group_chiefs",
            "neighborhood_chiefs",
        ],
    ),
    (
        _("二、工作开展"),
        [
            "micro_lectures",
            "leaflets",
            "visits",
            "people_served",
            "opinions_collected",
            "answered_on_spot",
            "tracked_issues_resolved",
            "disputes_resolved",
            "customs_persuaded_households",
            "cleanup_person_times",
            "volunteer_hours",
            "activities",
            "meetings",
            "stories_reported",
            "models_selected",
        ],
    ),
    (
        _("三、工作成效"),
        [
            "visit_coverage",
            "visit_coverage_30d",
            "answered_on_spot_rate",
            "on_time_rate",
            "satisfaction_rate",
            "dispute_resolution_rate",
            "resolved_in_village_rate",
            "resolved_in_township_rate",
            "notices_relayed_rate",
        ],
    ),
]


@dataclass
class Line:
    indicator: Indicator
    value: float | int
    url: str

    @property
    def shown(self) -> str:
        return show(self.indicator, self.value)


def show(ind: Indicator, value: float | int) -> str:
    if ind.is_rate:
        return f"{value * 100:.1f}%"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def drill_url(unit: Unit, ind_id: str, period: Period, **extra: Any) -> str:
    url = reverse("web:report-records", args=[unit.pk, ind_id]) + "?" + period.query()
    return url + "".join(f"&{k}={v}" for k, v in extra.items())


def report_sections(unit: Unit, period: Period) -> list[tuple[Any, list[Line]]]:
    # Every figure of the report from one query per family (grouped.compute).
    values = grouped.compute(
        unit, period, [i for _t, ids in REPORT_LAYOUT for i in ids], by=None
    ).total
    urls = DrillUrls(period)
    return [
        (
            title,
            [Line(REGISTRY[i], values[i], urls.get(unit.pk, i)) for i in ids],
        )
        for title, ids in REPORT_LAYOUT
    ]


class DrillUrls:
    """drill_url for many units and figures from one reverse(): a page of ~900 map
    points reversed two URLs each (most of the map's time)."""

    _PK = 987654321  # a pk no unit has, replaced in the reversed path

    def __init__(self, period: Period) -> None:
        self.query = period.query()
        self.template = reverse("web:report-records", args=[self._PK, "IND"])

    def get(self, unit_pk: int, ind_id: str, **extra: Any) -> str:
        path = self.template.replace(str(self._PK), str(unit_pk), 1).replace(
            "IND", ind_id, 1
        )
        url = path + "?" + self.query
        return url + "".join(f"&{k}={v}" for k, v in extra.items())


# --- drill-down ---------------------------------------------------------------------
def _url(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _d(v: Any) -> str:
    if v is None:
        return ""
    if hasattr(v, "tzinfo") and hasattr(v, "hour"):
        return f"{timezone.localtime(v):%Y-%m-%d %H:%M}"
    return str(v)


Row = tuple[list[str], str | None]
COLUMNS: dict[str, tuple[list[Any], Callable[[Any], Row]]] = {
    "unit": (
        [_("名称"), _("层级")],
        lambda u: ([u.name, u.level_label], _url("web:unit-detail", u.pk)),
    ),
    "household": (
        [_("户号"), _("地址")],
        lambda h: ([h.code, h.address], _url("web:household-detail", h.pk)),
    ),
    "post": (
        [_("姓名"), _("职务"), _("单元")],
        lambda p: (
            [p.holder_name, p.get_role_display(), p.unit.name],
            _url("web:unit-posts", p.unit_id),
        ),
    ),
    "case": (
        [_("编号"), _("分类"), _("情况"), _("状态"), _("登记时间")],
        lambda c: (
            [
                f"#{c.pk}",
                c.category.name,
                c.text[:40],
                c.get_status_display(),
                _d(c.created_at),
            ],
            _url("web:case-detail", c.pk),
        ),
    ),
    "followup": (
        [_("事件"), _("评价"), _("回访时间")],
        lambda f: (
            [f"#{f.case_id}", f.get_satisfaction_display(), _d(f.at)],
            _url("web:case-detail", f.case_id),
        ),
    ),
    "visit": (
        [_("日期"), _("户"), _("方式"), _("服务人次")],
        lambda v: (
            [
                _d(v.visited_on),
                v.household.address,
                v.get_kind_display(),
                str(v.people_served),
            ],
            _url("web:household-detail", v.household_id),
        ),
    ),
    "activity": (
        [_("日期"), _("类型"), _("主题/地点"), _("人次"), _("资料")],
        lambda a: (
            [
                _d(a.held_on),
                a.get_kind_display(),
                a.title or a.place,
                str(a.person_times),
                str(a.leaflets),
            ],
            _url("web:activity-detail", a.pk),
        ),
    ),
    "attendance": (
        [_("活动日期"), _("姓名"), _("时长（小时）")],
        lambda t: (
            [
                _d(t.activity.held_on),
                t.name or str(t.user or t.resident or ""),
                str(t.hours),
            ],
            _url("web:activity-detail", t.activity_id),
        ),
    ),
    "customs": (
        [_("日期"), _("户"), _("事项"), _("结果")],
        lambda r: (
            [
                _d(r.talked_on),
                r.household.address,
                r.get_event_display(),
                r.get_outcome_display(),
            ],
            _url("web:household-detail", r.household_id),
        ),
    ),
    "meeting": (
        [_("日期"), _("类型"), _("名称")],
        lambda m: (
            [_d(m.held_on), m.get_kind_display(), m.title],
            _url("web:activity-meeting", m.pk),
        ),
    ),
    "relay": (
        [_("通知"), _("户"), _("传达时间")],
        lambda r: (
            [r.notice.title, r.household.address, _d(r.relayed_at) or "未传达"],
            _url("web:notice-detail", r.notice_id),
        ),
    ),
    "story": (
        [_("标题"), _("类型"), _("报送时间")],
        lambda s: (
            [s.title, s.get_kind_display(), _d(s.reported_at)],
            _url("web:story-detail", s.pk),
        ),
    ),
    "commendation": (
        [_("姓名"), _("称号"), _("年度"), _("状态")],
        lambda c: (
            [c.holder_name, c.title, str(c.year), c.get_status_display()],
            None,
        ),
    ),
}
RELATED = {
    "case": ("category",),
    "visit": ("household",),
    "attendance": ("activity", "user", "resident"),
    "customs": ("household",),
    "relay": ("notice", "household"),
    "post": ("unit",),
}


def _visible_records(user: Any, record_type: str, qs: QuerySet) -> QuerySet:
    """The records a figure counts, cut to those this user may open one by one.

    A figure is the unit's (anyone who sees the unit sees the number), but its rows
    follow each record's own rules: station staff see the cases sent to their station,
    not every case of the township, and visit notes only where they may read visits."""
    from sanzhang.cases.access import cases_visible_to
    from sanzhang.visits.access import visits_visible_to

    if record_type == "case":
        return qs.filter(pk__in=cases_visible_to(user).values("pk"))
    if record_type == "followup":
        return qs.filter(case__in=cases_visible_to(user).values("pk"))
    if record_type == "visit":
        return qs.filter(pk__in=visits_visible_to(user).values("pk"))
    return qs


def drill_queryset(
    ind: Indicator,
    unit: Unit,
    period: Period,
    part: str,
    filters: dict[str, str],
    user: Any = None,
) -> QuerySet:
    """The records behind a figure (part="base": the whole a rate is a share of),
    limited to those `user` may see."""
    fn = ind.base if part == "base" and ind.base is not None else ind.records
    qs = _visible_records(user, ind.record_type, fn(unit, period))
    if ind.record_type == "case":
        if c := parse_id(filters.get("category")):
            qs = qs.filter(Q(category_id=c) | Q(category__parent_id=c))
        if filters.get("level") in HandlingLevel.values:
            qs = qs.filter(resolved_level=filters["level"])
    if (
        ind.record_type == "followup"
        and filters.get("satisfaction") in Satisfaction.values
    ):
        qs = qs.filter(satisfaction=filters["satisfaction"])
    related = RELATED.get(ind.record_type)
    if related:
        qs = qs.select_related(*related)
    return qs.order_by("-pk")


def render_rows(ind: Indicator, objs: Any) -> tuple[list[Any], list[Row]]:
    headers, fn = COLUMNS[ind.record_type]
    return headers, [fn(o) for o in objs]


# --- dashboard ----------------------------------------------------------------------
TILES = (
    "households",
    "visits",
    "people_served",
    "visit_coverage",
    "opinions_collected",
    "answered_on_spot",
    "open_cases",
    "overdue_cases",
    "disputes_resolved",
    "on_time_rate",
    "satisfaction_rate",
    "micro_lectures",
)
COMPARE = (
    "households",
    "visits",
    "visit_coverage",
    "opinions_collected",
    "open_cases",
    "on_time_rate",
    "satisfaction_rate",
)
TREND = ("opinions_collected", "cases_resolved", "visits")


# The families the dashboard reads besides its figures: monthly counts for the trend.
TREND_FAMILIES = {
    "opinions_collected": "collected",
    "cases_resolved": "resolved",
    "visits": "visits",
}
LEVEL_IDS = tuple(f"resolved_{lv}" for lv, _label in HandlingLevel.choices)
# Figures the dashboard counts per neighbourhood too (the map).
MAP_IDS = ("households", "visit_coverage", "open_cases", "overdue_cases")
NB = SCOPE_FIELD[Level.NEIGHBORHOOD]


@dataclass
class Dashboard:
    tiles: list[Line]
    compare: dict[str, Any]
    charts: dict[str, Any]


def dashboard(unit: Unit, period: Period) -> Dashboard:
    """Tiles, the children side by side and the charts from one grouped computation
    (one query per family of figures, grouped by child unit; the unit's own figures
    are its children's added up), plus the categories and the map."""
    level = CHILD_LEVEL[unit.level]
    by = SCOPE_FIELD[level] if level else None
    ids = list(dict.fromkeys((*TILES, *COMPARE, *LEVEL_IDS)))
    # The households and open cases are counted per (child, neighbourhood): the map's
    # points and the children's columns then come from the same two queries.
    by_nb: grouped.Grouped | None = None
    if by is not None:
        fine = grouped.compute(
            unit, period, MAP_IDS, by=(by, "neighborhood_id") if by != NB else by
        )
        by_nb = fine.fold(1) if by != NB else fine
        ids = [i for i in ids if i not in MAP_IDS]
    result = grouped.compute(
        unit,
        period,
        ids,
        by=by,
        months_of=TREND_FAMILIES.values(),
        extra={"followups": [grouped.satisfaction_part(v) for v in Satisfaction]},
    )
    if by is not None:
        result = result.merge(fine.fold(0) if by != NB else fine)
    children = (
        list(
            Unit.objects.filter(parent=unit, is_active=True).order_by(
                "sort_order", "id"
            )
        )
        if level
        else []
    )
    urls = DrillUrls(period)
    tiles_ = [Line(REGISTRY[i], result.total[i], urls.get(unit.pk, i)) for i in TILES]
    return Dashboard(
        tiles_,
        _compare(children, result, urls),
        _charts(unit, period, children, result, urls, by_nb),
    )


def tiles(unit: Unit, period: Period, ids: tuple[str, ...] = TILES) -> list[Line]:
    values = grouped.compute(unit, period, ids, by=None).total
    return [Line(REGISTRY[i], values[i], drill_url(unit, i, period)) for i in ids]


def compare_children(unit: Unit, period: Period) -> dict[str, Any]:
    """The children of `unit` side by side (a township: its villages)."""
    return dashboard(unit, period).compare


def chart_data(unit: Unit, period: Period) -> dict[str, Any]:
    """Everything the dashboard charts draw, each segment with its drill-down URL."""
    return dashboard(unit, period).charts


def _compare(
    children: list[Unit], result: grouped.Grouped, urls: DrillUrls
) -> dict[str, Any]:
    if not children:
        return {"columns": [], "rows": []}
    cols = [REGISTRY[i] for i in COMPARE]
    rows = []
    for child in children:
        cells = []
        for ind in cols:
            v = result.get(child.pk, ind.id)
            cells.append(
                {"value": v, "shown": show(ind, v), "url": urls.get(child.pk, ind.id)}
            )
        rows.append({"unit": child, "cells": cells})
    return {"columns": cols, "rows": rows}


def _charts(
    unit: Unit,
    period: Period,
    children: list[Unit],
    result: grouped.Grouped,
    urls: DrillUrls,
    by_nb: grouped.Grouped | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    spans = months(period)
    out["trend"] = {
        "months": [f"{m.start:%Y-%m}" for m in spans],
        "series": [
            {
                "name": str(REGISTRY[i].name),
                "data": [
                    {
                        "value": result.total_parts[fam][grouped.month_part(k)],
                        "url": drill_url(unit, i, m),
                    }
                    for k, m in enumerate(spans)
                ],
            }
            for i, fam in TREND_FAMILIES.items()
        ],
    }
    out["categories"] = _categories(unit, period, urls)
    out["levels"] = [
        {
            "name": str(label),
            "value": result.total[f"resolved_{lv}"],
            "url": urls.get(unit.pk, f"resolved_{lv}"),
        }
        for lv, label in HandlingLevel.choices
    ]
    said = result.total_parts["followups"]
    out["satisfaction"] = [
        {
            "name": str(label),
            "value": said[grouped.satisfaction_part(v)],
            "url": urls.get(unit.pk, "satisfaction_rate", part="base", satisfaction=v),
        }
        for v, label in Satisfaction.choices
    ]
    out["coverage"] = [
        {
            "name": c.name,
            "value": round(result.get(c.pk, "visit_coverage") * 100, 1),
            "url": urls.get(c.pk, "visit_coverage"),
        }
        for c in children
    ]
    out["map"] = neighbourhood_map(unit, period, urls=urls, by_nb=by_nb)
    return out


def _categories(unit: Unit, period: Period, urls: DrillUrls) -> list[dict[str, Any]]:
    """Cases recorded per top-level category: counted per category in one pass, then
    folded into their parents here (joining two category rows to every case cost
    more than the count)."""
    from sanzhang.cases.models import Category

    collected = REGISTRY["opinions_collected"].records(unit, period)
    counts = dict(
        collected.order_by().values_list("category_id").annotate(n=Count("pk"))
    )
    names = {
        c.pk: (c.parent_id, c.name)
        for c in Category.objects.filter(pk__in=list(counts)).only(
            "pk", "parent_id", "name"
        )
    }
    parents = {
        p: n
        for p, n in Category.objects.filter(
            pk__in={parent for parent, _n in names.values() if parent}
        ).values_list("pk", "name")
    }
    cats: dict[int, dict[str, Any]] = {}
    for cat_id, n in counts.items():
        parent, name = names.get(cat_id, (None, ""))
        top = parent or cat_id
        slot = cats.setdefault(
            top,
            {
                "name": parents.get(parent, name) if parent else name,
                "value": 0,
                "url": urls.get(unit.pk, "opinions_collected", category=top),
            },
        )
        slot["value"] += n
    return sorted(cats.values(), key=lambda d: -d["value"])


def neighbourhood_map(
    unit: Unit,
    period: Period,
    limit: int = 3000,
    urls: DrillUrls | None = None,
    by_nb: grouped.Grouped | None = None,
) -> list[dict]:
    """One point per neighbourhood at the mean of its households' coordinates, with
    its coverage and open cases (no map tiles: points on plain axes)."""
    urls = urls or DrillUrls(period)
    if unit.level == Level.NEIGHBORHOOD:
        scope = Q(neighborhood_id=unit.pk)
    else:
        scope = metrics.in_unit(unit)
    points = list(
        Household.objects.filter(scope, is_active=True, lon__isnull=False)
        .exclude(neighborhood_id=None)
        .order_by()
        .values("neighborhood_id")
        .annotate(lon=Avg("lon"), lat=Avg("lat"), n=Count("pk"))[:limit]
    )
    if by_nb is None:
        by_nb = grouped.compute(
            unit, period, ("visit_coverage", "open_cases"), by="neighborhood_id"
        )
    names = dict(
        Unit.objects.filter(pk__in=[p["neighborhood_id"] for p in points]).values_list(
            "pk", "name"
        )
    )
    return [
        {
            "name": names.get(nb, ""),
            "value": [round(p["lon"], 6), round(p["lat"], 6)],
            "households": p["n"],
            "coverage": round(by_nb.get(nb, "visit_coverage") * 100, 1),
            "open": by_nb.get(nb, "open_cases"),
            "url_coverage": urls.get(nb, "visit_coverage", part="base"),
            "url_open": urls.get(nb, "open_cases"),
        }
        for p in points
        for nb in (p["neighborhood_id"],)
    ]


def chief_todos(unit: Unit, limit: int = 10) -> dict[str, Any]:
    """A chief's to-dos: cases waiting at their unit, households not visited longest."""
    # The first `limit` of each status (index handling_unit, status, due_at), merged
    # by due time: ordering all of a busy unit's open cases cost 80 ms.
    firsts = [
        Case.objects.filter(handling_unit=unit, status=status)
        .select_related("category")
        .order_by("due_at", "pk")[:limit]
        for status in ("pending", "handling")
    ]
    waiting = sorted((c for qs in firsts for c in qs), key=lambda c: (c.due_at, c.pk))[
        :limit
    ]
    stale: list[Any] = []
    try:
        from sanzhang.visits.selectors import last_visit_subquery

        stale = list(
            Household.objects.filter(metrics.in_unit(unit), is_active=True)
            .annotate(last=last_visit_subquery())
            .order_by(F_nulls_first("last"), "code")[:limit]
        )
    except (ImportError, Unavailable):
        pass
    return {"waiting": waiting, "stale": stale}


def F_nulls_first(name: str) -> Any:  # noqa: N802 - reads as an expression
    from django.db.models import F

    return F(name).asc(nulls_first=True)


# --- usage --------------------------------------------------------------------------
USAGE_MODULES: list[tuple[str, Any, str, str, str]] = [
    # (key, label, model, timestamp column, who column)
    ("cases", _("事件"), "cases.Case", "created_at", "reported_by_id"),
    ("visits", _("走访"), "visits.Visit", "created_at", "recorded_by_id"),
    ("activities", _("活动"), "activities.Activity", "created_at", "organiser_id"),
    ("meetings", _("会议"), "activities.Meeting", "created_at", "convener_id"),
    (
        "customs",
        _("移风易俗"),
        "activities.CustomsReform",
        "created_at",
        "recorded_by_id",
    ),
    ("relays", _("通知传达"), "notices.NoticeRelay", "relayed_at", "relayed_by_id"),
]


def usage(unit: Unit, period: Period) -> dict[str, Any]:
    """Records per module per child unit and per month, and active users per child:
    where the tool is used and where it is not."""
    level = CHILD_LEVEL[unit.level] or unit.level
    col = SCOPE_FIELD[level]
    start, end = period.dt
    children = list(
        Unit.objects.filter(parent=unit, is_active=True).order_by("sort_order", "id")
    ) or [unit]
    per_child: dict[int, dict[str, int]] = {c.pk: {} for c in children}
    per_month: dict[str, dict[str, int]] = {
        f"{m.start:%Y-%m}": {} for m in months(period)
    }
    users: dict[int, set[int]] = {c.pk: set() for c in children}
    modules = []
    for key, label, label_model, ts, who in USAGE_MODULES:
        try:
            model_cls = metrics.model(label_model)
        except Unavailable:
            continue
        modules.append((key, label))
        qs = model_cls.objects.filter(
            metrics.in_unit(unit), **{f"{ts}__gte": start, f"{ts}__lt": end}
        ).order_by()
        for row in qs.values(col).annotate(n=Count("pk")):
            if row[col] in per_child:
                per_child[row[col]][key] = row["n"]
        for row in qs.annotate(m=TruncMonth(ts)).values("m").annotate(n=Count("pk")):
            if row["m"] is not None:
                k = f"{row['m']:%Y-%m}"  # TruncMonth is in the current time zone
                per_month.setdefault(k, {})[key] = (
                    per_month.get(k, {}).get(key, 0) + row["n"]
                )
        for cid, uid in qs.exclude(**{who: None}).values_list(col, who).distinct():
            if cid in users:
                users[cid].add(uid)
    return {
        "modules": modules,
        "children": [
            {
                "unit": c,
                "counts": [per_child[c.pk].get(k, 0) for k, _l in modules],
                "total": sum(per_child[c.pk].values()),
                "active_users": len(users[c.pk]),
            }
            for c in children
        ],
        "months": [
            {"month": m, "counts": [per_month[m].get(k, 0) for k, _l in modules]}
            for m in sorted(per_month)
        ],
    }
