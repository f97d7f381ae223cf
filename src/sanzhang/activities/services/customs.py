"""移风易俗: a talk with one household about a wedding, funeral or other event."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sanzhang.core.errors import DomainError
from sanzhang.org.levels import ANCESTOR_FIELDS
from sanzhang.org.models import Household

from ..access import may_record
from ..models import Activity, CustomsEvent, CustomsOutcome, CustomsReform
from .common import parse_key, past_or_today
from .common import text as clean


def customs_record(
    *,
    by: Any,
    client_key: Any,
    household: Household,
    event: str,
    outcome: str,
    talked_on: Any,
    notes: str = "",
    activity: Activity | None = None,
    today: date | None = None,
) -> tuple[CustomsReform, bool]:
    """Record the talk; a household outside the recorder's subtree is refused."""
    key = parse_key(client_key)
    existing = CustomsReform.objects.filter(client_key=key).first()
    if existing is not None:
        return existing, False
    if not household.is_active or not may_record(by, household):
        raise DomainError(_("该户不在您的管辖范围内"), field="household")
    if event not in CustomsEvent.values:
        raise DomainError(_("请选择事项（婚事、丧事或其他）"), field="event")
    if outcome not in CustomsOutcome.values:
        raise DomainError(_("请选择劝导结果"), field="outcome")
    day = past_or_today(talked_on, field=_("劝导日期"), today=today)
    if activity is not None and not may_record(by, activity):
        raise DomainError(_("关联的活动不在您的管辖范围内"), field="activity")
    record = CustomsReform(
        client_key=key,
        household=household,
        event=event,
        outcome=outcome,
        talked_on=day,
        notes=clean(notes, limit=2000, field=_("情况")),
        recorded_by=by,
        activity=activity,
        **{f: getattr(household, f) for f in ANCESTOR_FIELDS},
    )
    try:
        with transaction.atomic():
            record.save(force_insert=True)
    except IntegrityError:
        existing = CustomsReform.objects.filter(client_key=key).first()
        if existing is None:
            raise
        return existing, False
    return record, True
