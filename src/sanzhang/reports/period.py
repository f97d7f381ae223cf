"""Report periods: whole days [start, end], both inclusive, in the township's time zone.

Case figures work on datetimes [start 00:00, end+1 00:00); outreach figures on dates
(visited_on, held_on); one Period gives both so every figure sees the same days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhang.core.errors import DomainError


class BadPeriod(DomainError):
    status_code = 422


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def dt(self) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes, for timestamp columns."""
        tz = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=tz),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz),
        )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def last_days(self, n: int) -> Period:
        """The n days ending on this period's last day (visit_coverage_30d)."""
        return Period(self.end - timedelta(days=n - 1), self.end)

    def query(self) -> str:
        return f"start={self.start.isoformat()}&end={self.end.isoformat()}"

    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"


# Periods stay inside these years: nothing older is held, and a day near 9999-12-31
# would overflow the "day after" every period needs.
FIRST_YEAR, LAST_YEAR = 2000, 2099


def parse_day(text: str, name: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise BadPeriod(
            _("%(name)s日期格式应为 YYYY-MM-DD，例如 2025-01-31") % {"name": name},
            field=name,
        ) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise BadPeriod(
            _("%(name)s日期应在 %(a)s 年到 %(b)s 年之间")
            % {"name": name, "a": FIRST_YEAR, "b": LAST_YEAR},
            field=name,
        )
    return day


def period_from(start: str | None, end: str | None, *, today: date) -> Period:
    """A period from query text; defaults to this year up to today."""
    s = parse_day(start, _("开始")) if start else date(today.year, 1, 1)
    e = parse_day(end, _("结束")) if end else today
    if s > e:
        raise BadPeriod(_("开始日期不能晚于结束日期"), field="start")
    if (e - s).days > 366 * 5:
        raise BadPeriod(_("统计区间最长五年"), field="end")
    return Period(s, e)


def month_of(day: date) -> Period:
    nxt = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return Period(date(day.year, day.month, 1), nxt - timedelta(days=1))


def quarter_of(day: date) -> Period:
    first = (day.month - 1) // 3 * 3 + 1
    start = date(day.year, first, 1)
    last = month_of(date(day.year, first + 2, 1)).end
    return Period(start, last)


def year_of(day: date) -> Period:
    return Period(date(day.year, 1, 1), date(day.year, 12, 31))


SPANS = {"month": month_of, "quarter": quarter_of, "year": year_of}


def span_of(kind: str, day: date) -> Period:
    if kind not in SPANS:
        raise BadPeriod(_("周期只能是月、季或年"), field="span")
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise BadPeriod(
            _("日期应在 %(a)s 年到 %(b)s 年之间") % {"a": FIRST_YEAR, "b": LAST_YEAR},
            field="at",
        )
    return SPANS[kind](day)


def months(period: Period) -> list[Period]:
    """The calendar months the period touches, clipped to it (trend charts)."""
    out = []
    cur = date(period.start.year, period.start.month, 1)
    while cur <= period.end:
        m = month_of(cur)
        out.append(Period(max(m.start, period.start), min(m.end, period.end)))
        cur = m.end + timedelta(days=1)
    return out
