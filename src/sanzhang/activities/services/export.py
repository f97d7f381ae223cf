"""Ledgers to .xlsx. Cells holding text are written as text, so a name or summary like
"=HYPERLINK(...)" can never run as a formula; every export is audited."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from openpyxl import Workbook
from openpyxl.styles import Font

from sanzhang.core.audit import AuditAction, audit_record
from sanzhang.core.xlsx import text_cell


def workbook(
    title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]
) -> tuple[bytes, int]:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    for col, header in enumerate(headers, start=1):
        ws.cell(row=1, column=col, value=str(header)).font = Font(bold=True)
    n = 0
    for n, row in enumerate(rows, start=1):
        for col, value in enumerate(row, start=1):
            text_cell(ws, n + 1, col, value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), n


def ledger_export(
    *,
    by: Any,
    ledger: str,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    township_id: int | None,
    filters: dict[str, Any],
    ip: str | None = None,
) -> bytes:
    """Build the file and record the export in the same transaction (fail closed)."""
    with transaction.atomic():
        data, n = workbook(title, headers, rows)
        audit_record(
            by=by,
            action=AuditAction.EXPORT,
            township_id=township_id,
            ip=ip,
            ledger=ledger,
            rows=n,
            filters={k: str(v) for k, v in filters.items() if v},
        )
    return data
