"""户户有人联: each kind of breach is found, with a link to fix it."""

from django.db.models import Q

from sanzhang.org.levels import Level
from sanzhang.org.models import Household, Post, Role
from sanzhang.org.selectors import integrity_violations
from sanzhang.org.services.households import household_move
from sanzhang.org.tests.factories import make_household


def _kinds(world, key="T1"):
    return sorted(
        (v.kind, v.severity) for v in integrity_violations(Q(township=world.unit(key)))
    )


def test_fixture_world_has_only_the_expected_vacancies(world):
    found = integrity_violations(Q(village=world.unit("T1-V1")))
    # The fixture appoints chiefs only in the first branch.
    assert sorted({v.kind for v in found}) == [
        "area_no_chief",
        "group_no_chief",
        "neighborhood_no_chief",
    ]
    assert not any(v.unit_id == world.unit("T1-V1-A1-G1-N1").pk for v in found)
    assert all(v.fix_url.endswith("/posts/") for v in found)


def test_each_breach_is_reported(world):
    group = world.unit("T1-V1-A1-G1")
    nb1, nb2 = world.unit("T1-V1-A1-G1-N1"), world.unit("T1-V1-A1-G1-N2")
    unpaired = make_household(group)
    headless = world.households["T1-V1-A1-G1-N2"][0]
    Household.objects.filter(pk=headless.pk).update(head=None)
    # 16 households in N1 (a warning) and N2 down to 4 (a warning).
    for hh in world.households["T1-V1-A1-G1-N2"][1:]:
        household_move(household=hh, neighborhood=nb1, by=world.users["admin"])
    for _ in range(5):
        make_household(nb1)
    stranger = world.households["T1-V1-A1-G2-N1"][0]
    Household.objects.filter(pk=stranger.pk).update(
        neighborhood=nb2
    )  # bypassing the service
    scope = Q(villager_group=group) | Q(pk=nb2.pk)
    found = {
        (v.kind, v.severity, v.unit_id or v.household_id)
        for v in integrity_violations(scope)
    }
    assert ("household_unpaired", "error", unpaired.pk) in found
    assert ("household_no_head", "error", headless.pk) in found
    assert ("neighborhood_large", "warning", nb1.pk) in found
    assert ("neighborhood_cross_group", "error", nb2.pk) in found
    assert ("neighborhood_no_chief", "error", nb2.pk) in found


def test_small_group_is_one_legal_neighborhood(world):
    from sanzhang.org.services.units import unit_create

    group = unit_create(parent=world.unit("T1-V1-A1"), level=Level.GROUP, name="小组")
    nb = unit_create(parent=group, level=Level.NEIGHBORHOOD, name="1邻")
    for _ in range(3):
        make_household(nb)
    kinds = {v.kind for v in integrity_violations(Q(villager_group=group))}
    assert "neighborhood_small" not in kinds
    assert kinds == {"group_no_chief", "neighborhood_no_chief"}


def test_group_chief_vacancy_after_post_ends(world):
    Post.objects.filter(role=Role.GROUP_CHIEF, unit=world.unit("T1-V1-A1-G1")).delete()
    found = integrity_violations(Q(pk=world.unit("T1-V1-A1-G1").pk))
    assert [(v.kind, v.unit_id) for v in found] == [
        ("group_no_chief", world.unit("T1-V1-A1-G1").pk)
    ]
