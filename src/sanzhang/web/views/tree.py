"""The tree: township > villages > areas > groups > neighborhoods > households."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sanzhang.cases.access import may_manage_categories
from sanzhang.org.access import access_for, households_under
from sanzhang.org.levels import CHILD_LEVEL, Level
from sanzhang.org.models import Unit
from sanzhang.org.policy import Action
from sanzhang.org.selectors import (
    unit_ancestors,
    unit_chiefs,
    unit_children_counts,
    unit_totals,
)

from ..scope import scoped


@scoped(None)
def home(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    roots = access.root_units()
    if len(roots) == 1:
        return redirect("web:unit-detail", unit_id=roots[0].pk)
    if not roots and access.own_household_id:
        return redirect("web:household-detail", household_id=access.own_household_id)
    return render(request, "web/home.html", {"roots": roots})


@scoped(Action.VIEW_TREE)
def unit_detail(request: HttpRequest, unit: Unit) -> HttpResponse:
    access = access_for(request.user)
    child_level = CHILD_LEVEL[unit.level]
    ancestors = [a for a in unit_ancestors(unit) if access.can(Action.VIEW_TREE, a)]
    context = {
        "unit": unit,
        "ancestors": ancestors,
        "totals": unit_totals(unit),
        "chiefs": unit_chiefs(unit),
        "children": unit_children_counts(unit),
        "child_level": Level(child_level).label if child_level else None,
        "can_posts": access.can(Action.MANAGE_POSTS, unit),
        "can_integrity": access.can(Action.VIEW_INTEGRITY, unit),
        "can_plan": unit.level == Level.GROUP
        and access.can(Action.PLAN_NEIGHBORHOODS, unit),
        "can_export": access.can(Action.EXPORT_ROSTER, unit),
        "can_import": access.can(Action.IMPORT_ROSTER, unit),
        "is_neighborhood": unit.level == Level.NEIGHBORHOOD,
        # The township's case settings (category tree, outside channels).
        "can_case_settings": unit.level == Level.TOWNSHIP
        and may_manage_categories(request.user, unit),
    }
    if unit.level in (Level.NEIGHBORHOOD, Level.GROUP):
        context["households"] = (
            households_under(request.user, unit)
            .select_related("head", "neighborhood")
            .order_by("neighborhood__sort_order", "code")[:200]
        )
    return render(request, "web/org/unit_detail.html", context)
