from collections import Counter

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sanzhang.org.levels import SCOPE_FIELD
from sanzhang.org.models import Unit
from sanzhang.org.policy import Action
from sanzhang.org.selectors import integrity_violations, unit_ancestors, violation_kinds

from ..scope import scoped


@scoped(Action.VIEW_INTEGRITY)
def integrity_page(request: HttpRequest, unit: Unit) -> HttpResponse:
    """户户有人联: every rule of the framework that the subtree breaks, with fix links."""
    found = integrity_violations(Q(**{SCOPE_FIELD[unit.level]: unit.pk}))
    kind = request.GET.get("kind", "")
    counts = Counter(v.kind for v in found)
    kinds = violation_kinds()
    shown = [v for v in found if not kind or v.kind == kind]
    return render(
        request,
        "web/org/integrity.html",
        {
            "unit": unit,
            "ancestors": unit_ancestors(unit),
            "summary": [(k, label, counts.get(k, 0)) for k, label in kinds.items()],
            "violations": shown[:500],
            "total": len(found),
            "errors": sum(1 for v in found if v.severity == "error"),
            "kind": kind,
        },
    )
