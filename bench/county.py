"""The county dataset every benchmark under bench/ shares, and the timing helpers.

One database per engine holds it (SQLite: SANZHANG_VAR=/tmp/bench-county-sqlite;
PostgreSQL: postgres://sanzhang:sanzhang@127.0.0.1:55433/bench_county), built once and
reused by bench/cases, bench/visits, bench/notices and bench/reports:

- `ensure_county()`: the `county` demo profile (44 townships, 200,420 households);
- `ensure_cases(n)`: n cases over the last three years, spread evenly over the
  townships (`sanzhang.cases.demo.case_rows`: ~4% open with their deadline flags, the
  rest closed with a rating), no timelines (nothing benchmarked reads them);
- `ensure_visits(per_household)`: that many visits per household over the last year,
  by the household's chief (`sanzhang.visits.demo` rows: kinds, notes, needs);
- `ensure_activities()`: each township's demo year of activities, meetings and
  customs-reform talks (the report's other figures).

Each step is per township and idempotent, so an interrupted build resumes where it
stopped and a finished one costs a few counting queries. A script imports this module
after `django.setup()`:

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/
    import county
"""

from __future__ import annotations

import io
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from sanzhang.cases.demo import CASE_FIELDS, SCOPE, case_rows
from sanzhang.cases.models import Case, Category
from sanzhang.cases.services.categories import category_install_defaults
from sanzhang.core.db import insert_rows
from sanzhang.org.levels import ANCESTOR_FIELDS, Level
from sanzhang.org.models import Household, Unit
from sanzhang.visits.demo import _chief_accounts

CASE_SPAN_DAYS = 3 * 365
BENCH_HASH = "bench"  # Case.body_hash of the generated cases


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def townships() -> list[Unit]:
    return list(Unit.objects.filter(level=Level.TOWNSHIP, is_demo=True).order_by("pk"))


def analyze() -> None:
    """Fresh planner statistics after a bulk load (PostgreSQL and SQLite alike)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def ensure_county() -> float | None:
    """The `county` demo profile unless it is loaded; seconds taken, or None."""
    call_command("migrate", verbosity=0)
    if Unit.objects.filter(is_demo=True).exists():
        return None
    started = time.perf_counter()
    call_command("demo", profile="county", stdout=io.StringIO())
    return round(time.perf_counter() - started, 1)


def ensure_cases(n: int = 1_000_000) -> float | None:
    """n generated cases over the last three years; seconds taken, or None."""
    towns = townships()
    quota = {t.pk: n // len(towns) + (i < n % len(towns)) for i, t in enumerate(towns)}
    have = _counts(Case, body_hash=BENCH_HASH)
    if all(have.get(t.pk, 0) >= quota[t.pk] for t in towns):
        return None
    started = time.perf_counter()
    now = timezone.now()
    for t in towns:
        missing = quota[t.pk] - have.get(t.pk, 0)
        if missing <= 0:
            continue
        if not Category.objects.filter(township=t).exists():
            category_install_defaults(township=t)
        categories = list(
            Category.objects.filter(township=t, parent__isnull=False, is_active=True)
        )
        households = list(
            Household.objects.filter(township=t, is_active=True).values("id", *SCOPE)
        )
        rng = random.Random(t.pk * 1_000_003 + missing)
        with transaction.atomic():
            rows = case_rows(households, categories, missing, rng, now, CASE_SPAN_DAYS)
            chiefs = _chief_accounts(t)
            for row in rows:
                row.body_hash = BENCH_HASH
                # Recorded by the household's chief, as nearly every real case is.
                row.reported_by_id = chiefs.get(row.neighborhood_id) or chiefs.get(
                    row.villager_group_id
                )
            insert_rows(Case, CASE_FIELDS, rows)
        log(f"  cases {t.name}: +{missing:,}")
    analyze()
    return round(time.perf_counter() - started, 1)


def ensure_case_details() -> float | None:
    """The first follow-up (回访) of every closed generated case and the mediation
    record of every closed dispute, as the services would have written them: the
    satisfaction and dispute figures read these tables. Seconds taken, or None."""
    from sanzhang.cases.models import FollowUp, Mediation

    done = set(_counts(FollowUp, case__body_hash=BENCH_HASH))
    todo = [t for t in townships() if t.pk not in done]
    if not todo:
        return None
    started = time.perf_counter()
    follow_fields = [
        f.name for f in FollowUp._meta.concrete_fields if not f.primary_key
    ]
    med_fields = [f.name for f in Mediation._meta.concrete_fields if not f.primary_key]
    for t in todo:
        chiefs = _chief_accounts(t)
        anyone = next(iter(chiefs.values()))
        _set_reporters(t, chiefs)
        cases = Case.objects.filter(township=t, body_hash=BENCH_HASH, status="closed")
        follow, med = [], []
        for c in cases.values(
            "pk",
            *SCOPE,
            "satisfaction",
            "resolved_level",
            "resolved_unit_id",
            "resolved_at",
            "closed_at",
            "mediation_outcome",
        ):
            follow.append(
                FollowUp(
                    **{f: c[f] for f in SCOPE},
                    case_id=c["pk"],
                    round=1,
                    by_id=chiefs.get(c["neighborhood_id"], anyone),
                    satisfaction=c["satisfaction"],
                    resolved_level=c["resolved_level"],
                    resolved_unit_id=c["resolved_unit_id"],
                    at=c["closed_at"],
                )
            )
            if c["mediation_outcome"]:
                med.append(
                    Mediation(
                        case_id=c["pk"],
                        township_id=t.pk,
                        mediator_name="村调委会",
                        agreement_terms="双方同意按协商结果履行",
                        signatures_noted=True,
                        agreed_on=timezone.localtime(c["resolved_at"]).date(),
                        ended_at=c["resolved_at"],
                        created_at=c["resolved_at"],
                    )
                )
        with transaction.atomic():
            insert_rows(FollowUp, follow_fields, follow)
            insert_rows(Mediation, med_fields, med)
        log(f"  follow-ups {t.name}: {len(follow):,}, mediations {len(med):,}")
    analyze()
    return round(time.perf_counter() - started, 1)


def _set_reporters(township: Unit, chiefs: dict[int, int]) -> None:
    """Cases generated before reporters were set get their neighbourhood's chief."""
    nbs = Unit.objects.filter(township=township, level=Level.NEIGHBORHOOD)
    pairs = [
        (chiefs[pk], pk) for pk in nbs.values_list("pk", flat=True) if pk in chiefs
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE cases_case SET reported_by_id = %s WHERE neighborhood_id = %s"
            f" AND reported_by_id IS NULL AND body_hash = '{BENCH_HASH}'",
            pairs,
        )


