"""Recording a case: idempotent on the client's key, photos checked first, placed at
its category's first level (or closed at once when answered on the spot)."""

from __future__ import annotations

import hashlib
import json
import unicodedata
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhang.core.db import insert_family
from sanzhang.core.errors import DomainError, NotAllowed
from sanzhang.org.levels import ANCESTOR_FIELDS, Level
from sanzhang.org.models import Household, Resident, Role, Unit

from ..access import access_for, case_owner_ids, may_handle, may_report
from ..models import Case, CaseHousehold, CasePhoto, Category, FollowUp
from ..states import RANK, CaseStatus, HandlingLevel, Satisfaction, Source
from .loop import arrival, clean_note, event_add, event_build, station_for
from .notify import notify
from .photos import CheckedPhoto, photo_check, photo_remove, photo_store


class IdempotencyMismatch(DomainError):
    """The key was used before for a different submission."""

    status_code = 422


def search_text_for(case: Case) -> str:
    parts = [case.text, case.category.name, case.place]
    if case.household_id:
        parts.append(case.household.address)
    if case.resident_id and not case.is_anonymous:
        parts.append(case.resident.name)
    return normalise(" ".join(p for p in parts if p))


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


# The ladder level a role answers for, when it records and answers on the spot.
ROLE_LEVEL = {
    Role.NEIGHBORHOOD_CHIEF: HandlingLevel.NEIGHBORHOOD,
    Role.GROUP_CHIEF: HandlingLevel.GROUP,
    Role.AREA_CHIEF: HandlingLevel.AREA,
    Role.VILLAGE_CADRE: HandlingLevel.VILLAGE,
    Role.TOWNSHIP_ADMIN: HandlingLevel.STATION,
    Role.STATION_STAFF: HandlingLevel.STATION,
}


def reporter_level(by: Any, case: Case) -> str:
    """The lowest level at which `by` answers for the case's place."""
    levels = [
        ROLE_LEVEL[g.role]
        for g in access_for(by).grants
        if g.role in ROLE_LEVEL and g.covers(case)
    ]
    if not levels:
        raise NotAllowed(_("只有三长、村干部或乡镇工作人员可以现场答复"))
    return min(levels, key=RANK.__getitem__)


def _body_hash(fields: dict[str, Any], photos: Sequence[CheckedPhoto]) -> str:
    body = {**fields, "photos": [p.digest for p in photos]}
    raw = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def _existing(client_key: uuid.UUID, body_hash: str) -> Case | None:
    # Almost every key is new: ask for the hash alone before loading a whole case.
    found = Case.objects.filter(client_key=client_key).values_list(
        "body_hash", flat=True
    )
    if not found:
        return None
    case = Case.objects.get(client_key=client_key)
    if case.body_hash != body_hash:
        raise IdempotencyMismatch(
            _("该提交编号已用于另一条不同的事件，请刷新页面后重新登记")
        )
    return case


