"""Coverage, overdue care households, quiet chiefs and campaign progress, on small
data with the answers worked out by hand.

The world: 安全乡 (T1) has 2 villages x 2 areas x 2 groups x 2 neighbourhoods x 6
households = 96; a group has 12, a neighbourhood 6. The first household of N1 carries
the tags 低保户 (30 d), 独居老人 (7 d) and 社区矫正对象 (30 d); no other household has
any tag.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from sanzhang.cases.models import Notification
from sanzhang.cases.services.intake import case_report
from sanzhang.org.models import Household
from sanzhang.visits.access import campaigns_visible_to
from sanzhang.visits.selectors import (
    care_overdue,
    coverage,
    coverage_breakdown,
    households_in,
    longest_unvisited,
    quiet_chiefs,
)
from sanzhang.visits.services.campaigns import campaign_create
from sanzhang.visits.services.settings import settings_update
from sanzhang.visits.services.tick import tick

from .conftest import N1, N2, TODAY

G1 = "T1-V1-A1-G1"


@pytest.fixture
def visited(world, record):
    """N1: households 0 (twice), 1, 2 in the last 30 days, 3 forty days ago;
    N2: household 0 a hundred days ago (outside both windows)."""
    n1, n2 = world.households[N1], world.households[N2]
    record(household=n1[0], days_ago=0)
    record(household=n1[0], days_ago=3)
    record(household=n1[1], days_ago=10)
    record(household=n1[2], days_ago=29)  # the first day of the 30-day window
    record(household=n1[3], days_ago=40)
    record("group", household=n2[0], days_ago=100)
    return n1, n2


def test_coverage_counts_distinct_visited_households(world, visited):
    start30, start90 = TODAY - timedelta(days=29), TODAY - timedelta(days=89)
    assert coverage(world.unit(N1), start30, TODAY) == (3, 6)
    assert coverage(world.unit(N1), start90, TODAY) == (4, 6)
    assert coverage(world.unit(G1), start90, TODAY) == (4, 12)
    assert coverage(world.unit("T1"), start30, TODAY) == (3, 96)
    assert coverage(world.unit(N2), start90 - timedelta(days=30), TODAY) == (1, 6)
    assert coverage(world.unit("T2"), start90, TODAY) == (0, 96)
    # The end bound holds: nothing after TODAY - 1 except the two latest visits.
    assert coverage(
        world.unit(N1), TODAY - timedelta(days=5), TODAY - 1 * timedelta(days=1)
    ) == (1, 6)


def test_coverage_ignores_households_no_longer_on_the_register(world, visited):
    n1, _ = visited
    Household.objects.filter(pk=n1[1].pk).update(is_active=False)
    assert coverage(world.unit(N1), TODAY - timedelta(days=29), TODAY) == (2, 5)


def test_breakdown_per_child_unit_and_per_chief(world, visited):
    b = coverage_breakdown(world.unit(G1), TODAY)
    assert (b.figures.total, b.figures.v30, b.figures.v90) == (12, 3, 4)
    assert [(u.code, f.total, f.v30, f.v90) for u, f in b.children] == [
        (N1, 6, 3, 4),
        (N2, 6, 0, 0),
    ]
    assert b.figures.r30 == 25.0
    chiefs = {
        (c.post.role, c.unit.code): (c.figures.v30, c.figures.total) for c in b.chiefs
    }
    assert chiefs == {
        ("group_chief", G1): (3, 12),
        ("neighborhood_chief", N1): (3, 6),
    }


def test_longest_unvisited_puts_never_visited_first(world, visited):
    n1, _ = visited
    rows = longest_unvisited(households_in(world.unit(N1)), limit=6)
    never = sorted([n1[4], n1[5]], key=lambda h: h.code)
    assert [h.pk for h in rows[:2]] == [h.pk for h in never]
    assert [(h.pk, h.last_visit) for h in rows[2:]] == [
        (n1[3].pk, TODAY - timedelta(days=40)),
        (n1[2].pk, TODAY - timedelta(days=29)),
        (n1[1].pk, TODAY - timedelta(days=10)),
        (n1[0].pk, TODAY),
    ]


@pytest.mark.parametrize(
    ("days_ago", "overdue"), [(None, True), (6, False), (7, True), (0, False)]
)
def test_care_household_overdue_after_its_shortest_interval(
    world, record, days_ago, overdue
):
    first = world.households[N1][0]
    if days_ago is not None:
        record(household=first, days_ago=days_ago)
    rows = list(care_overdue(households_in(world.unit("T1")), first.township_id, TODAY))
    # Only the first household carries care tags; 独居老人 (7 d) is its shortest.
    assert [(h.pk, h.care_days) for h in rows] == ([(first.pk, 7)] if overdue else [])


def test_township_admin_edits_interval_and_overdue_follows(world, record):
    first = world.households[N1][0]
    record(household=first, days_ago=7)
    t1 = world.unit("T1")
    settings_update(
        by=world.users["admin"],
        township=t1,
        intervals={world.tags["alone_elderly"].pk: "10"},
        household_interval_days="30",
        quiet_after_days="20",
    )
    assert list(care_overdue(households_in(t1), t1.pk, TODAY)) == []
    record(household=first, days_ago=8, notes="再早一次")  # changes nothing
    assert list(care_overdue(households_in(t1), t1.pk, TODAY + timedelta(days=3))) == [
        first
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [("0", "须在 1 到 366 天之间"), ("七", "须为整数天数"), ("400", "须在 1 到 366")],
)
def test_bad_interval_changes_nothing(world, value, message):
    from sanzhang.core.errors import DomainError
    from sanzhang.visits.models import CareInterval, VisitSettings

    t1 = world.unit("T1")
    settings_update(
        by=world.users["admin"],
        township=t1,
        intervals={},
        household_interval_days="30",
        quiet_after_days="30",
    )
    before = list(CareInterval.objects.filter(township=t1).values_list("tag", "days"))
    with pytest.raises(DomainError, match=message):
        settings_update(
            by=world.users["admin"],
            township=t1,
            intervals={
                world.tags["over_80"].pk: "5",
                world.tags["left_behind_elderly"].pk: value,
            },
            household_interval_days="30",
            quiet_after_days="30",
        )
    after = list(CareInterval.objects.filter(township=t1).values_list("tag", "days"))
    assert after == before
    assert VisitSettings.objects.get(township=t1).quiet_after_days == 30


def test_only_township_admin_edits_settings(world):
    from sanzhang.core.errors import NotAllowed

    for name in ("cadre", "area", "station", "nchief"):
        with pytest.raises(NotAllowed):
            settings_update(
                by=world.users[name],
                township=world.unit("T1"),
                intervals={},
                household_interval_days="30",
                quiet_after_days="30",
            )


def test_quiet_chief_until_a_visit_or_a_case(world, record, cats):
    today = date.today()
    area = world.unit("T1-V1-A1")
    # Both chiefs below the area (posts held 30 days) recorded nothing in 10 days.
    quiet = {p.role for p in quiet_chiefs(area, today, 10)}
    assert quiet == {"group_chief", "neighborhood_chief"}
    record(
        household=world.households[N1][0],
        visited_on=today - timedelta(days=9),
        today=today,
    )
    assert {p.role for p in quiet_chiefs(area, today, 10)} == {"group_chief"}
    case_report(
        by=world.users["group"],
        client_key=uuid.uuid4(),
        category=cats["environment.1"],
        text="垃圾堆放",
        household=world.households[N2][0],
    )
    assert list(quiet_chiefs(area, today, 10)) == []
    # With a 9-day rule the visit 9 days ago falls outside: quiet again.
    assert [p.role for p in quiet_chiefs(world.unit(G1), today, 9)] == [
        "neighborhood_chief"
    ]


def test_quiet_needs_the_post_held_long_enough(world):
    today = date.today()
    # Posts began 30 days ago: with a 30-day rule nobody has had 30 full days yet.
    assert list(quiet_chiefs(world.unit("T1-V1-A1"), today, 31)) == []
    assert len(list(quiet_chiefs(world.unit("T1-V1-A1"), today, 29))) == 2


def _now(day):
    return timezone.make_aware(datetime.combine(day, time(9)))


def test_tick_reminds_once_per_care_interval(world, record):
    nchief = world.users["nchief"]
    inbox = Notification.objects.filter(user=nchief, text__contains="关爱户")
    assert tick(_now(TODAY)) == "visits: 1 overdue care households reminded"
    assert inbox.count() == 1
    assert tick(_now(TODAY)) == "visits: 0 overdue care households reminded"
    assert tick(_now(TODAY + timedelta(days=6))).startswith("visits: 0")
    assert tick(_now(TODAY + timedelta(days=7))).startswith("visits: 1")
    assert inbox.count() == 2
    # Visited: no more reminders while the visit is fresh.
    record(
        household=world.households[N1][0],
        visited_on=TODAY + timedelta(days=8),
        today=TODAY + timedelta(days=8),
    )
    assert tick(_now(TODAY + timedelta(days=14))).startswith("visits: 0")


def test_campaign_progress_household_by_household(world, record):
    from sanzhang.visits.selectors import campaign_progress

    camp = campaign_create(
        by=world.users["cadre"],
        unit=world.unit(G1),
        name="夏季全覆盖走访",
        starts_on=TODAY - timedelta(days=10),
        ends_on=TODAY + timedelta(days=20),
    )
    n1, n2 = world.households[N1], world.households[N2]
    record(household=n1[0], days_ago=5)
    record(household=n1[0], days_ago=2)
    record("group", household=n2[1], days_ago=20)  # before the campaign
    rows = list(campaign_progress(camp, households_in(world.unit("T1"))))
    done = {h.pk: h.done_on for h in rows if h.done_on}
    assert (len(rows), done) == (12, {n1[0].pk: TODAY - timedelta(days=5)})
    # The neighbourhood chief sees the campaign but only their own six households.
    assert camp in campaigns_visible_to(world.users["nchief"])
    mine = campaign_progress(camp, households_in(world.unit(N1)))
    assert mine.count() == 6
    assert camp not in campaigns_visible_to(world.users["nobody"])
    assert camp in campaigns_visible_to(world.users["admin"])


def test_a_sensitive_tag_never_makes_a_care_household(world):
    """A household whose only tag is 社区矫正对象 must not show as 关爱户 to its chief
    (the flag and its interval would give the tag away)."""
    from sanzhang.core.errors import DomainError
    from sanzhang.visits.models import CareInterval

    t1 = world.unit("T1")
    second = world.households[N1][1]
    sensitive = world.tags["community_correction"]
    second.tags.add(sensitive)
    # Even if an interval for it got into the table, it is not used.
    care_overdue(households_in(t1), t1.pk, TODAY)  # installs the defaults first
    CareInterval.objects.update_or_create(
        township=t1, tag=sensitive, defaults={"days": 7}
    )
    rows = care_overdue(households_in(t1), t1.pk, TODAY)
    assert second.pk not in {h.pk for h in rows}
    with pytest.raises(DomainError, match="敏感标签"):
        settings_update(
            by=world.users["admin"],
            township=t1,
            intervals={sensitive.pk: "7"},
            household_interval_days="30",
            quiet_after_days="20",
        )


def _care_overdue_by_hand(township, today: date) -> list[tuple[int, int, date | None]]:
    """The straightforward reading of the rule, one household at a time: (id, shortest
    care interval, last visit) of each household not visited within its shortest
    interval, longest-waiting first."""
    from sanzhang.visits.models import Visit
    from sanzhang.visits.selectors import care_intervals

    intervals = care_intervals(township.pk)
    out = []
    for h in households_in(township).prefetch_related("tags").order_by("code", "pk"):
        days = [intervals[t.pk] for t in h.tags.all() if t.pk in intervals]
        if not days:
            continue
        shortest = min(days)
        dates = list(
            Visit.objects.filter(household=h).values_list("visited_on", flat=True)
        )
        since = today - timedelta(days=shortest - 1)
        if not any(since <= d <= today for d in dates):
            out.append((h.code, h.pk, shortest, max(dates, default=None)))
    out.sort(key=lambda r: (r[3] or date(1900, 1, 1), r[0], r[1]))
    return [(pk, days, last) for _code, pk, days, last in out]


def test_care_overdue_agrees_with_the_rule_read_household_by_household(world, record):
    """Several care tags of different intervals (plus a sensitive and a non-care tag)
    on a dozen households, visits before and after the day asked about: the fast
    care_overdue gives the same households, intervals, last visits and order."""
    t1 = world.unit("T1")
    tags = world.tags
    n1, n2 = world.households[N1], world.households[N2]
    tagging = {
        n1[1]: ["alone_elderly", "over_80"],  # 7
        n1[2]: ["left_behind_elderly"],  # 14
        n1[3]: ["over_80", "dilapidated_house"],  # 30
        n1[4]: ["veteran"],  # no care tag
        n1[5]: ["dibao"],  # sensitive only: never a care household
        n2[0]: ["left_behind_elderly", "over_80"],  # 14
        n2[1]: ["alone_elderly"],  # 7
        n2[2]: ["dilapidated_house"],  # 30
    }
    for h, codes in tagging.items():
        h.tags.add(*(tags[c] for c in codes))
    for h, days_ago in [
        (n1[1], 6),
        (n1[1], 40),
        (n1[2], 13),
        (n1[3], 29),
        (n1[4], 100),
        (n2[0], 14),
        (n2[1], 2),
        (n2[2], 31),
        (n2[2], 60),
    ]:
        # N2 has no neighbourhood chief account: its group chief records there.
        record("nchief" if h in n1 else "group", household=h, days_ago=days_ago)
    for shift in (-5, 0, 1, 8, 40):  # -5: some visits lie after the day asked about
        today = TODAY + timedelta(days=shift)
        rows = care_overdue(households_in(t1), t1.pk, today)
        # last_visit is the last visit ever (as the page shows it).
        got = [(h.pk, h.care_days, h.last_visit) for h in rows]
        assert got == _care_overdue_by_hand(t1, today), shift
    # By hand, on TODAY: n1[0] (7 d, never visited), n1[1] (7 d, 6 days ago: not
    # overdue), n1[2] (14 d, 13 days ago: not), n1[3] (30 d, 29 days ago: not),
    # n2[0] (14 d, 14 days ago: overdue), n2[1] (7 d, 2 days ago: not), n2[2] (30 d,
    # 31 days ago: overdue).
    rows = care_overdue(households_in(t1), t1.pk, TODAY)
    assert [(h.pk, h.care_days) for h in rows] == [
        (n1[0].pk, 7),
        (n2[2].pk, 30),
        (n2[0].pk, 14),
    ]


@pytest.mark.parametrize("key", ["T1", "T1-V1", "T1-V1-A1", G1, N1, "T2"])
def test_breakdown_chiefs_are_the_subtree_chiefs_in_tree_order(world, key):
    """The per-chief rows (looked up through an id array on PostgreSQL) are the active
    chiefs whose unit lies in the subtree, in tree order, as a plain join reads them:
    an ended post and the chiefs of another township are left out."""
    from sanzhang.org.levels import SCOPE_FIELD
    from sanzhang.org.models import CHIEF_ROLES, Post, Role
    from sanzhang.org.tests.factories import make_user, post

    post(Role.GROUP_CHIEF, world.unit("T1-V1-A2-G1"), user=make_user("g2"))
    post(Role.AREA_CHIEF, world.unit("T2-V1-A1"), user=make_user("t2_area"))
    ended = post(Role.NEIGHBORHOOD_CHIEF, world.unit(N2), user=make_user("n2_old"))
    Post.objects.filter(pk=ended.pk).update(ended_on=TODAY)
    unit = world.unit(key)
    want = list(
        Post.objects.filter(
            role__in=CHIEF_ROLES,
            ended_on__isnull=True,
            **{"unit__" + SCOPE_FIELD[unit.level]: unit.pk},
        )
        .order_by("unit__path", "unit_id")
        .values_list("pk", flat=True)
    )
    b = coverage_breakdown(unit, TODAY)
    assert [c.post.pk for c in b.chiefs] == want
    assert b.chief_count == len(want)
    assert ended.pk not in want
