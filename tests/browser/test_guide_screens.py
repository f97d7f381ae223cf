"""The pages the user guide (docs/user-guide.zh.md) shows, opened by the roles that use
them, on a phone (390 px) for the chiefs and on a desktop (1280 px) for the township.

Each test checks what the guide promises on its page (the key heading or figure is
there; chief pages do not scroll sideways). With SANZHANG_SCREENSHOTS=<dir> it also
saves the guide's pictures, cropped to the page's main content and reduced to a
palette so the committed PNGs stay small:

    SANZHANG_SCREENSHOTS=docs/images SANZHANG_VAR=/tmp/var-docs \
        .venv/bin/python -m pytest -q -p no:xdist tests/browser/test_guide_screens.py

The records behind the pages are made through each app's services, as their own
tests make them (see src/sanzhang/*/tests/conftest.py).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from .test_cases import switch
from .test_roles import SHOTS

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
N1 = "T1-V1-A1-G1-N1"
N2 = "T1-V1-A1-G1-N2"
G2 = "T1-V1-A1-G2"
NOTICE_TITLE = "防汛紧急通知"


# --- pictures --------------------------------------------------------------------------
def _shrink(path) -> None:
    """Reduce a screenshot to a 128-colour palette: UI text stays sharp, and the file
    is a fraction of the size."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=128, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def picture(
    page: Page, name: str, *, until: str | None = None, max_height: int = 1600
) -> None:
    """Save <SANZHANG_SCREENSHOTS>/guide-<name>.png: the <main> block, from its top down to the
    bottom of `until` (or of <main>), at most `max_height` CSS pixels tall."""
    if not SHOTS:
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    main = page.locator("main").bounding_box()
    end = page.locator(until).first.bounding_box() if until else main
    assert main is not None
    assert end is not None
    bottom = end["y"] + end["height"] + (8 if until else 0)
    clip = {
        "x": main["x"],
        "y": main["y"],
        "width": main["width"],
        "height": min(bottom - main["y"], max_height),
    }
    path = SHOTS / f"guide-{name}.png"
    page.screenshot(path=str(path), full_page=True, clip=clip)
    _shrink(path)


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page is {width}px wide on a 390px phone"


# --- records ---------------------------------------------------------------------------
@dataclass
class Records:
    notice: object
    care_household: object


def _lecture(world):
    """A micro-lecture held today in N1: three people ticked, two not on the list."""
    from sanzhang.activities.services.activities import (
        activity_create,
        attendance_set,
    )

    n1 = world.households[N1]
    activity, _created = activity_create(
        by=world.users["nchief"],
        client_key=uuid.uuid4(),
        unit=world.unit(N1),
        kind="micro_lecture",
        held_on=timezone.localdate(),
        title="汛期防溺水",
        place="1邻文化活动室",
        leaflets=40,
        unlisted_count=2,
    )
    attendance_set(
        activity=activity,
        by=world.users["nchief"],
        people=[f"r{hh.head_id}" for hh in n1[:3]],
    )
    activity.refresh_from_db()
    return activity


