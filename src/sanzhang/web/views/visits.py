"""走访 pages, phone first: my households to visit and the few-tap form, coverage per
unit, campaigns with household-by-household progress, the visits ledger (+ .xlsx) and
the township's care-interval settings. All reads and writes go through visits'
access, selectors and services; anything out of scope is a 404, like a missing one."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhang.cases.services.categories import categories_for
from sanzhang.core.errors import DomainError, NotFound
from sanzhang.core.parsing import parse_day, parse_id
from sanzhang.org.access import access_for
from sanzhang.org.levels import Level
from sanzhang.org.models import Household, Post, Role, Tag, Unit, User
from sanzhang.org.policy import Action
from sanzhang.visits import selectors as sel
from sanzhang.visits.access import (
    VisitAction,
    campaigns_visible_to,
    get_campaign_for,
    get_household_for,
    get_unit_for,
    households_recordable,
    may,
    root_units,
    visits_visible_to,
)
from sanzhang.visits.models import CareInterval, VisitKind
from sanzhang.visits.services.campaigns import campaign_create
from sanzhang.visits.services.export import ledger_export
from sanzhang.visits.services.record import visit_record
from sanzhang.visits.services.settings import care_defaults_install, settings_update

from ..scope import scoped

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TO_VISIT = 60
CHIEF_ROWS = 100  # households listed on the home page and offered in the form


def _404(exc: NotFound) -> Http404:
    return Http404(exc.message)


def _to_visit(user: Any, today: date) -> list[Household]:
    """My households, overdue care households first, then the longest unvisited."""
    mine = households_recordable(user)
    townships = sorted(
        {u.township_id or u.pk for u in root_units(user, VisitAction.RECORD)}
    )
    care: list[Household] = []
    for township_id in townships:
        care += list(
            sel.care_overdue(mine.filter(township_id=township_id), township_id, today)[
                :TO_VISIT
            ]
        )
    for h in care:
        h.overdue_care = True
    rest = sel.longest_unvisited(mine.exclude(pk__in=[h.pk for h in care]), TO_VISIT)
    every = {
        t: sel.settings_for(t).household_interval_days for t in townships
    }  # ordinary interval
    for h in rest:
        days = every.get(h.township_id, 30)
        h.overdue = h.last_visit is None or h.last_visit <= today - timedelta(days=days)
    return (care + rest)[:TO_VISIT]


def _open_campaigns(user: Any, today: date):
    return campaigns_visible_to(user).filter(starts_on__lte=today, ends_on__gte=today)


def _form_context(request: HttpRequest, today: date) -> dict[str, Any]:
    user = request.user
    households = _to_visit(user, today)
    chosen = request.POST.get("household") or request.GET.get("household", "")
    if parse_id(chosen) and all(str(h.pk) != chosen for h in households):
        try:
            households.insert(0, get_household_for(user, chosen))
        except NotFound as exc:
            raise _404(exc) from None
    townships = sorted({h.township_id for h in households})
    return {
        "households": households,
        "chosen": chosen,
        "kinds": VisitKind.choices,
        "categories": [c for t in townships for c in categories_for(t)],
        "campaigns": list(_open_campaigns(user, today).select_related("unit")),
        "client_key": uuid.uuid4(),
        "today": today,
        "form": {"visited_on": today.isoformat(), "people_served": "1"},
    }


def _name_roles(posts: Iterable[Post]) -> None:
    """Attach `.role_name`. get_role_display rebuilds and hashes the whole list of
    role choices (lazy translations) on every call; with 200 rows that was ~10 ms of
    the township coverage page."""
    names = {value: str(label) for value, label in Role.choices}
    for p in posts:
        p.role_name = names.get(p.role, p.role)


@scoped(None)
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may(user, VisitAction.COVERAGE):
        raise Http404("")
    today = timezone.localdate()
    context: dict[str, Any] = {
        "roots": root_units(user, VisitAction.COVERAGE),
        "may_record": may(user, VisitAction.RECORD),
        "may_ledger": may(user, VisitAction.LEDGER),
        "settings_units": [
            u
            for u in root_units(user, VisitAction.SETTINGS)
            if u.level == Level.TOWNSHIP
        ],
        "quiet": sel.quiet_chiefs_for(user, today)[:50],
    }
    _name_roles(context["quiet"])
    if context["may_record"]:
        context.update(_form_context(request, today))
    if request.method == "POST" and context["may_record"]:
        return _record(request, context, today)
    return render(request, "web/visits/home.html", context)


def _record(request: HttpRequest, context: dict[str, Any], today: date) -> HttpResponse:
    p = request.POST
    context["form"] = p
    context["client_key"] = p.get("client_key", "")
    raise_case = p.get("raise_case") == "1"
    try:
        household = get_household_for(request.user, p.get("household", ""))
    except NotFound:
        context["error"] = _("请选择要走访的户")
        return render(request, "web/visits/home.html", context, status=400)
    category = next(
        (c for c in context["categories"] if str(c.pk) == p.get("category")), None
    )
    campaign = None
    if p.get("campaign", "").isdigit():
        campaign = next(
            (c for c in context["campaigns"] if str(c.pk) == p["campaign"]), None
        )
    try:
        visit, _created = visit_record(
            by=request.user,
            client_key=p.get("client_key", ""),
            household=household,
            kind=p.get("kind", ""),
            visited_on=p.get("visited_on", ""),
            people_served=p.get("people_served", ""),
            notes=p.get("notes", ""),
            needs=p.get("needs", ""),
            campaign=campaign,
            raise_case=raise_case,
            category=category,
            today=today,
        )
    except DomainError as exc:
        context["error"] = exc.message
        status = 422 if exc.status_code == 422 else 400
        return render(request, "web/visits/home.html", context, status=status)
    messages.success(request, _("已登记走访：%(a)s") % {"a": household.address})
    if visit.case_id:
        messages.success(
            request,
            _("已登记事件 #%(id)s，可在“我的事件”中跟进") % {"id": visit.case_id},
        )
    return redirect(reverse("web:visit-home") + f"?done={visit.pk}")


@scoped(Action.VIEW_TREE)
def coverage_view(request: HttpRequest, unit: Unit) -> HttpResponse:
    if not may(request.user, VisitAction.COVERAGE, unit):
        raise Http404("")
    today = timezone.localdate()
    township_id = unit.township_id or unit.pk
    households = sel.households_in(unit)
    intervals = sel.care_intervals(township_id)  # read once for both uses
    overdue = list(sel.care_overdue(households, township_id, today, intervals)[:50])
    _care_tags(request.user, overdue, township_id, intervals)
    settings = sel.settings_for(township_id)
    # A township has a thousand chiefs: show the 100 with the lowest 30-day coverage.
    b = sel.coverage_breakdown(unit, today, chief_limit=CHIEF_ROWS)
    quiet = list(sel.quiet_chiefs(unit, today, settings.quiet_after_days)[:100])
    _name_roles([c.post for c in b.chiefs] + quiet)
    return render(
        request,
        "web/visits/coverage.html",
        {
            "unit": unit,
            "b": b,
            "chiefs": b.chiefs,
            "unvisited": sel.longest_unvisited(households, 20),
            "overdue": overdue,
            "quiet": quiet,
            "quiet_days": settings.quiet_after_days,
            "today": today,
            "start30": today - timedelta(days=29),
            "start90": today - timedelta(days=89),
            "may_ledger": may(request.user, VisitAction.LEDGER, unit),
            "may_record": may(request.user, VisitAction.RECORD, unit),
        },
    )


def _care_tags(
    user: Any,
    households: list[Household],
    township_id: int,
    intervals: dict[int, int] | None = None,
) -> None:
    """Attach `.care_tags`: the care tags each household carries that the user may
    see (sensitive ones only for area chiefs and up, or the station responsible)."""
    care = set(sel.care_intervals(township_id) if intervals is None else intervals)
    through = Household.tags.through
    by_hh: dict[int, list[Tag]] = {}
    for row in through.objects.filter(
        household_id__in=[h.pk for h in households], tag_id__in=care
    ).select_related("tag"):
        by_hh.setdefault(row.household_id, []).append(row.tag)
    access = access_for(user)
    for h in households:
        h.care_tags = access.visible_tags(h, by_hh.get(h.pk, []))


# --- ledger --------------------------------------------------------------------------
def _parse_date(value: str) -> date | None:
    return parse_day(value)


def _ledger_filter(request: HttpRequest) -> sel.VisitFilter:
    g = request.GET
    unit = None
    if parse_id(g.get("unit")):
        try:
            unit = get_unit_for(request.user, g["unit"], VisitAction.LEDGER)
        except NotFound as exc:
            raise _404(exc) from None
    return sel.VisitFilter(
        unit=unit,
        start=_parse_date(g.get("start", "")),
        end=_parse_date(g.get("end", "")),
        kind=g.get("kind", "") if g.get("kind", "") in VisitKind.values else "",
        person=parse_id(g.get("person")),
        household=parse_id(g.get("household")),
        campaign=parse_id(g.get("campaign")),
    )


@scoped(None)
def ledger(request: HttpRequest) -> HttpResponse:
    if not may(request.user, VisitAction.LEDGER):
        raise Http404("")
    f = _ledger_filter(request)
    qs = sel.visit_list(visits_visible_to(request.user), f)
    page = Paginator(
        qs.select_related("household", "recorded_by", "case"), 30
    ).get_page(request.GET.get("page"))
    # Named only if they recorded a visit this user may see: the filter must not
    # become a way to look up any account's name by its id.
    person = (
        User.objects.filter(
            pk=f.person,
            pk__in=visits_visible_to(request.user).values("recorded_by_id"),
        ).first()
        if f.person
        else None
    )
    return render(
        request,
        "web/visits/ledger.html",
        {
            "page": page,
            "f": f,
            "counts": sel.visit_counts(qs),
            "kinds": VisitKind.choices,
            "person": person,
            "roots": root_units(request.user, VisitAction.LEDGER),
            "query": request.GET.urlencode(),
        },
    )


@scoped(None)
def ledger_xlsx(request: HttpRequest) -> HttpResponse:
    if not may(request.user, VisitAction.LEDGER):
        raise Http404("")
    f = _ledger_filter(request)
    data, _rows = ledger_export(
        by=request.user, f=f, ip=request.META.get("REMOTE_ADDR")
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="visits-{stamp}.xlsx"'
    return response


# --- campaigns -----------------------------------------------------------------------
@scoped(None)
def campaigns(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may(user, VisitAction.COVERAGE):
        raise Http404("")
    units = root_units(user, VisitAction.CAMPAIGN)
    context: dict[str, Any] = {
        "campaigns": campaigns_visible_to(user).select_related("unit")[:100],
        "units": units,
        "form": {},
        "today": timezone.localdate(),
    }
    if request.method == "POST":
        p = request.POST
        context["form"] = p
        try:
            unit = get_unit_for(user, p.get("unit", ""), VisitAction.CAMPAIGN)
            camp = campaign_create(
                by=user,
                unit=unit,
                name=p.get("name", ""),
                starts_on=p.get("starts_on", ""),
                ends_on=p.get("ends_on", ""),
                note=p.get("note", ""),
            )
        except NotFound:
            context["error"] = _("请选择目标单元")
        except DomainError as exc:
            context["error"] = exc.message
        else:
            messages.success(request, _("已发起走访活动"))
            return redirect("web:visit-campaign", campaign_id=camp.pk)
        return render(request, "web/visits/campaigns.html", context, status=400)
    return render(request, "web/visits/campaigns.html", context)


def _progress_scope(user: Any) -> Any:
    """The campaign's households the user may see: its target within their scope."""
    q: Q | None = None
    for unit in root_units(user, VisitAction.COVERAGE):
        part = Q(**{sel.SCOPE_FIELD[unit.level]: unit.pk})
        q = part if q is None else q | part
    base = Household.objects.filter(is_active=True)
    return base.none() if q is None else base.filter(q)


