"""统计与红榜 pages: dashboards per role, drill-down lists behind every number, the
township report (page, .xlsx, PDF), ledgers, usage, the red list (weights, appeals,
publishing, public page and A3 poster), annual commendations and stories.

Figures come from sanzhang.reports.metrics only. Every page takes its unit through
@scoped (out of scope = 404, like a missing unit); pages about one object (appeal,
commendation, story) check the object's unit the same way.
"""

from __future__ import annotations

import contextlib
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanzhang.cases.access import get_case_for
from sanzhang.core.clock import today
from sanzhang.core.errors import DomainError, NotFound
from sanzhang.org.access import access_for, get_unit_for
from sanzhang.org.levels import SCOPE_FIELD, Level
from sanzhang.org.models import CHIEF_ROLES, Post, Unit
from sanzhang.org.policy import Action
from sanzhang.reports import metrics
from sanzhang.reports import selectors as sel
from sanzhang.reports.access import ReportAction, may, own_posts
from sanzhang.reports.models import Appeal, Commendation, PublishedRedList, Story
from sanzhang.reports.period import BadPeriod, Period, period_from, span_of
from sanzhang.reports.services import exports, honours
from sanzhang.reports.services import redlist as rl

from ..scope import public, scoped

PDF = "application/pdf"


def _period(request: HttpRequest) -> Period:
    return period_from(
        request.GET.get("start") or None, request.GET.get("end") or None, today=today()
    )


def _bad(request: HttpRequest, exc: DomainError, status: int = 422) -> HttpResponse:
    return render(
        request, "web/reports/bad_input.html", {"error": exc.message}, status=status
    )


