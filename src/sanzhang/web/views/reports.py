"""统计与红榜 pages (placeholder until the feature lands)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from ..scope import scoped


@scoped(None)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/reports/home.html", {})


urlpatterns = [
    path("reports/", home, name="dashboard"),
]
