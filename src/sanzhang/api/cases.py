"""Cases: intake (idempotent on `client_key`), lists, detail with timeline, actions.
Same services and the same scope as the pages."""

from __future__ import annotations

import uuid
from datetime import datetime

from ninja import Field, Query, Router, Schema, Status

from sanzhang.cases.access import get_case_for
from sanzhang.cases.selectors import (
    CaseFilter,
    case_list,
    case_timeline,
    category_in_township,
)
from sanzhang.cases.services.actions import ACTIONS, case_act
from sanzhang.cases.services.categories import categories_for
from sanzhang.cases.services.intake import case_report
from sanzhang.core.errors import DomainError, NotFound
from sanzhang.org.access import access_for, get_household_for, get_unit_for

from .schemas import ErrorOut

router = Router(tags=["cases"])
ERRORS = {
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
}


class CaseIn(Schema):
    client_key: uuid.UUID = Field(
        ...,
        description="客户端生成的 UUID；重试时原样再发，服务器不会重复登记",
        examples=["0b8e2f0e-6a0c-4b7e-9d1e-2f6f2b8d4c11"],
    )
    category_id: int = Field(..., examples=[12])
    text: str = Field(..., max_length=2000, examples=["门前垃圾堆放多日无人清理"])
    household_id: int | None = Field(None, examples=[301])
    unit_id: int | None = Field(None, description="无户时，事件所在的单元（邻/组等）")
    resident_id: int | None = None
    is_anonymous: bool = False
    source: str = Field(
        "visit",
        examples=["visit"],
        description="visit 走访 / phone 电话 / council 议事会 / walk_in 上门 / self 居民自报",
    )
    lon: float | None = None
    lat: float | None = None
    place: str = ""
    level: str | None = Field(None, description="首办层级，默认取分类设置")
    urgent: bool = Field(
        False,
        description="紧急：各层限时按小时计（分类的紧急时限），紧急分类自动为紧急",
    )
    answer: str = Field("", description="现场答复内容；填写即现场办结")
    satisfaction: str = Field(
        "", description="现场答复时居民的评价：satisfied / basically / dissatisfied"
    )


class CaseOut(Schema):
    id: int
    status: str
    category_id: int
    category: str
    text: str
    source: str
    household_id: int | None
    is_anonymous: bool
    handling_level: str
    handling_unit_id: int
    station_id: int | None
    due_at: datetime
    deadline_flag: str
    answered_on_spot: bool
    is_urgent: bool
    resolution: str
    satisfaction: str
    is_tracked: bool
    is_dispute: bool
    reopen_count: int
    version: int
    created_at: datetime

    @staticmethod
    def resolve_category(obj) -> str:
        return obj.category.name


class EventOut(Schema):
    kind: str
    at: datetime
    by_name: str
    from_status: str
    to_status: str
    from_level: str
    to_level: str
    note: str


class CaseDetailOut(CaseOut):
    events: list[EventOut]

    @staticmethod
    def resolve_events(obj) -> list:
        return list(case_timeline(obj))


class ActionIn(Schema):
    action: str = Field(..., description=" / ".join(ACTIONS), examples=["escalate"])
    version: int = Field(..., description="调用方看到的 version；他人先改过则返回 409")
    text: str = Field(
        "", description="理由 / 办理结果 / 回访情况 / 进展", examples=["需要组里协调"]
    )
    station_code: str = Field("", examples=["sifa"])
    satisfaction: str = Field("", examples=["satisfied"])
    supervisor_name: str = ""


class CategoryOut(Schema):
    id: int
    parent_id: int | None
    code: str
    name: str
    default_level: str
    default_station_code: str
    limit_days: int
    is_dispute: bool


class CaseListParams(Schema):
    queue: str = Field("", description="mine / village / station / tracked")
    status: str = ""
    category: int | None = None
    overdue: bool = False
    level: str = ""
    unit: int | None = None
    q: str = Field("", description="全文检索（包含每个词）")
    limit: int = 50
    offset: int = 0


def _detail(case):
    return case


