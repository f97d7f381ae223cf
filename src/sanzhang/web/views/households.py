"""Households: lists, detail with members and tags, pairing, revealing identifiers."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanzhang.core.errors import DomainError, NotFound
from sanzhang.org.access import (
    access_for,
    get_resident_for,
    get_unit_for,
    households_under,
)
from sanzhang.org.levels import Level
from sanzhang.org.models import Household, Resident, Unit
from sanzhang.org.policy import Action
from sanzhang.org.selectors import household_chief, unit_ancestors
from sanzhang.org.services.households import household_move, resident_reveal

from ..scope import scoped


@scoped(Action.VIEW_HOUSEHOLDS)
def household_list(request: HttpRequest, unit: Unit) -> HttpResponse:
    qs = households_under(request.user, unit)
    query = request.GET.get("q", "").strip()[:40]
    if query:
        # Literal match: % and _ are escaped by the ORM's contains lookup.
        qs = qs.filter(
            Q(code__icontains=query)
            | Q(address__icontains=query)
            | Q(head__name__icontains=query)
        )
    tag = request.GET.get("tag", "")
    if tag.isdigit():
        qs = qs.filter(tags__id=int(tag))
    unpaired = request.GET.get("unpaired") == "1"
    if unpaired:
        qs = qs.filter(neighborhood__isnull=True)
    # 户号 order rides the (<level>_id, code) indexes, so a page of a 200k-household
    # county costs an index range scan, not a sort of the whole subtree.
    qs = qs.select_related("head", "villager_group", "neighborhood").order_by("code")
    page = Paginator(qs, 50, allow_empty_first_page=True).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "web/org/household_list.html",
        {
            "unit": unit,
            "page": page,
            "query": query,
            "unpaired": unpaired,
            "ancestors": unit_ancestors(unit),
        },
    )


@scoped(Action.VIEW_HOUSEHOLDS)
def household_detail(request: HttpRequest, household: Household) -> HttpResponse:
    access = access_for(request.user)
    members = list(household.members.filter(is_active=True).order_by("id"))
    tags = access.visible_tags(household, list(household.tags.order_by("sort_order")))
    neighborhoods = []
    if access.can(Action.EDIT_HOUSEHOLDS, household):
        neighborhoods = Unit.objects.filter(
            villager_group_id=household.villager_group_id,
            level=Level.NEIGHBORHOOD,
            is_active=True,
        ).order_by("sort_order")
    context = {
        "household": household,
        "members": [
            {
                "resident": m,
                "can_reveal_id": access.can(Action.REVEAL_ID_NUMBER, m)
                and m.id_number_masked,
                "can_reveal_phone": access.can(Action.REVEAL_PHONE, m)
                and m.phone_masked,
            }
            for m in members
        ],
        "tags": tags,
        "chief": household_chief(household),
        "neighborhoods": neighborhoods,
        "ancestors": [
            u for u in unit_ancestors_of(household) if access.can(Action.VIEW_TREE, u)
        ],
    }
    return render(request, "web/org/household_detail.html", context)


def unit_ancestors_of(household: Household) -> list[Unit]:
    unit = household.neighborhood or household.villager_group
    return [*unit_ancestors(unit), unit]


@scoped(Action.EDIT_HOUSEHOLDS)
@require_POST
def household_move_view(request: HttpRequest, household: Household) -> HttpResponse:
    try:
        neighborhood = get_unit_for(
            request.user, request.POST.get("neighborhood"), Action.EDIT_HOUSEHOLDS
        )
        for warning in household_move(
            household=household, neighborhood=neighborhood, by=request.user
        ):
            messages.warning(request, warning)
        messages.success(request, _("已编入%(name)s") % {"name": neighborhood.name})
    except (DomainError, NotFound) as exc:
        messages.error(request, exc.message)
    return redirect("web:household-detail", household_id=household.pk)


@scoped(None)
@require_POST
def resident_reveal_view(
    request: HttpRequest, resident_id: int, field: str
) -> HttpResponse:
    """Show one identifier in full (an htmx swap), after writing the audit row."""
    try:
        resident: Resident = get_resident_for(request.user, resident_id)
        value = resident_reveal(
            resident=resident,
            field=field,
            by=request.user,
            ip=request.META.get("REMOTE_ADDR"),
        )
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        return HttpResponse(exc.message, status=exc.status_code)
    return render(request, "web/org/_revealed.html", {"value": value})
