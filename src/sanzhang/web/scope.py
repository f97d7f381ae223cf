"""Every page declares its scope with one decorator; a test fails on any that does not.

`@scoped(action)` requires a signed-in user, loads the object named in the URL through
the access funnels (so missing and forbidden both give 404), and checks the action.
`@public` marks the few pages anyone may open (login, health).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from sanzhang.core.errors import NotFound
from sanzhang.org.access import access_for, get_household_for, get_unit_for
from sanzhang.org.policy import Action

View = Callable[..., HttpResponse]


def public(view: View) -> View:
    view.scope = "public"  # type: ignore[attr-defined]
    return view


def scoped(action: Action | None) -> Callable[[View], View]:
    """Require login; resolve `unit_id` / `household_id` kwargs in scope for `action`."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                if "unit_id" in kwargs:
                    kwargs["unit"] = get_unit_for(
                        request.user, kwargs.pop("unit_id"), action or Action.VIEW_TREE
                    )
                if "household_id" in kwargs:
                    kwargs["household"] = get_household_for(
                        request.user, kwargs.pop("household_id"), Action.VIEW_HOUSEHOLDS
                    )
                    if action and not access_for(request.user).can(
                        action, kwargs["household"]
                    ):
                        raise NotFound("")
            except NotFound as exc:
                raise Http404(exc.message) from None
            resolved = {"unit", "household"} & kwargs.keys()
            if action and not resolved and not access_for(request.user).can(action):
                raise Http404("")
            return view(request, *args, **kwargs)

        wrapper.scope = action.value if action else "signed-in"  # type: ignore[attr-defined]
        return wrapper

    return decorate
