"""Shared fixtures: a small two-township tree with one account per role at known nodes."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API


@pytest.fixture(autouse=True)
def _fresh_work_calendars():
    # The per-process holiday cache would carry one test's rolled-back holidays into
    # the next; production clears it on save and after a minute.
    from sanzhang.cases.deadlines import calendars_forget

    calendars_forget()


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # argon2 at full cost makes every test login ~0.1 s; the hasher itself is tested apart.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


def _is_test_database() -> bool:
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    return "memory" in name or "test" in name


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Build the fixture world once per session and commit it.

    Ordinary tests run inside a transaction that is rolled back, so the world stays as
    built for all of them.
    """
    from sanzhang.org.tests.factories import build_world

    with django_db_blocker.unblock():
        assert _is_test_database(), (
            "refusing to build test data outside a test database"
        )
        build_world()


def _append_only():
    from sanzhang.core import append_only

    return append_only


@pytest.fixture
def audit_locked(db):
    """The append-only triggers (audit log, case timeline) in place: a browser test
    before may have lifted them."""
    from django.db import connection

    _append_only().lock_all(connection)


@pytest.fixture
def world(request):
    """The fixture world (see org/tests/factories.py).

    Browser tests run on `transactional_db`, which empties the database when they end;
    the append-only tables refuse that, so their triggers are lifted just for the
    flush; `audit_locked` puts them back for the tests that need them. A later test
    that finds the world gone rebuilds it.
    """
    from sanzhang.org.tests.factories import build_world, load_world

    if {"transactional_db", "live_server"} & set(request.fixturenames):
        request.getfixturevalue("transactional_db")
        yield load_world() or build_world()
        from django.db import connection

        _append_only().unlock_all(connection)
        return
    request.getfixturevalue("audit_locked")
    yield load_world() or build_world()


def pytest_collection_modifyitems(items):
    # Tests that take the world need the database; mark them so it is set up.
    for item in items:
        if "world" in getattr(item, "fixturenames", ()) and not item.get_closest_marker(
            "django_db"
        ):
            item.add_marker(pytest.mark.django_db)
