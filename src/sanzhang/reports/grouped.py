"""Many figures for many units in a few queries: one grouped query per family.

A family is one base set of rows, taken from the definitions in `metrics` and
`sanzhang.cases.metrics` (the same functions the indicators use), and the aggregates
its figures need: the cases recorded in the period give `opinions_collected` (all
rows) and `answered_on_spot` (the rows with the on-the-spot condition) in one pass.
`compute(scope, period, ids, by=...)` runs each family the figures need once, grouped
by an ancestor column (`township_id` for the county's townships, `village_id` for a
township's villages), and derives every figure of every group from the aggregates.

The scope's own figure is the sum of its groups' aggregates (every row has exactly one
group value, possibly none), put through the same arithmetic; a distinct count, which
does not add up over groups, is counted once more for the whole scope. So each figure
here equals `Indicator.value` for the group's unit and for the scope: the tests
(test_grouped.py) check that figure by figure on the test world.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Count,
    Expression,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)

from sanzhang.cases import metrics as cm
from sanzhang.cases.states import Satisfaction
from sanzhang.org.levels import SCOPE_FIELD, Level
from sanzhang.org.models import Role

from . import metrics as m
from .metrics import Number, Scope, Unavailable, ratio
from .period import Period, months

Agg = Callable[[Period], Any]  # the period -> an aggregate expression


class _One(Expression):
    """The constant 1: COUNT(1) (FILTER ...) counts rows without reading a column
    (Django refuses COUNT(*) with a filter)."""

    output_field = IntegerField()

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list]:
        return "1", []


def count_rows(q: Q | None = None) -> Count:
    """COUNT(*) / COUNT(1) FILTER (WHERE q): the rows, as COUNT(pk) counts them (a
    primary key is never null) but without reading the key. PostgreSQL's indexes do
    not hold the table's `id`, so COUNT(id) sent every counted row to the table, which
    made the covering (township, period, ...) case indexes useless there: a year's
    400,000 cases were read by parallel sequential scans (0.3 s a family) instead of
    an index-only scan (0.13 s). SQLite's indexes carry the rowid either way."""
    return Count(_One(), filter=q) if q is not None else Count("*")


def _count(q: Q | None = None) -> Agg:
    return lambda p: count_rows(q)


def _sum(col: str, q: Q | None = None) -> Agg:
    return lambda p: Sum(col, filter=q)


def satisfaction_part(value: str) -> str:
    """The follow-ups family's count of one answer (the satisfaction chart)."""
    return f"said_{value}"


def _case_rows(base: Callable) -> Callable[[Scope, Period], QuerySet]:
    return lambda scope, p: base(m.in_unit(scope), *p.dt)


def _mediations(scope: Scope, p: Period) -> QuerySet:
    if isinstance(scope, m.County):
        townships: list[int] = list(scope.township_ids)
    else:
        townships = [scope.township_id]
    return cm.mediations_ended(m.in_unit(scope), *p.dt, townships=townships)


def _households(scope: Scope, p: Period) -> QuerySet:
    """The active households of `scope`, each with its last visit up to the period's
    end: visited in [start, end] (visits.selectors.visited_between) <=> that day is
    on or after `start`. One index seek per household then answers both the period's
    and the last 30 days' coverage (two EXISTS cost two)."""
    from sanzhang.visits.models import Visit

    last = (
        Visit.objects.filter(household_id=OuterRef("pk"), visited_on__lte=p.end)
        .order_by("-visited_on")
        .values("visited_on")[:1]
    )
    return m._households(scope, p).annotate(last_visit=Subquery(last))


By = str | tuple[str, ...] | None  # one ancestor column, several (a tuple key), none


def _cols(by: By, prefix: str = "") -> list[str]:
    if by is None:
        return []
    return [prefix + c for c in ((by,) if isinstance(by, str) else by)]


def _key(row: dict[str, Any], cols: list[str]) -> Any:
    """A result row's group key (popped from the row): one value, or a tuple."""
    if not cols:
        return None
    if len(cols) == 1:
        return row.pop(cols[0])
    return tuple(row.pop(c) for c in cols)


