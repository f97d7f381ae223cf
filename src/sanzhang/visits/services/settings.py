"""A township's visit rules: care intervals per tag and the quiet-chief threshold.

The defaults come from the tags' own `visit_interval_days` (org.defaults: 独居老人 and
留守儿童 weekly, 残疾人 fortnightly ...) and are copied per township on first use, so a
township admin edits their own copy without touching anyone else's.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from sanzhang.core.errors import DomainError, NotAllowed
from sanzhang.org.models import Tag, Unit

from ..access import VisitAction, may
from ..models import CareInterval, VisitSettings

MAX_DAYS = 366


def care_defaults_install(township_id: int) -> int:
    """Give the township its settings row and copy the tag defaults into its care
    intervals, once (the settings row marks it done, so intervals the admin removed
    stay removed)."""
    _row, created = VisitSettings.objects.get_or_create(township_id=township_id)
    if not created:
        return 0
    tags = Tag.objects.filter(
        Q(township=None) | Q(township_id=township_id),
        visit_interval_days__isnull=False,
        is_sensitive=False,  # see selectors.care_intervals
    )
    rows = [
        CareInterval(township_id=township_id, tag=t, days=t.visit_interval_days)
        for t in tags
        if t.visit_interval_days
    ]
    CareInterval.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _days(value: Any, *, label: str) -> int | None:
    """A day count from a form: blank means "no interval"; else 1..366."""
    if value is None or str(value).strip() == "":
        return None
    try:
        days = int(str(value).strip())
    except ValueError:
        raise DomainError(_("%(f)s须为整数天数") % {"f": label}) from None
    if not 1 <= days <= MAX_DAYS:
        raise DomainError(_("%(f)s须在 1 到 366 天之间") % {"f": label})
    return days


def settings_update(
    *,
    by: Any,
    township: Unit,
    intervals: dict[int, Any],
    household_interval_days: Any,
    quiet_after_days: Any,
) -> None:
    """Save the township's rules in one go; any bad value changes nothing."""
    if not may(by, VisitAction.SETTINGS, township) or township.parent_id:
        raise NotAllowed(_("只有乡镇管理员可以修改走访设置"))
    tags = {
        t.pk: t
        for t in Tag.objects.filter(Q(township=None) | Q(township_id=township.pk))
    }
    cleaned: dict[int, int | None] = {}
    for tag_id, value in intervals.items():
        if tag_id not in tags:
            raise DomainError(_("未知的户标签"))
        if tags[tag_id].is_sensitive and str(value or "").strip():
            raise DomainError(
                _("敏感标签（%(t)s）不用于三长走访提醒：这类户由站所和片长跟进")
                % {"t": tags[tag_id].name}
            )
        cleaned[tag_id] = _days(value, label=tags[tag_id].name)
    every = _days(household_interval_days, label=_("普通户走访周期"))
    quiet = _days(quiet_after_days, label=_("未履职天数"))
    if every is None or quiet is None:
        raise DomainError(_("请填写普通户走访周期和未履职天数"))
    with transaction.atomic():
        care_defaults_install(township.pk)
        for tag_id, days in cleaned.items():
            if days is None:
                CareInterval.objects.filter(township=township, tag_id=tag_id).delete()
            else:
                CareInterval.objects.update_or_create(
                    township=township, tag_id=tag_id, defaults={"days": days}
                )
        VisitSettings.objects.update_or_create(
            township=township,
            defaults={"household_interval_days": every, "quiet_after_days": quiet},
        )
