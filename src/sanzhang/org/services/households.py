"""Changes to households and residents, personal data included."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from sanzhang.core import crypto
from sanzhang.core.audit import AuditAction, audit_record
from sanzhang.core.errors import Conflict, DomainError, NotAllowed

from ..access import access_for
from ..levels import ANCESTOR_FIELDS, NEIGHBORHOOD_MAX, Level
from ..models import Household, Resident, Tag, Unit
from ..pii import (
    clean_text,
    id_number_mask,
    id_number_parse,
    person_name_clean,
    phone_mask,
    phone_parse,
)
from ..policy import Action


def resident_set_id_number(resident: Resident, raw: str | None) -> None:
    """Validate, seal and mask an ID number on an unsaved or saved resident (no save)."""
    if not raw:
        resident.id_number_sealed = None
        resident.id_number_hash = None
        resident.id_number_masked = ""
        return
    parsed = id_number_parse(raw)
    resident.id_number_sealed = crypto.seal(parsed.value)
    resident.id_number_hash = crypto.lookup_hash("id", parsed.value)
    resident.id_number_masked = id_number_mask(parsed.value)
    resident.birth_date = parsed.birth_date
    resident.sex = parsed.sex


def resident_set_phone(resident: Resident, raw: str | None) -> None:
    if not raw:
        resident.phone_sealed = None
        resident.phone_hash = None
        resident.phone_masked = ""
        return
    phone = phone_parse(raw)
    resident.phone_sealed = crypto.seal(phone)
    resident.phone_hash = crypto.lookup_hash("phone", phone)
    resident.phone_masked = phone_mask(phone)


def id_number_owner(raw: str) -> Resident | None:
    """The resident already holding this ID number, if any (by keyed hash)."""
    parsed = id_number_parse(raw)
    return Resident.objects.filter(
        id_number_hash=crypto.lookup_hash("id", parsed.value)
    ).first()


def _place(household: Household, unit: Unit) -> None:
    if unit.level not in (Level.GROUP, Level.NEIGHBORHOOD):
        raise DomainError(_("户只能挂在组或邻下"))
    for field in ANCESTOR_FIELDS:
        setattr(household, field, getattr(unit, field))


def household_create(
    *,
    unit: Unit,
    code: str,
    address: str,
    lon: float | None = None,
    lat: float | None = None,
    by: Any,
) -> Household:
    """Register a household in a group (not yet paired) or directly in a neighborhood."""
    if not access_for(by).can(Action.EDIT_HOUSEHOLDS, unit):
        raise NotAllowed(_("无权在该单元登记户"))
    household = Household(
        code=clean_text(code, field=_("户号"), max_length=32),
        address=clean_text(address, field=_("地址"), max_length=120),
        lon=lon,
        lat=lat,
    )
    _place(household, unit)
    if Household.objects.filter(
        township=household.township_id, code=household.code
    ).exists():
        raise DomainError(_("户号已存在：%(code)s") % {"code": household.code})
    household.save()
    return household


def resident_add(
    *,
    household: Household,
    name: str,
    relation: str = Resident.Relation.OTHER,
    id_number: str | None = None,
    phone: str | None = None,
    is_party_member: bool = False,
    by: Any,
) -> Resident:
    """Add a member to a household; the first head becomes the household's head."""
    if not access_for(by).can(Action.EDIT_HOUSEHOLDS, household):
        raise NotAllowed(_("无权编辑该户"))
    resident = Resident(
        household=household,
        township_id=household.township_id,
        name=person_name_clean(name),
        relation=relation,
        is_party_member=is_party_member,
    )
    resident_set_id_number(resident, id_number)
    resident_set_phone(resident, phone)
    try:
        with transaction.atomic():
            resident.save()
            Household.objects.filter(pk=household.pk).update(
                member_count=F("member_count") + 1
            )
            if relation == Resident.Relation.HEAD and household.head_id is None:
                household.head = resident
                household.save(update_fields=["head"])
    except IntegrityError:
        raise Conflict(_("该身份证号已登记，请联系村委核实")) from None
    return resident


def household_move(*, household: Household, neighborhood: Unit, by: Any) -> list[str]:
    """Pair a household with a neighborhood of its own group; returns warnings.

    A 16th household is allowed but reported, so the integrity page can list it.
    """
    access = access_for(by)
    if not (
        access.can(Action.EDIT_HOUSEHOLDS, household)
        and access.can(Action.EDIT_HOUSEHOLDS, neighborhood)
    ):
        raise NotAllowed(_("无权调整该户"))
    if neighborhood.level != Level.NEIGHBORHOOD:
        raise DomainError(_("请选择一个邻"))
    if neighborhood.villager_group_id != household.villager_group_id:
        raise DomainError(_("户只能编入本组的邻，一个邻不能跨组"))
    expected_version = household.version
    _place(household, neighborhood)
    updated = Household.objects.filter(
        pk=household.pk, version=expected_version
    ).update(neighborhood=neighborhood, version=F("version") + 1)
    if not updated:
        raise Conflict(_("该户已被他人修改，请刷新后重试"))
    household.version = expected_version + 1
    size = Household.objects.filter(neighborhood=neighborhood, is_active=True).count()
    if size > NEIGHBORHOOD_MAX:
        return [
            _("%(name)s现有%(n)d户，超过15户") % {"name": neighborhood.name, "n": size}
        ]
    return []


def household_set_tags(*, household: Household, tags: list[Tag], by: Any) -> None:
    if not access_for(by).can(Action.EDIT_HOUSEHOLDS, household):
        raise NotAllowed(_("无权编辑该户"))
    household.tags.set(tags)


def resident_reveal(
    *, resident: Resident, field: str, by: Any, ip: str | None = None
) -> str:
    """Return the clear ID number or phone of a resident, and record who looked."""
    action = {"id_number": Action.REVEAL_ID_NUMBER, "phone": Action.REVEAL_PHONE}.get(
        field
    )
    if action is None:
        raise DomainError(_("未知字段"))
    if not access_for(by).can(action, resident):
        raise NotAllowed(_("无权查看完整信息"))
    sealed = (
        resident.id_number_sealed if field == "id_number" else resident.phone_sealed
    )
    with transaction.atomic():
        audit_record(
            by=by,
            action=AuditAction.REVEAL_ID_NUMBER
            if field == "id_number"
            else AuditAction.REVEAL_PHONE,
            obj=resident,
            township_id=resident.township_id,
            ip=ip,
        )
    return crypto.unseal(sealed)
