"""Reads shared by pages, API and commands: tree counts, chiefs, integrity, stats."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from .levels import (
    CHILD_LEVEL,
    DEPTH,
    NEIGHBORHOOD_MAX,
    NEIGHBORHOOD_MIN,
    ORDER,
    SCOPE_FIELD,
    Level,
)
from .models import CHIEF_OF_LEVEL, CHIEF_ROLES, Household, Post, Resident, Role, Unit

COUNT_LEVELS = (Level.VILLAGE, Level.AREA, Level.GROUP, Level.NEIGHBORHOOD)


@dataclass
class UnitCounts:
    unit: Unit
    counts: dict[str, int] = field(default_factory=dict)  # level -> number below
    households: int = 0
    chiefs: list[Post] = field(default_factory=list)


def active_posts() -> QuerySet[Post]:
    return Post.objects.filter(ended_on__isnull=True)


def unit_children_counts(unit: Unit) -> list[UnitCounts]:
    """The children of `unit`, each with the number of units and households below it.

    Three grouped queries however big the subtree: units by (child, level), households
    by child, and the chiefs of the children.
    """
    child_level = CHILD_LEVEL[unit.level]
    if child_level is None:
        return []
    children = list(
        Unit.objects.filter(parent=unit, is_active=True).order_by("sort_order", "id")
    )
    rows = {c.pk: UnitCounts(unit=c) for c in children}
    child_field = SCOPE_FIELD[child_level]
    parent_q = Q(**{SCOPE_FIELD[unit.level]: unit.pk})
    deeper = [lv for lv in ORDER if DEPTH[lv] > DEPTH[child_level]]
    for row in (
        Unit.objects.filter(parent_q, level__in=deeper, is_active=True)
        .values(child_field, "level")
        .annotate(n=Count("id"))
    ):
        if row[child_field] in rows:
            rows[row[child_field]].counts[row["level"]] = row["n"]
    for row in (
        Household.objects.filter(parent_q, is_active=True)
        .values(child_field)
        .annotate(n=Count("id"))
    ):
        if row[child_field] in rows:
            rows[row[child_field]].households = row["n"]
    for post in (
        active_posts().filter(unit__in=children, role__in=CHIEF_ROLES).order_by("id")
    ):
        rows[post.unit_id].chiefs.append(post)
    return list(rows.values())


def unit_totals(unit: Unit) -> dict[str, int]:
    """Units per level and households inside `unit` (itself excluded)."""
    q = Q(**{SCOPE_FIELD[unit.level]: unit.pk})
    totals = {lv.value: 0 for lv in COUNT_LEVELS if DEPTH[lv] > DEPTH[unit.level]}
    for row in (
        Unit.objects.filter(q, is_active=True)
        .exclude(pk=unit.pk)
        .values("level")
        .annotate(n=Count("id"))
    ):
        totals[row["level"]] = row["n"]
    totals["households"] = Household.objects.filter(q, is_active=True).count()
    return totals


def unit_chiefs(unit: Unit) -> list[Post]:
    return list(
        active_posts()
        .filter(unit=unit)
        .select_related("resident")
        .order_by("role", "id")
    )


def unit_ancestors(unit: Unit) -> list[Unit]:
    ids = [int(x) for x in unit.path.strip("/").split("/") if x][:-1]
    by_id = Unit.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def household_chief(household: Household) -> Post | None:
    if not household.neighborhood_id:
        return None
    return (
        active_posts()
        .filter(unit_id=household.neighborhood_id, role=Role.NEIGHBORHOOD_CHIEF)
        .first()
    )


def stats(scope: Q | None = None) -> dict[str, int]:
    """Counts per level inside `scope` (everything when None): `sanzhang stats` keys."""
    scope = scope if scope is not None else Q()
    units = Unit.objects.filter(scope, is_active=True)
    households = Household.objects.filter(scope, is_active=True)
    per_level = dict(units.values_list("level").annotate(n=Count("id")))
    per_role = dict(
        active_posts()
        .filter(unit__in=units.values("pk"), role__in=CHIEF_ROLES)
        .values_list("role")
        .annotate(n=Count("id"))
    )
    return {
        "villages": per_level.get(Level.VILLAGE, 0),
        "areas": per_level.get(Level.AREA, 0),
        "groups": per_level.get(Level.GROUP, 0),
        "neighborhoods": per_level.get(Level.NEIGHBORHOOD, 0),
        "households": households.count(),
        "residents": Resident.objects.filter(
            household__in=households.values("pk"), is_active=True
        ).count(),
        "area_chiefs": per_role.get(Role.AREA_CHIEF, 0),
        "group_chiefs": per_role.get(Role.GROUP_CHIEF, 0),
        "neighborhood_chiefs": per_role.get(Role.NEIGHBORHOOD_CHIEF, 0),
    }


# --- integrity: 户户有人联 -----------------------------------------------------------
@dataclass(frozen=True)
class Violation:
    kind: str
    severity: str  # "error" must be fixed; "warning" is allowed but shown
    message: str
    unit_id: int | None = None
    household_id: int | None = None
    fix_url: str = ""


def violation_kinds() -> dict[str, str]:
    return {
        "household_unpaired": _("户未编入邻"),
        "household_no_head": _("户无户主"),
        "neighborhood_cross_group": _("邻跨组"),
        "neighborhood_small": _("邻少于5户"),
        "neighborhood_large": _("邻多于15户"),
        "neighborhood_no_chief": _("邻长空缺"),
        "group_no_chief": _("组长空缺"),
        "area_no_chief": _("片长空缺"),
    }


def _unit_labels(units: QuerySet[Unit]) -> dict[int, str]:
    """ "东风村 第一片 三组 2邻"-style labels, from one query over the subtree's units."""
    names = dict(
        Unit.objects.filter(pk__in=units.values("village_id")).values_list("pk", "name")
    )
    names.update(units.values_list("pk", "name"))
    labels = {}
    for pk, path in units.values_list("pk", "path"):
        ids = [int(x) for x in path.strip("/").split("/")[1:]]
        labels[pk] = " ".join(names.get(i, "") for i in ids)
    return labels


