"""Export the roster a user may see to .xlsx, in the import's own column layout.

Identifiers are masked unless the user may reveal them for the whole scope exported;
sensitive tags appear only where the user may see them. Every export is audited.
Cells are written as text, so a name like "=HYPERLINK(...)" can never run as a formula.
"""

from __future__ import annotations

import io
from typing import Any

from django.db import transaction
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Font

from sanzhang.core import crypto
from sanzhang.core.audit import AuditAction, audit_record

from ..access import access_for, households_under
from ..models import Household, Resident, Unit
from ..policy import Action
from ..roster_format import COLUMNS


def _text_cell(ws: Any, row: int, col: int, value: object) -> None:
    cell = ws.cell(row=row, column=col)
    if value is None or value == "":
        return
    if isinstance(value, float):
        cell.value = value
        return
    text = str(value)
    cell.value = text
    # openpyxl turns any str starting with "=" into a formula; force plain text.
    cell.data_type = TYPE_STRING


def roster_export(*, unit: Unit, by: Any, ip: str | None = None) -> tuple[bytes, int]:
    """The roster of `unit` as .xlsx bytes, and the number of resident rows."""
    access = access_for(by)
    households = (
        households_under(by, unit, Action.EXPORT_ROSTER)
        .select_related("village", "area", "villager_group", "neighborhood")
        .order_by(
            "village__sort_order",
            "villager_group__sort_order",
            "neighborhood__sort_order",
            "code",
        )
    )
    full_ids = access.can(Action.REVEAL_ID_NUMBER, unit)
    full_phones = access.can(Action.REVEAL_PHONE, unit)
    tags_of: dict[int, list[str]] = {}
    through = Household.tags.through
    for hh_id, name in (
        through.objects.filter(household__in=households.values("pk"))
        .filter(access.sensitive_tag_q("household__"))
        .order_by("tag__sort_order")
        .values_list("household_id", "tag__name")
    ):
        tags_of.setdefault(hh_id, []).append(name)
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = "花名册"
    for col, (header, _key, _req) in enumerate(COLUMNS, start=1):
        ws.cell(row=1, column=col, value=header).font = Font(bold=True)
    rows = 1
    relation_label = dict(Resident.Relation.choices)
    hh_by_id = {h.pk: h for h in households}
    residents = Resident.objects.filter(
        household_id__in=list(hh_by_id), is_active=True
    ).order_by("household_id", "id")
    for res in residents.iterator(chunk_size=2000):
        hh = hh_by_id[res.household_id]
        rows += 1
        id_number = (
            crypto.unseal(res.id_number_sealed) if full_ids else res.id_number_masked
        )
        phone = crypto.unseal(res.phone_sealed) if full_phones else res.phone_masked
        values = {
            "village": hh.village.name,
            "area": hh.area.name,
            "group": hh.villager_group.name,
            "neighborhood": hh.neighborhood.name if hh.neighborhood else "",
            "code": hh.code,
            "address": hh.address,
            "lon": hh.lon,
            "lat": hh.lat,
            "name": res.name,
            "relation": str(relation_label[res.relation]),
            "sex": {"M": "男", "F": "女"}.get(res.sex, ""),
            "id_number": id_number,
            "phone": phone,
            "party": "是" if res.is_party_member else "否",
            "tags": "、".join(tags_of.get(hh.pk, [])),
        }
        for col, (_header, key, _req) in enumerate(COLUMNS, start=1):
            _text_cell(ws, rows, col, values[key])
    buffer = io.BytesIO()
    wb.save(buffer)
    with transaction.atomic():
        audit_record(
            by=by,
            action=AuditAction.EXPORT,
            obj=unit,
            township_id=unit.township_id,
            ip=ip,
            rows=rows - 1,
            full_id_numbers=full_ids,
            full_phones=full_phones,
        )
    return buffer.getvalue(), rows - 1
