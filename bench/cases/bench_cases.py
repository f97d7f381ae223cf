"""Case-loop benchmarks at county scale (issue 3): intake throughput over the API against
a bare Django JSON view in the same run, queue page latency, and `sanzhang tick` over
a million cases.

Run by hand (not in CI), from the repository root:

    SANZHANG_VAR=/tmp/bench-sqlite .venv/bin/python bench/cases/bench_cases.py
    DATABASE_URL=postgres://... SANZHANG_VAR=/tmp/bench-pg \
        .venv/bin/python bench/cases/bench_cases.py

It builds the `county` profile (44 townships, ~200k households) unless present, adds
cases until there are BENCH_CASES (default 1,000,000) spread over three years (most
closed; the open ones with their deadline flags as a running system would have them),
then prints one JSON document.

The baseline view is what a hand-written Django endpoint for the same job would be:
parse the JSON body, create the case row with the ORM, answer JSON. Intake does that
plus token auth, validation, scope, the timeline event, notifications and idempotency.
Both are served by the same waitress process and hit by the same 4 client threads.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "org"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")

import django  # noqa: E402

django.setup()

from bench_foundation import ensure_county, p  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from sanzhang.api.auth import token_create  # noqa: E402
from sanzhang.cases.models import Case, Category  # noqa: E402
from sanzhang.cases.services.categories import category_install_defaults  # noqa: E402
from sanzhang.cases.services.escalation import cases_tick  # noqa: E402
from sanzhang.cases.services.intake import normalise  # noqa: E402
from sanzhang.cases.states import CaseStatus, DeadlineFlag, HandlingLevel  # noqa: E402
from sanzhang.core.db import insert_rows  # noqa: E402
from sanzhang.org.access import households_visible_to  # noqa: E402
from sanzhang.org.models import Household, Unit, User  # noqa: E402

TARGET = int(os.environ.get("BENCH_CASES", "1000000"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "40"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
CLIENTS = 4
TEXTS = (
    "门前垃圾堆放多日无人清理",
    "村口路灯不亮，晚上出行不便",
    "邻里因排水沟堵塞发生争执",
    "独居老人房屋漏雨需要维修",
    "申请临时救助，家中有人重病",
    "河堤边有人私自取土",
    "秸秆焚烧烟雾大",
    "低保认证不会在手机上操作",
)
FIELDS = [
    f.name
    for f in Case._meta.concrete_fields
    if not f.primary_key and f.name not in {"id"}
]


def _case_rows(n: int, rng: random.Random, now) -> list[Case]:
    households = list(
        Household.objects.values_list(
            "pk",
            "township_id",
            "village_id",
            "area_id",
            "villager_group_id",
            "neighborhood_id",
        )
    )
    cats: dict[int, list[int]] = {}
    for cat_id, township_id in Category.objects.filter(
        parent__isnull=False
    ).values_list("pk", "township_id"):
        cats.setdefault(township_id, []).append(cat_id)
    rows = []
    levels = list(HandlingLevel)
    for _ in range(n):
        hh, twp, vil, area, grp, nb = rng.choice(households)
        created = now - timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
        text = rng.choice(TEXTS)
        level = levels[min(int(rng.expovariate(1.2)), 4)]
        unit_id = {"neighborhood": nb, "group": grp, "area": area, "village": vil}.get(
            level, twp
        )
        roll = rng.random()
        status = CaseStatus.CLOSED
        due = created + timedelta(days=5)
        flag = DeadlineFlag.NONE
        if roll < 0.03:  # open: due dates around now, flags as earlier ticks left them
            status = rng.choice(
                [CaseStatus.PENDING, CaseStatus.HANDLING, CaseStatus.RESOLVED]
            )
            created = now - timedelta(hours=rng.randrange(1, 24 * 20))
            due = now + timedelta(hours=rng.randrange(-24 * 10, 24 * 10))
            if due <= now:
                flag = DeadlineFlag.RED
            elif due - now < timedelta(days=1):
                flag = DeadlineFlag.YELLOW
            if status == CaseStatus.PENDING and level == HandlingLevel.STATION:
                status = CaseStatus.HANDLING
        rows.append(
            Case(
                client_key=uuid.UUID(int=rng.getrandbits(128)),
                body_hash="bench",
                category_id=rng.choice(cats[twp]),
                text=text,
                search_text=normalise(text),
                household_id=hh,
                township_id=twp,
                village_id=vil,
                area_id=area,
                villager_group_id=grp,
                neighborhood_id=nb,
                status=status,
                handling_level=level,
                handling_unit_id=unit_id,
                arrived_at=created,
                warn_at=due - timedelta(days=1),
                due_at=due,
                deadline_flag=flag,
                resolved_level=level if status == CaseStatus.CLOSED else "",
                resolved_on_time=True if status == CaseStatus.CLOSED else None,
                closed_at=due if status == CaseStatus.CLOSED else None,
                satisfaction="satisfied" if status == CaseStatus.CLOSED else "",
                created_at=created,
                updated_at=created,
            )
        )
    return rows


def ensure_cases() -> dict[str, float] | None:
    have = Case.objects.count()
    if have >= TARGET:
        return None
    for township in Unit.objects.filter(level="township"):
        if not Category.objects.filter(township=township).exists():
            category_install_defaults(township=township)
    rng = random.Random(7)
    now = timezone.now()
    started = time.perf_counter()
    while have < TARGET:
        batch = min(50_000, TARGET - have)
        with transaction.atomic():
            insert_rows(Case, FIELDS, _case_rows(batch, rng, now))
        have += batch
        print(f"  cases: {have:,}", file=sys.stderr)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"build_s": round(time.perf_counter() - started, 1)}


def timed_get(client: Client, url: str) -> dict[str, float]:
    client.get(url)
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(p(times, 0.95), 1),
    }


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
            out[f"{username} {url}"] = timed_get(client, url)
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


def bench_intake() -> dict[str, object]:
    user = User.objects.get(username="neighbor")
    raw = token_create(user=user, name="bench")
    household = households_visible_to(user).order_by("pk").first()
    category = Category.objects.filter(
        township_id=household.township_id, code="environment.1"
    ).first()
    port = 8765
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
                "text": "门前垃圾堆放多日无人清理",
            }

        def bare_body() -> dict:
            return {
                "household_id": household.pk,
                "category_id": category.pk,
                "text": "门前垃圾堆放多日无人清理",
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


def main() -> None:
    results: dict[str, object] = {"database": connection.vendor}
    results["county_demo_build_s"] = ensure_county()
    results["cases_build"] = ensure_cases()
    results["cases"] = Case.objects.count()
    results["households"] = Household.objects.count()
    results["load_average_before"] = os.getloadavg()
    results["queues"] = bench_queues()
    results["intake"] = bench_intake()
    results["tick"] = bench_tick()
    results["load_average_after"] = os.getloadavg()
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