def _records(world) -> Records:
    """A few days of work in 安全乡 村1, made through the services:

    - two more chiefs (邻长 of N2, 片长 of 片2), appointed as an admin would, and
      three outside channels;
    - 18 visits by the 邻长, 组长 and 片长 and one by the new 邻长 (too few records to
      be ranked on the red list); the care household of N1 is left unvisited;
    - three cases (two answered on the spot, one waiting);
    - the micro-lecture of `_lecture`, a customs-reform talk, a 民情分析会 of 片1;
    - a notice to 村1, relayed to 4 households of N1 and all 12 of 片1·组2.
    """
    from sanzhang.activities.services.customs import customs_record
    from sanzhang.activities.services.meetings import meeting_create
    from sanzhang.cases.models import Category
    from sanzhang.cases.services.categories import category_install_defaults
    from sanzhang.cases.services.channels import channel_add, channel_set_active
    from sanzhang.cases.services.intake import case_report
    from sanzhang.notices.services.compose import notice_create
    from sanzhang.notices.services.relay import relay_mark, relay_mark_all
    from sanzhang.notices.services.send import notice_send
    from sanzhang.org.models import Role
    from sanzhang.org.services.households import resident_add
    from sanzhang.org.services.posts import post_appoint
    from sanzhang.org.tests.factories import make_user
    from sanzhang.visits.services.record import visit_record

    township = world.townships[0]
    users = world.users
    if not Category.objects.filter(township=township).exists():
        category_install_defaults(township=township)
    cats = {c.code: c for c in Category.objects.filter(township=township)}
    admin = users["admin"]
    # A new 邻长 for N2 (with an account) and a 片长 for 片2 (a cadre, no account).
    n2_chief = resident_add(household=world.households[N2][5], name="李桂兰", by=admin)
    post_appoint(
        unit=world.unit(N2), role=Role.NEIGHBORHOOD_CHIEF, resident=n2_chief, by=admin
    )
    nchief2 = make_user("nchief2", resident=n2_chief)
    a2_chief = resident_add(
        household=world.households["T1-V1-A2-G1-N1"][0], name="王建国", by=admin
    )
    for role, unit in ((Role.VILLAGE_CADRE, "T1-V1"), (Role.AREA_CHIEF, "T1-V1-A2")):
        post_appoint(unit=world.unit(unit), role=role, resident=a2_chief, by=admin)

    # Channels first, so the notice below queues its chat messages on them.
    wecom = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=demo-"
    channel_add(
        township=township,
        by=admin,
        kind="wecom",
        name="安全乡三长工作群",
        url=wecom + "1",
    )
    channel_add(
        township=township,
        by=admin,
        kind="wecom",
        name="村1片1三长群",
        url=wecom + "2",
        chat_id=world.unit("T1-V1-A1").pk,
    )
    old = channel_add(
        township=township,
        by=admin,
        kind="webhook",
        name="村1片2组1 旧系统",
        url="https://example.org/sanzhang-hook",
        chat_id=world.unit("T1-V1-A2-G1").pk,
    )
    channel_set_active(channel=old, by=admin, active=False)

    today = timezone.localdate()
    n1, n2 = world.households[N1], world.households[N2]
    g2 = world.households[G2 + "-N1"] + world.households[G2 + "-N2"]
    visits = (
        [("nchief", hh, i) for i, hh in enumerate(n1[1:], 1)]
        + [("group", hh, i + 2) for i, hh in enumerate(n2[:4])]
        + [("nchief2", n2[4], 3)]
        + [("area", hh, i + 5) for i, hh in enumerate(g2[:8])]
    )
    for who, hh, days_ago in visits:
        visit_record(
            by=nchief2 if who == "nchief2" else users[who],
            client_key=uuid.uuid4(),
            household=hh,
            kind="routine" if days_ago % 3 else "service",
            visited_on=today - timedelta(days=days_ago),
            people_served=1 + days_ago % 3,
            notes="了解家庭近况",
        )
    for who, hh, code, text, answer in (
        (
            "nchief",
            n1[2],
            "environment.1",
            "屋后沟渠堵塞，雨天积水",
            "已组织邻里清理沟渠",
        ),
        ("group", n2[1], "welfare.1", "老人询问低保年审材料", ""),
        ("area", g2[0], "environment.1", "门前垃圾堆放", "已联系保洁员清运"),
    ):
        case_report(
            by=users[who],
            client_key=uuid.uuid4(),
            category=cats[code],
            household=hh,
            text=text,
            answer=answer,
            satisfaction="satisfied" if answer else "",
        )

    _lecture(world)
    customs_record(
        by=users["nchief"],
        client_key=uuid.uuid4(),
        household=n1[1],
        event="wedding",
        outcome="scaled_down",
        talked_on=today - timedelta(days=4),
        notes="婚事新办，酒席从30桌减到8桌",
    )
    meeting_create(
        by=users["area"],
        client_key=uuid.uuid4(),
        unit=world.unit("T1-V1-A1"),
        kind="concerns",
        held_on=today - timedelta(days=1),
        title="片1 本月民情分析会",
        place="村部会议室",
    )

    notice, _created = notice_create(
        by=admin,
        client_key=uuid.uuid4(),
        unit=world.unit("T1-V1"),
        title=NOTICE_TITLE,
        body="今晚有大到暴雨，低洼地带住户请做好转移准备。",
    )
    notice_send(notice, by=admin)
    relay_mark(users["nchief"], notice, [hh.pk for hh in n1[:3]], "visit")
    relay_mark(users["nchief"], notice, [n1[3].pk], "phone")
    relay_mark_all(users["area"], notice, "broadcast", unit=world.unit(G2))
    return Records(notice=notice, care_household=n1[0])


