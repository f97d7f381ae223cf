"""Reads of visits: coverage, last visits, overdue care households, quiet chiefs.

Everything is counted from the household side: a household is "in unit U" by its
ancestor column now (it may have moved since the visit), and "visited in [start, end]"
is an EXISTS on the (household, visited_on) index. A township of 15,000 households is
then 15,000 index seeks per window, however many years of visits lie behind them; no
query here loops over households in Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from sanzhang.cases.models import Case as CaseRecord
from sanzhang.org.levels import CHILD_LEVEL, ORDER, SCOPE_FIELD, Level
from sanzhang.org.models import CHIEF_ROLES, Household, Post, Unit, User

from .models import (
    DEFAULT_HOUSEHOLD_INTERVAL_DAYS,
    DEFAULT_QUIET_AFTER_DAYS,
    CareInterval,
    Visit,
    VisitSettings,
)

WINDOWS = (30, 90)
HouseholdTag = Household.tags.through


# --- the definition ------------------------------------------------------------------
def households_in(unit: Unit) -> QuerySet[Household]:
    """Active households in `unit`'s subtree (by their ancestor column now)."""
    return Household.objects.filter(
        **{SCOPE_FIELD[unit.level]: unit.pk}, is_active=True
    )


def visited_between(start: date, end: date, ref: str = "pk") -> Exists:
    return Exists(
        Visit.objects.filter(
            household_id=OuterRef(ref), visited_on__gte=start, visited_on__lte=end
        )
    )


def coverage(unit: Unit, start: date, end: date) -> tuple[int, int]:
    """(distinct active households in the subtree with >= 1 visit in [start, end],
    active households in the subtree). THE definition of visit coverage."""
    row = households_in(unit).aggregate(
        visited=Count("pk", filter=Q(visited_between(start, end))),
        total=Count("pk"),
    )
    return row["visited"], row["total"]


def rate(visited: int, total: int) -> float | None:
    return round(100.0 * visited / total, 1) if total else None


def last_visit_subquery(ref: str = "pk") -> Subquery:
    return Subquery(
        Visit.objects.filter(household_id=OuterRef(ref))
        .order_by("-visited_on")
        .values("visited_on")[:1]
    )


# --- coverage broken down ------------------------------------------------------------
@dataclass
class Figures:
    """Households and those visited in the last 30 and 90 days."""

    total: int = 0
    v30: int = 0
    v90: int = 0

    def add(self, other: Figures) -> None:
        self.total += other.total
        self.v30 += other.v30
        self.v90 += other.v90

    @property
    def r30(self) -> float | None:
        return rate(self.v30, self.total)

    @property
    def r90(self) -> float | None:
        return rate(self.v90, self.total)


@dataclass
class ChiefRow:
    post: Post
    figures: Figures
    unit: Unit


@dataclass
class CoverageBreakdown:
    unit: Unit
    today: date
    figures: Figures
    children: list[tuple[Unit, Figures]] = field(default_factory=list)
    unplaced: Figures | None = None  # households below no child unit (group-level)
    chiefs: list[ChiefRow] = field(default_factory=list)
    chief_count: int = 0  # all chiefs of the subtree (`chiefs` may hold fewer)


def _finest_rows(unit: Unit, today: date) -> list[dict[str, Any]]:
    """One row per (village, area, group, neighbourhood) under `unit` with its
    household count and how many were visited in the last 30 and 90 days."""
    starts = {w: today - timedelta(days=w - 1) for w in WINDOWS}
    keys = [SCOPE_FIELD[lv] for lv in ORDER[1:]]
    return list(
        households_in(unit)
        .values(*keys)
        .annotate(
            total=Count("pk"),
            v30=Count("pk", filter=Q(visited_between(starts[30], today))),
            v90=Count("pk", filter=Q(visited_between(starts[90], today))),
        )
        .order_by()
    )


