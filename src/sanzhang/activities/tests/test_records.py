"""Customs reform, meetings (prepared agenda, send up as a case), patrols (a hazard
becomes an urgent case), and the monthly 民情分析会 reminder."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from sanzhang.activities.models import CustomsReform, Meeting, PatrolCheckin
from sanzhang.activities.selectors import LedgerFilter, customs_ledger, customs_totals
from sanzhang.activities.services import customs, meetings, patrols
from sanzhang.activities.services.tick import remind_concerns_meetings
from sanzhang.cases.models import Case, Notification
from sanzhang.cases.services.intake import case_report
from sanzhang.core.errors import DomainError, NotAllowed

from .conftest import N1


def test_customs_outcomes_counted(world, key):
    chief = world.users["nchief"]
    hh = world.households[N1]
    today = timezone.localdate()
    for h, event, outcome in [
        (hh[0], "wedding", "scaled_down"),
        (hh[1], "funeral", "scaled_down"),
        (hh[2], "wedding", "cancelled"),
        (hh[3], "other", "not_persuaded"),
    ]:
        customs.customs_record(
            by=chief,
            client_key=key(),
            household=h,
            event=event,
            outcome=outcome,
            talked_on=today,
        )
    totals = customs_totals(customs_ledger(chief, LedgerFilter()))
    # 2 scaled down + 1 cancelled are persuaded; 1 not
    assert totals == {
        "n": 4,
        "scaled_down": 2,
        "cancelled": 1,
        "not_persuaded": 1,
        "persuaded": 3,
    }
    weddings = customs_ledger(chief, LedgerFilter(kind="wedding"))
    assert weddings.count() == 2


def test_customs_bad_input(world, key):
    chief = world.users["nchief"]
    outside = world.households["T1-V1-A1-G1-N2"][0]
    inside = world.households[N1][0]
    today = timezone.localdate()
    base = dict(by=chief, event="wedding", outcome="cancelled", talked_on=today)
    with pytest.raises(DomainError, match="该户不在您的管辖范围内"):
        customs.customs_record(client_key=key(), household=outside, **base)
    with pytest.raises(DomainError, match="不能晚于今天"):
        customs.customs_record(
            client_key=key(),
            household=inside,
            **{**base, "talked_on": today + timedelta(days=1)},
        )
    with pytest.raises(DomainError, match="劝导结果"):
        customs.customs_record(
            client_key=key(), household=inside, **{**base, "outcome": "maybe"}
        )
    assert CustomsReform.objects.count() == 0


def test_concerns_meeting_lists_open_cases_and_sends_a_need_up(world, key, cats):
    area = world.unit("T1-V1-A1")
    chief = world.users["area"]
    in_area = world.households[N1][0]
    open_case, _ = case_report(
        by=chief,
        client_key=key(),
        category=cats["environment.1"],
        text="垃圾堆放",
        household=in_area,
    )
    case_report(  # outside the area: not on the agenda
        by=world.users["admin"],
        client_key=key(),
        category=cats["environment.1"],
        text="别处垃圾",
        household=world.households["T1-V1-A2-G1-N1"][0],
    )
    meeting, created = meetings.meeting_create(
        by=chief,
        client_key=key(),
        unit=area,
        kind="concerns",
        held_on=timezone.localdate(),
        agenda=["通报上月工作"],
    )
    items = list(meeting.agenda.values_list("title", "case_id"))
    assert items[0] == ("通报上月工作", None)
    assert [c for _t, c in items[1:]] == [open_case.pk]
    need = meetings.resolution_add(
        meeting=meeting, by=chief, text="组里路灯坏了三盏", kind="need"
    )
    case = meetings.resolution_send_up(
        resolution=need, by=chief, category=cats["welfare"]
    )
    again = meetings.resolution_send_up(
        resolution=need, by=chief, category=cats["welfare"]
    )
    assert (case.pk, case.source, case.area_id) == (again.pk, "council", area.pk)
    assert Case.objects.filter(text__contains="路灯坏了三盏").count() == 1
    with pytest.raises(NotAllowed):
        meetings.resolution_add(meeting=meeting, by=world.users["nchief"], text="x")


def test_meeting_bad_input(world, key):
    with pytest.raises(DomainError, match="管辖范围"):
        meetings.meeting_create(
            by=world.users["nchief"],
            client_key=key(),
            unit=world.unit("T1-V1-A1"),
            kind="council",
            held_on=timezone.localdate(),
        )
    with pytest.raises(DomainError, match="不能晚于今天"):
        meetings.meeting_create(
            by=world.users["area"],
            client_key=key(),
            unit=world.unit("T1-V1-A1"),
            kind="council",
            held_on=timezone.localdate() + timedelta(days=3),
        )
    assert Meeting.objects.count() == 0


@pytest.fixture
def levee(world, key, cats):
    cadre = world.users["cadre"]
    village = world.unit("T1-V1")
    section = patrols.section_create(
        by=cadre, village=village, name="东堤1段", points="1号涵闸\n2号险工段"
    )
    shift, _ = patrols.shift_create(
        by=cadre,
        client_key=key(),
        unit=village,
        kind="levee",
        on=timezone.localdate(),
        starts_at=time(20),
        ends_at=time(6),
        section=section,
        people=[f"r{world.households[N1][4].head.pk}"],  # the N1 chief
    )
    return shift


def test_a_hazard_becomes_an_urgent_case(world, levee, key):
    nchief = world.users["nchief"]
    plain, _ = patrols.checkin_record(
        shift=levee, by=nchief, client_key=key(), point="1号涵闸", finding="正常"
    )
    hazard, _ = patrols.checkin_record(
        shift=levee,
        by=nchief,
        client_key=key(),
        point="2号险工段",
        finding="背水坡渗水",
        is_hazard=True,
    )
    assert plain.case_id is None
    case = hazard.case
    assert (case.category.code, case.category.is_emergency, case.source) == (
        "flood.1",
        True,
        "patrol",
    )
    assert "背水坡渗水" in case.text
    assert case.village_id == levee.unit_id
    # Urgent: its limit runs in clock hours (the category's 2 h), not working days.
    assert case.is_urgent is True
    assert case.due_at - case.arrived_at == timedelta(hours=case.category.urgent_hours)


def test_patrol_bad_input(world, levee, key):
    nchief = world.users["nchief"]
    with pytest.raises(DomainError, match="请填写发现情况"):
        patrols.checkin_record(
            shift=levee, by=nchief, client_key=key(), point="1号涵闸", is_hazard=True
        )
    with pytest.raises(NotAllowed):
        patrols.checkin_record(
            shift=levee, by=world.users["resident"], client_key=key(), point="x"
        )
    later = timezone.now() + timedelta(days=3)
    with pytest.raises(DomainError, match="当天"):
        patrols.checkin_record(
            shift=levee, by=nchief, client_key=key(), point="x", now=later
        )
    assert PatrolCheckin.objects.count() == 0
    with pytest.raises(DomainError, match="堤段"):
        patrols.shift_create(
            by=world.users["cadre"],
            client_key=key(),
            unit=world.unit("T1-V1"),
            kind="levee",
            on=timezone.localdate(),
            starts_at="20:00",
            ends_at="23:00",
            people=[f"r{world.households[N1][4].head.pk}"],
        )


def test_concerns_reminder_once_a_month_for_areas_without_one(world, key):
    tz = ZoneInfo("Asia/Shanghai")
    today = timezone.localdate()
    now = datetime(today.year, today.month, 25, 9, tzinfo=tz)
    early = datetime(today.year, today.month, 5, 9, tzinfo=tz)
    assert remind_concerns_meetings(early) == 0
    # The world has one area chief (T1-V1-A1): reminded once, not twice.
    assert remind_concerns_meetings(now) == 1
    assert remind_concerns_meetings(now) == 0
    user = world.users["area"]
    assert (
        Notification.objects.filter(user=user, text__contains="民情分析会").count() == 1
    )
    Notification.objects.all().delete()
    meetings.meeting_create(
        by=user,
        client_key=key(),
        unit=world.unit("T1-V1-A1"),
        kind="concerns",
        held_on=min(today, now.date()).replace(day=1),
    )
    assert remind_concerns_meetings(now) == 0


def test_rostered_villager_sees_only_their_shift(world, levee):
    from sanzhang.activities.access import shifts_visible_to

    assert list(shifts_visible_to(world.users["nchief"])) == [levee]
    assert list(shifts_visible_to(world.users["resident"])) == []