# --- 走访 ------------------------------------------------------------------------------
def test_visit_coverage_and_form_on_a_phone(world, live_server, page: Page):
    records = _records(world)
    base = live_server.url
    page.set_viewport_size(PHONE)

    # The 片长 opens 片1's coverage: 18 of 24 households visited in 30 days; the care
    # household nobody visited is listed in red.
    switch(page, base, "area")
    page.goto(f"{base}/visits/units/{world.unit('T1-V1-A1').pk}/")
    expect(page.locator("h1")).to_contain_text("片1 走访覆盖率")
    expect(page.locator("#rate-30")).to_have_text("75.0%")
    expect(page.locator("#child-coverage tbody tr")).to_have_count(2)
    care = page.locator("#care-overdue li.care-due")
    expect(care).to_have_count(1)
    expect(care).to_contain_text(records.care_household.address)
    no_sideways_scroll(page)
    picture(page, "visit-coverage", until="#care-overdue")

    # The 邻长 comes from that red line to the form, fills it in and saves.
    switch(page, base, "nchief")
    page.goto(f"{base}/visits/?household={records.care_household.pk}#visit-form")
    expect(page.locator("#visit-form h2")).to_have_text("登记走访")
    expect(page.locator("#household")).to_have_value(str(records.care_household.pk))
    expect(page.locator("#to-visit li.care-due")).to_have_count(1)
    page.check("input[name=kind][value=service]")
    page.fill("#people_served", "2")
    page.fill("#notes", "帮老人代办医保认证，身体尚好")
    no_sideways_scroll(page)
    picture(page, "visit-form", until="#visit-form")
    page.click("#save-visit")
    expect(page.locator(".messages")).to_contain_text("已登记走访")
    expect(page.locator("#to-visit li.care-due")).to_have_count(0)


# --- 通知传达 --------------------------------------------------------------------------
def test_notice_relay_on_a_phone_and_progress_on_a_desktop(
    world, live_server, page: Page
):
    records = _records(world)
    base = live_server.url

    page.set_viewport_size(PHONE)
    switch(page, base, "nchief")
    page.goto(f"{base}/notices/")
    page.click(f"#pending-rows a:has-text('{NOTICE_TITLE}')")
    expect(page.locator("#relay-title")).to_have_text(NOTICE_TITLE)
    expect(page.locator("#relay-count")).to_contain_text("已传达 4 / 6 户")
    expect(page.locator("#relay-rows li.relayed")).to_have_count(4)
    expect(page.locator("#relay-all")).to_be_visible()
    no_sideways_scroll(page)
    picture(page, "notice-relay", until="#relay-rows")

    page.set_viewport_size(DESKTOP)
    switch(page, base, "admin")
    page.goto(f"{base}/notices/{records.notice.pk}/")
    expect(page.locator("#notice-title")).to_have_text(NOTICE_TITLE)
    expect(page.locator("#progress-total")).to_contain_text("已传达 16 / 48 户（33%）")
    rows = page.locator("#progress-rows li")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("16 / 24（66%）")
    expect(rows.nth(1)).to_contain_text("0 / 24（0%）")
    picture(page, "notice-progress")


