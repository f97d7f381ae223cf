"""Build (or finish building) the shared county dataset of bench/county.py.

    SANZHANG_VAR=/tmp/bench-county-sqlite .venv/bin/python bench/build_county.py
    DATABASE_URL=postgres://sanzhang:sanzhang@127.0.0.1:55433/bench_county \
        SANZHANG_VAR=/tmp/bench-county-pg .venv/bin/python bench/build_county.py

Every benchmark also calls `county.ensure_all()` itself; this script only lets the
(long) first build run on its own. Prints what each step cost and the row counts.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanzhang.config.settings")

import django  # noqa: E402

django.setup()

import county  # noqa: E402


def main() -> None:
    from sanzhang.cases.models import Case
    from sanzhang.org.models import Household
    from sanzhang.visits.models import Visit

    results = {**county.machine(), **county.ensure_all()}
    results["households"] = Household.objects.count()
    results["cases"] = Case.objects.count()
    results["visits"] = Visit.objects.count()
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
