"""Disputes (矛盾纠纷): parties, the mediation record (人民调解法 Art. 27-29), and the
outcome: an agreement resolves the case; a failed mediation is referred on (司法所)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhang.core.errors import DomainError, NotAllowed
from sanzhang.org.models import Household

from ..access import may_handle
from ..models import Case, CaseEvent, CaseParty, Mediation, MediationSession
from .handling import case_refer, case_resolve
from .loop import actor_name, clean_note, event_add


def _require_dispute_handler(case: Case, by: Any) -> None:
    if not case.is_dispute:
        raise DomainError(_("该事件不是矛盾纠纷"))
    if not may_handle(by, case):
        raise NotAllowed(_("无权调解该纠纷"))


def case_add_party(
    *,
    case: Case,
    by: Any,
    name: str,
    side: str = CaseParty.Side.APPLICANT,
    household: Household | None = None,
) -> CaseParty:
    _require_dispute_handler(case, by)
    name = (name or "").strip()[:50]
    if not name:
        raise DomainError(_("请填写当事人姓名"))
    if side not in CaseParty.Side.values:
        raise DomainError(_("请选择当事人身份"))
    with transaction.atomic():
        party = CaseParty.objects.create(
            case=case,
            township_id=case.township_id,
            side=side,
            name=name,
            household=household,
        )
        event_add(
            case,
            kind=CaseEvent.Kind.MEDIATION,
            by=by,
            now=timezone.now(),
            note=_("当事人：%(n)s（%(s)s）")
            % {"n": name, "s": party.get_side_display()},
        )
    return party


def _mediation(case: Case, by: Any) -> Mediation:
    mediation, _created = Mediation.objects.get_or_create(
        case=case,
        defaults={
            "township_id": case.township_id,
            "mediator": by,
            "mediator_name": actor_name(by),
        },
    )
    return mediation


def case_mediation_session(
    *,
    case: Case,
    by: Any,
    notes: str,
    place: str = "",
    attendees: str = "",
    held_at: datetime | None = None,
) -> MediationSession:
    """Record one mediation session (调解记录)."""
    _require_dispute_handler(case, by)
    if not case.is_open:
        raise DomainError(_("纠纷已结案"))
    notes = clean_note(notes, required=True, field=_("调解记录"))
    now = timezone.now()
    with transaction.atomic():
        mediation = _mediation(case, by)
        session = MediationSession.objects.create(
            mediation=mediation,
            held_at=held_at or now,
            place=place[:80],
            attendees=attendees[:200],
            notes=notes,
            recorded_by=by,
        )
        event_add(
            case,
            kind=CaseEvent.Kind.MEDIATION,
            by=by,
            now=now,
            note=_("调解：%(n)s") % {"n": notes[:200]},
            data={"session": session.pk},
        )
    return session


def case_mediation_agree(
    *,
    case: Case,
    by: Any,
    terms: str,
    performance: str = "",
    agreement_no: str = "",
    is_oral: bool = False,
    signatures_noted: bool = False,
    agreed_on: date | None = None,
) -> Case:
    """Record the agreement (调解协议) and resolve the dispute with it."""
    _require_dispute_handler(case, by)
    terms = clean_note(terms, required=True, field=_("协议内容"))
    if not is_oral and not signatures_noted:
        raise DomainError(_("书面协议须注明当事人已签字（或勾选口头协议）"))
    with transaction.atomic():
        mediation = _mediation(case, by)
        Mediation.objects.filter(pk=mediation.pk).update(
            agreement_terms=terms,
            performance=performance[:200],
            agreement_no=agreement_no[:40],
            is_oral=is_oral,
            signatures_noted=signatures_noted,
            agreed_on=agreed_on or timezone.localdate(),
            ended_at=timezone.now(),
        )
        case.mediation_outcome = "succeeded"
        Case.objects.filter(pk=case.pk).update(mediation_outcome="succeeded")
        return case_resolve(
            case=case, by=by, result=_("调解成功，达成协议：%(t)s") % {"t": terms}
        )


def case_mediation_fail(
    *, case: Case, by: Any, reason: str, station_code: str = "sifa"
) -> Case:
    """End a failed mediation (Art. 26) and refer the dispute on, by default to 司法所."""
    _require_dispute_handler(case, by)
    reason = clean_note(reason, required=True, field=_("调解不成的原因"))
    with transaction.atomic():
        mediation = _mediation(case, by)
        Mediation.objects.filter(pk=mediation.pk).update(
            failure_reason=reason[:200], ended_at=timezone.now()
        )
        case.mediation_outcome = "failed"
        Case.objects.filter(pk=case.pk).update(mediation_outcome="failed")
        return case_refer(
            case=case,
            by=by,
            station_code=station_code,
            reason=_("调解不成：%(r)s") % {"r": reason},
        )