@scoped(None)
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    try:
        campaign = get_campaign_for(request.user, campaign_id)
    except NotFound as exc:
        raise _404(exc) from None
    rows = sel.campaign_progress(campaign, _progress_scope(request.user))
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    total = rows.count()
    done = rows.filter(done_on__isnull=False).count()
    return render(
        request,
        "web/visits/campaign.html",
        {
            "campaign": campaign,
            "page": page,
            "total": total,
            "done": done,
            "rate": sel.rate(done, total),
            "may_record": may(request.user, VisitAction.RECORD),
        },
    )


# --- settings ------------------------------------------------------------------------
@scoped(Action.VIEW_TREE)
def settings_view(request: HttpRequest, unit: Unit) -> HttpResponse:
    if unit.level != Level.TOWNSHIP or not may(
        request.user, VisitAction.SETTINGS, unit
    ):
        raise Http404("")
    care_defaults_install(unit.pk)
    tags = list(
        Tag.objects.filter(Q(township=None) | Q(township=unit), is_sensitive=False)
    )
    context: dict[str, Any] = {"unit": unit, "tags": tags}
    status = 200
    if request.method == "POST":
        p = request.POST
        try:
            settings_update(
                by=request.user,
                township=unit,
                intervals={t.pk: p.get(f"tag-{t.pk}", "") for t in tags},
                household_interval_days=p.get("household_interval_days", ""),
                quiet_after_days=p.get("quiet_after_days", ""),
            )
        except DomainError as exc:
            context["error"] = exc.message
            status = 400
        else:
            messages.success(request, _("走访设置已保存"))
            return redirect("web:visit-settings", unit_id=unit.pk)
    days = dict(
        CareInterval.objects.filter(township=unit).values_list("tag_id", "days")
    )
    for t in tags:
        t.care_days = days.get(t.pk)
    context["settings"] = sel.settings_for(unit.pk)
    return render(request, "web/visits/settings.html", context, status=status)


urlpatterns = [
    path("visits/", home, name="visit-home"),
    path("visits/units/<int:unit_id>/", coverage_view, name="visit-coverage"),
    path("visits/ledger/", ledger, name="visit-ledger"),
    path("visits/ledger.xlsx", ledger_xlsx, name="visit-ledger-xlsx"),
    path("visits/campaigns/", campaigns, name="visit-campaigns"),
    path("visits/campaigns/<int:campaign_id>/", campaign_detail, name="visit-campaign"),
    path("visits/settings/<int:unit_id>/", settings_view, name="visit-settings"),
]