def coverage_breakdown(
    unit: Unit, today: date, *, chief_limit: int | None = None, chiefs: bool = True
) -> CoverageBreakdown:
    """Coverage of `unit` for the last 30/90 days (today included), per child unit and
    per chief of the subtree. One grouped household query, then sums over at most a
    few thousand neighbourhood rows.

    `chief_limit`: keep only that many chiefs, those with the lowest 30-day coverage
    (no figure first), in tree order among equals; `chiefs=False` skips them. A
    township has about a thousand chiefs: building a model row for each only to show
    a hundred cost most of the coverage page's time."""
    rows = _finest_rows(unit, today)
    result = CoverageBreakdown(unit=unit, today=today, figures=Figures())
    by_unit: dict[int, Figures] = {}
    for row in rows:
        fig = Figures(row["total"], row["v30"], row["v90"])
        result.figures.add(fig)
        for key in (SCOPE_FIELD[lv] for lv in ORDER[1:]):
            if row[key]:
                by_unit.setdefault(row[key], Figures()).add(fig)
    child_level = CHILD_LEVEL[unit.level]
    if child_level:
        children = Unit.objects.filter(parent=unit, is_active=True).order_by(
            "sort_order", "id"
        )
        result.children = [(c, by_unit.get(c.pk, Figures())) for c in children]
        child_key = SCOPE_FIELD[child_level]
        loose = Figures()
        for row in rows:
            if not row[child_key]:
                loose.add(Figures(row["total"], row["v30"], row["v90"]))
        result.unplaced = loose if loose.total else None
    if chiefs:
        result.chiefs, result.chief_count = _chief_rows(unit, by_unit, chief_limit)
    return result


def _lowest_first(figures: Figures) -> tuple[bool, float]:
    return (figures.r30 is not None, figures.r30 or 0)


def _post_in_subtree(unit: Unit) -> Q | RawSQL:
    """A filter on Post (the outer query's own table, not a subquery): its unit lies
    in `unit`'s subtree.

    On PostgreSQL it is `unit_id = ANY(ARRAY(<the subtree's unit ids>))`: the planner
    then looks the ~1,000 posts of a township up on the post_unit index (3 ms). Joined
    to the units, it estimated index probes dearer than reading all 43,000 posts of
    the county and hashing them (20-30 ms on the shared machine). SQLite plans the
    join well."""
    units = Unit.objects.filter(**{SCOPE_FIELD[unit.level]: unit.pk}).values("pk")
    if connection.vendor != "postgresql":
        return Q(unit_id__in=units)
    sql, params = units.query.sql_with_params()
    quote = connection.ops.quote_name
    column = f"{quote(Post._meta.db_table)}.{quote('unit_id')}"
    # Only table and column names are interpolated; values stay parameters.
    return RawSQL(  # noqa: S611
        f"{column} = ANY(ARRAY({sql}))", params, output_field=BooleanField()
    )


def _chief_rows(
    unit: Unit, by_unit: dict[int, Figures], limit: int | None
) -> tuple[list[ChiefRow], int]:
    """The subtree's chiefs with their unit's figures (the `limit` lowest, or all)
    and how many chiefs there are. Picks from (post id, unit id) pairs, then loads
    only the chosen posts."""
    posts = (
        Post.objects.filter(role__in=CHIEF_ROLES, ended_on__isnull=True)
        .filter(_post_in_subtree(unit))
        .order_by("unit__path", "unit_id")
    )
    pairs = list(posts.values_list("pk", "unit_id"))
    total = len(pairs)
    if limit is not None:
        # sorted() is stable: equal coverage keeps tree order.
        pairs = sorted(
            pairs, key=lambda pair: _lowest_first(by_unit.get(pair[1], Figures()))
        )[:limit]
    loaded = Post.objects.select_related("unit").in_bulk([pk for pk, _ in pairs])
    rows = [
        ChiefRow(post=p, figures=by_unit.get(p.unit_id, Figures()), unit=p.unit)
        for p in (loaded[pk] for pk, _ in pairs)
    ]
    return rows, total


# --- lists of households -------------------------------------------------------------
def longest_unvisited(
    households: QuerySet[Household], limit: int = 20
) -> list[Household]:
    """Households not visited for longest (never visited first), with `.last_visit`."""
    # prefetch, not select_related: a join sends PostgreSQL to hash every unit of
    # the county and every household's head before the sort picks the first few.
    return list(
        households.annotate(last_visit=last_visit_subquery())
        .prefetch_related("head", "neighborhood")
        .order_by(Coalesce("last_visit", Value(date(1900, 1, 1))).asc(), "code", "pk")[
            :limit
        ]
    )


def care_intervals(township_id: int) -> dict[int, int]:
    """tag id -> days for the township (seeding the defaults on first use)."""
    from .services.settings import care_defaults_install

    if not VisitSettings.objects.filter(township_id=township_id).exists():
        care_defaults_install(township_id)
    # Sensitive tags (低保, 社区矫正 ...) never drive chiefs' care lists: a household
    # flagged 关爱户 for one of them would tell a neighbourhood chief what only area
    # chiefs and stations may know (shared/DOMAIN.md §6).
    return dict(
        CareInterval.objects.filter(
            township_id=township_id, tag__is_sensitive=False
        ).values_list("tag_id", "days")
    )


