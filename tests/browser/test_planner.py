"""The planner in a real browser: a cadre sees a group's households as points, applies
the proposed neighborhoods, and the group's page then lists them."""

from __future__ import annotations

import random

import pytest
from playwright.sync_api import Page, expect
from tests.browser.test_roles import login, shot

pytestmark = pytest.mark.browser


def test_cadre_plans_and_applies_neighborhoods(world, live_server, page: Page):
    from sanzhang.org.levels import Level
    from sanzhang.org.models import Household, Resident
    from sanzhang.org.services.units import unit_create
    from sanzhang.org.tests.factories import make_household

    group = unit_create(parent=world.unit("T1-V1-A1"), level=Level.GROUP, name="河堤组")
    rng = random.Random(3)
    for i in range(23):
        hh = make_household(group)
        road = i % 2  # two roads meeting at the embankment
        t = i // 2
        lon = 112.17 + (t * 0.0005 if road == 0 else 0.0001 * t)
        lat = 29.41 + (0.00005 * rng.random() if road == 0 else t * 0.0004)
        Household.objects.filter(pk=hh.pk).update(lon=lon, lat=lat)
        if i in (3, 10, 17):
            Resident.objects.filter(pk=hh.head_id).update(is_party_member=True)
    login(page, live_server.url, "t_cadre", "pw-cadre")
    page.goto(f"{live_server.url}/units/{group.pk}/")
    page.click("#planner-link")
    expect(page.locator("#planner-map circle")).to_have_count(23)
    expect(page.locator("#planner-summary")).to_contain_text("3 个邻")
    shot(page, "planner")
    page.click("#planner-apply")
    expect(page.locator(".msg-success")).to_contain_text("已应用")
    expect(page.locator("#children .unit-row")).to_have_count(3)
