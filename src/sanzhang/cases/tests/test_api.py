"""The cases API: idempotent intake, scope, actions, conflicts, refusals as JSON."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client

from sanzhang.api.auth import token_create
from sanzhang.cases.models import Case

from .conftest import N1


def _api(world, username):
    token = token_create(user=world.users[username], name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def body(world, cats):
    return {
        "client_key": str(uuid.uuid4()),
        "category_id": cats["environment.1"].pk,
        "text": "门前垃圾堆放多日无人清理",
        "household_id": world.households[N1][0].pk,
    }


def test_create_is_idempotent_and_a_changed_body_is_422(world, body):
    client = _api(world, "nchief")
    first = _post(client, "/api/v1/cases", body)
    again = _post(client, "/api/v1/cases", body)
    changed = _post(client, "/api/v1/cases", {**body, "text": "污水"})
    assert (first.status_code, again.status_code, changed.status_code) == (
        201,
        200,
        422,
    )
    assert first.json()["id"] == again.json()["id"]
    assert changed.json() == {
        "detail": "该提交编号已用于另一条不同的事件，请刷新页面后重新登记"
    }
    assert Case.objects.filter(client_key=body["client_key"]).count() == 1


def test_create_outside_scope_is_404(world, body):
    client = _api(world, "nchief")
    other = {**body, "household_id": world.households["T1-V1-A1-G1-N2"][0].pk}
    assert _post(client, "/api/v1/cases", other).status_code == 404


def test_walk_a_case_through_the_api(world, body):
    nchief, group = _api(world, "nchief"), _api(world, "group")
    case = _post(nchief, "/api/v1/cases", body).json()
    up = _post(
        nchief,
        f"/api/v1/cases/{case['id']}/actions",
        {"action": "escalate", "version": case["version"], "text": "需组里协调"},
    )
    assert (up.status_code, up.json()["handling_level"], up.json()["status"]) == (
        200,
        "group",
        "pending",
    )
    v = up.json()["version"]
    taken = _post(
        group, f"/api/v1/cases/{case['id']}/actions", {"action": "accept", "version": v}
    )
    done = _post(
        group,
        f"/api/v1/cases/{case['id']}/actions",
        {"action": "resolve", "version": taken.json()["version"], "text": "已清运"},
    )
    assert done.json()["status"] == "resolved"
    rated = _post(
        nchief,
        f"/api/v1/cases/{case['id']}/actions",
        {
            "action": "follow_up",
            "version": done.json()["version"],
            "satisfaction": "satisfied",
        },
    )
    assert rated.json()["status"] == "closed"
    assert [e["kind"] for e in rated.json()["events"]] == [
        "reported",
        "accepted",
        "escalated",
        "accepted",
        "resolved",
        "followed_up",
        "closed",
    ]


def test_stale_version_is_409_and_illegal_move_is_409(world, body):
    client = _api(world, "nchief")
    case = _post(client, "/api/v1/cases", body).json()
    url = f"/api/v1/cases/{case['id']}/actions"
    ok = _post(client, url, {"action": "note", "version": case["version"], "text": "x"})
    assert ok.status_code == 200
    _post(
        client, url, {"action": "resolve", "version": case["version"], "text": "done"}
    )
    stale = _post(
        client, url, {"action": "escalate", "version": case["version"], "text": "x"}
    )
    assert (stale.status_code, stale.json()) == (
        409,
        {
            "detail": "事件当前为「已办结待回访」，不能上报（吹哨）。可以：回访、无法回访结案"
        },
    )


def test_list_filters_and_search(world, body, report):
    report(text="村口路灯不亮")
    client = _api(world, "group")
    _post(_api(world, "nchief"), "/api/v1/cases", body)
    got = client.get("/api/v1/cases", {"q": "路灯"}).json()
    assert [c["text"] for c in got] == ["村口路灯不亮"]
    assert _api(world, "station").get("/api/v1/cases").json() == []


def test_categories_are_the_township_tree(world, cats):
    got = _api(world, "nchief").get("/api/v1/case-categories").json()
    assert {c["code"] for c in got} == set(cats)


def test_openapi_documents_the_case_endpoints(world):
    client = Client()
    client.force_login(world.users["admin"])
    spec = client.get("/api/v1/openapi.json").json()
    assert {
        "/api/v1/cases",
        "/api/v1/cases/{case_id}",
        "/api/v1/cases/{case_id}/actions",
    } <= set(spec["paths"])
    examples = spec["paths"]["/api/v1/cases"]["post"]["requestBody"]["content"][
        "application/json"
    ]["examples"]
    assert set(examples) == {"visit", "on_spot"}
