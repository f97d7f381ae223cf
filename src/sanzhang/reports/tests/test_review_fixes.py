"""What a review found: drill-downs list only records the viewer may open; periods and
red-list dates outside 2000-2099 are refused with a reason, not a crash."""

from __future__ import annotations

import pytest
from django.test import Client

from sanzhang.cases.services.handling import case_refer


def _client(world, username):
    client = Client()
    client.force_login(world.users[username])
    return client


def test_station_staff_drill_down_lists_only_cases_sent_to_the_station(world, report):
    kept = report(text="村里的事：垃圾堆放")
    sent = case_refer(
        case=report(category="welfare.1", text="申请临时救助"),
        by=world.users["cadre"],
        station_code="minzheng",
        reason="需民政办认定",
    )
    url = f"/reports/units/{world.unit('T1').pk}/records/opinions_collected/"
    station = _client(world, "station").get(url).content.decode()
    assert f"#{sent.pk}" in station
    assert f"#{kept.pk}" not in station
    admin = _client(world, "admin").get(url).content.decode()
    assert f"#{sent.pk}" in admin
    assert f"#{kept.pk}" in admin


@pytest.mark.parametrize(
    "query",
    [
        "start=9999-12-30&end=9999-12-31",
        "start=0001-01-01&end=0001-01-02",
    ],
)
def test_far_periods_are_refused_with_a_reason(world, query):
    unit = world.unit("T1").pk
    client = _client(world, "admin")
    for path in (
        f"/reports/units/{unit}/",
        f"/reports/units/{unit}/report/",
        f"/reports/units/{unit}/records/visit_coverage_30d/",
    ):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 422, path
        assert "年到" in response.content.decode()
    api = client.get(f"/api/v1/reports/summary?unit={unit}&{query}")
    assert api.status_code == 422
    assert "日期应在 2000 年到 2099 年之间" in api.json()["detail"]


def test_a_red_list_month_at_the_end_of_time_is_refused(world):
    unit = world.unit("T1").pk
    response = _client(world, "admin").get(
        f"/reports/units/{unit}/redlist/?span=month&at=9999-12-31"
    )
    assert response.status_code == 422
