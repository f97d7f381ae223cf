"""Two people act on the same case at the same moment, each on their own database
connection: one wins, the other is told so, and nothing is half-written."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from sanzhang.cases.models import Case, CaseEvent
from sanzhang.cases.services.actions import case_act
from sanzhang.cases.services.handling import case_escalate
from sanzhang.core.errors import DomainError


def test_simultaneous_accepts_one_wins(transactional_db, world, report):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("the in-memory test database shares one cache: no real concurrency")
    case = case_escalate(case=report(), by=world.users["nchief"], reason="需组里协调")
    assert (case.status, case.handling_level) == ("pending", "group")
    accepted_before = CaseEvent.objects.filter(case=case, kind="accepted").count()
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def act(username: str) -> None:
        seen = Case.objects.get(pk=case.pk)  # both read the same version
        barrier.wait()
        try:
            case_act(case=seen, by=world.users[username], action="accept")
            outcomes[username] = "won"
        except DomainError as exc:
            outcomes[username] = exc.message
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(u,)) for u in ("group", "area")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes.values()).count("won") == 1
    loser = next(m for m in outcomes.values() if m != "won")
    assert "刚被他人处理过" in loser
    final = Case.objects.get(pk=case.pk)
    assert (final.status, final.version) == ("handling", case.version + 1)
    accepted = CaseEvent.objects.filter(case=case, kind="accepted").count()
    assert accepted == accepted_before + 1
