"""The notices API: idempotent create-and-send, scope per role, progress, relay marks."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client

from sanzhang.api.auth import token_create
from sanzhang.notices.models import Notice, NoticeRelay

from .conftest import N1


def _api(world, username):
    token = token_create(user=world.users[username], name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def _body(world, unit="T1-V1", **kw):
    return {
        "client_key": str(uuid.uuid4()),
        "unit_id": world.unit(unit).pk,
        "title": "防汛通知",
        "body": "请做好转移准备。",
        **kw,
    }


def test_create_and_send_is_idempotent(world):
    c = _api(world, "admin")
    body = _body(world, send=True)
    first = _post(c, "/api/v1/notices", body)
    again = _post(c, "/api/v1/notices", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["household_count"] == 48 == again.json()["household_count"]
    assert NoticeRelay.objects.filter(notice_id=first.json()["id"]).count() == 48


def test_draft_then_send_then_send_again_is_refused(world):
    c = _api(world, "cadre")
    draft = _post(c, "/api/v1/notices", _body(world, "T1-V1-A1-G1")).json()
    assert draft["sent_at"] is None
    sent = _post(c, f"/api/v1/notices/{draft['id']}/send", {})
    assert (sent.status_code, sent.json()["household_count"]) == (200, 12)
    again = _post(c, f"/api/v1/notices/{draft['id']}/send", {})
    assert again.status_code == 400
    assert again.json() == {"detail": "该通知已发送，不能重复发送"}


@pytest.mark.parametrize(
    ("who", "unit", "status"),
    [
        ("cadre", "T1-V2", 404),
        ("cadre", "T2-V1", 404),
        ("nchief", N1, 404),
        ("station", "T1", 404),
        ("resident", N1, 404),
        ("admin", "T2", 404),
    ],
)
def test_create_outside_scope_is_404(world, who, unit, status):
    before = Notice.objects.count()
    assert (
        _post(_api(world, who), "/api/v1/notices", _body(world, unit)).status_code
        == status
    )
    assert Notice.objects.count() == before


def test_bad_input_is_400_in_chinese(world):
    r = _post(_api(world, "admin"), "/api/v1/notices", _body(world, title=" "))
    assert (r.status_code, r.json()) == (400, {"detail": "请填写通知标题"})


def test_chief_lists_relays_and_progress_follows(world):
    admin, nchief = _api(world, "admin"), _api(world, "nchief")
    notice = _post(admin, "/api/v1/notices", _body(world, send=True)).json()
    pending = nchief.get("/api/v1/notices?box=relay").json()
    assert [(p["notice"]["id"], p["total"], p["pending"]) for p in pending] == [
        (notice["id"], 6, 6)
    ]
    rows = nchief.get(f"/api/v1/notices/{notice['id']}/households").json()
    assert len(rows) == 6
    ids = [r["household_id"] for r in rows[:4]]
    r = _post(
        nchief,
        f"/api/v1/notices/{notice['id']}/relays",
        {"household_ids": ids, "method": "wechat"},
    )
    assert r.json() == {"marked": 4, "done": 4, "total": 6}
    r = _post(
        nchief,
        f"/api/v1/notices/{notice['id']}/relays",
        {"household_ids": ids, "method": "wechat"},
    )
    assert r.json() == {"marked": 0, "done": 4, "total": 6}
    outside = world.households["T1-V1-A1-G1-N2"][0].pk
    r = _post(
        nchief,
        f"/api/v1/notices/{notice['id']}/relays",
        {"household_ids": [outside], "method": "visit"},
    )
    assert r.status_code == 400
    prog = admin.get(f"/api/v1/notices/{notice['id']}/progress").json()
    assert (prog["total"], prog["done"], prog["percent"]) == (48, 4, 8)
    assert [(c["name"], c["done"]) for c in prog["children"]] == [
        ("片1", 4),
        ("片2", 0),
    ]
    mine = nchief.get(f"/api/v1/notices/{notice['id']}/progress").json()
    assert (mine["unit_id"], mine["total"], mine["done"]) == (world.unit(N1).pk, 6, 4)
    other = world.unit("T1-V2").pk
    assert (
        admin.get(
            f"/api/v1/notices/{notice['id']}/progress?unit_id={other}"
        ).status_code
        == 404
    )


@pytest.mark.parametrize("who", ["station", "resident", "nobody"])
def test_outsiders_get_404_on_a_notice(world, who):
    notice = _post(
        _api(world, "admin"), "/api/v1/notices", _body(world, "T1", send=True)
    ).json()
    assert _api(world, who).get(f"/api/v1/notices/{notice['id']}").status_code == 404
    r = _post(
        _api(world, who),
        f"/api/v1/notices/{notice['id']}/relays",
        {"all": True},
    )
    assert r.status_code == 404


def test_openapi_documents_the_notice_endpoints(world):
    c = Client()
    c.force_login(world.users["admin"])
    paths = c.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/notices",
        "/api/v1/notices/{notice_id}/send",
        "/api/v1/notices/{notice_id}/progress",
        "/api/v1/notices/{notice_id}/relays",
    } <= set(paths)
