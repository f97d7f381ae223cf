"""Every reported figure, defined once: id, Chinese name, formula, unit of measure, and
the query behind it over (unit subtree, period).

Pages, exports, the red list, the township report and the API all read figures from
REGISTRY, so a number on any of them is the same number and links to the same
records. Case figures call `sanzhang.cases.metrics` (their one definition); visit
coverage calls `sanzhang.visits.selectors.coverage` (its one definition). The outreach
models are looked up lazily: an indicator whose app has no model yet reports 0 and
says so (`available`), instead of breaking every page.

An indicator is one of:
- count: the number of `records` rows;
- sum: the sum of `field` over `records`;
- distinct: the number of distinct `field` values among `records`;
- rate: `records` (the part) ÷ `base` (the whole), 0 when the whole is empty.
A `value_fn` overrides the arithmetic where another module owns the definition; the
records and base querysets still give the drill-down lists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from sanzhang.cases import metrics as case_metrics
from sanzhang.cases.models import Case
from sanzhang.cases.states import OPEN_STATUSES
from sanzhang.org.levels import SCOPE_FIELD, Level
from sanzhang.org.models import Household, Post, Role, Unit

from .period import Period, months

Number = int | float
RecordsFn = Callable[[Unit, Period], QuerySet]


class Unavailable(LookupError):
    """The module holding this figure's records is not installed yet."""


def model(label: str) -> Any:
    """An outreach model by "app.Model", or Unavailable while that app is being built."""
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        raise Unavailable(label) from None


@dataclass(frozen=True)
class County:
    """Every active township of the installation taken together. The unit tree's
    roots are townships and an installation holds one county's townships, so the
    county report's scope is "these townships" rather than a unit of its own."""

    township_ids: tuple[int, ...]
    name: str = "全县"
    level: str = "county"
    pk: None = None

    @classmethod
    def of_installation(cls) -> County:
        ids = Unit.objects.filter(level=Level.TOWNSHIP, is_active=True).order_by(
            "sort_order", "id"
        )
        return cls(tuple(ids.values_list("pk", flat=True)))


Scope = Unit | County


def in_unit(unit: Scope, prefix: str = "") -> Q:
    """Rows inside `unit`'s subtree: one equality on the ancestor column of its level
    (for the county: the township column among its townships)."""
    if isinstance(unit, County):
        return Q(**{prefix + "township_id__in": unit.township_ids})
    return Q(**{prefix + SCOPE_FIELD[unit.level]: unit.pk})


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    formula: str
    measure: str  # 户, 人次, 小时, 率 ...
    kind: str  # count | sum | distinct | rate
    records: RecordsFn
    base: RecordsFn | None = None
    field: str = ""
    prefix: str = ""  # from the record model to its ancestor columns
    value_fn: Callable[[Unit, Period], Number] | None = None
    section: str = "work"  # framework | work | rates | outcome
    record_type: str = ""  # how the drill-down page shows a row
    in_period: bool = True  # False: a count of what exists now (framework)
    needs: str = ""  # "app.Model" the records live in, when another app owns it
    # The records' own date or time column that puts a row in its period, for a count
    # whose monthly trend can then be one grouped query (see by_month).
    month_field: str = ""

    @property
    def is_rate(self) -> bool:
        return self.kind == "rate"

    def available(self) -> bool:
        try:
            if self.needs:
                model(self.needs)
        except Unavailable:
            return False
        return True

    def value(self, unit: Unit, period: Period) -> Number:
        try:
            if self.value_fn is not None:
                return self.value_fn(unit, period)
            return self._aggregate(self.records(unit, period), self.base, unit, period)
        except Unavailable:
            return 0.0 if self.is_rate else 0

    def _aggregate(
        self, qs: QuerySet, base: RecordsFn | None, unit: Unit, period: Period
    ) -> Number:
        if self.kind == "count":
            return qs.count()
        if self.kind == "sum":
            return _number(qs.aggregate(s=Sum(self.field))["s"])
        if self.kind == "distinct":
            return qs.values(self.field).distinct().count()
        assert base is not None
        return ratio(qs.count(), base(unit, period).count())

    def by_month(self, unit: Unit, period: Period) -> list[Number]:
        """The figure for each month of `period` (as `months(period)`, clipped).

        A count with a `month_field` is one query grouped by calendar month (local
        time, as Period.dt): its records over the whole period are exactly the union
        of its records over the months. Anything else is computed month by month."""
        spans = months(period)
        if self.kind != "count" or not self.month_field or self.value_fn:
            return [self.value(unit, m) for m in spans]
        try:
            rows = (
                self.records(unit, period)
                .order_by()
                .annotate(month=TruncMonth(self.month_field))
                .values("month")
                .annotate(n=Count("pk"))
            )
            got = {(r["month"].year, r["month"].month): r["n"] for r in rows}
        except Unavailable:
            got = {}
        return [got.get((m.start.year, m.start.month), 0) for m in spans]

    def breakdown(self, unit: Unit, period: Period, level: str) -> dict[int, Number]:
        """The figure for each unit of `level` under `unit`, in grouped queries."""
        col = self.prefix + SCOPE_FIELD[level]
        try:
            qs = self.records(unit, period)
            if self.kind == "rate":
                assert self.base is not None
                part = _grouped(qs, col, Count("pk"))
                whole = _grouped(self.base(unit, period), col, Count("pk"))
                return {k: ratio(part.get(k, 0), n) for k, n in whole.items()}
            agg = {
                "count": Count("pk"),
                "sum": Sum(self.field),
                "distinct": Count(self.field, distinct=True),
            }[self.kind]
            return {k: _number(v) for k, v in _grouped(qs, col, agg).items()}
        except Unavailable:
            return {}


