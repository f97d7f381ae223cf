"""Visits benchmark (issue 4): the coverage page of a township admin at county scale.

Run by hand (not in CI):

    SANZHANG_VAR=/tmp/bench-visits-sqlite .venv/bin/python bench/visits/bench_coverage.py
    DATABASE_URL=postgres://sanzhang:sanzhang@127.0.0.1:55433/sz_visits_bench \
        SANZHANG_VAR=/tmp/bench-visits-pg .venv/bin/python bench/visits/bench_coverage.py

It builds the `county` demo profile (44 townships, ~200,000 households) into an empty
database unless it is there, adds ~2,000,000 visits (10 per household over the last
year, recorded by the neighbourhood chief) unless they are there, then measures
server-side latency through Django's test client (no network) of the coverage page
(/visits/units/<township>/), the visits home and the coverage API for the township
admin, and the coverage page of one village. Prints one JSON document.
"""

from __future__ import annotations

import io
import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import date, datetime, timedelta
from datetime import time as dtime
from types import SimpleNamespace

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanzhang.config.settings")
import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from sanzhang.core.db import insert_rows  # noqa: E402
from sanzhang.org.levels import ANCESTOR_FIELDS, Level  # noqa: E402
from sanzhang.org.models import Household, Unit, User  # noqa: E402
from sanzhang.visits.demo import FIELDS, _chief_accounts  # noqa: E402
from sanzhang.visits.models import Visit  # noqa: E402

REPEATS = int(os.environ.get("BENCH_REPEATS", "40"))
VISITS_PER_HOUSEHOLD = int(os.environ.get("BENCH_VISITS_PER_HH", "10"))


def p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def timed_get(client: Client, url: str) -> dict[str, float]:
    client.get(url)  # warm
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(p(times, 0.95), 1),
        "max_ms": round(max(times), 1),
    }


def ensure_county() -> float | None:
    call_command("migrate", verbosity=0)
    if Unit.objects.filter(is_demo=True).exists():
        return None
    started = time.perf_counter()
    call_command("demo", profile="county", stdout=io.StringIO())
    return round(time.perf_counter() - started, 1)


def ensure_visits(today: date) -> float | None:
    """~10 visits per household over the last year, township by township."""
    if Visit.objects.count() >= 1_000_000:
        return None
    started = time.perf_counter()
    tz = timezone.get_current_timezone()
    for township in Unit.objects.filter(level=Level.TOWNSHIP, is_demo=True):
        rng = random.Random(township.pk)
        with transaction.atomic():
            chiefs = _chief_accounts(township)
            rows = []
            for h in Household.objects.filter(township=township).values(
                "pk", *ANCESTOR_FIELDS
            ):
                uid = chiefs.get(h["neighborhood_id"]) or chiefs.get(
                    h["villager_group_id"]
                )
                if uid is None:
                    continue
                for _ in range(VISITS_PER_HOUSEHOLD):
                    day = today - timedelta(days=rng.randrange(365))
                    rows.append(
                        SimpleNamespace(
                            **{f: h[f] for f in ANCESTOR_FIELDS},
                            household_id=h["pk"],
                            recorded_by_id=uid,
                            kind="routine",
                            visited_on=day,
                            people_served=1,
                            notes="",
                            needs="",
                            campaign_id=None,
                            client_key=uuid.UUID(int=rng.getrandbits(128), version=4),
                            body_hash="",
                            created_at=datetime.combine(day, dtime(10), tzinfo=tz),
                        )
                    )
            insert_rows(Visit, FIELDS, rows)
        print(f"{township.name}: {len(rows)} visits", file=sys.stderr, flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return round(time.perf_counter() - started, 1)


def main() -> None:
    setup_test_environment()
    today = timezone.localdate()
    results: dict[str, object] = {"database": connection.vendor}
    results["county_demo_build_s"] = ensure_county()
    results["visits_build_s"] = ensure_visits(today)
    results["households"] = Household.objects.count()
    results["visits"] = Visit.objects.count()
    township = Unit.objects.filter(level=Level.TOWNSHIP, name="安全乡").first()
    results["township_households"] = Household.objects.filter(
        township=township, is_active=True
    ).count()
    village = Unit.objects.filter(parent=township).order_by("id").first()
    admin = Client()
    admin.force_login(User.objects.get(username="admin"))
    pages = {
        "admin_coverage_township": f"/visits/units/{township.pk}/",
        "admin_coverage_village": f"/visits/units/{village.pk}/",
        "admin_visits_home": "/visits/",
        "admin_api_coverage_township": f"/api/v1/units/{township.pk}/visit-coverage",
        "admin_ledger_township_30d": (
            f"/visits/ledger/?unit={township.pk}"
            f"&start={(today - timedelta(days=29)).isoformat()}"
        ),
    }
    results["pages"] = {name: timed_get(admin, url) for name, url in pages.items()}
    results["repeats"] = REPEATS
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
