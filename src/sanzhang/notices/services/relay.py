"""Marking households relayed (传达到户): by the chiefs, for the households of their own
posts' subtrees. All or nothing: one household outside the chief's scope or not on the
notice's list refuses the whole mark. Marking twice changes nothing (idempotent)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhang.core.errors import DomainError, NotFound
from sanzhang.core.parsing import parse_id
from sanzhang.org.levels import SCOPE_FIELD
from sanzhang.org.models import Unit

from ..access import relay_scope_q
from ..models import Notice, NoticeRelay, RelayMethod

MAX_BATCH = 5000


def _method(method: str) -> str:
    if method not in RelayMethod.values:
        raise DomainError(_("请选择传达方式：走访、电话、微信或广播"), field="method")
    return method


def _ids(household_ids: Iterable[Any]) -> set[int]:
    parsed = [parse_id(h) for h in household_ids]
    if None in parsed:
        raise DomainError(_("户编号无效"))
    ids = set(parsed)
    if not ids:
        raise DomainError(_("请选择要标记的户"))
    if len(ids) > MAX_BATCH:
        raise DomainError(_("一次最多标记 %(n)d 户") % {"n": MAX_BATCH})
    return ids


def _sent(notice: Notice) -> None:
    if notice.sent_at is None:
        raise DomainError(_("该通知尚未发送"))


def relay_mark(
    user: Any,
    notice: Notice,
    household_ids: Iterable[Any],
    method: str,
    *,
    now: datetime | None = None,
) -> int:
    """Mark the given households relayed; return how many changed (0 on a repeat)."""
    method = _method(method)
    ids = _ids(household_ids)
    _sent(notice)
    scope = relay_scope_q(user)
    if scope is None:
        raise NotFound(_("找不到该通知"))
    now = now or timezone.now()
    with transaction.atomic():
        rows = NoticeRelay.objects.filter(notice=notice, household_id__in=ids)
        mine = set(rows.filter(scope).values_list("household_id", flat=True))
        if mine != ids:
            raise DomainError(
                _(
                    "有 %(n)d 户不在您负责的范围内或不在本通知的传达名单中，"
                    "本次未做任何标记"
                )
                % {"n": len(ids - mine)}
            )
        return rows.filter(relayed_at__isnull=True).update(
            relayed_at=now, method=method, relayed_by=user
        )


def relay_mark_all(
    user: Any,
    notice: Notice,
    method: str,
    *,
    unit: Unit | None = None,
    now: datetime | None = None,
) -> int:
    """Mark every unrelayed household of the notice in the user's scope (or inside
    `unit`, which must lie in it) relayed."""
    method = _method(method)
    _sent(notice)
    scope = relay_scope_q(user)
    if scope is None:
        raise NotFound(_("找不到该通知"))
    rows = NoticeRelay.objects.filter(scope, notice=notice, relayed_at__isnull=True)
    if unit is not None:
        rows = rows.filter(**{SCOPE_FIELD[unit.level]: unit.pk})
    with transaction.atomic():
        return rows.update(
            relayed_at=timezone.now() if now is None else now,
            method=method,
            relayed_by=user,
        )
