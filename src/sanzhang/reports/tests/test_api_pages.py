"""The summary API (keys, types, 403 scope, bad dates), the pages per role inside and
outside scope, the exports (.xlsx formula-safe, PDF with embedded CJK fonts)."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from sanzhang.reports.metrics import FLOAT_KEYS, SUMMARY_KEYS

from .conftest import N1

URL = "/api/v1/reports/summary"


def _client(world, name):
    c = Client()
    c.force_login(world.users[name])
    return c


def test_summary_keys_types_and_values(world, build, report):
    today = timezone.localdate()
    build.visit(world.households[N1][0], today, served=3)
    report()
    c = _client(world, "admin")
    r = c.get(URL, {"unit": world.unit("T1-V1").pk, "start": today, "end": today})
    assert r.status_code == 200, r.content
    data = r.json()
    assert list(data) == list(SUMMARY_KEYS)
    for k, v in data.items():
        assert isinstance(v, float if k in FLOAT_KEYS else int), k
    assert data["households"] == 48
    assert data["people_served"] == 3
    assert data["opinions_collected"] == 1
    assert data["visit_coverage_30d"] == round(1 / 48, 4)


SCOPE = {  # user -> (unit inside, unit outside)
    "admin": ("T1-V2", "T2"),
    "cadre": ("T1-V1-A2", "T1-V2"),
    "area": ("T1-V1-A1-G2", "T1-V1-A2"),
    "group": ("T1-V1-A1-G1-N2", "T1-V1-A1-G2"),
    "nchief": (N1, "T1-V1-A1-G1-N2"),
}


@pytest.mark.parametrize("name", sorted(SCOPE))
def test_summary_scope_is_403_outside(world, name):
    inside, outside = SCOPE[name]
    c = _client(world, name)
    assert c.get(URL, {"unit": world.unit(inside).pk}).status_code == 200
    r = c.get(URL, {"unit": world.unit(outside).pk})
    assert r.status_code == 403
    assert r.json()["detail"] == "无权查看该单元的数据"


@pytest.mark.parametrize("name", ["resident", "nobody"])
def test_summary_without_a_post_is_403(world, name):
    r = _client(world, name).get(URL, {"unit": world.unit("T1").pk})
    assert r.status_code == 403


def test_summary_missing_unit_is_403_not_404(world):
    r = _client(world, "admin").get(URL, {"unit": "999999"})
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2025-13-01", "2025-12-31", "开始日期格式应为 YYYY-MM-DD"),
        ("2025/01/01", "2025-12-31", "开始日期格式应为 YYYY-MM-DD"),
        ("2025-01-01", "yesterday", "结束日期格式应为 YYYY-MM-DD"),
        ("2025-03-01", "2025-02-01", "开始日期不能晚于结束日期"),
    ],
)
def test_summary_bad_dates_are_422_in_chinese(world, start, end, message):
    r = _client(world, "admin").get(
        URL, {"unit": world.unit("T1").pk, "start": start, "end": end}
    )
    assert r.status_code == 422
    assert message in r.json()["detail"]


def test_summary_is_documented_in_openapi(world):
    spec = _client(world, "admin").get("/api/v1/openapi.json").json()
    op = spec["paths"]["/api/v1/reports/summary"]["get"]
    for key in SUMMARY_KEYS:
        assert f"`{key}`" in op["description"], key
    assert "403" in op["responses"]


PAGES = [
    "/reports/units/{}/",
    "/reports/units/{}/report/",
    "/reports/units/{}/records/opinions_collected/",
    "/reports/units/{}/records/visit_coverage/?part=base",
    "/reports/units/{}/usage/",
    "/reports/units/{}/redlist/",
    "/reports/units/{}/stories/",
    "/reports/units/{}/commendations/",
]


@pytest.mark.parametrize("name", sorted(SCOPE))
def test_pages_follow_scope(world, name):
    inside, outside = SCOPE[name]
    c = _client(world, name)
    wrong = []
    for page in PAGES:
        for key, expected in ((inside, 200), (outside, 404)):
            status = c.get(page.format(world.unit(key).pk)).status_code
            if status != expected:
                wrong.append((page, key, expected, status))
    assert wrong == []


def test_resident_sees_no_dashboard(world):
    c = _client(world, "resident")
    assert c.get(f"/reports/units/{world.unit(N1).pk}/").status_code == 404
    assert c.get("/reports/").status_code == 200


def test_home_sends_a_single_root_to_its_dashboard(world):
    r = _client(world, "cadre").get("/reports/")
    assert r.status_code == 302
    assert r["Location"] == f"/reports/units/{world.unit('T1-V1').pk}/"


def test_drill_down_lists_exactly_the_records_behind_the_number(world, report):
    mine = report()
    report(household=world.households["T1-V2-A1-G1-N1"][0], username="admin")
    c = _client(world, "admin")
    r = c.get(f"/reports/units/{world.unit('T1-V1').pk}/records/opinions_collected/")
    html = r.content.decode()
    assert html.count('class="record-row"') == 1
    assert f"/cases/{mine.pk}/" in html


def test_dashboard_numbers_link_to_records_and_embed_chart_data(world, report):
    report()
    c = _client(world, "admin")
    r = c.get(f"/reports/units/{world.unit('T1').pk}/")
    html = r.content.decode()
    assert 'id="tile-opinions_collected"' in html
    assert "/records/opinions_collected/?start=" in html
    assert 'id="report-charts"' in html
    assert "<script>" not in html
    assert "web/reports/dashboard.js" in html
    # Villages side by side.
    assert html.count('<tr><td><a href="/reports/units/') == 2


def test_bad_period_on_a_page_is_a_chinese_422(world):
    c = _client(world, "admin")
    r = c.get(f"/reports/units/{world.unit('T1').pk}/report/?start=2025-02-30")
    assert r.status_code == 422
    assert "开始日期格式应为 YYYY-MM-DD" in r.content.decode()


def test_report_xlsx_numbers_and_links_and_no_formulas(world, report):
    report(text='=HYPERLINK("http://evil")')
    c = _client(world, "cadre")
    r = c.get(f"/reports/units/{world.unit('T1-V1').pk}/report.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = {row[0].value: row for row in ws.iter_rows() if row[0].value}
    assert rows["户数"][1].value == 48
    assert rows["收集民情"][1].value == 1
    assert "/records/households/" in rows["户数"][4].hyperlink.target
    # The case ledger keeps a formula-looking text as text.
    r = c.get(f"/reports/units/{world.unit('T1-V1').pk}/ledger/cases.xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert [c.value for c in ws[1]][:3] == ["序号", "编号", "登记时间"]
    text_cell = ws.cell(row=2, column=12)
    assert text_cell.value == '=HYPERLINK("http://evil")'
    assert text_cell.data_type == "s"


def test_ledgers_need_export_rights(world):
    c = _client(world, "nchief")
    assert (
        c.get(f"/reports/units/{world.unit(N1).pk}/ledger/cases.xlsx").status_code
        == 404
    )


def test_report_pdf_embeds_noto_cjk_and_says_the_right_things(world, report, tmp_path):
    report()
    today = timezone.localdate()
    c = _client(world, "admin")
    r = c.get(
        f"/reports/units/{world.unit('T1-V1').pk}/report.pdf",
        {"start": today - timedelta(days=3), "end": today},
    )
    assert r.status_code == 200
    assert r["Content-Type"] == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(r.content)
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    cjk = [line for line in fonts.splitlines() if "Noto-Sans-CJK-SC" in line]
    assert cjk, fonts
    # Columns: name type encoding emb sub uni ... ; every CJK font is embedded.
    assert all(line.split()[-5] == "yes" for line in cjk), fonts
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "村1三长制工作报表" in text
    assert "一、组织架构" in text
    assert "三、工作成效" in text
    assert re.search(r"户数\s+48\s*户", text), text
    assert re.search(r"收集民情\s+1\s*件", text), text
