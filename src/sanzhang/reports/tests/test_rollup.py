"""The visits rollup (reports.rollup, models.VisitDay) stays equal to the visits
through inserts, updates and deletes, and is not read once its triggers are gone."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.db.models import Count, Sum

from sanzhang.reports import grouped, rollup
from sanzhang.reports.metrics import REGISTRY, County
from sanzhang.reports.models import VisitDay
from sanzhang.reports.period import Period

from .conftest import N1


def _from_visits() -> dict:
    from sanzhang.visits.models import Visit

    return {
        (r["township_id"], r["village_id"] or 0, r["visited_on"]): (r["n"], r["s"])
        for r in Visit.objects.values("township_id", "village_id", "visited_on")
        .annotate(n=Count("pk"), s=Sum("people_served"))
        .order_by()
    }


def _from_rollup() -> dict:
    return {
        (r.township_id, r.village_id, r.day): (r.visits, r.people_served)
        for r in VisitDay.objects.all()
        if r.visits
    }


def test_rollup_follows_inserts_updates_and_deletes(world, build, today):
    assert rollup.ready()
    hh = world.households[N1][0]
    other = world.households["T1-V2-A1-G1-N1"][0]
    a = build.visit(hh, today, served=3)
    b = build.visit(hh, today, served=2)
    c = build.visit(other, today - timedelta(days=1), served=1)
    assert _from_rollup() == _from_visits()
    assert VisitDay.objects.get(village_id=hh.village_id, day=today).visits >= 2
    # Moved to another day and village, its head count changed; one removed.
    type(a).objects.filter(pk=a.pk).update(
        visited_on=today - timedelta(days=5),
        village_id=other.village_id,
        people_served=7,
    )
    b.delete()
    c.people_served = 4
    c.save()
    assert _from_rollup() == _from_visits()


def test_reports_count_the_visits_when_the_triggers_are_gone(world, build, today):
    t1 = world.townships[0]
    hh = world.households[N1][0]
    build.visit(hh, today, served=2)
    p = Period(today, today)
    county = County((t1.pk,))
    with_rollup = grouped.compute(county, p, ("visits", "people_served"), by=None)
    rollup.uninstall()
    assert not rollup.ready()
    build.visit(hh, today, served=5)  # not seen by the rollup now
    got = grouped.compute(county, p, ("visits", "people_served"), by=None).total
    assert got["visits"] == with_rollup.total["visits"] + 1
    assert got == {
        "visits": REGISTRY["visits"].value(t1, p),
        "people_served": REGISTRY["people_served"].value(t1, p),
    }
    rollup.install()  # as `sanzhang reports_rollup`: triggers back, rows refilled
    assert rollup.ready()
    assert _from_rollup() == _from_visits()
    assert grouped.compute(county, p, ("visits",), by=None).total == {
        "visits": got["visits"]
    }
    assert connection.vendor in ("sqlite", "postgresql")
