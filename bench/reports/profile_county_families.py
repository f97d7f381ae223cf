"""Where the county report's time goes: each family of `reports.grouped` timed alone
(the query `compute` runs for it, grouped by township, with the rollup reader when
its triggers are in place).

    SANZHANG_VAR=/tmp/bench-county-sqlite .venv/bin/python \\
        bench/reports/profile_county_families.py year last 365

Arguments: the windows (year = this year to date, last = last calendar year, 365 =
the last 365 days), repeat one to see it warm. Prints one line per window: wall
total, this process's CPU (the work itself on SQLite) and seconds per family.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanzhang.config.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from sanzhang.reports import grouped  # noqa: E402
from sanzhang.reports.county import REPORT_IDS  # noqa: E402
from sanzhang.reports.metrics import County  # noqa: E402
from sanzhang.reports.period import Period  # noqa: E402


def main() -> None:
    today = timezone.localdate()
    spans = {
        "year": Period(date(today.year, 1, 1), today),
        "last": Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
        "365": Period(today - timedelta(days=364), today),
    }
    county = County.of_installation()
    need = grouped.needed_parts(REPORT_IDS)
    for name in sys.argv[1:] or list(spans):
        period = spans[name]
        wall_total = cpu_total = 0.0
        line = []
        with grouped._no_jit():
            for fam_id, parts in need.items():
                fam = grouped.FAMILIES[fam_id]
                w, c = time.perf_counter(), time.process_time()
                if grouped._use_rollup(fam_id, county, "township_id"):
                    reader = grouped.ROLLUP_READERS[fam_id][1]
                    reader(county, period, parts, "township_id", False)
                else:
                    grouped._run(fam, county, period, parts, "township_id", False)
                    if not fam.additive:
                        grouped._run(fam, county, period, parts, None, False)
                wall = time.perf_counter() - w
                wall_total += wall
                cpu_total += time.process_time() - c
                line.append(f"{fam_id}={wall:.3f}")
        print(name, f"total={wall_total:.3f} cpu={cpu_total:.3f}", " ".join(line))


if __name__ == "__main__":
    main()
