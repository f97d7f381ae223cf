"""Notice fan-out at county scale (issue 4): time `notice_send` for a whole county.

Run by hand (not in CI; the machine may be shared, so treat figures as upper bounds):

    SANZHANG_VAR=/tmp/bench-county-sqlite .venv/bin/python bench/notices/bench_fanout.py
    DATABASE_URL=postgres://sanzhang:sanzhang@127.0.0.1:55433/bench_county \
        SANZHANG_VAR=/tmp/bench-county-pg .venv/bin/python bench/notices/bench_fanout.py

It runs on the shared county dataset (bench/county.py: the `county` demo profile, 44
townships, ~200k households, 1M cases, 2M visits), building what is missing. The tree
has no county level, so the county-wide notice is one notice per township, all 44 sent
in one transaction (and one township alone, for scale). It times `notice_send` (relay
rows + chief inbox + one channel message per area/group/neighbourhood chat on two
channels). Target: < 10 s for the county.
Prints one JSON document.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanzhang.config.settings")
import django  # noqa: E402

django.setup()

import county  # noqa: E402
from django.db import transaction  # noqa: E402

from sanzhang.cases.models import NotifyChannel, OutboxMessage  # noqa: E402
from sanzhang.notices.models import Notice, NoticeRelay  # noqa: E402
from sanzhang.notices.services.send import notice_send  # noqa: E402
from sanzhang.org.models import Household, Post, Role, Unit, User  # noqa: E402

TARGET_S = 10.0


def sender_for(township: Unit) -> User:
    """A township admin account for the bench (created once)."""
    user, _ = User.objects.get_or_create(username=f"bench_admin_{township.pk}")
    if not Post.objects.filter(user=user, unit=township, ended_on=None).exists():
        Post.objects.create(
            role=Role.TOWNSHIP_ADMIN,
            unit=township,
            township=township,
            user=user,
            holder_name="bench",
            started_on="2020-01-01",
        )
    for n, kind in enumerate(("wecom", "webhook")):
        NotifyChannel.objects.get_or_create(
            township=township,
            name=f"bench-{n}",
            defaults={"kind": kind, "url": "https://example.invalid/bench"},
        )
    return user


def send_one(township: Unit, user: User) -> int:
    notice = Notice.objects.create(
        client_key=uuid.uuid4(),
        unit=township,
        township_id=township.pk,
        title="防汛紧急通知（压测）",
        body="今晚有大到暴雨。",
        created_by=user,
    )
    return notice_send(notice, by=user)


def main() -> None:
    results: dict[str, object] = county.machine()
    results["build"] = county.ensure_all()
    townships = county.townships()
    senders = {t.pk: sender_for(t) for t in townships}
    results["townships"] = len(townships)
    results["households"] = Household.objects.filter(is_active=True).count()
    # The whole county in one transaction: what a county-wide notice costs.
    before = OutboxMessage.objects.count()
    started = time.perf_counter()
    households = 0
    with transaction.atomic():
        for t in townships:
            households += send_one(t, senders[t.pk])
    elapsed = time.perf_counter() - started
    messages = OutboxMessage.objects.count() - before
    results["county_send_s"] = round(elapsed, 2)
    results["county_relay_rows"] = households
    results["county_channel_messages"] = messages
    results["target_s"] = TARGET_S
    results["ok"] = elapsed < TARGET_S
    # One township, for scale.
    t = townships[0]
    started = time.perf_counter()
    h = send_one(t, senders[t.pk])
    results["one_township_send_s"] = round(time.perf_counter() - started, 3)
    results["one_township_households"] = h
    # Progress for the county-wide notices: per-village aggregate at one township.
    from sanzhang.notices.selectors import progress_by_child

    notice = Notice.objects.filter(unit=t).order_by("-pk").first()
    started = time.perf_counter()
    progress_by_child(notice, t)
    results["progress_by_village_ms"] = round((time.perf_counter() - started) * 1000, 1)
    results["relay_rows_total"] = NoticeRelay.objects.count()
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    json.dump(results, sys.stdout, ensure_ascii=False, indent=2)
    print()


if __name__ == "__main__":
    main()
