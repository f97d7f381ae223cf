"""A cadre's first day, in a real browser: each role logs in and sees only its subtree;
a bad roster file is imported and its errors read, fixed and imported again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser
SHOTS = (
    Path(os.environ.get("SANZHANG_SCREENSHOTS", ""))
    if os.environ.get("SANZHANG_SCREENSHOTS")
    else None
)


def shot(page: Page, name: str) -> None:
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def login(page: Page, base: str, username: str, password: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-btn")


# user -> (expected landing title, a unit key inside, a unit key outside)
ROLES = {
    "admin": ("安全乡", "T1-V2", "T2"),
    "cadre": ("村1", "T1-V1-A2", "T1-V2"),
    "area": ("片1", "T1-V1-A1-G2", "T1-V1-A2"),
    "group": ("组1", "T1-V1-A1-G1-N2", "T1-V1-A1-G2"),
    "nchief": ("1邻", "T1-V1-A1-G1-N1", "T1-V1-A1-G1-N2"),
}


@pytest.mark.parametrize("username", sorted(ROLES))
def test_each_role_sees_only_its_subtree(world, live_server, page: Page, username):
    title, inside, outside = ROLES[username]
    login(page, live_server.url, f"t_{username}", f"pw-{username}")
    expect(page.locator("#unit-title")).to_contain_text(title)
    shot(page, f"home-{username}")
    page.goto(f"{live_server.url}/units/{world.unit(inside).pk}/")
    expect(page.locator("#unit-title")).to_be_visible()
    response = page.goto(f"{live_server.url}/units/{world.unit(outside).pk}/")
    assert response.status == 404
    expect(page.locator("h1")).to_contain_text("找不到该页面")


def test_resident_lands_on_own_household(world, live_server, page: Page):
    login(page, live_server.url, "t_resident", "pw-resident")
    own = world.users["resident"].resident.household
    expect(page.locator("#household-title")).to_have_text(own.address)


def test_neighborhood_chief_reveals_a_phone(world, live_server, page: Page):
    login(page, live_server.url, "t_nchief", "pw-nchief")
    hh = world.households["T1-V1-A1-G1-N1"][0]
    page.goto(f"{live_server.url}/households/{hh.pk}/")
    phone = page.locator(f"#phone-{hh.head_id}")
    expect(phone).to_contain_text("****")
    shot(page, "household")
    page.locator(f"#phone-{hh.head_id} + button").click()
    expect(phone).not_to_contain_text("*")
    from sanzhang.core import crypto

    expect(phone).to_have_text(crypto.unseal(hh.head.phone_sealed))


def test_import_bad_file_read_errors_fix_and_import(
    world, live_server, page: Page, tmp_path
):
    from sanzhang.org.tests.test_roster import family, row, xlsx

    bad = family("B001", "赵") + [
        row("B002", "钱大", id_number="110105194912310021"),
        row("B003", "孙大", phone="12345"),
    ]
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(xlsx(bad))
    login(page, live_server.url, "t_admin", "pw-admin")
    page.goto(live_server.url + "/roster/import/")
    page.set_input_files("#file", str(path))
    page.click("#import-btn")
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(2)
    expect(errors.nth(0)).to_contain_text("4")
    expect(errors.nth(0)).to_contain_text("身份证号校验位错误")
    expect(errors.nth(1)).to_contain_text("电话号码")
    shot(page, "import-errors")
    good = bad[:2] + [
        row("B002", "钱大", id_number="11010519491231002X"),
        row("B003", "孙大"),
    ]
    path.write_bytes(xlsx(good))
    page.set_input_files("#file", str(path))
    page.click("#import-btn")
    expect(page.locator("#import-result")).to_have_text("导入成功")
    shot(page, "import-ok")


def test_integrity_page_links_to_fix(world, live_server, page: Page):
    login(page, live_server.url, "t_cadre", "pw-cadre")
    page.goto(f"{live_server.url}/units/{world.unit('T1-V1').pk}/integrity/")
    expect(page.locator("#integrity-status")).to_contain_text("必须处理")
    shot(page, "integrity")
    page.locator("#violations li a").first.click()
    expect(page.locator("#appoint")).to_be_visible()
    page.locator("#appoint input[name=resident]").first.check()
    page.click("#appoint-btn")
    expect(page.locator(".msg-success")).to_contain_text("已任命")
    shot(page, "posts")
