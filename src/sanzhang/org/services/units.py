"""The only writer of the unit tree: create, rename, move, and rebuild derived columns."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from sanzhang.core.db import update_rows
from sanzhang.core.errors import DomainError

from ..levels import ANCESTOR_FIELDS, CHILD_LEVEL, PARENT_LEVEL, SCOPE_FIELD, Level
from ..models import Household, Unit
from ..pii import clean_text


def _derive(unit: Unit, parent: Unit | None) -> None:
    """Fill path and ancestor columns of `unit` (which has a pk) from its parent."""
    for field in ANCESTOR_FIELDS:
        setattr(unit, field, getattr(parent, field) if parent else None)
    setattr(unit, SCOPE_FIELD[unit.level], unit.pk)
    unit.path = (parent.path if parent else "/") + f"{unit.pk}/"


def unit_create(
    *,
    parent: Unit | None,
    level: str,
    name: str,
    code: str = "",
    sort_order: int = 0,
    lon: float | None = None,
    lat: float | None = None,
    is_demo: bool = False,
) -> Unit:
    """Add a unit under `parent`, one level below it."""
    name = clean_text(name, field=_("名称"), max_length=60)
    expected_parent = PARENT_LEVEL[level]
    if (parent is None) != (expected_parent is None) or (
        parent is not None and parent.level != expected_parent
    ):
        raise DomainError(
            _("%(child)s必须建在%(parent)s之下")
            % {
                "child": Level(level).label,
                "parent": Level(expected_parent).label if expected_parent else "—",
            }
        )
    if (
        parent is not None
        and Unit.objects.filter(parent=parent, name=name, is_active=True).exists()
    ):
        raise DomainError(_("同一上级下已有同名单元：%(name)s") % {"name": name})
    with transaction.atomic():
        unit = Unit.objects.create(
            parent=parent,
            level=level,
            name=name,
            code=code,
            sort_order=sort_order,
            lon=lon,
            lat=lat,
            is_demo=is_demo or bool(parent and parent.is_demo),
        )
        _derive(unit, parent)
        unit.save(
            update_fields=["path", *[f.removesuffix("_id") for f in ANCESTOR_FIELDS]]
        )
    return unit


def units_rebuild_derived(*, root: Unit | None = None) -> int:
    """Recompute path and ancestor columns from `parent` links, top-down; returns count.

    Walks the parent links level by level (not the paths, which may be stale), so it
    repairs any damage and completes units that bulk loads inserted without them.
    """
    if root is None:
        frontier = list(Unit.objects.filter(parent__isnull=True))
        parents: dict[int, Unit] = {}
    else:
        frontier = [Unit.objects.get(pk=root.pk)]
        parents = {p.pk: p for p in Unit.objects.filter(pk=root.parent_id)}
    ordered: list[Unit] = []
    while frontier:
        for unit in frontier:
            _derive(unit, parents.get(unit.parent_id) if unit.parent_id else None)
            parents[unit.pk] = unit
        ordered += frontier
        frontier = list(
            Unit.objects.filter(parent_id__in=[u.pk for u in frontier]).order_by("id")
        )
    fields = ["path", *[f.removesuffix("_id") for f in ANCESTOR_FIELDS]]
    with transaction.atomic():
        update_rows(Unit, fields, ordered)
    return len(ordered)


def group_move_to_area(*, group: Unit, area: Unit, by: object | None = None) -> Unit:
    """Re-assign a villager group to another area of the same village (划片 change).

    The group keeps its households and neighborhoods; their ancestor columns follow.
    """
    if group.level != Level.GROUP or area.level != Level.AREA:
        raise DomainError(_("只能把组调整到片"))
    if area.village_id != group.village_id:
        raise DomainError(_("组只能在本村的片之间调整"))
    if Unit.objects.filter(parent=area, name=group.name, is_active=True).exists():
        raise DomainError(
            _("%(area)s已有同名的%(group)s") % {"area": area.name, "group": group.name}
        )
    with transaction.atomic():
        units = Unit.objects.filter(villager_group=group)
        units.update(area=area)
        Household.objects.filter(villager_group=group).update(area=area)
        group.parent = area
        group.area = area
        group.save(update_fields=["parent", "area"])
        units_rebuild_derived(root=group)
    return group


def unit_child_level(unit: Unit) -> str | None:
    child = CHILD_LEVEL[unit.level]
    return child.value if child else None


__all__ = [
    "unit_create",
    "units_rebuild_derived",
    "group_move_to_area",
    "unit_child_level",
]
