"""Recording a visit: idempotent on the phone's key, checked before anything is
written, and, when a need was found, the case raised in the same transaction."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhang.cases.models import Category
from sanzhang.cases.services.intake import IdempotencyMismatch, case_report
from sanzhang.cases.states import Source
from sanzhang.core.errors import DomainError, NotFound
from sanzhang.org.levels import ANCESTOR_FIELDS, SCOPE_FIELD
from sanzhang.org.models import Household

from ..access import VisitAction, may
from ..models import Visit, VisitCampaign, VisitKind

MAX_PEOPLE_SERVED = 50
MAX_TEXT = 2000
MAX_DAYS_BACK = 366  # a visit is logged within a year, or it is not a visit log
# Case keys derive from the visit's key, so a retried visit finds its case again.
CASE_KEY_NAMESPACE = uuid.UUID("6f1c3d2e-8a47-4c1b-9a51-7b0a3c9e4d10")


def _key(client_key: uuid.UUID | str) -> uuid.UUID:
    try:
        return (
            client_key
            if isinstance(client_key, uuid.UUID)
            else uuid.UUID(str(client_key))
        )
    except ValueError:
        raise DomainError(_("提交编号无效")) from None


def _date(value: date | str | None, today: date) -> date:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise DomainError(_("走访日期格式不正确"), field="visited_on") from None
    if value is None:
        raise DomainError(_("请填写走访日期"), field="visited_on")
    if value > today:
        raise DomainError(_("走访日期不能晚于今天"), field="visited_on")
    if value < today - timedelta(days=MAX_DAYS_BACK):
        raise DomainError(_("走访日期不能早于一年前"), field="visited_on")
    return value


def _people(value: Any) -> int:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError(_("服务人次须为整数"), field="people_served") from None
    if not 1 <= n <= MAX_PEOPLE_SERVED:
        raise DomainError(
            _("服务人次须在 1 到 %(n)s 之间") % {"n": MAX_PEOPLE_SERVED},
            field="people_served",
        )
    return n


def _text(value: str | None, label: str) -> str:
    text = (value or "").strip()
    if len(text) > MAX_TEXT:
        raise DomainError(_("%(f)s过长（最多 2000 字）") % {"f": label})
    return text


def _body_hash(fields: dict[str, Any]) -> str:
    raw = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def _existing(key: uuid.UUID, body_hash: str) -> Visit | None:
    visit = Visit.objects.filter(client_key=key).first()
    if visit is None:
        return None
    if visit.body_hash != body_hash:
        raise IdempotencyMismatch(
            _("该提交编号已用于另一条不同的走访记录，请刷新页面后重新登记")
        )
    return visit


def _check_campaign(
    campaign: VisitCampaign | None, household: Household, on: date
) -> None:
    if campaign is None:
        return
    if (
        campaign.township_id != household.township_id
        or getattr(household, SCOPE_FIELD[campaign.unit.level]) != campaign.unit_id
    ):
        raise DomainError(_("该户不在此走访活动的范围内"))
    if not campaign.starts_on <= on <= campaign.ends_on:
        raise DomainError(_("走访日期不在该走访活动期间内"))


def visit_record(
    *,
    by: Any,
    client_key: uuid.UUID | str,
    household: Household,
    kind: str,
    visited_on: date | str | None,
    people_served: Any = 1,
    notes: str = "",
    needs: str = "",
    campaign: VisitCampaign | None = None,
    raise_case: bool = False,
    category: Category | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> tuple[Visit, bool]:
    """Record a visit; returns (visit, created). A retry with the same key and body
    returns the first visit; the same key with another body is refused (422). With
    `raise_case`, the need becomes a case (source 走访) linked to the visit; both are
    written or neither."""
    key = _key(client_key)
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    if kind not in VisitKind.values:
        raise DomainError(_("请选择走访方式"), field="kind")
    on = _date(visited_on, today)
    served = _people(people_served)
    notes = _text(notes, _("情况记录"))
    needs = _text(needs, _("发现诉求"))
    if raise_case:
        if not needs:
            raise DomainError(_("登记事件须填写发现的诉求"), field="needs")
        if category is None:
            raise DomainError(_("请选择事件分类"), field="category")
        if not category.is_active or category.township_id != household.township_id:
            raise DomainError(_("请选择本乡镇的事件分类"), field="category")
    fields = {
        "household": household.pk,
        "kind": kind,
        "on": on.isoformat(),
        "served": served,
        "notes": notes,
        "needs": needs,
        "campaign": campaign.pk if campaign else None,
        "category": category.pk if raise_case and category else None,
    }
    body_hash = _body_hash(fields)
    existing = _existing(key, body_hash)
    if existing is not None:
        return existing, False
    # Same message for "not there" and "not yours", so scope does not leak.
    if not household.is_active or not may(by, VisitAction.RECORD, household):
        raise NotFound(_("找不到该户"))
    _check_campaign(campaign, household, on)

    visit = Visit(
        client_key=key,
        body_hash=body_hash,
        household=household,
        recorded_by=by,
        kind=kind,
        visited_on=on,
        people_served=served,
        notes=notes,
        needs=needs,
        campaign=campaign,
        **{f: getattr(household, f) for f in ANCESTOR_FIELDS},
    )
    try:
        with transaction.atomic():
            if raise_case and category is not None:
                case, _created = case_report(
                    by=by,
                    client_key=uuid.uuid5(CASE_KEY_NAMESPACE, str(key)),
                    category=category,
                    text=needs,
                    household=household,
                    source=Source.VISIT,
                    now=now,
                )
                visit.case = case
            visit.save(force_insert=True)
    except IntegrityError:
        # A retry racing this one inserted the key first.
        existing = _existing(key, body_hash)
        if existing is None:
            raise
        return existing, False
    return visit, True
