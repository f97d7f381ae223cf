"""The township admin's channel page: add, test against a real local server, switch off;
bad addresses refused; nobody else may open it."""

from __future__ import annotations

import pytest
from django.test import Client

from sanzhang.cases.models import NotifyChannel, OutboxMessage
from sanzhang.core.models import AuditEvent

from .test_notify import Flaky


def _client(world, username):
    client = Client()
    client.force_login(world.users[username])
    return client


def _url(world):
    return f"/units/{world.unit('T1').pk}/channels/"


@pytest.mark.parametrize(
    "username", ["station", "cadre", "area", "group", "nchief", "resident", "nobody"]
)
def test_only_the_township_admin_opens_it(world, username):
    assert _client(world, username).get(_url(world)).status_code == 404


def test_admin_of_another_township_gets_404(world):
    other = f"/units/{world.unit('T2').pk}/channels/"
    assert _client(world, "admin").get(other).status_code == 404


def test_add_test_and_switch_off_a_webhook(world):
    client = _client(world, "admin")
    with Flaky(failures=0, reply={"ok": True}) as server:
        client.post(
            _url(world), {"kind": "webhook", "name": "村务群转发", "url": server.url}
        )
        channel = NotifyChannel.objects.get(township=world.unit("T1"))
        page = client.post(
            f"{_url(world)}{channel.pk}/", {"action": "test"}, follow=True
        ).content.decode()
        assert "测试消息已发出" in page
        assert len(server.received) == 1
        assert "渠道“村务群转发”已接通" in server.received[0]["text"]
    client.post(f"{_url(world)}{channel.pk}/", {"action": "off"})
    channel.refresh_from_db()
    assert channel.is_active is False
    actions = set(
        AuditEvent.objects.filter(action__startswith="channel.").values_list(
            "action", flat=True
        )
    )
    assert actions == {"channel.add", "channel.test", "channel.off"}


def test_a_failing_test_message_says_so_and_stays_queued(world):
    client = _client(world, "admin")
    with Flaky(failures=5) as server:
        channel = NotifyChannel.objects.create(
            township=world.unit("T1"), kind="webhook", name="坏", url=server.url
        )
        page = client.post(
            f"{_url(world)}{channel.pk}/", {"action": "test"}, follow=True
        ).content.decode()
    assert "测试消息未能发出，将自动重试" in page
    message = OutboxMessage.objects.get(channel=channel)
    assert (message.status, message.attempts) == ("pending", 1)


@pytest.mark.parametrize(
    ("kind", "url", "error"),
    [
        ("webhook", "ftp://example.org/x", "地址须以 http:// 或 https:// 开头"),
        ("webhook", "javascript:alert(1)", "地址须以 http:// 或 https:// 开头"),
        ("wecom", "https://example.org/hook", "企业微信群机器人地址应形如"),
        ("sms", "https://example.org/hook", "请选择渠道类型"),
        ("webhook", "https://example.org/" + "x" * 500, "不超过 500 个字符"),
    ],
)
def test_bad_channels_are_refused_and_nothing_is_added(world, kind, url, error):
    page = (
        _client(world, "admin")
        .post(_url(world), {"kind": kind, "name": "群", "url": url}, follow=True)
        .content.decode()
    )
    assert error in page
    assert not NotifyChannel.objects.filter(township=world.unit("T1")).exists()


def test_a_robot_bound_to_a_group_chat(world):
    client = _client(world, "admin")
    group = world.unit("T1-V1-A1-G1")
    client.post(
        _url(world),
        {
            "kind": "wecom",
            "name": "一组群",
            "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
            "chat": group.pk,
        },
    )
    assert NotifyChannel.objects.get(name="一组群").unit == group
    page = client.get(_url(world)).content.decode()
    assert f"{group.name}群" in page


@pytest.mark.parametrize("chat", ["T2-V1-A1-G1", "T1-V1", "abc"])
def test_a_chat_outside_the_township_or_not_a_chat_is_refused(world, chat):
    value = world.unit(chat).pk if chat != "abc" else "abc"
    page = (
        _client(world, "admin")
        .post(
            _url(world),
            {"kind": "webhook", "name": "群", "url": "https://e.org/h", "chat": value},
            follow=True,
        )
        .content.decode()
    )
    assert "所在群须是本乡镇的片、组或邻" in page
    assert not NotifyChannel.objects.filter(name="群").exists()
