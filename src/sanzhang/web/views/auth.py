from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from sanzhang.core.audit import AuditAction, audit_record

from ..scope import public


class LoginPage(LoginView):
    template_name = "web/auth/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(
            by=self.request.user,
            action=AuditAction.LOGIN,
            ip=self.request.META.get("REMOTE_ADDR"),
        )
        return response


login_view = public(LoginPage.as_view())


@public
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:login")
