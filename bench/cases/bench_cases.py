"""Case-loop benchmarks at county scale (issue 3): intake throughput over the API against
a bare Django JSON view in the same run, queue page latency, and `sanzhang tick` over
a million cases.

Run by hand (not in CI), from the repository root:

    SANZHANG_VAR=/tmp/bench-county-sqlite .venv/bin/python bench/cases/bench_cases.py
    DATABASE_URL=postgres://sanzhang:sanzhang@127.0.0.1:55433/bench_county \
        SANZHANG_VAR=/tmp/bench-county-pg \
        .venv/bin/python bench/cases/bench_cases.py

It runs on the shared county dataset (bench/county.py: the `county` profile, 44
townships, ~200k households; BENCH_CASES cases, default 1,000,000, over three years,
most closed, the open ones with their deadline flags as a running system would have
them; 2M visits), building what is missing, then prints one JSON document.

The baseline view is what a hand-written Django endpoint for the same job would be:
parse the JSON body, create the case row with the ORM, answer JSON. Intake does that
plus token auth, validation, scope, the timeline event, notifications and idempotency.
Both are served by the same waitress process and hit by the same 4 client threads.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")

import django  # noqa: E402

django.setup()

import county  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from sanzhang.api.auth import token_create  # noqa: E402
from sanzhang.cases.models import Case, Category  # noqa: E402
from sanzhang.cases.services.escalation import cases_tick  # noqa: E402
from sanzhang.org.access import households_visible_to  # noqa: E402
from sanzhang.org.levels import Level  # noqa: E402
from sanzhang.org.models import Household, Post, Role, Unit, User  # noqa: E402

REPEATS = int(os.environ.get("BENCH_REPEATS", "40"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
CLIENTS = 4


def bench_queues() -> dict[str, dict[str, float]]:
    setup_test_environment()
    out = {}
    pages = {
        "neighbor": ["/cases/?queue=mine"],
        "cadre": ["/cases/?queue=village", "/cases/?queue=all&status=open"],
        "station": ["/cases/?queue=station"],
        "admin": [
            "/cases/?queue=all",
            "/cases/?queue=all&overdue=1",
            "/cases/?queue=all&q=路灯不亮",
            "/cases/?queue=all&q=路灯",
        ],
    }
    for username, urls in pages.items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        for url in urls:
            out[f"{username} {url}"] = county.timed_get(client, url, REPEATS)
    return out


def bench_tick() -> dict[str, float]:
    out = {}
    for run in ("first", "second"):
        started = time.perf_counter()
        report = cases_tick(now=timezone.now(), deliver=False)
        out[f"{run}_s"] = round(time.perf_counter() - started, 2)
        out[f"{run}_flagged"] = len(report.yellow) + len(report.red)
        out[f"{run}_escalated"] = len(report.escalated)
    return out


# --- intake throughput over HTTP -----------------------------------------------------


def _post(conn, path: str, body: dict, headers: dict) -> int:
    conn.request("POST", path, json.dumps(body), headers)
    response = conn.getresponse()
    response.read()
    return response.status


def _hammer(port: int, path: str, make_body, headers: dict, seconds: float) -> dict:
    counts = [0] * CLIENTS
    errors = [0] * CLIENTS
    stop = time.perf_counter() + seconds

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < stop:
            status = _post(conn, path, make_body(), headers)
            if status in (200, 201):
                counts[i] += 1
            else:
                errors[i] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "requests_per_s": round(sum(counts) / seconds, 1),
        "errors": sum(errors),
    }


def _intake_chief() -> User:
    """A neighbourhood chief of the county's last township (an account is made for
    them once): the cases the intake run writes must not pile up in the queues and
    deadlines the other parts measure (those use the first township's users)."""
    last = Unit.objects.filter(level=Level.TOWNSHIP).order_by("-pk").first()
    post = (
        Post.objects.filter(
            role=Role.NEIGHBORHOOD_CHIEF, township=last, ended_on__isnull=True
        )
        .exclude(resident=None)
        .order_by("pk")
        .first()
    )
    user = post.user or User.objects.filter(resident=post.resident).first()
    if user is None:
        user = User.objects.create(username="bench-intake", resident=post.resident)
    return user


def _close_bench_cases(since: datetime, township_id: int) -> int:
    """Close what the intake run recorded (bench data hygiene, not product behaviour):
    left open, thousands of cases in one neighbourhood would fall due and be escalated
    by the next tick and crowd that township's queues in later runs."""
    return Case.objects.filter(
        township_id=township_id, created_at__gte=since, text=INTAKE_TEXT
    ).update(status="closed", closed_at=timezone.now())


INTAKE_TEXT = "门前垃圾堆放多日无人清理"


def bench_intake() -> dict[str, object]:
    named = os.environ.get("BENCH_INTAKE_USER")  # e.g. "neighbor", to compare
    user = User.objects.get(username=named) if named else _intake_chief()
    raw = token_create(user=user, name="bench")
    household = households_visible_to(user).order_by("pk").first()
    started_at = timezone.now()
    category = Category.objects.filter(
        township_id=household.township_id, code="environment.1"
    ).first()
    port = int(os.environ.get("BENCH_PORT", "8765"))
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench_settings")
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(__file__).resolve().parent), env.get("PYTHONPATH", "")]
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sanzhang.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--threads",
            "8",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/healthz")
                c.getresponse().read()
                break
            except OSError:
                time.sleep(0.2)

        def intake_body() -> dict:
            return {
                "client_key": str(uuid.uuid4()),
                "category_id": category.pk,
                "household_id": household.pk,
                "text": INTAKE_TEXT,
            }

        def bare_body() -> dict:
            return {
                "household_id": household.pk,
                "category_id": category.pk,
                "text": INTAKE_TEXT,
            }

        api_headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {raw}",
        }
        plain = {"Content-Type": "application/json"}
        rounds = []
        # Alternate, so drift in machine load hits both alike.
        for _ in range(2):
            bare = _hammer(port, "/bench/bare-case", bare_body, plain, SECONDS / 2)
            api = _hammer(port, "/api/v1/cases", intake_body, api_headers, SECONDS / 2)
            rounds.append((bare, api))
        bare_rps = sum(b["requests_per_s"] for b, _ in rounds) / len(rounds)
        api_rps = sum(a["requests_per_s"] for _, a in rounds) / len(rounds)
        return {
            "clients": CLIENTS,
            "rounds": rounds,
            "bare_view_rps": round(bare_rps, 1),
            "intake_api_rps": round(api_rps, 1),
            "ratio": round(api_rps / bare_rps, 3) if bare_rps else None,
        }
    finally:
        server.terminate()
        server.wait(10)
        _close_bench_cases(started_at, household.township_id)


def main() -> None:
    results: dict[str, object] = {"database": connection.vendor}
    results["build"] = county.ensure_all()
    results["cases"] = Case.objects.count()
    results["households"] = Household.objects.count()
    results["load_average_before"] = os.getloadavg()
    parts = {"queues": bench_queues, "intake": bench_intake, "tick": bench_tick}
    # BENCH_ONLY=intake (comma-separated) runs some parts; all by default.
    only = [p for p in os.environ.get("BENCH_ONLY", "").split(",") if p]
    for name, part in parts.items():
        if not only or name in only:
            results[name] = part()
    results["load_average_after"] = os.getloadavg()
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
