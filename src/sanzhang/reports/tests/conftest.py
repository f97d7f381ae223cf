"""Fixtures for figures: the shared world, default case categories, and builders for
visits, activities, customs talks and notice relays written straight to the tables
(the metrics read rows; how the outreach apps write them is tested there)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from sanzhang.cases.models import Category
from sanzhang.cases.services.categories import category_install_defaults
from sanzhang.cases.services.intake import case_report
from sanzhang.org.levels import ANCESTOR_FIELDS

N1 = "T1-V1-A1-G1-N1"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from sanzhang.org.models import Unit

    with django_db_blocker.unblock():
        for township in Unit.objects.filter(level="township", code__in=["T1", "T2"]):
            if not Category.objects.filter(township=township).exists():
                category_install_defaults(township=township)


@pytest.fixture
def cats(world):
    for township in world.townships:
        if not Category.objects.filter(township=township).exists():
            category_install_defaults(township=township)
    return {c.code: c for c in Category.objects.filter(township=world.townships[0])}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def anc(obj) -> dict:
    return {f: getattr(obj, f) for f in ANCESTOR_FIELDS}


@pytest.fixture
def report(world, cats):
    def make(username="nchief", *, category="environment.1", **kwargs):
        kwargs.setdefault("household", world.households[N1][0])
        kwargs.setdefault("text", "门前垃圾堆放多日无人清理")
        case, _created = case_report(
            by=world.users[username],
            client_key=uuid.uuid4(),
            category=cats[category],
            **kwargs,
        )
        return case

    return make


@pytest.fixture
def today() -> date:
    return timezone.localdate()


@pytest.fixture
def build(world):
    """Row builders: visit(hh, day, served), activity(unit, kind, day, ...), ..."""
    from sanzhang.activities.models import Activity, Attendance, CustomsReform
    from sanzhang.notices.models import Notice, NoticeRelay
    from sanzhang.visits.models import Visit

    user = world.users["nchief"]

    class B:
        @staticmethod
        def visit(hh, day, served=1, by=None):
            return Visit.objects.create(
                **anc(hh),
                household=hh,
                recorded_by=by or user,
                visited_on=day,
                people_served=served,
                client_key=uuid.uuid4(),
            )

        @staticmethod
        def activity(unit, kind, day, *, leaflets=0, person_times=0, by=None):
            return Activity.objects.create(
                **anc(unit),
                unit=unit,
                kind=kind,
                held_on=day,
                organiser=by or user,
                leaflets=leaflets,
                person_times=person_times,
                checkin_code="123456",
                client_key=uuid.uuid4(),
            )

        @staticmethod
        def attend(activity, who, hours="0"):
            return Attendance.objects.create(
                activity=activity, user=who, name=str(who), hours=Decimal(hours)
            )

        @staticmethod
        def customs(hh, outcome, day):
            return CustomsReform.objects.create(
                **anc(hh),
                household=hh,
                event="wedding",
                outcome=outcome,
                talked_on=day,
                recorded_by=user,
                client_key=uuid.uuid4(),
            )

        @staticmethod
        def notice(unit, households, relayed, sent_days_ago=0):
            sent = timezone.now() - timedelta(days=sent_days_ago)
            n = Notice.objects.create(
                **anc(unit),
                unit=unit,
                title="防汛通知",
                body="注意防汛",
                created_by=world.users["admin"],
                sent_at=sent,
                sent_by=world.users["admin"],
                household_count=len(households),
                client_key=uuid.uuid4(),
            )
            for i, hh in enumerate(households):
                NoticeRelay.objects.create(
                    **anc(hh),
                    notice=n,
                    household=hh,
                    relayed_at=sent if i < relayed else None,
                    method="visit" if i < relayed else "",
                    relayed_by=user if i < relayed else None,
                )
            return n

    return B