def settings_for(township_id: int) -> VisitSettings:
    found = VisitSettings.objects.filter(township_id=township_id).first()
    return found or VisitSettings(
        township_id=township_id,
        household_interval_days=DEFAULT_HOUSEHOLD_INTERVAL_DAYS,
        quiet_after_days=DEFAULT_QUIET_AFTER_DAYS,
    )


def _by_days(intervals: dict[int, int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for tag_id, days in intervals.items():
        out.setdefault(days, []).append(tag_id)
    return dict(sorted(out.items()))


def _has_tags(tag_ids: Iterable[int]) -> Exists:
    return Exists(
        HouseholdTag.objects.filter(household_id=OuterRef("pk"), tag_id__in=tag_ids)
    )


def _care_due(
    households: QuerySet[Household], intervals: dict[int, int], today: date
) -> list[int]:
    """The ids of the overdue care households of `households`.

    One query reads each care-tag row of these households with the household's last
    visit up to `today`; the test "no visit within the shortest interval" is then
    made here. The set-based OR of "has a tag of interval d and no visit since" cost
    PostgreSQL hashed sub-plans over every tag row of the county, and its estimate
    (over 100,000) switched JIT compilation on: 65 of its 94 ms at county scale.
    """
    rows = (
        HouseholdTag.objects.filter(
            tag_id__in=list(intervals), household_id__in=households.values("pk")
        )
        .annotate(
            seen=Subquery(
                Visit.objects.filter(
                    household_id=OuterRef("household_id"), visited_on__lte=today
                )
                .order_by("-visited_on")
                .values("visited_on")[:1]
            )
        )
        .order_by()
        .values_list("household_id", "tag_id", "seen")
    )
    shortest: dict[int, tuple[int, date | None]] = {}
    for household_id, tag_id, seen in rows:
        days = intervals[tag_id]
        if household_id not in shortest or days < shortest[household_id][0]:
            shortest[household_id] = (days, seen)
    # Overdue: no visit in [today - (days - 1), today].
    return sorted(
        household_id
        for household_id, (days, seen) in shortest.items()
        if seen is None or seen < today - timedelta(days=days - 1)
    )


def _shortest_interval(intervals: dict[int, int]) -> Subquery:
    """The shortest interval among a household's care tags (for the rows shown)."""
    days = Case(
        *(
            When(tag_id__in=tags, then=Value(d))
            for d, tags in _by_days(intervals).items()
        ),
        output_field=IntegerField(),
    )
    return Subquery(
        HouseholdTag.objects.filter(
            household_id=OuterRef("pk"), tag_id__in=list(intervals)
        )
        .annotate(days=days)
        .order_by("days")
        .values("days")[:1],
        output_field=IntegerField(),
    )


def care_overdue(
    households: QuerySet[Household],
    township_id: int,
    today: date,
    intervals: dict[int, int] | None = None,
) -> QuerySet[Household]:
    """Households with a care tag whose last visit is older than the tag's interval
    (a household with several tags follows the shortest). Annotated with `care_days`
    and `last_visit`, longest-waiting first.

    Overdue under some tag <=> overdue under the shortest one. The overdue households
    are picked from the care households' rows (`_care_due`) and the queryset names
    them by id: the page and the tick then read only those rows. `intervals`: the
    township's care_intervals, when the caller has read them already.
    """
    if intervals is None:
        intervals = care_intervals(township_id)
    # No ids: an empty queryset still carrying the annotations (the tick filters on
    # care_days); Django answers `pk__in=[]` without a query.
    ids = _care_due(households, intervals, today) if intervals else []
    return (
        households.filter(pk__in=ids)
        .annotate(
            care_days=_shortest_interval(intervals),
            last_visit=last_visit_subquery(),
        )
        .prefetch_related("head", "neighborhood")  # after the LIMIT (see above)
        .order_by(Coalesce("last_visit", Value(date(1900, 1, 1))).asc(), "code", "pk")
    )


def care_households(households: QuerySet[Household], township_id: int) -> Q:
    """A filter for households carrying any care tag of the township."""
    tags = list(care_intervals(township_id))
    return Q(_has_tags(tags)) if tags else Q(pk__in=[])


# --- quiet chiefs --------------------------------------------------------------------
def _holder_user() -> Coalesce:
    """The account holding a post: its user, or the account of its resident."""
    return Coalesce(
        "user_id",
        Subquery(
            User.objects.filter(resident_id=OuterRef("resident_id"), is_active=True)
            .order_by("pk")
            .values("pk")[:1]
        ),
    )


def quiet_chiefs(unit: Unit, today: date, quiet_after_days: int) -> QuerySet[Post]:
    """Active chiefs below `unit` (its own chief excluded) who recorded no visit and no
    case in the last `quiet_after_days` days and have held the post that long."""
    since = today - timedelta(days=quiet_after_days - 1)
    since_at = timezone.make_aware(datetime.combine(since, time.min))
    field = SCOPE_FIELD[unit.level]
    posts = (
        Post.objects.filter(
            role__in=CHIEF_ROLES,
            ended_on__isnull=True,
            started_on__lt=since,
            **{"unit__" + field: unit.pk},
        )
        .exclude(unit_id=unit.pk)
        .annotate(holder=_holder_user())
    )
    return (
        posts.annotate(
            visited=Exists(
                Visit.objects.filter(
                    recorded_by_id=OuterRef("holder"), visited_on__gte=since
                )
            ),
            # A range on created_at itself (local midnight of `since`), not on its
            # date: `created_at__date` wraps the column in a function, and the
            # look-up is then a scan of every case per chief instead of a seek on
            # the (reported_by, created_at) index.
            reported=Exists(
                CaseRecord.objects.filter(
                    reported_by_id=OuterRef("holder"), created_at__gte=since_at
                )
            ),
            last_visit=Subquery(
                Visit.objects.filter(recorded_by_id=OuterRef("holder"))
                .order_by("-visited_on")
                .values("visited_on")[:1]
            ),
        )
        .filter(visited=False, reported=False)
        .select_related("unit")
        .order_by("unit__path", "unit_id")
    )


def quiet_chiefs_for(user: Any, today: date) -> list[Post]:
    """Quiet chiefs for a user's to-do list: below each unit they are the chief (group,
    area) or cadre/admin of."""
    from .access import VisitAction, root_units

    out: list[Post] = []
    for unit in root_units(user, VisitAction.COVERAGE):
        if unit.level == Level.NEIGHBORHOOD:
            continue
        days = settings_for(unit.township_id or unit.pk).quiet_after_days
        out.extend(quiet_chiefs(unit, today, days)[:200])
    return out


# --- campaigns -----------------------------------------------------------------------
def campaign_progress(
    campaign: Any, households: QuerySet[Household]
) -> QuerySet[Household]:
    """The campaign's households (within `households`), each with `done_on`: the date
    of its first visit in the campaign's period (None: not yet)."""
    return (
        households.filter(**{SCOPE_FIELD[campaign.unit.level]: campaign.unit_id})
        .annotate(
            done_on=Subquery(
                Visit.objects.filter(
                    household_id=OuterRef("pk"),
                    visited_on__gte=campaign.starts_on,
                    visited_on__lte=campaign.ends_on,
                )
                .order_by("visited_on")
                .values("visited_on")[:1]
            )
        )
        .select_related("head", "neighborhood", "villager_group")
        .order_by("villager_group_id", "neighborhood_id", "code")
    )


# --- ledger --------------------------------------------------------------------------
@dataclass
class VisitFilter:
    unit: Unit | None = None
    start: date | None = None
    end: date | None = None
    kind: str = ""
    person: int | None = None  # recorded_by
    household: int | None = None
    campaign: int | None = None


def visit_list(visible: QuerySet[Visit], f: VisitFilter) -> QuerySet[Visit]:
    qs = visible
    if f.unit is not None:
        qs = qs.filter(**{SCOPE_FIELD[f.unit.level]: f.unit.pk})
    if f.start:
        qs = qs.filter(visited_on__gte=f.start)
    if f.end:
        qs = qs.filter(visited_on__lte=f.end)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.person:
        qs = qs.filter(recorded_by_id=f.person)
    if f.household:
        qs = qs.filter(household_id=f.household)
    if f.campaign:
        qs = qs.filter(campaign_id=f.campaign)
    return qs.order_by("-visited_on", "-id")


def visit_counts(qs: QuerySet[Visit]) -> dict[str, int]:
    """Visits, distinct households, person-times served and cases raised."""
    from django.db.models import Sum

    row = qs.order_by().aggregate(
        visits=Count("pk"),
        households=Count("household_id", distinct=True),
        served=Coalesce(Sum("people_served"), 0),
        cases=Count("case_id"),
    )
    return {k: int(v or 0) for k, v in row.items()}