def _grouped(qs: QuerySet, col: str, agg: Any) -> dict[int, Any]:
    return {
        row[col]: row["n"]
        for row in qs.order_by().values(col).annotate(n=agg)
        if row[col] is not None
    }


def _number(v: Any) -> Number:
    if v is None:
        return 0
    if isinstance(v, Decimal):
        return float(v)
    return v


def ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


# --- framework ----------------------------------------------------------------------
def active_units(unit: Scope, p: Period) -> QuerySet:
    return Unit.objects.filter(in_unit(unit), is_active=True)


def _units(level: str) -> RecordsFn:
    return lambda unit, p: active_units(unit, p).filter(level=level).order_by("path")


def _households(unit: Unit, p: Period) -> QuerySet:
    return Household.objects.filter(in_unit(unit), is_active=True)


def current_posts(unit: Scope, p: Period) -> QuerySet:
    # As org.selectors.stats: active posts on active units in the subtree.
    return Post.objects.filter(
        in_unit(unit, "unit__"), ended_on__isnull=True, unit__is_active=True
    )


def _chiefs(role: str) -> RecordsFn:
    return lambda unit, p: (
        current_posts(unit, p).filter(role=role).select_related("unit")
    )


# --- cases (one definition each: sanzhang.cases.metrics) ----------------------------
def _case_fig(name: str, part: str = "records") -> RecordsFn:
    fn = getattr(case_metrics, name)
    return lambda unit, p: getattr(fn(in_unit(unit), *p.dt), part)


def _case_value(name: str) -> Callable[[Unit, Period], Number]:
    fn = getattr(case_metrics, name)
    return lambda unit, p: fn(in_unit(unit), *p.dt).value


def _resolved_at(level: str) -> RecordsFn:
    return lambda unit, p: (
        case_metrics.resolved_by_level(in_unit(unit), *p.dt)[level].records
    )


OVERDUE = Q(deadline_flag="red")  # open and past its limit (red card)


def open_cases(unit: Scope, p: Period) -> QuerySet:
    return Case.objects.filter(in_unit(unit), status__in=OPEN_STATUSES)


def _overdue_cases(unit: Unit, p: Period) -> QuerySet:
    return open_cases(unit, p).filter(OVERDUE)


# --- visits (sanzhang.visits) -------------------------------------------------------
def visits(unit: Scope, p: Period) -> QuerySet:
    return model("visits.Visit").objects.filter(
        in_unit(unit), visited_on__gte=p.start, visited_on__lte=p.end
    )


def _visited_households(unit: Unit, p: Period) -> QuerySet:
    return _households(unit, p).filter(pk__in=visits(unit, p).values("household_id"))


