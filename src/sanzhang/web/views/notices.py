"""Notices (上传下达) on the phone: the list (sent by me / to relay by me), compose with
a target picker and a confirm step, the detail with progress per child unit down to the
household, the chief's relay page (one big button per household, or all at once), and
the ledger with filters and .xlsx export."""

from __future__ import annotations

import uuid
from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanzhang.core.errors import DomainError, NotFound
from sanzhang.core.parsing import parse_day, parse_id
from sanzhang.notices.access import (
    NoticeAction,
    get_notice_for,
    may_manage,
    may_relay,
    may_send,
    notice_grants,
    progress_root,
    unit_in,
)
from sanzhang.notices.models import Notice, NoticeAttachment, RelayMethod
from sanzhang.notices.selectors import (
    LedgerFilter,
    household_rows,
    ledger,
    my_pending,
    my_relays,
    progress_by_child,
    progress_total,
    sent_by_me,
)
from sanzhang.notices.services.attachments import MAX_COUNT, attachment_path
from sanzhang.notices.services.compose import (
    notice_create,
    notice_delete_draft,
    usable_tags,
)
from sanzhang.notices.services.export import ledger_xlsx
from sanzhang.notices.services.relay import relay_mark, relay_mark_all
from sanzhang.notices.services.send import target_households
from sanzhang.org.levels import DEPTH, SCOPE_FIELD, Level
from sanzhang.org.models import Unit, User

from ..scope import scoped

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The picker lists units down to the group; a neighbourhood is reached with ?unit=.
PICKER_DEPTH = DEPTH[Level.GROUP]


def _notice(request: HttpRequest, notice_id: int) -> Notice:
    try:
        return get_notice_for(request.user, notice_id)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _int(value: str | None) -> int | None:
    return parse_id(value)


@scoped(None)
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    can_send, can_relay = may_send(user), may_relay(user)
    if not (can_send or can_relay):
        raise Http404("")
    tab = request.GET.get("tab") or ("relay" if can_relay else "sent")
    context = {"can_send": can_send, "can_relay": can_relay, "tab": tab}
    if tab == "relay" and can_relay:
        context["pending"] = my_pending(
            user, include_done=request.GET.get("all") == "1"
        )
    else:
        context["tab"] = "sent"
        context["page"] = Paginator(
            sent_by_me(user), 30, allow_empty_first_page=True
        ).get_page(request.GET.get("page"))
    return render(request, "web/notices/home.html", context)


def _picker_units(user) -> list[Unit]:
    """Units the user may send to, down to the group, in tree order."""
    out: list[Unit] = []
    for grant in notice_grants(user, NoticeAction.SEND):
        below = Unit.objects.filter(
            **{SCOPE_FIELD[grant.level]: grant.unit_id}, is_active=True
        ).exclude(level=Level.NEIGHBORHOOD)
        out.extend(below.order_by("path", "sort_order"))
    seen: set[int] = set()
    return [u for u in out if not (u.pk in seen or seen.add(u.pk))]


@scoped(None)
def notice_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may_send(user):
        raise Http404("")
    units = _picker_units(user)
    src = request.POST if request.method == "POST" else request.GET
    unit = None
    if _int(src.get("unit")):
        unit = next((u for u in units if u.pk == int(src["unit"])), None)
        if unit is None:  # a neighbourhood (or anything) reached from a link
            unit = Unit.objects.filter(pk=int(src["unit"]), is_active=True).first()
            if unit is None or not may_send(user, unit):
                raise Http404("")
            units = [*units, unit]
    township_id = (unit or units[0]).township_id if units else None
    context = {
        "units": units,
        "unit": unit,
        "tags": usable_tags(township_id) if township_id else [],
        "client_key": uuid.uuid4(),
        "form": {},
        "chosen_tags": set(),
        "max_files": MAX_COUNT,
        "depth_of": DEPTH,
    }
    if request.method != "POST":
        return render(request, "web/notices/new.html", context)
    p = request.POST
    context.update(
        form=p,
        client_key=p.get("client_key", ""),
        chosen_tags=set(p.getlist("tags")),
    )
    try:
        if unit is None:
            raise DomainError(_("请选择发送范围"))
        notice, created = notice_create(
            by=user,
            client_key=p.get("client_key", ""),
            unit=unit,
            title=p.get("title", ""),
            body=p.get("body", ""),
            tag_ids=p.getlist("tags"),
            files=request.FILES.getlist("files"),
        )
    except NotFound:
        raise Http404("") from None
    except DomainError as exc:
        context["error"] = exc.message
        return render(
            request,
            "web/notices/new.html",
            context,
            status=413 if exc.status_code == 413 else 400,
        )
    if not created:
        messages.info(request, _("该通知已保存过，未重复保存"))
    return redirect("web:notice-detail", notice_id=notice.pk)


