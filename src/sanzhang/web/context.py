from django.http import HttpRequest

from sanzhang.org.access import access_for


def site(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = access_for(user)
    return {"access": access, "my_roots": access.root_units()}
