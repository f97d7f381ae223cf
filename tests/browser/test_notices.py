"""A notice in a real browser on a 360 px phone: the township admin writes one to a
village and sends it after confirming; the chiefs relay it household by household (and
the rest with 全部已传达) until the admin's page shows 100%."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .test_cases import switch
from .test_roles import shot

pytestmark = pytest.mark.browser


def _extra_chiefs(world) -> None:
    """The world has one neighbourhood chief; add one for N2 and an area chief for A2."""
    from sanzhang.org.models import Role
    from sanzhang.org.tests.factories import make_user, post

    post(
        Role.NEIGHBORHOOD_CHIEF,
        world.unit("T1-V1-A1-G1-N2"),
        user=make_user("nchief2"),
    )
    post(Role.AREA_CHIEF, world.unit("T1-V1-A2"), user=make_user("area2"))


def _relay_page(page: Page, base: str, who: str, title: str) -> None:
    switch(page, base, who)
    page.goto(f"{base}/notices/")
    page.click(f"#pending-rows a:has-text('{title}')")
    expect(page.locator("#relay-title")).to_have_text(title)


def test_a_village_notice_is_relayed_to_every_household(world, live_server, page: Page):
    _extra_chiefs(world)
    base = live_server.url
    switch(page, base, "admin")
    page.goto(f"{base}/notices/")
    page.click("#new-notice")
    page.select_option("#unit", value=str(world.unit("T1-V1").pk))
    page.fill("#title", "防汛紧急通知")
    page.fill("#body", "今晚有大到暴雨，低洼地带住户请做好转移准备。")
    shot(page, "notice-new")
    page.click("#save-notice")
    expect(page.locator("#target-count")).to_contain_text("将发给 48 户")
    page.check("#confirm")
    page.click("#send-notice")
    expect(page.locator("#progress-total")).to_contain_text("已传达 0 / 48 户（0%）")
    notice_url = page.url

    # The neighbourhood chief of N1 relays their six households one by one.
    _relay_page(page, base, "nchief", "防汛紧急通知")
    shot(page, "notice-relay")
    for i, hh in enumerate(world.households["T1-V1-A1-G1-N1"], 1):
        page.check(
            "input[name=method][value=phone]"
            if i % 2
            else "input[name=method][value=visit]"
        )
        page.click(f"#relay-{hh.pk}")
        expect(page.locator("#relay-count")).to_contain_text(f"已传达 {i} / 6 户")
    expect(page.locator("#relay-all")).to_have_count(0)

    # N2's chief relays two by hand, then the rest at once.
    _relay_page(page, base, "nchief2", "防汛紧急通知")
    for i, hh in enumerate(world.households["T1-V1-A1-G1-N2"][:2], 1):
        page.click(f"#relay-{hh.pk}")
        expect(page.locator("#relay-count")).to_contain_text(f"已传达 {i} / 6 户")
    page.check("input[name=method][value=wechat]")
    page.click("#relay-all")
    expect(page.locator("#relay-count")).to_contain_text("已传达 6 / 6 户")

    # Halfway: the admin sees area 1 half done, area 2 untouched.
    switch(page, base, "admin")
    page.goto(notice_url)
    expect(page.locator("#progress-total")).to_contain_text("已传达 12 / 48 户（25%）")
    expect(page.locator("#progress-rows")).to_contain_text("12 / 24（50%）")

    # The area chiefs relay what is left in their areas (group 2 of A1, all of A2).
    for who, total in (("area", 24), ("area2", 24)):
        _relay_page(page, base, who, "防汛紧急通知")
        page.check("input[name=method][value=broadcast]")
        page.click("#relay-all")
        expect(page.locator("#relay-count")).to_contain_text(
            f"已传达 {total} / {total} 户"
        )

    switch(page, base, "admin")
    page.goto(notice_url)
    expect(page.locator("#progress-total")).to_contain_text("已传达 48 / 48 户（100%）")
    page.click("#progress-rows a:has-text('片1')")
    page.click("#progress-rows a:has-text('组1')")
    page.click("#progress-rows a:has-text('1邻')")
    expect(page.locator("#household-rows li.relayed")).to_have_count(6)
    expect(page.locator("#household-rows")).to_contain_text("电话")
    shot(page, "notice-progress")
