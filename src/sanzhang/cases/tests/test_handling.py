"""Handling: take, pass up the ladder to a station, send back, resolve; conflicts."""

from __future__ import annotations

import pytest

from sanzhang.cases.models import CaseEvent
from sanzhang.cases.services.handling import (
    case_accept,
    case_escalate,
    case_note,
    case_refer,
    case_resolve,
    case_return,
)
from sanzhang.cases.states import InvalidTransition
from sanzhang.core.errors import Conflict, DomainError, NotAllowed

from .conftest import fresh


def _trail(case):
    return list(
        CaseEvent.objects.filter(case=case)
        .order_by("id")
        .values_list("kind", "from_level", "to_level")
    )


def test_escalation_climbs_the_ladder_to_the_category_station(world, report):
    u = world.users
    case = report()
    case = case_escalate(case=case, by=u["nchief"], reason="需要组里协调")
    assert (case.status, case.handling_level, case.handling_unit_id) == (
        "pending",
        "group",
        world.unit("T1-V1-A1-G1").pk,
    )
    case = case_accept(case=case, by=u["group"])
    case = case_escalate(case=case, by=u["group"], reason="涉及多个组")
    case = case_escalate(case=case, by=u["area"], reason="两委报到")
    assert (case.handling_level, case.handling_unit_id) == (
        "village",
        world.unit("T1-V1").pk,
    )
    case = case_escalate(case=case, by=u["cadre"], reason="乡站呼应")
    assert (case.handling_level, case.station.code) == ("station", "huanbao")
    assert _trail(case)[2:] == [
        ("escalated", "neighborhood", "group"),
        ("accepted", "group", "group"),
        ("escalated", "group", "area"),
        ("escalated", "area", "village"),
        ("escalated", "village", "station"),
    ]


def test_escalate_to_a_named_station(world, report):
    case = report(category="order.1")  # pending at the village
    case = case_escalate(
        case=case, by=world.users["cadre"], reason="x", station_code="minzheng"
    )
    assert case.station.code == "minzheng"


def test_station_sends_back_to_the_level_it_came_from(world, report):
    case = report(category="welfare.1")  # village
    case = case_escalate(
        case=case, by=world.users["cadre"], reason="需民政办", station_code="minzheng"
    )
    case = case_return(case=case, by=world.users["station"], reason="村里可先行核实")
    assert (case.status, case.handling_level, case.station_id) == (
        "pending",
        "village",
        None,
    )
    assert CaseEvent.objects.filter(case=case).last().note == "村里可先行核实"


def test_return_needs_a_reason_and_a_station(world, report):
    case = report()
    with pytest.raises(DomainError) as exc:
        case_return(case=case, by=world.users["nchief"], reason="")
    assert exc.value.message == "请填写退回理由"
    with pytest.raises(DomainError) as exc:
        case_return(case=case, by=world.users["nchief"], reason="x")
    assert exc.value.message == "只有乡站所可以退回事件"


def test_only_the_holding_level_or_above_may_act(world, report):
    case = report(category="order.1")  # pending at the village
    with pytest.raises(NotAllowed):
        case_accept(case=case, by=world.users["nchief"])
    with pytest.raises(NotAllowed):
        case_accept(case=case, by=world.users["station"])
    case = case_accept(case=case, by=world.users["admin"])
    assert case.status == "handling"


def test_station_staff_act_only_for_their_own_station(world, report):
    case = report(category="order.1")
    case = case_escalate(case=case, by=world.users["cadre"], reason="x")  # 派出所
    with pytest.raises(NotAllowed):
        case_accept(case=case, by=world.users["station"])  # 民政办


def test_resolve_an_unaccepted_case_is_refused_and_changes_nothing(world, report):
    case = report(category="order.1")
    before = _trail(case)
    with pytest.raises(InvalidTransition):
        case_resolve(case=case, by=world.users["cadre"], result="done")
    assert (fresh(case).status, _trail(case)) == ("pending", before)


def test_resolve_records_result_level_and_follow_up_clock(world, report):
    case = report()
    case = case_resolve(case=case, by=world.users["nchief"], result="已联系保洁清运")
    case = fresh(case)
    assert (
        case.status,
        case.resolution,
        case.resolved_level,
        case.resolved_unit_id,
        case.resolved_on_time,
    ) == (
        "resolved",
        "已联系保洁清运",
        "neighborhood",
        world.unit("T1-V1-A1-G1-N1").pk,
        True,
    )
    assert case.due_at > case.resolved_at


def test_two_people_acting_at_once_one_wins_the_other_is_told(world, report):
    case = report(category="order.1")
    seen_by_cadre = fresh(case)
    seen_by_admin = fresh(case)
    case_accept(case=seen_by_cadre, by=world.users["cadre"])
    with pytest.raises(Conflict) as exc:
        case_escalate(case=seen_by_admin, by=world.users["admin"], reason="x")
    assert exc.value.message == "该事件刚被他人处理过，请刷新后查看"
    assert list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True)) == [
        "reported",
        "accepted",
    ]


def test_station_cannot_escalate_further(world, report):
    case = report(category="order.1")
    case = case_refer(
        case=case, by=world.users["cadre"], station_code="minzheng", reason="x"
    )
    with pytest.raises(DomainError) as exc:
        case_escalate(case=case, by=world.users["station"], reason="x")
    assert exc.value.message == "已在乡站所，不能再上报；可列为重难点督办"


def test_progress_note_goes_on_the_timeline(world, report):
    case = report()
    case_note(case=case, by=world.users["nchief"], note="已约保洁明早处理")
    assert _trail(case)[-1] == ("note", "", "")
    with pytest.raises(NotAllowed):
        case_note(case=case, by=world.users["station"], note="x")
