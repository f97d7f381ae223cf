"""通知 pages (placeholder until the feature lands)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from ..scope import scoped


@scoped(None)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/notices/home.html", {})


urlpatterns = [
    path("notices/", home, name="notice-list"),
]
