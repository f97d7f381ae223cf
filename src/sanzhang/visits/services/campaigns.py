"""Full-coverage visit campaigns (全覆盖走访): a period and a target subtree."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from sanzhang.core.errors import DomainError, NotAllowed
from sanzhang.org.levels import ANCESTOR_FIELDS
from sanzhang.org.models import Unit

from ..access import VisitAction, may
from ..models import VisitCampaign

MAX_CAMPAIGN_DAYS = 366


def _date(value: date | str | None, label: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise DomainError(_("请填写%(f)s") % {"f": label}) from None


def campaign_create(
    *,
    by: Any,
    unit: Unit,
    name: str,
    starts_on: date | str | None,
    ends_on: date | str | None,
    note: str = "",
) -> VisitCampaign:
    if not may(by, VisitAction.CAMPAIGN, unit):
        raise NotAllowed(_("无权在该单元发起走访活动"))
    name = (name or "").strip()
    if not name:
        raise DomainError(_("请填写活动名称"), field="name")
    if len(name) > 60:
        raise DomainError(_("活动名称过长（最多 60 字）"), field="name")
    start = _date(starts_on, _("开始日期"))
    end = _date(ends_on, _("结束日期"))
    if end < start:
        raise DomainError(_("结束日期不能早于开始日期"), field="ends_on")
    if (end - start).days > MAX_CAMPAIGN_DAYS:
        raise DomainError(_("活动期间不能超过一年"), field="ends_on")
    return VisitCampaign.objects.create(
        unit=unit,
        name=name,
        starts_on=start,
        ends_on=end,
        note=(note or "").strip()[:2000],
        created_by=by,
        **{f: getattr(unit, f) for f in ANCESTOR_FIELDS},
    )
