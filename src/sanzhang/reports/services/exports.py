"""The township report as .xlsx and PDF, the case and dispute ledgers (台账) as
.xlsx, and the red-list poster (A3 PDF).

Every text cell is written as a string (never a formula: a name such as
"=HYPERLINK(...)" stays text). Each report figure carries the link to its records
(in the xlsx a hyperlink cell, in the PDF a link), so the printout is traceable.
PDFs are rendered by WeasyPrint with "Noto Sans CJK SC" embedded (subset).
"""

from __future__ import annotations

import io
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook

from sanzhang.cases.models import Case
from sanzhang.core.audit import AuditAction, audit_record
from sanzhang.core.xlsx import text_cell
from sanzhang.org.models import Unit

from .. import metrics
from ..period import Period
from ..selectors import report_sections, show

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


cell = text_cell  # the exports below write every cell through core.xlsx


def _save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def report_xlsx(unit: Unit, period: Period, base_url: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "报表"
    cell(ws, 1, 1, f"{unit.name} 三长制工作报表", bold=True)
    cell(ws, 2, 1, f"统计区间：{period.label()}")
    row = 3
    for title, lines in report_sections(unit, period):
        row += 1
        cell(ws, row, 1, title, bold=True)
        row += 1
        for col, head in enumerate(("指标", "数值", "单位", "口径", "明细"), start=1):
            cell(ws, row, col, head, bold=True)
        for line in lines:
            row += 1
            ind = line.indicator
            cell(ws, row, 1, ind.name)
            if ind.is_rate:
                c = cell(ws, row, 2, float(line.value))
                c.number_format = "0.0%"
            else:
                cell(ws, row, 2, line.value)
            cell(ws, row, 3, "" if ind.is_rate else ind.measure)
            cell(ws, row, 4, ind.formula)
            link = cell(ws, row, 5, "查看记录")
            link.hyperlink = base_url + line.url
    for col, width in zip("ABCDE", (22, 12, 8, 60, 12), strict=True):
        ws.column_dimensions[col].width = width
    return _save(wb)


def report_pdf(unit: Unit, period: Period, base_url: str) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "web/reports/report_pdf.html",
        {
            "unit": unit,
            "period": period,
            "sections": report_sections(unit, period),
            "base_url": base_url,
            "made_at": timezone.localtime(),
        },
    )
    return HTML(string=html, base_url=base_url).write_pdf()


def poster_pdf(published: Any) -> bytes:
    from weasyprint import HTML

    from .redlist import COMPONENTS

    html = render_to_string(
        "web/reports/poster_pdf.html",
        {
            "pub": published,
            "components": [(k, str(v)) for k, v in COMPONENTS.items()],
            "rows": [
                {**r, "shown": [_fig(k, r["figures"].get(k)) for k in COMPONENTS]}
                for r in published.rows
            ],
        },
    )
    return HTML(string=html).write_pdf()


def _fig(key: str, v: Any) -> str:
    if v is None:
        return "—"
    if key in ("cases_handled", "participation"):
        return str(v)
    return f"{float(v) * 100:.1f}%"


# --- ledgers ------------------------------------------------------------------------
CASE_COLUMNS = [
    "序号",
    "编号",
    "登记时间",
    "村",
    "片",
    "组",
    "邻",
    "户/地点",
    "来源",
    "一级分类",
    "二级分类",
    "情况",
    "当场答复",
    "当前层级",
    "状态",
    "办结层级",
    "办结时间",
    "按时办结",
    "办理结果",
    "回访评价",
]
DISPUTE_COLUMNS = [
    "序号",
    "编号",
    "受理时间",
    "村",
    "纠纷类型",
    "案件来源",
    "申请人",
    "被申请人",
    "简要情况",
    "调解员",
    "调解结果",
    "协议编号",
    "协议形式",
    "协议内容",
    "履行方式、地点、期限",
    "协议日期",
    "调解不成原因",
    "结案时间",
    "回访评价",
]


