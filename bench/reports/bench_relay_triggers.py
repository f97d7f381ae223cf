"""What the relay rollup's triggers (reports.rollup.RELAYS) cost a county notice send.

Run by hand, from the repository root, on a county data set (bench/county.py):

    SANZHANG_VAR=/tmp/bench-county-sqlite .venv/bin/python bench/reports/bench_relay_triggers.py
    DATABASE_URL=postgres://sanzhang:sanzhang@127.0.0.1:55433/bench_county \\
        SANZHANG_VAR=/tmp/bench-county-pg .venv/bin/python bench/reports/bench_relay_triggers.py

It sends bench/notices' county notice (one notice per township, 200,420 relay rows, all
in one transaction) with the triggers and without them (dropped inside the
transaction), alternately, BENCH_PAIRS times (default 2), and rolls every send back:
the data set keeps neither the rows nor the change. Prints one JSON document.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notices"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanzhang.config.settings")

import django  # noqa: E402

django.setup()

import county  # noqa: E402
from bench_fanout import send_one, sender_for  # noqa: E402
from django.db import transaction  # noqa: E402

from sanzhang.reports import rollup  # noqa: E402


class _Undo(Exception):
    pass


def county_send(with_triggers: bool) -> float:
    """Seconds for the county send (the triggers' work included), rolled back."""
    townships = county.townships()
    senders = {t.pk: sender_for(t) for t in townships}
    took = 0.0
    try:
        with transaction.atomic():
            if not with_triggers:
                rollup.uninstall(rollups=[rollup.RELAYS])
            started = time.perf_counter()
            for t in townships:
                send_one(t, senders[t.pk])
            took = time.perf_counter() - started
            raise _Undo
    except _Undo:
        pass
    return took


def main() -> None:
    results: dict[str, object] = county.machine()
    assert rollup.RELAYS.name in rollup.ready_names(), "run the reports migrations"
    pairs = int(os.environ.get("BENCH_PAIRS", "2"))
    county_send(True)  # warm-up (caches, sender accounts)
    runs: dict[str, list[float]] = {"with_triggers_s": [], "without_triggers_s": []}
    for _ in range(pairs):
        runs["with_triggers_s"].append(round(county_send(True), 2))
        runs["without_triggers_s"].append(round(county_send(False), 2))
    results |= runs
    results["ratio_median"] = round(
        statistics.median(runs["with_triggers_s"])
        / statistics.median(runs["without_triggers_s"]),
        2,
    )
    assert rollup.RELAYS.name in rollup.ready_names()  # the drops were rolled back
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
