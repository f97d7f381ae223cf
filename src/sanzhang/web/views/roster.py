"""Roster import (upload, read every rejected row, fix, import again) and export."""

import io

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from sanzhang.core.errors import DomainError
from sanzhang.org.access import access_for
from sanzhang.org.levels import Level
from sanzhang.org.models import Unit
from sanzhang.org.policy import Action
from sanzhang.org.roster_format import COLUMNS, open_upload
from sanzhang.org.services.roster_export import roster_export
from sanzhang.org.services.roster_import import roster_import

from ..scope import scoped

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _townships(request: HttpRequest) -> list[Unit]:
    ids = {
        g.township_id for g in access_for(request.user).grants_for(Action.IMPORT_ROSTER)
    }
    return list(Unit.objects.filter(pk__in=ids, level=Level.TOWNSHIP, is_active=True))


@scoped(Action.IMPORT_ROSTER)
def roster_import_view(request: HttpRequest) -> HttpResponse:
    from django.conf import settings

    townships = _townships(request)
    context = {"townships": townships, "report": None, "error": None}
    if request.method == "POST":
        upload = request.FILES.get("file")
        township = next(
            (t for t in townships if str(t.pk) == request.POST.get("township")), None
        )
        dry_run = request.POST.get("mode") == "check"
        try:
            if upload is None:
                raise DomainError("请选择要导入的文件")
            if township is None:
                raise DomainError("请选择乡镇")
            data = open_upload(upload, max_bytes=settings.IMPORT_MAX_BYTES)
            context["report"] = roster_import(
                township=township,
                data=data,
                filename=upload.name,
                by=request.user,
                dry_run=dry_run,
            )
            context["dry_run"] = dry_run
            context["filename"] = upload.name
        except DomainError as exc:
            context["error"] = exc.message
        status = (
            200
            if context["report"] and context["report"].ok
            else (400 if request.method == "POST" else 200)
        )
        return render(request, "web/org/roster_import.html", context, status=status)
    return render(request, "web/org/roster_import.html", context)


@scoped(Action.IMPORT_ROSTER)
def roster_template(request: HttpRequest) -> HttpResponse:
    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    for col, (header, _key, required) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=col, value=header)
        cell.font = Font(bold=True, color="C00000" if required else "000000")
    ws.append(
        [
            "安全村",
            "第一片",
            "一组",
            "1邻",
            "01-001-001",
            "安全村一组1号",
            112.17,
            29.41,
            "张建国",
            "户主",
            "男",
            "",
            "",
            "是",
            "党员户",
        ]
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="roster-template.xlsx"'
    return response


@scoped(Action.EXPORT_ROSTER)
def roster_export_view(request: HttpRequest, unit: Unit) -> HttpResponse:
    data, _rows = roster_export(
        unit=unit, by=request.user, ip=request.META.get("REMOTE_ADDR")
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="roster-{unit.pk}-{stamp}.xlsx"'
    )
    return response
