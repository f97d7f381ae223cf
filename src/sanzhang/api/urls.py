"""The JSON API under /api/v1/ (OpenAPI at /api/v1/openapi.json). Same scope as pages."""

from __future__ import annotations

from csp.decorators import csp_exempt
from django.contrib.auth.decorators import login_required
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import ValidationError

from sanzhang.core.errors import DomainError

from . import activities, cases, notices, org, reports, visits
from .auth import SessionUser, TokenAuth


def _docs_guard(view):
    return login_required(csp_exempt()(view))


api = NinjaAPI(
    title="三长制平台 API",
    version="1",
    description=(
        "片组邻三长制平台的接口。每个请求须带 `Authorization: Bearer <token>`"
        "（`sanzhang token <账号>` 生成），或使用已登录的网页会话。"
        "所有列表只返回调用者管辖范围内的数据；范围外的对象与不存在的对象一样返回 404。"
        "身份证号和电话默认脱敏，查看完整值须调用 reveal 接口并记入审计日志。"
    ),
    auth=[TokenAuth(), SessionUser()],
    docs_decorator=_docs_guard,
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)


# What pydantic calls each fault, said the way a township clerk would read it.
_FAULTS = {
    "missing": "必填",
    "int_parsing": "须为整数",
    "int_type": "须为整数",
    "float_parsing": "须为数字",
    "bool_parsing": "须为是/否",
    "uuid_parsing": "须为 UUID",
    "string_too_long": "过长",
    "string_type": "须为文字",
    "date_from_datetime_parsing": "须为日期 YYYY-MM-DD",
    "date_parsing": "须为日期 YYYY-MM-DD",
    "json_invalid": "不是有效的 JSON",
    "model_attributes_type": "格式不对",
}


@api.exception_handler(ValidationError)
def _invalid_request(request, exc: ValidationError):
    """Malformed requests get one Chinese sentence in `detail` (like every other
    error) and the per-field faults in `errors`."""
    parts = []
    for error in exc.errors[:5]:
        where = ".".join(str(x) for x in error.get("loc", ())[1:]) or "请求"
        parts.append(f"{where}：{_FAULTS.get(error.get('type'), error.get('msg', ''))}")
    errors = [
        {"loc": list(e.get("loc", ())), "type": e.get("type"), "msg": e.get("msg")}
        for e in exc.errors
    ]
    return api.create_response(
        request,
        {"detail": "请求内容有误：" + "；".join(parts), "errors": errors},
        status=422,
    )


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": str(exc) or "找不到"}, status=404)


api.add_router("/", org.router)
api.add_router("/", cases.router)
api.add_router("/", visits.router)
api.add_router("/", notices.router)
api.add_router("/", activities.router)
api.add_router("/", reports.router)