def _coverage(unit: Unit, p: Period) -> float:
    try:
        from sanzhang.visits.selectors import coverage
    except ImportError:
        raise Unavailable("visits.selectors.coverage") from None
    visited, total = coverage(unit, p.start, p.end)
    return ratio(visited, total)


def _last30(fn: RecordsFn) -> RecordsFn:
    return lambda unit, p: fn(unit, p.last_days(30))


# --- activities (sanzhang.activities) -----------------------------------------------
MICRO_LECTURE = Q(kind="micro_lecture")
CLEANUP = Q(kind="cleanup")


def activities(unit: Scope, p: Period) -> QuerySet:
    return model("activities.Activity").objects.filter(
        in_unit(unit), held_on__gte=p.start, held_on__lte=p.end
    )


def _activities(kind: Q | None = None) -> RecordsFn:
    def records(unit: Unit, p: Period) -> QuerySet:
        qs = activities(unit, p)
        return qs.filter(kind) if kind else qs

    return records


def _volunteer_attendance(unit: Unit, p: Period) -> QuerySet:
    return model("activities.Attendance").objects.filter(
        in_unit(unit, "activity__"),
        activity__kind="volunteer_day",
        activity__held_on__gte=p.start,
        activity__held_on__lte=p.end,
    )


def _customs_persuaded(unit: Unit, p: Period) -> QuerySet:
    return model("activities.CustomsReform").objects.filter(
        in_unit(unit),
        outcome__in=("scaled_down", "cancelled"),
        talked_on__gte=p.start,
        talked_on__lte=p.end,
    )


def _meetings(unit: Unit, p: Period) -> QuerySet:
    return model("activities.Meeting").objects.filter(
        in_unit(unit), held_on__gte=p.start, held_on__lte=p.end
    )


# --- notices (sanzhang.notices) -----------------------------------------------------
def _relays(unit: Unit, p: Period) -> QuerySet:
    start, end = p.dt
    return model("notices.NoticeRelay").objects.filter(
        in_unit(unit), notice__sent_at__gte=start, notice__sent_at__lt=end
    )


RELAYED = Q(relayed_at__isnull=False)


def _relayed(unit: Unit, p: Period) -> QuerySet:
    return _relays(unit, p).filter(RELAYED)


# --- stories and commendations (this app) -------------------------------------------
def _stories_reported(unit: Unit, p: Period) -> QuerySet:
    from .models import Story

    start, end = p.dt
    return Story.objects.filter(
        in_unit(unit), reported_at__gte=start, reported_at__lt=end
    )


def _models_selected(unit: Unit, p: Period) -> QuerySet:
    from .models import Commendation

    start, end = p.dt
    return Commendation.objects.filter(
        in_unit(unit),
        status__in=(Commendation.Status.APPROVED, Commendation.Status.PUBLISHED),
        approved_at__gte=start,
        approved_at__lt=end,
    )


def _i(*args: Any, **kwargs: Any) -> Indicator:
    return Indicator(*args, **kwargs)


