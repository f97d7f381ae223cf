"""Recording a case: placement, on-the-spot answers, idempotency, refusals."""

from __future__ import annotations

import uuid
from unittest import mock

import pytest

from sanzhang.cases.models import Case, CaseEvent, CaseHousehold, FollowUp
from sanzhang.cases.services.intake import IdempotencyMismatch, case_report
from sanzhang.core.errors import DomainError, NotAllowed

from .conftest import N1, fresh


def _events(case):
    return list(
        CaseEvent.objects.filter(case=case).values_list(
            "kind", "from_status", "to_status"
        )
    )


def test_chief_records_case_at_own_neighborhood_and_holds_it(world, report):
    case = report()
    assert (case.status, case.handling_level, case.handling_unit_id) == (
        "handling",
        "neighborhood",
        world.unit(N1).pk,
    )
    assert _events(case) == [
        ("reported", "", "pending"),
        ("accepted", "pending", "handling"),
    ]
    assert list(
        CaseHousehold.objects.filter(case=case).values_list("household", flat=True)
    ) == [world.households[N1][0].pk]
    assert case.due_at > case.warn_at > case.arrived_at


def test_category_default_level_places_case_pending_at_village(world, report):
    case = report(category="order.1", text="夜里有可疑人员在村口转悠")
    assert (case.status, case.handling_level, case.handling_unit_id) == (
        "pending",
        "village",
        world.unit("T1-V1").pk,
    )


def test_answer_on_the_spot_closes_with_the_answer(world, report):
    case = report(
        category="policy.1",
        text="问医保缴费截止时间",
        answer="12月31日前在村委代缴",
        satisfaction="satisfied",
    )
    case = fresh(case)
    assert (
        case.status,
        case.answered_on_spot,
        case.resolved_level,
        case.satisfaction,
    ) == (
        "closed",
        True,
        "neighborhood",
        "satisfied",
    )
    assert _events(case) == [
        ("reported", "", "pending"),
        ("answered", "pending", "closed"),
    ]
    assert FollowUp.objects.get(case=case).satisfaction == "satisfied"


def test_same_key_same_body_returns_the_first_case(world, cats):
    key = uuid.uuid4()
    kwargs = dict(
        by=world.users["nchief"],
        client_key=key,
        category=cats["environment.1"],
        text="垃圾",
        household=world.households[N1][0],
    )
    first, created = case_report(**kwargs)
    again, created_again = case_report(**kwargs)
    assert (again.pk, created, created_again) == (first.pk, True, False)
    assert Case.objects.filter(client_key=key).count() == 1


def test_same_key_different_body_is_refused_with_422(world, cats):
    key = uuid.uuid4()
    common = dict(
        by=world.users["nchief"], client_key=key, household=world.households[N1][0]
    )
    case_report(category=cats["environment.1"], text="垃圾", **common)
    with pytest.raises(IdempotencyMismatch) as exc:
        case_report(category=cats["environment.1"], text="污水", **common)
    assert exc.value.status_code == 422
    assert Case.objects.filter(client_key=key).count() == 1


def test_retry_hits_the_unique_constraint_and_returns_the_first_case(world, cats):
    """Keys are not looked up before the insert (almost all are new): the unique index
    refuses the repeat, the transaction rolls back, and the retry gets the first case.
    This is also what a racing retry, not yet visible to a look-up, meets."""
    key = uuid.uuid4()
    kwargs = dict(
        by=world.users["nchief"],
        client_key=key,
        category=cats["environment.1"],
        text="垃圾",
        household=world.households[N1][0],
    )
    first, _ = case_report(**kwargs)
    events = CaseEvent.objects.count()
    from sanzhang.cases.services import intake

    with mock.patch.object(intake, "_existing", wraps=intake._existing) as looked_up:
        again, created = case_report(**kwargs)
    assert (again.pk, created, looked_up.call_count) == (first.pk, False, 1)
    assert Case.objects.filter(client_key=key).count() == 1
    # Nothing of the refused insert is left behind.
    assert CaseEvent.objects.count() == events


def test_chief_cannot_record_outside_own_neighborhood(world, cats):
    with pytest.raises(NotAllowed):
        case_report(
            by=world.users["nchief"],
            client_key=uuid.uuid4(),
            category=cats["environment.1"],
            text="垃圾",
            household=world.households["T1-V1-A1-G1-N2"][0],
        )
    assert Case.objects.count() == 0


def test_resident_self_reports_for_own_household_and_case_waits(world, cats):
    user = world.users["resident"]
    case, _ = case_report(
        by=user,
        client_key=uuid.uuid4(),
        category=cats["environment.1"],
        text="路灯坏了",
        household=user.resident.household,
        source="self",
    )
    assert (case.status, case.handling_level) == ("pending", "neighborhood")


def test_category_of_another_township_is_refused(world, report):
    from sanzhang.cases.models import Category

    other = Category.objects.get(township=world.townships[1], code="environment.1")
    with pytest.raises(DomainError) as exc:
        report(category="environment.1", text="x") if False else case_report(
            by=world.users["nchief"],
            client_key=uuid.uuid4(),
            category=other,
            text="垃圾",
            household=world.households[N1][0],
        )
    assert exc.value.message == "请选择本乡镇的事件分类"


def test_empty_text_is_refused(world, report):
    with pytest.raises(DomainError) as exc:
        report(text="  ")
    assert exc.value.message == "请填写事件情况"


def test_anonymous_case_keeps_no_resident(world, report):
    hh = world.households[N1][0]
    case = report(is_anonymous=True, resident=hh.head)
    assert (case.is_anonymous, case.resident_id) == (True, None)


def test_point_case_without_household_uses_the_unit(world, report):
    case = report(
        household=None, unit=world.unit(N1), lon=112.1, lat=29.4, place="村口桥头"
    )
    assert (case.neighborhood_id, case.household_id, case.place) == (
        world.unit(N1).pk,
        None,
        "村口桥头",
    )
