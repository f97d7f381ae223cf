"""The township's case tree: installed from defaults, then edited by its admin."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sanzhang.core.errors import DomainError, NotAllowed
from sanzhang.org.models import Unit

from ..access import may_manage_categories
from ..defaults import CATEGORIES
from ..models import Category
from ..states import LADDER, HandlingLevel


def category_install_defaults(*, township: Unit) -> int:
    """Create the default rural tree for a township, once; returns rows created."""
    created = 0
    with transaction.atomic():
        for i, (
            code,
            name,
            level,
            station,
            days,
            limits,
            dispute,
            urgent,
            children,
        ) in enumerate(CATEGORIES):
            parent, new = Category.objects.get_or_create(
                township=township,
                code=code,
                defaults={
                    "name": name,
                    "default_level": level,
                    "default_station_code": station,
                    "limit_days": days,
                    "level_limits": dict(limits),
                    "is_dispute": dispute,
                    "is_emergency": urgent,
                    "sort_order": i * 100,
                },
            )
            created += new
            for j, child in enumerate(children):
                _child, new = Category.objects.get_or_create(
                    township=township,
                    code=f"{code}.{j + 1}",
                    defaults={
                        "name": child,
                        "parent": parent,
                        "default_level": level,
                        "default_station_code": station,
                        "limit_days": days,
                        "level_limits": dict(limits),
                        "is_dispute": dispute,
                        "is_emergency": urgent,
                        "sort_order": i * 100 + j + 1,
                    },
                )
                created += new
    return created


def categories_for(township_id: int) -> list[Category]:
    """The active tree of a township, installing the defaults on first use."""
    rows = list(Category.objects.filter(township_id=township_id, is_active=True))
    if not rows and not Category.objects.filter(township_id=township_id).exists():
        category_install_defaults(township=Unit.objects.get(pk=township_id))
        rows = list(Category.objects.filter(township_id=township_id, is_active=True))
    return rows


def category_update(
    *,
    category: Category,
    by: Any,
    name: str | None = None,
    default_level: str | None = None,
    default_station_code: str | None = None,
    limit_days: int | None = None,
    level_limits: dict[str, int] | None = None,
    is_active: bool | None = None,
    is_emergency: bool | None = None,
    urgent_hours: int | None = None,
) -> Category:
    if not may_manage_categories(by, category.township):
        raise NotAllowed(_("只有乡镇管理员可以修改事件分类"))
    if name is not None:
        name = name.strip()[:40]
        if not name:
            raise DomainError(_("请填写分类名称"))
        category.name = name
    if default_level is not None:
        if default_level not in HandlingLevel.values:
            raise DomainError(_("请选择办理层级"))
        category.default_level = default_level
    if default_station_code is not None:
        if not category.township.stations.filter(code=default_station_code).exists():
            raise DomainError(_("找不到该乡站所"))
        category.default_station_code = default_station_code
    if limit_days is not None:
        if not 0 <= limit_days <= 90:
            raise DomainError(_("时限应在 0 到 90 个工作日之间"))
        category.limit_days = limit_days
    if level_limits is not None:
        clean = {}
        for level, days in level_limits.items():
            if level not in LADDER or not 0 <= int(days) <= 90:
                raise DomainError(_("各层级时限应在 0 到 90 个工作日之间"))
            clean[level] = int(days)
        category.level_limits = clean
    if is_active is not None:
        category.is_active = is_active
    if is_emergency is not None:
        category.is_emergency = is_emergency
    if urgent_hours is not None:
        if not 1 <= urgent_hours <= 72:
            raise DomainError(_("紧急时限应在 1 到 72 小时之间"))
        category.urgent_hours = urgent_hours
    category.save()
    return category


def category_add(
    *,
    township: Unit,
    by: Any,
    name: str,
    parent: Category | None = None,
    default_level: str = HandlingLevel.VILLAGE,
) -> Category:
    if not may_manage_categories(by, township):
        raise NotAllowed(_("只有乡镇管理员可以修改事件分类"))
    name = (name or "").strip()[:40]
    if not name:
        raise DomainError(_("请填写分类名称"))
    if default_level not in HandlingLevel.values:
        raise DomainError(_("请选择办理层级"))
    n = Category.objects.filter(township=township).count() + 1
    base = parent or Category(limit_days=5, default_station_code="dangzheng")
    return Category.objects.create(
        township=township,
        parent=parent,
        code=f"custom.{n}",
        name=name,
        default_level=default_level,
        default_station_code=base.default_station_code,
        limit_days=base.limit_days,
        level_limits=dict(base.level_limits or {}),
        is_dispute=bool(parent and parent.is_dispute),
        sort_order=10_000 + n,
    )