# --- 活动 ------------------------------------------------------------------------------
def test_activity_with_checkin_code_on_a_phone(world, live_server, page: Page):
    activity = _lecture(world)
    base = live_server.url
    page.set_viewport_size(PHONE)
    switch(page, base, "nchief")
    page.goto(f"{base}/activities/{activity.pk}/")
    expect(page.locator("#activity-title")).to_have_text("微宣讲 · 汛期防溺水")
    code = page.locator("#checkin-code")
    expect(code).to_be_visible()
    expect(code).to_have_text(re.compile(r"^\s*\d{6}\s*$"))
    expect(code).to_have_text(activity.checkin_code)
    expect(page.locator("#person-times")).to_have_text("5")
    expect(page.locator("#attendance-form input[name=person]:checked")).to_have_count(3)
    expect(page.locator("#save-attendance")).to_be_visible()
    picture(page, "activity-code", until="#attendance-form")


def test_activity_page_fits_a_phone(world, live_server, page: Page):
    activity = _lecture(world)
    page.set_viewport_size(PHONE)
    switch(page, live_server.url, "nchief")
    page.goto(f"{live_server.url}/activities/{activity.pk}/")
    expect(page.locator("#checkin-code")).to_be_visible()
    no_sideways_scroll(page)


# --- 统计看板、工作报表、红榜 ---------------------------------------------------------
def test_dashboard_report_and_red_list_on_a_desktop(world, live_server, page: Page):
    _records(world)
    base = live_server.url
    township = world.townships[0]
    page.set_viewport_size(DESKTOP)
    switch(page, base, "admin")

    page.goto(f"{base}/reports/")
    expect(page.locator("#dashboard-title")).to_contain_text("安全乡")
    expect(page.locator("#tile-opinions_collected")).to_have_text("3")
    expect(page.locator("#compare tbody tr")).to_have_count(2)
    expect(page.locator("#chart-trend svg")).to_have_count(1)
    expect(page.locator("#chart-map svg")).to_have_count(1)
    picture(page, "dashboard", until=".card:has(#chart-satisfaction)")

    page.goto(f"{base}/reports/units/{township.pk}/report/")
    expect(page.locator("#report-title")).to_contain_text("三长制工作报表")
    expect(page.locator("#fig-households")).to_have_text("96")
    expect(page.locator("#fig-visits")).to_have_text("18")
    expect(page.locator("#fig-answered_on_spot")).to_have_text("2")
    expect(page.locator("#fig-customs_persuaded_households")).to_have_text("1")
    expect(page.locator("#fig-meetings")).to_have_text("1")
    expect(page.locator("#download-pdf")).to_be_visible()
    picture(page, "report", max_height=1000)

    page.goto(f"{base}/reports/units/{township.pk}/redlist/")
    expect(page.locator("#redlist-title")).to_contain_text("三长红榜")
    ranked = page.locator("#redlist tbody tr.redlist-row")
    expect(ranked).to_have_count(3)
    expect(ranked.nth(0).locator("td").first).to_have_text("1")
    expect(page.locator("#redlist-apart li")).to_have_count(2)
    expect(page.locator("#publish-redlist")).to_be_visible()
    picture(page, "redlist")


# --- 通知渠道 --------------------------------------------------------------------------
def test_channel_page_on_a_desktop(world, live_server, page: Page):
    _records(world)
    base = live_server.url
    township = world.townships[0]
    page.set_viewport_size(DESKTOP)
    switch(page, base, "admin")
    page.goto(f"{base}/units/{township.pk}/")
    page.click("#channels-link")
    expect(page.locator("h1")).to_contain_text("通知渠道 · 安全乡")
    rows = page.locator("#channels > li")
    expect(rows).to_have_count(3)
    # The township robot got the case reminders and the notice's line; the 片1 chat's
    # robot got the notice for its chat; the switched-off one got nothing.
    township_row = rows.filter(has_text="安全乡三长工作群")
    expect(township_row).to_contain_text("全乡镇")
    expect(rows.filter(has_text="村1片1三长群")).to_contain_text("片1群")
    expect(rows.filter(has_text="村1片1三长群")).to_contain_text("待发送 1")
    expect(rows.filter(has_text="旧系统")).to_contain_text("已停用")
    expect(rows.filter(has_text="旧系统")).to_contain_text("待发送 0")
    # "全乡镇", then every 片, 组 and 邻 chat of 安全乡 (4 + 8 + 16), none of 邻乡.
    expect(page.locator("#channel-form select#chat option")).to_have_count(29)
    picture(page, "channels")
