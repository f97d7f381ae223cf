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


def test_a_dispute_counts_in_the_period_its_mediation_ended(world, report):
    from sanzhang.cases.models import Case
    from sanzhang.cases.services.disputes import case_mediation_fail

    u = world.users
    agreed = case_mediation_agree(
        case=report(category="dispute.1"), by=u["nchief"], terms="和解", is_oral=True
    )
    failed = case_mediation_fail(
        case=report(category="dispute.1", text="宅基地边界争执"),
        by=u["nchief"],
        reason="一方拒绝调解",
    )
    scope = Q(village_id=world.unit("T1-V1").pk)
    now = timezone.now()
    today = (now - timedelta(hours=1), now + timedelta(hours=1))
    figure = metrics.disputes_resolved(scope, *today)
    # 1 succeeded of the 2 mediations that ended today.
    assert (set(figure.records), figure.value) == ({agreed}, 0.5)
    # A later edit of the case does not move the dispute into a later period.
    Case.objects.filter(pk=agreed.pk).update(updated_at=now + timedelta(days=40))
    later = (now + timedelta(days=39), now + timedelta(days=41))
    assert metrics.disputes_resolved(scope, *later).count == 0
    assert failed.mediation_outcome == "failed"


def test_on_time_rate_counts_cases_left_open_past_their_limit(world, report):
    from sanzhang.cases.models import Case
    from sanzhang.cases.services.handling import case_resolve

    u = world.users
    on_time = case_resolve(case=report(), by=u["nchief"], result="已清理")
    late_open = report(text="路灯坏了没人修")
    not_due = report(text="下周要修的路")
    now = timezone.now()
    Case.objects.filter(pk=late_open.pk).update(due_at=now - timedelta(hours=3))
    scope = Q(village_id=world.unit("T1-V1").pk)
    figure = metrics.on_time_rate(
        scope, now - timedelta(days=1), now + timedelta(days=1)
    )
    # 1 resolved on time ÷ (1 resolved + 1 still open past its limit); the case not
    # yet due is in neither.
    assert figure.value == 0.5
    assert set(figure.records) == {on_time}
    assert set(figure.base) == {on_time, Case.objects.get(pk=late_open.pk)}
    assert not_due.pk not in set(figure.base.values_list("pk", flat=True))
