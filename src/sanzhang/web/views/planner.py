"""The planner page (科学划邻): see a group's households as points, run the optimiser,
adjust by hand (move a household, pin a chief), then apply in one step."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanzhang.core.errors import DomainError
from sanzhang.org.models import NeighborhoodLayout, Unit
from sanzhang.org.policy import Action
from sanzhang.org.selectors import unit_ancestors
from sanzhang.org.services.neighborhoods import (
    hull,
    neighborhood_plan_apply,
    neighborhood_plan_propose,
    project,
)

from ..scope import scoped

# Twelve colours that stay apart for the common colour-vision deficiencies.
COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#ad494a",
)


def _session_key(group: Unit) -> str:
    return f"planner-{group.pk}"


def _locks(request: HttpRequest, group: Unit) -> dict:
    return request.session.get(_session_key(group), {"locks": {}, "pinned": []})


def _proposal(request: HttpRequest, group: Unit):
    state = _locks(request, group)
    return neighborhood_plan_propose(
        group=group, by=request.user, locks=state["locks"], pinned=set(state["pinned"])
    )


@scoped(Action.PLAN_NEIGHBORHOODS)
def planner(request: HttpRequest, unit: Unit) -> HttpResponse:
    context = {"unit": unit, "ancestors": unit_ancestors(unit), "error": None}
    try:
        proposal = _proposal(request, unit)
    except DomainError as exc:
        context["error"] = exc.message
        return render(request, "web/org/planner.html", context)
    xy = project(proposal.points)
    hoods = []
    for i, hood in enumerate(sorted(proposal.plan.neighborhoods, key=lambda h: h.id)):
        colour = COLOURS[i % len(COLOURS)]
        outline = hull([xy[h] for h in hood.household_ids])
        chief = (
            proposal.households.get(hood.chief_household_id)
            if hood.chief_household_id
            else None
        )
        hoods.append(
            {
                "id": hood.id,
                "label": f"{i + 1}",
                "colour": colour,
                "size": len(hood.household_ids),
                "polygon": " ".join(f"{x:.1f},{y:.1f}" for x, y in outline),
                "chief": chief,
                "distance": round(hood.distance_m),
                "households": [proposal.households[h] for h in hood.household_ids],
            }
        )
    colour_of = {
        hid: h["colour"] for h in hoods for hid in (str(x.pk) for x in h["households"])
    }
    chiefs = {
        h.chief_household_id
        for h in proposal.plan.neighborhoods
        if h.chief_household_id
    }
    dots = [
        {
            "id": hid,
            "x": round(x, 1),
            "y": round(y, 1),
            "colour": colour_of[hid],
            "chief": hid in chiefs,
            "flagged": hid in proposal.placed_by_address,
            "candidate": proposal.points[hid].is_candidate,
            "title": proposal.households[hid].address,
        }
        for hid, (x, y) in xy.items()
    ]
    state = _locks(request, unit)
    context.update(
        {
            "hoods": hoods,
            "dots": dots,
            "plan": proposal.plan,
            "moved": proposal.moved,
            "unpaired": len(proposal.households) - len(proposal.current),
            "flagged": [
                proposal.households[h] for h in sorted(proposal.placed_by_address)
            ],
            "locked": len(state["locks"]),
            "pinned": len(state["pinned"]),
            "gap_percent": round(proposal.plan.gap * 100, 2)
            if proposal.plan.gap != float("inf")
            else None,
            "history": NeighborhoodLayout.objects.filter(villager_group=unit)[:10],
        }
    )
    return render(request, "web/org/planner.html", context)


@scoped(Action.PLAN_NEIGHBORHOODS)
@require_POST
def planner_adjust(request: HttpRequest, unit: Unit) -> HttpResponse:
    """Move a household into a proposed neighborhood, pin a chief, or clear both."""
    state = _locks(request, unit)
    action = request.POST.get("action")
    household = request.POST.get("household", "")
    if action == "clear":
        state = {"locks": {}, "pinned": []}
    elif action in {"move", "pin"} and household.isdigit():
        proposal = _proposal(request, unit)
        assignment = proposal.plan.assignment()
        if household not in assignment:
            messages.error(request, _("该户不在本组"))
            return redirect("web:planner", unit_id=unit.pk)
        target = request.POST.get("neighborhood") or assignment[household]
        # Lock everything as proposed, so the hand change is the only change.
        state["locks"] = dict(assignment)
        state["locks"][household] = target
        if action == "pin" and household not in state["pinned"]:
            state["pinned"].append(household)
    request.session[_session_key(unit)] = state
    return redirect("web:planner", unit_id=unit.pk)


@scoped(Action.PLAN_NEIGHBORHOODS)
@require_POST
def planner_apply(request: HttpRequest, unit: Unit) -> HttpResponse:
    try:
        layout = neighborhood_plan_apply(
            proposal=_proposal(request, unit), by=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("web:planner", unit_id=unit.pk)
    request.session.pop(_session_key(unit), None)
    messages.success(
        request,
        _("已应用：%(n)d 户调整了所在的邻，原划分已存档")
        % {"n": layout.households_moved},
    )
    return redirect("web:unit-detail", unit_id=unit.pk)