def _run_households(
    scope: Scope, period: Period, parts: set[str], cols: list[str]
) -> dict[Any, dict[str, Number]]:
    """The households family: active households per group and those visited in the
    period / the last 30 days of it (visits.selectors.visited_between)."""
    windows = {"visited": period, "visited_30d": period.last_days(30)}
    wanted = [w for w in windows if w in parts]
    # The visit-years join reads the rollup's rows of the windows' years (PostgreSQL
    # hash-joins the whole year: ~30-60 ms), which pays for the county's 200,000
    # households but not for a township's 4,500 (two index seeks each: ~10-20 ms).
    if wanted and isinstance(scope, m.County) and _household_years_ready():
        got = _households_by_years(scope, period, parts, cols, windows)
        if got is not None:
            return got
    if len(wanted) == 2 and connection.vendor == "postgresql":
        return _households_by_last_visit(scope, period, parts, cols)
    from sanzhang.visits.selectors import visited_between

    # One EXISTS (an index probe per household) for each window asked for. SQLite
    # would work a subquery in GROUP BY out twice (key and output), so this is its
    # cheapest form; PostgreSQL's too when one window is asked (the dashboards).
    aggs: dict[str, Any] = {"n": count_rows()} if "n" in parts else {}
    for w in wanted:
        span = windows[w]
        aggs[w] = count_rows(Q(visited_between(span.start, span.end)))
    qs = m._households(scope, period).order_by()
    if not cols:
        return {None: qs.aggregate(**aggs)}
    return {_key(row, cols): row for row in qs.values(*cols).annotate(**aggs)}


# The rollups whose triggers are in place, read once per `compute` (rollup.ready_names).
_READY: ContextVar[frozenset[str] | None] = ContextVar("rollups_ready", default=None)


def _rollup_ready(name: str) -> bool:
    from . import rollup

    ready = _READY.get()
    if ready is None:  # a family run outside compute()
        ready = rollup.ready_names()
    return name in ready


def _household_years_ready() -> bool:
    return _rollup_ready("household_years")


MAX_JOINED_YEARS = 4  # longer periods look the visits up (a join per year)


def _years(span: Period) -> range:
    return range(span.start.year, span.end.year + 1)


def _visited_in(alias: str, lo: str, hi: str) -> str:
    """SQL: the window [lo, hi] holds the first or last visit of the household's
    year row `alias` (NULL when the household has no row that year)."""
    return f"{alias}.first_on BETWEEN {lo} AND {hi} OR {alias}.last_on BETWEEN {lo} AND {hi}"


def _straddles(alias: str, lo: str, hi: str) -> str:
    """SQL: the year's first visit is before the window and its last after it: a
    visit inside can only be known from the visits."""
    return f"({alias}.first_on < {lo} AND {alias}.last_on > {hi})"


_VISITED_IN = (
    "EXISTS (SELECT 1 FROM visits_visit v WHERE v.household_id = h.id"
    " AND v.visited_on >= %s AND v.visited_on <= %s)"
)


def _households_by_years(
    scope: Scope,
    period: Period,
    parts: set[str],
    cols: list[str],
    windows: dict[str, Period],
) -> dict[Any, dict[str, Number]] | None:
    """Active households per group and those visited in each window asked for, from
    the visit-years rollup (models.HouseholdYear): the scope's households joined to
    their row of each year the windows touch. A household was visited in a window
    when a year's first or last visit lies in it; it was not when every year's
    visits lie before or after it; only when a year's visits straddle the window
    (first before, last after) are its visits looked up. PostgreSQL hash-joins the
    ~200,000 rows of a county (0.45 -> ~0.25 s, the visits' index seek per household
    gone); SQLite seeks the rollup's key instead, no dearer than before.
    None: the windows span too many years (the visits are read instead)."""
    wanted = [w for w in windows if w in parts]
    years = sorted({y for w in wanted for y in _years(windows[w])})
    if len(years) > MAX_JOINED_YEARS:
        return None
    quote = connection.ops.quote_name
    households = m._households(scope, period).order_by().values("id", *cols)
    hh_sql, hh_params = households.query.sql_with_params()
    counts, count_params = [], []
    for w in wanted:
        lo, hi = windows[w].start, windows[w].end
        mine = [f"y{y}" for y in _years(windows[w])]
        # Each %s pair is (lo, hi); the year rows' tests first, then the look-up.
        visited = " OR ".join(_visited_in(a, "%s", "%s") for a in mine)
        straddles = " OR ".join(_straddles(a, "%s", "%s") for a in mine)
        counts.append(
            f"COUNT(CASE WHEN {visited} THEN 1 WHEN {straddles} THEN"
            f" CASE WHEN {_VISITED_IN} THEN 1 END END) AS {quote(w)}"
        )
        count_params += [lo, hi] * (3 * len(mine)) + [lo, hi]
    joins = " ".join(
        f"LEFT JOIN reports_householdyear y{y}"
        f" ON y{y}.household_id = h.id AND y{y}.year = {int(y)}"
        for y in years
    )
    key = [f"h.{quote(c)}" for c in cols]
    sql = (
        f"SELECT {', '.join([*key, 'COUNT(*) AS n', *counts])}"  # noqa: S608
        f" FROM ({hh_sql}) h {joins}" + (f" GROUP BY {', '.join(key)}" if key else "")
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*count_params, *hh_params])
        names = [d[0] for d in cursor.description]
        found = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return {_key(row, cols): {p: row[p] or 0 for p in parts} for row in found}