def _counts(model: Any, **filters: Any) -> dict[int, int]:
    """township id -> rows of `model` (matching `filters`) in it."""
    return dict(
        model.objects.filter(**filters)
        .values_list("township_id")
        .annotate(n=Count("pk"))
        .values_list("township_id", "n")
        .order_by()
    )


def ensure_visits(per_household: int = 10, today: date | None = None) -> float | None:
    """`per_household` visits per household over the last year; seconds, or None.

    A township that has any visit is taken as done (the build writes a township in one
    transaction)."""
    from sanzhang.visits.demo import FIELDS, _row
    from sanzhang.visits.models import Visit

    today = today or timezone.localdate()
    done = set(_counts(Visit))
    todo = [t for t in townships() if t.pk not in done]
    if not todo:
        return None
    started = time.perf_counter()
    tz = timezone.get_current_timezone()
    for t in todo:
        rng = random.Random(t.pk)
        with transaction.atomic():
            chiefs = _chief_accounts(t)
            rows = []
            for h in Household.objects.filter(township=t).values(
                "pk", *ANCESTOR_FIELDS
            ):
                uid = chiefs.get(h["neighborhood_id"]) or chiefs.get(
                    h["villager_group_id"]
                )
                if uid is None:
                    continue
                for _ in range(per_household):
                    day = today - timedelta(days=rng.randrange(365))
                    row = _row(h, uid, day, rng, None, tz)
                    row.created_at = datetime.combine(day, dtime(10), tzinfo=tz)
                    rows.append(row)
            insert_rows(Visit, FIELDS, rows)
        log(f"  visits {t.name}: {len(rows):,}")
    analyze()
    return round(time.perf_counter() - started, 1)


def ensure_activities(today: date | None = None) -> float | None:
    """Each township's demo year of activities, meetings and customs reform."""
    from sanzhang.activities import demo
    from sanzhang.activities.models import Activity

    today = today or timezone.localdate()
    done = set(_counts(Activity))
    todo = [t for t in townships() if t.pk not in done]
    if not todo:
        return None
    started = time.perf_counter()
    for t in todo:
        with transaction.atomic():
            demo.seed_demo(t, random.Random(t.pk), today)
    log(f"  activities: {len(todo)} townships")
    analyze()
    return round(time.perf_counter() - started, 1)


def ensure_all(
    cases: int | None = None, visits_per_household: int | None = None
) -> dict:
    """The whole shared dataset; what each step cost (None: it was already there)."""
    cases = cases or int(os.environ.get("BENCH_CASES", "1000000"))
    per_hh = visits_per_household or int(os.environ.get("BENCH_VISITS_PER_HH", "10"))
    return {
        "county_build_s": ensure_county(),
        "cases_build_s": ensure_cases(cases),
        "case_details_build_s": ensure_case_details(),
        "visits_build_s": ensure_visits(per_hh),
        "activities_build_s": ensure_activities(),
    }


# --- timing ---------------------------------------------------------------------------


def p(values: list[float], q: float) -> float:
    """The q-quantile by nearest rank (what the targets' "p95" means here)."""
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def timed(fn: Callable[[], Any], repeats: int) -> dict[str, float]:
    """p50 / p95 / max milliseconds of `fn` over `repeats` runs after one warm-up."""
    fn()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(p(times, 0.95), 1),
        "max_ms": round(max(times), 1),
    }


def get(client: Client, url: str) -> Callable[[], None]:
    """A GET through the test client that must answer 200."""

    def run() -> None:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    return run


def timed_get(client: Client, url: str, repeats: int) -> dict[str, float]:
    return timed(get(client, url), repeats)


def machine() -> dict[str, Any]:
    """What the figures were measured on: load average and the database."""
    return {
        "database": connection.vendor,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "at": timezone.localtime().isoformat(timespec="seconds"),
    }
