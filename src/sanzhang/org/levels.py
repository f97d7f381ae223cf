"""The levels of the unit tree and which may hold which.

township > village > area > group > neighborhood; households hang off neighborhoods
(and, until they are paired, off their group). The depth is fixed, so every unit and
household also carries the id of each ancestor (`township_id` ... `neighborhood_id`):
"this unit and all below" is one indexed equality, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    TOWNSHIP = "township", _("乡镇")
    VILLAGE = "village", _("村（社区）")
    AREA = "area", _("片")
    GROUP = "group", _("组")
    NEIGHBORHOOD = "neighborhood", _("邻")


ORDER: tuple[Level, ...] = (
    Level.TOWNSHIP,
    Level.VILLAGE,
    Level.AREA,
    Level.GROUP,
    Level.NEIGHBORHOOD,
)
DEPTH: dict[str, int] = {level.value: i for i, level in enumerate(ORDER)}
PARENT_LEVEL: dict[str, Level | None] = {
    level.value: (ORDER[i - 1] if i else None) for i, level in enumerate(ORDER)
}
CHILD_LEVEL: dict[str, Level | None] = {
    level.value: (ORDER[i + 1] if i + 1 < len(ORDER) else None)
    for i, level in enumerate(ORDER)
}
# The ancestor column that, set to a unit's id, selects that unit's subtree.
SCOPE_FIELD: dict[str, str] = {
    Level.TOWNSHIP: "township_id",
    Level.VILLAGE: "village_id",
    Level.AREA: "area_id",
    Level.GROUP: "villager_group_id",
    Level.NEIGHBORHOOD: "neighborhood_id",
}
ANCESTOR_FIELDS: tuple[str, ...] = tuple(SCOPE_FIELD[level] for level in ORDER)

# Neighborhood size rule (5-15 households), from the article.
NEIGHBORHOOD_MIN = 5
NEIGHBORHOOD_MAX = 15


def level_label(level: str) -> str:
    return str(Level(level).label)