def _households_by_last_visit(
    scope: Scope, period: Period, parts: set[str], cols: list[str]
) -> dict[Any, dict[str, Number]]:
    """Both windows from one probe per household: grouped by (group, last visit day
    up to the period's end), visited in a window <=> that day is on or after its
    start; the windows are then summed here from a few thousand (group, day) rows.
    (Two EXISTS filters cost PostgreSQL two probes a household.)"""
    since = {"visited": period.start, "visited_30d": period.last_days(30).start}
    rows = (
        _households(scope, period)
        .order_by()
        .values(*cols, "last_visit")
        .annotate(n=count_rows())
    )
    out: dict[Any, dict[str, Number]] = {}
    for row in rows:
        got = out.setdefault(_key(row, cols), dict.fromkeys(parts, 0))
        day = row["last_visit"]
        for part in parts:
            if part == "n" or (day is not None and day >= since[part]):
                got[part] += row["n"]
    return out


@dataclass(frozen=True)
class Family:
    id: str
    rows: Callable[[Scope, Period], QuerySet]
    parts: dict[str, Agg]
    prefix: str = ""  # from the rows' model to its ancestor columns
    additive: bool = True  # False: the scope's total is queried apart
    month_field: str = ""  # the column that places a row in a month (trend)
    month_is_date: bool = False
    # A family counted its own way: (scope, period, parts, group column) -> rows.
    runner: Callable[..., dict[Any, dict[str, Number]]] | None = None


def _rollup_where(scope: Scope) -> Q:
    """A rollup's rows under `scope` (a county, township or village: its grain)."""
    if isinstance(scope, m.County):
        return Q(township_id__in=scope.township_ids)
    return Q(**{SCOPE_FIELD[scope.level]: scope.pk})


def _visit_days(scope: Scope, p: Period) -> QuerySet:
    """The rollup rows of `scope`'s visits in the period."""
    from .models import VisitDay

    return VisitDay.objects.filter(
        _rollup_where(scope), day__gte=p.start, day__lte=p.end
    )


def _grouped_sums(
    qs: QuerySet, col: str | None, aggs: dict[str, Any]
) -> dict[Any, dict[str, Number]]:
    """A rollup's sums per group (village 0, the rollup's "none", as None)."""
    qs = qs.order_by()
    if col is None:
        return {None: {k: v or 0 for k, v in qs.aggregate(**aggs).items()}}
    return {
        row.pop(col) or None: {k: v or 0 for k, v in row.items()}
        for row in qs.values(col).annotate(**aggs)
    }


def _run_visit_days(
    scope: Scope, period: Period, parts: set[str], col: str | None, months_: bool
) -> dict[Any, dict[str, Number]]:
    """The visits family read from the rollup: the same counts and sums, per village
    and day instead of per visit."""
    aggs: dict[str, Any] = {}
    if "n" in parts:
        aggs["n"] = Sum("visits")
    if "people_served" in parts:
        aggs["people_served"] = Sum("people_served")
    if months_:
        for i, span in enumerate(months(period)):
            aggs[month_part(i)] = Sum(
                "visits", filter=Q(day__gte=span.start, day__lte=span.end)
            )
    return _grouped_sums(_visit_days(scope, period), col, aggs)


