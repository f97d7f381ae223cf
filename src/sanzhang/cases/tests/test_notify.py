"""The outbox: in-app inbox always, webhook and WeCom robot retried until delivered."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from sanzhang.cases.models import Notification, NotifyChannel, OutboxMessage
from sanzhang.cases.services.handling import case_escalate
from sanzhang.cases.services.notify import MAX_ATTEMPTS, outbox_deliver


class Flaky:
    """A local HTTP server that fails the first `failures` requests with 500."""

    def __init__(self, failures: int, reply: dict | None = None):
        self.failures = failures
        self.reply = reply or {"errcode": 0, "errmsg": "ok"}
        self.received: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if outer.failures > 0:
                    outer.failures -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                outer.received.append(json.loads(body))
                data = json.dumps(outer.reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def escalated(world, report):
    def make(kind, url):
        NotifyChannel.objects.create(
            township=world.townships[0], kind=kind, name="三长群", url=url
        )
        case = report()
        return case_escalate(case=case, by=world.users["nchief"], reason="需组里协调")

    return make


def test_inbox_gets_a_row_even_without_channels(world, report):
    case = case_escalate(case=report(), by=world.users["nchief"], reason="需组里协调")
    assert list(
        Notification.objects.filter(case=case).values_list("user__username", flat=True)
    ) == ["t_group"]
    assert OutboxMessage.objects.count() == 0


def test_wecom_robot_message_is_retried_until_delivered(world, escalated):
    with Flaky(failures=2) as server:
        case = escalated(NotifyChannel.Kind.WECOM, server.url)
        now = timezone.now()
        results = []
        for minutes in (0, 1, 3):  # backoff 1 min, then 2 min
            results.append(outbox_deliver(now=now + timedelta(minutes=minutes)))
    assert results == [
        {"sent": 0, "retry": 1, "failed": 0},
        {"sent": 0, "retry": 1, "failed": 0},
        {"sent": 1, "retry": 0, "failed": 0},
    ]
    msg = OutboxMessage.objects.get()
    assert (msg.status, msg.attempts) == ("sent", 3)
    assert server.received == [
        {"msgtype": "text", "text": {"content": msg.text}},
    ]
    assert msg.text.startswith(f"事件 #{case.pk}（垃圾堆放）已上报到您处")


def test_webhook_gives_up_after_max_attempts(world, escalated):
    with Flaky(failures=100) as server:
        escalated(NotifyChannel.Kind.WEBHOOK, server.url)
        now = timezone.now()
        for i in range(MAX_ATTEMPTS):
            outbox_deliver(now=now + timedelta(hours=i))
        assert outbox_deliver(now=now + timedelta(days=1)) == {
            "sent": 0,
            "retry": 0,
            "failed": 0,
        }
    msg = OutboxMessage.objects.get()
    assert (msg.status, msg.attempts, msg.last_error) == (
        "failed",
        MAX_ATTEMPTS,
        "HTTPError: HTTP Error 500: Internal Server Error",
    )


def test_wecom_error_code_counts_as_a_failure(world, escalated):
    with Flaky(
        failures=0, reply={"errcode": 93000, "errmsg": "invalid webhook url"}
    ) as s:
        escalated(NotifyChannel.Kind.WECOM, s.url)
        assert outbox_deliver() == {"sent": 0, "retry": 1, "failed": 0}


def test_generic_webhook_payload(world, escalated):
    with Flaky(failures=0) as server:
        case = escalated(NotifyChannel.Kind.WEBHOOK, server.url)
        outbox_deliver()
    msg = OutboxMessage.objects.get()
    assert server.received == [
        {
            "event": "case",
            "case_id": case.pk,
            "township_id": world.townships[0].pk,
            "text": msg.text,
            "message_id": msg.pk,
        }
    ]
