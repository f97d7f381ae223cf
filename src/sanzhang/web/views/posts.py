"""Appointing and replacing chiefs; a vacant post shows its households until filled."""

from datetime import date

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanzhang.core.errors import DomainError
from sanzhang.org.access import access_for, households_under, residents_visible_to
from sanzhang.org.levels import SCOPE_FIELD, Level
from sanzhang.org.models import CHIEF_OF_LEVEL, Post, Resident, Role, Unit
from sanzhang.org.policy import Action
from sanzhang.org.selectors import unit_ancestors
from sanzhang.org.services.posts import post_appoint, post_end, post_replace

from ..scope import scoped

ROLE_FOR_LEVEL = {**CHIEF_OF_LEVEL, Level.VILLAGE: Role.VILLAGE_CADRE}


def _candidates(request: HttpRequest, unit: Unit, role: str) -> list[Resident]:
    """Who may take the post: residents of the unit (片长: the village's cadres)."""
    query = request.GET.get("q", "").strip()[:20]
    qs = residents_visible_to(request.user)
    if role == Role.AREA_CHIEF:
        cadres = Post.objects.filter(
            role=Role.VILLAGE_CADRE, unit_id=unit.village_id, ended_on__isnull=True
        ).values("resident_id")
        qs = qs.filter(pk__in=cadres)
    else:
        qs = qs.filter(**{"household__" + SCOPE_FIELD[unit.level]: unit.pk})
        if not query:
            qs = qs.filter(Q(is_party_member=True) | Q(relation=Resident.Relation.HEAD))
    if query:
        qs = qs.filter(name__contains=query)
    return list(
        qs.select_related("household").order_by("-is_party_member", "household__code")[
            :60
        ]
    )


@scoped(Action.VIEW_TREE)
def unit_posts(request: HttpRequest, unit: Unit) -> HttpResponse:
    access = access_for(request.user)
    role = ROLE_FOR_LEVEL.get(unit.level)
    posts = (
        Post.objects.filter(unit=unit)
        .select_related("resident__household")
        .order_by("-started_on", "-id")
    )
    active = [p for p in posts if p.ended_on is None]
    can_manage = access.can(Action.MANAGE_POSTS, unit)
    vacancy_households = []
    if role in CHIEF_OF_LEVEL.values() and not [p for p in active if p.role == role]:
        vacancy_households = (
            households_under(request.user, unit)
            .select_related("head")
            .order_by("code")[:200]
        )
    return render(
        request,
        "web/org/unit_posts.html",
        {
            "unit": unit,
            "ancestors": unit_ancestors(unit),
            "role": role,
            "role_label": Role(role).label if role else "",
            "active": active,
            "history": [p for p in posts if p.ended_on is not None],
            "vacant": role in CHIEF_OF_LEVEL.values()
            and not [p for p in active if p.role == role],
            "vacancy_households": vacancy_households,
            "can_manage": can_manage,
            "candidates": _candidates(request, unit, role)
            if can_manage and role
            else [],
            "how_choices": [c for c in Post.HowChosen.choices],
            "query": request.GET.get("q", ""),
            "today": timezone.localdate().isoformat(),
        },
    )


def _resident_from_post(request: HttpRequest) -> Resident:
    try:
        return residents_visible_to(request.user).get(
            pk=int(request.POST.get("resident", ""))
        )
    except (Resident.DoesNotExist, ValueError):
        raise DomainError(_("请选择一位居民")) from None


def _date_from_post(request: HttpRequest, name: str) -> date | None:
    raw = request.POST.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise DomainError(_("日期格式应为 年-月-日")) from None


@scoped(Action.MANAGE_POSTS)
@require_POST
def post_appoint_view(request: HttpRequest, unit: Unit) -> HttpResponse:
    role = ROLE_FOR_LEVEL.get(unit.level)
    try:
        if role is None:
            raise DomainError(_("该层级不设三长"))
        post = post_appoint(
            unit=unit,
            role=role,
            resident=_resident_from_post(request),
            how_chosen=request.POST.get("how_chosen", ""),
            started_on=_date_from_post(request, "started_on"),
            by=request.user,
        )
        messages.success(
            request,
            _("已任命 %(name)s 为%(role)s")
            % {"name": post.holder_name, "role": post.get_role_display()},
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("web:unit-posts", unit_id=unit.pk)


def _post_for(request: HttpRequest, post_id: int) -> Post:
    post = Post.objects.filter(pk=post_id).select_related("unit").first()
    if post is None or not access_for(request.user).can(Action.MANAGE_POSTS, post.unit):
        raise Http404
    return post


@scoped(Action.MANAGE_POSTS)
@require_POST
def post_replace_view(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _post_for(request, post_id)
    try:
        new = post_replace(
            post=post,
            successor=_resident_from_post(request),
            how_chosen=request.POST.get("how_chosen", ""),
            reason=request.POST.get("reason", "")[:120],
            on=_date_from_post(request, "started_on"),
            by=request.user,
        )
        messages.success(
            request,
            _("已由 %(name)s 接任，所联系的户已一并移交") % {"name": new.holder_name},
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("web:unit-posts", unit_id=post.unit_id)


@scoped(Action.MANAGE_POSTS)
@require_POST
def post_end_view(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _post_for(request, post_id)
    try:
        post_end(
            post=post, reason=request.POST.get("reason", "")[:120], by=request.user
        )
        messages.success(request, _("已卸任，该职务现为空缺"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("web:unit-posts", unit_id=post.unit_id)
