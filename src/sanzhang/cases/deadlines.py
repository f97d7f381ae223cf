"""Deadline maths in working days: weekends off, plus a configurable holiday table.

A `Holiday` row marks a weekday off (法定节假日) or, with `is_workday`, a weekend day
worked (调休上班); a row for a township overrides one for the whole installation.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from .defaults import WARN_SHARE
from .models import Holiday

# Holidays change a few times a year, yet every new case and every move reads them: each
# process keeps a township's calendar for a minute. A change saved in this process clears
# it at once (signals below); another process sees it within the minute, which moves a
# time limit computed in that minute by at most the edited day.
CALENDAR_TTL_SECONDS = 60.0
_calendars: dict[int | None, tuple[float, WorkCalendar]] = {}


def calendars_forget(**_: object) -> None:
    _calendars.clear()


post_save.connect(
    calendars_forget, sender=Holiday, dispatch_uid="calendars_forget_save"
)
post_delete.connect(
    calendars_forget, sender=Holiday, dispatch_uid="calendars_forget_delete"
)


class WorkCalendar:
    """Which days are working days, for one township over a window of dates."""

    def __init__(self, overrides: dict[date, bool] | None = None) -> None:
        self.overrides = overrides or {}

    @classmethod
    def for_township(cls, township_id: int | None) -> WorkCalendar:
        """The township's calendar, read at most once a minute per process."""
        hit = _calendars.get(township_id)
        now = time.monotonic()
        if hit is not None and now - hit[0] < CALENDAR_TTL_SECONDS:
            return hit[1]
        calendar = cls._read(township_id)
        _calendars[township_id] = (now, calendar)
        return calendar

    @classmethod
    def _read(cls, township_id: int | None) -> WorkCalendar:
        rows = Holiday.objects.filter(
            Q(township=None) | Q(township_id=township_id)
        ).values_list("township_id", "on", "is_workday")
        # Installation-wide rows first, so a township's own row wins over them.
        overrides = {on: work for t, on, work in rows if t is None}
        overrides.update({on: work for t, on, work in rows if t is not None})
        return cls(overrides)

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return day.weekday() < 5

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The moment `days` working days after `start`, at the same time of day.

        Starting on a day off counts from the next working day's start (09:00). Zero
        days means the end of the same (or next) working day.
        """
        local = timezone.localtime(start)
        if not self.is_workday(local.date()):
            day = local.date()
            while not self.is_workday(day):
                day += timedelta(days=1)
            local = local.replace(
                year=day.year,
                month=day.month,
                day=day.day,
                hour=9,
                minute=0,
                second=0,
                microsecond=0,
            )
        if days <= 0:
            return local.replace(hour=23, minute=59, second=59, microsecond=0)
        day = local.date()
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_workday(day):
                counted += 1
        return local.replace(year=day.year, month=day.month, day=day.day)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 if end <= start)."""
        n = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_workday(day):
                n += 1
        return n


def deadline(
    *, start: datetime, days: int, calendar: WorkCalendar
) -> tuple[datetime, datetime]:
    """(warn_at, due_at) for a time limit of `days` working days from `start`."""
    due = calendar.add_working_days(start, days)
    warn = start + (due - start) * WARN_SHARE
    return warn, due