def _run_relay_counts(
    scope: Scope, period: Period, parts: set[str], col: str | None, months_: bool
) -> dict[Any, dict[str, Number]]:
    """The relays family read from the rollup: metrics._relays are the relays of the
    notices sent in the period, so the rollup's rows of those notices (a few hundred
    notices a year, a row per village each) instead of a million relay rows."""
    from .models import RelayCount

    start, end = period.dt
    sent = m.model("notices.Notice").objects.filter(sent_at__gte=start, sent_at__lt=end)
    qs = RelayCount.objects.filter(
        _rollup_where(scope), notice_id__in=sent.values("pk")
    )
    sums = {"n": Sum("relays"), "relayed": Sum("relayed")}
    return _grouped_sums(qs, col, {k: v for k, v in sums.items() if k in parts})


def _run_activity_hours(
    scope: Scope, period: Period, parts: set[str], by: By, months_: bool
) -> dict[Any, dict[str, Number]]:
    """The volunteer family read from the rollup: metrics._volunteer_attendance are
    the attendance rows of the scope's volunteer days in the period, so those
    activities' hours from the rollup (a look-up per activity) instead of every
    attendance row. Any scope and grouping: the activity carries the columns."""
    from .models import ActivityHours

    hours = ActivityHours.objects.filter(activity_id=OuterRef("pk")).values("hours")
    activities = m.model("activities.Activity").objects.filter(
        m.in_unit(scope),
        kind="volunteer_day",
        held_on__gte=period.start,
        held_on__lte=period.end,
    )
    qs = activities.annotate(h=Subquery(hours)).order_by()
    out = Sum("h", output_field=ActivityHours._meta.get_field("hours"))
    cols = _cols(by)
    if not cols:
        return {None: {"hours": qs.aggregate(hours=out)["hours"] or 0}}
    return {
        _key(row, cols): {"hours": row["hours"] or 0}
        for row in qs.values(*cols).annotate(hours=out)
    }


ROLLUP_GRAIN = ("county", Level.TOWNSHIP, Level.VILLAGE)
ROLLUP_COLUMNS = (None, "township_id", "village_id")
# family -> (its rollup (reports.rollup: Rollup.name), the reader of that rollup,
# whether it serves any scope and grouping rather than the rollup's grain only)
ROLLUP_READERS: dict[
    str, tuple[str, Callable[..., dict[Any, dict[str, Number]]], bool]
] = {
    "visits": ("visits", _run_visit_days, False),
    "relays": ("relays", _run_relay_counts, False),
    "volunteer": ("activity_hours", _run_activity_hours, True),
}


def _use_rollup(fam_id: str, scope: Scope, by: By) -> bool:
    if fam_id not in ROLLUP_READERS:
        return False
    name, _reader, any_grain = ROLLUP_READERS[fam_id]
    if not any_grain and (scope.level not in ROLLUP_GRAIN or by not in ROLLUP_COLUMNS):
        return False
    return _rollup_ready(name)


