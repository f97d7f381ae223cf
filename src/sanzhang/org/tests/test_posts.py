"""Appointing, ending and replacing chiefs; vacancies; the history of posts."""

from datetime import date, timedelta

import pytest

from sanzhang.core.errors import Conflict, DomainError, NotAllowed
from sanzhang.core.models import AuditEvent
from sanzhang.org.access import access_for, households_visible_to
from sanzhang.org.models import Post, Role, User
from sanzhang.org.services.posts import post_appoint, post_end, post_replace


def _nb_chief(world):
    return Post.objects.get(
        role=Role.NEIGHBORHOOD_CHIEF,
        unit=world.unit("T1-V1-A1-G1-N1"),
        ended_on__isnull=True,
    )


def test_replace_hands_households_to_successor_in_one_step(world):
    old = _nb_chief(world)
    successor = world.households["T1-V1-A1-G1-N1"][0].head
    new = post_replace(
        post=old,
        successor=successor,
        how_chosen=Post.HowChosen.RECOMMENDED,
        reason="外出务工",
        by=world.users["cadre"],
    )
    old.refresh_from_db()
    assert (old.ended_on, old.end_reason) == (date.today(), "外出务工")
    assert (new.resident, new.predecessor, new.how_chosen, new.ended_on) == (
        successor,
        old,
        Post.HowChosen.RECOMMENDED,
        None,
    )
    successor_user = User.objects.create(username="successor", resident=successor)
    expected = {h.pk for h in world.households["T1-V1-A1-G1-N1"]}
    assert (
        set(households_visible_to(successor_user).values_list("pk", flat=True))
        == expected
    )
    former = User.objects.get(username="t_nchief")
    # The former chief keeps only their own household.
    assert set(households_visible_to(former).values_list("pk", flat=True)) == {
        former.resident.household_id
    }
    assert list(
        AuditEvent.objects.filter(
            action__in=["post_end", "post_appoint", "post_replace"]
        )
        .values_list("action", flat=True)
        .order_by("id")
    ) == ["post_end", "post_appoint", "post_replace"]


def test_second_active_chief_is_refused_by_the_database_rule(world):
    nb = world.unit("T1-V1-A1-G1-N1")
    other = world.households["T1-V1-A1-G1-N1"][1].head
    with pytest.raises(Conflict):
        post_appoint(
            unit=nb,
            role=Role.NEIGHBORHOOD_CHIEF,
            resident=other,
            how_chosen=Post.HowChosen.SELF_NOMINATED,
            by=world.users["admin"],
        )
    assert (
        Post.objects.filter(
            unit=nb, role=Role.NEIGHBORHOOD_CHIEF, ended_on__isnull=True
        ).count()
        == 1
    )


def test_ending_a_post_leaves_a_vacancy_and_keeps_history(world):
    old = _nb_chief(world)
    post_end(post=old, reason="去世", by=world.users["admin"])
    nb = world.unit("T1-V1-A1-G1-N1")
    assert not Post.objects.filter(
        unit=nb, role=Role.NEIGHBORHOOD_CHIEF, ended_on__isnull=True
    ).exists()
    assert Post.objects.filter(unit=nb, role=Role.NEIGHBORHOOD_CHIEF).count() == 1
    with pytest.raises(Conflict):
        post_end(post=old, reason="again", by=world.users["admin"])


def test_area_chief_must_be_a_village_committee_member(world):
    area = world.unit("T1-V1-A2")
    not_cadre = world.households["T1-V1-A2-G1-N1"][0].head
    with pytest.raises(DomainError, match="两委"):
        post_appoint(
            unit=area, role=Role.AREA_CHIEF, resident=not_cadre, by=world.users["admin"]
        )
    cadre = User.objects.get(username="t_cadre").resident
    post = post_appoint(
        unit=area, role=Role.AREA_CHIEF, resident=cadre, by=world.users["admin"]
    )
    assert (post.role, post.unit, post.resident) == (Role.AREA_CHIEF, area, cadre)


def test_neighborhood_chief_must_live_in_the_group(world):
    post_end(post=_nb_chief(world), reason="换届", by=world.users["admin"])
    outsider = world.households["T1-V1-A1-G2-N1"][0].head
    with pytest.raises(DomainError, match="本组"):
        post_appoint(
            unit=world.unit("T1-V1-A1-G1-N1"),
            role=Role.NEIGHBORHOOD_CHIEF,
            resident=outsider,
            by=world.users["admin"],
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"role": Role.GROUP_CHIEF}, "组长只能设在组一级"),
        ({"how_chosen": "bribed"}, "请选择产生方式"),
        ({"started_on": date.today() + timedelta(days=3)}, "任职日期不能晚于今天"),
    ],
)
def test_bad_appointments_are_refused_and_change_nothing(world, kwargs, message):
    post_end(post=_nb_chief(world), reason="换届", by=world.users["admin"])
    before = Post.objects.count()
    args = {
        "unit": world.unit("T1-V1-A1-G1-N1"),
        "role": Role.NEIGHBORHOOD_CHIEF,
        "resident": world.households["T1-V1-A1-G1-N1"][0].head,
        "by": world.users["admin"],
        **kwargs,
    }
    with pytest.raises(DomainError) as exc:
        post_appoint(**args)
    assert exc.value.message == message
    assert Post.objects.count() == before


@pytest.mark.parametrize("username", ["area", "group", "nchief", "station", "resident"])
def test_only_admins_and_cadres_may_appoint(world, username):
    post_end(post=_nb_chief(world), reason="换届", by=world.users["admin"])
    with pytest.raises(NotAllowed):
        post_appoint(
            unit=world.unit("T1-V1-A1-G1-N1"),
            role=Role.NEIGHBORHOOD_CHIEF,
            resident=world.households["T1-V1-A1-G1-N1"][0].head,
            by=world.users[username],
        )


def test_cadre_cannot_appoint_in_another_village(world):
    with pytest.raises(NotAllowed):
        post_appoint(
            unit=world.unit("T1-V2-A1-G1-N1"),
            role=Role.NEIGHBORHOOD_CHIEF,
            resident=world.households["T1-V2-A1-G1-N1"][0].head,
            by=world.users["cadre"],
        )
    assert access_for(
        world.users["cadre"]
    ).can  # the cadre still exists and is unchanged
