"""Working-day deadlines with configurable holidays, and `sanzhang tick`."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from sanzhang.cases.deadlines import WorkCalendar
from sanzhang.cases.models import CaseEvent, Holiday, Notification
from sanzhang.cases.services.escalation import cases_tick
from sanzhang.cases.services.handling import case_refer

from .conftest import fresh

TZ = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime(*args, tzinfo=TZ)


def _monday():
    """A Monday a week or more ahead: the fixture posts are active then."""
    day = date.today() + timedelta(days=7)
    return day + timedelta(days=-day.weekday())


MON = _monday()


def on(offset_days, hour):
    d = MON + timedelta(days=offset_days)
    return datetime(d.year, d.month, d.day, hour, tzinfo=TZ)


def test_working_days_skip_weekends():
    cal = WorkCalendar()
    assert cal.add_working_days(at(2025, 3, 7, 10), 1) == at(
        2025, 3, 10, 10
    )  # Fri -> Mon
    assert cal.add_working_days(at(2025, 3, 3, 10), 5) == at(2025, 3, 10, 10)
    assert cal.add_working_days(at(2025, 3, 8, 15), 1) == at(2025, 3, 11, 9)  # Sat


def test_zero_days_means_end_of_the_working_day():
    assert WorkCalendar().add_working_days(at(2025, 3, 3, 10), 0) == at(
        2025, 3, 3, 23, 59, 59
    )


def test_holidays_and_make_up_workdays_are_configurable(db, world):
    Holiday.objects.create(on=date(2025, 10, 1), name="国庆")
    Holiday.objects.create(on=date(2025, 10, 2), name="国庆")
    Holiday.objects.create(
        on=date(2025, 9, 28), name="调休", is_workday=True
    )  # a Sunday
    Holiday.objects.create(
        township=world.townships[1], on=date(2025, 9, 30), name="乡里"
    )
    cal = WorkCalendar.for_township(world.townships[0].pk)
    assert cal.add_working_days(at(2025, 9, 26, 10), 1) == at(2025, 9, 28, 10)
    assert cal.add_working_days(at(2025, 9, 30, 10), 1) == at(2025, 10, 3, 10)
    other = WorkCalendar.for_township(world.townships[1].pk)
    assert other.add_working_days(at(2025, 9, 29, 10), 1) == at(2025, 10, 3, 10)


def test_a_holiday_saved_or_removed_reaches_the_cached_calendar(db, world):
    township = world.townships[0].pk
    before = WorkCalendar.for_township(township)  # now cached for a minute
    assert WorkCalendar.for_township(township) is before
    assert before.add_working_days(at(2025, 9, 30, 10), 1) == at(2025, 10, 1, 10)
    day = Holiday.objects.create(on=date(2025, 10, 1), name="国庆")
    after = WorkCalendar.for_township(township)
    assert after.add_working_days(at(2025, 9, 30, 10), 1) == at(2025, 10, 2, 10)
    day.delete()
    again = WorkCalendar.for_township(township)
    assert again.add_working_days(at(2025, 9, 30, 10), 1) == at(2025, 10, 1, 10)


def test_tick_flags_yellow_then_escalates_overdue_once(world, report):
    with time_machine.travel(on(0, 9), tick=False):  # Monday
        case = report()  # neighbourhood: 1 working day
    assert case.due_at == on(1, 9)
    with time_machine.travel(on(1, 7), tick=False):
        first = cases_tick()
        again = cases_tick()
    assert (first.yellow, again.yellow, fresh(case).deadline_flag) == (
        [case.pk],
        [],
        "yellow",
    )
    assert (
        Notification.objects.filter(case=case, user=world.users["nchief"])
        .values_list("text", flat=True)[0]
        .startswith(f"事件 #{case.pk}（垃圾堆放）临近时限")
    )
    with time_machine.travel(on(1, 10), tick=False):
        report_ = cases_tick()
        rerun = cases_tick()
    case = fresh(case)
    assert (report_.escalated, rerun.escalated) == ([case.pk], [])
    assert (
        case.handling_level,
        case.status,
        case.deadline_flag,
        case.overdue_count,
    ) == (
        "group",
        "pending",
        "",
        1,
    )
    last = CaseEvent.objects.filter(case=case).last()
    assert (last.kind, last.by_id, last.by_name, last.note) == (
        "escalated",
        None,
        "系统",
        "超过办理时限未办结，系统自动上报（吹哨）",
    )
    assert Notification.objects.filter(case=case, user=world.users["group"]).exists()


def test_overdue_at_a_station_turns_red_and_tells_the_township(world, report):
    with time_machine.travel(on(0, 9), tick=False):
        case = report(category="welfare.1")
        case = case_refer(
            case=case, by=world.users["cadre"], station_code="minzheng", reason="x"
        )
    with time_machine.travel(on(17, 9), tick=False):
        out = cases_tick()
        assert cases_tick().red == []
    assert (out.red, fresh(case).deadline_flag, fresh(case).handling_level) == (
        [case.pk],
        "red",
        "station",
    )
    told = set(
        Notification.objects.filter(case=case, text__contains="督办").values_list(
            "user", flat=True
        )
    )
    assert told == {world.users["station"].pk, world.users["admin"].pk}


def test_tick_command_prints_a_summary(world):
    out = StringIO()
    call_command("tick", stdout=out)
    assert out.getvalue().startswith("yellow=0 red=0 escalated=0")


@pytest.mark.parametrize("days", [0, 1, 3])
def test_warn_at_is_before_due(days):
    from sanzhang.cases.deadlines import deadline

    warn, due = deadline(start=at(2025, 3, 3, 9), days=days, calendar=WorkCalendar())
    assert at(2025, 3, 3, 9) < warn < due


def test_urgent_cases_run_on_clock_hours_even_at_the_weekend(world, cats, report):
    """A flood report late on a Saturday is due two hours later, not on Tuesday; an
    ordinary case marked urgent by its reporter is too, and climbing a level restarts
    the two hours."""
    import datetime as dt

    import time_machine
    from django.utils import timezone

    from sanzhang.cases.services.handling import case_escalate

    saturday = timezone.make_aware(dt.datetime(2026, 11, 28, 22, 0))
    with time_machine.travel(saturday, tick=False):
        flood = report(category="flood.1", text="堤脚渗水")
        marked = report(text="电线落地冒火花", urgent=True)
        plain = report(text="垃圾没人清")
        assert (flood.is_urgent, marked.is_urgent, plain.is_urgent) == (
            True,
            True,
            False,
        )
        assert flood.due_at == saturday + dt.timedelta(hours=2)
        assert marked.due_at == saturday + dt.timedelta(hours=2)
        assert plain.due_at > saturday + dt.timedelta(days=2)  # next working day
    later = saturday + dt.timedelta(minutes=30)
    with time_machine.travel(later, tick=False):
        up = case_escalate(case=flood, by=world.users["nchief"], reason="需组长到场")
        assert up.due_at == later + dt.timedelta(hours=2)
