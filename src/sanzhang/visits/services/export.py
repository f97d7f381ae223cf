"""Export the visits ledger a user may see to .xlsx; every export is audited.

Cells are written as text, so a note like "=HYPERLINK(...)" can never run as a formula
(the same rule as the roster export).
"""

from __future__ import annotations

import io
from typing import Any

from django.db import transaction
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from sanzhang.core.audit import AuditAction, audit_record
from sanzhang.core.xlsx import stream_value
from sanzhang.org.models import Unit

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


def ledger_export(
    *, by: Any, f: VisitFilter, ip: str | None = None
) -> tuple[bytes, int]:
    """The filtered ledger as .xlsx bytes, and the number of visit rows.

    Plain column values and a write-only workbook: a township's year of visits is
    tens of thousands of rows, and model instances with joins plus an in-memory
    sheet took over a minute for 67k of them."""
    rows = list(
        visit_list(visits_visible_to(by), f).values_list(
            "visited_on",
            "village_id",
            "area_id",
            "villager_group_id",
            "neighborhood_id",
            "household__code",
            "household__address",
            "kind",
            "people_served",
            "recorded_by__display_name",
            "recorded_by__username",
            "notes",
            "needs",
            "case_id",
        )[:MAX_ROWS]
    )
    unit_ids = {r[i] for r in rows for i in (1, 2, 3, 4) if r[i]}
    names = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
    kinds = {k: str(label) for k, label in VisitKind.choices}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("走访台账")
    bold = Font(bold=True)
    header = []
    for title in HEADERS:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for (
        day,
        vil,
        area,
        grp,
        nb,
        code,
        address,
        kind,
        served,
        dn,
        un,
        notes,
        needs,
        case,
    ) in rows:
        values = (
            day.isoformat(),
            names.get(vil, ""),
            names.get(area, ""),
            names.get(grp, ""),
            names.get(nb, ""),
            code,
            address,
            kinds.get(kind, kind),
            served,
            dn or un,
            notes or None,
            needs or None,
            case or None,
        )
        ws.append([stream_value(ws, v) for v in values])
    row = len(rows) + 1
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
