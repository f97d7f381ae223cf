"""Appointing, ending and replacing posts (三长 and cadres). History is never deleted.

Replacing a chief is one step: the old post ends and the successor's begins on the
same day, linked as predecessor. Households belong to the neighborhood, not to the
person, so the successor has them at once; later modules (cases, visits) look up the
current holder of the post, so their open work follows the post too.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhang.core.audit import AuditAction, audit_record
from sanzhang.core.errors import Conflict, DomainError, NotAllowed

from ..access import access_for
from ..levels import Level
from ..models import CHIEF_ROLES, ROLE_LEVEL, Post, Resident, Role, Station, Unit
from ..policy import Action


def _check_manage(by: Any, unit: Unit) -> None:
    if not access_for(by).can(Action.MANAGE_POSTS, unit):
        raise NotAllowed(_("无权任免该单元的职务"))


def _check_holder(
    *, role: str, unit: Unit, resident: Resident | None, on: date
) -> None:
    if role in CHIEF_ROLES and resident is None:
        raise DomainError(_("三长必须从花名册中的居民中选任"))
    if resident is None:
        return
    if not resident.is_active:
        raise DomainError(_("该居民已不在册"))
    household = resident.household
    if role == Role.AREA_CHIEF:
        # 片长 are members of the village committees (村两委).
        is_cadre = Post.objects.filter(
            role=Role.VILLAGE_CADRE,
            unit_id=unit.village_id,
            resident=resident,
            ended_on__isnull=True,
        ).exists()
        if not is_cadre:
            raise DomainError(_("片长须由本村“两委”成员担任，请先登记其村干部职务"))
    elif (
        role in (Role.GROUP_CHIEF, Role.NEIGHBORHOOD_CHIEF, Role.VILLAGE_CADRE)
        and household.village_id != unit.village_id
    ):
        raise DomainError(_("须由本村居民担任"))
    if (
        role == Role.NEIGHBORHOOD_CHIEF
        and household.villager_group_id != unit.villager_group_id
    ):
        raise DomainError(_("邻长须是本组居民（自主自愿、就近结对）"))


def post_appoint(
    *,
    unit: Unit,
    role: str,
    resident: Resident | None = None,
    user: Any = None,
    station: Station | None = None,
    how_chosen: str = Post.HowChosen.APPOINTED,
    started_on: date | None = None,
    by: Any,
    predecessor: Post | None = None,
) -> Post:
    """Give a person a role over a unit from `started_on` (today by default)."""
    _check_manage(by, unit)
    if role not in ROLE_LEVEL:
        raise DomainError(_("未知职务"))
    if ROLE_LEVEL[role] != unit.level:
        raise DomainError(
            _("%(role)s只能设在%(level)s一级")
            % {"role": Role(role).label, "level": Level(ROLE_LEVEL[role]).label}
        )
    if how_chosen not in Post.HowChosen.values:
        raise DomainError(_("请选择产生方式"))
    on = started_on or timezone.localdate()
    if on > timezone.localdate():
        raise DomainError(_("任职日期不能晚于今天"))
    _check_holder(role=role, unit=unit, resident=resident, on=on)
    if role == Role.STATION_STAFF and station is None:
        raise DomainError(_("站所工作人员须选择站所"))
    holder_name = resident.name if resident else (user.display_name or user.username)
    try:
        with transaction.atomic():
            post = Post.objects.create(
                role=role,
                unit=unit,
                township_id=unit.township_id,
                station=station,
                resident=resident,
                user=user,
                holder_name=holder_name,
                how_chosen=how_chosen,
                started_on=on,
                predecessor=predecessor,
            )
            audit_record(
                by=by,
                action=AuditAction.POST_APPOINT,
                obj=post,
                township_id=unit.township_id,
                role=role,
                unit=unit.pk,
            )
    except IntegrityError:
        raise Conflict(_("该职务已有人在任，请使用“更换”")) from None
    return post


def post_end(*, post: Post, reason: str, by: Any, ended_on: date | None = None) -> Post:
    """End a post; a chief's post then shows as a vacancy until someone takes it."""
    _check_manage(by, post.unit)
    on = ended_on or timezone.localdate()
    if on < post.started_on:
        raise DomainError(_("卸任日期不能早于任职日期"))
    with transaction.atomic():
        updated = Post.objects.filter(pk=post.pk, ended_on__isnull=True).update(
            ended_on=on, end_reason=reason[:120]
        )
        if not updated:
            raise Conflict(_("该职务已卸任"))
        post.ended_on, post.end_reason = on, reason[:120]
        audit_record(
            by=by, action=AuditAction.POST_END, obj=post, township_id=post.township_id
        )
    return post


def post_replace(
    *,
    post: Post,
    successor: Resident,
    how_chosen: str,
    by: Any,
    reason: str = "",
    on: date | None = None,
) -> Post:
    """Hand a chief's post to a successor in one step; returns the new post."""
    if post.resident_id == successor.pk:
        raise DomainError(_("接任者与现任是同一人"))
    with transaction.atomic():
        post_end(post=post, reason=reason or _("更换"), by=by, ended_on=on)
        new = post_appoint(
            unit=post.unit,
            role=post.role,
            resident=successor,
            station=post.station,
            how_chosen=how_chosen,
            started_on=on,
            by=by,
            predecessor=post,
        )
        audit_record(
            by=by,
            action=AuditAction.POST_REPLACE,
            obj=new,
            township_id=post.township_id,
            previous=post.pk,
        )
    return new
