"""Notifications: the in-app inbox always, plus each township's outside channels
(generic webhook, WeCom group robot) through an outbox that is retried until sent.

Rows are written in the transaction of the act they announce, so a committed act always
has its notifications and a rolled-back one has none. Channel messages carry no names,
phones or case text: only the case number, category, step and deadline.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from ..models import Case, Notification, NotifyChannel, OutboxMessage

MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 5


def notify(
    *,
    case: Case | None,
    township_id: int,
    user_ids: Iterable[int],
    text: str,
    now: datetime | None = None,
    channel_text: str | None = None,
) -> None:
    """Put `text` in each user's inbox and queue it on the township's channels."""
    now = now or timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=uid,
                township_id=township_id,
                case=case,
                text=text[:300],
                created_at=now,
            )
            for uid in sorted(set(user_ids))
        ]
    )
    # Case messages go to the township's own channels, never into residents' chats.
    channels = NotifyChannel.objects.filter(
        township_id=township_id, is_active=True, unit=None
    )
    OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                channel=ch,
                township_id=township_id,
                case=case,
                text=channel_text or text,
                next_attempt_at=now,
                created_at=now,
            )
            for ch in channels
        ]
    )


def _payload(channel: NotifyChannel, message: OutboxMessage) -> dict[str, Any]:
    if channel.kind == NotifyChannel.Kind.WECOM:
        return {"msgtype": "text", "text": {"content": message.text}}
    return {
        "event": "case",
        "case_id": message.case_id,
        "township_id": message.township_id,
        "text": message.text,
        "message_id": message.pk,
    }


def _send(channel: NotifyChannel, message: OutboxMessage) -> None:
    """POST the message; raise on any failure (HTTP error, WeCom errcode != 0)."""
    if not channel.url.startswith(("http://", "https://")):
        raise ValueError("bad channel url")
    body = json.dumps(_payload(channel, message), ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        channel.url,
        data=body,
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        raw = response.read(65536)
    if channel.kind == NotifyChannel.Kind.WECOM:
        reply = json.loads(raw or b"{}")
        if reply.get("errcode", 0) != 0:
            raise RuntimeError(f"wecom errcode {reply.get('errcode')}")


def backoff(attempts: int) -> timedelta:
    """Pause before the next try: 1, 2, 4 ... minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def outbox_deliver(
    *,
    now: datetime | None = None,
    limit: int = 200,
    only: Iterable[int] | None = None,
) -> dict[str, int]:
    """Try each due message once (or just the messages `only` names); count sent,
    retried later and given up."""
    now = now or timezone.now()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    due = OutboxMessage.objects.filter(
        status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now
    )
    if only is not None:
        due = due.filter(pk__in=list(only))
    due = due.select_related("channel").order_by("next_attempt_at", "id")[:limit]
    for message in due:
        attempts = message.attempts + 1
        try:
            _send(message.channel, message)
        except Exception as exc:  # noqa: BLE001 - any failure means "try again later"
            failed = attempts >= MAX_ATTEMPTS
            OutboxMessage.objects.filter(pk=message.pk).update(
                attempts=attempts,
                last_error=f"{type(exc).__name__}: {exc}"[:300],
                next_attempt_at=now + backoff(attempts),
                status=OutboxMessage.Status.FAILED
                if failed
                else OutboxMessage.Status.PENDING,
            )
            counts["failed" if failed else "retry"] += 1
        else:
            OutboxMessage.objects.filter(pk=message.pk).update(
                attempts=attempts,
                status=OutboxMessage.Status.SENT,
                sent_at=now,
                last_error="",
            )
            counts["sent"] += 1
    return counts
