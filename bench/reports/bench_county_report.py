"""The county report alone, for side-by-side runs of two versions of the code.

    SANZHANG_VAR=/tmp/bench-county-sqlite .venv/bin/python bench/reports/bench_county_report.py
    # the code as it was, against the same database:
    git archive <commit> src | tar -x -C /tmp/before
    PYTHONPATH=/tmp/before/src SANZHANG_VAR=... \\
        .venv/bin/python bench/reports/bench_county_report.py

For this year to date, last calendar year and the last 365 days: the first run, then
the p50 / max wall seconds and p50 CPU seconds of BENCH_COUNTY_REPEATS (default 3)
more. Prints one JSON line (with the code's path and the load average).
"""

from __future__ import annotations

import json
import os
import statistics
import time
from datetime import date, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanzhang.config.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

import sanzhang  # noqa: E402
from sanzhang.reports.county import county_report  # noqa: E402
from sanzhang.reports.period import Period  # noqa: E402


def main() -> None:
    today = timezone.localdate()
    spans = {
        "this_year": Period(date(today.year, 1, 1), today),
        "last_year": Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
        "365d": Period(today - timedelta(days=364), today),
    }
    n = int(os.environ.get("BENCH_COUNTY_REPEATS", "3"))
    out: dict[str, object] = {
        "code": os.path.dirname(sanzhang.__file__),
        "load": round(os.getloadavg()[0], 2),
    }
    for name, period in spans.items():
        wall, cpu = [], []
        for _ in range(n + 1):
            w, c = time.perf_counter(), time.process_time()
            county_report(period)
            wall.append(time.perf_counter() - w)
            cpu.append(time.process_time() - c)
        out[name] = {
            "first": round(wall[0], 2),
            "p50": round(statistics.median(wall[1:]), 2),
            "max": round(max(wall[1:]), 2),
            "cpu_p50": round(statistics.median(cpu[1:]), 2),
        }
    out["load_after"] = round(os.getloadavg()[0], 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
