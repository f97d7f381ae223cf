"""Reads of cases shared by pages, the API and the scheduler (always within a scope)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import StrIndex
from django.utils import timezone

from sanzhang.core.db import fetch_models, select_list
from sanzhang.core.parsing import parse_id
from sanzhang.org.access import access_for
from sanzhang.org.models import Role

from .access import ROLE_OF_LEVEL, cases_visible_to
from .models import Case, CaseEvent, Category
from .services.intake import normalise
from .states import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    CaseStatus,
    DeadlineFlag,
    HandlingLevel,
)

LEVEL_OF_ROLE = {role: level for level, role in ROLE_OF_LEVEL.items()}


@dataclass
class CaseFilter:
    queue: str = ""  # "mine", "village", "station", "tracked" or "" (all in scope)
    status: str = ""
    category: int | None = None
    overdue: bool = False
    level: str = ""
    unit: int | None = None
    q: str = ""


def case_list_mine(user: Any) -> QuerySet[Case]:
    """Cases waiting for this user: held by their own unit or station, or awaiting
    their follow-up."""
    from .access import follow_up_user_ids

    q = Q(pk__in=[])
    for g in access_for(user).grants:
        level = LEVEL_OF_ROLE.get(g.role)
        if g.role == Role.STATION_STAFF and g.station_code:
            q |= Q(
                handling_level=HandlingLevel.STATION,
                station__code=g.station_code,
                township_id=g.township_id,
            )
        elif g.role == Role.TOWNSHIP_ADMIN:
            q |= Q(
                handling_level=HandlingLevel.STATION,
                township_id=g.unit_id,
                station=None,
            )
        elif level:
            q |= Q(handling_level=level, handling_unit_id=g.unit_id)
    visible = cases_visible_to(user)
    mine = visible.filter(q, status__in=ACTIVE_STATUSES)
    resolved = [
        c.pk
        for c in visible.filter(status=CaseStatus.RESOLVED)[:500]
        if user.pk in follow_up_user_ids(c)
    ]
    return visible.filter(Q(pk__in=mine.values("pk")) | Q(pk__in=resolved))


def _townships_of(user: Any) -> list[int] | None:
    """The townships the user's grants (and own household) lie in; None if unknown."""
    from sanzhang.org.levels import Level

    access = access_for(user)
    # A township's own unit may carry no township column: it is its own township.
    ids = {
        g.township_id or (g.unit_id if g.level == Level.TOWNSHIP else None)
        for g in access.grants
    }
    if access.own_household_id:
        from sanzhang.org.models import Household

        ids |= set(
            Household.objects.filter(pk=access.own_household_id).values_list(
                "township_id", flat=True
            )
        )
    return None if None in ids else sorted(ids)


def case_list(user: Any, f: CaseFilter) -> QuerySet[Case]:
    qs = cases_visible_to(user)
    if f.queue == "mine":
        qs = case_list_mine(user)
    elif f.queue == "village":
        qs = qs.filter(handling_level=HandlingLevel.VILLAGE, status__in=ACTIVE_STATUSES)
    elif f.queue == "station":
        qs = qs.filter(handling_level=HandlingLevel.STATION, status__in=ACTIVE_STATUSES)
        townships = _townships_of(user)
        if townships is not None:
            # Redundant for the result (every case a user sees lies in a township
            # they hold a grant in), but it gives the planner the (township, status)
            # index: a station's scope is an OR with a subquery, which no index
            # serves, and the queue was a scan of every case in the county.
            qs = qs.filter(township_id__in=townships)
    elif f.queue == "tracked":
        qs = qs.filter(is_tracked=True)
    if f.status in CaseStatus.values:
        qs = qs.filter(status=f.status)
    elif f.status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    if f.category:
        qs = qs.filter(Q(category_id=f.category) | Q(category__parent_id=f.category))
    if f.overdue:
        qs = qs.filter(status__in=OPEN_STATUSES).filter(
            Q(deadline_flag=DeadlineFlag.RED) | Q(due_at__lt=timezone.now())
        )
    if f.level in HandlingLevel.values:
        qs = qs.filter(handling_level=f.level)
    if f.unit:
        from sanzhang.org.access import get_unit_for
        from sanzhang.org.levels import SCOPE_FIELD

        unit = get_unit_for(user, f.unit)
        qs = qs.filter(**{SCOPE_FIELD[unit.level]: unit.pk})
    if f.q:
        qs = case_search(qs, f.q, townships=_townships_of(user))
    return qs.select_related("category", "handling_unit", "station").order_by(
        "-created_at", "-id"
    )


