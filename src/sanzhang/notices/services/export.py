"""The notice ledger as .xlsx: every cell written as text (a title like "=HYPERLINK(..)"
never runs as a formula), every export audited in the same transaction."""

from __future__ import annotations

import io
from typing import Any

from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from sanzhang.core.audit import AuditAction, audit_record
from sanzhang.core.xlsx import text_cell

from ..models import Notice

HEADERS = (
    "发送时间",
    "标题",
    "发送范围",
    "发送人",
    "应传达户数",
    "已传达户数",
    "传达率",
)


def ledger_xlsx(
    notices: list[Notice], *, by: Any, township_id: int | None, ip: str | None = None
) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "通知台账"
    for col, head in enumerate(HEADERS, 1):
        text_cell(ws, 1, col, head)
        ws.cell(row=1, column=col).font = Font(bold=True)
    for r, n in enumerate(notices, 2):
        done = getattr(n, "done", 0)
        rate = f"{100 * done // n.household_count}%" if n.household_count else "—"
        values = (
            timezone.localtime(n.sent_at).strftime("%Y-%m-%d %H:%M"),
            n.title,
            n.unit.name,
            str(n.sent_by) if n.sent_by else "",
            n.household_count,
            done,
            rate,
        )
        for col, value in enumerate(values, 1):
            text_cell(ws, r, col, value)
    out = io.BytesIO()
    wb.save(out)
    with transaction.atomic():
        audit_record(
            by=by,
            action=AuditAction.EXPORT,
            township_id=township_id,
            ip=ip,
            kind="notices",
            rows=len(notices),
        )
    return out.getvalue()