@scoped(None)
def notice_detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = _notice(request, notice_id)
    user = request.user
    manage = may_manage(user, notice)
    context = {
        "notice": notice,
        "manage": manage,
        "attachments": NoticeAttachment.objects.filter(notice=notice),
        "tags": notice.tags.all(),
    }
    if notice.is_draft:
        if not manage:
            raise Http404("")
        context["target_count"] = target_households(notice).count()
        return render(request, "web/notices/detail.html", context)
    root = progress_root(user, notice)
    if root is None:
        raise Http404("")
    at = root
    if _int(request.GET.get("unit")):
        at = Unit.objects.filter(pk=int(request.GET["unit"])).first()
        if at is None or not unit_in(at, root):
            raise Http404("")
    children = progress_by_child(notice, at)
    show_households = not children or request.GET.get("households") == "1"
    chain = [
        u
        for u in Unit.objects.filter(
            pk__in=[
                at.village_id,
                at.area_id,
                at.villager_group_id,
                at.neighborhood_id,
                at.township_id,
            ]
        )
        if DEPTH[u.level] >= DEPTH[root.level] and DEPTH[u.level] < DEPTH[at.level]
    ]
    chain.sort(key=lambda u: DEPTH[u.level])
    context.update(
        root=root,
        at=at,
        chain=chain,
        total=progress_total(notice, at),
        children=children,
        households=list(household_rows(notice, at)) if show_households else None,
        unpaired=_int(request.GET.get("unpaired")),
        can_relay=my_relays(user, notice).exists(),
    )
    return render(request, "web/notices/detail.html", context)


@scoped(None)
@require_POST
def notice_send_view(request: HttpRequest, notice_id: int) -> HttpResponse:
    from sanzhang.notices.services.send import notice_send

    notice = _notice(request, notice_id)
    if request.POST.get("confirm") != "1":
        messages.error(request, _("请勾选确认后再发送"))
        return redirect("web:notice-detail", notice_id=notice.pk)
    try:
        count = notice_send(notice, by=request.user)
        messages.success(request, _("已发送，共 %(n)d 户待传达") % {"n": count})
    except NotFound:
        raise Http404("") from None
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("web:notice-detail", notice_id=notice.pk)


@scoped(None)
@require_POST
def notice_delete_view(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = _notice(request, notice_id)
    try:
        notice_delete_draft(by=request.user, notice=notice)
    except NotFound:
        raise Http404("") from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("web:notice-detail", notice_id=notice.pk)
    messages.success(request, _("草稿已删除"))
    return redirect("web:notice-list")


@scoped(None)
def notice_relay(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = _notice(request, notice_id)
    user = request.user
    rows = my_relays(user, notice)
    if notice.is_draft or not rows.exists():
        raise Http404("")
    method = request.POST.get("method") or request.GET.get("method") or "visit"
    if request.method == "POST":
        try:
            if request.POST.get("all") == "1":
                n = relay_mark_all(user, notice, method)
            else:
                n = relay_mark(user, notice, request.POST.getlist("household"), method)
            if n:
                messages.success(request, _("已标记 %(n)d 户已传达") % {"n": n})
            else:
                messages.info(request, _("这些户已标记过，无需重复标记"))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(
            f"{request.path}?method={method if method in RelayMethod.values else 'visit'}"
        )
    relays = list(rows)
    done = sum(1 for r in relays if r.relayed_at)
    return render(
        request,
        "web/notices/relay.html",
        {
            "notice": notice,
            "relays": relays,
            "done": done,
            "total": len(relays),
            "methods": RelayMethod.choices,
            "method": method,
        },
    )


@scoped(None)
def notice_attachment(request: HttpRequest, attachment_id: int) -> HttpResponse:
    att = NoticeAttachment.objects.filter(pk=attachment_id).first()
    if att is None:
        raise Http404("")
    _notice(request, att.notice_id)  # 404 unless the notice is visible
    file = attachment_path(att.file)
    if not file.is_file():
        raise Http404("")
    response = FileResponse(
        file.open("rb"),
        content_type=att.content_type,
        as_attachment=att.content_type != "application/pdf"
        and not att.content_type.startswith("image/"),
        filename=att.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _date(value: str | None) -> date | None:
    return parse_day(value)


@scoped(None)
def notice_ledger(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may_send(user):
        raise Http404("")
    g = request.GET
    units = _picker_units(user)
    f = LedgerFilter(
        unit=next((u for u in units if u.pk == _int(g.get("unit"))), None),
        start=_date(g.get("start")),
        end=_date(g.get("end")),
        sender=_int(g.get("sender")),
    )
    qs = ledger(user, f)
    if g.get("format") == "xlsx":
        rows = list(qs[:10000])
        data = ledger_xlsx(
            rows,
            by=user,
            township_id=units[0].township_id if units else None,
            ip=request.META.get("REMOTE_ADDR"),
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = HttpResponse(data, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="notices-{stamp}.xlsx"'
        return response
    senders = User.objects.filter(
        pk__in=ledger(user, LedgerFilter()).values("sent_by_id")
    ).order_by("username")
    page = Paginator(qs, 30, allow_empty_first_page=True).get_page(g.get("page"))
    return render(
        request,
        "web/notices/ledger.html",
        {"page": page, "f": f, "units": units, "senders": senders, "count": qs.count()},
    )


urlpatterns = [
    path("notices/", home, name="notice-list"),
    path("notices/new/", notice_new, name="notice-new"),
    path("notices/ledger/", notice_ledger, name="notice-ledger"),
    path("notices/<int:notice_id>/", notice_detail, name="notice-detail"),
    path("notices/<int:notice_id>/send/", notice_send_view, name="notice-send"),
    path("notices/<int:notice_id>/delete/", notice_delete_view, name="notice-delete"),
    path("notices/<int:notice_id>/relay/", notice_relay, name="notice-relay"),
    path(
        "notices/files/<int:attachment_id>/",
        notice_attachment,
        name="notice-attachment",
    ),
]
