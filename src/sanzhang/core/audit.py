"""Write audit rows. Call inside the transaction of the act being recorded, so the
act and its record commit together or not at all (fail closed)."""

from __future__ import annotations

from typing import Any

from .models import AuditEvent


class AuditAction:
    REVEAL_ID_NUMBER = "reveal_id_number"
    REVEAL_PHONE = "reveal_phone"
    EXPORT = "export"
    IMPORT = "import"
    POST_APPOINT = "post_appoint"
    POST_END = "post_end"
    POST_REPLACE = "post_replace"
    HOUSEHOLD_EDIT = "household_edit"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    DENIED = "denied"


def audit_record(
    *,
    by: Any,
    action: str,
    obj: Any = None,
    township_id: int | None = None,
    ip: str | None = None,
    **detail: Any,
) -> AuditEvent:
    actor_id = getattr(by, "pk", None)
    actor_name = getattr(by, "username", "") if by is not None else ""
    return AuditEvent.objects.create(
        actor_id=actor_id,
        actor_name=actor_name or "",
        action=action,
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=str(getattr(obj, "pk", "") or ""),
        township_id=township_id,
        detail=detail,
        ip=ip,
    )