def _base_url(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _visible(request: HttpRequest, unit_id: int) -> Unit:
    try:
        return get_unit_for(request.user, unit_id)
    except NotFound as exc:
        raise Http404(exc.message) from None


# --- dashboards ---------------------------------------------------------------------
@scoped(None)
def home(request: HttpRequest) -> HttpResponse:
    roots = access_for(request.user).root_units()
    if len(roots) == 1:
        return redirect("web:report-dashboard", unit_id=roots[0].pk)
    return render(request, "web/reports/home.html", {"roots": roots})


@scoped(Action.VIEW_TREE)
def dashboard(request: HttpRequest, unit: Unit) -> HttpResponse:
    try:
        period = _period(request)
    except BadPeriod as exc:
        return _bad(request, exc)
    is_chief_view = unit.level in (Level.AREA, Level.GROUP, Level.NEIGHBORHOOD)
    board = sel.dashboard(unit, period)
    context: dict[str, Any] = {
        "unit": unit,
        "period": period,
        "tiles": board.tiles,
        "compare": board.compare,
        "charts": board.charts,
        "is_chief_view": is_chief_view,
        "todos": sel.chief_todos(unit) if is_chief_view else None,
        "can_manage": may(request.user, ReportAction.MANAGE, unit),
    }
    return render(request, "web/reports/dashboard.html", context)


@scoped(Action.VIEW_TREE)
def records(request: HttpRequest, unit: Unit, indicator: str) -> HttpResponse:
    ind = metrics.REGISTRY.get(indicator)
    if ind is None:
        raise Http404("")
    try:
        period = _period(request)
    except BadPeriod as exc:
        return _bad(request, exc)
    part = "base" if request.GET.get("part") == "base" and ind.base else "records"
    available = ind.available()
    headers, rows, page = [], [], None
    if available:
        qs = sel.drill_queryset(
            ind, unit, period, part, request.GET.dict(), user=request.user
        )
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
        headers, rows = sel.render_rows(ind, page.object_list)
    return render(
        request,
        "web/reports/records.html",
        {
            "unit": unit,
            "ind": ind,
            "period": period,
            "part": part,
            "value": sel.show(ind, ind.value(unit, period)),
            "headers": headers,
            "rows": rows,
            "page": page,
            "available": available,
            "query": request.GET.urlencode(),
        },
    )


# --- the township report ------------------------------------------------------------
@scoped(Action.VIEW_TREE)
def report(request: HttpRequest, unit: Unit) -> HttpResponse:
    try:
        period = _period(request)
    except BadPeriod as exc:
        return _bad(request, exc)
    return render(
        request,
        "web/reports/report.html",
        {
            "unit": unit,
            "period": period,
            "sections": sel.report_sections(unit, period),
            "ledger_links": _ledger_links(unit),
        },
    )


def _ledger_links(unit: Unit) -> list[tuple[str, str]]:
    out = []
    for label, name in (
        (_("走访台账"), "web:visit-ledger"),
        (_("活动台账"), "web:activity-list"),
        (_("会议台账"), "web:activity-meetings"),
        (_("通知传达台账"), "web:notice-ledger"),
    ):
        # Those ledgers belong to their own apps; list the ones that exist.
        with contextlib.suppress(NoReverseMatch):
            out.append((label, f"{reverse(name)}?unit={unit.pk}"))
    return out


def _download(data: bytes, ctype: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@scoped(Action.VIEW_TREE)
def report_xlsx(request: HttpRequest, unit: Unit) -> HttpResponse:
    try:
        period = _period(request)
    except BadPeriod as exc:
        return _bad(request, exc)
    data = exports.report_xlsx(unit, period, _base_url(request))
    return _download(
        data, exports.XLSX, f"report-{unit.pk}-{period.start}-{period.end}.xlsx"
    )


@scoped(Action.VIEW_TREE)
def report_pdf(request: HttpRequest, unit: Unit) -> HttpResponse:
    try:
        period = _period(request)
    except BadPeriod as exc:
        return _bad(request, exc)
    data = exports.report_pdf(unit, period, _base_url(request))
    return _download(data, PDF, f"report-{unit.pk}-{period.start}-{period.end}.pdf")


@scoped(Action.EXPORT_ROSTER)
def ledger(request: HttpRequest, unit: Unit, kind: str) -> HttpResponse:
    if kind not in ("cases", "disputes"):
        raise Http404("")
    try:
        period = _period(request)
    except BadPeriod as exc:
        return _bad(request, exc)
    data, _n = exports.cases_ledger(
        unit=unit, period=period, by=request.user, disputes=kind == "disputes"
    )
    return _download(
        data, exports.XLSX, f"{kind}-{unit.pk}-{period.start}-{period.end}.xlsx"
    )


@scoped(Action.VIEW_TREE)
def usage(request: HttpRequest, unit: Unit) -> HttpResponse:
    try:
        period = _period(request)
    except BadPeriod as exc:
        return _bad(request, exc)
    return render(
        request,
        "web/reports/usage.html",
        {"unit": unit, "period": period, "usage": sel.usage(unit, period)},
    )


# --- the red list -------------------------------------------------------------------
def _span(request: HttpRequest) -> tuple[str, Period]:
    kind = request.GET.get("span", "year")
    at_text = request.GET.get("at", "")
    at = period_from(at_text, at_text, today=today()).start if at_text else today()
    return kind, span_of(kind, at)


@scoped(Action.VIEW_TREE)
def redlist(request: HttpRequest, unit: Unit) -> HttpResponse:
    try:
        span, period = _span(request)
    except BadPeriod as exc:
        return _bad(request, exc)
    township = Unit.objects.get(pk=unit.township_id or unit.pk)
    result = rl.compute(unit, period)
    return render(
        request,
        "web/reports/redlist.html",
        {
            "unit": unit,
            "span": span,
            "period": period,
            "result": result,
            "components": list(rl.COMPONENTS.items()),
            "can_manage": may(request.user, ReportAction.MANAGE, township),
            "township": township,
            "published": PublishedRedList.objects.filter(unit=unit, withdrawn_at=None)[
                :10
            ],
            "mine": {p.pk for p in own_posts(request.user)},
        },
    )


@scoped(Action.VIEW_TREE)
def redlist_weights(request: HttpRequest, unit: Unit) -> HttpResponse:
    township = Unit.objects.get(pk=unit.township_id or unit.pk)
    if not may(request.user, ReportAction.MANAGE, township):
        raise Http404("")
    weights, min_records = rl.weights_for(township.pk)
    context = {
        "unit": township,
        "rows": [(k, label, weights.get(k, 0)) for k, label in rl.COMPONENTS.items()],
        "min_records": min_records,
    }
    if request.method == "POST":
        try:
            rl.weights_set(
                township=township,
                by=request.user,
                weights={k: request.POST.get(k, "") for k in rl.COMPONENTS},
                min_records=request.POST.get("min_records", ""),
            )
        except DomainError as exc:
            context["error"] = exc.message
            context["rows"] = [
                (k, label, request.POST.get(k, ""))
                for k, label in rl.COMPONENTS.items()
            ]
            return render(
                request, "web/reports/weights.html", context, status=exc.status_code
            )
        messages.success(request, _("红榜权重已保存"))
        return redirect("web:redlist", unit_id=township.pk)
    return render(request, "web/reports/weights.html", context)


@scoped(Action.VIEW_TREE)
@require_POST
def redlist_publish(request: HttpRequest, unit: Unit) -> HttpResponse:
    try:
        span, period = _span(request)
        top = request.POST.get("top", "20")
        pub = rl.publish(
            unit=unit,
            span=span,
            period=period,
            by=request.user,
            top=int(top) if top.isdigit() else 0,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(
            reverse("web:redlist", args=[unit.pk])
            + f"?span={request.GET.get('span', 'year')}"
        )
    messages.success(request, _("红榜已公布"))
    return redirect("web:redlist-public", slug=pub.slug)


@public
def redlist_public(request: HttpRequest, slug: str) -> HttpResponse:
    pub = get_object_or_404(PublishedRedList, slug=slug, withdrawn_at=None)
    return render(
        request,
        "web/reports/redlist_public.html",
        {
            "pub": pub,
            "components": list(rl.COMPONENTS.items()),
            "rows": [
                {
                    **r,
                    "shown": [
                        exports._fig(k, r["figures"].get(k)) for k in rl.COMPONENTS
                    ],
                }
                for r in pub.rows
            ],
        },
    )


def _poster_bytes(pub: PublishedRedList) -> bytes:
    """The A3 poster of a published list, drawn once and kept on disk.

    A published list is frozen, so its poster never changes; drawing it costs
    seconds of CPU, and the page is public: redrawing per request would let anyone
    tie up the server."""
    folder = Path(settings.MEDIA_ROOT) / "redlist"
    path = folder / f"{pub.slug}.pdf"
    if path.exists():
        return path.read_bytes()
    data = exports.poster_pdf(pub)
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{uuid.uuid4().hex}.part")
    partial.write_bytes(data)
    partial.replace(path)  # atomic: a reader sees the whole file or none
    return data


@public
def redlist_poster(request: HttpRequest, slug: str) -> HttpResponse:
    pub = get_object_or_404(PublishedRedList, slug=slug, withdrawn_at=None)
    return _download(_poster_bytes(pub), PDF, f"redlist-{pub.start}-{pub.end}.pdf")


@scoped(None)
def appeals(request: HttpRequest) -> HttpResponse:
    posts = own_posts(request.user)
    roots = access_for(request.user).root_units()
    townships = {u.township_id or u.pk for u in roots}
    township = Unit.objects.filter(pk__in=townships, level=Level.TOWNSHIP).first()
    context: dict[str, Any] = {
        "posts": posts,
        "components": list(rl.COMPONENTS.items()),
        "appeals": rl.appeals_for(request.user, township)[:200],
        "can_decide": bool(
            township and may(request.user, ReportAction.MANAGE, township)
        ),
        "statuses": [s for s in Appeal.Status.choices if s[0] != "open"],
    }
    if request.method == "POST":
        try:
            period = span_of(
                request.POST.get("span", "month"),
                period_from(request.POST.get("at") or None, None, today=today()).start,
            )
            rl.appeal_raise(
                by=request.user,
                post_id=request.POST.get("post", ""),
                indicator=request.POST.get("indicator", ""),
                period=period,
                reason=request.POST.get("reason", ""),
            )
        except DomainError as exc:
            context["error"] = exc.message
            context["form"] = request.POST
            return render(request, "web/reports/appeals.html", context, status=422)
        messages.success(request, _("已提交复核申请"))
        return redirect("web:appeals")
    return render(request, "web/reports/appeals.html", context)


@scoped(None)
@require_POST
def appeal_decide(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = get_object_or_404(
        Appeal.objects.select_related("post__unit"), pk=appeal_id
    )
    if not may(request.user, ReportAction.MANAGE, appeal.post.unit):
        raise Http404("")
    try:
        rl.appeal_decide(
            appeal=appeal,
            by=request.user,
            status=request.POST.get("status", ""),
            outcome=request.POST.get("outcome", ""),
        )
        messages.success(request, _("已答复"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("web:appeals")


# --- commendations ------------------------------------------------------------------
@scoped(Action.VIEW_TREE)
def commendations(request: HttpRequest, unit: Unit) -> HttpResponse:
    year_text = request.GET.get("year", "")
    year = (
        int(year_text)
        if year_text.isdigit() and 2000 < int(year_text) < 2100
        else today().year
    )
    township = Unit.objects.get(pk=unit.township_id or unit.pk)
    if request.method == "POST":
        try:
            post = Post.objects.select_related("unit").get(
                pk=int(request.POST.get("post", "0") or 0), role__in=CHIEF_ROLES
            )
            if getattr(post.unit, SCOPE_FIELD[unit.level]) != unit.pk:
                raise Post.DoesNotExist
            honours.nominate(
                by=request.user,
                post=post,
                year=year,
                title=request.POST.get("title", ""),
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("已提名"))
        except (Post.DoesNotExist, ValueError):
            messages.error(request, _("找不到该三长"))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(reverse("web:commendations", args=[unit.pk]) + f"?year={year}")
    items = Commendation.objects.filter(metrics.in_unit(unit), year=year)
    return render(
        request,
        "web/reports/commendations.html",
        {
            "unit": unit,
            "year": year,
            "items": items,
            "shortlist": honours.shortlist(unit, year),
            "can_nominate": may(request.user, ReportAction.NOMINATE, unit),
            "can_manage": may(request.user, ReportAction.MANAGE, township),
        },
    )


@scoped(None)
@require_POST
def commendation_act(request: HttpRequest, item_id: int, act: str) -> HttpResponse:
    obj = get_object_or_404(
        Commendation.objects.select_related("post__unit"), pk=item_id
    )
    _visible(request, obj.post.unit_id)
    fn = {
        "approve": honours.approve,
        "reject": honours.reject,
        "publish": honours.publish,
    }.get(act)
    if fn is None:
        raise Http404("")
    try:
        fn(obj=obj, by=request.user)
        messages.success(request, _("已处理"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(
        reverse("web:commendations", args=[obj.township_id]) + f"?year={obj.year}"
    )


# --- stories ------------------------------------------------------------------------
@scoped(Action.VIEW_TREE)
def stories(request: HttpRequest, unit: Unit) -> HttpResponse:
    items = Story.objects.filter(metrics.in_unit(unit)).select_related("post")[:200]
    return render(
        request,
        "web/reports/stories.html",
        {
            "unit": unit,
            "items": items,
            "can_write": may(request.user, ReportAction.WRITE_STORY, unit),
        },
    )


def _story_form(request: HttpRequest, unit: Unit, story: Story | None) -> HttpResponse:
    posts = Post.objects.filter(
        metrics.in_unit(unit, "unit__"), role__in=CHIEF_ROLES, ended_on__isnull=True
    ).select_related("unit")[:500]
    form: dict[str, Any] = {}
    if story is not None:
        form = {
            "kind": story.kind,
            "title": story.title,
            "body": story.body,
            "post": str(story.post_id or ""),
            "cases": ",".join(str(c) for c in story.cases.values_list("pk", flat=True)),
            "version": story.version,
        }
    elif request.GET.get("case", "").isdigit():
        try:
            case = get_case_for(request.user, request.GET["case"])
        except NotFound as exc:
            raise Http404(exc.message) from None
        title, body = honours.draft_from_case(case)
        form = {"kind": "case", "title": title, "body": body, "cases": str(case.pk)}
    elif request.GET.get("post", "").isdigit():
        post = next((p for p in posts if str(p.pk) == request.GET["post"]), None)
        if post is None:
            raise Http404("")
        title, body = honours.draft_from_post(post, today().year)
        form = {"kind": "deed", "title": title, "body": body, "post": str(post.pk)}
    context = {
        "unit": unit,
        "story": story,
        "posts": posts,
        "kinds": Story.Kind.choices,
        "form": form,
        "can_manage": may(request.user, ReportAction.MANAGE, unit),
        "can_write": may(request.user, ReportAction.WRITE_STORY, unit),
    }
    if request.method == "POST":
        p = request.POST
        context["form"] = p
        try:
            post = next((x for x in posts if str(x.pk) == p.get("post")), None)
            case_ids = [
                int(x)
                for x in p.get("cases", "").replace("，", ",").split(",")
                if x.strip().isdigit()
            ]
            cases = []
            for cid in case_ids[:20]:
                try:
                    cases.append(get_case_for(request.user, cid))
                except NotFound:
                    raise DomainError(_("找不到事件 #%(id)s") % {"id": cid}) from None
            version = p.get("version", "")
            saved = honours.story_save(
                by=request.user,
                unit=unit,
                kind=p.get("kind", ""),
                title=p.get("title", ""),
                body=p.get("body", ""),
                post=post,
                cases=cases,
                story=story,
                version=int(version) if version.isdigit() else None,
            )
        except DomainError as exc:
            context["error"] = exc.message
            return render(
                request, "web/reports/story_form.html", context, status=exc.status_code
            )
        messages.success(request, _("已保存"))
        return redirect("web:story-detail", story_id=saved.pk)
    return render(request, "web/reports/story_form.html", context)


@scoped(Action.VIEW_TREE)
def story_new(request: HttpRequest, unit: Unit) -> HttpResponse:
    if not may(request.user, ReportAction.WRITE_STORY, unit):
        raise Http404("")
    return _story_form(request, unit, None)


@scoped(None)
def story_detail(request: HttpRequest, story_id: int) -> HttpResponse:
    story = get_object_or_404(Story.objects.select_related("unit", "post"), pk=story_id)
    _visible(request, story.unit_id)
    if request.method == "POST" and request.POST.get("act") in ("approve", "report"):
        try:
            if request.POST["act"] == "approve":
                honours.story_approve(story=story, by=request.user)
            else:
                honours.story_report(
                    story=story, by=request.user, to=request.POST.get("reported_to", "")
                )
            messages.success(request, _("已处理"))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("web:story-detail", story_id=story.pk)
    if request.GET.get("edit") == "1" or request.method == "POST":
        if not may(request.user, ReportAction.WRITE_STORY, story.unit):
            raise Http404("")
        return _story_form(request, story.unit, story)
    return render(
        request,
        "web/reports/story_detail.html",
        {
            "story": story,
            "unit": story.unit,
            "cases": story.cases.all(),
            "can_manage": may(request.user, ReportAction.MANAGE, story.unit),
            "can_write": may(request.user, ReportAction.WRITE_STORY, story.unit),
        },
    )


U = "reports/units/<int:unit_id>/"
urlpatterns = [
    path("reports/", home, name="dashboard"),
    path(U, dashboard, name="report-dashboard"),
    path(U + "records/<str:indicator>/", records, name="report-records"),
    path(U + "report/", report, name="report-page"),
    path(U + "report.xlsx", report_xlsx, name="report-xlsx"),
    path(U + "report.pdf", report_pdf, name="report-pdf"),
    path(U + "ledger/<str:kind>.xlsx", ledger, name="report-ledger"),
    path(U + "usage/", usage, name="report-usage"),
    path(U + "redlist/", redlist, name="redlist"),
    path(U + "redlist/weights/", redlist_weights, name="redlist-weights"),
    path(U + "redlist/publish/", redlist_publish, name="redlist-publish"),
    path("redlist/<str:slug>/", redlist_public, name="redlist-public"),
    path("redlist/<str:slug>/poster.pdf", redlist_poster, name="redlist-poster"),
    path("reports/appeals/", appeals, name="appeals"),
    path(
        "reports/appeals/<int:appeal_id>/decide/", appeal_decide, name="appeal-decide"
    ),
    path(U + "commendations/", commendations, name="commendations"),
    path(
        "reports/commendations/<int:item_id>/<str:act>/",
        commendation_act,
        name="commendation-act",
    ),
    path(U + "stories/", stories, name="stories"),
    path(U + "stories/new/", story_new, name="story-new"),
    path("reports/stories/<int:story_id>/", story_detail, name="story-detail"),
]
