from django.urls import include, path

from sanzhang.api.urls import api
from sanzhang.web.views.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("sanzhang.web.urls")),
]

handler403 = "sanzhang.web.views.errors.forbidden"
handler404 = "sanzhang.web.views.errors.not_found"
handler500 = "sanzhang.web.views.errors.server_error"
