"""走访 over the API: record a visit (idempotent on `client_key`), list visits, and the
coverage of a unit. Same services and scope as the pages; out of scope is a 404."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from sanzhang.cases.models import Category
from sanzhang.core.errors import NotFound
from sanzhang.core.parsing import MAX_ID
from sanzhang.visits import selectors as sel
from sanzhang.visits.access import (
    VisitAction,
    get_campaign_for,
    get_household_for,
    get_unit_for,
    may,
    visits_visible_to,
)
from sanzhang.visits.services.record import visit_record

from .schemas import ErrorOut

router = Router(tags=["visits"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class VisitIn(Schema):
    client_key: uuid.UUID = Field(
        ...,
        description="客户端生成的 UUID；重试时原样再发，服务器不会重复登记",
        examples=["3f0d6a52-6c1e-4f7a-9b7d-1c2e3a4b5c6d"],
    )
    household_id: int = Field(..., examples=[301])
    kind: str = Field(
        "routine",
        description="routine 串门 / service 上门服务 / knock 敲门 / followup 回访",
        examples=["routine"],
    )
    visited_on: date | None = Field(
        None, description="走访日期，默认今天；不能晚于今天"
    )
    people_served: int = Field(1, description="本次服务人次，1–50", examples=[2])
    notes: str = Field("", max_length=2000, examples=["老人身体尚好，药已备足"])
    needs: str = Field("", max_length=2000, examples=["屋后电线老化"])
    campaign_id: int | None = Field(None, description="所属全覆盖走访活动")
    raise_case: bool = Field(False, description="把发现的诉求立即登记为事件")
    category_id: int | None = Field(None, description="登记事件时的分类（必填）")


class VisitOut(Schema):
    id: int
    household_id: int
    recorded_by_id: int
    kind: str
    visited_on: date
    people_served: int
    notes: str
    needs: str
    case_id: int | None
    campaign_id: int | None
    created_at: datetime


class VisitListParams(Schema):
    # ids are bounded like the database's keys: a longer number is a 422, not a crash.
    unit: int | None = Field(None, ge=1, le=MAX_ID, description="单元 id（其下所有户）")
    start: date | None = None
    end: date | None = None
    kind: str = ""
    person: int | None = Field(None, ge=1, le=MAX_ID, description="走访人账号 id")
    household: int | None = Field(None, ge=1, le=MAX_ID)
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_ID)


class FiguresOut(Schema):
    total: int = Field(..., description="在册户数")
    v30: int = Field(..., description="近30天（含今天）至少走访一次的户数")
    v90: int = Field(..., description="近90天至少走访一次的户数")
    r30: float | None
    r90: float | None


class ChildCoverageOut(Schema):
    unit_id: int
    name: str
    figures: FiguresOut


class CoverageOut(Schema):
    unit_id: int
    today: date
    visited: int = Field(..., description="[start, end] 内至少走访一次的在册户数")
    total: int = Field(..., description="在册户数")
    start: date
    end: date
    figures: FiguresOut
    children: list[ChildCoverageOut]


def _figures(f: sel.Figures) -> dict:
    return {"total": f.total, "v30": f.v30, "v90": f.v90, "r30": f.r30, "r90": f.r90}


@router.post(
    "/visits",
    response={201: VisitOut, 200: VisitOut, **ERRORS},
    summary="登记走访（幂等：同一 client_key 重发返回原记录；内容不同返回 422）",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "examples": {
                        "routine": {
                            "summary": "邻长串门",
                            "value": {
                                "client_key": "3f0d6a52-6c1e-4f7a-9b7d-1c2e3a4b5c6d",
                                "household_id": 301,
                                "kind": "routine",
                                "people_served": 2,
                                "notes": "老人身体尚好",
                            },
                        },
                        "raise_case": {
                            "summary": "发现诉求，立即登记事件",
                            "value": {
                                "client_key": "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
                                "household_id": 301,
                                "kind": "service",
                                "needs": "屋后电线老化，担心起火",
                                "raise_case": True,
                                "category_id": 21,
                            },
                        },
                    }
                }
            }
        }
    },
)
def visit_create(request, payload: VisitIn):
    user = request.auth
    household = get_household_for(user, payload.household_id)
    category = None
    if payload.category_id:
        category = Category.objects.filter(
            pk=payload.category_id, township_id=household.township_id, is_active=True
        ).first()
        if category is None:
            raise NotFound("找不到该分类")
    campaign = (
        get_campaign_for(user, payload.campaign_id) if payload.campaign_id else None
    )
    visit, created = visit_record(
        by=user,
        client_key=payload.client_key,
        household=household,
        kind=payload.kind,
        visited_on=payload.visited_on or timezone.localdate(),
        people_served=payload.people_served,
        notes=payload.notes,
        needs=payload.needs,
        campaign=campaign,
        raise_case=payload.raise_case,
        category=category,
    )
    return Status(201 if created else 200, visit)


@router.get(
    "/visits",
    response={200: list[VisitOut], **ERRORS},
    summary="走访记录（管辖范围内）",
)
def visit_index(request, params: Query[VisitListParams]):
    user = request.auth
    if not may(user, VisitAction.LEDGER):
        return []
    unit = get_unit_for(user, params.unit, VisitAction.LEDGER) if params.unit else None
    f = sel.VisitFilter(
        unit=unit,
        start=params.start,
        end=params.end,
        kind=params.kind,
        person=params.person,
        household=params.household,
    )
    limit = min(max(params.limit, 1), 200)
    offset = min(max(params.offset, 0), 10**9)
    return list(sel.visit_list(visits_visible_to(user), f)[offset : offset + limit])


@router.get(
    "/units/{unit_id}/visit-coverage",
    response={200: CoverageOut, **ERRORS},
    summary="单元走访覆盖率：指定期间，以及近30/90天按下级单元分解",
    description=(
        "覆盖率 = 期间内至少走访一次的在册户数 ÷ 在册户数（按户当前所在单元统计）。"
        "start/end 默认为近30天（含今天）。"
    ),
)
def visit_coverage(
    request, unit_id: int, start: date | None = None, end: date | None = None
):
    unit = get_unit_for(request.auth, unit_id, VisitAction.COVERAGE)
    today = timezone.localdate()
    end = end or today
    start = start or end - timedelta(days=29)
    visited, total = sel.coverage(unit, start, end)
    b = sel.coverage_breakdown(unit, today)
    return {
        "unit_id": unit.pk,
        "today": today,
        "visited": visited,
        "total": total,
        "start": start,
        "end": end,
        "figures": _figures(b.figures),
        "children": [
            {"unit_id": u.pk, "name": u.name, "figures": _figures(f)}
            for u, f in b.children
        ],
    }
