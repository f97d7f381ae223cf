"""Reading ids and numbers that arrive as text (query strings, form fields, JSON)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

# The largest primary key either database can hold (signed 64-bit). A longer string of
# digits is not an id anyone can have, and filtering on it overflows SQLite's driver.
MAX_ID = 2**63 - 1


def parse_id(value: Any) -> int | None:
    """A positive id from `value`, or None when it is not one (blank, text, too big)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= MAX_ID else None
    text = str(value if value is not None else "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


# Filters and periods take days in this window: the system holds nothing older, and a
# far-future day (9999-12-31) would overflow the "day after" arithmetic of a period.
EARLIEST_DAY = date(2000, 1, 1)


def parse_day(value: Any) -> date | None:
    """A day from 'YYYY-MM-DD', or None when blank, malformed or outside
    [2000-01-01, a year from today]."""
    try:
        day = date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None
    latest = timezone.localdate() + timedelta(days=366)
    return day if EARLIEST_DAY <= day <= latest else None
