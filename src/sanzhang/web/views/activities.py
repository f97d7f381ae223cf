"""活动与会议 on the phone: the activity ledger (filters, counts, .xlsx), recording an
activity with its attendance, photos and check-in code, self check-in, Friday volunteer
days, customs reform, meetings (with the prepared 民情分析会 agenda and "send up as a
case"), and patrols (roster, check-in, a hazard becomes an urgent case).

Every page goes through activities/access.py: out of scope is 404, as missing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanzhang.activities import access as acc
from sanzhang.activities import selectors as sel
from sanzhang.activities.models import (
    ActivityKind,
    ActivityPhoto,
    Attendance,
    CustomsEvent,
    CustomsOutcome,
    LeveeSection,
    MeetingKind,
    PatrolKind,
    Resolution,
    VolunteerSignup,
)
from sanzhang.activities.services import activities as svc
from sanzhang.activities.services import customs as customs_svc
from sanzhang.activities.services import meetings as mtg_svc
from sanzhang.activities.services import patrols as patrol_svc
from sanzhang.activities.services.export import ledger_export
from sanzhang.cases.models import Category
from sanzhang.cases.services.categories import categories_for
from sanzhang.core.errors import DomainError, NotFound
from sanzhang.core.parsing import parse_id
from sanzhang.org.access import access_for, get_household_for, units_visible_to
from sanzhang.org.models import Unit

from ..scope import scoped

View = Callable[..., HttpResponse]


def not_found_is_404(view: View) -> View:
    """Scope refusals from the services (NotFound) answer 404, as a missing object."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from None

    return wrapper


