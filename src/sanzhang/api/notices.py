"""Notices (上传下达) over the API: write (idempotent on `client_key`) and send, lists,
progress per child unit, the chief's households and relay marks. Same services and the
same scope as the pages: out-of-scope notices are 404 like missing ones."""

from __future__ import annotations

import uuid
from datetime import datetime

from ninja import Field, Query, Router, Schema, Status

from sanzhang.core.errors import DomainError, NotFound
from sanzhang.notices.access import (
    get_notice_for,
    may_send,
    progress_root,
    unit_in,
)
from sanzhang.notices.models import Notice
from sanzhang.notices.selectors import (
    my_pending,
    my_relays,
    progress_by_child,
    progress_total,
    sent_by_me,
)
from sanzhang.notices.services.compose import notice_create
from sanzhang.notices.services.relay import relay_mark, relay_mark_all
from sanzhang.notices.services.send import notice_send
from sanzhang.org.access import get_unit_for
from sanzhang.org.models import Unit

from .schemas import ErrorOut

router = Router(tags=["notices"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class NoticeIn(Schema):
    client_key: uuid.UUID = Field(
        ..., description="客户端生成的 UUID；重试时原样再发，不会重复保存"
    )
    unit_id: int = Field(..., description="发送范围（乡镇/村/片/组/邻）", examples=[12])
    title: str = Field(..., max_length=80, examples=["防汛紧急通知"])
    body: str = Field(
        ..., max_length=4000, examples=["今晚有大到暴雨，请做好转移准备。"]
    )
    tag_ids: list[int] = Field(
        [], description="只发给带有其中任一标签的户（敏感标签不可用）"
    )
    send: bool = Field(False, description="保存后立即发送（否则为草稿）")


class NoticeOut(Schema):
    id: int
    unit_id: int
    title: str
    body: str
    tag_ids: list[int]
    sent_at: datetime | None
    sent_by_id: int | None
    household_count: int
    created_at: datetime

    @staticmethod
    def resolve_tag_ids(obj) -> list[int]:
        return sorted(obj.tags.values_list("pk", flat=True))


class PendingOut(Schema):
    notice: NoticeOut
    total: int
    pending: int


class ProgressRow(Schema):
    unit_id: int | None = Field(..., description="null：尚未划入邻的户")
    name: str
    total: int
    done: int
    percent: int


class ProgressOut(Schema):
    unit_id: int
    total: int
    done: int
    percent: int
    children: list[ProgressRow]


class RelayRowOut(Schema):
    household_id: int
    code: str
    address: str
    relayed_at: datetime | None
    method: str

    @staticmethod
    def resolve_code(obj) -> str:
        return obj.household.code

    @staticmethod
    def resolve_address(obj) -> str:
        return obj.household.address


class RelayIn(Schema):
    household_ids: list[int] = Field(
        [], description="要标记为已传达的户；任一户不在本人范围或名单内则全部不标记"
    )
    all: bool = Field(False, description="标记本人范围内全部未传达户")
    method: str = Field(
        "visit", description="visit 走访 / phone 电话 / wechat 微信 / broadcast 广播"
    )


class RelayOut(Schema):
    marked: int = Field(..., description="本次新标记的户数（重复标记为 0）")
    done: int
    total: int


class ListParams(Schema):
    box: str = Field("relay", description="relay 待我传达 / sent 我发的")
    limit: int = 50
    offset: int = 0


def _notice(user, notice_id: int) -> Notice:
    return get_notice_for(user, notice_id)


@router.post(
    "/notices",
    response={201: NoticeOut, 200: NoticeOut, **ERRORS},
    summary="写通知（幂等：同一 client_key 重发返回原通知）；send=true 时立即发送",
)
def notice_create_api(request, payload: NoticeIn):
    user = request.auth
    unit = get_unit_for(user, payload.unit_id)
    if not may_send(user, unit):
        raise NotFound("找不到该单元")
    notice, created = notice_create(
        by=user,
        client_key=payload.client_key,
        unit=unit,
        title=payload.title,
        body=payload.body,
        tag_ids=payload.tag_ids,
    )
    if payload.send and notice.is_draft:
        notice_send(notice, by=user)
    return Status(201 if created else 200, Notice.objects.get(pk=notice.pk))


@router.post(
    "/notices/{notice_id}/send",
    response={200: NoticeOut, **ERRORS},
    summary="发送草稿：每户生成一条待传达记录，通知三长，并按片、组、邻群发消息",
)
def notice_send_api(request, notice_id: int):
    notice = _notice(request.auth, notice_id)
    notice_send(notice, by=request.auth)
    return Notice.objects.get(pk=notice.pk)


@router.get(
    "/notices",
    response={200: list[PendingOut] | list[NoticeOut], **ERRORS},
    summary="通知列表：box=relay 待我传达（含未传达户数），box=sent 我发的",
)
def notice_index(request, params: Query[ListParams]):
    limit = min(max(params.limit, 1), 200)
    offset = min(max(params.offset, 0), 10**9)
    if params.box == "sent":
        return list(sent_by_me(request.auth)[offset : offset + limit])
    if params.box != "relay":
        raise DomainError("box 只能是 relay 或 sent")
    return [
        {"notice": p.notice, "total": p.total, "pending": p.pending}
        for p in my_pending(request.auth)[offset : offset + limit]
    ]


@router.get(
    "/notices/{notice_id}",
    response={200: NoticeOut, **ERRORS},
    summary="通知详情",
)
def notice_get(request, notice_id: int):
    return _notice(request.auth, notice_id)


@router.get(
    "/notices/{notice_id}/progress",
    response={200: ProgressOut, **ERRORS},
    summary="传达进度：某单元及其下一级各单元（默认为本人可见的最高单元）",
)
def notice_progress(request, notice_id: int, unit_id: int | None = None):
    notice = _notice(request.auth, notice_id)
    root = progress_root(request.auth, notice)
    if root is None or notice.is_draft:
        raise NotFound("找不到该通知")
    at = root
    if unit_id is not None:
        at = Unit.objects.filter(pk=unit_id).first()
        if at is None or not unit_in(at, root):
            raise NotFound("找不到该单元")
    total = progress_total(notice, at)
    return {
        "unit_id": at.pk,
        "total": total.total,
        "done": total.done,
        "percent": total.percent,
        "children": [
            {
                "unit_id": p.unit_id,
                "name": p.name,
                "total": p.total,
                "done": p.done,
                "percent": p.percent,
            }
            for p in progress_by_child(notice, at)
        ],
    }


@router.get(
    "/notices/{notice_id}/households",
    response={200: list[RelayRowOut], **ERRORS},
    summary="本人负责传达的户及传达情况（三长）",
)
def notice_households(request, notice_id: int):
    notice = _notice(request.auth, notice_id)
    return list(my_relays(request.auth, notice))


@router.post(
    "/notices/{notice_id}/relays",
    response={200: RelayOut, **ERRORS},
    summary="标记已传达到户（幂等；全有或全无）",
)
def notice_relay_api(request, notice_id: int, payload: RelayIn):
    user = request.auth
    notice = _notice(user, notice_id)
    if payload.all:
        marked = relay_mark_all(user, notice, payload.method)
    else:
        marked = relay_mark(user, notice, payload.household_ids, payload.method)
    rows = my_relays(user, notice)
    return {
        "marked": marked,
        "done": rows.filter(relayed_at__isnull=False).count(),
        "total": rows.count(),
    }
