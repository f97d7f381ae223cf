"""Requests a reviewer broke the pages with: each now gets a clear answer, and the
levee-section form really saves."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from sanzhang.activities.models import Activity, LeveeSection

HUGE = "9999999999999999999999999"


def _client(world, username):
    client = Client()
    client.force_login(world.users[username])
    return client


def test_adding_a_levee_section_saves_it(world):
    village = world.unit("T1-V1")
    before = LeveeSection.objects.count()
    page = _client(world, "cadre").post(
        f"/activities/patrols/new/?unit={village.pk}",
        {
            "what": "section",
            "unit": village.pk,
            "name": "三号堤段",
            "points": "1号涵闸",
        },
        follow=True,
    )
    assert "已添加堤段" in page.content.decode()
    assert LeveeSection.objects.count() == before + 1
    assert LeveeSection.objects.filter(name="三号堤段").exists()


@pytest.mark.parametrize("day", ["2021-03-05", "2099-01-02", "0001-01-01", "x"])
def test_a_resident_cannot_create_volunteer_days_in_the_past(world, day):
    before = Activity.objects.count()
    response = _client(world, "resident").post(
        "/activities/volunteer/",
        {"unit": world.unit("T1").pk, "date": day},
        follow=True,
    )
    assert response.status_code == 200
    assert Activity.objects.count() == before


@pytest.mark.parametrize("day", ["2099-01-02", "9999-12-31", "0001-01-01"])
def test_far_dates_on_the_volunteer_page_are_not_errors(world, day):
    response = _client(world, "cadre").get(f"/activities/volunteer/?date={day}")
    assert response.status_code == 200


def test_a_signup_for_a_past_friday_is_refused(world):
    page = (
        _client(world, "resident")
        .post(
            "/activities/volunteer/",
            {"unit": world.unit("T1").pk, "date": "2025-01-03", "what": "signup"},
            follow=True,
        )
        .content.decode()
    )
    assert "只能报名今天及以后的志愿日" in page
    assert not Activity.objects.filter(held_on=date(2025, 1, 3)).exists()


@pytest.mark.parametrize(
    "url",
    [
        f"/activities/?unit={HUGE}",
        f"/activities/customs/?unit={HUGE}",
        f"/activities/patrols/new/?unit={HUGE}",
        f"/notices/ledger/?sender={HUGE}",
        f"/notices/ledger/?unit={HUGE}",
        "/notices/ledger/?start=9999-12-31&end=9999-12-31",
        "/notices/ledger/?start=9999-12-31&end=9999-12-31&format=xlsx",
    ],
)
def test_oversized_ids_and_far_dates_in_filters(world, url):
    assert _client(world, "admin").get(url).status_code in (200, 404)
