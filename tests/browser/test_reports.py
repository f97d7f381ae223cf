"""The figures in a real browser: the township admin opens the dashboard, the charts
draw, a number drills down to the case behind it, and the report downloads."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from .test_roles import login, shot

pytestmark = pytest.mark.browser


def test_dashboard_drill_down_and_report_download(world, live_server, page: Page):
    from sanzhang.cases.models import Category
    from sanzhang.cases.services.categories import category_install_defaults
    from sanzhang.cases.services.intake import case_report

    township = world.townships[0]
    if not Category.objects.filter(township=township).exists():
        category_install_defaults(township=township)
    case, _ = case_report(
        by=world.users["nchief"],
        client_key=uuid.uuid4(),
        category=Category.objects.get(township=township, code="environment.1"),
        household=world.households["T1-V1-A1-G1-N1"][0],
        text="沟渠堵塞需要清理",
    )
    base = live_server.url
    login(page, base, "t_admin", "pw-admin")
    page.goto(f"{base}/reports/")
    expect(page.locator("#dashboard-title")).to_contain_text("安全乡")
    expect(page.locator("#tile-opinions_collected")).to_have_text("1")
    # ECharts drew (SVG renderer) from the embedded JSON, without inline scripts.
    expect(page.locator("#chart-trend svg")).to_have_count(1)
    expect(page.locator("#chart-map svg")).to_have_count(1)
    shot(page, "reports-dashboard")

    page.click("#tile-opinions_collected")
    expect(page.locator("#records-title")).to_contain_text("收集民情")
    rows = page.locator("#records .record-row")
    expect(rows).to_have_count(1)
    rows.first.locator("a").click()
    expect(page).to_have_url(f"{base}/cases/{case.pk}/")

    page.goto(f"{base}/reports/")
    page.click("#nav-report")
    expect(page.locator("#report-title")).to_contain_text("三长制工作报表")
    expect(page.locator("#fig-households")).to_have_text("96")
    with page.expect_download() as dl:
        page.click("#download-xlsx")
    assert dl.value.suggested_filename.endswith(".xlsx")
    with page.expect_download() as dl:
        page.click("#download-pdf")
    assert dl.value.suggested_filename.endswith(".pdf")
    shot(page, "reports-report")
