"""The township admin's page for outside notification channels (webhook, WeCom robot)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanzhang.cases.access import may_manage_channels
from sanzhang.cases.models import NotifyChannel, OutboxMessage
from sanzhang.cases.services.channels import (
    CHAT_LEVELS,
    channel_add,
    channel_set_active,
    channel_test,
)
from sanzhang.core.errors import DomainError
from sanzhang.org.models import Unit

from ..scope import scoped


def _township(request: HttpRequest, unit: Unit) -> Unit:
    if unit.level != "township" or not may_manage_channels(request.user, unit):
        raise Http404("")
    return unit


@scoped(None)
def channel_list(request: HttpRequest, unit: Unit) -> HttpResponse:
    township = _township(request, unit)
    if request.method == "POST":
        p = request.POST
        try:
            channel_add(
                township=township,
                by=request.user,
                kind=p.get("kind", ""),
                name=p.get("name", ""),
                url=p.get("url", ""),
                chat_id=p.get("chat", ""),
            )
            messages.success(request, _("已添加"))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("web:channels", unit_id=township.pk)
    sent, pending, failed = (
        OutboxMessage.Status.SENT,
        OutboxMessage.Status.PENDING,
        OutboxMessage.Status.FAILED,
    )
    channels = (
        NotifyChannel.objects.filter(township=township)
        .select_related("unit")
        .annotate(
            sent=Count("outbox", filter=Q(outbox__status=sent)),
            pending=Count("outbox", filter=Q(outbox__status=pending)),
            failed=Count("outbox", filter=Q(outbox__status=failed)),
        )
        .order_by("unit__path", "id")
    )
    # Oldest first, so each channel keeps its newest error.
    last_errors = dict(
        OutboxMessage.objects.filter(township=township)
        .exclude(last_error="")
        .order_by("channel_id", "id")
        .values_list("channel_id", "last_error")
    )
    return render(
        request,
        "web/cases/channels.html",
        {
            "township": township,
            "channels": [(c, last_errors.get(c.pk, "")) for c in channels],
            "kinds": NotifyChannel.Kind.choices,
            "chats": Unit.objects.filter(
                township=township, level__in=CHAT_LEVELS, is_active=True
            )
            .select_related("village", "area", "villager_group")
            .order_by("path"),
        },
    )


@require_POST
@scoped(None)
def channel_act(request: HttpRequest, unit: Unit, channel_id: int) -> HttpResponse:
    township = _township(request, unit)
    channel = NotifyChannel.objects.filter(pk=channel_id, township=township).first()
    if channel is None:
        raise Http404("")
    action = request.POST.get("action")
    if action in ("on", "off"):
        channel_set_active(channel=channel, by=request.user, active=action == "on")
        messages.success(request, _("已启用") if action == "on" else _("已停用"))
    elif action == "test":
        message = channel_test(channel=channel, by=request.user)
        if message.status == OutboxMessage.Status.SENT:
            messages.success(request, _("测试消息已发出"))
        else:
            messages.error(
                request,
                _("测试消息未能发出，将自动重试：%(e)s") % {"e": message.last_error},
            )
    return redirect("web:channels", unit_id=township.pk)
