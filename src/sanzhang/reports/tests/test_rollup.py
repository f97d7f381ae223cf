"""The visits rollup (reports.rollup, models.VisitDay) stays equal to the visits
through inserts, updates and deletes, and is not read once its triggers are gone."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import connection
from django.db.models import Count, Sum

from sanzhang.org.models import Household
from sanzhang.reports import grouped, metrics, rollup
from sanzhang.reports.metrics import REGISTRY, County, ratio
from sanzhang.reports.models import (
    ActivityHours,
    HouseholdYear,
    RelayCount,
    VisitDay,
)
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


# --- notice relays (models.RelayCount) ----------------------------------------------
def _from_relays() -> dict:
    from sanzhang.notices.models import NoticeRelay

    return {
        (r["notice_id"], r["township_id"] or 0, r["village_id"] or 0): (
            r["n"],
            r["relayed"],
        )
        for r in NoticeRelay.objects.values("notice_id", "township_id", "village_id")
        .annotate(n=Count("pk"), relayed=Count("relayed_at"))
        .order_by()
    }


def _from_relay_counts() -> dict:
    return {
        (r.notice_id, r.township_id, r.village_id): (r.relays, r.relayed)
        for r in RelayCount.objects.all()
        if r.relays or r.relayed
    }


def _send(world, unit: str):
    from sanzhang.notices.services.compose import notice_create
    from sanzhang.notices.services.send import notice_send

    notice, _created = notice_create(
        by=world.users["admin"],
        client_key=uuid.uuid4(),
        unit=world.unit(unit),
        title="防汛通知",
        body="今晚有大到暴雨，请低洼地带住户做好转移准备。",
    )
    notice_send(notice, by=world.users["admin"])
    return notice


RELAY_RATE = ("notices_relayed_rate",)


def _relay_figures(world, p: Period) -> tuple[dict, dict]:
    """The relay rate per township of the county and per village of the first
    township, from the rollup (grouped) and from the relay rows (Indicator.value)."""
    t1 = world.townships[0]
    county = County(tuple(t.pk for t in world.townships))
    by_twp = grouped.compute(county, p, RELAY_RATE, by="township_id")
    by_village = grouped.compute(t1, p, RELAY_RATE, by="village_id")
    villages = list(t1.children.all())
    got = {
        **{t.pk: by_twp.get(t.pk, RELAY_RATE[0]) for t in world.townships},
        **{v.pk: by_village.get(v.pk, RELAY_RATE[0]) for v in villages},
        "county": by_twp.total[RELAY_RATE[0]],
    }
    ind = REGISTRY[RELAY_RATE[0]]
    want = {
        **{u.pk: ind.value(u, p) for u in [*world.townships, *villages]},
        # The county's rate: the relays of both townships (metrics take a County).
        "county": ratio(
            metrics._relayed(county, p).count(), metrics._relays(county, p).count()
        ),
    }
    return got, want


def test_relay_rollup_follows_sends_marks_and_deletes(world, build, today):
    """A send (one INSERT ... SELECT of every household of the target), marking some
    relayed one by one and all at once, moving a row, deleting some: the rollup
    equals the relay rows after each step, and so do the figures read from it."""
    from sanzhang.notices.models import NoticeRelay
    from sanzhang.notices.services.relay import relay_mark, relay_mark_all

    assert rollup.ready(rollup=rollup.RELAYS)
    a = _send(world, "T1")
    b = _send(world, "T1-V2")
    t2 = world.townships[1]  # admin's township is T1: rows one by one, some relayed
    c = build.notice(t2, list(Household.objects.filter(township=t2)[:20]), relayed=3)
    assert _from_relay_counts() == _from_relays()
    assert sum(n for n, _r in _from_relay_counts().values()) == (
        a.household_count + b.household_count + 20
    )
    # Chiefs mark their households: a few one by one, then a group all at once.
    n1 = [hh.pk for hh in world.households[N1]]
    relay_mark(world.users["nchief"], a, n1[:3], "visit")
    relay_mark_all(world.users["group"], a, "phone")
    NoticeRelay.objects.filter(notice=c, relayed_at__isnull=False)[:1].get().delete()
    assert _from_relay_counts() == _from_relays()
    moved = NoticeRelay.objects.filter(notice=c).first()
    NoticeRelay.objects.filter(pk=moved.pk).update(village_id=None)
    NoticeRelay.objects.filter(notice=a, household_id__in=n1[2:5]).delete()
    NoticeRelay.objects.filter(notice=b)[:1].get().delete()
    assert _from_relay_counts() == _from_relays()
    got, want = _relay_figures(world, Period(today - timedelta(days=1), today))
    assert got == want
    assert 0 < got[world.townships[0].pk] < 1


def test_reports_count_the_relays_when_their_triggers_are_gone(world, today):
    _send(world, "T1-V1")
    p = Period(today, today)
    rollup.uninstall(rollups=[rollup.RELAYS])
    assert not rollup.ready(rollup=rollup.RELAYS)
    assert rollup.ready()  # the visits rollup is another one
    _send(world, "T1-V2")  # not seen by the rollup now
    got, want = _relay_figures(world, p)
    assert got == want
    rollup.install(rollups=[rollup.RELAYS])
    assert rollup.ready(rollup=rollup.RELAYS)
    assert _from_relay_counts() == _from_relays()


# --- households' visit years (models.HouseholdYear) ---------------------------------
def _years_from_visits() -> dict:
    from sanzhang.visits.models import Visit

    out: dict = {}
    for hh, day in Visit.objects.values_list("household_id", "visited_on"):
        first, last = out.get((hh, day.year), (day, day))
        out[(hh, day.year)] = (min(first, day), max(last, day))
    return out


def _years_from_rollup() -> dict:
    return {
        (r.household_id, r.year): (r.first_on, r.last_on)
        for r in HouseholdYear.objects.all()
    }


COVERAGE = ("households", "visit_coverage", "visit_coverage_30d")


def _coverage(world, p: Period) -> tuple[dict, dict]:
    """Coverage per township and per village of T1 from grouped (the rollup) and
    from Indicator.value (the visits, one unit at a time)."""
    t1 = world.townships[0]
    county = County(tuple(t.pk for t in world.townships))
    by_twp = grouped.compute(county, p, COVERAGE, by="township_id")
    by_village = grouped.compute(t1, p, COVERAGE, by="village_id")
    villages = list(t1.children.all())
    got = {
        **{(t.pk, i): by_twp.get(t.pk, i) for t in world.townships for i in COVERAGE},
        **{(v.pk, i): by_village.get(v.pk, i) for v in villages for i in COVERAGE},
        **{("t1", i): by_village.total[i] for i in COVERAGE},
    }
    want = {
        **{
            (u.pk, i): REGISTRY[i].value(u, p)
            for u in [*world.townships, *villages]
            for i in COVERAGE
        },
        **{("t1", i): REGISTRY[i].value(t1, p) for i in COVERAGE},
    }
    return got, want


def test_visit_years_follow_visits_and_give_the_coverage(world, build, today):
    """Visits inside, before, after and around a window (first before it, last after
    it: looked up), across a new year, moved and deleted: the rollup equals the
    visits, and coverage from it equals coverage from the visits for windows inside
    one year, across two and ending today."""
    assert rollup.ready(rollup=rollup.HOUSEHOLD_YEARS)
    hhs = world.households[N1] + world.households["T1-V2-A1-G1-N1"]
    new_year = today.replace(month=1, day=1)
    mid = new_year - timedelta(days=60)  # a window well inside last year
    build.visit(hhs[0], mid)  # inside
    build.visit(hhs[1], mid - timedelta(days=20))  # straddles: before ...
    build.visit(hhs[1], mid + timedelta(days=20))  # ... and after, none inside
    build.visit(hhs[2], mid - timedelta(days=20))
    straddling = build.visit(hhs[2], mid + timedelta(days=20))
    build.visit(hhs[2], mid + timedelta(days=1))  # ... and one inside
    build.visit(hhs[3], new_year - timedelta(days=1))  # last day of last year
    build.visit(hhs[4], new_year)  # first day of this year
    build.visit(hhs[5], today)
    build.visit(hhs[6], mid - timedelta(days=400))  # the year before last
    gone = build.visit(hhs[7], mid)
    assert _years_from_rollup() == _years_from_visits()
    windows = [
        Period(mid - timedelta(days=5), mid + timedelta(days=5)),
        Period(mid - timedelta(days=40), mid + timedelta(days=40)),
        Period(new_year - timedelta(days=10), new_year + timedelta(days=10)),
        Period(today - timedelta(days=364), today),
        Period(new_year, today),
        Period(new_year.replace(year=new_year.year - 1), new_year - timedelta(days=1)),
        Period(today - timedelta(days=6 * 365), today),  # too many years: visits read
    ]
    for p in windows:
        got, want = _coverage(world, p)
        assert got == want, p
    narrow = windows[0]
    before = _coverage(world, narrow)[0][("t1", "visit_coverage")]
    gone.delete()
    type(straddling).objects.filter(pk=straddling.pk).update(
        visited_on=mid, household_id=hhs[8].pk
    )
    assert _years_from_rollup() == _years_from_visits()
    for p in windows:
        got, want = _coverage(world, p)
        assert got == want, p
    # hhs[7] left the window, hhs[8] came in: the same count, other households.
    assert _coverage(world, narrow)[0][("t1", "visit_coverage")] == before


def test_coverage_counts_the_visits_when_the_years_triggers_are_gone(
    world, build, today
):
    hh = world.households[N1][0]
    build.visit(hh, today)
    rollup.uninstall(rollups=[rollup.HOUSEHOLD_YEARS])
    assert not rollup.ready(rollup=rollup.HOUSEHOLD_YEARS)
    build.visit(world.households[N1][1], today)  # not seen by the rollup now
    p = Period(today - timedelta(days=3), today)
    got, want = _coverage(world, p)
    assert got == want
    rollup.install(rollups=[rollup.HOUSEHOLD_YEARS])
    assert _years_from_rollup() == _years_from_visits()
    assert _coverage(world, p)[0] == want


def test_reports_rollup_command_rebuilds_and_checks_every_rollup(world, build, today):
    from io import StringIO

    from django.core.management import call_command

    build.visit(world.households[N1][0], today)
    out = StringIO()
    call_command("reports_rollup", stdout=out)
    text = out.getvalue()
    for r in rollup.ALL:
        assert f"{r.name} rollup: in use" in text
    assert _years_from_rollup() == _years_from_visits()
    assert _from_relay_counts() == _from_relays()


# --- volunteer hours per activity (models.ActivityHours) ----------------------------
def _hours_from_attendance() -> dict:
    from sanzhang.activities.models import Attendance

    return {
        r["activity_id"]: r["h"]
        for r in Attendance.objects.values("activity_id")
        .annotate(h=Sum("hours"))
        .order_by()
        if r["h"]
    }


def _hours_from_rollup() -> dict:
    return {r.activity_id: r.hours for r in ActivityHours.objects.all() if r.hours}


HOURS = ("volunteer_hours",)


def test_activity_hours_follow_attendance_and_give_volunteer_hours(world, build, today):
    """Sign-ins with hours on volunteer days (and another kind, not counted), hours
    changed, a sign-in moved to another activity and one removed: the rollup equals
    the attendance, and volunteer hours read from it equal Indicator.value per
    township, village and neighbourhood."""
    from sanzhang.activities.models import Attendance

    assert rollup.ready(rollup=rollup.ACTIVITY_HOURS)
    t1, t2 = world.townships
    v1 = world.unit("T1-V1")
    n1 = world.unit(N1)
    day_a = build.activity(n1, "volunteer_day", today)
    day_b = build.activity(v1, "volunteer_day", today - timedelta(days=2))
    day_c = build.activity(t2, "volunteer_day", today)
    lecture = build.activity(n1, "micro_lecture", today)
    a1 = build.attend(day_a, world.users["nchief"], hours="2.5")
    build.attend(day_a, world.users["group"], hours="1.5")
    b1 = build.attend(day_b, world.users["area"], hours="3")
    build.attend(day_c, world.users["admin"], hours="4.5")
    build.attend(lecture, world.users["cadre"], hours="1")
    assert _hours_from_rollup() == _hours_from_attendance()
    Attendance.objects.filter(pk=a1.pk).update(hours="0.5")
    b1.activity = day_a
    b1.save()
    Attendance.objects.filter(activity=day_c).delete()
    assert _hours_from_rollup() == _hours_from_attendance()
    p = Period(today - timedelta(days=7), today)
    county = County((t1.pk, t2.pk))
    for scope, by, units in (
        (county, "township_id", [t1, t2]),
        (t1, "village_id", list(t1.children.all())),
        (v1, "neighborhood_id", [n1]),
    ):
        got = grouped.compute(scope, p, HOURS, by=by)
        for u in units:
            assert got.get(u.pk, HOURS[0]) == REGISTRY[HOURS[0]].value(u, p), u
    assert grouped.compute(county, p, HOURS, by="township_id").get(t1.pk, HOURS[0]) == (
        0.5 + 1.5 + 3.0
    )


def test_volunteer_hours_from_attendance_when_the_triggers_are_gone(
    world, build, today
):
    t1 = world.townships[0]
    day = build.activity(t1, "volunteer_day", today)
    build.attend(day, world.users["nchief"], hours="2")
    rollup.uninstall(rollups=[rollup.ACTIVITY_HOURS])
    assert not rollup.ready(rollup=rollup.ACTIVITY_HOURS)
    build.attend(day, world.users["group"], hours="1.5")  # not seen by the rollup
    p = Period(today, today)
    got = grouped.compute(t1, p, HOURS, by="village_id").total[HOURS[0]]
    assert got == REGISTRY[HOURS[0]].value(t1, p) == 3.5
    rollup.install(rollups=[rollup.ACTIVITY_HOURS])
    assert _hours_from_rollup() == _hours_from_attendance()