C, S, D, R = "count", "sum", "distinct", "rate"
FRAMEWORK = [
    _i(
        "villages",
        _("村（社区）"),
        _("范围内在用的村（社区）数"),
        _("个"),
        C,
        _units(Level.VILLAGE),
        section="framework",
        record_type="unit",
        in_period=False,
    ),
    _i(
        "areas",
        _("片"),
        _("范围内在用的片数"),
        _("个"),
        C,
        _units(Level.AREA),
        section="framework",
        record_type="unit",
        in_period=False,
    ),
    _i(
        "groups",
        _("组"),
        _("范围内在用的村民小组数"),
        _("个"),
        C,
        _units(Level.GROUP),
        section="framework",
        record_type="unit",
        in_period=False,
    ),
    _i(
        "neighborhoods",
        _("邻"),
        _("范围内在用的邻数"),
        _("个"),
        C,
        _units(Level.NEIGHBORHOOD),
        section="framework",
        record_type="unit",
        in_period=False,
    ),
    _i(
        "households",
        _("户数"),
        _("范围内在册户数"),
        _("户"),
        C,
        _households,
        section="framework",
        record_type="household",
        in_period=False,
    ),
    _i(
        "area_chiefs",
        _("片长"),
        _("范围内在任片长人数（现任职务数）"),
        _("人"),
        C,
        _chiefs(Role.AREA_CHIEF),
        prefix="unit__",
        section="framework",
        record_type="post",
        in_period=False,
    ),
    _i(
        "group_chiefs",
        _("组长"),
        _("范围内在任组长人数"),
        _("人"),
        C,
        _chiefs(Role.GROUP_CHIEF),
        prefix="unit__",
        section="framework",
        record_type="post",
        in_period=False,
    ),
    _i(
        "neighborhood_chiefs",
        _("邻长"),
        _("范围内在任邻长人数"),
        _("人"),
        C,
        _chiefs(Role.NEIGHBORHOOD_CHIEF),
        prefix="unit__",
        section="framework",
        record_type="post",
        in_period=False,
    ),
]
WORK = [
    _i(
        "micro_lectures",
        _("微宣讲"),
        _("期内举办的“微宣讲”活动场次"),
        _("场"),
        C,
        _activities(MICRO_LECTURE),
        record_type="activity",
        needs="activities.Activity",
    ),
    _i(
        "leaflets",
        _("发放资料"),
        _("期内各类活动登记的发放资料份数之和"),
        _("份"),
        S,
        _activities(),
        field="leaflets",
        record_type="activity",
        needs="activities.Activity",
    ),
    _i(
        "activities",
        _("活动场次"),
        _("期内各类活动场次"),
        _("场"),
        C,
        _activities(),
        record_type="activity",
        needs="activities.Activity",
    ),
    _i(
        "activity_person_times",
        _("活动参与人次"),
        _("期内各类活动的参与人次之和（签到名单 + 未列名人数）"),
        _("人次"),
        S,
        _activities(),
        field="person_times",
        record_type="activity",
        needs="activities.Activity",
    ),
    _i(
        "visits",
        _("走访户次"),
        _("期内走访记录条数"),
        _("户次"),
        C,
        visits,
        record_type="visit",
        needs="visits.Visit",
        month_field="visited_on",
    ),
    _i(
        "people_served",
        _("服务群众"),
        _("期内走访记录的服务人次之和"),
        _("人次"),
        S,
        visits,
        field="people_served",
        record_type="visit",
        needs="visits.Visit",
    ),
    _i(
        "opinions_collected",
        _("收集民情"),
        _("期内登记的事件数（并入同类事件的不重复计）"),
        _("件"),
        C,
        _case_fig("cases_collected"),
        record_type="case",
        month_field="created_at",
    ),
    _i(
        "answered_on_spot",
        _("当场答复"),
        _("期内登记并当场答复的事件数"),
        _("件"),
        C,
        _case_fig("answered_on_spot"),
        record_type="case",
    ),
    _i(
        "cases_resolved",
        _("办结事件"),
        _("期内办结的事件数"),
        _("件"),
        C,
        _case_fig("resolved_in_township", "base"),
        record_type="case",
        month_field="resolved_at",
    ),
    _i(
        "resolved_neighborhood",
        _("邻长办结"),
        _("期内由邻长办结的事件数"),
        _("件"),
        C,
        _resolved_at("neighborhood"),
        record_type="case",
    ),
    _i(
        "resolved_group",
        _("组长办结"),
        _("期内由组长办结的事件数"),
        _("件"),
        C,
        _resolved_at("group"),
        record_type="case",
    ),
    _i(
        "resolved_area",
        _("片长办结"),
        _("期内由片长办结的事件数"),
        _("件"),
        C,
        _resolved_at("area"),
        record_type="case",
    ),
    _i(
        "resolved_village",
        _("村两委办结"),
        _("期内由村两委办结的事件数"),
        _("件"),
        C,
        _resolved_at("village"),
        record_type="case",
    ),
    _i(
        "resolved_station",
        _("乡站所办结"),
        _("期内由乡站所办结的事件数"),
        _("件"),
        C,
        _resolved_at("station"),
        record_type="case",
    ),
    _i(
        "tracked_issues_resolved",
        _("重难点问题解决"),
        _("期内办结的重难点督办事件数"),
        _("件"),
        C,
        _case_fig("tracked_resolved"),
        record_type="case",
    ),
    _i(
        "disputes_resolved",
        _("化解矛盾纠纷"),
        _("期内调解成功的矛盾纠纷数（调解结果为成功）"),
        _("件"),
        C,
        _case_fig("disputes_resolved"),
        record_type="case",
    ),
    _i(
        "open_cases",
        _("未结事件"),
        _("当前未结案的事件数（待签收、办理中、待回访）"),
        _("件"),
        C,
        open_cases,
        record_type="case",
        in_period=False,
    ),
    _i(
        "overdue_cases",
        _("超期未结"),
        _("当前未结案且已超期（红牌）的事件数"),
        _("件"),
        C,
        _overdue_cases,
        record_type="case",
        in_period=False,
    ),
    _i(
        "customs_persuaded_households",
        _("移风易俗劝导"),
        _("期内移风易俗劝导结果为“从简”或“取消”的不同户数"),
        _("户"),
        D,
        _customs_persuaded,
        field="household_id",
        record_type="customs",
        needs="activities.CustomsReform",
    ),
    _i(
        "cleanup_person_times",
        _("人居环境整治"),
        _("期内“人居环境整治”活动的参与人次之和"),
        _("人次"),
        S,
        _activities(CLEANUP),
        field="person_times",
        record_type="activity",
        needs="activities.Activity",
    ),
    _i(
        "volunteer_hours",
        _("志愿服务时长"),
        _("期内“周五志愿日”活动签到记录的时长之和"),
        _("小时"),
        S,
        _volunteer_attendance,
        field="hours",
        prefix="activity__",
        record_type="attendance",
        needs="activities.Attendance",
    ),
    _i(
        "meetings",
        _("议事会议"),
        _("期内召开的村民议事会、民情分析会、三长会议次数"),
        _("次"),
        C,
        _meetings,
        record_type="meeting",
        needs="activities.Meeting",
    ),
    _i(
        "stories_reported",
        _("上报典型案例"),
        _("期内标记为已向上级报送的典型案例、先进事迹篇数"),
        _("篇"),
        C,
        _stories_reported,
        section="outcome",
        record_type="story",
    ),
    _i(
        "models_selected",
        _("评选典型"),
        _("期内批准（含已公布）的年度表彰人数"),
        _("人"),
        C,
        _models_selected,
        section="outcome",
        record_type="commendation",
    ),
]
RATES = [
    _i(
        "visit_coverage",
        _("走访覆盖率"),
        _("期内至少走访一次的在册户数 ÷ 在册户数（visits.selectors.coverage）"),
        _("率"),
        R,
        _visited_households,
        base=_households,
        value_fn=_coverage,
        section="rates",
        record_type="household",
        needs="visits.Visit",
    ),
    _i(
        "visit_coverage_30d",
        _("近30天走访覆盖率"),
        _("截至期末的30天内至少走访一次的在册户数 ÷ 在册户数"),
        _("率"),
        R,
        _last30(_visited_households),
        base=_households,
        value_fn=lambda u, p: _coverage(u, p.last_days(30)),
        section="rates",
        record_type="household",
        needs="visits.Visit",
    ),
    _i(
        "answered_on_spot_rate",
        _("当场答复率"),
        _("当场答复数 ÷ 收集民情数"),
        _("率"),
        R,
        _case_fig("answered_on_spot"),
        base=_case_fig("answered_on_spot", "base"),
        value_fn=_case_value("answered_on_spot"),
        section="rates",
        record_type="case",
    ),
    _i(
        "on_time_rate",
        _("按时办结率"),
        _(
            "期内办结且从未超期的事件数 ÷（期内办结的事件数 + 期内已过时限仍在办理的事件数）"
        ),
        _("率"),
        R,
        _case_fig("on_time_rate"),
        base=_case_fig("on_time_rate", "base"),
        value_fn=_case_value("on_time_rate"),
        section="rates",
        record_type="case",
    ),
    _i(
        "satisfaction_rate",
        _("群众满意率"),
        _("期内回访评价为满意或基本满意的次数 ÷ 期内回访次数"),
        _("率"),
        R,
        _case_fig("satisfaction_rate"),
        base=_case_fig("satisfaction_rate", "base"),
        value_fn=_case_value("satisfaction_rate"),
        section="rates",
        record_type="followup",
    ),
    _i(
        "dispute_resolution_rate",
        _("矛盾纠纷化解率"),
        _("调解成功的纠纷数 ÷ 期内有调解结果（成功或不成）的纠纷数"),
        _("率"),
        R,
        _case_fig("disputes_resolved"),
        base=_case_fig("disputes_resolved", "base"),
        value_fn=_case_value("disputes_resolved"),
        section="rates",
        record_type="case",
    ),
    _i(
        "resolved_in_village_rate",
        _("小事不出村"),
        _("由邻长、组长、片长或村两委办结的事件数 ÷ 期内办结的事件数"),
        _("率"),
        R,
        _case_fig("resolved_in_village"),
        base=_case_fig("resolved_in_village", "base"),
        value_fn=_case_value("resolved_in_village"),
        section="rates",
        record_type="case",
    ),
    _i(
        "resolved_in_township_rate",
        _("大事不出乡"),
        _("在乡镇及以下层级办结的事件数 ÷ 期内办结的事件数"),
        _("率"),
        R,
        _case_fig("resolved_in_township"),
        base=_case_fig("resolved_in_township", "base"),
        value_fn=_case_value("resolved_in_township"),
        section="rates",
        record_type="case",
    ),
    _i(
        "notices_relayed_rate",
        _("通知传达到户率"),
        _("期内发出的通知中已传达到户的户数 ÷ 这些通知应传达的户数"),
        _("率"),
        R,
        _relayed,
        base=_relays,
        section="rates",
        record_type="relay",
        needs="notices.NoticeRelay",
    ),
]

