"""One case, in a real browser on a 360 px phone: a neighbourhood chief records it,
it climbs to a station, the station resolves it, the follow-up says 不满意, the case is
reopened at the station, resolved again, and the village closes it on the second visit."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .test_roles import login, shot

pytestmark = pytest.mark.browser


def switch(page: Page, base: str, name: str) -> None:
    page.context.clear_cookies()
    login(page, base, f"t_{name}", f"pw-{name}")


def act(page: Page, button: str, **fields: str) -> None:
    for selector, value in fields.items():
        page.fill(f"#{selector}", value)
    page.click(f"#{button}")


def test_case_from_a_chiefs_phone_to_a_station_and_back(world, live_server, page: Page):
    from sanzhang.cases.services.categories import category_install_defaults

    category_install_defaults(township=world.townships[0])
    base = live_server.url
    hh = world.households["T1-V1-A1-G1-N1"][0]

    switch(page, base, "nchief")
    page.goto(f"{base}/households/{hh.pk}/")
    page.click("#new-case-here")
    page.select_option("#category", label="　低保特困救助")
    page.fill("#text", "老人低保材料不知如何办理")
    shot(page, "case-new")
    page.click("#save-case")
    expect(page.locator("#case-status")).to_contain_text("待签收")
    case_url = page.url

    # 民生服务 goes to the village first; the cadre sends it to 民政办.
    switch(page, base, "cadre")
    page.goto(case_url)
    page.click("#act-accept")
    page.fill("#escalate-text", "需民政办审核")
    page.select_option("#escalate-station", label="民政办")
    page.click("#act-escalate")
    expect(page.locator("#case-status")).to_contain_text("民政办")

    switch(page, base, "station")
    page.goto(case_url)
    page.click("#act-accept")
    act(page, "act-resolve", **{"resolve-text": "已指导提交材料"})
    expect(page.locator("#case-status")).to_contain_text("已办结待回访")

    switch(page, base, "nchief")
    page.goto(case_url)
    page.check("input[name=satisfaction][value=dissatisfied]")
    page.fill("#follow-text", "材料还是没人收")
    page.click("#act-follow-up")
    expect(page.locator("#case-status")).to_contain_text("办理中")
    expect(page.locator("#timeline")).to_contain_text("重办")
    shot(page, "case-reopened")

    switch(page, base, "station")
    page.goto(case_url)
    act(page, "act-resolve", **{"resolve-text": "已上门收取材料"})

    switch(page, base, "cadre")
    page.goto(case_url)
    page.check("input[name=satisfaction][value=satisfied]")
    page.click("#act-follow-up")
    expect(page.locator("#case-status")).to_contain_text("已结案")
    shot(page, "case-closed")
    # 登记 签收 上报 签收 办结 回访 重办 办结 回访 结案
    expect(page.locator("#timeline li")).to_have_count(10)
