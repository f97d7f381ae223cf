"""The grouped figures (reports.grouped) against the one-unit-at-a-time definitions.

`grouped.compute` counts many units' figures in one grouped query per family. Each
figure it gives must be the number `Indicator.value` gives for that unit: checked
here for every figure it derives, per township (the county report), per village (the
township dashboard) and for the scopes' totals, on mixed data in both townships of
the test world; plus a few county totals worked out by hand.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sanzhang.cases.demo import CASE_FIELDS, SCOPE, case_rows
from sanzhang.cases.models import Case, Category, FollowUp, Mediation
from sanzhang.cases.states import Satisfaction
from sanzhang.core.db import insert_rows
from sanzhang.org.models import Household, Unit
from sanzhang.reports import grouped
from sanzhang.reports.metrics import REGISTRY, County
from sanzhang.reports.models import Commendation, Story
from sanzhang.reports.period import Period

from .conftest import N1, anc

ALL = tuple(grouped.DERIVED)


def _seed_cases(world, rng: random.Random, today) -> None:
    """Cases of every kind in both townships (as the demo makes them), with their
    follow-ups and mediations, some still open and overdue."""
    now = timezone.make_aware(datetime.combine(today, time(9, 0)))
    for township in world.townships:
        categories = list(
            Category.objects.filter(township=township, parent__isnull=False)
        )
        households = list(
            Household.objects.filter(township=township, is_active=True).values(
                "id", *SCOPE
            )
        )
        rows = case_rows(households, categories, 80, rng, now, 120)
        for row in rows:
            row.body_hash = "grouped-test"
            row.is_tracked = rng.random() < 0.2
        insert_rows(Case, CASE_FIELDS, rows)
    cases = list(Case.objects.filter(body_hash="grouped-test"))
    # Reopened after a poor follow-up: resolved in the period and also being handled
    # past its limit, so both halves of the on-time base hold it (counted once).
    for c in [c for c in cases if c.resolved_at][:6]:
        Case.objects.filter(pk=c.pk).update(
            status="handling", due_at=c.resolved_at - timedelta(hours=1)
        )
    by = world.users["nchief"]
    for c in cases:
        if c.resolved_at and rng.random() < 0.7:
            FollowUp.objects.create(
                **{f: getattr(c, f) for f in SCOPE},
                case=c,
                round=1,
                by=by,
                satisfaction=c.satisfaction or "satisfied",
                at=c.resolved_at + timedelta(days=1),
            )
        if c.is_dispute and c.resolved_at:
            ok = rng.random() < 0.7
            Case.objects.filter(pk=c.pk).update(
                mediation_outcome="succeeded" if ok else "failed"
            )
            Mediation.objects.create(
                case=c,
                township_id=c.township_id,
                mediator_name="调委会",
                ended_at=c.resolved_at,
            )


@pytest.fixture
def mixed(world, cats, build, today):
    """Records of every module spread over both townships and their villages."""
    rng = random.Random(5)
    _seed_cases(world, rng, today)
    households = list(Household.objects.filter(is_active=True).order_by("pk"))
    for hh in rng.sample(households, 60):
        for _ in range(rng.randrange(1, 4)):
            build.visit(
                hh, today - timedelta(days=rng.randrange(0, 90)), rng.randint(1, 4)
            )
    for unit in Unit.objects.filter(level__in=("village", "area"), is_active=True):
        kind = rng.choice(["micro_lecture", "cleanup", "volunteer_day", "other"])
        a = build.activity(
            unit,
            kind,
            today - timedelta(days=rng.randrange(0, 60)),
            leaflets=rng.randrange(0, 50),
            person_times=rng.randrange(0, 30),
        )
        if kind == "volunteer_day":
            build.attend(a, world.users["nchief"], hours="1.5")
            build.attend(a, world.users["group"], hours="2.25")
    for hh in rng.sample(households, 12):
        build.customs(hh, rng.choice(["scaled_down", "cancelled", "unchanged"]), today)
    hh0 = world.households[N1][0]
    build.customs(hh0, "cancelled", today - timedelta(days=3))  # same household twice
    for village in Unit.objects.filter(level="village"):
        hhs = list(Household.objects.filter(village=village)[:5])
        build.notice(village, hhs, relayed=rng.randrange(0, 6))
    nb = world.unit(N1)
    admin = world.users["admin"]
    Story.objects.create(
        **anc(nb),
        unit=nb,
        kind="case",
        title="t",
        body="正文正文正文正文正文",
        written_by=admin,
        reported_at=timezone.now(),
    )
    from sanzhang.org.models import Post

    post = Post.objects.get(unit=nb, role="neighborhood_chief")
    Commendation.objects.create(
        **anc(nb),
        year=today.year,
        post=post,
        holder_name=post.holder_name,
        unit_name="1邻",
        title="优秀邻长",
        status="approved",
        approved_at=timezone.now(),
        nominated_by=admin,
        nominated_at=timezone.now(),
    )
    return Period(today - timedelta(days=100), today)


def _assert_same(got: dict, unit, period: Period) -> None:
    want = {i: REGISTRY[i].value(unit, period) for i in ALL}
    assert {i: got[i] for i in ALL} == want, unit.name


def test_every_grouped_figure_equals_the_unit_figure_per_township(world, mixed):
    period = mixed
    county = County.of_installation()
    assert set(county.township_ids) >= {t.pk for t in world.townships}
    result = grouped.compute(county, period, ALL, by="township_id")
    for township in world.townships:
        _assert_same(result.groups[township.pk], township, period)
    # The data touch every family in both townships (no vacuous pass).
    for township in world.townships:
        row = result.groups[township.pk]
        for i in ("visits", "opinions_collected", "cases_resolved", "open_cases"):
            assert row[i] > 0, (township.name, i)


def test_every_grouped_figure_equals_the_unit_figure_per_village(world, mixed):
    period = mixed
    township = world.townships[1]
    result = grouped.compute(township, period, ALL, by="village_id")
    villages = list(Unit.objects.filter(parent=township))
    assert len(villages) == 2
    for village in villages:
        _assert_same(result.groups[village.pk], village, period)
    _assert_same(result.total, township, period)


def test_the_county_total_is_the_townships_added_up(world, mixed, today):
    period = mixed
    county = County(tuple(t.pk for t in world.townships))
    result = grouped.compute(county, period, ALL, by="township_id")
    t1, t2 = (result.groups[t.pk] for t in world.townships)
    for i in ALL:
        ind = REGISTRY[i]
        if ind.kind in ("count", "sum") and i not in ("volunteer_hours",):
            assert result.total[i] == t1[i] + t2[i], i
    # Rates: part and whole added, not the rates averaged.
    whole = Household.objects.filter(
        township__in=world.townships, is_active=True
    ).count()
    visited = (
        Household.objects.filter(
            township__in=world.townships,
            is_active=True,
            visits__visited_on__gte=period.start,
            visits__visited_on__lte=period.end,
        )
        .values("pk")
        .distinct()
        .count()
    )
    assert result.total["visit_coverage"] == round(visited / whole, 4)
    # A distinct count is not added: the household talked to twice counts once.
    assert (
        result.total["customs_persuaded_households"]
        == (
            REGISTRY["customs_persuaded_households"]
            .records(county, period)
            .aggregate(n=Count("household_id", distinct=True))["n"]
        )
    )


def test_county_totals_by_hand(world, build, today):
    """A small case worked out by hand: visits in both townships."""
    t1, t2 = world.townships
    h1 = Household.objects.filter(township=t1).order_by("pk")[:2]
    h2 = Household.objects.filter(township=t2).order_by("pk")[:1]
    build.visit(h1[0], today, served=2)
    build.visit(h1[0], today, served=1)  # same household: coverage counts it once
    build.visit(h1[1], today, served=3)
    build.visit(h2[0], today, served=4)
    build.visit(h2[0], today - timedelta(days=400), served=9)  # outside the period
    p = Period(today - timedelta(days=10), today)
    county = County((t1.pk, t2.pk))
    ids = ("visits", "people_served", "households", "visit_coverage")
    r = grouped.compute(county, p, ids, by="township_id")
    assert r.groups[t1.pk]["visits"] == 3
    assert r.groups[t1.pk]["people_served"] == 6
    assert r.groups[t2.pk]["visits"] == 1
    assert r.groups[t2.pk]["people_served"] == 4
    assert r.total["visits"] == 4
    assert r.total["people_served"] == 10
    # 96 households in each township of the world (2x2x2x2 neighbourhoods x 6);
    # visited: 2 in T1, 1 in T2.
    assert r.groups[t1.pk]["households"] == 96
    assert r.total["households"] == 192
    assert r.groups[t1.pk]["visit_coverage"] == round(2 / 96, 4)
    assert r.total["visit_coverage"] == round(3 / 192, 4)


def test_one_query_per_family(world, mixed):
    county = County.of_installation()
    with CaptureQueriesContext(connection) as ctx:
        grouped.compute(county, mixed, ALL, by="township_id")
    # 17 families, the distinct customs count once more for the county total, and
    # the one catalogue read of which rollups have their triggers in place.
    assert len(grouped.FAMILIES) == 17
    # (PostgreSQL adds one SET LOCAL: no JIT for these queries.)
    reads = [q for q in ctx.captured_queries if q["sql"].startswith("SELECT")]
    assert len(reads) == 19


def test_monthly_counts_match_the_figure_month_by_month(world, mixed):
    from sanzhang.reports.period import months

    township = world.townships[0]
    r = grouped.compute(
        township,
        mixed,
        ("visits",),
        by=None,
        months_of=("visits", "collected", "resolved"),
    )
    spans = months(mixed)
    for fam, ind in (
        ("visits", "visits"),
        ("collected", "opinions_collected"),
        ("resolved", "cases_resolved"),
    ):
        got = [r.total_parts[fam][grouped.month_part(i)] for i in range(len(spans))]
        assert got == [REGISTRY[ind].value(township, s) for s in spans], fam
        assert sum(got) == REGISTRY[ind].value(township, mixed)


def test_every_indicator_has_a_grouped_form():
    assert set(grouped.DERIVED) == set(REGISTRY)


def test_dashboard_figures_equal_the_unit_figures(world, mixed):
    from sanzhang.reports import selectors as sel

    township = world.townships[0]
    period = mixed
    with CaptureQueriesContext(connection) as ctx:
        board = sel.dashboard(township, period)
    reads = [q for q in ctx.captured_queries if q["sql"].startswith("SELECT")]
    assert len(reads) <= 20  # was ~66 (one or two per figure)
    for line in board.tiles:
        assert line.value == line.indicator.value(township, period), line.indicator.id
    for row in board.compare["rows"]:
        for ind, cell in zip(board.compare["columns"], row["cells"], strict=True):
            assert cell["value"] == ind.value(row["unit"], period), ind.id
    charts = board.charts
    for series, ind in zip(charts["trend"]["series"], sel.TREND, strict=True):
        got = [d["value"] for d in series["data"]]
        assert got == REGISTRY[ind].by_month(township, period), ind
    assert [d["value"] for d in charts["levels"]] == [
        REGISTRY[i].value(township, period) for i in sel.LEVEL_IDS
    ]
    follow = REGISTRY["satisfaction_rate"].base(township, period)
    assert [d["value"] for d in charts["satisfaction"]] == [
        follow.filter(satisfaction=v).count() for v, _l in Satisfaction.choices
    ]
    nb_points = {p["url_open"].split("/")[3]: p for p in charts["map"]}
    assert nb_points
    for pk, point in nb_points.items():
        nb = Unit.objects.get(pk=int(pk))
        assert point["open"] == REGISTRY["open_cases"].value(nb, period)
        cov = REGISTRY["visit_coverage"].value(nb, period)
        assert point["coverage"] == round(cov * 100, 1)


def test_county_report_command_writes_every_township_and_the_total(
    world, build, today, tmp_path
):
    from django.core.management import call_command
    from openpyxl import load_workbook

    from sanzhang.reports.county import REPORT_IDS

    t1, t2 = world.townships
    build.visit(world.households[N1][0], today, served=3)
    build.visit(Household.objects.filter(township=t2).first(), today, served=2)
    out = tmp_path / "county.xlsx"
    call_command("county_report", "--year", str(today.year), "--xlsx", str(out))
    ws = load_workbook(out).active
    header = [c.value for c in ws[2]]
    rows = {r[0].value: [c.value for c in r[1:]] for r in ws.iter_rows(min_row=3)}
    col = {i: k for k, i in enumerate(REPORT_IDS)}
    assert header[1 + col["people_served"]] == "服务群众（人次）"
    p = Period(today.replace(month=1, day=1), today)
    for t in (t1, t2):
        assert rows[t.name][col["people_served"]] == REGISTRY["people_served"].value(
            t, p
        )
        assert rows[t.name][col["villages"]] == 2
    assert rows["合计"][col["people_served"]] == (
        rows[t1.name][col["people_served"]] + rows[t2.name][col["people_served"]]
    )
    assert (
        rows["合计"][col["households"]]
        == Household.objects.filter(
            township__is_active=True, township__level="township", is_active=True
        ).count()
    )


def test_red_list_unit_rates_equal_the_breakdown_per_level(world, mixed):
    """The red list's unit rates (one grouped computation folded per chief level)
    equal Indicator.breakdown per rate and level: the same units (those with a base)
    and the same rates, in both townships."""
    from sanzhang.reports.metrics import get
    from sanzhang.reports.services.redlist import CHIEF_LEVELS, UNIT_RATES, unit_rates

    for township in world.townships:
        got = unit_rates(township, mixed)
        for key in UNIT_RATES:
            for level in CHIEF_LEVELS:
                want = get(key).breakdown(township, mixed, level)
                assert got[key][level] == want, (township.code, key, level)
        assert any(got["dispute_resolution_rate"][lv] for lv in CHIEF_LEVELS)
