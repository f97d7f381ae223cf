"""Recording a visit: ancestors, idempotency, a need raised as a case, refusals."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from sanzhang.cases.models import Case
from sanzhang.cases.services.intake import IdempotencyMismatch
from sanzhang.core.errors import DomainError, NotFound
from sanzhang.visits.models import Visit
from sanzhang.visits.services.record import visit_record

from .conftest import N1, N2, TODAY


def test_chief_records_visit_with_household_ancestors(world, record):
    hh = world.households[N1][2]
    visit = record(household=hh, kind="service", people_served=3, notes="量血压")
    assert (visit.neighborhood_id, visit.villager_group_id, visit.township_id) == (
        world.unit(N1).pk,
        world.unit("T1-V1-A1-G1").pk,
        world.unit("T1").pk,
    )
    assert (visit.kind, visit.people_served, visit.visited_on) == ("service", 3, TODAY)
    assert visit.recorded_by == world.users["nchief"]


def test_same_key_same_body_returns_first_visit(world):
    key = uuid.uuid4()
    args = dict(
        by=world.users["nchief"],
        client_key=key,
        household=world.households[N1][0],
        kind="routine",
        visited_on=TODAY,
        today=TODAY,
    )
    first, created = visit_record(**args)
    again, created_again = visit_record(**args)
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert Visit.objects.filter(client_key=key).count() == 1


def test_same_key_other_body_is_refused(world, record):
    key = uuid.uuid4()
    record(key=key)
    with pytest.raises(IdempotencyMismatch):
        record(key=key, notes="另一条")
    assert Visit.objects.filter(client_key=key).count() == 1


def test_need_raises_case_in_one_step_and_links_it(world, record, cats):
    hh = world.households[N1][1]
    visit = record(
        household=hh,
        needs="屋后电线老化，担心起火",
        raise_case=True,
        category=cats["hazard.1"],
    )
    case = Case.objects.get(pk=visit.case_id)
    assert (case.household_id, case.source, case.text) == (
        hh.pk,
        "visit",
        "屋后电线老化，担心起火",
    )
    assert case.reported_by == world.users["nchief"]


def test_retry_of_visit_with_case_makes_no_second_case(world, cats):
    key = uuid.uuid4()
    args = dict(
        by=world.users["nchief"],
        client_key=key,
        household=world.households[N1][1],
        kind="routine",
        visited_on=TODAY,
        today=TODAY,
        needs="路灯坏了",
        raise_case=True,
        category=cats["hazard.1"],
    )
    before = Case.objects.count()
    first, _ = visit_record(**args)
    again, created = visit_record(**args)
    assert (created, again.case_id) == (False, first.case_id)
    assert Case.objects.count() == before + 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"visited_on": TODAY + timedelta(days=1)}, "走访日期不能晚于今天"),
        ({"visited_on": "2025-13-01"}, "走访日期格式不正确"),
        ({"visited_on": TODAY - timedelta(days=400)}, "走访日期不能早于一年前"),
        ({"people_served": 0}, "服务人次须在 1 到 50 之间"),
        ({"people_served": 51}, "服务人次须在 1 到 50 之间"),
        ({"people_served": "两"}, "服务人次须为整数"),
        ({"kind": "party"}, "请选择走访方式"),
        ({"notes": "字" * 2001}, "情况记录过长（最多 2000 字）"),
        ({"raise_case": True, "needs": ""}, "登记事件须填写发现的诉求"),
        ({"raise_case": True, "needs": "漏水"}, "请选择事件分类"),
        ({"client_key": "not-a-uuid"}, "提交编号无效"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(world, change, message):
    args = dict(
        by=world.users["nchief"],
        client_key=uuid.uuid4(),
        household=world.households[N1][0],
        kind="routine",
        visited_on=TODAY,
        today=TODAY,
        people_served=1,
    )
    args.update(change)
    visits, cases = Visit.objects.count(), Case.objects.count()
    with pytest.raises(DomainError) as err:
        visit_record(**args)
    assert err.value.message == message
    assert (Visit.objects.count(), Case.objects.count()) == (visits, cases)


def test_category_of_other_township_is_refused(world, cats):
    from sanzhang.cases.models import Category

    other = Category.objects.filter(township=world.townships[1]).first()
    with pytest.raises(DomainError, match="请选择本乡镇的事件分类"):
        visit_record(
            by=world.users["nchief"],
            client_key=uuid.uuid4(),
            household=world.households[N1][0],
            kind="routine",
            visited_on=TODAY,
            today=TODAY,
            needs="漏水",
            raise_case=True,
            category=other,
        )


@pytest.mark.parametrize(
    ("username", "nb", "allowed"),
    [
        ("nchief", N1, True),
        ("nchief", N2, False),
        ("group", N2, True),
        ("group", "T1-V1-A1-G2-N1", False),
        ("area", "T1-V1-A1-G2-N1", True),
        ("cadre", "T1-V1-A2-G1-N1", True),
        ("cadre", "T1-V2-A1-G1-N1", False),
        ("admin", "T1-V2-A1-G1-N1", True),
        ("admin", "T2-V1-A1-G1-N1", False),
        ("station", N1, False),
        ("resident", N1, False),
        ("nobody", N1, False),
    ],
)
def test_who_may_record_where(world, username, nb, allowed):
    args = dict(
        by=world.users[username],
        client_key=uuid.uuid4(),
        household=world.households[nb][0],
        kind="routine",
        visited_on=TODAY,
        today=TODAY,
    )
    if allowed:
        assert visit_record(**args)[1] is True
    else:
        count = Visit.objects.count()
        with pytest.raises(NotFound, match="找不到该户"):
            visit_record(**args)
        assert Visit.objects.count() == count
