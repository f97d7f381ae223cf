"""A neighbourhood chief, on a 360 px phone, logs a visit that raises a case; the case
exists, came from 走访, and is linked to the visit."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .test_roles import login, shot

pytestmark = pytest.mark.browser


def test_chief_logs_visit_that_raises_a_case(world, live_server, page: Page):
    from sanzhang.cases.models import Case
    from sanzhang.cases.services.categories import category_install_defaults
    from sanzhang.visits.models import Visit

    category_install_defaults(township=world.townships[0])
    page.set_viewport_size({"width": 360, "height": 740})
    base = live_server.url
    hh = world.households["T1-V1-A1-G1-N1"][2]

    login(page, base, "t_nchief", "pw-nchief")
    page.goto(f"{base}/visits/")
    # Only the chief's own households are offered; pick one from the list.
    expect(page.locator("#to-visit li")).to_have_count(6)
    page.locator("#to-visit li", has_text=hh.address).get_by_role("link").click()
    expect(page.locator("#household")).to_have_value(str(hh.pk))
    page.check("input[name=kind][value=service]")
    page.fill("#people_served", "2")
    page.fill("#notes", "帮老人代办医保认证")
    page.fill("#needs", "屋后电线老化，担心起火")
    page.check("#raise_case")
    page.select_option("#category", label="　用电用火燃气")
    shot(page, "visit-new")
    page.click("#save-visit")
    expect(page.locator(".messages")).to_contain_text("已登记事件")
    # No horizontal scrolling on the phone.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360

    visit = Visit.objects.get(household=hh)
    case = Case.objects.get(pk=visit.case_id)
    assert (visit.kind, visit.people_served) == ("service", 2)
    assert (case.household_id, case.source, case.text) == (
        hh.pk,
        "visit",
        "屋后电线老化，担心起火",
    )
    page.goto(f"{base}/cases/{case.pk}/")
    expect(page.locator("body")).to_contain_text("屋后电线老化")
