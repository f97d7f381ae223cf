"""Every figure of the county report for this year to date, last calendar year and the
last 365 days, as JSON, to compare two versions of the code on the same data set:

    PYTHONPATH=/tmp/before/src SANZHANG_VAR=/tmp/bench-county-sqlite \\
        .venv/bin/python bench/reports/dump_county_report.py /tmp/old.json
    SANZHANG_VAR=/tmp/bench-county-sqlite \\
        .venv/bin/python bench/reports/dump_county_report.py /tmp/new.json
    cmp /tmp/old.json /tmp/new.json
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanzhang.config.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from sanzhang.reports.county import county_report  # noqa: E402
from sanzhang.reports.period import Period  # noqa: E402


def main() -> None:
    today = timezone.localdate()
    spans = {
        "this_year": Period(date(today.year, 1, 1), today),
        "last_year": Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
        "365d": Period(today - timedelta(days=364), today),
    }
    out = {}
    for name, period in spans.items():
        report = county_report(period)
        out[name] = {
            "total": report.total,
            "rows": {str(k): v for k, v in report.rows.items()},
        }
    with open(sys.argv[1], "w") as f:
        json.dump(out, f, sort_keys=True, default=str, indent=0)


if __name__ == "__main__":
    main()