@router.post(
    "/cases",
    response={201: CaseOut, 200: CaseOut, **ERRORS},
    summary="登记事件（幂等：同一 client_key 重发返回原事件；内容不同返回 422）",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "examples": {
                        "visit": {
                            "summary": "邻长走访登记",
                            "value": {
                                "client_key": "0b8e2f0e-6a0c-4b7e-9d1e-2f6f2b8d4c11",
                                "category_id": 12,
                                "text": "门前垃圾堆放多日无人清理",
                                "household_id": 301,
                                "source": "visit",
                            },
                        },
                        "on_spot": {
                            "summary": "现场答复并结案",
                            "value": {
                                "client_key": "5d1c3a8e-0f3e-4d8b-a8e1-33b0c2f1e9aa",
                                "category_id": 80,
                                "text": "问医保缴费截止时间",
                                "household_id": 301,
                                "answer": "12月31日前在村委代缴",
                                "satisfaction": "satisfied",
                            },
                        },
                    }
                }
            }
        }
    },
)
def case_create(request, payload: CaseIn):
    user = request.auth
    household = (
        # With its neighbourhood and group: case_report places the case by them.
        get_household_for(user, payload.household_id, with_unit=True)
        if payload.household_id
        else None
    )
    unit = (
        get_unit_for(user, payload.unit_id)
        if payload.unit_id and not household
        else None
    )
    if household is None and unit is None:
        raise DomainError("请选择户或地点所在的单元")
    township_id = (household or unit).township_id
    category = category_in_township(payload.category_id, township_id)
    if category is None:
        raise NotFound("找不到该分类")
    resident = None
    if payload.resident_id and household:
        resident = household.members.filter(pk=payload.resident_id).first()
    case, created = case_report(
        by=user,
        client_key=payload.client_key,
        category=category,
        text=payload.text,
        unit=unit,
        household=household,
        resident=resident,
        is_anonymous=payload.is_anonymous,
        source=payload.source,
        lon=payload.lon,
        lat=payload.lat,
        place=payload.place,
        level=payload.level,
        answer=payload.answer,
        satisfaction=payload.satisfaction,
        urgent=payload.urgent,
    )
    return Status(201 if created else 200, case)


@router.get(
    "/cases", response={200: list[CaseOut], **ERRORS}, summary="事件列表（管辖范围内）"
)
def case_index(request, params: Query[CaseListParams]):
    f = CaseFilter(
        queue=params.queue,
        status=params.status,
        category=params.category,
        overdue=params.overdue,
        level=params.level,
        unit=params.unit,
        q=params.q,
    )
    limit = min(max(params.limit, 1), 200)
    offset = min(max(params.offset, 0), 10**9)
    return list(case_list(request.auth, f)[offset : offset + limit])


@router.get(
    "/cases/{case_id}",
    response={200: CaseDetailOut, **ERRORS},
    summary="事件详情与全过程",
)
def case_get(request, case_id: int):
    return _detail(get_case_for(request.auth, case_id))


@router.post(
    "/cases/{case_id}/actions",
    response={200: CaseDetailOut, **ERRORS},
    summary="对事件操作：签收、上报、退回、转交、办结、回访、无法回访结案、进展、督办",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "examples": {
                        "escalate": {
                            "summary": "上报（吹哨）",
                            "value": {
                                "action": "escalate",
                                "version": 2,
                                "text": "需要组里协调",
                            },
                        },
                        "follow_up": {
                            "summary": "回访",
                            "value": {
                                "action": "follow_up",
                                "version": 4,
                                "satisfaction": "dissatisfied",
                                "text": "垃圾又堆起来了",
                            },
                        },
                    }
                }
            }
        }
    },
)
def case_action(request, case_id: int, payload: ActionIn):
    case = get_case_for(request.auth, case_id)
    case = case_act(
        case=case,
        by=request.auth,
        action=payload.action,
        version=payload.version,
        text=payload.text,
        station_code=payload.station_code,
        satisfaction=payload.satisfaction,
        supervisor_name=payload.supervisor_name,
    )
    return _detail(get_case_for(request.auth, case.pk))


@router.get(
    "/case-categories",
    response={200: list[CategoryOut], **ERRORS},
    summary="本乡镇的事件分类",
)
def category_index(request):
    roots = access_for(request.auth).root_units()
    townships = {u.township_id for u in roots}
    return [c for t in sorted(townships) for c in categories_for(t)]
