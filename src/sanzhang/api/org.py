"""Units, households, residents and posts, scoped exactly as the pages are."""

from __future__ import annotations

from django.db.models import Q
from ninja import Query, Router, Schema

from sanzhang.core.errors import NotFound
from sanzhang.org.access import (
    access_for,
    get_household_for,
    get_resident_for,
    get_unit_for,
    households_under,
    households_visible_to,
    residents_visible_to,
    units_visible_to,
)
from sanzhang.org.levels import SCOPE_FIELD, Level
from sanzhang.org.models import Post
from sanzhang.org.policy import Action
from sanzhang.org.selectors import stats
from sanzhang.org.services.households import resident_reveal

from .schemas import (
    ErrorOut,
    HouseholdDetailOut,
    HouseholdOut,
    PostOut,
    ResidentOut,
    RevealIn,
    RevealOut,
    UnitOut,
    UnitStatsOut,
)

router = Router(tags=["org"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
MAX_LIMIT = 500


class ListParams(Schema):
    limit: int = 50
    offset: int = 0

    def window(self) -> slice:
        limit = min(max(self.limit, 1), MAX_LIMIT)
        offset = min(max(self.offset, 0), 10**9)
        return slice(offset, offset + limit)


class UnitFilter(ListParams):
    parent: int | None = None
    level: Level | None = None


@router.get(
    "/units", response={200: list[UnitOut], **ERRORS}, summary="单元列表（管辖范围内）"
)
def unit_list(request, filters: Query[UnitFilter]):
    qs = units_visible_to(request.auth)
    if filters.parent is not None:
        qs = qs.filter(parent_id=filters.parent)
    if filters.level is not None:
        qs = qs.filter(level=filters.level)
    return list(qs.order_by("path")[filters.window()])


@router.get("/units/{unit_id}", response={200: UnitOut, **ERRORS}, summary="单元")
def unit_get(request, unit_id: int):
    return get_unit_for(request.auth, unit_id)


@router.get(
    "/units/{unit_id}/stats",
    response={200: UnitStatsOut, **ERRORS},
    summary="单元下各层级数量",
)
def unit_stats(request, unit_id: int):
    unit = get_unit_for(request.auth, unit_id)
    return stats(Q(**{SCOPE_FIELD[unit.level]: unit.pk}))


class HouseholdFilter(ListParams):
    unit: int | None = None
    q: str | None = None


@router.get(
    "/households", response={200: list[HouseholdOut], **ERRORS}, summary="户列表"
)
def household_list(request, filters: Query[HouseholdFilter]):
    qs = households_visible_to(request.auth)
    if filters.unit is not None:
        unit = get_unit_for(request.auth, filters.unit, Action.VIEW_HOUSEHOLDS)
        qs = households_under(request.auth, unit)
    if filters.q:
        text = filters.q[:40]
        qs = qs.filter(Q(code__icontains=text) | Q(address__icontains=text))
    return list(qs.order_by("id")[filters.window()])


@router.get(
    "/households/{household_id}",
    response={200: HouseholdDetailOut, **ERRORS},
    summary="户详情（标签按权限过滤）",
)
def household_get(request, household_id: int):
    household = get_household_for(request.auth, household_id)
    tags = access_for(request.auth).visible_tags(household, list(household.tags.all()))
    data = HouseholdOut.from_orm(household).model_dump()
    data["tags"] = [
        {"code": t.code, "name": t.name, "is_sensitive": t.is_sensitive} for t in tags
    ]
    return data


class ResidentFilter(ListParams):
    household: int | None = None


@router.get(
    "/residents",
    response={200: list[ResidentOut], **ERRORS},
    summary="居民列表（身份证号、电话已脱敏）",
)
def resident_list(request, filters: Query[ResidentFilter]):
    qs = residents_visible_to(request.auth)
    if filters.household is not None:
        qs = qs.filter(
            household_id=get_household_for(request.auth, filters.household).pk
        )
    return list(qs.order_by("id")[filters.window()])


@router.get(
    "/residents/{resident_id}", response={200: ResidentOut, **ERRORS}, summary="居民"
)
def resident_get(request, resident_id: int):
    return get_resident_for(request.auth, resident_id)


@router.post(
    "/residents/{resident_id}/reveal",
    response={200: RevealOut, **ERRORS},
    summary="查看完整身份证号或电话（记入审计日志）",
    description="field 取 id_number 或 phone。无权查看时返回 403。",
)
def resident_reveal_api(request, resident_id: int, payload: RevealIn):
    resident = get_resident_for(request.auth, resident_id)
    value = resident_reveal(
        resident=resident,
        field=payload.field,
        by=request.auth,
        ip=request.META.get("REMOTE_ADDR"),
    )
    return {"field": payload.field, "value": value}


class PostFilter(ListParams):
    unit: int | None = None
    active: bool | None = None


@router.get("/posts", response={200: list[PostOut], **ERRORS}, summary="任职记录")
def post_list(request, filters: Query[PostFilter]):
    units = units_visible_to(request.auth)
    if filters.unit is not None:
        unit = get_unit_for(request.auth, filters.unit)
        units = units.filter(**{SCOPE_FIELD[unit.level]: unit.pk})
    qs = Post.objects.filter(unit__in=units.values("pk"))
    if filters.active is not None:
        qs = qs.filter(ended_on__isnull=filters.active)
    return list(qs.order_by("id")[filters.window()])


@router.get("/posts/{post_id}", response={200: PostOut, **ERRORS}, summary="任职")
def post_get(request, post_id: int):
    post = Post.objects.filter(pk=post_id).select_related("unit").first()
    if post is None or not access_for(request.auth).can(Action.VIEW_TREE, post.unit):
        raise NotFound("找不到该任职记录")
    return post