FAMILIES: dict[str, Family] = {
    f.id: f
    for f in (
        Family(
            "units",
            m.active_units,
            {lv.value: _count(Q(level=lv)) for lv in Level if lv != Level.TOWNSHIP},
        ),
        Family(
            "households",
            _households,
            dict.fromkeys(("n", "visited", "visited_30d"), _count()),
            runner=_run_households,
        ),
        Family(
            "posts",
            m.current_posts,
            {
                r: _count(Q(role=r))
                for r in (
                    Role.AREA_CHIEF,
                    Role.GROUP_CHIEF,
                    Role.NEIGHBORHOOD_CHIEF,
                )
            },
            prefix="unit__",
        ),
        Family(
            "activities",
            m.activities,
            {
                "n": _count(),
                "micro_lectures": _count(m.MICRO_LECTURE),
                "leaflets": _sum("leaflets"),
                "person_times": _sum("person_times"),
                "cleanup": _sum("person_times", m.CLEANUP),
            },
        ),
        Family(
            "volunteer",
            m._volunteer_attendance,
            {"hours": _sum("hours")},
            prefix="activity__",
        ),
        Family(
            "customs",
            m._customs_persuaded,
            {"households": lambda p: Count("household_id", distinct=True)},
            additive=False,
        ),
        Family("meetings", m._meetings, {"n": _count()}),
        Family(
            "visits",
            m.visits,
            {"n": _count(), "people_served": _sum("people_served")},
            month_field="visited_on",
            month_is_date=True,
        ),
        Family(
            "collected",
            _case_rows(cm.collected),
            {"n": _count(), "answered": _count(cm.ANSWERED_ON_SPOT)},
            month_field="created_at",
        ),
        Family(
            "resolved",
            _case_rows(cm.resolved),
            {
                "n": _count(),
                "in_village": _count(cm.IN_VILLAGE),
                "in_township": _count(cm.IN_TOWNSHIP),
                "tracked": _count(cm.TRACKED),
                "on_time": lambda p: count_rows(cm.on_time(*p.dt)),
            }
            | {lv: _count(Q(resolved_level=lv)) for lv in cm.LEVELS},
            month_field="resolved_at",
        ),
        Family("late", _case_rows(cm.late_not_resolved), {"n": _count()}),
        Family(
            "followups",
            _case_rows(cm.followups),
            {"n": _count(), "satisfied": _count(cm.SATISFIED)}
            | {
                satisfaction_part(v): _count(Q(satisfaction=v))
                for v in Satisfaction.values
            },
        ),
        Family(
            "mediations",
            _mediations,
            {"n": _count(), "succeeded": _count(cm.MEDIATED)},
        ),
        Family("open", m.open_cases, {"n": _count(), "overdue": _count(m.OVERDUE)}),
        Family("relays", m._relays, {"n": _count(), "relayed": _count(m.RELAYED)}),
        Family("stories", m._stories_reported, {"n": _count()}),
        Family("commendations", m._models_selected, {"n": _count()}),
    )
}


def _p(family: str, part: str) -> Callable[[dict], Number]:
    return lambda parts: m._number(parts[family][part])


def _r(family: str, part: str, whole: str = "n") -> Callable[[dict], Number]:
    return lambda parts: ratio(parts[family][part], parts[family][whole])


def _on_time_rate(parts: dict) -> float:
    # on_time_base = resolved + late_not_resolved (cases.metrics), the part inside
    # resolved.
    whole = parts["resolved"]["n"] + parts["late"]["n"]
    return ratio(parts["resolved"]["on_time"], whole)


# indicator id -> (the parts it reads as "family.part", the figure from the parts)
DERIVED: dict[str, tuple[tuple[str, ...], Callable[[dict], Number]]] = {
    "villages": (("units.village",), _p("units", "village")),
    "areas": (("units.area",), _p("units", "area")),
    "groups": (("units.group",), _p("units", "group")),
    "neighborhoods": (("units.neighborhood",), _p("units", "neighborhood")),
    "households": (("households.n",), _p("households", "n")),
    "area_chiefs": (("posts.area_chief",), _p("posts", Role.AREA_CHIEF)),
    "group_chiefs": (("posts.group_chief",), _p("posts", Role.GROUP_CHIEF)),
    "neighborhood_chiefs": (
        ("posts.neighborhood_chief",),
        _p("posts", Role.NEIGHBORHOOD_CHIEF),
    ),
    "micro_lectures": (
        ("activities.micro_lectures",),
        _p("activities", "micro_lectures"),
    ),
    "leaflets": (("activities.leaflets",), _p("activities", "leaflets")),
    "activities": (("activities.n",), _p("activities", "n")),
    "activity_person_times": (
        ("activities.person_times",),
        _p("activities", "person_times"),
    ),
    "visits": (("visits.n",), _p("visits", "n")),
    "people_served": (("visits.people_served",), _p("visits", "people_served")),
    "opinions_collected": (("collected.n",), _p("collected", "n")),
    "answered_on_spot": (("collected.answered",), _p("collected", "answered")),
    "cases_resolved": (("resolved.n",), _p("resolved", "n")),
    **{f"resolved_{lv}": ((f"resolved.{lv}",), _p("resolved", lv)) for lv in cm.LEVELS},
    "tracked_issues_resolved": (("resolved.tracked",), _p("resolved", "tracked")),
    "disputes_resolved": (("mediations.succeeded",), _p("mediations", "succeeded")),
    "open_cases": (("open.n",), _p("open", "n")),
    "overdue_cases": (("open.overdue",), _p("open", "overdue")),
    "customs_persuaded_households": (
        ("customs.households",),
        _p("customs", "households"),
    ),
    "cleanup_person_times": (("activities.cleanup",), _p("activities", "cleanup")),
    "volunteer_hours": (("volunteer.hours",), _p("volunteer", "hours")),
    "meetings": (("meetings.n",), _p("meetings", "n")),
    "stories_reported": (("stories.n",), _p("stories", "n")),
    "models_selected": (("commendations.n",), _p("commendations", "n")),
    "visit_coverage": (
        ("households.n", "households.visited"),
        _r("households", "visited"),
    ),
    "visit_coverage_30d": (
        ("households.n", "households.visited_30d"),
        _r("households", "visited_30d"),
    ),
    "answered_on_spot_rate": (
        ("collected.n", "collected.answered"),
        _r("collected", "answered"),
    ),
    "on_time_rate": (("resolved.n", "resolved.on_time", "late.n"), _on_time_rate),
    "satisfaction_rate": (
        ("followups.n", "followups.satisfied"),
        _r("followups", "satisfied"),
    ),
    "dispute_resolution_rate": (
        ("mediations.n", "mediations.succeeded"),
        _r("mediations", "succeeded"),
    ),
    "resolved_in_village_rate": (
        ("resolved.n", "resolved.in_village"),
        _r("resolved", "in_village"),
    ),
    "resolved_in_township_rate": (
        ("resolved.n", "resolved.in_township"),
        _r("resolved", "in_township"),
    ),
    "notices_relayed_rate": (("relays.n", "relays.relayed"), _r("relays", "relayed")),
}