def case_report(
    *,
    by: Any,
    client_key: uuid.UUID | str,
    category: Category,
    text: str,
    unit: Unit | None = None,
    household: Household | None = None,
    resident: Resident | None = None,
    is_anonymous: bool = False,
    source: str = Source.VISIT,
    lon: float | None = None,
    lat: float | None = None,
    place: str = "",
    level: str | None = None,
    station_code: str | None = None,
    answer: str = "",
    satisfaction: str = "",
    photos: Sequence[Any] = (),
    urgent: bool = False,
    now: datetime | None = None,
) -> tuple[Case, bool]:
    """Record a case; returns (case, created). A retry with the same key and body
    returns the first case; the same key with another body is refused (422)."""
    try:
        key = (
            client_key
            if isinstance(client_key, uuid.UUID)
            else uuid.UUID(str(client_key))
        )
    except ValueError:
        raise DomainError(_("提交编号无效")) from None
    text = clean_note(text, required=True, field=_("事件情况"))
    answer = clean_note(answer)
    place = (place or "").strip()[:120]
    if source not in Source.values:
        raise DomainError(_("请选择来源"))
    if level and level not in HandlingLevel.values:
        raise DomainError(_("请选择办理层级"))
    if satisfaction and satisfaction not in Satisfaction.values:
        raise DomainError(_("请选择满意度"))
    if satisfaction and not answer:
        raise DomainError(_("现场答复后才能记录满意度"))
    if len(photos) > settings.CASE_PHOTO_MAX_COUNT:
        raise DomainError(_("每个事件最多 9 张照片"))
    if household is not None:
        # Through the foreign key: free when the caller loaded it with the household.
        unit = (
            household.neighborhood
            if household.neighborhood_id
            else household.villager_group
        )
    if unit is None:
        raise DomainError(_("请选择户或地点所在的单元"))
    if resident is not None and (
        household is None or resident.household_id != household.pk
    ):
        raise DomainError(_("反映人不属于该户"))
    if not category.is_active or category.township_id != unit.township_id:
        raise DomainError(_("请选择本乡镇的事件分类"))
    if (lon is None) != (lat is None):
        raise DomainError(_("经纬度须同时填写"))
    fields = {
        "category": category.pk,
        "text": text,
        "unit": unit.pk,
        "household": household.pk if household else None,
        "resident": resident.pk if resident else None,
        "anonymous": is_anonymous,
        "source": source,
        "lon": lon,
        "lat": lat,
        "place": place,
        "level": level,
        "station": station_code,
        "answer": answer,
        "satisfaction": satisfaction,
        # Only when set, so the hash of every earlier kind of submission stays as it was.
        **({"urgent": True} if urgent else {}),
    }
    checked = [photo_check(p) for p in photos]
    body_hash = _body_hash(fields, checked)
    # A key is almost always new, so it is not looked up first: the unique index on
    # client_key refuses a repeat at insert time and the repeat is answered below.
    if not may_report(by, unit, household.pk if household else None):
        # A retry of a case recorded before the reporter's post ended still gets it.
        existing = _existing(key, body_hash)
        if existing is not None:
            return existing, False
        raise NotAllowed(_("无权在该处登记事件"))

    now = now or timezone.now()
    case = Case(
        client_key=key,
        body_hash=body_hash,
        category=category,
        text=text,
        source=source,
        household=household,
        resident=None if is_anonymous else resident,
        is_anonymous=is_anonymous,
        lon=lon,
        lat=lat,
        place=place,
        is_dispute=category.is_dispute
        or bool(category.parent_id and category.parent.is_dispute),
        is_urgent=bool(urgent) or category.is_emergency,
        reported_by=by if getattr(by, "pk", None) else None,
        created_at=now,
    )
    for field in ANCESTOR_FIELDS:
        setattr(case, field, getattr(unit, field))
    if unit.level != Level.NEIGHBORHOOD:
        case.neighborhood_id = None
    first_level = (
        reporter_level(by, case) if answer else level or category.default_level
    )
    station = (
        station_for(case, station_code)
        if first_level == HandlingLevel.STATION
        else None
    )
    for field, value in arrival(case, first_level, now=now, station=station).items():
        setattr(case, field, value)
    if case.handling_unit_id == unit.pk:
        case.handling_unit = unit  # already loaded; the scope checks below read it
    case.station = station
    case.status = CaseStatus.PENDING
    if answer or may_handle(by, case):
        case.status = CaseStatus.HANDLING
    case.search_text = search_text_for(case)

    if answer:
        _close_on_spot(case, answer=answer, satisfaction=satisfaction, now=now)

    stored: list[str] = []
    try:
        for photo in checked:
            stored.append(photo_store(photo))
        rows = _first_rows(
            case,
            by=by,
            now=now,
            answer=answer,
            satisfaction=satisfaction,
            photos=list(zip(checked, stored, strict=True)),
        )
        if case.status == CaseStatus.PENDING:
            with transaction.atomic():
                insert_family(case, rows)
                _notify_owners(case, by=by, now=now)
        else:
            # Intake is the busiest write of the system: on PostgreSQL the case and its
            # rows are one statement, atomic without a transaction round trip.
            insert_family(case, rows)
    except IntegrityError:
        for name in stored:
            photo_remove(name)
        # Someone (a retry racing this one) inserted the key first.
        existing = _existing(key, body_hash)
        if existing is None:
            raise
        return existing, False
    except Exception:
        for name in stored:
            photo_remove(name)
        raise
    return case, True


