"""The JSON API under /api/v1/ (OpenAPI at /api/v1/openapi.json). Same scope as pages."""

from __future__ import annotations

from csp.decorators import csp_exempt
from django.contrib.auth.decorators import login_required
from django.http import Http404
from ninja import NinjaAPI

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


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": str(exc) or "找不到"}, status=404)


api.add_router("/", org.router)
api.add_router("/", cases.router)
api.add_router("/", visits.router)
api.add_router("/", notices.router)
api.add_router("/", activities.router)
api.add_router("/", reports.router)