@dataclass
class Grouped:
    """Figures per group (key: the group column's value) and for the whole scope;
    `parts` keeps the raw aggregates (per family and part) for charts."""

    groups: dict[Any, dict[str, Number]] = field(default_factory=dict)
    total: dict[str, Number] = field(default_factory=dict)
    parts: dict[Any, dict[str, dict[str, Number]]] = field(default_factory=dict)
    total_parts: dict[str, dict[str, Number]] = field(default_factory=dict)

    need: dict[str, set[str]] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)

    def get(self, key: Any, indicator: str) -> Number:
        """A group's figure; a group without any row has 0 (as Indicator.value)."""
        got = self.groups.get(key)
        if got is None:
            return _zero(indicator)
        return got[indicator]

    def derive(self) -> None:
        self.total = {i: DERIVED[i][1](self.total_parts) for i in self.ids}
        for key, fams in self.parts.items():
            full = {f: fams.get(f, dict.fromkeys(ps, 0)) for f, ps in self.need.items()}
            self.groups[key] = {i: DERIVED[i][1](full) for i in self.ids}

    def fold(self, index: int) -> Grouped:
        """The same figures grouped by one column of a tuple key (by=(village,
        neighbourhood) -> per village): the parts added up, the figures derived
        again. Only for additive families (not a distinct count)."""
        assert all(FAMILIES[f].additive for f in self.need)
        out = Grouped(total_parts=self.total_parts, need=self.need, ids=self.ids)
        for key, fams in self.parts.items():
            into = out.parts.setdefault(key[index], {})
            for fam_id, row in fams.items():
                _add(into.setdefault(fam_id, {}), row)
        out.derive()
        return out

    def merge(self, other: Grouped) -> Grouped:
        """Both results' figures in one (the two computed different figures)."""
        out = Grouped(
            total={**self.total, **other.total},
            total_parts={**self.total_parts, **other.total_parts},
            need={**self.need, **other.need},
            ids=self.ids + other.ids,
        )
        for key in set(self.groups) | set(other.groups):
            out.groups[key] = {
                **{i: self.get(key, i) for i in self.ids},
                **{i: other.get(key, i) for i in other.ids},
            }
        return out


def _zero(indicator: str) -> Number:
    return 0.0 if m.REGISTRY[indicator].is_rate else 0


