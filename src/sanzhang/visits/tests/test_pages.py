"""走访 pages as every role, inside and outside scope; recording through the form."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from sanzhang.cases.models import Case
from sanzhang.core.models import AuditEvent
from sanzhang.visits.models import CareInterval, Visit, VisitCampaign
from sanzhang.visits.services.record import visit_record

from .conftest import N1, N2

# Username -> the root of their coverage scope (None: no visit rights at all).
SCOPES = {
    "admin": "T1",
    "station": "T1",
    "cadre": "T1-V1",
    "area": "T1-V1-A1",
    "group": "T1-V1-A1-G1",
    "nchief": N1,
    "resident": None,
    "nobody": None,
}
TARGETS = ["T1", "T1-V1", N1, N2, "T1-V2", "T2", "T2-V1-A1-G1-N1"]


def _inside(scope, target):
    return scope is not None and (target == scope or target.startswith(scope + "-"))


def _client(world, username):
    client = Client()
    client.force_login(world.users[username])
    return client


@pytest.mark.parametrize("username", sorted(SCOPES))
def test_coverage_page_follows_scope(world, username):
    client = _client(world, username)
    wrong = []
    for target in TARGETS:
        url = f"/visits/units/{world.unit(target).pk}/"
        expected = 200 if _inside(SCOPES[username], target) else 404
        status = client.get(url).status_code
        if status != expected:
            wrong.append((target, expected, status))
    assert wrong == []


@pytest.mark.parametrize(
    ("username", "home", "ledger"),
    [
        ("admin", 200, 200),
        ("cadre", 200, 200),
        ("area", 200, 200),
        ("group", 200, 200),
        ("nchief", 200, 200),
        ("station", 200, 404),
        ("resident", 404, 404),
        ("nobody", 404, 404),
    ],
)
def test_home_and_ledger_per_role(world, username, home, ledger):
    client = _client(world, username)
    assert client.get("/visits/").status_code == home
    assert client.get("/visits/ledger/").status_code == ledger
    assert client.get("/visits/ledger.xlsx").status_code == ledger


def test_ledger_lists_only_visits_in_scope(world):
    today = timezone.localdate()
    for username, nb in (("nchief", N1), ("group", N2)):
        visit_record(
            by=world.users[username],
            client_key=uuid.uuid4(),
            household=world.households[nb][0],
            kind="routine",
            visited_on=today,
            notes=f"note-{nb}",
        )
    page = _client(world, "nchief").get("/visits/ledger/").content.decode()
    assert f"note-{N1}" in page
    assert f"note-{N2}" not in page
    page = _client(world, "group").get("/visits/ledger/").content.decode()
    assert f"note-{N1}" in page
    assert f"note-{N2}" in page
    # Filtering on a unit outside scope is a 404, like a missing one.
    other = world.unit("T1-V2").pk
    assert (
        _client(world, "group").get(f"/visits/ledger/?unit={other}").status_code == 404
    )


def test_nchief_records_visit_through_form(world):
    client = _client(world, "nchief")
    hh = world.households[N1][3]
    today = timezone.localdate()
    response = client.post(
        "/visits/",
        {
            "client_key": str(uuid.uuid4()),
            "household": hh.pk,
            "kind": "service",
            "visited_on": today.isoformat(),
            "people_served": "2",
            "notes": "代办医保认证",
        },
    )
    assert response.status_code == 302
    visit = Visit.objects.get(household=hh)
    assert (visit.kind, visit.people_served, visit.notes) == (
        "service",
        2,
        "代办医保认证",
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # A household outside the chief's neighbourhood is a 404, like a missing one.
        ({"household_in": N2}, ""),
        ({"household": "999999"}, ""),
        ({"visited_on": "tomorrow"}, "走访日期不能晚于今天"),
        ({"people_served": "0"}, "服务人次须在 1 到 50 之间"),
        ({"kind": "dance"}, "请选择走访方式"),
        ({"raise_case": "1", "needs": "漏雨"}, "请选择事件分类"),
    ],
)
def test_form_refuses_bad_input_and_writes_nothing(world, change, message):
    today = timezone.localdate()
    data = {
        "client_key": str(uuid.uuid4()),
        "household": world.households[change.pop("household_in", N1)][0].pk,
        "kind": "routine",
        "visited_on": today.isoformat(),
        "people_served": "1",
    }
    if change.get("visited_on") == "tomorrow":
        change["visited_on"] = (today + timedelta(days=1)).isoformat()
    data.update(change)
    before = (Visit.objects.count(), Case.objects.count())
    response = _client(world, "nchief").post("/visits/", data)
    assert response.status_code == (400 if message else 404)
    assert message in response.content.decode()
    assert (Visit.objects.count(), Case.objects.count()) == before


def test_form_raises_case_from_need(world, cats):
    hh = world.households[N1][2]
    category = cats["welfare.1"] if "welfare.1" in cats else next(iter(cats.values()))
    response = _client(world, "nchief").post(
        "/visits/",
        {
            "client_key": str(uuid.uuid4()),
            "household": hh.pk,
            "kind": "routine",
            "visited_on": timezone.localdate().isoformat(),
            "people_served": "1",
            "needs": "老人想申请临时救助",
            "raise_case": "1",
            "category": category.pk,
        },
    )
    assert response.status_code == 302
    visit = Visit.objects.get(household=hh)
    assert Case.objects.get(pk=visit.case_id).text == "老人想申请临时救助"


def test_export_is_audited_and_formula_safe(world):
    visit_record(
        by=world.users["nchief"],
        client_key=uuid.uuid4(),
        household=world.households[N1][0],
        kind="knock",
        visited_on=timezone.localdate(),
        notes='=HYPERLINK("http://x","y")',
    )
    before = AuditEvent.objects.filter(action="export").count()
    response = _client(world, "nchief").get("/visits/ledger.xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws.max_row == 2
    note = ws.cell(row=2, column=11)
    assert (note.value, note.data_type) == ('=HYPERLINK("http://x","y")', "s")
    assert ws.cell(row=2, column=8).value == "敲门"
    # Places by name and the recorder, as a township files the ledger upward.
    assert [ws.cell(row=2, column=c).value for c in (2, 3, 4, 5)] == [
        world.unit(key).name
        for key in ("T1-V1", "T1-V1-A1", "T1-V1-A1-G1", "T1-V1-A1-G1-N1")
    ]
    assert ws.cell(row=2, column=10).value == str(world.users["nchief"])
    event = AuditEvent.objects.filter(action="export").latest("id")
    assert AuditEvent.objects.filter(action="export").count() == before + 1
    assert (event.actor_name, event.detail["what"], event.detail["rows"]) == (
        "t_nchief",
        "visits",
        1,
    )


@pytest.mark.parametrize(
    ("username", "own", "other"),
    [("admin", 200, 404), ("cadre", 404, 404), ("station", 404, 404)],
)
def test_settings_page_only_for_township_admin(world, username, own, other):
    client = _client(world, username)
    assert client.get(f"/visits/settings/{world.unit('T1').pk}/").status_code == own
    assert client.get(f"/visits/settings/{world.unit('T2').pk}/").status_code == other
    assert client.get(f"/visits/settings/{world.unit('T1-V1').pk}/").status_code == 404


def test_settings_page_saves_and_refuses_bad_values(world):
    t1 = world.unit("T1")
    tag = world.tags["alone_elderly"]
    client = _client(world, "admin")
    page = client.get(f"/visits/settings/{t1.pk}/")
    assert page.status_code == 200
    data = {"household_interval_days": "30", "quiet_after_days": "30"}
    data[f"tag-{tag.pk}"] = "5"
    assert client.post(f"/visits/settings/{t1.pk}/", data).status_code == 302
    assert CareInterval.objects.get(township=t1, tag=tag).days == 5
    data[f"tag-{tag.pk}"] = "0"
    response = client.post(f"/visits/settings/{t1.pk}/", data)
    assert response.status_code == 400
    assert CareInterval.objects.get(township=t1, tag=tag).days == 5


def test_campaign_created_by_cadre_seen_by_chief_not_by_other_township(world):
    today = timezone.localdate()
    response = _client(world, "cadre").post(
        "/visits/campaigns/",
        {
            "name": "汛前全覆盖走访",
            "unit": world.unit("T1-V1").pk,
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 302
    camp = VisitCampaign.objects.get(name="汛前全覆盖走访")
    page = _client(world, "nchief").get(f"/visits/campaigns/{camp.pk}/")
    assert page.status_code == 200
    assert page.context["total"] == 6  # only N1's households for its chief
    assert (
        _client(world, "cadre").get(f"/visits/campaigns/{camp.pk}/").context["total"]
        == 48
    )
    url = f"/visits/campaigns/{camp.pk}/"
    assert _client(world, "resident").get(url).status_code == 404
    # A chief cannot start one; the form refuses and writes nothing.
    response = _client(world, "nchief").post(
        "/visits/campaigns/",
        {"name": "x", "unit": world.unit(N1).pk, "starts_on": today, "ends_on": today},
    )
    assert response.status_code == 400
    assert VisitCampaign.objects.count() == 1


HUGE = "9999999999999999999999999"


@pytest.mark.parametrize(
    "url",
    [
        f"/visits/ledger/?person={HUGE}",
        f"/visits/ledger/?household={HUGE}",
        f"/visits/ledger/?campaign={HUGE}",
        f"/visits/ledger.xlsx?person={HUGE}",
        "/visits/ledger/?start=9999-12-31&end=9999-12-31",
    ],
)
def test_oversized_ids_and_far_dates_do_not_crash(world, url):
    client = Client()
    client.force_login(world.users["admin"])
    assert client.get(url).status_code == 200


def test_the_person_filter_does_not_reveal_other_accounts_names(world):
    client = Client()
    client.force_login(world.users["nchief"])
    stranger = world.users["station"]
    page = client.get(f"/visits/ledger/?person={stranger.pk}").content.decode()
    assert stranger.display_name not in page
