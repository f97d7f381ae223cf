"""The red list's score and breakdown, weights, records-too-few, appeals, publishing
(public page, A3 poster), commendations and stories."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta

import pytest
from django.test import Client

from sanzhang.cases.services.handling import case_resolve
from sanzhang.core.errors import DomainError, NotAllowed
from sanzhang.core.models import AuditEvent
from sanzhang.org.models import Post
from sanzhang.reports import metrics
from sanzhang.reports.models import Appeal, Commendation, ScoreWeights, Story
from sanzhang.reports.period import Period, year_of
from sanzhang.reports.services import honours
from sanzhang.reports.services import redlist as rl

from .conftest import N1

ONLY_COVERAGE = {k: 0 for k in rl.COMPONENTS} | {"visit_coverage": 100}


def _rows(result):
    return {r.post.role: r for r in result.ranked + result.apart}


def _visits(world, build, today):
    hh = world.households
    build.visit(hh[N1][0], today)
    build.visit(hh[N1][1], today)
    build.visit(hh["T1-V1-A1-G1-N2"][0], today, by=world.users["group"])


def test_score_is_weighted_and_thin_records_are_listed_apart(world, build, today):
    rl.weights_set(
        township=world.unit("T1"),
        by=world.users["admin"],
        weights=ONLY_COVERAGE,
        min_records=1,
    )
    _visits(world, build, today)
    result = rl.compute(world.unit("T1"), Period(today, today))
    rows = _rows(result)
    # N1: 2 of 6 households visited; G1: 3 of 12; A1: 3 of 24.
    assert rows["neighborhood_chief"].score == 33.3
    assert rows["group_chief"].score == 25.0
    assert [r.post.role for r in result.ranked] == ["neighborhood_chief", "group_chief"]
    assert [r.rank for r in result.ranked] == [1, 2]
    # The area chief recorded nothing themself: listed apart, not ranked.
    assert [r.post.role for r in result.apart] == ["area_chief"]
    assert rows["area_chief"].figures["visit_coverage"] == 0.125


def test_default_weights_breakdown(world, build, report, today):
    _visits(world, build, today)
    case_resolve(case=report(), by=world.users["nchief"], result="已清理")
    act = build.activity(world.unit(N1), "volunteer_day", today, person_times=1)
    build.attend(act, world.users["nchief"], "2")
    ScoreWeights.objects.filter(township=world.unit("T1")).delete()
    rl.weights_set(
        township=world.unit("T1"),
        by=world.users["admin"],
        weights=rl.DEFAULT_WEIGHTS,
        min_records=1,
    )
    rows = _rows(rl.compute(world.unit("T1"), Period(today, today)))
    n, g = rows["neighborhood_chief"], rows["group_chief"]
    # nchief: coverage 2/6; reported 1 + resolved 1 = 2 cases (the most: 1.0);
    # on time 1/1; 1 attendance (the most: 1.0); no follow-ups, no disputes: left out.
    assert n.figures["cases_handled"] == 2
    assert n.figures["participation"] == 1
    assert n.figures["satisfaction_rate"] is None
    assert n.figures["dispute_resolution_rate"] is None
    # weights in play: coverage 30, cases 10, on-time 15, participation 15 = 70
    expected = 100 * (30 * 0.3333 + 10 * 1 + 15 * 1 + 15 * 1) / 70
    assert n.score == round(expected, 1) == 71.4
    assert n.parts["satisfaction_rate"] is None
    assert n.parts["visit_coverage"] == round(100 * 30 * 0.3333 / 70, 1)
    # group chief: coverage 3/12, no own cases, on time 1/1 (the N1 case is in G1),
    # no attendance.
    assert g.score == round(100 * (30 * 0.25 + 0 + 15 * 1 + 0) / 70, 1) == 32.1


@pytest.mark.parametrize(
    ("weights", "min_records", "message"),
    [
        ({**rl.DEFAULT_WEIGHTS, "visit_coverage": "abc"}, 5, "走访覆盖率"),
        ({**rl.DEFAULT_WEIGHTS, "participation": 101}, 5, "0 到 100"),
        (dict.fromkeys(rl.COMPONENTS, 0), 5, "不能全部为 0"),
        (rl.DEFAULT_WEIGHTS, "-1", "最少记录数"),
    ],
)
def test_bad_weights_change_nothing(world, weights, min_records, message):
    with pytest.raises(DomainError) as err:
        rl.weights_set(
            township=world.unit("T1"),
            by=world.users["admin"],
            weights=weights,
            min_records=min_records,
        )
    assert message in err.value.message
    assert not ScoreWeights.objects.filter(township=world.unit("T1")).exists()


def test_only_the_township_admin_sets_weights(world):
    with pytest.raises(NotAllowed):
        rl.weights_set(
            township=world.unit("T1"),
            by=world.users["cadre"],
            weights=rl.DEFAULT_WEIGHTS,
            min_records=5,
        )


def test_weights_page_errors_in_chinese(world):
    c = Client()
    c.force_login(world.users["admin"])
    url = f"/reports/units/{world.unit('T1').pk}/redlist/weights/"
    r = c.post(url, {**rl.DEFAULT_WEIGHTS, "visit_coverage": "x", "min_records": "5"})
    assert r.status_code == 400
    assert "“走访覆盖率”的权重应为 0 到 100 的整数" in r.content.decode()
    c.force_login(world.users["cadre"])
    assert c.get(url).status_code == 404


def test_publish_public_page_and_a3_poster(world, build, today, tmp_path, monkeypatch):
    rl.weights_set(
        township=world.unit("T1"),
        by=world.users["admin"],
        weights=ONLY_COVERAGE,
        min_records=1,
    )
    _visits(world, build, today)
    with pytest.raises(NotAllowed):
        rl.publish(
            unit=world.unit("T1"),
            span="year",
            period=year_of(today),
            by=world.users["cadre"],
        )
    pub = rl.publish(
        unit=world.unit("T1"),
        span="year",
        period=year_of(today),
        by=world.users["admin"],
    )
    assert len(pub.slug) >= 32
    twice = rl.publish(
        unit=world.unit("T1"),
        span="year",
        period=year_of(today),
        by=world.users["admin"],
    )
    assert twice.pk == pub.pk  # a second click gives the same public list
    assert [r["rank"] for r in pub.rows] == [1, 2]
    assert set(pub.rows[0]) == {"rank", "name", "role", "unit", "score", "figures"}
    assert AuditEvent.objects.filter(action="redlist_publish").count() == 1
    anon = Client()
    r = anon.get(f"/redlist/{pub.slug}/")
    assert r.status_code == 200
    html = r.content.decode()
    assert pub.rows[0]["name"] in html
    # Public lists: surname and *, place no finer than the group (RELIABILITY §1.2).
    assert all(r["name"].endswith("*") for r in pub.rows)
    assert all("邻" not in r["unit"] for r in pub.rows)
    for hh in world.households[N1]:
        assert hh.address not in html  # no household data on the public page
        assert hh.head.name not in html
    assert anon.get("/redlist/not-the-slug/").status_code == 404
    poster = anon.get(f"/redlist/{pub.slug}/poster.pdf")
    assert poster["Content-Type"] == "application/pdf"
    path = tmp_path / "poster.pdf"
    path.write_bytes(poster.content)
    info = subprocess.run(
        ["pdfinfo", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert "841.89 x 1190.55 pts (A3)" in info
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = re.sub(r"\s+", "", text)
    assert "光荣榜" in flat
    assert pub.rows[0]["name"] in flat
    # Drawn once: the next request is served from disk, not drawn again.
    from sanzhang.reports.services import exports

    def refuse(_pub):
        raise AssertionError("poster drawn again")

    monkeypatch.setattr(exports, "poster_pdf", refuse)
    assert anon.get(f"/redlist/{pub.slug}/poster.pdf").content == poster.content
    rl.withdraw(published=pub, by=world.users["admin"])
    assert anon.get(f"/redlist/{pub.slug}/").status_code == 404


def test_appeal_is_kept_with_its_outcome(world, build, today):
    _visits(world, build, today)
    nchief, admin = world.users["nchief"], world.users["admin"]
    post = Post.objects.get(unit=world.unit(N1), role="neighborhood_chief")
    period = Period(today, today)
    with pytest.raises(DomainError):
        rl.appeal_raise(
            by=nchief,
            post_id=post.pk,
            indicator="visit_coverage",
            period=period,
            reason="",
        )
    with pytest.raises(DomainError):  # someone else's post
        rl.appeal_raise(
            by=world.users["group"],
            post_id=post.pk,
            indicator="visit_coverage",
            period=period,
            reason="漏记了两次走访",
        )
    assert Appeal.objects.count() == 0
    appeal = rl.appeal_raise(
        by=nchief,
        post_id=post.pk,
        indicator="visit_coverage",
        period=period,
        reason="漏记了两次走访",
    )
    assert appeal.value_seen == 0.3333
    again = rl.appeal_raise(
        by=nchief,
        post_id=post.pk,
        indicator="visit_coverage",
        period=period,
        reason="漏记了两次走访",
    )
    assert (again.pk, Appeal.objects.count()) == (appeal.pk, 1)  # a double submit
    with pytest.raises(NotAllowed):
        rl.appeal_decide(appeal=appeal, by=nchief, status="upheld", outcome="自己批")
    rl.appeal_decide(appeal=appeal, by=admin, status="upheld", outcome="已补录走访")
    appeal.refresh_from_db()
    assert (appeal.status, appeal.outcome, appeal.decided_by) == (
        "upheld",
        "已补录走访",
        admin,
    )
    with pytest.raises(DomainError):
        rl.appeal_decide(appeal=appeal, by=admin, status="rejected", outcome="再改")


def test_commendation_nominate_approve_publish(world, build, today):
    _visits(world, build, today)
    post = Post.objects.get(unit=world.unit(N1), role="neighborhood_chief")
    with pytest.raises(NotAllowed):
        honours.nominate(by=world.users["nchief"], post=post, year=today.year)
    obj = honours.nominate(by=world.users["cadre"], post=post, year=today.year)
    assert (obj.title, obj.status, obj.village_id) == (
        "优秀邻长",
        "nominated",
        world.unit("T1-V1").pk,
    )
    with pytest.raises(DomainError):
        honours.nominate(by=world.users["admin"], post=post, year=today.year)
    with pytest.raises(NotAllowed):
        honours.approve(obj=obj, by=world.users["cadre"])
    with pytest.raises(DomainError):  # publish before approval
        honours.publish(obj=obj, by=world.users["admin"])
    p = Period(today - timedelta(days=1), today)
    assert metrics.REGISTRY["models_selected"].value(world.unit("T1"), p) == 0
    obj = honours.approve(obj=obj, by=world.users["admin"])
    obj = honours.publish(obj=obj, by=world.users["admin"])
    assert obj.status == Commendation.Status.PUBLISHED
    assert metrics.REGISTRY["models_selected"].value(world.unit("T1"), p) == 1
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "commendation_nominate",
        "commendation_approved",
        "commendation_published",
    } <= actions


def test_shortlist_is_the_top_tenth(world, build, today):
    rl.weights_set(
        township=world.unit("T1"),
        by=world.users["admin"],
        weights=ONLY_COVERAGE,
        min_records=1,
    )
    _visits(world, build, today)
    short = honours.shortlist(world.unit("T1"), today.year)
    # Two ranked chiefs: ceil(10% of 2) = 1, the best.
    assert [r.post.role for r in short] == ["neighborhood_chief"]


def test_story_draft_write_approve_report(world, report, today):
    case = case_resolve(
        case=report(text="两户因排水沟堵塞争执"),
        by=world.users["nchief"],
        result="组织清淤，双方和解",
    )  # noqa: E501
    title, body = honours.draft_from_case(case)
    assert "两户因排水沟堵塞争执" in body
    assert "组织清淤，双方和解" in body
    assert "办结" in body  # the timeline
    nb = world.unit(N1)
    with pytest.raises(NotAllowed):
        honours.story_save(
            by=world.users["nchief"], unit=nb, kind="case", title=title, body=body
        )
    with pytest.raises(DomainError):
        honours.story_save(
            by=world.users["area"], unit=nb, kind="case", title="", body=body
        )
    assert Story.objects.count() == 0
    story = honours.story_save(
        by=world.users["area"],
        unit=nb,
        kind="case",
        title=title,
        body=body,
        cases=[case],
    )
    with pytest.raises(DomainError):  # not approved yet
        honours.story_report(story=story, by=world.users["admin"], to="县委组织部")
    honours.story_approve(story=story, by=world.users["admin"])
    honours.story_report(story=story, by=world.users["admin"], to="县委组织部")
    p = Period(today, today)
    assert metrics.REGISTRY["stories_reported"].value(world.unit("T1"), p) == 1
    assert list(metrics.REGISTRY["stories_reported"].records(world.unit("T1"), p)) == [
        story
    ]
    with pytest.raises(DomainError):  # reported stories are frozen
        honours.story_save(
            by=world.users["area"],
            unit=nb,
            kind="case",
            title="改",
            body=body,
            story=story,
        )


def test_story_pages(world, report):
    case = report()
    c = Client()
    c.force_login(world.users["cadre"])
    v1 = world.unit("T1-V1")
    r = c.get(f"/reports/units/{v1.pk}/stories/new/?case={case.pk}")
    assert r.status_code == 200
    assert case.text in r.content.decode()
    r = c.post(
        f"/reports/units/{v1.pk}/stories/new/",
        {
            "kind": "case",
            "title": "",
            "body": "正文正文正文正文正文",
            "cases": str(case.pk),
        },
    )
    assert r.status_code == 400
    assert "请填写标题" in r.content.decode()
    r = c.post(
        f"/reports/units/{v1.pk}/stories/new/",
        {
            "kind": "case",
            "title": "清淤",
            "body": "正文正文正文正文正文",
            "cases": str(case.pk),
        },
    )
    assert r.status_code == 302
    story = Story.objects.get()
    assert list(story.cases.all()) == [case]
    other = Client()
    other.force_login(world.users["nchief"])
    assert other.get(f"/reports/units/{v1.pk}/stories/new/").status_code == 404
    outsider = Client()
    outsider.force_login(world.users["admin"])
    assert outsider.get(f"/reports/stories/{story.pk}/").status_code == 200
    g2 = Client()
    g2.force_login(world.users["group"])
    assert g2.get(f"/reports/stories/{story.pk}/").status_code == 404  # story is V1's


def test_demo_seed_writes_stories_and_commendations(world, report, today):
    import random

    from sanzhang.reports.demo import seed_demo

    case_resolve(case=report(), by=world.users["nchief"], result="已清理")
    seed_demo(world.unit("T1"), random.Random(1), today)
    assert Story.objects.filter(township=world.unit("T1")).count() == 12
    assert Story.objects.filter(reported_at__isnull=False).count() == 11
    # The world has one neighbourhood chief in T1: one commendation last year.
    last = Period(today.replace(year=today.year - 1, month=1, day=1), today)
    assert metrics.REGISTRY["models_selected"].value(world.unit("T1"), last) == 1
