"""The unit tree: level rules, derived path and ancestor columns, moves."""

import pytest

from sanzhang.core.errors import DomainError
from sanzhang.org.levels import Level
from sanzhang.org.models import Household, Unit
from sanzhang.org.services.units import (
    group_move_to_area,
    unit_create,
    units_rebuild_derived,
)


def test_derived_columns_follow_parent_links(world):
    nb = world.unit("T1-V1-A1-G1-N1")
    chain = [world.unit(k) for k in ("T1", "T1-V1", "T1-V1-A1", "T1-V1-A1-G1")]
    assert (nb.township, nb.village, nb.area, nb.villager_group, nb.neighborhood) == (
        *chain,
        nb,
    )
    assert nb.path == "/" + "/".join(str(u.pk) for u in (*chain, nb)) + "/"


def test_rebuild_repairs_damaged_derived_columns(world):
    nb = world.unit("T1-V1-A1-G1-N1")
    Unit.objects.filter(pk=nb.pk).update(path="/broken/", area=None, village=None)
    units_rebuild_derived()
    nb.refresh_from_db()
    assert (nb.path, nb.area_id, nb.village_id) == (
        world.unit("T1-V1-A1-G1").path + f"{nb.pk}/",
        world.unit("T1-V1-A1").pk,
        world.unit("T1-V1").pk,
    )


@pytest.mark.parametrize(
    ("parent_key", "level"),
    [
        ("T1", Level.AREA),
        ("T1-V1", Level.NEIGHBORHOOD),
        (None, Level.VILLAGE),
        ("T1-V1-A1-G1-N1", Level.GROUP),
    ],
)
def test_level_rules(world, parent_key, level):
    parent = world.unit(parent_key) if parent_key else None
    with pytest.raises(DomainError):
        unit_create(parent=parent, level=level, name="新单元")


def test_duplicate_name_under_same_parent_refused(world):
    with pytest.raises(DomainError, match="同名"):
        unit_create(parent=world.unit("T1"), level=Level.VILLAGE, name="村1")


def test_moving_a_group_to_another_area_moves_its_households(world):
    group = world.unit("T1-V1-A1-G2")
    Unit.objects.filter(pk=group.pk).update(name="组9")
    group.refresh_from_db()
    target = world.unit("T1-V1-A2")
    group_move_to_area(group=group, area=target)
    moved = Household.objects.filter(villager_group=group)
    assert set(moved.values_list("area_id", flat=True)) == {target.pk}
    nb = Unit.objects.get(pk=world.unit("T1-V1-A1-G2-N1").pk)
    assert (nb.area_id, nb.path.startswith(target.path)) == (target.pk, True)


def test_group_move_refuses_a_name_clash(world):
    with pytest.raises(DomainError, match="同名"):
        group_move_to_area(group=world.unit("T1-V1-A1-G2"), area=world.unit("T1-V1-A2"))


def test_group_cannot_move_to_another_village(world):
    with pytest.raises(DomainError):
        group_move_to_area(group=world.unit("T1-V1-A1-G2"), area=world.unit("T1-V2-A1"))
