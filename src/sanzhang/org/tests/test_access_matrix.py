"""The permission matrix, walked cell by cell: role x action x target inside/outside scope.

The expected table below is written out by hand from the issue and shared/RELIABILITY.md,
independently of org/policy.py, so a change to the policy must change this spec too.
"""

from __future__ import annotations

import pytest

from sanzhang.org.access import access_for, households_visible_to, units_visible_to
from sanzhang.org.models import User
from sanzhang.org.policy import Action

A = Action
ALL = set(Action)
# user -> (scope key in the fixture world, actions allowed inside it)
EXPECTED: dict[str, tuple[str | None, set[Action]]] = {
    "admin": ("T1", ALL),
    "station": (
        "T1",
        {A.VIEW_TREE, A.VIEW_HOUSEHOLDS, A.VIEW_STATION_TAGS, A.REVEAL_PHONE},
    ),
    "cadre": ("T1-V1", ALL - {A.VIEW_AUDIT, A.VIEW_STATION_TAGS}),
    "area": (
        "T1-V1-A1",
        {
            A.VIEW_TREE,
            A.VIEW_HOUSEHOLDS,
            A.REVEAL_PHONE,
            A.VIEW_SENSITIVE_TAGS,
            A.VIEW_INTEGRITY,
        },
    ),
    "group": (
        "T1-V1-A1-G1",
        {A.VIEW_TREE, A.VIEW_HOUSEHOLDS, A.REVEAL_PHONE, A.VIEW_INTEGRITY},
    ),
    "nchief": ("T1-V1-A1-G1-N1", {A.VIEW_TREE, A.VIEW_HOUSEHOLDS, A.REVEAL_PHONE}),
    "resident": (None, set()),
    "nobody": (None, set()),
}
TARGETS = [
    "T1",
    "T1-V1",
    "T1-V1-A1",
    "T1-V1-A1-G1",
    "T1-V1-A1-G1-N1",
    "T1-V1-A1-G1-N2",
    "T1-V1-A1-G2",
    "T1-V1-A2",
    "T1-V2",
    "T1-V2-A1-G1-N1",
    "T2",
    "T2-V1-A1-G1-N1",
]


def _inside(scope: str | None, target: str) -> bool:
    return scope is not None and (target == scope or target.startswith(scope + "-"))


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_can_matches_matrix_for_every_action_and_target(world, username):
    scope, allowed = EXPECTED[username]
    access = access_for(world.users[username])
    wrong = []
    for action in Action:
        for target in TARGETS:
            expected = action in allowed and _inside(scope, target)
            for obj in (world.unit(target), *world.households.get(target, [])[:1]):
                if access.can(action, obj) != expected:
                    wrong.append((action.value, target, type(obj).__name__, expected))
    assert wrong == []


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_visible_households_are_exactly_the_subtree(world, username):
    scope, _ = EXPECTED[username]
    user = world.users[username]
    expected = world.households_under(scope) if scope else set()
    if username == "resident":
        expected = {user.resident.household_id}
    assert set(households_visible_to(user).values_list("pk", flat=True)) == expected


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_visible_units_are_exactly_the_subtree(world, username):
    scope, _ = EXPECTED[username]
    expected = {u.pk for k, u in world.units.items() if _inside(scope, k)}
    assert (
        set(units_visible_to(world.users[username]).values_list("pk", flat=True))
        == expected
    )


def test_resident_may_reveal_own_identifiers_only(world):
    access = access_for(world.users["resident"])
    me = world.users["resident"].resident
    neighbour = world.households["T1-V1-A1-G1-N1"][0].head
    assert access.can(A.REVEAL_ID_NUMBER, me)
    assert access.can(A.REVEAL_PHONE, me)
    assert not access.can(A.REVEAL_ID_NUMBER, neighbour)
    assert not access.can(A.REVEAL_PHONE, neighbour)
    assert not access.can(A.VIEW_HOUSEHOLDS, neighbour.household)


def test_sensitive_tags_by_role(world):
    household = world.households["T1-V1-A1-G1-N1"][0]
    tags = list(household.tags.order_by("code"))
    names = {
        u: sorted(
            t.name for t in access_for(world.users[u]).visible_tags(household, tags)
        )
        for u in ("admin", "station", "cadre", "area", "group", "nchief")
    }
    # 低保 (民政, sensitive), 独居老人 (not sensitive), 社区矫正 (司法所, sensitive)
    assert names == {
        "admin": ["低保户", "独居老人", "社区矫正对象"],
        "station": ["低保户", "独居老人"],  # 民政办 sees its own sensitive tags only
        "cadre": ["低保户", "独居老人", "社区矫正对象"],
        "area": ["低保户", "独居老人", "社区矫正对象"],
        "group": ["独居老人"],
        "nchief": ["独居老人"],
    }


def test_ended_post_takes_effect_at_once(world):
    from datetime import date, timedelta

    from sanzhang.org.models import Post

    user = world.users["group"]
    assert access_for(user).can(A.VIEW_TREE, world.unit("T1-V1-A1-G1"))
    Post.objects.filter(resident=user.resident).update(
        ended_on=date.today() - timedelta(days=1)
    )
    user = User.objects.get(pk=user.pk)  # the next request loads the user afresh
    assert not access_for(user).can(A.VIEW_TREE, world.unit("T1-V1-A1-G1"))


def test_deactivated_user_sees_nothing(world):
    user = world.users["admin"]
    User.objects.filter(pk=user.pk).update(is_active=False)
    user = User.objects.get(pk=user.pk)
    assert households_visible_to(user).count() == 0
