"""Reports benchmark (issue 5): the yearly township report and summary at county scale,
and the dashboard pages' latency.

Run by hand (not in CI), from the repository root:

    SANZHANG_VAR=/tmp/bench-county-sqlite .venv/bin/python bench/reports/bench_report.py
    DATABASE_URL=postgres://sanzhang:sanzhang@127.0.0.1:55433/bench_county \
        SANZHANG_VAR=/tmp/bench-county-pg .venv/bin/python bench/reports/bench_report.py

It runs on the shared county dataset (bench/county.py): the `county` demo profile (44
townships, ~200,000 households), 1,000,000 cases over three years (BENCH_CASES),
~2,000,000 visits over the last year and each township's demo year of activities.
Then it measures, server-side, through Django's test client (no network):

- `report_all_figures_s`: every figure of the township report (REPORT_LAYOUT) for the
  year, for one township, computed straight from metrics (the report's work);
- `county_summary_s`: the summary API figures for the year for all 44 townships in
  turn (the county has no unit of its own: the tree's root is the township);
- `county_report`: the county report (reports.county: every figure of the report for
  every township at once, grouped by township, and the county total) for this year
  to date, last calendar year and the last 365 days (the whole 2M visits): the first
  run and p50 / max over BENCH_COUNTY_REPEATS (default 5) runs, and its queries;
- the report page, .xlsx, the summary API and the dashboards (township, village,
  neighbourhood) as the township admin: p50 / p95 / max over BENCH_REPEATS runs,
  with each page's query count.

Prints one JSON document.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanzhang.config.settings")

import django  # noqa: E402

django.setup()

import county  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
)
from django.utils import timezone  # noqa: E402

from sanzhang.cases.models import Case  # noqa: E402
from sanzhang.org.levels import Level  # noqa: E402
from sanzhang.org.models import Household, Unit, User  # noqa: E402
from sanzhang.reports import metrics  # noqa: E402
from sanzhang.reports.period import Period  # noqa: E402
from sanzhang.reports.selectors import report_sections  # noqa: E402

REPEATS = int(os.environ.get("BENCH_REPEATS", "20"))


def main() -> None:
    setup_test_environment()
    today = timezone.localdate()
    year = Period(date(today.year, 1, 1), today)
    last_year = Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    results: dict[str, object] = county.machine()
    results["build"] = county.ensure_all()
    results["households"] = Household.objects.count()
    results["cases"] = Case.objects.count()
    results["visits"] = metrics.model("visits.Visit").objects.count()
    township = Unit.objects.filter(level=Level.TOWNSHIP, name="安全乡").first()
    village = Unit.objects.filter(parent=township).order_by("id").first()
    nb = Unit.objects.filter(village=village, level=Level.NEIGHBORHOOD).first()
    townships = list(Unit.objects.filter(level=Level.TOWNSHIP, is_active=True))
    results["townships"] = len(townships)

    started = time.perf_counter()
    for period in (year, last_year):
        report_sections(township, period)
    results["report_all_figures_s"] = round((time.perf_counter() - started) / 2, 3)

    started = time.perf_counter()
    for t in townships:
        metrics.summary(t, last_year)
    results["county_summary_s"] = round(time.perf_counter() - started, 3)
    results["county_report"] = county_report_times(today, year, last_year)

    admin = Client()
    admin.force_login(User.objects.get(username="admin"))
    q = f"start={last_year.start}&end={last_year.end}"
    pages = {
        "report_page_township_year": f"/reports/units/{township.pk}/report/?{q}",
        "report_xlsx_township_year": f"/reports/units/{township.pk}/report.xlsx?{q}",
        "summary_api_township_year": (
            f"/api/v1/reports/summary?unit={township.pk}"
            f"&start={last_year.start}&end={last_year.end}"
        ),
        "dashboard_township": f"/reports/units/{township.pk}/",
        "dashboard_village": f"/reports/units/{village.pk}/",
        "dashboard_neighbourhood": f"/reports/units/{nb.pk}/",
        "redlist_township_month": f"/reports/units/{township.pk}/redlist/?span=month",
    }
    results["pages"] = {
        name: timed_cpu(county.get(admin, url), REPEATS if "dashboard" in name else 5)
        | {"queries": query_count(admin, url)}
        for name, url in pages.items()
    }
    results["repeats"] = REPEATS
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(results, ensure_ascii=False, indent=2))


def timed_cpu(fn: Callable[[], object], repeats: int) -> dict[str, float]:
    """county.timed's p50 / p95 / max wall milliseconds, and the same of this
    process's CPU time: on SQLite the database works inside the process, so CPU time
    is the request's own work, whatever the other users of the machine are doing
    (the wall time waits for a core when the load average is above 2)."""
    fn()
    wall, cpu = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - w) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return {
        "p50_ms": round(statistics.median(wall), 1),
        "p95_ms": round(county.p(wall, 0.95), 1),
        "max_ms": round(max(wall), 1),
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "cpu_p95_ms": round(county.p(cpu, 0.95), 1),
    }


def query_count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return len(ctx.captured_queries)


def county_report_times(today: date, year: Period, last_year: Period) -> dict:
    """The county report (one grouped query per family of figures, by township)."""
    try:
        from sanzhang.reports.county import county_report
    except ImportError:  # the code before the county report existed
        return {}
    repeats = int(os.environ.get("BENCH_COUNTY_REPEATS", "5"))
    spans = {
        "this_year_to_date": year,
        "last_calendar_year": last_year,
        "last_365_days": Period(today - timedelta(days=364), today),
    }
    out: dict[str, object] = {}
    for name, period in spans.items():
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            county_report(period)
        first = time.perf_counter() - started
        out[name] = {
            "first_s": round(first, 3),
            "queries": len(ctx.captured_queries),
            **{
                k.replace("_ms", "_s"): round(v / 1000, 3)
                for k, v in timed_cpu(
                    lambda p=period: county_report(p), repeats
                ).items()
            },
        }
    return out


if __name__ == "__main__":
    main()
