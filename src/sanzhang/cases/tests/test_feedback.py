"""Follow-up: by the household's own chief, not the resolver; 不满意 reopens."""

from __future__ import annotations

import pytest

from sanzhang.cases.models import CaseEvent, FollowUp
from sanzhang.cases.services.feedback import (
    case_close_without_follow_up,
    case_follow_up,
)
from sanzhang.cases.services.handling import case_accept, case_escalate, case_resolve
from sanzhang.cases.states import InvalidTransition
from sanzhang.core.errors import NotAllowed

from .conftest import fresh


@pytest.fixture
def resolved_by_group(world, report):
    u = world.users
    case = report()
    case = case_escalate(case=case, by=u["nchief"], reason="需组里协调")
    case = case_accept(case=case, by=u["group"])
    return case_resolve(case=case, by=u["group"], result="已协调清运")


def test_follow_up_on_an_open_case_is_refused(world, report):
    case = report()
    with pytest.raises(InvalidTransition):
        case_follow_up(case=case, by=world.users["nchief"], satisfaction="satisfied")


def test_own_neighborhood_chief_follows_up_and_closes(world, resolved_by_group):
    case = case_follow_up(
        case=resolved_by_group, by=world.users["nchief"], satisfaction="basically"
    )
    case = fresh(case)
    assert (case.status, case.satisfaction) == ("closed", "basically")
    assert list(
        FollowUp.objects.filter(case=case).values_list(
            "round", "satisfaction", "resolved_level"
        )
    ) == [(1, "basically", "group")]
    assert list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))[
        -2:
    ] == [
        "followed_up",
        "closed",
    ]


@pytest.mark.parametrize("username", ["group", "area", "cadre", "admin", "station"])
def test_nobody_else_may_follow_up(world, resolved_by_group, username):
    with pytest.raises(NotAllowed):
        case_follow_up(
            case=resolved_by_group, by=world.users[username], satisfaction="satisfied"
        )


def test_resolver_never_follows_up_their_own_case(world, report):
    case = report()
    case = case_resolve(case=case, by=world.users["nchief"], result="已处理")
    with pytest.raises(NotAllowed) as exc:
        case_follow_up(case=case, by=world.users["nchief"], satisfaction="satisfied")
    assert exc.value.message == "办结人不能自己回访，应由该户的邻长回访"
    # The neighbourhood chief resolved it, so the group chief follows up.
    case = case_follow_up(case=case, by=world.users["group"], satisfaction="satisfied")
    assert case.status == "closed"


def test_not_satisfied_reopens_at_the_resolving_level_and_the_village_follows_up(
    world, resolved_by_group
):
    u = world.users
    case = case_follow_up(
        case=resolved_by_group,
        by=u["nchief"],
        satisfaction="dissatisfied",
        note="垃圾又堆起来了",
    )
    case = fresh(case)
    assert (
        case.status,
        case.handling_level,
        case.handling_unit_id,
        case.reopen_count,
        case.needs_village_follow_up,
    ) == ("handling", "group", world.unit("T1-V1-A1-G1").pk, 1, True)
    reopened = CaseEvent.objects.filter(case=case, kind="reopened").get()
    assert reopened.data == {"against_level": "group", "reopen_count": 1}
    case = case_resolve(case=case, by=u["group"], result="安排每周清运")
    with pytest.raises(NotAllowed) as exc:
        case_follow_up(case=case, by=u["nchief"], satisfaction="satisfied")
    assert exc.value.message == "第二次回访由村两委负责"
    case = case_follow_up(case=case, by=u["cadre"], satisfaction="satisfied")
    assert list(
        FollowUp.objects.filter(case=case).values_list(
            "round", "satisfaction", "is_village_round"
        )
    ) == [(1, "dissatisfied", False), (2, "satisfied", True)]
    assert fresh(case).status == "closed"


def test_second_not_satisfied_puts_the_case_under_supervision(world, resolved_by_group):
    u = world.users
    case = case_follow_up(
        case=resolved_by_group, by=u["nchief"], satisfaction="dissatisfied"
    )
    case = case_resolve(case=case, by=u["group"], result="再次处理")
    case = case_follow_up(case=case, by=u["cadre"], satisfaction="dissatisfied")
    assert (case.status, case.reopen_count, case.is_tracked) == ("handling", 2, True)


def test_close_without_follow_up_needs_a_reason(world, resolved_by_group):
    case = case_close_without_follow_up(
        case=resolved_by_group,
        by=world.users["nchief"],
        reason="当事人已外出务工，电话停机",
    )
    case = fresh(case)
    assert (case.status, case.close_reason, case.satisfaction) == (
        "closed",
        "当事人已外出务工，电话停机",
        "",
    )
