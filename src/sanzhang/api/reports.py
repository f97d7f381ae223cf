"""统计与红榜 over the API (same services and scope as the pages)."""

from __future__ import annotations

from ninja import Field, Query, Router, Schema

from sanzhang.core.clock import today
from sanzhang.core.errors import NotAllowed
from sanzhang.org.access import units_visible_to
from sanzhang.reports import metrics
from sanzhang.reports.period import period_from

from .schemas import ErrorOut

router = Router(tags=["reports"])


class SummaryParams(Schema):
    unit: str = Field(..., description="单元 id（乡镇、村、片、组或邻）")
    start: str = Field("", description="开始日期 YYYY-MM-DD（含），默认本年 1 月 1 日")
    end: str = Field("", description="结束日期 YYYY-MM-DD（含），默认今天")


class SummaryOut(Schema):
    villages: int
    areas: int
    groups: int
    neighborhoods: int
    households: int
    area_chiefs: int
    group_chiefs: int
    neighborhood_chiefs: int
    micro_lectures: int
    leaflets: int
    people_served: int
    opinions_collected: int
    answered_on_spot: int
    tracked_issues_resolved: int
    disputes_resolved: int
    customs_persuaded_households: int
    cleanup_person_times: int
    volunteer_hours: float
    stories_reported: int
    models_selected: int
    visit_coverage_30d: float
    on_time_rate: float
    satisfaction_rate: float
    resolved_in_village_rate: float
    resolved_in_township_rate: float


SUMMARY_DESCRIPTION = (
    "一个单元（及其全部下级）在区间 [start, end]（按日，含首尾，北京时间）的汇总数据。"
    "比率为 0-1 的小数，分母为 0 时为 0。组织架构各项为当前在用数，不随区间变化。"
    "调用者管辖范围以外的单元返回 **403**；日期格式错误或开始晚于结束返回 422。\n\n"
    "各字段口径：\n\n" + metrics.summary_formulas()
)


@router.get(
    "/reports/summary",
    response={200: SummaryOut, 403: ErrorOut, 422: ErrorOut},
    summary="单元汇总数据（三长制工作报表的全部数字）",
    description=SUMMARY_DESCRIPTION,
)
def summary(request, params: Query[SummaryParams]):
    period = period_from(params.start or None, params.end or None, today=today())
    unit_id = params.unit.strip()
    unit = (
        units_visible_to(request.auth).filter(pk=int(unit_id)).first()
        if unit_id.isdigit()
        else None
    )
    if unit is None:
        # The issue asks for 403 here (elsewhere the app answers 404).
        raise NotAllowed("无权查看该单元的数据")
    return metrics.summary(unit, period)