def case_search(
    qs: QuerySet[Case], text: str, *, townships: list[int] | None = None
) -> QuerySet[Case]:
    """Chinese full text: every word (or run of characters) of the query must appear in
    the case's normalised search column (NFKC, case-folded), as a substring, so no word
    segmentation is needed. Words of three characters or more go through the index
    (SQLite FTS5 trigram, PostgreSQL pg_trgm: migrations cases 0002 and 0009); on SQLite
    two-character words do too (as the OR of the index's trigrams that start with
    them); shorter ones are checked on the rows the index and the other filters leave.

    `townships`, when known (every user's cases lie in their townships), narrows
    SQLite's index search to them: the index holds a token per township (a common
    phrase otherwise matches tens of thousands of rows county-wide before the scope's
    filter). PostgreSQL's planner combines the scope's indexes with pg_trgm itself."""
    words = normalise(text[:60]).split()[:5]
    if connection.vendor == "sqlite":
        clauses = []
        for word in list(words):
            clause = _fts_clause(word)
            if clause == NOWHERE:
                return qs.none()
            if clause is not None:
                clauses.append(clause)
                words.remove(word)
        if clauses:
            if townships:
                scopes = " OR ".join(
                    "scope:" + _fts_phrase(scope_token(t)) for t in townships
                )
                clauses.append(f"({scopes})")
            qs = qs.filter(
                pk__in=RawSQL(  # noqa: S611 - the MATCH expression is a parameter
                    "SELECT rowid FROM cases_case_fts WHERE cases_case_fts MATCH %s",
                    [" AND ".join(clauses)],
                )
            )
    # What is left is checked by substring. On PostgreSQL, pg_trgm serves LIKE for
    # words of three characters or more; a shorter one has no trigram to look up (the
    # index would return every row), so it is tested with strpos, which the index
    # cannot take, on the rows the scope's own indexes give.
    for i, word in enumerate(words):
        if connection.vendor == "postgresql" and len(word) < 3:
            name = f"_word{i}"
            qs = qs.alias(**{name: StrIndex("search_text", Value(word))}).filter(
                **{f"{name}__gt": 0}
            )
        else:
            qs = qs.filter(search_text__contains=word)
    return qs


# Beyond this many trigrams a two-character word is checked by substring instead.
MAX_PREFIX_TERMS = 300
# _fts_clause's answer for a word no indexed text contains.
NOWHERE = ""


def _fts_clause(word: str) -> str | None:
    """The FTS5 expression finding `word` in SQLite's index, or None if it cannot."""
    if len(word) >= 3:
        return "search_text:" + _fts_phrase(word)
    if len(word) < 2:
        return None
    # Every two-character run of an indexed text starts a trigram (texts are indexed
    # with a trailing space), so the word's rows are those of the trigrams it begins.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT term FROM cases_case_fts_vocab WHERE term >= %s AND term < %s"
            " LIMIT %s",
            [word, word + "\U0010ffff", MAX_PREFIX_TERMS + 1],
        )
        terms = [t for (t,) in cursor.fetchall() if t.startswith(word)]
    if len(terms) > MAX_PREFIX_TERMS:
        return None
    if not terms:
        return NOWHERE
    return "search_text:(" + " OR ".join(_fts_phrase(t) for t in terms) + ")"


def _fts_phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def scope_token(township_id: int) -> str:
    """The township's token in SQLite's search index (cases migration 0009): "~" and
    two CJK characters from 一 on, base 20,000, so one trigram is the whole token."""
    return "~" + chr(19968 + township_id // 20000) + chr(19968 + township_id % 20000)


def case_duplicates(
    *, user: Any, neighborhood_id: int | None, category_id: int, days: int = 30
) -> QuerySet[Case]:
    """Open cases of the same category (or its siblings) in the same neighbourhood in the
    last 30 days: shown at intake with a one-click link instead of a new record."""
    if not neighborhood_id:
        return Case.objects.none()
    from .models import Category

    cat = Category.objects.filter(pk=category_id).first()
    if cat is None:
        return Case.objects.none()
    family = Q(category_id=cat.pk)
    if cat.parent_id:
        family |= Q(category_id=cat.parent_id) | Q(category__parent_id=cat.parent_id)
    return (
        cases_visible_to(user)
        .filter(
            family,
            neighborhood_id=neighborhood_id,
            status__in=OPEN_STATUSES,
            created_at__gte=timezone.now() - timedelta(days=days),
        )
        .order_by("-created_at")[:5]
    )


def case_timeline(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("unit", "station").order_by("at", "id")


def category_in_township(category_id: Any, township_id: int) -> Category | None:
    """A township's category by id, with its parent loaded (intake reads both).

    Plain SQL over core.db's helpers: every API intake asks this, and the ORM's
    compile and build cost several times the query itself."""
    pk = parse_id(category_id)
    if pk is None:
        return None
    table = Category._meta.db_table
    sql = (
        f"SELECT {select_list(Category, 'c')}, {select_list(Category, 'p')} "  # noqa: S608
        f"FROM {table} c LEFT JOIN {table} p ON p.id = c.parent_id "
        "WHERE c.id = %s AND c.township_id = %s"
    )
    found = fetch_models(sql, [pk, township_id], Category, Category)
    if found is None:
        return None
    category, parent = found
    Category._meta.get_field("parent").set_cached_value(category, parent)
    return category
