"""The JSON API: token auth, scope identical to the pages, masked data, audited reveal."""

from __future__ import annotations

import pytest
from django.test import Client

from sanzhang.api.auth import token_create
from sanzhang.core import crypto
from sanzhang.core.models import AuditEvent
from sanzhang.org.tests.test_access_matrix import EXPECTED, _inside


def _api(world, username):
    token = token_create(user=world.users[username], name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_no_or_bad_token_is_401(world):
    assert Client().get("/api/v1/units").status_code == 401
    bad = Client(HTTP_AUTHORIZATION="Bearer sz_not-a-token")
    assert bad.get("/api/v1/households").status_code == 401


def test_deactivated_user_token_stops_working(world):
    client = _api(world, "admin")
    assert client.get("/api/v1/units?limit=1").status_code == 200
    world.users["admin"].__class__.objects.filter(pk=world.users["admin"].pk).update(
        is_active=False
    )
    assert client.get("/api/v1/units?limit=1").status_code == 401


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_household_list_is_exactly_the_scope(world, username):
    scope, _ = EXPECTED[username]
    client = _api(world, username)
    got = set()
    offset = 0
    while True:
        page = client.get(f"/api/v1/households?limit=500&offset={offset}").json()
        got |= {h["id"] for h in page}
        if len(page) < 500:
            break
        offset += 500
    expected = world.households_under(scope) if scope else set()
    if username == "resident":
        expected = {world.users["resident"].resident.household_id}
    assert got == expected


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_unit_detail_inside_200_outside_404(world, username):
    scope, allowed = EXPECTED[username]
    client = _api(world, username)
    for key in ("T1", "T1-V1", "T1-V1-A1-G1-N1", "T1-V2", "T2"):
        expected = 200 if _inside(scope, key) else 404
        assert (key, client.get(f"/api/v1/units/{world.unit(key).pk}").status_code) == (
            key,
            expected,
        )


def test_resident_data_is_masked_and_reveal_is_audited(world):
    client = _api(world, "cadre")
    head = world.households["T1-V1-A1-G1-N1"][0].head
    data = client.get(f"/api/v1/residents/{head.pk}").json()
    clear = crypto.unseal(head.id_number_sealed)
    assert (data["id_number_masked"], clear in str(data)) == (
        head.id_number_masked,
        False,
    )
    response = client.post(
        f"/api/v1/residents/{head.pk}/reveal",
        {"field": "id_number"},
        content_type="application/json",
    )
    assert response.json() == {"field": "id_number", "value": clear}
    assert (
        AuditEvent.objects.filter(
            action="reveal_id_number", actor_name="t_cadre"
        ).count()
        == 1
    )


def test_reveal_refused_for_chief_and_bad_field(world):
    client = _api(world, "nchief")
    head = world.households["T1-V1-A1-G1-N1"][0].head
    assert (
        client.post(
            f"/api/v1/residents/{head.pk}/reveal",
            {"field": "id_number"},
            content_type="application/json",
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/v1/residents/{head.pk}/reveal",
            {"field": "password"},
            content_type="application/json",
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"/api/v1/residents/{head.pk}/reveal",
            "{not json",
            content_type="application/json",
        ).status_code
        == 400
    )


def test_sensitive_tags_filtered_in_api(world):
    hh = world.households["T1-V1-A1-G1-N1"][0]
    tags = {
        u: sorted(
            t["name"]
            for t in _api(world, u).get(f"/api/v1/households/{hh.pk}").json()["tags"]
        )
        for u in ("area", "nchief")
    }
    assert tags == {
        "area": ["低保户", "独居老人", "社区矫正对象"],
        "nchief": ["独居老人"],
    }


@pytest.mark.parametrize(
    "query", ["limit=1000000", "limit=-1&offset=-5", "offset=100000000000"]
)
def test_paging_is_clamped(world, query):
    response = _api(world, "admin").get(f"/api/v1/households?{query}")
    assert response.status_code == 200
    assert len(response.json()) <= 500


@pytest.mark.parametrize(
    "url",
    [
        "units?limit=abc",
        "units?level=planet",
        "households?unit=1e309",
        "households?unit=99999999999999999999",
    ],
)
def test_malformed_parameters_are_refused_not_500(world, url):
    assert _api(world, "admin").get(f"/api/v1/{url}").status_code in (400, 404, 422)


def test_stats_and_posts(world):
    client = _api(world, "cadre")
    stats = client.get(f"/api/v1/units/{world.unit('T1-V1').pk}/stats").json()
    assert stats == {
        "villages": 1,
        "areas": 2,
        "groups": 4,
        "neighborhoods": 8,
        "households": 48,
        "residents": 50,
        "area_chiefs": 1,
        "group_chiefs": 1,
        "neighborhood_chiefs": 1,
    }
    posts = client.get("/api/v1/posts?active=true").json()
    assert sorted(p["role"] for p in posts) == [
        "area_chief",
        "group_chief",
        "neighborhood_chief",
        "village_cadre",
    ]


def test_openapi_document_is_behind_login_and_describes_the_endpoints(world):
    assert Client().get("/api/v1/openapi.json").status_code == 302
    client = Client()
    client.force_login(world.users["nchief"])
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "三长制平台 API"
    assert {
        "/api/v1/units",
        "/api/v1/households",
        "/api/v1/residents",
        "/api/v1/posts",
        "/api/v1/residents/{resident_id}/reveal",
    } <= set(spec["paths"])
