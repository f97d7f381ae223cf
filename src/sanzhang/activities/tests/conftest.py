"""Fixtures for activities, on top of the shared fixture world."""

from __future__ import annotations

import uuid

import pytest

from sanzhang.cases.models import Category
from sanzhang.cases.services.categories import category_install_defaults

N1 = "T1-V1-A1-G1-N1"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cats(world):
    for township in world.townships:
        if not Category.objects.filter(township=township).exists():
            category_install_defaults(township=township)
    return {c.code: c for c in Category.objects.filter(township=world.townships[0])}


@pytest.fixture
def key():
    return lambda: str(uuid.uuid4())


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Check-in misses are counted in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
