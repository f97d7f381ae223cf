"""A township's outside channels (generic webhook, WeCom group robot): add, switch on
and off, send a test message. What goes through them is in services/notify.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhang.core.audit import audit_record
from sanzhang.core.errors import DomainError
from sanzhang.org.levels import Level
from sanzhang.org.models import Unit

from ..models import NotifyChannel, OutboxMessage
from .notify import outbox_deliver

# The WeCom robot's address: anything else for that kind is a typo or a wrong paste.
WECOM_HOST = "qyapi.weixin.qq.com"


def _clean(kind: str, name: str, url: str) -> tuple[str, str, str]:
    if kind not in NotifyChannel.Kind.values:
        raise DomainError(_("请选择渠道类型"))
    name = " ".join((name or "").split())[:60]
    if not name:
        raise DomainError(_("请填写渠道名称"))
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
        raise DomainError(_("地址须以 http:// 或 https:// 开头，且不超过 500 个字符"))
    if kind == NotifyChannel.Kind.WECOM and (
        parts.scheme != "https"
        or parts.hostname != WECOM_HOST
        or "key=" not in parts.query
    ):
        raise DomainError(
            _("企业微信群机器人地址应形如 https://%(host)s/cgi-bin/webhook/send?key=…")
            % {"host": WECOM_HOST}
        )
    return kind, name, url


CHAT_LEVELS = (Level.AREA, Level.GROUP, Level.NEIGHBORHOOD)


def _chat(township: Unit, chat_id: Any) -> Unit | None:
    """The 片/组/邻 chat a robot posts into; empty means the township's own channel."""
    if chat_id in (None, ""):
        return None
    chat = Unit.objects.filter(
        pk=int(chat_id) if str(chat_id).isdigit() else 0,
        township=township,
        level__in=CHAT_LEVELS,
        is_active=True,
    ).first()
    if chat is None:
        raise DomainError(_("所在群须是本乡镇的片、组或邻"))
    return chat


def channel_add(
    *,
    township: Unit,
    by: Any,
    kind: str,
    name: str,
    url: str,
    chat_id: Any = None,
) -> NotifyChannel:
    kind, name, url = _clean(kind, name, url)
    chat = _chat(township, chat_id)
    with transaction.atomic():
        channel = NotifyChannel.objects.create(
            township=township, unit=chat, kind=kind, name=name, url=url
        )
        audit_record(
            by=by, action="channel.add", obj=channel, township_id=township.pk, name=name
        )
    return channel


def channel_set_active(*, channel: NotifyChannel, by: Any, active: bool) -> None:
    with transaction.atomic():
        NotifyChannel.objects.filter(pk=channel.pk).update(is_active=active)
        audit_record(
            by=by,
            action="channel.on" if active else "channel.off",
            obj=channel,
            township_id=channel.township_id,
            name=channel.name,
        )


def channel_test(*, channel: NotifyChannel, by: Any) -> OutboxMessage:
    """Queue a test message and try it at once; the outbox row tells how it went."""
    now = timezone.now()
    message = OutboxMessage.objects.create(
        channel=channel,
        township_id=channel.township_id,
        text=_("【三长制平台】测试消息：渠道“%(name)s”已接通。")
        % {"name": channel.name},
        next_attempt_at=now,
        created_at=now,
    )
    audit_record(
        by=by,
        action="channel.test",
        obj=channel,
        township_id=channel.township_id,
        name=channel.name,
    )
    outbox_deliver(now=now, only=[message.pk])
    message.refresh_from_db()
    return message
