"""Who sees which case, and who may act on it: every fixture user x every case."""

from __future__ import annotations

import pytest

from sanzhang.cases.access import cases_visible_to, get_case_for, may_handle
from sanzhang.cases.services.handling import case_refer
from sanzhang.core.errors import NotFound
from sanzhang.org.models import Role
from sanzhang.org.tests.factories import make_user, post

from .conftest import N1

USERS = ["admin", "station", "cadre", "area", "group", "nchief", "resident", "nobody"]
CHAIN = {"admin", "cadre", "area", "group", "nchief"}
# case name -> users who see it
VISIBLE = {
    "n1": CHAIN,
    "n2": CHAIN - {"nchief"},
    "v2": {"admin"},
    "t2": set(),
    "at_station": CHAIN | {"station"},
    "own": CHAIN | {"resident"},
}
# case name -> users who may act for the level holding it now
HANDLE = {
    "n1": CHAIN,  # at N1, neighbourhood level
    "n2": CHAIN - {"nchief"},
    "v2": {"admin"},
    "t2": set(),
    "at_station": {"admin", "station"},  # at 民政办
    "own": CHAIN,
}


@pytest.fixture
def cases(world, report):
    hh = world.households
    t2_admin = make_user("t2admin")
    post(Role.TOWNSHIP_ADMIN, world.unit("T2"), user=t2_admin)
    import uuid

    from sanzhang.cases.models import Category
    from sanzhang.cases.services.intake import case_report

    t2 = case_report(
        by=t2_admin,
        client_key=uuid.uuid4(),
        category=Category.objects.get(
            township=world.townships[1], code="environment.1"
        ),
        text="邻乡的事",
        household=hh["T2-V1-A1-G1-N1"][0],
    )[0]
    at_station = report(category="welfare.1", household=hh[N1][1])
    at_station = case_refer(
        case=at_station, by=world.users["cadre"], station_code="minzheng", reason="低保"
    )
    return {
        "n1": report(),
        "n2": report("admin", household=hh["T1-V1-A1-G1-N2"][0]),
        "v2": report("admin", household=hh["T1-V2-A1-G1-N1"][0]),
        "t2": t2,
        "at_station": at_station,
        "own": report(household=world.users["resident"].resident.household),
    }


@pytest.mark.parametrize("username", USERS)
def test_visible_cases_are_exactly_the_scope(world, cases, username):
    user = world.users[username]
    expected = {cases[k].pk for k, who in VISIBLE.items() if username in who}
    assert set(cases_visible_to(user).values_list("pk", flat=True)) == expected
    for name, case in cases.items():
        if username in VISIBLE[name]:
            assert get_case_for(user, case.pk).pk == case.pk
        else:
            with pytest.raises(NotFound) as exc:
                get_case_for(user, case.pk)
            assert exc.value.message == "找不到该事件"


@pytest.mark.parametrize("username", USERS)
def test_who_may_act_for_the_holding_level(world, cases, username):
    user = world.users[username]
    allowed = {k for k, c in cases.items() if may_handle(user, c)}
    assert allowed == {k for k, who in HANDLE.items() if username in who}


def test_missing_case_looks_like_a_forbidden_one(world):
    with pytest.raises(NotFound) as exc:
        get_case_for(world.users["admin"], 10**9)
    assert exc.value.message == "找不到该事件"
