"""Sending: fan-out counts (with tag filters worked out by hand), chief inbox, one
channel message per area / group / neighbourhood chat, refusals."""

from __future__ import annotations

import uuid

import pytest

from sanzhang.cases.models import Notification, NotifyChannel, OutboxMessage
from sanzhang.core.errors import DomainError, NotFound
from sanzhang.notices.models import Notice, NoticeRelay
from sanzhang.notices.services.compose import notice_create
from sanzhang.notices.services.send import notice_send
from sanzhang.org.models import Post, Role

from .conftest import N1


def test_send_to_a_village_makes_one_row_per_household_with_its_ancestors(world, sent):
    notice = sent("admin", "T1-V1")
    rows = NoticeRelay.objects.filter(notice=notice)
    assert rows.count() == 48 == notice.household_count
    assert set(rows.values_list("household_id", flat=True)) == world.households_under(
        "T1-V1"
    )
    hh = world.households[N1][2]
    row = rows.get(household=hh)
    assert (
        row.township_id,
        row.village_id,
        row.area_id,
        row.villager_group_id,
        row.neighborhood_id,
        row.relayed_at,
        row.method,
    ) == (
        hh.township_id,
        hh.village_id,
        hh.area_id,
        hh.villager_group_id,
        hh.neighborhood_id,
        None,
        "",
    )
    assert Notice.objects.get(pk=notice.pk).sent_by == world.users["admin"]


def test_tag_filter_sends_to_households_with_any_of_the_tags(world, sent):
    # N1[0] already has 独居老人; give it 高龄老人 too (counted once), N1[1] 独居老人,
    # one household in V1-A2 高龄老人, and one in V2 (outside the target) 独居老人.
    t = world.tags
    world.households[N1][0].tags.add(t["over_80"])
    world.households[N1][1].tags.add(t["alone_elderly"])
    world.households["T1-V1-A2-G1-N2"][0].tags.add(t["over_80"])
    world.households["T1-V2-A1-G1-N1"][0].tags.add(t["alone_elderly"])
    notice = sent("admin", "T1-V1", tags=["alone_elderly", "over_80"])
    assert set(
        NoticeRelay.objects.filter(notice=notice).values_list("household_id", flat=True)
    ) == {
        world.households[N1][0].pk,
        world.households[N1][1].pk,
        world.households["T1-V1-A2-G1-N2"][0].pk,
    }
    assert notice.household_count == 3


def test_inactive_households_are_left_out(world, sent):
    gone = world.households[N1][5]
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    notice = sent("admin", "T1-V1-A1-G1-N1")
    assert notice.household_count == 5


def test_sending_twice_is_refused_and_adds_nothing(world, sent):
    notice = sent("admin", "T1-V1-A1")
    with pytest.raises(DomainError, match="已发送"):
        notice_send(notice, by=world.users["admin"])
    assert NoticeRelay.objects.filter(notice=notice).count() == 24


def test_no_household_matches_leaves_a_draft(world, draft):
    notice = draft("admin", "T1-V2", tags=["veteran"])  # nobody is tagged 退役军人
    with pytest.raises(DomainError, match="没有符合条件的户"):
        notice_send(notice, by=world.users["admin"])
    notice.refresh_from_db()
    assert notice.sent_at is None
    assert not NoticeRelay.objects.filter(notice=notice).exists()


def test_chiefs_get_one_inbox_message_each(world, sent):
    before = Notification.objects.count()
    sent("cadre", "T1-V1")
    new = Notification.objects.order_by("-id")[: Notification.objects.count() - before]
    # The world's chiefs in V1: area (A1), group (A1-G1), nchief (N1): one each.
    assert sorted(n.user.username for n in new) == ["t_area", "t_group", "t_nchief"]
    assert all("防汛通知" in n.text and n.case_id is None for n in new)


def test_a_chief_above_the_target_is_told_too(world, sent):
    before = Notification.objects.count()
    sent("admin", "T1-V1-A1-G1-N1")
    users = set(
        Notification.objects.filter(pk__gt=0)
        .order_by("-id")[: Notification.objects.count() - before]
        .values_list("user__username", flat=True)
    )
    assert users == {"t_nchief", "t_group", "t_area"}


