"""The case pages: scope, the phone form, duplicates, actions, photos, stale forms."""

from __future__ import annotations

import pytest
from django.test import Client

from sanzhang.cases.models import Case, CaseHousehold

from .conftest import N1, fresh
from .test_photos import image_bytes


def _client(world, username):
    client = Client()
    client.force_login(world.users[username])
    return client


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("nchief", 200),
        ("group", 200),
        ("cadre", 200),
        ("admin", 200),
        ("station", 404),
        ("resident", 404),
        ("nobody", 404),
    ],
)
def test_case_page_and_photo_follow_the_scope(world, report, username, status):
    case = report(photos=[image_bytes("PNG")])
    client = _client(world, username)
    assert client.get(f"/cases/{case.pk}/").status_code == status
    photo = case.photos.get()
    response = client.get(f"/cases/photos/{photo.pk}/")
    assert response.status_code == status
    if status == 200:
        assert (response["Content-Type"], response["X-Content-Type-Options"]) == (
            "image/png",
            "nosniff",
        )


def test_chief_records_a_case_from_the_phone_form(world, cats):
    client = _client(world, "nchief")
    hh = world.households[N1][0]
    form = client.get(f"/cases/new/?household={hh.pk}").content.decode()
    assert 'name="client_key"' in form
    key = "5d1c3a8e-0f3e-4d8b-a8e1-33b0c2f1e9aa"
    data = {
        "client_key": key,
        "household": hh.pk,
        "category": cats["environment.1"].pk,
        "text": "门前垃圾",
        "source": "visit",
        "photos": [],
    }
    response = client.post("/cases/new/", data)
    case = Case.objects.get(client_key=key)
    assert response.headers["Location"] == f"/cases/{case.pk}/"
    again = client.post("/cases/new/", data)  # double submit
    assert again.headers["Location"] == f"/cases/{case.pk}/"
    assert Case.objects.filter(household=hh).count() == 1


def test_likely_duplicate_is_shown_and_linked_in_one_click(world, cats, report):
    first = report()
    client = _client(world, "nchief")
    other = world.households[N1][2]
    page = client.post(
        "/cases/new/",
        {
            "client_key": "6d1c3a8e-0f3e-4d8b-a8e1-33b0c2f1e9aa",
            "household": other.pk,
            "category": cats["environment.1"].pk,
            "text": "也是垃圾",
            "source": "visit",
        },
    ).content.decode()
    assert ('id="duplicates"' in page, f"#{first.pk}" in page) == (True, True)
    client.post(f"/cases/{first.pk}/link/", {"household": other.pk})
    assert set(
        CaseHousehold.objects.filter(case=first).values_list("household", flat=True)
    ) == {
        world.households[N1][0].pk,
        other.pk,
    }
    assert Case.objects.count() == 1


def test_actions_from_the_page_and_a_stale_form_is_told(world, report):
    case = report(category="order.1")
    client = _client(world, "cadre")
    client.post(f"/cases/{case.pk}/act/", {"action": "accept", "version": case.version})
    stale = client.post(
        f"/cases/{case.pk}/act/",
        {"action": "resolve", "version": case.version, "text": "x"},
        follow=True,
    ).content.decode()
    assert "该事件刚被他人处理过，请刷新后查看" in stale
    assert fresh(case).status == "handling"


def test_queues_and_search(world, report):
    report(text="村口路灯不亮")
    report(category="order.1", text="夜里可疑人员")
    mine = _client(world, "nchief").get("/cases/?queue=mine").content.decode()
    village = _client(world, "cadre").get("/cases/?queue=village").content.decode()
    found = _client(world, "cadre").get("/cases/?queue=all&q=路灯").content.decode()
    assert ("路灯" in mine, "可疑" in mine) == (True, False)
    assert ("路灯" in village, "可疑" in village) == (False, True)
    assert ("路灯" in found, "可疑" in found) == (True, False)


def test_category_page_is_the_township_admins(world, cats):
    url = f"/units/{world.unit('T1').pk}/case-categories/"
    assert _client(world, "cadre").get(url).status_code == 404
    client = _client(world, "admin")
    assert client.get(url).status_code == 200
    cat = cats["environment"]
    client.post(
        url,
        {
            "category": cat.pk,
            "name": "环境卫生",
            "default_level": "group",
            "default_station_code": "huanbao",
            "limit_days": "4",
            "is_active": "1",
            "is_emergency": "1",
            "urgent_hours": "6",
        },
    )
    cat = fresh(cat)
    assert (cat.default_level, cat.limit_days) == ("group", 4)
    assert (cat.is_emergency, cat.urgent_hours) == (True, 6)
    page = client.post(
        url,
        {"category": cat.pk, "name": "环境卫生", "urgent_hours": "0", "is_active": "1"},
        follow=True,
    ).content.decode()
    assert "紧急时限应在 1 到 72 小时之间" in page
    assert fresh(cat).urgent_hours == 6


def test_an_urgent_case_from_the_phone_form(world, cats):
    import uuid

    from sanzhang.cases.models import Case

    client = _client(world, "nchief")
    hh = world.households["T1-V1-A1-G1-N1"][0]
    client.post(
        "/cases/new/",
        {
            "client_key": str(uuid.uuid4()),
            "household": hh.pk,
            "category": cats["hazard.1"].pk,
            "text": "电线落地冒火花",
            "source": "visit",
            "urgent": "1",
        },
    )
    case = Case.objects.get(text="电线落地冒火花")
    assert case.is_urgent is True
    assert "紧急" in client.get(f"/cases/{case.pk}/").content.decode()


def test_inbox_lists_notifications(world, report):
    from sanzhang.cases.services.handling import case_escalate

    case = case_escalate(case=report(), by=world.users["nchief"], reason="需组里协调")
    page = _client(world, "group").get("/inbox/").content.decode()
    assert f"事件 #{case.pk}" in page
