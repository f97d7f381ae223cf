"""Activities in a real browser on a phone: a neighbourhood chief records a
micro-lecture and ticks attendance, a resident checks in with the code shown, and a
levee patrol finds a hazard that becomes an urgent case in one step."""

from __future__ import annotations

from datetime import time

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from .test_cases import switch
from .test_roles import shot

pytestmark = pytest.mark.browser


def test_lecture_code_checkin_and_levee_hazard(
    world, live_server, page: Page, settings, tmp_path
):
    import uuid

    from sanzhang.activities.services.patrols import section_create, shift_create
    from sanzhang.cases.services.categories import category_install_defaults

    settings.MEDIA_ROOT = tmp_path / "media"
    category_install_defaults(township=world.townships[0])
    base = live_server.url
    nb = world.unit("T1-V1-A1-G1-N1")
    heads = [h.head for h in world.households["T1-V1-A1-G1-N1"]]

    switch(page, base, "nchief")
    page.goto(f"{base}/activities/")
    page.click("#new-activity")
    page.select_option("#unit", str(nb.pk))
    page.select_option("#kind", "micro_lecture")
    page.fill("#title", "防溺水")
    page.fill("#leaflets", "40")
    page.click("#save-activity")
    expect(page.locator("#activity-title")).to_contain_text("微宣讲")
    page.check(f"input[name=person][value=r{heads[0].pk}]")
    page.check(f"input[name=person][value=r{heads[1].pk}]")
    page.fill("#att-unlisted", "3")
    page.click("#save-attendance")
    expect(page.locator("#person-times")).to_have_text("5")
    code = page.locator("#checkin-code").inner_text().strip()
    activity_url = page.url
    shot(page, "activity-lecture")

    switch(page, base, "resident")
    page.goto(f"{base}/activities/checkin/")
    page.fill("#code", code)
    page.click("#do-checkin")
    expect(page.locator("#checkin-done")).to_contain_text("签到成功")
    page.goto(activity_url)
    expect(page.locator("#my-checkin")).to_be_visible()
    expect(page.locator("#person-times")).to_have_text("6")

    village = world.unit("T1-V1")
    section = section_create(
        by=world.users["cadre"], village=village, name="东堤1段", points="1号涵闸"
    )
    shift, _ = shift_create(
        by=world.users["cadre"],
        client_key=uuid.uuid4(),
        unit=village,
        kind="levee",
        on=timezone.localdate(),
        starts_at=time(0, 0),
        ends_at=time(23, 59),
        section=section,
        people=[f"r{heads[4].pk}"],  # the N1 chief is on the roster
    )
    switch(page, base, "nchief")
    page.goto(f"{base}/activities/patrols/{shift.pk}/")
    page.fill("#point", "1号涵闸")
    page.fill("#finding", "涵闸背水侧出现管涌")
    page.click("#open-hazard")
    page.check("#is-hazard")
    page.click("#do-patrol-checkin")
    expect(page.locator("#patrol-checkins")).to_contain_text("险情")
    shot(page, "patrol-hazard")
    case_href = page.locator(".hazard-case").get_attribute("href")
    # The case lies at the village: the village cadre (who answers there) opens it.
    switch(page, base, "cadre")
    page.goto(base + case_href)
    expect(page.locator("body")).to_contain_text("管涌渗漏")
    expect(page.locator("body")).to_contain_text("涵闸背水侧出现管涌")