def _robot(world, key, name):
    return NotifyChannel.objects.create(
        township=world.townships[0],
        unit=world.unit(key),
        kind="wecom",
        name=name,
        url=f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={name}",
    )


def test_each_chat_robot_gets_its_notice_once_without_personal_data(world, sent):
    t1 = world.townships[0]
    NotifyChannel.objects.create(
        township=t1, kind="webhook", name="平台", url="https://example.invalid/b"
    )
    NotifyChannel.objects.create(
        township=t1,
        kind="webhook",
        name="停用",
        url="https://x.invalid",
        is_active=False,
    )
    chats = {
        key: _robot(world, key, key)
        for key in ("T1-V1-A1", "T1-V1-A1-G1", "T1-V1-A1-G1-N1", "T1-V2-A1")
    }
    before = OutboxMessage.objects.count()
    notice = sent("admin", "T1-V1")
    new = list(OutboxMessage.objects.filter(township=t1).order_by("id")[before:])
    # V1's area, group and neighbourhood robots (3) + one line on the township
    # channel; V2's area robot is not a chat of this notice, the inactive one is off.
    by_channel = {m.channel_id: m.text for m in new}
    assert len(new) == 4
    assert set(by_channel) == {
        chats["T1-V1-A1"].pk,
        chats["T1-V1-A1-G1"].pk,
        chats["T1-V1-A1-G1-N1"].pk,
        NotifyChannel.objects.get(name="平台").pk,
    }
    assert "村1 片1 组1 1邻群" in by_channel[chats["T1-V1-A1-G1-N1"].pk]
    texts = list(by_channel.values())
    assert all(notice.title in x for x in texts)
    heads = [h.head.name for h in world.households[N1]]
    assert not any(name in x for x in texts for name in heads)
    assert not any(notice.body[:6] in x for x in texts)


def test_a_group_notice_reaches_the_group_and_neighbourhood_chats_not_the_area(
    world, sent
):
    for key in ("T1-V1-A1", "T1-V1-A1-G1", "T1-V1-A1-G1-N1", "T1-V1-A1-G1-N2"):
        _robot(world, key, key)
    before = OutboxMessage.objects.count()
    sent("admin", "T1-V1-A1-G1")
    assert OutboxMessage.objects.count() - before == 3  # 1 group + 2 neighbourhoods


@pytest.mark.parametrize("who", ["station", "area", "group", "nchief", "resident"])
def test_only_admins_and_cadres_write_notices(world, who):
    with pytest.raises(NotFound):
        notice_create(
            by=world.users[who],
            client_key=uuid.uuid4(),
            unit=world.unit(N1),
            title="t",
            body="b",
        )


def test_a_cadre_writes_only_inside_its_village(world, draft):
    assert draft("cadre", "T1-V1-A2").unit == world.unit("T1-V1-A2")
    for outside in ("T1-V2", "T1", "T2-V1"):
        with pytest.raises(NotFound):
            draft("cadre", outside)
    with pytest.raises(NotFound):
        draft("admin", "T2-V1")


def test_bad_drafts_are_refused_with_a_reason(world):
    def create(**kw):
        args = {
            "by": world.users["admin"],
            "client_key": uuid.uuid4(),
            "unit": world.unit("T1-V1"),
            "title": "通知",
            "body": "正文",
            **kw,
        }
        return notice_create(**args)

    count = Notice.objects.count()
    for kw, message in [
        ({"title": "  "}, "请填写通知标题"),
        ({"title": "长" * 81}, "标题不超过 80 个字"),
        ({"body": ""}, "请填写通知正文"),
        ({"client_key": "not-a-uuid"}, "提交编号无效"),
        ({"tag_ids": [world.tags["dibao"].pk]}, "不可用于筛选"),  # sensitive
        ({"tag_ids": ["x"]}, "标签无效"),
    ]:
        with pytest.raises(DomainError, match=message):
            create(**kw)
    assert Notice.objects.count() == count