def _today() -> date:
    return timezone.localdate()


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _xlsx(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(
        data,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


def _ledger_context(request: HttpRequest) -> dict[str, Any]:
    f = sel.parse_filter(request.GET)
    return {
        "f": f,
        "units": acc.recordable_units(request.user).order_by("path")[:300]
        if acc.scope_q(request.user)
        else [],
        "query": request.GET.urlencode(),
        "can_record": bool(acc.scope_q(request.user, acc.ActivityAction.RECORD)),
    }


def _township(request: HttpRequest) -> int | None:
    grants = access_for(request.user).grants
    if grants:
        return grants[0].township_id
    hh = acc.own_household(request.user)
    return hh.township_id if hh else None


# --- activities ---------------------------------------------------------------------
@scoped(None)
@not_found_is_404
def activity_list(request: HttpRequest) -> HttpResponse:
    ctx = _ledger_context(request)
    qs = sel.activity_ledger(request.user, ctx["f"])
    if request.GET.get("format") == "xlsx":
        return _activity_export(request, qs, ctx["f"])
    ctx.update(
        page=Paginator(qs, 30).get_page(request.GET.get("page")),
        totals=sel.activity_totals(qs),
        kinds=ActivityKind.choices,
    )
    return render(request, "web/activities/list.html", ctx)


def _activity_export(request: HttpRequest, qs, f) -> HttpResponse:
    rows = (
        (
            a.held_on.isoformat(),
            a.get_kind_display(),
            a.title,
            a.unit.name,
            a.place,
            str(a.organiser or ""),
            a.person_times,
            a.unlisted_count,
            a.leaflets,
            a.summary,
        )
        for a in qs.iterator(chunk_size=2000)
    )
    data = ledger_export(
        by=request.user,
        ledger="activities",
        title=_("活动台账"),
        headers=[
            _("日期"),
            _("类型"),
            _("主题"),
            _("组织单元"),
            _("地点"),
            _("组织人"),
            _("参加人次"),
            _("名单外人次"),
            _("发放资料"),
            _("小结"),
        ],
        rows=rows,
        township_id=_township(request),
        filters=vars(f),
        ip=_ip(request),
    )
    return _xlsx(data, "activities")


@scoped(None)
@not_found_is_404
def activity_new(request: HttpRequest) -> HttpResponse:
    units = list(acc.recordable_units(request.user).order_by("path")[:300])
    if not units:
        raise Http404("")
    p = request.POST
    ctx = {
        "units": units,
        "kinds": ActivityKind.choices,
        "client_key": p.get("client_key") or uuid.uuid4(),
        "form": p,
        "today": _today().isoformat(),
    }
    if request.method != "POST":
        ctx["form"] = {
            "unit": request.GET.get("unit", ""),
            "kind": request.GET.get("kind", ""),
        }
        return render(request, "web/activities/new.html", ctx)
    try:
        unit = acc.get_recordable_unit(request.user, p.get("unit", ""))
        activity, created = svc.activity_create(
            by=request.user,
            client_key=p.get("client_key", ""),
            unit=unit,
            kind=p.get("kind", ""),
            held_on=p.get("held_on", ""),
            place=p.get("place", ""),
            title=p.get("title", ""),
            leaflets=p.get("leaflets", 0),
            summary=p.get("summary", ""),
            unlisted_count=p.get("unlisted_count", 0),
        )
        if created and request.FILES.getlist("photos"):
            svc.photos_add(
                activity=activity,
                by=request.user,
                uploads=request.FILES.getlist("photos"),
            )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            exc = DomainError(_("请选择您管辖的单元"))
        ctx["error"] = exc.message
        return render(request, "web/activities/new.html", ctx, status=400)
    if created:
        messages.success(request, _("已记录活动，请勾选参加人或出示签到码"))
    return redirect("web:activity-detail", activity_id=activity.pk)


@scoped(None)
@not_found_is_404
def activity_detail(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = acc.get_activity_for(request.user, activity_id)
    can_record = acc.may_record(request.user, activity)
    see_people = acc.may_view_people(request.user, activity)
    rows = list(activity.attendances.all()) if see_people else []
    mine = (
        Attendance.objects.filter(activity=activity)
        .filter(
            **(
                {"resident_id": request.user.resident_id}
                if request.user.resident_id
                else {"user_id": request.user.pk}
            )
        )
        .first()
    )
    ctx = {
        "activity": activity,
        "rows": rows,
        "mine": mine,
        "can_record": can_record,
        "see_people": see_people,
        "photos": activity.photos.all(),
        "code_today": activity.held_on == _today(),
        "checkin_url": request.build_absolute_uri(
            f"/activities/checkin/?code={activity.checkin_code}"
        ),
    }
    if can_record:
        ticked = {
            f"r{a.resident_id}" if a.resident_id else f"u{a.user_id}"
            for a in rows
            if a.method == "list"
        }
        ctx["people"] = svc.candidates(activity.unit)
        ctx["ticked"] = ticked
        ctx["by_code"] = [a for a in rows if a.method == "code"]
    return render(request, "web/activities/detail.html", ctx)


@scoped(None)
@require_POST
@not_found_is_404
def activity_edit(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = acc.get_activity_for(request.user, activity_id)
    if not acc.may_record(request.user, activity):
        raise Http404("")
    p = request.POST
    try:
        what = p.get("what")
        if what == "attendance":
            svc.attendance_set(
                activity=activity, by=request.user, people=p.getlist("person")
            )
            svc.activity_update(
                activity=activity,
                by=request.user,
                unlisted_count=p.get("unlisted_count", activity.unlisted_count),
            )
        elif what == "summary":
            svc.activity_update(
                activity=activity,
                by=request.user,
                summary=p.get("summary", ""),
                leaflets=p.get("leaflets", activity.leaflets),
            )
        elif what == "photos":
            svc.photos_add(
                activity=activity,
                by=request.user,
                uploads=request.FILES.getlist("photos"),
            )
        elif what == "hours":
            svc.hours_set(
                activity=activity,
                by=request.user,
                hours={
                    parse_id(k[6:]): v
                    for k, v in p.items()
                    if k.startswith("hours-") and parse_id(k[6:])
                },
            )
        else:
            raise DomainError(_("未知操作"))
        messages.success(request, _("已保存"))
    except DomainError as exc:
        messages.error(request, exc.message)
    back = p.get("next", "")
    if back.startswith("/activities/"):
        return redirect(back)
    return redirect("web:activity-detail", activity_id=activity.pk)


@scoped(None)
def activity_photo(request: HttpRequest, photo_id: int) -> HttpResponse:
    photo = ActivityPhoto.objects.filter(pk=photo_id).first()
    if photo is None:
        raise Http404("")
    try:
        acc.get_activity_for(request.user, photo.activity_id)
    except NotFound:
        raise Http404("") from None
    file = svc.photo_path(photo.file)
    if not file.is_file():
        raise Http404("")
    response = FileResponse(file.open("rb"), content_type=photo.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@scoped(None)
def activity_checkin(request: HttpRequest) -> HttpResponse:
    """Self check-in: the person types (or scans into the URL) the day's six digits."""
    ctx: dict[str, Any] = {"code": request.GET.get("code", "")[:6]}
    if request.method == "POST":
        code = request.POST.get("code", "")
        ctx["code"] = code[:6]
        try:
            activity, created = svc.checkin_by_code(user=request.user, code=code)
        except DomainError as exc:
            ctx["error"] = exc.message
            return render(request, "web/activities/checkin.html", ctx, status=400)
        ctx["done"] = activity
        ctx["created"] = created
    return render(request, "web/activities/checkin.html", ctx)


# --- Friday volunteer days ----------------------------------------------------------
def _volunteer_unit(request: HttpRequest):
    unit_id = request.GET.get("unit") or request.POST.get("unit")
    if unit_id:
        units = acc.recordable_units(request.user)
        hh = acc.own_household(request.user)
        ids = acc.household_unit_ids(hh) if hh else []
        pk = parse_id(unit_id)
        unit = (units.filter(pk=pk).first() if pk else None) or (
            Unit.objects.filter(pk=pk, pk__in=ids).first() if pk else None
        )
        if unit is None:
            raise Http404("")
        return unit
    roots = [
        u
        for u in access_for(request.user).root_units()
        if acc.may_record(request.user, u)
    ]
    if roots:
        return roots[0]
    hh = acc.own_household(request.user)
    if hh is None or not hh.village_id:
        raise Http404("")
    return Unit.objects.get(pk=hh.village_id)


@scoped(None)
def volunteer_day(request: HttpRequest) -> HttpResponse:
    unit = _volunteer_unit(request)
    src = request.POST if request.method == "POST" else request.GET
    try:
        asked = date.fromisoformat(src.get("date", ""))
        if not 2000 <= asked.year <= _today().year + 1:
            raise ValueError("out of range")
        day = svc.friday_of(asked)
    except ValueError:
        day = svc.next_friday(_today())
    can_record = acc.may_record(request.user, unit)
    if request.method == "POST":
        what = request.POST.get("what")
        try:
            # Only a recorder opens a day; anyone may sign up, but not for a past one.
            # Nothing is created before that is settled.
            if what == "open" and not can_record:
                raise DomainError(_("只有三长和村干部可以开启志愿日"))
            if what == "signup" and day < _today():
                raise DomainError(_("只能报名今天及以后的志愿日"))
            if what not in ("open", "signup"):
                raise DomainError(_("未知操作"))
            activity = svc.volunteer_day_for(unit, day, by=request.user)
            if what == "signup":
                if svc.volunteer_signup(activity=activity, user=request.user):
                    messages.success(request, _("已报名"))
                else:
                    messages.info(request, _("您已报过名"))
            else:
                messages.success(request, _("已开启本周志愿日"))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(f"/activities/volunteer/?unit={unit.pk}&date={day.isoformat()}")
    try:
        activity = svc.volunteer_day_for(unit, day, create=False)
    except DomainError as exc:
        messages.error(request, exc.message)
        activity = None
    year_start = _today().replace(month=1, day=1)
    ctx = {
        "unit": None,  # keeps base.html's demo banner logic on the household path only
        "vunit": unit,
        "day": day,
        "prev": day - timedelta(days=7),
        "next": day + timedelta(days=7),
        "activity": activity,
        "can_record": can_record,
        "may_join": activity is not None and svc.may_join(request.user, activity),
        "signups": list(VolunteerSignup.objects.filter(activity=activity))
        if activity and can_record
        else [],
        "rows": list(activity.attendances.all()) if activity and can_record else [],
        "hours": svc.volunteer_hours(unit, year_start, _today()) if can_record else [],
        "year_start": year_start,
        "can_signup": day >= _today(),
    }
    return render(request, "web/activities/volunteer.html", ctx)


# --- customs reform -----------------------------------------------------------------
@scoped(None)
@not_found_is_404
def customs_list(request: HttpRequest) -> HttpResponse:
    ctx = _ledger_context(request)
    qs = sel.customs_ledger(request.user, ctx["f"])
    if request.GET.get("format") == "xlsx":
        rows = (
            (
                r.talked_on.isoformat(),
                r.household.code,
                r.household.address,
                r.get_event_display(),
                r.get_outcome_display(),
                str(r.recorded_by or ""),
                r.notes,
            )
            for r in qs.iterator(chunk_size=2000)
        )
        data = ledger_export(
            by=request.user,
            ledger="customs",
            title=_("移风易俗台账"),
            headers=[
                _("日期"),
                _("户号"),
                _("地址"),
                _("事项"),
                _("结果"),
                _("劝导人"),
                _("情况"),
            ],
            rows=rows,
            township_id=_township(request),
            filters=vars(ctx["f"]),
            ip=_ip(request),
        )
        return _xlsx(data, "customs-reform")
    ctx.update(
        page=Paginator(qs, 30).get_page(request.GET.get("page")),
        totals=sel.customs_totals(qs),
        kinds=CustomsEvent.choices + CustomsOutcome.choices,
    )
    return render(request, "web/activities/customs_list.html", ctx)


@scoped(None)
def customs_new(request: HttpRequest) -> HttpResponse:
    if not acc.scope_q(request.user, acc.ActivityAction.RECORD):
        raise Http404("")
    p = request.POST
    ctx = {
        "events": CustomsEvent.choices,
        "outcomes": CustomsOutcome.choices,
        "client_key": p.get("client_key") or uuid.uuid4(),
        "form": p if request.method == "POST" else request.GET,
        "today": _today().isoformat(),
    }
    if request.method != "POST":
        return render(request, "web/activities/customs_new.html", ctx)
    try:
        try:
            household = get_household_for(request.user, p.get("household", ""))
        except NotFound:
            raise DomainError(_("该户不在您的管辖范围内")) from None
        customs_svc.customs_record(
            by=request.user,
            client_key=p.get("client_key", ""),
            household=household,
            event=p.get("event", ""),
            outcome=p.get("outcome", ""),
            talked_on=p.get("talked_on", ""),
            notes=p.get("notes", ""),
        )
    except DomainError as exc:
        ctx["error"] = exc.message
        return render(request, "web/activities/customs_new.html", ctx, status=400)
    messages.success(request, _("已记录移风易俗劝导"))
    return redirect("web:activity-customs")


# --- meetings -----------------------------------------------------------------------
@scoped(None)
@not_found_is_404
def meeting_list(request: HttpRequest) -> HttpResponse:
    ctx = _ledger_context(request)
    qs = sel.meeting_ledger(request.user, ctx["f"])
    if request.GET.get("format") == "xlsx":
        rows = (
            (
                m.held_on.isoformat(),
                m.get_kind_display(),
                m.title,
                m.unit.name,
                str(m.convener or ""),
                m.n_attendees,
                m.notes,
            )
            for m in qs
        )
        data = ledger_export(
            by=request.user,
            ledger="meetings",
            title=_("会议台账"),
            headers=[
                _("日期"),
                _("类型"),
                _("名称"),
                _("单元"),
                _("召集人"),
                _("参会人数"),
                _("讨论记录"),
            ],
            rows=rows,
            township_id=_township(request),
            filters=vars(ctx["f"]),
            ip=_ip(request),
        )
        return _xlsx(data, "meetings")
    ctx.update(
        page=Paginator(qs, 30).get_page(request.GET.get("page")),
        kinds=MeetingKind.choices,
    )
    return render(request, "web/activities/meeting_list.html", ctx)


@scoped(None)
def meeting_new(request: HttpRequest) -> HttpResponse:
    units = list(acc.recordable_units(request.user).order_by("path")[:300])
    if not units:
        raise Http404("")
    p = request.POST
    ctx = {
        "units": units,
        "kinds": MeetingKind.choices,
        "client_key": p.get("client_key") or uuid.uuid4(),
        "form": p if request.method == "POST" else request.GET,
        "today": _today().isoformat(),
    }
    if request.method != "POST":
        return render(request, "web/activities/meeting_new.html", ctx)
    try:
        try:
            unit = acc.get_recordable_unit(request.user, p.get("unit", ""))
        except NotFound:
            raise DomainError(_("请选择您管辖的单元")) from None
        meeting, _created = mtg_svc.meeting_create(
            by=request.user,
            client_key=p.get("client_key", ""),
            unit=unit,
            kind=p.get("kind", ""),
            held_on=p.get("held_on", ""),
            title=p.get("title", ""),
            place=p.get("place", ""),
            agenda=p.get("agenda", "").splitlines(),
        )
    except DomainError as exc:
        ctx["error"] = exc.message
        return render(request, "web/activities/meeting_new.html", ctx, status=400)
    return redirect("web:activity-meeting", meeting_id=meeting.pk)


@scoped(None)
@not_found_is_404
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = acc.get_meeting_for(request.user, meeting_id)
    can_record = acc.may_record(request.user, meeting)
    if request.method == "POST":
        if not can_record:
            raise Http404("")
        _meeting_post(request, meeting)
        return redirect("web:activity-meeting", meeting_id=meeting.pk)
    attendees = list(meeting.attendees.all())
    ctx = {
        "meeting": meeting,
        "agenda": meeting.agenda.select_related("case"),
        "attendees": attendees,
        "resolutions": meeting.resolutions.select_related("case"),
        "can_record": can_record,
        "resolution_kinds": Resolution.Kind.choices,
    }
    if can_record:
        ctx["people"] = svc.candidates(meeting.unit)
        ctx["ticked"] = {
            f"r{a.resident_id}" if a.resident_id else f"u{a.user_id}" for a in attendees
        }
        ctx["categories"] = categories_for(meeting.township_id)
    return render(request, "web/activities/meeting_detail.html", ctx)


def _meeting_post(request: HttpRequest, meeting) -> None:
    p = request.POST
    try:
        what = p.get("what")
        if what == "notes":
            mtg_svc.meeting_update(
                meeting=meeting,
                by=request.user,
                notes=p.get("notes", ""),
                add_agenda=p.get("add_agenda", ""),
                discussions={
                    parse_id(k[5:]): v
                    for k, v in p.items()
                    if k.startswith("item-") and parse_id(k[5:])
                },
            )
        elif what == "attendees":
            mtg_svc.attendees_set(
                meeting=meeting, by=request.user, people=p.getlist("person")
            )
        elif what == "resolution":
            mtg_svc.resolution_add(
                meeting=meeting,
                by=request.user,
                text=p.get("text", ""),
                kind=p.get("kind", Resolution.Kind.RESOLUTION),
            )
        elif what == "send_up":
            resolution = meeting.resolutions.filter(
                pk=parse_id(p.get("resolution")) or 0
            ).first()
            if resolution is None:
                raise DomainError(_("找不到该决议"))
            category = Category.objects.filter(
                pk=parse_id(p.get("category")) or 0
            ).first()
            case = mtg_svc.resolution_send_up(
                resolution=resolution, by=request.user, category=category
            )
            messages.success(request, _("已上报为事件 #%(id)s") % {"id": case.pk})
            return
        else:
            raise DomainError(_("未知操作"))
        messages.success(request, _("已保存"))
    except DomainError as exc:
        messages.error(request, exc.message)


# --- patrols ------------------------------------------------------------------------
@scoped(None)
@not_found_is_404
def patrol_list(request: HttpRequest) -> HttpResponse:
    ctx = _ledger_context(request)
    qs = sel.shift_ledger(request.user, ctx["f"])
    if request.GET.get("format") == "xlsx":
        rows = (
            (
                s.on.isoformat(),
                s.get_kind_display(),
                s.section.name if s.section_id else s.route,
                s.unit.name,
                f"{s.starts_at:%H:%M}-{s.ends_at:%H:%M}",
                s.n_checkins,
                s.n_hazards,
            )
            for s in qs
        )
        data = ledger_export(
            by=request.user,
            ledger="patrols",
            title=_("巡查台账"),
            headers=[
                _("日期"),
                _("类型"),
                _("堤段/路线"),
                _("单元"),
                _("时段"),
                _("签到次数"),
                _("险情"),
            ],
            rows=rows,
            township_id=_township(request),
            filters=vars(ctx["f"]),
            ip=_ip(request),
        )
        return _xlsx(data, "patrols")
    sections = LeveeSection.objects.filter(
        village__in=units_visible_to(request.user).filter(level="village")
    )
    ctx.update(
        page=Paginator(qs, 30).get_page(request.GET.get("page")),
        kinds=PatrolKind.choices,
        sections=sections.select_related("village"),
    )
    return render(request, "web/activities/patrol_list.html", ctx)


@scoped(None)
def patrol_new(request: HttpRequest) -> HttpResponse:
    units = list(acc.recordable_units(request.user).order_by("path")[:300])
    if not units:
        raise Http404("")
    p = request.POST
    src = p if request.method == "POST" else request.GET
    unit = None
    if wanted := parse_id(src.get("unit")):
        unit = next((u for u in units if u.pk == wanted), None)
    unit = unit or units[0]
    ctx = {
        "units": units,
        "unit_sel": unit,
        "kinds": PatrolKind.choices,
        "sections": LeveeSection.objects.filter(
            village_id=unit.village_id, is_active=True
        )
        if unit.village_id
        else [],
        "people": svc.candidates(unit),
        "client_key": p.get("client_key") or uuid.uuid4(),
        "form": src,
        "today": _today().isoformat(),
    }
    if request.method != "POST" or p.get("what") == "pick":
        return render(request, "web/activities/patrol_new.html", ctx)
    try:
        if p.get("what") == "section":
            if not unit.village_id:
                raise DomainError(_("请先选择村"))
            patrol_svc.section_create(
                by=request.user,
                village=Unit.objects.get(pk=unit.village_id),
                name=p.get("name", ""),
                start_mark=p.get("start_mark", ""),
                end_mark=p.get("end_mark", ""),
                points=p.get("points", ""),
            )
            messages.success(request, _("已添加堤段"))
            return redirect(f"/activities/patrols/new/?unit={unit.pk}")
        section = None
        if section_id := parse_id(p.get("section")):
            section = LeveeSection.objects.filter(pk=section_id).first()
        shift, _created = patrol_svc.shift_create(
            by=request.user,
            client_key=p.get("client_key", ""),
            unit=unit,
            kind=p.get("kind", ""),
            on=p.get("on", ""),
            starts_at=p.get("starts_at", ""),
            ends_at=p.get("ends_at", ""),
            section=section,
            route=p.get("route", ""),
            people=p.getlist("person"),
        )
    except DomainError as exc:
        ctx["error"] = exc.message
        return render(request, "web/activities/patrol_new.html", ctx, status=400)
    return redirect("web:activity-patrol", shift_id=shift.pk)


@scoped(None)
@not_found_is_404
def patrol_detail(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = acc.get_shift_for(request.user, shift_id)
    may_check_in = patrol_svc.may_check_in(request.user, shift)
    p = request.POST
    if request.method == "POST":
        if not may_check_in:
            raise Http404("")
        try:
            category = None
            if category_id := parse_id(p.get("category")):
                category = Category.objects.filter(pk=category_id).first()
            checkin, _created = patrol_svc.checkin_record(
                shift=shift,
                by=request.user,
                client_key=p.get("client_key", ""),
                point=p.get("point", ""),
                finding=p.get("finding", ""),
                is_hazard=p.get("is_hazard") == "1",
                category=category,
            )
            if checkin.case_id:
                messages.success(
                    request,
                    _("已上报险情，事件 #%(id)s（紧急）") % {"id": checkin.case_id},
                )
            else:
                messages.success(request, _("已签到"))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("web:activity-patrol", shift_id=shift.pk)
    return render(
        request,
        "web/activities/patrol_detail.html",
        {
            "shift": shift,
            "members": shift.members.all(),
            "checkins": shift.checkins.select_related("case", "by"),
            "points": patrol_svc.shift_points(shift),
            "may_check_in": may_check_in,
            "categories": patrol_svc.hazard_categories(shift.township_id),
            "default_code": patrol_svc.DEFAULT_HAZARD[PatrolKind(shift.kind)],
            "client_key": uuid.uuid4(),
        },
    )


urlpatterns = [
    path("activities/", activity_list, name="activity-list"),
    path("activities/new/", activity_new, name="activity-new"),
    path("activities/<int:activity_id>/", activity_detail, name="activity-detail"),
    path("activities/<int:activity_id>/edit/", activity_edit, name="activity-edit"),
    path("activities/photos/<int:photo_id>/", activity_photo, name="activity-photo"),
    path("activities/checkin/", activity_checkin, name="activity-checkin"),
    path("activities/volunteer/", volunteer_day, name="activity-volunteer"),
    path("activities/customs/", customs_list, name="activity-customs"),
    path("activities/customs/new/", customs_new, name="activity-customs-new"),
    path("activities/meetings/", meeting_list, name="activity-meetings"),
    path("activities/meetings/new/", meeting_new, name="activity-meeting-new"),
    path(
        "activities/meetings/<int:meeting_id>/", meeting_detail, name="activity-meeting"
    ),
    path("activities/patrols/", patrol_list, name="activity-patrols"),
    path("activities/patrols/new/", patrol_new, name="activity-patrol-new"),
    path("activities/patrols/<int:shift_id>/", patrol_detail, name="activity-patrol"),
]
