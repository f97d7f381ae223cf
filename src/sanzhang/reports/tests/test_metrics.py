"""Every indicator on hand-built data; each expected number is worked out in the
comments from the rows the test writes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sanzhang.cases.services.disputes import case_mediation_agree
from sanzhang.cases.services.feedback import case_follow_up
from sanzhang.cases.services.handling import case_accept, case_refer, case_resolve
from sanzhang.reports import metrics
from sanzhang.reports.metrics import REGISTRY, SUMMARY_KEYS
from sanzhang.reports.models import Commendation, Story
from sanzhang.reports.period import Period
from sanzhang.reports.selectors import COLUMNS
from sanzhang.visits.selectors import coverage

from .conftest import N1, anc

V1 = "T1-V1"


def test_registry_has_every_figure_with_name_formula_and_unit():
    for key in SUMMARY_KEYS:
        assert key in REGISTRY, key
    for ind in REGISTRY.values():
        assert all((ind.name, ind.formula, ind.measure)), ind.id
        assert ind.kind in ("count", "sum", "distinct", "rate")
        assert (ind.base is not None) == ind.is_rate, ind.id
        assert ind.record_type in COLUMNS, ind.id  # the drill-down can show it


def test_framework_counts(world, today):
    p = Period(today, today)
    v1, t1 = world.unit(V1), world.unit("T1")
    # Each village: 2 areas x 2 groups x 2 neighbourhoods x 6 households.
    got = metrics.values(
        ["villages", "areas", "groups", "neighborhoods", "households"], v1, p
    )
    assert got == {
        "villages": 1,
        "areas": 2,
        "groups": 4,
        "neighborhoods": 8,
        "households": 48,
    }
    assert metrics.values(["villages", "neighborhoods", "households"], t1, p) == {
        "villages": 2,
        "neighborhoods": 16,
        "households": 96,
    }
    # The world appoints one chief of each kind, all in T1-V1-A1.
    chiefs = ["area_chiefs", "group_chiefs", "neighborhood_chiefs"]
    assert metrics.values(chiefs, v1, p) == dict.fromkeys(chiefs, 1)
    assert metrics.values(chiefs, world.unit("T1-V2"), p) == dict.fromkeys(chiefs, 0)


def test_visit_figures(world, build, today):
    hhs = world.households[N1]
    build.visit(hhs[0], today - timedelta(days=5), served=2)
    build.visit(hhs[0], today - timedelta(days=3), served=3)
    build.visit(hhs[1], today - timedelta(days=5), served=1)
    build.visit(hhs[2], today - timedelta(days=40), served=9)  # outside both windows
    build.visit(world.households["T1-V2-A1-G1-N1"][0], today, served=4)  # other village
    p = Period(today - timedelta(days=20), today)
    v1 = world.unit(V1)
    assert REGISTRY["visits"].value(v1, p) == 3
    assert REGISTRY["people_served"].value(v1, p) == 2 + 3 + 1
    # 2 distinct households of 48 in V1; of 6 in N1.
    assert REGISTRY["visit_coverage"].value(v1, p) == round(2 / 48, 4)
    assert REGISTRY["visit_coverage"].value(world.unit(N1), p) == round(2 / 6, 4)
    # Last 30 days up to today: the same two households (day -40 is outside).
    assert REGISTRY["visit_coverage_30d"].value(v1, p) == round(2 / 48, 4)
    assert set(REGISTRY["visit_coverage"].records(v1, p)) == {hhs[0], hhs[1]}
    # A 60-day period reaches the day -40 visit too: 3 households.
    p60 = Period(today - timedelta(days=60), today)
    assert REGISTRY["visit_coverage"].value(v1, p60) == round(3 / 48, 4)


def test_monthly_trend_in_one_query_matches_the_figure_month_by_month(
    world, build, today, report
):
    """The dashboard trend groups by month; each month must equal the figure itself,
    in a few queries rather than one per month."""
    from datetime import date

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sanzhang.reports.period import months

    hhs = world.households[N1]
    first = date(today.year, today.month, 1)
    last_month = first - timedelta(days=1)
    build.visit(hhs[0], first)  # this month
    build.visit(hhs[1], last_month)  # the previous month's last day
    build.visit(hhs[2], last_month - timedelta(days=40))  # two months before
    build.visit(hhs[3], last_month - timedelta(days=40))
    report()  # one case created now: this month
    p = Period(last_month - timedelta(days=70), today)
    v1 = world.unit(V1)
    spans = months(p)
    assert len(spans) >= 3
    for ind in ("visits", "opinions_collected", "cases_resolved"):
        with CaptureQueriesContext(connection) as ctx:
            got = REGISTRY[ind].by_month(v1, p)
        # One grouped query (case figures also count their records when built).
        assert len(ctx.captured_queries) <= 2
        assert got == [REGISTRY[ind].value(v1, m) for m in spans]
    visits = REGISTRY["visits"].by_month(v1, p)
    assert (visits[-1], visits[-2], sum(visits)) == (1, 1, 4)
    assert REGISTRY["opinions_collected"].by_month(v1, p)[-1] == 1


def test_coverage_breakdown_agrees_with_the_visits_definition(world, build, today):
    hhs = world.households[N1]
    build.visit(hhs[0], today)
    build.visit(world.households["T1-V1-A2-G1-N1"][3], today)
    build.visit(world.households["T1-V2-A1-G1-N1"][0], today)
    p = Period(today, today)
    t1 = world.unit("T1")
    by_village = REGISTRY["visit_coverage"].breakdown(t1, p, "village")
    for key in ("T1-V1", "T1-V2"):
        unit = world.unit(key)
        visited, total = coverage(unit, p.start, p.end)
        assert by_village[unit.pk] == round(visited / total, 4)
    assert by_village[world.unit("T1-V1").pk] == round(2 / 48, 4)


def test_activity_figures(world, build, today):
    v1, a1, nb = world.unit(V1), world.unit("T1-V1-A1"), world.unit(N1)
    d = today - timedelta(days=2)
    build.activity(v1, "micro_lecture", d, leaflets=100, person_times=30)
    build.activity(nb, "micro_lecture", d, leaflets=20, person_times=8)
    build.activity(a1, "cleanup", d, person_times=25)
    vol = build.activity(v1, "volunteer_day", d, person_times=2)
    build.attend(vol, world.users["nchief"], "2.5")
    build.attend(vol, world.users["group"], "1.5")
    build.activity(v1, "micro_lecture", today - timedelta(days=60), leaflets=1000)
    build.activity(world.unit("T1-V2"), "cleanup", d, person_times=99)
    p = Period(today - timedelta(days=20), today)
    got = metrics.values(
        [
            "micro_lectures",
            "leaflets",
            "cleanup_person_times",
            "volunteer_hours",
            "activities",
            "activity_person_times",
        ],
        v1,
        p,
    )
    assert got == {
        "micro_lectures": 2,  # the day -60 one is outside the period
        "leaflets": 100 + 20,
        "cleanup_person_times": 25,  # V2's 99 is another village
        "volunteer_hours": 4.0,  # 2.5 + 1.5
        "activities": 4,
        "activity_person_times": 30 + 8 + 25 + 2,
    }
    # The neighbourhood sees only its own lecture.
    assert REGISTRY["micro_lectures"].value(nb, p) == 1
    assert REGISTRY["leaflets"].value(nb, p) == 20


def test_customs_persuaded_counts_distinct_households(world, build, today):
    hhs = world.households[N1]
    build.customs(hhs[0], "scaled_down", today)
    build.customs(hhs[0], "cancelled", today)  # same household again
    build.customs(hhs[1], "not_persuaded", today)  # not persuaded: not counted
    build.customs(hhs[3], "cancelled", today)
    build.customs(hhs[4], "cancelled", today - timedelta(days=90))  # before the period
    p = Period(today - timedelta(days=10), today)
    assert REGISTRY["customs_persuaded_households"].value(world.unit(V1), p) == 2


def test_notices_relayed_rate(world, build, today):
    v1 = world.unit(V1)
    hhs = world.households[N1]
    build.notice(v1, hhs[:4], relayed=3)  # sent now: 3 of 4 relayed
    build.notice(v1, hhs[4:6], relayed=0, sent_days_ago=100)  # sent before the period
    p = Period(today - timedelta(days=10), today)
    assert REGISTRY["notices_relayed_rate"].value(v1, p) == 0.75
    # Another village was sent nothing in the period: 0, not an error.
    assert REGISTRY["notices_relayed_rate"].value(world.unit("T1-V2"), p) == 0.0


def test_case_figures_come_from_the_cases_definitions(world, report):
    u = world.users
    report(category="policy.1", answer="已答复", satisfaction="satisfied")
    at_nb = case_resolve(case=report(), by=u["nchief"], result="已清理")
    case_follow_up(case=at_nb, by=u["group"], satisfaction="dissatisfied")
    station = case_refer(
        case=report(category="welfare.1"),
        by=u["cadre"],
        station_code="minzheng",
        reason="低保",
    )
    case_resolve(
        case=case_accept(case=station, by=u["station"]),
        by=u["station"],
        result="已纳入",
    )
    case_mediation_agree(
        case=report(category="dispute.1"), by=u["nchief"], terms="和解", is_oral=True
    )
    today = timezone.localdate()
    p = Period(today - timedelta(days=1), today)
    v1 = world.unit(V1)
    got = metrics.values(
        [
            "opinions_collected",
            "answered_on_spot",
            "answered_on_spot_rate",
            "cases_resolved",
            "resolved_neighborhood",
            "resolved_station",
            "resolved_in_village_rate",
            "resolved_in_township_rate",
            "satisfaction_rate",
            "on_time_rate",
            "disputes_resolved",
            "dispute_resolution_rate",
            "tracked_issues_resolved",
            "open_cases",
        ],
        v1,
        p,
    )
    assert got == {
        "opinions_collected": 4,  # four cases recorded
        "answered_on_spot": 1,
        "answered_on_spot_rate": 0.25,  # 1 of 4
        # resolved: on-the-spot, the N1 one, the mediated dispute (neighbourhood) and
        # the station's: 3 in the village, 1 at the station.
        "cases_resolved": 4,
        "resolved_neighborhood": 3,
        "resolved_station": 1,
        "resolved_in_village_rate": 0.75,
        "resolved_in_township_rate": 1.0,
        "satisfaction_rate": 0.5,  # 满意 (on the spot) and 不满意 (N1 follow-up)
        "on_time_rate": 1.0,
        "disputes_resolved": 1,
        "dispute_resolution_rate": 1.0,
        "tracked_issues_resolved": 0,
        # Open: the dissatisfied one is back in hand; the station's and the dispute
        # await their follow-up.
        "open_cases": 3,
    }
    assert REGISTRY["opinions_collected"].value(world.unit("T1-V2"), p) == 0


def test_stories_and_models_selected(world, today):
    v1 = world.unit(V1)
    nb = world.unit(N1)
    now = timezone.now()
    admin = world.users["admin"]
    base = dict(kind="case", title="t", body="正文正文正文正文正文", written_by=admin)
    Story.objects.create(**anc(nb), unit=nb, reported_at=now, **base)
    Story.objects.create(**anc(nb), unit=nb, **base)  # not reported
    Story.objects.create(
        **anc(nb), unit=nb, reported_at=now - timedelta(days=400), **base
    )
    from sanzhang.org.models import Post

    post = Post.objects.get(unit=nb, role="neighborhood_chief")
    common = dict(
        year=today.year,
        post=post,
        holder_name=post.holder_name,
        unit_name="1邻",
        nominated_by=admin,
        nominated_at=now,
    )
    Commendation.objects.create(
        **anc(nb), title="优秀邻长", status="approved", approved_at=now, **common
    )
    Commendation.objects.create(**anc(nb), title="好邻长", status="nominated", **common)
    Commendation.objects.create(
        **anc(nb), title="文明邻长", status="published", approved_at=now, **common
    )
    p = Period(today - timedelta(days=30), today)
    assert REGISTRY["stories_reported"].value(v1, p) == 1
    assert REGISTRY["models_selected"].value(v1, p) == 2  # approved + published
    assert REGISTRY["models_selected"].value(world.unit("T1-V2"), p) == 0


@pytest.mark.parametrize("key", SUMMARY_KEYS)
def test_summary_types(world, key, today):
    got = metrics.summary(world.unit(V1), Period(today, today))
    assert list(got) == list(SUMMARY_KEYS)
    assert isinstance(got[key], float if key in metrics.FLOAT_KEYS else int)