def _household_violations(
    households: QuerySet[Household], limit: int
) -> list[Violation]:
    out = []
    checks = (
        (
            "household_unpaired",
            Q(neighborhood__isnull=True),
            _("%(code)s %(address)s 未编入任何邻"),
        ),
        ("household_no_head", Q(head__isnull=True), _("%(code)s %(address)s 没有户主")),
    )
    for kind, q, text in checks:
        for hh in households.filter(q).order_by("code")[:limit]:
            out.append(
                Violation(
                    kind,
                    "error",
                    text % {"code": hh.code, "address": hh.address},
                    household_id=hh.pk,
                    fix_url=reverse("web:household-detail", args=[hh.pk]),
                )
            )
    return out


def _neighborhood_violations(
    scope: Q, households: QuerySet[Household], labels: dict[int, str]
) -> list[Violation]:
    neighborhoods = Unit.objects.filter(scope, level=Level.NEIGHBORHOOD, is_active=True)
    # Membership counts by the neighborhood, wherever the household's own group is.
    paired = Household.objects.filter(
        neighborhood__in=neighborhoods.values("pk"), is_active=True
    )
    sizes = dict(paired.values_list("neighborhood_id").annotate(n=Count("id")))
    group_sizes = dict(
        households.values_list("villager_group_id").annotate(n=Count("id"))
    )
    crossing = set(
        paired.exclude(
            villager_group_id=F("neighborhood__villager_group_id")
        ).values_list("neighborhood_id", flat=True)
    )
    out = []
    for nb in neighborhoods.order_by("path"):
        n = sizes.get(nb.pk, 0)
        url = reverse("web:unit-detail", args=[nb.pk])
        label = labels.get(nb.pk, nb.name)
        if nb.pk in crossing:
            out.append(
                Violation(
                    "neighborhood_cross_group",
                    "error",
                    _("%(name)s含有其他组的户") % {"name": label},
                    nb.pk,
                    None,
                    url,
                )
            )
        # A whole group smaller than the minimum is one legal neighborhood.
        if (
            n < NEIGHBORHOOD_MIN
            and group_sizes.get(nb.villager_group_id, 0) >= NEIGHBORHOOD_MIN
        ):
            out.append(
                Violation(
                    "neighborhood_small",
                    "warning",
                    _("%(name)s只有%(n)d户（应为5-15户）") % {"name": label, "n": n},
                    nb.pk,
                    None,
                    url,
                )
            )
        if n > NEIGHBORHOOD_MAX:
            out.append(
                Violation(
                    "neighborhood_large",
                    "warning",
                    _("%(name)s有%(n)d户（应为5-15户）") % {"name": label, "n": n},
                    nb.pk,
                    None,
                    url,
                )
            )
    return out


def _vacancy_violations(scope: Q, labels: dict[int, str]) -> list[Violation]:
    units = Unit.objects.filter(scope, is_active=True)
    held = set(
        active_posts()
        .filter(unit__in=units.values("pk"), role__in=CHIEF_ROLES)
        .values_list("unit_id", "role")
    )
    kinds = {
        Level.AREA: "area_no_chief",
        Level.GROUP: "group_no_chief",
        Level.NEIGHBORHOOD: "neighborhood_no_chief",
    }
    out = []
    for level, kind in kinds.items():
        role = CHIEF_OF_LEVEL[level]
        for pk in (
            units.filter(level=level).order_by("path").values_list("pk", flat=True)
        ):
            if (pk, role) not in held:
                out.append(
                    Violation(
                        kind,
                        "error",
                        _("%(name)s：%(role)s空缺")
                        % {"name": labels.get(pk, ""), "role": Role(role).label},
                        pk,
                        None,
                        reverse("web:unit-posts", args=[pk]),
                    )
                )
    return out


def integrity_violations(scope: Q, *, limit: int = 5000) -> list[Violation]:
    """Every breach of 户户有人联 inside `scope`, each with a link to fix it."""
    households = Household.objects.filter(scope, is_active=True)
    labels = _unit_labels(Unit.objects.filter(scope, is_active=True))
    return (
        _household_violations(households, limit)
        + _neighborhood_violations(scope, households, labels)
        + _vacancy_violations(scope, labels)
    )
