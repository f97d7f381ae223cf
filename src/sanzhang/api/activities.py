"""活动与会议 over the API: activities, check-in by code, customs reform, meetings.

Same services and the same scope as the pages: records outside the caller's subtree are
404 like missing ones; bad input is 400 with a Chinese `detail`; records from phones are
idempotent on `client_key` (a retry returns the first record with 200).
"""

from __future__ import annotations

import uuid
from datetime import date

from ninja import Field, Query, Router, Schema, Status

from sanzhang.activities import access as acc
from sanzhang.activities import selectors as sel
from sanzhang.activities.services import activities as svc
from sanzhang.activities.services.customs import customs_record
from sanzhang.activities.services.meetings import meeting_create
from sanzhang.core.errors import DomainError, NotFound
from sanzhang.org.access import get_household_for

from .schemas import ErrorOut

router = Router(tags=["activities"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 413: ErrorOut, 422: ErrorOut}
KEY_DOC = "客户端生成的 UUID；重试时原样再发，服务器不会重复记录"


class ActivityIn(Schema):
    client_key: uuid.UUID = Field(..., description=KEY_DOC)
    unit_id: int = Field(..., description="组织单元（任一层级，须在管辖范围内）")
    kind: str = Field(
        ...,
        description="micro_lecture 微宣讲 / evening_talk 屋场夜谈 / night_patrol 夜巡 / "
        "night_visit 夜访 / night_chat 夜话 / volunteer_day 周五志愿日 / cleanup 人居环境整治 / "
        "customs_reform 移风易俗 / assets_cleanup 三资清理 / land_patch 图斑整改 / other 其他",
        examples=["micro_lecture"],
    )
    held_on: date = Field(..., description="活动日期，不能晚于今天")
    title: str = ""
    place: str = ""
    leaflets: int = Field(0, ge=0, description="发放资料份数")
    summary: str = ""
    unlisted_count: int = Field(0, ge=0, description="名单外参加人次")


class ActivityOut(Schema):
    id: int
    unit_id: int
    kind: str
    title: str
    held_on: date
    place: str
    leaflets: int
    summary: str
    person_times: int
    unlisted_count: int


class ActivityRecorderOut(ActivityOut):
    checkin_code: str = Field(..., description="6 位签到码，仅活动当天有效")


class ListParams(Schema):
    unit: int | None = None
    start: date | None = None
    end: date | None = None
    kind: str = ""
    person: str = ""
    limit: int = 50
    offset: int = 0


def _filter(p: ListParams) -> sel.LedgerFilter:
    return sel.LedgerFilter(
        unit=p.unit, start=p.start, end=p.end, kind=p.kind[:20], person=p.person[:30]
    )


def _page(qs, p: ListParams) -> list:
    limit = min(max(p.limit, 1), 200)
    offset = min(max(p.offset, 0), 10**9)
    return list(qs[offset : offset + limit])


@router.post(
    "/activities",
    response={201: ActivityRecorderOut, 200: ActivityRecorderOut, **ERRORS},
    summary="记录活动（幂等：同一 client_key 重发返回原记录）",
)
def activity_create(request, payload: ActivityIn):
    unit = acc.get_recordable_unit(request.auth, payload.unit_id)
    activity, created = svc.activity_create(
        by=request.auth,
        client_key=payload.client_key,
        unit=unit,
        kind=payload.kind,
        held_on=payload.held_on,
        title=payload.title,
        place=payload.place,
        leaflets=payload.leaflets,
        summary=payload.summary,
        unlisted_count=payload.unlisted_count,
    )
    return Status(201 if created else 200, activity)


@router.get(
    "/activities",
    response={200: list[ActivityOut], **ERRORS},
    summary="活动台账（管辖范围内；可按单元、时段、类型、人员筛选）",
)
def activity_index(request, params: Query[ListParams]):
    return _page(sel.activity_ledger(request.auth, _filter(params)), params)


class CheckinIn(Schema):
    code: str = Field(..., description="现场公布的 6 位签到码", examples=["204913"])


class CheckinOut(Schema):
    activity_id: int
    created: bool
    person_times: int


@router.post(
    "/activities/checkin",
    response={200: CheckinOut, **ERRORS},
    summary="凭签到码自助签到（仅活动当天有效；重复签到只记一次）",
)
def activity_checkin(request, payload: CheckinIn):
    activity, created = svc.checkin_by_code(user=request.auth, code=payload.code)
    return {
        "activity_id": activity.pk,
        "created": created,
        "person_times": activity.person_times,
    }


@router.get(
    "/activities/{activity_id}",
    response={200: ActivityOut, **ERRORS},
    summary="活动详情",
)
def activity_get(request, activity_id: int):
    return acc.get_activity_for(request.auth, activity_id)


class CustomsIn(Schema):
    client_key: uuid.UUID = Field(..., description=KEY_DOC)
    household_id: int
    event: str = Field(..., description="wedding 婚事 / funeral 丧事 / other 其他")
    outcome: str = Field(
        ..., description="scaled_down 简办 / cancelled 不办 / not_persuaded 未劝成"
    )
    talked_on: date
    notes: str = ""
    activity_id: int | None = None


class CustomsOut(Schema):
    id: int
    household_id: int
    event: str
    outcome: str
    talked_on: date
    notes: str
    activity_id: int | None


@router.post(
    "/customs-reforms",
    response={201: CustomsOut, 200: CustomsOut, **ERRORS},
    summary="记录移风易俗劝导（幂等）",
)
def customs_create(request, payload: CustomsIn):
    try:
        household = get_household_for(request.auth, payload.household_id)
    except NotFound:
        raise DomainError("该户不在您的管辖范围内") from None
    activity = (
        acc.get_activity_for(request.auth, payload.activity_id)
        if payload.activity_id
        else None
    )
    record, created = customs_record(
        by=request.auth,
        client_key=payload.client_key,
        household=household,
        event=payload.event,
        outcome=payload.outcome,
        talked_on=payload.talked_on,
        notes=payload.notes,
        activity=activity,
    )
    return Status(201 if created else 200, record)


@router.get(
    "/customs-reforms",
    response={200: list[CustomsOut], **ERRORS},
    summary="移风易俗台账（kind 可为事项或结果）",
)
def customs_index(request, params: Query[ListParams]):
    return _page(sel.customs_ledger(request.auth, _filter(params)), params)


class MeetingIn(Schema):
    client_key: uuid.UUID = Field(..., description=KEY_DOC)
    unit_id: int
    kind: str = Field(
        ..., description="council 村民议事会 / concerns 民情分析会 / chiefs 三长会议"
    )
    held_on: date
    title: str = ""
    place: str = ""
    notes: str = ""
    agenda: list[str] = Field(
        default_factory=list, description="议题；民情分析会另自动列出未结案事件"
    )


class AgendaOut(Schema):
    position: int
    title: str
    case_id: int | None
    discussion: str


class MeetingOut(Schema):
    id: int
    unit_id: int
    kind: str
    title: str
    held_on: date
    place: str
    notes: str
    agenda: list[AgendaOut]

    @staticmethod
    def resolve_agenda(obj) -> list:
        return list(obj.agenda.all())


@router.post(
    "/meetings",
    response={201: MeetingOut, 200: MeetingOut, **ERRORS},
    summary="记录会议（幂等）；民情分析会自动生成未结案事件议程",
)
def meeting_new(request, payload: MeetingIn):
    unit = acc.get_recordable_unit(request.auth, payload.unit_id)
    meeting, created = meeting_create(
        by=request.auth,
        client_key=payload.client_key,
        unit=unit,
        kind=payload.kind,
        held_on=payload.held_on,
        title=payload.title,
        place=payload.place,
        notes=payload.notes,
        agenda=payload.agenda,
    )
    return Status(201 if created else 200, meeting)


@router.get("/meetings", response={200: list[MeetingOut], **ERRORS}, summary="会议台账")
def meeting_index(request, params: Query[ListParams]):
    qs = sel.meeting_ledger(request.auth, _filter(params)).prefetch_related("agenda")
    return _page(qs, params)


@router.get(
    "/meetings/{meeting_id}", response={200: MeetingOut, **ERRORS}, summary="会议详情"
)
def meeting_get(request, meeting_id: int):
    return acc.get_meeting_for(request.auth, meeting_id)
