"""Visits benchmark (issue 4): the coverage page of a township admin at county scale.

Run by hand (not in CI):

    SANZHANG_VAR=/tmp/bench-county-sqlite .venv/bin/python bench/visits/bench_coverage.py
    DATABASE_URL=postgres://sanzhang:sanzhang@127.0.0.1:55433/bench_county \
        SANZHANG_VAR=/tmp/bench-county-pg .venv/bin/python bench/visits/bench_coverage.py

It runs on the shared county dataset (bench/county.py: the `county` demo profile, 44
townships, ~200,000 households; 1M cases; ~2,000,000 visits, 10 per household over the
last year, recorded by the household's chief), building what is missing, then measures
server-side latency through Django's test client (no network) of the coverage page
(/visits/units/<township>/), the visits home and the coverage API for the township
admin, and the coverage page of one village. Prints one JSON document.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanzhang.config.settings")
import django  # noqa: E402

django.setup()

import county  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from sanzhang.org.levels import Level  # noqa: E402
from sanzhang.org.models import Household, Unit, User  # noqa: E402
from sanzhang.visits.models import Visit  # noqa: E402

REPEATS = int(os.environ.get("BENCH_REPEATS", "40"))


def main() -> None:
    setup_test_environment()
    today = timezone.localdate()
    results: dict[str, object] = county.machine()
    results["build"] = county.ensure_all()
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
    results["pages"] = {
        name: county.timed_get(admin, url, REPEATS) for name, url in pages.items()
    }
    results["repeats"] = REPEATS
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
