"""Relay marks (idempotent, all or nothing, scoped), progress numbers, reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sanzhang.cases.models import Notification
from sanzhang.core.errors import DomainError, NotFound
from sanzhang.notices.models import NoticeRelay, NoticeReminder
from sanzhang.notices.selectors import (
    household_rows,
    my_pending,
    progress_by_child,
    progress_total,
)
from sanzhang.notices.services.relay import relay_mark, relay_mark_all
from sanzhang.notices.services.tick import tick

from .conftest import N1

N2 = "T1-V1-A1-G1-N2"


def _ids(world, key, n=None):
    return [h.pk for h in world.households[key][:n]]


def test_a_mark_is_idempotent(world, sent):
    notice = sent("admin", "T1-V1")
    nchief = world.users["nchief"]
    assert relay_mark(nchief, notice, _ids(world, N1, 2), "visit") == 2
    first = NoticeRelay.objects.get(notice=notice, household_id=_ids(world, N1)[0])
    assert relay_mark(nchief, notice, _ids(world, N1, 2), "phone") == 0
    again = NoticeRelay.objects.get(pk=first.pk)
    assert (again.method, again.relayed_at, again.relayed_by) == (
        "visit",
        first.relayed_at,
        nchief,
    )


def test_one_household_outside_the_neighbourhood_refuses_the_whole_mark(world, sent):
    notice = sent("admin", "T1-V1")
    ids = [*_ids(world, N1, 3), world.households[N2][0].pk]
    with pytest.raises(DomainError, match="有 1 户不在您负责的范围内"):
        relay_mark(world.users["nchief"], notice, ids, "visit")
    assert not NoticeRelay.objects.filter(
        notice=notice, relayed_at__isnull=False
    ).exists()


def test_a_household_not_on_the_list_is_refused(world, sent):
    world.households[N1][0].tags.add(world.tags["over_80"])
    notice = sent("admin", "T1-V1", tags=["over_80"])  # only N1[0]
    with pytest.raises(DomainError, match="有 1 户"):
        relay_mark(world.users["nchief"], notice, _ids(world, N1, 2), "visit")
    assert relay_mark(world.users["nchief"], notice, _ids(world, N1, 1), "visit") == 1


@pytest.mark.parametrize(
    ("ids", "method", "message"),
    [
        ([], "visit", "请选择要标记的户"),
        (["abc"], "visit", "户编号无效"),
        (None, "fax", "请选择传达方式"),
    ],
)
def test_bad_marks_are_refused(world, sent, ids, method, message):
    notice = sent("admin", N1)
    with pytest.raises(DomainError, match=message):
        relay_mark(
            world.users["nchief"],
            notice,
            _ids(world, N1, 1) if ids is None else ids,
            method,
        )
    assert not NoticeRelay.objects.filter(notice=notice, method__gt="").exists()


@pytest.mark.parametrize("who", ["admin", "cadre", "station", "resident", "nobody"])
def test_only_chiefs_relay(world, sent, who):
    notice = sent("admin", N1)
    with pytest.raises(NotFound):
        relay_mark(world.users[who], notice, _ids(world, N1, 1), "visit")


def test_a_draft_cannot_be_relayed(world, draft):
    with pytest.raises(DomainError, match="尚未发送"):
        relay_mark(world.users["nchief"], draft("admin", N1), _ids(world, N1), "visit")


def test_group_and_area_chiefs_relay_in_their_subtree(world, sent):
    notice = sent("admin", "T1-V1")
    assert relay_mark(world.users["group"], notice, _ids(world, N2, 2), "phone") == 2
    area_ids = _ids(world, "T1-V1-A1-G2-N1", 1)
    assert relay_mark(world.users["area"], notice, area_ids, "wechat") == 1
    with pytest.raises(DomainError):
        relay_mark(world.users["group"], notice, area_ids, "phone")


def test_mark_all_and_progress_numbers(world, sent):
    notice = sent("admin", "T1-V1")
    relay_mark(world.users["nchief"], notice, _ids(world, N1, 2), "visit")
    # Group chief marks all of N2 (6), leaving N1's other 4 alone with unit=N2.
    assert (
        relay_mark_all(world.users["group"], notice, "broadcast", unit=world.unit(N2))
        == 6
    )
    v1 = world.unit("T1-V1")
    total = progress_total(notice, v1)
    assert (total.total, total.done, total.percent) == (48, 8, 16)
    areas = progress_by_child(notice, v1)
    assert [(p.name, p.total, p.done) for p in areas] == [
        ("片1", 24, 8),
        ("片2", 24, 0),
    ]
    g1 = progress_by_child(notice, world.unit("T1-V1-A1-G1"))
    assert [(p.name, p.total, p.done, p.percent) for p in g1] == [
        ("1邻", 6, 2, 33),
        ("2邻", 6, 6, 100),
    ]
    assert progress_by_child(notice, world.unit(N1)) == []
    rows = list(household_rows(notice, world.unit(N1), pending_only=True))
    assert {r.household_id for r in rows} == set(_ids(world, N1)[2:])
    # Mark all without a unit: the group chief's remaining 4 (in N1).
    assert relay_mark_all(world.users["group"], notice, "visit") == 4
    assert progress_total(notice, world.unit("T1-V1-A1-G1")).percent == 100


def test_my_pending_lists_notices_with_my_unrelayed_households(world, sent):
    a = sent("admin", "T1-V1", title="甲")
    b = sent("admin", N1, title="乙")
    sent("admin", "T1-V2", title="丙")  # not the nchief's
    relay_mark_all(world.users["nchief"], b, "visit")
    pending = my_pending(world.users["nchief"])
    assert [(p.notice.title, p.total, p.pending) for p in pending] == [("甲", 6, 6)]
    assert len(my_pending(world.users["nchief"], include_done=True)) == 2
    assert a.pk != b.pk
    assert my_pending(world.users["admin"]) == []


def test_tick_reminds_each_chief_once_a_day_after_the_delay(world, sent):
    notice = sent("admin", "T1-V1-A1-G1")
    relay_mark_all(world.users["nchief"], notice, "visit")  # N1 done; N2 has no chief
    assert tick(notice.sent_at + timedelta(days=1)) == ""
    # Local midnight of the sending day: +3 days 01:00 and 02:00 are the same day.
    sent_day = timezone.localtime(notice.sent_at).replace(hour=0, minute=0, second=0)
    now = sent_day
    before = Notification.objects.count()
    line = tick(now + timedelta(days=3, hours=1))
    # N2's 6 unrelayed households fall to the group chief (N2 has no neighbourhood chief).
    assert line == "通知传达提醒：1 条（1 个通知）"
    msg = Notification.objects.order_by("-id").first()
    assert (msg.user, Notification.objects.count() - before) == (
        world.users["group"],
        1,
    )
    assert "还有 6 户未传达" in msg.text
    assert tick(now + timedelta(days=3, hours=2)) == ""  # same day: marker
    assert NoticeReminder.objects.filter(notice=notice).count() == 1
    assert tick(now + timedelta(days=4, hours=1)) != ""  # next day again
    relay_mark_all(world.users["group"], notice, "visit")
    assert tick(now + timedelta(days=5, hours=1)) == ""
    assert tick(timezone.now() + timedelta(days=40)) == ""
