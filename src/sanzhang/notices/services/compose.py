"""Writing a notice: a draft (idempotent on `client_key`) with its target, tag filter
and attachments; deleting a draft. Sending is services/send.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from sanzhang.core.errors import DomainError, NotFound
from sanzhang.org.models import Tag, Unit

from ..access import may_manage, may_send
from ..models import Notice, NoticeAttachment
from .attachments import (
    MAX_COUNT,
    attachment_check,
    attachment_remove,
    attachment_store,
)

TITLE_MAX = 80
BODY_MAX = 4000


def _key(client_key: Any) -> uuid.UUID:
    try:
        return (
            client_key if isinstance(client_key, uuid.UUID) else uuid.UUID(client_key)
        )
    except (ValueError, TypeError, AttributeError):
        raise DomainError(_("提交编号无效，请刷新页面后重试")) from None


def usable_tags(township_id: int) -> list[Tag]:
    """Tags a notice may be filtered by: not sensitive (the chiefs who relay would learn
    from their list which households carry a tag they may not see)."""
    return list(
        Tag.objects.filter(
            Q(township=None) | Q(township_id=township_id), is_sensitive=False
        ).order_by("sort_order", "id")
    )


def _clean(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise DomainError(_("请填写通知标题"), field="title")
    if len(title) > TITLE_MAX:
        raise DomainError(_("标题不超过 %(n)d 个字") % {"n": TITLE_MAX}, field="title")
    if not body:
        raise DomainError(_("请填写通知正文"), field="body")
    if len(body) > BODY_MAX:
        raise DomainError(_("正文不超过 %(n)d 个字") % {"n": BODY_MAX}, field="body")
    return title, body


def notice_create(
    *,
    by: Any,
    client_key: Any,
    unit: Unit,
    title: str,
    body: str,
    tag_ids: Iterable[Any] = (),
    files: Iterable[Any] = (),
) -> tuple[Notice, bool]:
    """Save a draft. The same `client_key` again returns the first draft, unchanged."""
    key = _key(client_key)
    existing = Notice.objects.filter(client_key=key).first()
    if existing is not None:
        if existing.created_by_id != getattr(by, "pk", None):
            raise DomainError(_("提交编号已被使用，请刷新页面后重试"))
        return existing, False
    if not unit.is_active or not may_send(by, unit):
        raise NotFound(_("找不到该单元"))
    title, body = _clean(title, body)
    allowed = {t.pk: t for t in usable_tags(unit.township_id)}
    try:
        wanted = {int(t) for t in tag_ids if str(t).strip()}
    except (TypeError, ValueError):
        raise DomainError(_("标签无效"), field="tags") from None
    if wanted - allowed.keys():
        raise DomainError(_("所选标签不可用于筛选通知对象"), field="tags")
    files = [f for f in files if f]
    if len(files) > MAX_COUNT:
        raise DomainError(_("附件最多 %(n)d 个") % {"n": MAX_COUNT}, field="files")
    checked = [attachment_check(f) for f in files]  # refuse before anything is written
    stored: list[str] = []
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                client_key=key,
                unit=unit,
                township_id=unit.township_id,
                village_id=unit.village_id,
                area_id=unit.area_id,
                villager_group_id=unit.villager_group_id,
                neighborhood_id=unit.neighborhood_id,
                title=title,
                body=body,
                created_by=by,
            )
            notice.tags.set([allowed[t] for t in sorted(wanted)])
            for c in checked:
                stored.append(attachment_store(c))
                NoticeAttachment.objects.create(
                    notice=notice,
                    file=stored[-1],
                    name=c.name,
                    content_type=c.content_type,
                    size=len(c.data),
                    uploaded_by=by,
                )
    except IntegrityError:
        for name in stored:
            attachment_remove(name)
        again = Notice.objects.filter(client_key=key).first()  # a racing double submit
        if again is None:
            raise
        return again, False
    except BaseException:
        for name in stored:
            attachment_remove(name)
        raise
    return notice, True


def notice_delete_draft(*, by: Any, notice: Notice) -> None:
    if not may_manage(by, notice):
        raise NotFound(_("找不到该通知"))
    if not notice.is_draft:
        raise DomainError(_("已发送的通知不能删除"))
    names = list(notice.attachments.values_list("file", flat=True))
    with transaction.atomic():
        notice.delete()
    for name in names:
        attachment_remove(name)