def test_same_client_key_returns_the_first_draft(world):
    key = uuid.uuid4()
    args = {
        "by": world.users["admin"],
        "client_key": key,
        "unit": world.unit("T1-V1"),
        "title": "通知",
        "body": "正文",
    }
    first, created = notice_create(**args)
    again, created_again = notice_create(**{**args, "title": "别的"})
    assert (created, created_again, again.pk, again.title) == (
        True,
        False,
        first.pk,
        "通知",
    )


def test_a_chief_of_an_ended_post_is_not_told(world, sent):
    Post.objects.filter(role=Role.GROUP_CHIEF).update(ended_on="2000-01-01")
    before = Notification.objects.count()
    sent("admin", "T1-V1-A1-G1")
    names = set(
        Notification.objects.order_by("-id")[
            : Notification.objects.count() - before
        ].values_list("user__username", flat=True)
    )
    assert names == {"t_nchief", "t_area"}


def _chief_accounts_by_hand(notice: Notice) -> set[int]:
    """The rule read straightforwardly: chiefs whose unit holds target households (at
    or below the target's level) or lies above the target, then their accounts as
    cases.access.post_user_ids reads them."""
    from sanzhang.cases.access import post_user_ids
    from sanzhang.org.levels import DEPTH, SCOPE_FIELD
    from sanzhang.org.models import CHIEF_OF_LEVEL
    from sanzhang.org.selectors import active_posts

    unit = notice.unit
    posts = []
    for level, role in CHIEF_OF_LEVEL.items():
        column = SCOPE_FIELD[level]
        if DEPTH[level] >= DEPTH[unit.level]:
            units = set(
                NoticeRelay.objects.filter(notice=notice).values_list(column, flat=True)
            )
        else:
            units = {getattr(unit, column)}
        posts += list(
            active_posts()
            .filter(role=role, unit_id__in=units - {None})
            .values_list("pk", flat=True)
        )
    return post_user_ids(Post.objects.filter(pk__in=posts))


@pytest.mark.parametrize(
    "target", ["T1", "T1-V1", "T1-V1-A1", "T1-V1-A2-G1", "T1-V1-A2-G1-N1"]
)
def test_chief_accounts_agree_with_the_rule_read_by_hand(world, draft, target):
    """Held by an account directly, through a resident's account, both, or by a
    resident whose account is switched off: the one-query reading in send.py tells
    the same accounts as the straightforward one."""
    from sanzhang.notices.services.send import chief_user_ids
    from sanzhang.org.models import User
    from sanzhang.org.tests.factories import make_user, post

    heads = {key: [h.head for h in hhs] for key, hhs in world.households.items()}
    direct = make_user("direct_gchief")
    post(Role.GROUP_CHIEF, world.unit("T1-V1-A2-G1"), user=direct)
    off = make_user("off_nchief", resident=heads["T1-V1-A2-G1-N1"][0])
    User.objects.filter(pk=off.pk).update(is_active=False)
    post(Role.NEIGHBORHOOD_CHIEF, world.unit("T1-V1-A2-G1-N1"), resident=off.resident)
    both_user = make_user("both_direct")
    make_user("both_resident", resident=heads["T1-V1-A2-G1-N2"][0])
    post(
        Role.NEIGHBORHOOD_CHIEF,
        world.unit("T1-V1-A2-G1-N2"),
        user=both_user,
        resident=heads["T1-V1-A2-G1-N2"][0],
    )
    post(Role.AREA_CHIEF, world.unit("T1-V1-A2"), user=make_user("a2_chief"))
    notice = draft("admin", target)
    notice_send(notice, by=world.users["admin"])
    notice = Notice.objects.select_related("unit").get(pk=notice.pk)
    want = _chief_accounts_by_hand(notice)
    assert chief_user_ids(notice) == want
    told = set(
        Notification.objects.filter(text__contains=notice.title)
        .filter(created_at=notice.sent_at)
        .values_list("user_id", flat=True)
    )
    assert told == want
    if target == "T1-V1-A2-G1-N1":
        # Its neighbourhood chief's account is off: the group and area chiefs above.
        names = set(User.objects.filter(pk__in=want).values_list("username", flat=True))
        assert names == {"t_direct_gchief", "t_a2_chief"}
