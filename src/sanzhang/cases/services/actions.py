"""One entry for the pages and the API: apply a named action to a case as its actor
saw it (`version`), so a stale page or client gets a Conflict, never an overwrite."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from sanzhang.core.errors import DomainError

from ..models import Case
from .feedback import case_close_without_follow_up, case_follow_up
from .handling import (
    case_accept,
    case_escalate,
    case_note,
    case_refer,
    case_resolve,
    case_return,
    case_track,
)

ACTIONS = (
    "accept",
    "escalate",
    "return",
    "refer",
    "resolve",
    "follow_up",
    "close_without_follow_up",
    "note",
    "track",
)


def case_act(
    *,
    case: Case,
    by: Any,
    action: str,
    version: int | None = None,
    text: str = "",
    station_code: str = "",
    satisfaction: str = "",
    supervisor_name: str = "",
) -> Case:
    if version is not None:
        case.version = int(version)
    if action == "accept":
        return case_accept(case=case, by=by)
    if action == "escalate":
        return case_escalate(
            case=case, by=by, reason=text, station_code=station_code or None
        )
    if action == "return":
        return case_return(case=case, by=by, reason=text)
    if action == "refer":
        return case_refer(case=case, by=by, station_code=station_code, reason=text)
    if action == "resolve":
        return case_resolve(case=case, by=by, result=text)
    if action == "follow_up":
        return case_follow_up(case=case, by=by, satisfaction=satisfaction, note=text)
    if action == "close_without_follow_up":
        return case_close_without_follow_up(case=case, by=by, reason=text)
    if action == "note":
        case_note(case=case, by=by, note=text)
        return case
    if action == "track":
        return case_track(case=case, by=by, supervisor_name=supervisor_name, note=text)
    raise DomainError(_("未知操作"))