REGISTRY: dict[str, Indicator] = {i.id: i for i in FRAMEWORK + WORK + RATES}

# The keys of GET /api/v1/reports/summary, in the order the issue lists them.
SUMMARY_KEYS: tuple[str, ...] = (
    "villages",
    "areas",
    "groups",
    "neighborhoods",
    "households",
    "area_chiefs",
    "group_chiefs",
    "neighborhood_chiefs",
    "micro_lectures",
    "leaflets",
    "people_served",
    "opinions_collected",
    "answered_on_spot",
    "tracked_issues_resolved",
    "disputes_resolved",
    "customs_persuaded_households",
    "cleanup_person_times",
    "volunteer_hours",
    "stories_reported",
    "models_selected",
    "visit_coverage_30d",
    "on_time_rate",
    "satisfaction_rate",
    "resolved_in_village_rate",
    "resolved_in_township_rate",
)
FLOAT_KEYS = frozenset({"volunteer_hours"}) | {
    k for k in SUMMARY_KEYS if REGISTRY[k].is_rate
}


def get(indicator_id: str) -> Indicator:
    return REGISTRY[indicator_id]


def summary(unit: Unit, period: Period) -> dict[str, Number]:
    """The summary API's figures, typed as the API promises (one query per family of
    figures: reports.grouped, which the tests hold equal to each Indicator.value)."""
    from . import grouped

    got = grouped.compute(unit, period, SUMMARY_KEYS, by=None).total
    return {
        key: float(got[key]) if key in FLOAT_KEYS else int(got[key])
        for key in SUMMARY_KEYS
    }


def values(ids: list[str], unit: Unit, period: Period) -> dict[str, Number]:
    return {i: REGISTRY[i].value(unit, period) for i in ids}


def formula_table() -> str:
    """Markdown table of every indicator (docs/reports.md and the OpenAPI text)."""
    rows = ["| id | 名称 | 单位 | 公式 |", "|---|---|---|---|"]
    rows += [
        f"| `{i.id}` | {i.name} | {i.measure} | {i.formula} |"
        for i in REGISTRY.values()
    ]
    return "\n".join(rows)


def summary_formulas() -> str:
    return "\n".join(
        f"- `{k}` ({REGISTRY[k].name}，{REGISTRY[k].measure}): {REGISTRY[k].formula}"
        for k in SUMMARY_KEYS
    )
