"""Export the visits ledger a user may see to .xlsx; every export is audited.

Cells are written as text, so a note like "=HYPERLINK(...)" can never run as a formula
(the same rule as the roster export).
"""

from __future__ import annotations

import io
from typing import Any

from django.db import transaction
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Font

from sanzhang.core.audit import AuditAction, audit_record

from ..access import visits_visible_to
from ..models import VisitKind
from ..selectors import VisitFilter, visit_list

MAX_ROWS = 200_000
HEADERS = (
    "走访日期",
    "村",
    "片",
    "组",
    "邻",
    "户号",
    "地址",
    "方式",
    "服务人次",
    "走访人",
    "情况记录",
    "发现诉求",
    "事件编号",
)


def _cell(ws: Any, row: int, col: int, value: object) -> None:
    if value is None or value == "":
        return
    cell = ws.cell(row=row, column=col)
    if isinstance(value, int):
        cell.value = value
        return
    cell.value = str(value)
    # openpyxl turns any str starting with "=" into a formula; force plain text.
    cell.data_type = TYPE_STRING


def ledger_export(
    *, by: Any, f: VisitFilter, ip: str | None = None
) -> tuple[bytes, int]:
    """The filtered ledger as .xlsx bytes, and the number of visit rows."""
    qs = visit_list(visits_visible_to(by), f).select_related(
        "village", "area", "villager_group", "neighborhood", "household", "recorded_by"
    )[:MAX_ROWS]
    kinds = dict(VisitKind.choices)
    wb = Workbook()
    ws = wb.active
    ws.title = "走访台账"
    for col, header in enumerate(HEADERS, start=1):
        ws.cell(row=1, column=col, value=header).font = Font(bold=True)
    row = 1
    for v in qs.iterator(chunk_size=2000):
        row += 1
        values = (
            v.visited_on.isoformat(),
            v.village.name if v.village else "",
            v.area.name if v.area else "",
            v.villager_group.name if v.villager_group else "",
            v.neighborhood.name if v.neighborhood else "",
            v.household.code,
            v.household.address,
            str(kinds.get(v.kind, v.kind)),
            v.people_served,
            str(v.recorded_by),
            v.notes,
            v.needs,
            v.case_id or "",
        )
        for col, value in enumerate(values, start=1):
            _cell(ws, row, col, value)
    buffer = io.BytesIO()
    wb.save(buffer)
    with transaction.atomic():
        audit_record(
            by=by,
            action=AuditAction.EXPORT,
            obj=f.unit,
            township_id=f.unit.township_id if f.unit else None,
            ip=ip,
            what="visits",
            rows=row - 1,
            start=f.start.isoformat() if f.start else "",
            end=f.end.isoformat() if f.end else "",
            kind=f.kind,
        )
    return buffer.getvalue(), row - 1
