"""The loop's figures over a small known set of cases."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from sanzhang.cases import metrics
from sanzhang.cases.services.disputes import case_mediation_agree
from sanzhang.cases.services.feedback import case_follow_up
from sanzhang.cases.services.handling import case_accept, case_refer, case_resolve


def test_figures_count_the_records_behind_them(world, report):
    u = world.users
    on_spot = report(category="policy.1", answer="已答复", satisfaction="satisfied")
    at_nb = case_resolve(case=report(), by=u["nchief"], result="已清理")
    case_follow_up(case=at_nb, by=u["group"], satisfaction="dissatisfied")
    station = case_refer(
        case=report(category="welfare.1"),
        by=u["cadre"],
        station_code="minzheng",
        reason="低保",
    )
    station = case_resolve(
        case=case_accept(case=station, by=u["station"]),
        by=u["station"],
        result="已纳入",
    )
    dispute = case_mediation_agree(
        case=report(category="dispute.1"), by=u["nchief"], terms="和解", is_oral=True
    )
    scope = Q(village_id=world.unit("T1-V1").pk)
    now = timezone.now()
    start, end = now - timedelta(days=1), now + timedelta(days=1)
    assert metrics.cases_collected(scope, start, end).value == 4
    spot = metrics.answered_on_spot(scope, start, end)
    assert (spot.value, list(spot.records)) == (0.25, [on_spot])
    by_level = metrics.resolved_by_level(scope, start, end)
    assert {k: f.value for k, f in by_level.items()} == {
        "neighborhood": 3,
        "group": 0,
        "area": 0,
        "village": 0,
        "station": 1,
    }
    assert metrics.resolved_in_village(scope, start, end).value == 0.75
    assert metrics.resolved_in_township(scope, start, end).value == 1.0
    assert metrics.satisfaction_rate(scope, start, end).value == 0.5
    assert set(metrics.disputes_resolved(scope, start, end).records) == {dispute}
    assert metrics.on_time_rate(scope, start, end).value == 1.0
    assert (
        metrics.cases_collected(Q(village_id=world.unit("T1-V2").pk), start, end).value
        == 0
    )
    assert station.resolved_level == "station"
