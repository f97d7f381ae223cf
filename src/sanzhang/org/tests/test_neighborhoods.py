"""Forming neighborhoods with the optimiser: propose, adjust by hand, apply, history."""

import pytest
from django.test import Client

from sanzhang import partition
from sanzhang.core.errors import NotAllowed
from sanzhang.core.models import AuditEvent
from sanzhang.org.levels import Level
from sanzhang.org.models import (
    Household,
    NeighborhoodLayout,
    Post,
    Resident,
    Role,
    Unit,
)
from sanzhang.org.services.neighborhoods import (
    RULES,
    neighborhood_plan_apply,
    neighborhood_plan_propose,
)
from sanzhang.org.services.units import unit_create
from sanzhang.org.tests.factories import make_household


@pytest.fixture
def new_group(world):
    """A group of 16 unpaired households along a road; two have a Party member."""
    group = unit_create(parent=world.unit("T1-V1-A1"), level=Level.GROUP, name="新组")
    households = []
    for i in range(16):
        hh = make_household(group)
        Household.objects.filter(pk=hh.pk).update(lon=112.17 + i * 0.0004, lat=29.41)
        households.append(hh)
    for i in (2, 12):
        Resident.objects.filter(pk=households[i].head_id).update(is_party_member=True)
    return group, households


def test_apply_forms_legal_neighborhoods_with_candidate_chiefs(world, new_group):
    group, households = new_group
    proposal = neighborhood_plan_propose(group=group, by=world.users["cadre"])
    points = list(proposal.points.values())
    assert partition.check_plan(proposal.plan, points, RULES) == []
    layout = neighborhood_plan_apply(proposal=proposal, by=world.users["cadre"])
    nbs = list(
        Unit.objects.filter(parent=group, level=Level.NEIGHBORHOOD, is_active=True)
    )
    assert len(nbs) == 2
    members = {
        nb.pk: set(
            Household.objects.filter(neighborhood=nb).values_list("pk", flat=True)
        )
        for nb in nbs
    }
    assert sorted(len(m) for m in members.values()) == [8, 8]
    # Houses along a road: each neighborhood is a run of consecutive houses.
    order = [h.pk for h in households]
    for m in members.values():
        idx = sorted(order.index(pk) for pk in m)
        assert idx == list(range(idx[0], idx[0] + len(idx)))
    chiefs = Post.objects.filter(
        unit__in=nbs, role=Role.NEIGHBORHOOD_CHIEF, ended_on__isnull=True
    )
    assert sorted(p.resident.household_id for p in chiefs) == sorted(
        households[i].pk for i in (2, 12)
    )
    assert {p.how_chosen for p in chiefs} == {Post.HowChosen.SURVEYED}
    assert (layout.households_moved, layout.before["unpaired"] != []) == (16, True)
    assert AuditEvent.objects.filter(action="neighborhoods_apply").count() == 1


def test_replanning_an_applied_layout_changes_nothing(world, new_group):
    group, _ = new_group
    neighborhood_plan_apply(
        proposal=neighborhood_plan_propose(group=group, by=world.users["admin"]),
        by=world.users["admin"],
    )
    units_before = set(Unit.objects.filter(parent=group).values_list("pk", flat=True))
    again = neighborhood_plan_propose(group=group, by=world.users["admin"])
    assert again.moved == 0
    layout = neighborhood_plan_apply(proposal=again, by=world.users["admin"])
    assert layout.households_moved == 0
    assert (
        set(Unit.objects.filter(parent=group).values_list("pk", flat=True))
        == units_before
    )
    assert Post.objects.filter(unit__parent=group, ended_on__isnull=False).count() == 0


def test_newcomer_joins_without_moving_others(world, new_group):
    group, households = new_group
    neighborhood_plan_apply(
        proposal=neighborhood_plan_propose(group=group, by=world.users["admin"]),
        by=world.users["admin"],
    )
    newcomer = make_household(group)
    Household.objects.filter(pk=newcomer.pk).update(lon=112.17 + 16 * 0.0004, lat=29.41)
    proposal = neighborhood_plan_propose(group=group, by=world.users["admin"])
    assert proposal.moved == 0
    assert str(newcomer.pk) in proposal.plan.assignment()


def test_households_without_coordinates_are_flagged(world, new_group):
    group, households = new_group
    Household.objects.filter(pk=households[5].pk).update(lon=None, lat=None)
    proposal = neighborhood_plan_propose(group=group, by=world.users["admin"])
    assert proposal.placed_by_address == {str(households[5].pk)}
    assert str(households[5].pk) in proposal.plan.assignment()


@pytest.mark.parametrize("username", ["group", "area", "nchief", "station"])
def test_only_admins_and_cadres_plan(world, new_group, username):
    with pytest.raises(NotAllowed):
        neighborhood_plan_propose(group=new_group[0], by=world.users[username])


def test_planner_page_move_by_hand_and_apply(world, new_group):
    group, households = new_group
    client = Client()
    client.force_login(world.users["cadre"])
    page = client.get(f"/units/{group.pk}/planner/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("<circle") == 16
    assert html.count("<polygon") == 2
    proposal = neighborhood_plan_propose(group=group, by=world.users["cadre"])
    assignment = proposal.plan.assignment()
    mover = str(households[7].pk)
    other = next(nb for nb in set(assignment.values()) if nb != assignment[mover])
    client.post(
        f"/units/{group.pk}/planner/adjust/",
        {"action": "move", "household": mover, "neighborhood": other},
    )
    response = client.post(f"/units/{group.pk}/planner/apply/")
    assert response.status_code == 302
    moved = Household.objects.get(pk=households[7].pk)
    mates = set(
        Household.objects.filter(neighborhood=moved.neighborhood).values_list(
            "pk", flat=True
        )
    )
    assert {int(h) for h, nb in assignment.items() if nb == other} <= mates
    assert NeighborhoodLayout.objects.filter(villager_group=group).count() == 1
    assert Client().get(f"/units/{group.pk}/planner/").status_code == 302  # login first
    chief = Client()
    chief.force_login(world.users["group"])
    assert chief.get(f"/units/{group.pk}/planner/").status_code == 404
