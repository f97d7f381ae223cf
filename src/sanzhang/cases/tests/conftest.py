"""Fixtures for the case loop, on top of the shared fixture world."""

from __future__ import annotations

import uuid

import pytest

from sanzhang.cases.models import Category
from sanzhang.cases.services.categories import category_install_defaults
from sanzhang.cases.services.intake import case_report

N1 = "T1-V1-A1-G1-N1"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The shared world plus both townships' default case trees, committed once."""
    from sanzhang.org.models import Unit

    with django_db_blocker.unblock():
        for township in Unit.objects.filter(level="township", code__in=["T1", "T2"]):
            category_install_defaults(township=township)


@pytest.fixture
def cats(world):
    """The default category tree of both townships, by code (安全乡's)."""
    for township in world.townships:
        if not Category.objects.filter(township=township).exists():
            category_install_defaults(township=township)  # after a browser test's flush
    return {c.code: c for c in Category.objects.filter(township=world.townships[0])}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def report(world, cats):
    """Record a case as a world user; defaults: 环境卫生 in N1, first household."""

    def make(username="nchief", *, category="environment.1", key=None, **kwargs):
        kwargs.setdefault("household", world.households[N1][0])
        kwargs.setdefault("text", "门前垃圾堆放多日无人清理")
        case, _created = case_report(
            by=world.users[username],
            client_key=key or uuid.uuid4(),
            category=cats[category],
            **kwargs,
        )
        return case

    return make


def fresh(case):
    return type(case).objects.get(pk=case.pk)
