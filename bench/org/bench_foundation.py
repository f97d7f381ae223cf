"""Foundation benchmarks (issue 2): demo build time, page latency at county scale, import rate.

Run by hand (not in CI):

    SANZHANG_VAR=/tmp/bench-sqlite .venv/bin/python bench/org/bench_foundation.py
    DATABASE_URL=postgres://... SANZHANG_VAR=/tmp/bench-pg \
        .venv/bin/python bench/org/bench_foundation.py

It builds the `county` profile (44 townships, 200,420 households) into an empty database
unless it is already there, then measures server-side latency of the tree page and the
household list through Django's test client (no network), and the roster import rate on
a fresh 20,000-row file. Prints one JSON document.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/, for county
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanzhang.config.settings")
import django  # noqa: E402

django.setup()

from county import ensure_county  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from sanzhang.org.levels import Level  # noqa: E402
from sanzhang.org.models import Post, Role, Unit, User  # noqa: E402

REPEATS = int(os.environ.get("BENCH_REPEATS", "60"))
SURNAMES = "王李张刘陈杨黄周吴彭谭唐邓曾易"
GIVEN = "建国军华明伟强志勇文斌平海林春生福德成全秀英芳兰玉桂珍梅凤红"


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
    }


def roster_rows(n: int) -> bytes:
    """A fresh township's roster as CSV: n residents in households of 3."""
    from datetime import date, timedelta

    from sanzhang.demo.generator import _Ids

    ids = _Ids()
    region = f"5{int(time.time()) % 100000:05d}"  # a fresh region each run: no clashes

    out = io.StringIO()
    out.write(
        "村,片,组,邻,户号,地址,经度,纬度,姓名,与户主关系,性别,身份证号,联系电话,党员,户标签\n"
    )
    relations = ("户主", "配偶", "子女")
    for i in range(n):
        hh = i // 3
        village, group, nb = hh // 400, hh // 20, hh // 8
        name = (
            SURNAMES[i % len(SURNAMES)]
            + GIVEN[i % len(GIVEN)]
            + GIVEN[i // 7 % len(GIVEN)]
        )
        born = date(1950, 1, 1) + timedelta(days=i % 20000)
        id_number = ids.id_number(region, born, i % 2 == 0)
        place = f"基准村{village},第{village % 4 + 1}片,{group}组,{nb}邻"
        out.write(
            f"{place},B{hh:06d},基准村{group}组{hh}号,112.2,29.4,{name},"
            f"{relations[i % 3]},,{id_number},139{i:08d},否,\n"
        )
    return out.getvalue().encode()


def remove_import_townships() -> int:
    """Delete the townships earlier import runs made (and everything in them).

    Each run imports a fresh township; kept, they grew the data set run after run
    (95 townships, 1.6M residents after a day, against the county's 44 and 560,000),
    and an import into a larger table is slower: the figure is for county scale.
    Bench data only: plain deletes in dependency order, nothing else refers to them.
    """
    ids = list(
        Unit.objects.filter(
            level=Level.TOWNSHIP, name__startswith=IMPORT_TOWNSHIP
        ).values_list("pk", flat=True)
    )
    if not ids:
        return 0
    marks = ", ".join(["%s"] * len(ids))
    households = f"SELECT id FROM org_household WHERE township_id IN ({marks})"
    statements = [
        f"DELETE FROM org_household_tags WHERE household_id IN ({households})",
        f"UPDATE org_household SET head_id = NULL WHERE township_id IN ({marks})",
        f"DELETE FROM org_resident WHERE household_id IN ({households})",
        f"DELETE FROM org_household WHERE township_id IN ({marks})",
        f"DELETE FROM org_post WHERE township_id IN ({marks}) OR unit_id IN ({marks})",
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql, ids * (sql.count("%s") // len(ids)))
    # The units stay, renamed and inactive: deleting them made PostgreSQL check every
    # unit against org_resident.township_id, which has no index (org 0004).
    Unit.objects.filter(pk__in=ids).update(name="已清理的导入基准乡", is_active=False)
    if connection.vendor == "postgresql":
        # Let the next import reuse the deleted rows' pages, as autovacuum would in
        # time: left dead (autovacuum waits for 20 % of a table), each run's 20,000
        # deletions grew the ID-hash index run after run (187 MB instead of 60 MB
        # after the runs of sessions 1-4), and an import then wrote into an index
        # three times the county's, bench garbage rather than the installation.
        with connection.cursor() as cursor:
            for table in ("org_resident", "org_household", "org_household_tags"):
                cursor.execute(f"VACUUM ANALYZE {table}")
    return len(ids)


IMPORT_TOWNSHIP = "导入基准乡"


def bench_import(n: int = 20_000) -> dict[str, float]:
    from sanzhang.org.services.roster_import import roster_import
    from sanzhang.org.services.units import unit_create

    admin = User.objects.get(username="admin")
    removed = remove_import_townships()
    name = f"{IMPORT_TOWNSHIP}{int(time.time())}"
    township = unit_create(parent=None, level=Level.TOWNSHIP, name=name)
    Post.objects.create(
        role=Role.TOWNSHIP_ADMIN,
        unit=township,
        township=township,
        user=admin,
        holder_name="admin",
        started_on=township.created_at.date(),
    )
    data = roster_rows(n)
    started = time.perf_counter()
    report = roster_import(township=township, data=data, filename="bench.csv", by=admin)
    first = time.perf_counter() - started
    assert report.committed, report.errors[:3]
    started = time.perf_counter()
    again = roster_import(township=township, data=data, filename="bench.csv", by=admin)
    second = time.perf_counter() - started
    assert again.unchanged == n
    return {
        "rows": n,
        "earlier_import_townships_removed": removed,
        "first_import_rows_per_s": round(n / first),
        "reimport_rows_per_s": round(n / second),
    }


def main() -> None:
    setup_test_environment()
    results: dict[str, object] = {"database": connection.vendor}
    results["county_demo_build_s"] = ensure_county()
    results["households"] = (
        Unit.objects.none()
        .model._meta.apps.get_model("org", "Household")
        .objects.count()
    )
    township = Unit.objects.filter(level=Level.TOWNSHIP, name="安全乡").first()
    village = Unit.objects.filter(parent=township).order_by("id").first()
    admin, chief = Client(), Client()
    admin.force_login(User.objects.get(username="admin"))
    nb_user = User.objects.get(username="neighbor")
    chief.force_login(nb_user)
    nb = (
        Post.objects.filter(resident=nb_user.resident, role=Role.NEIGHBORHOOD_CHIEF)
        .first()
        .unit
    )
    pages = {
        "admin_tree_township": (admin, f"/units/{township.pk}/"),
        "admin_tree_village": (admin, f"/units/{village.pk}/"),
        "admin_households_township_p1": (admin, f"/units/{township.pk}/households/"),
        "admin_households_township_p40": (
            admin,
            f"/units/{township.pk}/households/?page=40",
        ),
        "admin_households_search": (
            admin,
            f"/units/{township.pk}/households/?q=%E5%BC%A0",
        ),
        "chief_tree_neighborhood": (chief, f"/units/{nb.pk}/"),
        "chief_households": (chief, f"/units/{nb.pk}/households/"),
        "chief_household_detail": (
            chief,
            f"/households/{nb_user.resident.household_id}/",
        ),
    }
    results["pages"] = {
        name: timed_get(client, url) for name, (client, url) in pages.items()
    }
    print(json.dumps(results, ensure_ascii=False), file=sys.stderr)
    results["import"] = bench_import()
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    sys.exit(main())
