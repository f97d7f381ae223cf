"""Disputes with parties and mediation; tracked issues; gathering duplicates."""

from __future__ import annotations

import pytest

from sanzhang.cases.models import CaseHousehold, CaseParty, Mediation
from sanzhang.cases.services.disputes import (
    case_add_party,
    case_mediation_agree,
    case_mediation_fail,
    case_mediation_session,
)
from sanzhang.cases.services.handling import case_gather, case_resolve, case_track
from sanzhang.cases.services.intake import case_link_household
from sanzhang.core.errors import DomainError, NotAllowed

from .conftest import N1, fresh


@pytest.fixture
def dispute(world, report):
    return report(category="dispute.1", text="两户因排水沟界线争吵")


def test_mediation_with_agreement_resolves_the_dispute(world, dispute):
    u = world.users
    hh = world.households[N1]
    case_add_party(case=dispute, by=u["nchief"], name="张三", household=hh[0])
    case_add_party(
        case=dispute, by=u["nchief"], name="李四", side="respondent", household=hh[1]
    )
    case_mediation_session(
        case=dispute,
        by=u["nchief"],
        notes="双方陈述，现场查看水沟",
        place="村部",
        attendees="组长",
    )
    case = case_mediation_agree(
        case=dispute,
        by=u["nchief"],
        terms="沟渠由双方共同清理，以石桩为界",
        performance="本月底前在现场完成",
        agreement_no="（2025）安人调字第3号",
        signatures_noted=True,
    )
    case = fresh(case)
    m = Mediation.objects.get(case=case)
    assert (case.status, case.mediation_outcome) == ("resolved", "succeeded")
    assert (
        m.agreement_no,
        m.signatures_noted,
        m.mediator_name,
        m.sessions.count(),
    ) == (
        "（2025）安人调字第3号",
        True,
        "nchief",
        1,
    )
    assert list(CaseParty.objects.filter(case=case).values_list("name", "side")) == [
        ("张三", "applicant"),
        ("李四", "respondent"),
    ]


def test_written_agreement_must_note_signatures(world, dispute):
    with pytest.raises(DomainError) as exc:
        case_mediation_agree(case=dispute, by=world.users["nchief"], terms="x")
    assert exc.value.message == "书面协议须注明当事人已签字（或勾选口头协议）"


def test_failed_mediation_is_referred_to_the_justice_office(world, dispute):
    case = case_mediation_fail(
        case=dispute, by=world.users["nchief"], reason="一方拒绝调解"
    )
    case = fresh(case)
    assert (
        case.mediation_outcome,
        case.handling_level,
        case.station.code,
        case.status,
    ) == (
        "failed",
        "station",
        "sifa",
        "pending",
    )


def test_mediation_on_an_ordinary_case_is_refused(world, report):
    with pytest.raises(DomainError):
        case_mediation_session(case=report(), by=world.users["nchief"], notes="x")


def test_tracked_issue_under_a_supervising_leader(world, report):
    case = report(category="order.1")
    with pytest.raises(NotAllowed):
        case_track(case=case, by=world.users["group"], supervisor_name="王书记")
    case = case_track(
        case=case, by=world.users["cadre"], supervisor_name="王书记", note="包案"
    )
    case = fresh(case)
    assert (case.is_tracked, case.supervisor_name) == (True, "王书记")


def test_gathered_cases_count_households_and_are_answered_together(world, report):
    hh = world.users["nchief"]
    main = report(text="村道路灯不亮")
    others = [
        report(text="路灯坏了", household=world.households[N1][i]) for i in (1, 2)
    ]
    main = case_gather(case=main, others=others, by=hh)
    case_link_household(case=main, household=world.households[N1][3], by=hh)
    assert (
        main.is_tracked,
        CaseHousehold.objects.filter(case=main).count(),
        [fresh(o).status for o in others],
        [fresh(o).merged_into_id for o in others],
    ) == (True, 4, ["merged", "merged"], [main.pk, main.pk])
    case_resolve(case=fresh(main), by=hh, result="已更换路灯")
    assert [fresh(o).events.order_by("id").last().note for o in others] == [
        f"并入的事件 #{main.pk} 已办结：已更换路灯"
    ] * 2