def _names(unit_ids: set[int]) -> dict[int, str]:
    return dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))


def _ledger(title: str, columns: list[str], rows: list[list[Any]]) -> bytes:
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = title
    for col, head in enumerate(columns, start=1):
        cell(ws, 1, col, head, bold=True)
    for r, values in enumerate(rows, start=2):
        for col, v in enumerate(values, start=1):
            cell(ws, r, col, v)
    return _save(wb)


def _t(dt: Any) -> str:
    return f"{timezone.localtime(dt):%Y-%m-%d %H:%M}" if dt else ""


def cases_ledger(
    *, unit: Unit, period: Period, by: Any, disputes: bool = False
) -> tuple[bytes, int]:
    start, end = period.dt
    qs = (
        Case.objects.filter(
            metrics.in_unit(unit), created_at__gte=start, created_at__lt=end
        )
        .select_related("category", "category__parent", "household")
        .order_by("created_at", "pk")
    )
    if disputes:
        qs = (
            qs.filter(is_dispute=True)
            .select_related("mediation")
            .prefetch_related("parties")
        )
    cases = list(qs[:100_000])
    names = _names(
        {
            i
            for c in cases
            for i in (c.village_id, c.area_id, c.villager_group_id, c.neighborhood_id)
            if i
        }
    )
    rows = []
    for n, c in enumerate(cases, start=1):
        cat = c.category
        top = cat.parent.name if cat.parent_id else cat.name
        where = c.household.address if c.household_id else c.place
        if not disputes:
            rows.append(
                [
                    n,
                    c.pk,
                    _t(c.created_at),
                    names.get(c.village_id, ""),
                    names.get(c.area_id, ""),
                    names.get(c.villager_group_id, ""),
                    names.get(c.neighborhood_id, ""),
                    where,
                    c.get_source_display(),
                    top,
                    cat.name if cat.parent_id else "",
                    c.text,
                    "是" if c.answered_on_spot else "否",
                    c.get_handling_level_display(),
                    c.get_status_display(),
                    c.get_resolved_level_display(),
                    _t(c.resolved_at),
                    {True: "是", False: "否"}.get(c.resolved_on_time, ""),
                    c.resolution,
                    c.get_satisfaction_display(),
                ]
            )
            continue
        med = getattr(c, "mediation", None)
        parties = list(c.parties.all())
        rows.append(
            [
                n,
                c.pk,
                _t(c.created_at),
                names.get(c.village_id, ""),
                cat.name,
                c.get_source_display(),
                "、".join(p.name for p in parties if p.side == "applicant"),
                "、".join(p.name for p in parties if p.side == "respondent"),
                c.text,
                med.mediator_name if med else "",
                c.get_mediation_outcome_display(),
                med.agreement_no if med else "",
                ("口头" if med.is_oral else "书面") if med else "",
                med.agreement_terms if med else "",
                med.performance if med else "",
                str(med.agreed_on or "") if med else "",
                med.failure_reason if med else "",
                _t(c.closed_at),
                c.get_satisfaction_display(),
            ]
        )
    title = "矛盾纠纷台账" if disputes else "事件台账"
    data = _ledger(title, DISPUTE_COLUMNS if disputes else CASE_COLUMNS, rows)
    with transaction.atomic():
        audit_record(
            by=by,
            action=AuditAction.EXPORT,
            obj=unit,
            township_id=unit.township_id or unit.pk,
            what=title,
            start=str(period.start),
            end=str(period.end),
            rows=len(rows),
        )
    return data, len(rows)


def report_rows(unit: Unit, period: Period) -> list[tuple[str, str]]:
    """(name, shown value) of every report line: for tests and plain-text checks."""
    return [
        (str(line.indicator.name), show(line.indicator, line.value))
        for _t, lines in report_sections(unit, period)
        for line in lines
    ]