def needed_parts(ids: Iterable[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for i in ids:
        for ref in DERIVED[i][0]:
            fam, part = ref.split(".")
            out.setdefault(fam, set()).add(part)
    return out


def month_part(i: int) -> str:
    return f"m{i}"


def _month_aggs(fam: Family, period: Period) -> dict[str, Any]:
    """A count per calendar month of `period` (clipped, local time): the rows of a
    month are exactly the family's rows with the month's range on `month_field`."""
    out = {}
    for i, span in enumerate(months(period)):
        if fam.month_is_date:
            lo, hi = span.start, span.end
            q = Q(**{f"{fam.month_field}__gte": lo, f"{fam.month_field}__lte": hi})
        else:
            lo, hi = span.dt
            q = Q(**{f"{fam.month_field}__gte": lo, f"{fam.month_field}__lt": hi})
        out[month_part(i)] = count_rows(q)
    return out


def _run(
    fam: Family,
    scope: Scope,
    period: Period,
    parts: set[str],
    by: By,
    with_months: bool,
) -> dict[Any, dict[str, Number]]:
    """One query: the family's aggregates per value of `by` (None: one row)."""
    cols = _cols(by, fam.prefix)
    if fam.runner is not None:
        return fam.runner(scope, period, parts, cols)
    aggs = {name: fam.parts[name](period) for name in sorted(parts)}
    if with_months and fam.month_field:
        aggs |= _month_aggs(fam, period)
    qs = fam.rows(scope, period).order_by()
    if not cols:
        return {None: {k: v or 0 for k, v in qs.aggregate(**aggs).items()}}
    # Sums stay Decimal until the figure is derived, so adding the groups up is exact.
    return {
        _key(row, cols): {k: v or 0 for k, v in row.items()}
        for row in qs.values(*cols).annotate(**aggs)
    }


def _add(into: dict[str, Number], row: dict[str, Number]) -> None:
    for k, v in row.items():
        into[k] = into.get(k, 0) + v


def compute(
    scope: Scope,
    period: Period,
    ids: Iterable[str],
    *,
    by: By,
    months_of: Iterable[str] = (),
    extra: Mapping[str, Iterable[str]] | None = None,
) -> Grouped:
    """The figures `ids` for every value of the ancestor column `by` under `scope`,
    and for `scope` itself; one query per family (one more for a distinct count's
    total). `months_of`: families whose monthly counts the trend chart needs;
    `extra`: more raw parts per family (in `parts`), for charts."""
    ids = list(ids)
    months_of = set(months_of)
    need = needed_parts(ids)
    for fam_id in months_of:
        need.setdefault(fam_id, set()).add("n")
    for fam_id, names in (extra or {}).items():
        need.setdefault(fam_id, set()).update(names)
    out = Grouped(need=need, ids=ids)
    from . import rollup

    with _no_jit():
        token = _READY.set(rollup.ready_names())
        try:
            _fill(out, scope, period, need, by, months_of)
        finally:
            _READY.reset(token)
    out.derive()
    return out


class _no_jit(transaction.Atomic):  # noqa: N801 - used as a context manager
    """PostgreSQL compiles a query with JIT when its cost estimate is high, as a
    county's grouped counts are: 0.4 s of compiling for a 1.4 s query, to save
    nothing on a few aggregates. Off for these queries only (SET LOCAL)."""

    def __init__(self) -> None:
        super().__init__(using=None, savepoint=False, durable=False)

    def __enter__(self) -> None:
        super().__enter__()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")


def _fill(
    out: Grouped,
    scope: Scope,
    period: Period,
    need: dict[str, set[str]],
    by: By,
    months_of: set[str],
) -> None:
    for fam_id, parts in need.items():
        fam = FAMILIES[fam_id]
        try:
            if _use_rollup(fam_id, scope, by):
                reader = ROLLUP_READERS[fam_id][1]
                rows = reader(scope, period, parts, by, fam_id in months_of)
            else:
                rows = _run(fam, scope, period, parts, by, fam_id in months_of)
            total: dict[str, Number] = {}
            for row in rows.values():
                _add(total, row)
            if not fam.additive and by is not None:
                total = _run(fam, scope, period, parts, None, False)[None]
        except Unavailable:
            rows, total = {}, {}
        zeros = dict.fromkeys(parts, 0)
        if fam_id in months_of and fam.month_field:
            zeros |= {month_part(i): 0 for i in range(len(months(period)))}
        out.total_parts[fam_id] = zeros | total
        for key, row in rows.items():
            out.parts.setdefault(key, {})[fam_id] = zeros | row
