"""Small checks shared by the activity, meeting, customs and patrol services."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhang.core.errors import DomainError
from sanzhang.org.levels import ANCESTOR_FIELDS, SCOPE_FIELD
from sanzhang.org.models import Resident, Unit


def parse_key(client_key: Any) -> uuid.UUID:
    if isinstance(client_key, uuid.UUID):
        return client_key
    try:
        return uuid.UUID(str(client_key))
    except ValueError:
        raise DomainError(_("提交编号无效，请刷新页面后重试")) from None


def parse_date(value: Any, *, field: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise DomainError(_("%(f)s格式不对") % {"f": field}, field=field) from None


def past_or_today(value: Any, *, field: str, today: date | None = None) -> date:
    """Records are of things that happened: a date after today is refused."""
    day = parse_date(value, field=field)
    if day > (today or timezone.localdate()):
        raise DomainError(_("%(f)s不能晚于今天") % {"f": field}, field=field)
    if day.year < 2000:
        raise DomainError(_("%(f)s不对") % {"f": field}, field=field)
    return day


def text(value: Any, *, limit: int, field: str, required: bool = False) -> str:
    cleaned = " ".join(str(value or "").split()) if limit <= 200 else str(value or "")
    cleaned = cleaned.strip()
    if required and not cleaned:
        raise DomainError(_("请填写%(f)s") % {"f": field}, field=field)
    if len(cleaned) > limit:
        raise DomainError(
            _("%(f)s不能超过 %(n)d 字") % {"f": field, "n": limit}, field=field
        )
    return cleaned


def count(value: Any, *, field: str, maximum: int = 100_000) -> int:
    try:
        n = int(str(value if value not in (None, "") else 0).strip())
    except ValueError:
        raise DomainError(_("%(f)s须为整数") % {"f": field}, field=field) from None
    if n < 0 or n > maximum:
        raise DomainError(
            _("%(f)s须在 0 到 %(m)d 之间") % {"f": field, "m": maximum}, field=field
        )
    return n


def scope_of(unit: Unit) -> dict[str, int | None]:
    """The ancestor columns a record organised by `unit` carries."""
    return {f: getattr(unit, f) for f in ANCESTOR_FIELDS}


def population(unit: Unit) -> int:
    """Residents on the roll in the unit's subtree (the ceiling for attendance)."""
    return Resident.objects.filter(
        is_active=True,
        household__is_active=True,
        **{"household__" + SCOPE_FIELD[unit.level]: unit.pk},
    ).count()


# The case ladder level that answers for a unit's own level.
_UNIT_CASE_LEVEL = {
    "neighborhood": "neighborhood",
    "group": "group",
    "area": "area",
    "village": "village",
    "township": "station",
}


def case_level_for(unit: Unit, category: Any) -> str | None:
    """The first case level for a case placed at `unit`: the category's own default,
    unless that is below the unit (a village-wide hazard cannot start at a 邻)."""
    from sanzhang.cases.states import RANK

    floor = _UNIT_CASE_LEVEL[unit.level]
    if RANK[category.default_level] < RANK[floor]:
        return floor
    return None
