"""Fixtures for visits, on top of the shared fixture world."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from sanzhang.cases.models import Category
from sanzhang.cases.services.categories import category_install_defaults
from sanzhang.visits.services.record import visit_record

N1 = "T1-V1-A1-G1-N1"
N2 = "T1-V1-A1-G1-N2"
TODAY = date(2025, 6, 30)


@pytest.fixture
def cats(world):
    for township in world.townships:
        if not Category.objects.filter(township=township).exists():
            category_install_defaults(township=township)
    return {c.code: c for c in Category.objects.filter(township=world.townships[0])}


@pytest.fixture
def record(world):
    """Record a visit as a world user; defaults: nchief, first household of N1,
    routine, TODAY."""

    def make(username="nchief", *, key=None, days_ago=0, **kwargs):
        kwargs.setdefault("household", world.households[N1][0])
        kwargs.setdefault("kind", "routine")
        kwargs.setdefault("visited_on", TODAY - timedelta(days=days_ago))
        kwargs.setdefault("today", TODAY)
        visit, _created = visit_record(
            by=world.users[username], client_key=key or uuid.uuid4(), **kwargs
        )
        return visit

    return make
