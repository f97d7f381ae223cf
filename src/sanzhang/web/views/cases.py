"""Cases on the phone: record (with the likely duplicate shown first), queues with
filters and search, the case page with its timeline and actions, photos, the inbox,
and the township's category tree."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sanzhang.cases.access import (
    get_case_for,
    may_follow_up,
    may_handle,
    may_manage_categories,
    may_track,
)
from sanzhang.cases.models import Case, CasePhoto, Category, Notification
from sanzhang.cases.selectors import (
    CaseFilter,
    case_duplicates,
    case_list,
    case_timeline,
)
from sanzhang.cases.services.actions import case_act
from sanzhang.cases.services.categories import categories_for, category_update
from sanzhang.cases.services.intake import case_link_household, case_report
from sanzhang.cases.services.photos import photo_path
from sanzhang.cases.states import (
    CaseStatus,
    HandlingLevel,
    Satisfaction,
    Source,
    moves_from,
)
from sanzhang.core.errors import DomainError, NotFound
from sanzhang.org.access import access_for, get_household_for, get_unit_for
from sanzhang.org.models import Station, Unit

from ..scope import scoped

QUEUES = [
    ("mine", gettext_lazy("我的事件")),
    ("village", gettext_lazy("村级待办")),
    ("station", gettext_lazy("乡站所")),
    ("tracked", gettext_lazy("重难点")),
    ("all", gettext_lazy("全部")),
]


def _case(request: HttpRequest, case_id: int):
    try:
        return get_case_for(request.user, case_id)
    except NotFound as exc:
        raise Http404(exc.message) from None


@scoped(None)
def case_list_view(request: HttpRequest) -> HttpResponse:
    g = request.GET
    f = CaseFilter(
        queue=g.get("queue", "mine") if g.get("queue", "mine") != "all" else "",
        status=g.get("status", ""),
        category=int(g["category"]) if g.get("category", "").isdigit() else None,
        overdue=g.get("overdue") == "1",
        level=g.get("level", ""),
        unit=int(g["unit"]) if g.get("unit", "").isdigit() else None,
        q=g.get("q", "").strip()[:60],
    )
    try:
        qs = case_list(request.user, f)
    except NotFound as exc:
        raise Http404(exc.message) from None
    page = Paginator(qs, 30, allow_empty_first_page=True).get_page(g.get("page"))
    roots = access_for(request.user).root_units()
    townships = sorted({u.township_id for u in roots if u.township_id})
    return render(
        request,
        "web/cases/case_list.html",
        {
            "page": page,
            "f": f,
            "queue": g.get("queue", "mine"),
            "queues": QUEUES,
            "statuses": CaseStatus.choices,
            "levels": HandlingLevel.choices,
            "categories": [
                c for t in townships for c in categories_for(t) if not c.parent_id
            ],
            "unread": Notification.objects.filter(
                user=request.user, read_at=None
            ).count(),
        },
    )


def _where(request: HttpRequest):
    """The household or unit the new case is about, from ?household= or ?unit=."""
    src = request.POST if request.method == "POST" else request.GET
    try:
        if src.get("household", "").isdigit():
            household = get_household_for(request.user, src["household"])
            return household, None
        if src.get("unit", "").isdigit():
            return None, get_unit_for(request.user, src["unit"])
    except NotFound as exc:
        raise Http404(exc.message) from None
    roots = access_for(request.user).root_units()
    if roots:
        return None, roots[0]
    own = access_for(request.user).own_household_id
    if own:
        return get_household_for(request.user, own), None
    raise Http404("")


def _already_sent(key: str) -> bool:
    """A double submit of a recorded case skips the duplicate check (it is that case)."""
    try:
        return Case.objects.filter(client_key=uuid.UUID(key)).exists()
    except ValueError:
        return False


@scoped(None)
def case_new(request: HttpRequest) -> HttpResponse:
    household, unit = _where(request)
    township_id = (household or unit).township_id
    categories = categories_for(township_id)
    context = {
        "household": household,
        "place_unit": unit,
        "categories": categories,
        "sources": Source.choices,
        "satisfactions": Satisfaction.choices,
        "client_key": uuid.uuid4(),
        "form": {},
        "max_photos": 9,
    }
    if request.method != "POST":
        return render(request, "web/cases/case_new.html", context)
    p = request.POST
    context["form"] = p
    context["client_key"] = p.get("client_key", "")
    category = next((c for c in categories if str(c.pk) == p.get("category")), None)
    try:
        if category is None:
            raise DomainError(_("请选择事件分类"))
        nb = (
            household.neighborhood_id
            if household
            else (unit.pk if unit.level == "neighborhood" else None)
        )
        if (
            p.get("confirm_new") != "1"
            and not p.get("answer", "").strip()
            and not _already_sent(p.get("client_key", ""))
        ):
            dups = list(
                case_duplicates(
                    user=request.user, neighborhood_id=nb, category_id=category.pk
                )
            )
            if dups:
                context["duplicates"] = dups
                return render(request, "web/cases/case_new.html", context)
        resident = None
        if household and p.get("resident", "").isdigit():
            resident = household.members.filter(pk=int(p["resident"])).first()
        case, created = case_report(
            by=request.user,
            client_key=p.get("client_key", ""),
            category=category,
            text=p.get("text", ""),
            household=household,
            unit=unit,
            resident=resident,
            is_anonymous=p.get("is_anonymous") == "1",
            source=p.get("source", Source.VISIT),
            place=p.get("place", ""),
            answer=p.get("answer", ""),
            satisfaction=p.get("satisfaction", "")
            if p.get("answer", "").strip()
            else "",
            photos=request.FILES.getlist("photos"),
            urgent=p.get("urgent") == "1",
        )
    except DomainError as exc:
        context["error"] = exc.message
        return render(
            request,
            "web/cases/case_new.html",
            context,
            status=422 if exc.status_code == 422 else 400,
        )
    if created:
        messages.success(request, _("已登记事件 #%(id)s") % {"id": case.pk})
    else:
        messages.info(request, _("该事件已登记过，未重复登记"))
    return redirect("web:case-detail", case_id=case.pk)


@scoped(None)
@require_POST
def case_link_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    try:
        household = get_household_for(request.user, request.POST.get("household", ""))
        case_link_household(case=case, household=household, by=request.user)
        messages.success(
            request, _("已关联到事件 #%(id)s，未新建记录") % {"id": case.pk}
        )
    except NotFound as exc:
        raise Http404(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("web:case-detail", case_id=case.pk)


@scoped(None)
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    user = request.user
    moves = {m.value for m in moves_from(case.status)}
    can_handle = may_handle(user, case)
    stations = Station.objects.filter(township_id=case.township_id).order_by(
        "sort_order"
    )
    return render(
        request,
        "web/cases/case_detail.html",
        {
            "case": case,
            "events": case_timeline(case),
            "photos": CasePhoto.objects.filter(case=case),
            "affected": case.affected.select_related("household").order_by("id"),
            "merged": case.merged_cases.all(),
            "mediation": getattr(case, "mediation", None) if case.is_dispute else None,
            "parties": case.parties.all() if case.is_dispute else [],
            "can_accept": can_handle and "accept" in moves,
            "can_escalate": can_handle
            and "escalate" in moves
            and case.handling_level != HandlingLevel.STATION,
            "can_return": can_handle
            and "return" in moves
            and case.handling_level == HandlingLevel.STATION,
            "can_refer": can_handle and "refer" in moves,
            "can_resolve": can_handle and "resolve" in moves,
            "can_follow_up": "follow_up" in moves and may_follow_up(user, case),
            "can_track": may_track(user, case) and case.is_open and not case.is_tracked,
            "can_note": (can_handle or may_track(user, case)) and case.is_open,
            "stations": stations,
            "satisfactions": Satisfaction.choices,
            "is_overdue": case.is_open and case.due_at < timezone.now(),
        },
    )


@scoped(None)
@require_POST
def case_act_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    p = request.POST
    try:
        case_act(
            case=case,
            by=request.user,
            action=p.get("action", ""),
            version=int(p.get("version", "0") or 0),
            text=p.get("text", ""),
            station_code=p.get("station_code", ""),
            satisfaction=p.get("satisfaction", ""),
            supervisor_name=p.get("supervisor_name", ""),
        )
        messages.success(request, _("已保存"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("web:case-detail", case_id=case.pk)


@scoped(None)
def case_photo(request: HttpRequest, photo_id: int) -> HttpResponse:
    photo = CasePhoto.objects.filter(pk=photo_id).first()
    if photo is None:
        raise Http404("")
    _case(request, photo.case_id)  # 404 unless the case is visible
    path = photo_path(photo.file)
    if not path.is_file():
        raise Http404("")
    response = FileResponse(path.open("rb"), content_type=photo.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = (
        f'inline; filename="photo-{photo.pk}.{path.suffix[1:]}"'
    )
    return response


@scoped(None)
def inbox(request: HttpRequest) -> HttpResponse:
    rows = list(
        Notification.objects.filter(user=request.user).select_related("case")[:100]
    )
    if request.method == "POST":
        Notification.objects.filter(user=request.user, read_at=None).update(
            read_at=timezone.now()
        )
        return redirect("web:inbox")
    return render(request, "web/cases/inbox.html", {"rows": rows})


@scoped(None)
def category_list(request: HttpRequest, unit: Unit) -> HttpResponse:
    township = unit
    if township.level != "township" or not may_manage_categories(
        request.user, township
    ):
        raise Http404("")
    if request.method == "POST":
        p = request.POST
        category = Category.objects.filter(
            pk=p.get("category"), township=township
        ).first()
        if category is None:
            raise Http404("")
        try:
            category_update(
                category=category,
                by=request.user,
                name=p.get("name"),
                default_level=p.get("default_level"),
                default_station_code=p.get("default_station_code"),
                limit_days=int(p.get("limit_days", ""))
                if p.get("limit_days", "").isdigit()
                else None,
                is_active=p.get("is_active") == "1",
                is_emergency=p.get("is_emergency") == "1",
                urgent_hours=int(p.get("urgent_hours", ""))
                if p.get("urgent_hours", "").isdigit()
                else None,
            )
            messages.success(request, _("已保存"))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("web:case-categories", unit_id=township.pk)
    categories_for(township.pk)
    return render(
        request,
        "web/cases/categories.html",
        {
            "township": township,
            "categories": Category.objects.filter(township=township).order_by(
                "sort_order"
            ),
            "levels": HandlingLevel.choices,
            "stations": Station.objects.filter(township=township),
        },
    )
