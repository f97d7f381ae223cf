"""The visits API: idempotent recording, scope, refusals as JSON, coverage."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from sanzhang.api.auth import token_create
from sanzhang.visits.models import Visit

from .conftest import N1, N2


def _api(world, username):
    token = token_create(user=world.users[username], name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _post(client, body):
    return client.post(
        "/api/v1/visits", json.dumps(body), content_type="application/json"
    )


def test_record_is_idempotent_and_mismatch_is_422(world):
    client = _api(world, "nchief")
    body = {"client_key": str(uuid.uuid4()), "household_id": world.households[N1][0].pk}
    first = _post(client, body)
    again = _post(client, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["visited_on"] == timezone.localdate().isoformat()
    changed = _post(client, {**body, "notes": "不同内容"})
    assert changed.status_code == 422
    assert Visit.objects.filter(client_key=body["client_key"]).count() == 1


def test_raise_case_over_api(world, cats):
    client = _api(world, "nchief")
    body = {
        "client_key": str(uuid.uuid4()),
        "household_id": world.households[N1][1].pk,
        "needs": "低保续办材料不清楚",
        "raise_case": True,
        "category_id": cats["welfare"].pk,
    }
    response = _post(client, body)
    assert response.status_code == 201
    assert response.json()["case_id"] is not None


@pytest.mark.parametrize(
    ("change", "status", "detail"),
    [
        ({"household_id": "N2"}, 404, "找不到该户"),
        ({"people_served": 51}, 400, "服务人次须在 1 到 50 之间"),
        ({"kind": "x"}, 400, "请选择走访方式"),
        ({"visited_on": "2999-01-01"}, 400, "走访日期不能晚于今天"),
    ],
)
def test_refusals_are_json_and_write_nothing(world, change, status, detail):
    body = {"client_key": str(uuid.uuid4()), "household_id": world.households[N1][0].pk}
    if change.get("household_id") == "N2":
        change = {"household_id": world.households[N2][0].pk}
    body.update(change)
    count = Visit.objects.count()
    response = _post(_api(world, "nchief"), body)
    assert (response.status_code, response.json()["detail"]) == (status, detail)
    assert Visit.objects.count() == count


def test_list_and_coverage_follow_scope(world):
    for username, nb in (("nchief", N1), ("group", N2)):
        _post(
            _api(world, username),
            {
                "client_key": str(uuid.uuid4()),
                "household_id": world.households[nb][0].pk,
            },
        )
    assert len(_api(world, "nchief").get("/api/v1/visits").json()) == 1
    assert len(_api(world, "group").get("/api/v1/visits").json()) == 2
    assert _api(world, "station").get("/api/v1/visits").json() == []
    g1 = world.unit("T1-V1-A1-G1").pk
    data = _api(world, "group").get(f"/api/v1/units/{g1}/visit-coverage").json()
    assert (data["visited"], data["total"]) == (2, 12)
    assert [(c["figures"]["v30"], c["figures"]["total"]) for c in data["children"]] == [
        (1, 6),
        (1, 6),
    ]
    assert (
        _api(world, "nchief").get(f"/api/v1/units/{g1}/visit-coverage").status_code
        == 404
    )
    assert (
        _api(world, "station").get(f"/api/v1/units/{g1}/visit-coverage").status_code
        == 200
    )