def _close_on_spot(
    case: Case, *, answer: str, satisfaction: str, now: datetime
) -> None:
    """The reporter answered the case where it was raised: it is written closed."""
    case.answered_on_spot = True
    case.resolution = answer
    case.resolved_at = now
    case.resolved_by = case.reported_by
    case.resolved_level = case.handling_level
    case.resolved_unit_id = case.handling_unit_id
    case.resolved_station_id = case.station_id
    case.resolved_on_time = True
    case.status = CaseStatus.CLOSED
    case.closed_at = now
    case.satisfaction = satisfaction


def _first_rows(
    case: Case,
    *,
    by: Any,
    now: datetime,
    answer: str,
    satisfaction: str,
    photos: list[tuple[CheckedPhoto, str]],
) -> list[Any]:
    """The unsaved rows written with a new case: its household link, photos, the
    first timeline events and, when answered on the spot with a rating, the follow-up."""
    scope = {f: getattr(case, f) for f in ANCESTOR_FIELDS}
    rows: list[Any] = []
    if case.household_id:
        rows.append(
            CaseHousehold(
                case=case,
                household_id=case.household_id,
                added_at=now,
                added_by=case.reported_by,
                **scope,
            )
        )
    rows += [
        CasePhoto(
            case=case,
            file=name,
            content_type=photo.content_type,
            size=len(photo.data),
            width=photo.width,
            height=photo.height,
            uploaded_by=case.reported_by,
            **scope,
        )
        for photo, name in photos
    ]
    rows.append(
        event_build(
            case,
            kind="reported",
            by=by,
            now=now,
            note=case.text[:200],
            to_status=CaseStatus.PENDING,
            to_level=case.handling_level,
            data={"photos": len(photos), "source": case.source},
        )
    )
    if answer:
        rows.append(
            event_build(
                case,
                kind="answered",
                by=by,
                now=now,
                note=answer,
                from_status=CaseStatus.PENDING,
                to_status=CaseStatus.CLOSED,
                from_level=case.handling_level,
                to_level=case.handling_level,
                data={"satisfaction": satisfaction},
            )
        )
        if satisfaction and case.reported_by_id:
            rows.append(
                FollowUp(
                    case=case,
                    round=1,
                    by_id=case.reported_by_id,
                    satisfaction=satisfaction,
                    note=_("现场答复时当面评价"),
                    resolved_level=case.resolved_level,
                    resolved_unit_id=case.resolved_unit_id,
                    resolved_station_id=case.resolved_station_id,
                    at=now,
                    **scope,
                )
            )
    elif case.status == CaseStatus.HANDLING:
        rows.append(
            event_build(
                case,
                kind="accepted",
                by=by,
                now=now,
                from_status=CaseStatus.PENDING,
                to_status=CaseStatus.HANDLING,
                from_level=case.handling_level,
                to_level=case.handling_level,
            )
        )
    return rows


def _notify_owners(case: Case, *, by: Any, now: datetime) -> None:
    """Tell the handling unit's chiefs a new case waits for them to take it."""
    owners = case_owner_ids(case)
    owners.discard(getattr(by, "pk", None))
    notify(
        case=case,
        township_id=case.township_id,
        user_ids=owners,
        now=now,
        text=_("新事件 #%(id)s（%(cat)s）待签收，办理时限 %(due)s")
        % {
            "id": case.pk,
            "cat": case.category.name,
            "due": timezone.localtime(case.due_at).strftime("%m-%d %H:%M"),
        },
    )


def case_link_household(*, case: Case, household: Household, by: Any) -> bool:
    """Add a household to an open case instead of recording a duplicate (one click)."""
    if not case.is_open:
        raise DomainError(_("该事件已结案，请登记新事件"))
    if not may_report(by, case.handling_unit, household.pk) and not any(
        g.covers(household) for g in access_for(by).grants
    ):
        raise NotAllowed(_("无权关联该户"))
    now = timezone.now()
    with transaction.atomic():
        _row, created = CaseHousehold.objects.get_or_create(
            case=case,
            household=household,
            defaults={
                "added_at": now,
                "added_by": by if getattr(by, "pk", None) else None,
                **{f: getattr(household, f) for f in ANCESTOR_FIELDS},
            },
        )
        if created:
            event_add(
                case,
                kind="linked",
                by=by,
                now=now,
                note=household.address,
                data={"household": household.pk},
            )
    return created
