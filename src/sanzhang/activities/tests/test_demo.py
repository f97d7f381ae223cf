"""The demo year keeps the invariants the services keep."""

from __future__ import annotations

import random

from django.db.models import Count
from django.utils import timezone

from sanzhang.activities.demo import seed_demo
from sanzhang.activities.models import Activity, CustomsReform, Meeting


def test_seed_demo_keeps_person_times(world):
    seed_demo(world.townships[0], random.Random(7), timezone.localdate())
    rows = Activity.objects.annotate(n=Count("attendances"))
    assert rows.count() > 50
    assert all(a.person_times == a.n + a.unlisted_count for a in rows)
    assert not Activity.objects.filter(held_on__gt=timezone.localdate()).exists()
    assert Meeting.objects.filter(kind="concerns").exists()
    persuaded = CustomsReform.objects.exclude(outcome="not_persuaded").count()
    assert persuaded > CustomsReform.objects.count() / 2
