"""The demo seeder: deterministic, mostly relayed, the latest notice partly relayed."""

from __future__ import annotations

import random
from datetime import date

from sanzhang.notices.demo import NOTICES, seed_demo
from sanzhang.notices.models import Notice, NoticeRelay


def test_seed_demo_fills_the_year(world):
    township = world.townships[0]
    seed_demo(township, random.Random(7), date.today())
    notices = list(Notice.objects.filter(township=township).order_by("sent_at"))
    assert len(notices) == len(NOTICES)
    for n in notices:
        rows = NoticeRelay.objects.filter(notice=n)
        assert rows.count() == n.household_count > 0
    first, last = notices[0], notices[-1]
    assert NoticeRelay.objects.filter(notice=first, relayed_at=None).count() == 0
    done = NoticeRelay.objects.filter(notice=last, relayed_at__isnull=False).count()
    assert 0 < done < last.household_count
