"""The pages and the API, per role, inside and outside scope; the phone forms; the
.xlsx export (audited, formula-safe)."""

from __future__ import annotations

import io
import json
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from sanzhang.activities.models import Activity, Attendance, CustomsReform
from sanzhang.activities.services import activities as svc
from sanzhang.activities.services import meetings
from sanzhang.api.auth import token_create
from sanzhang.core.models import AuditEvent

from .conftest import N1


def _client(world, username):
    client = Client()
    client.force_login(world.users[username])
    return client


def _api(world, username):
    token = token_create(user=world.users[username], name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def lecture(world):
    activity, _ = svc.activity_create(
        by=world.users["nchief"],
        client_key=uuid.uuid4(),
        unit=world.unit(N1),
        kind="micro_lecture",
        title='=HYPERLINK("http://x")',
        held_on=timezone.localdate(),
        leaflets=30,
    )
    return activity


@pytest.fixture
def meeting(world):
    m, _ = meetings.meeting_create(
        by=world.users["area"],
        client_key=uuid.uuid4(),
        unit=world.unit("T1-V1-A1"),
        kind="council",
        held_on=timezone.localdate(),
    )
    return m


# N1's lecture: seen by those whose subtree holds N1, and by N1's residents (invited).
@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("nchief", 200),
        ("group", 200),
        ("area", 200),
        ("cadre", 200),
        ("admin", 200),
        ("station", 200),
        ("resident", 200),
        ("nobody", 404),
    ],
)
def test_activity_page_follows_the_scope(world, lecture, username, status):
    client = _client(world, username)
    assert client.get(f"/activities/{lecture.pk}/").status_code == status
    api = _api(world, username)
    assert api.get(f"/api/v1/activities/{lecture.pk}").status_code == status
    listed = [a["id"] for a in api.get("/api/v1/activities").json()]
    assert (lecture.pk in listed) == (status == 200)


def test_resident_sees_no_attendee_names_and_no_code(world, lecture):
    head = world.households[N1][0].head
    svc.attendance_set(
        activity=lecture, by=world.users["nchief"], people=[f"r{head.pk}"]
    )
    page = _client(world, "resident").get(f"/activities/{lecture.pk}/").content.decode()
    assert head.name not in page or "attendee-names" not in page
    assert lecture.checkin_code not in page
    chief_page = (
        _client(world, "nchief").get(f"/activities/{lecture.pk}/").content.decode()
    )
    assert lecture.checkin_code in chief_page


def test_other_neighbourhood_chief_gets_404(world, lecture):
    from sanzhang.org.models import Post, Role
    from sanzhang.org.tests.factories import make_user

    head = world.households["T1-V1-A1-G1-N2"][0].head
    user = make_user("n2chief", resident=head)
    Post.objects.create(
        role=Role.NEIGHBORHOOD_CHIEF,
        unit=world.unit("T1-V1-A1-G1-N2"),
        township_id=world.townships[0].pk,
        resident=head,
        holder_name=head.name,
        started_on=timezone.localdate() - timedelta(days=3),
    )
    client = Client()
    client.force_login(user)
    assert client.get(f"/activities/{lecture.pk}/").status_code == 404
    assert (
        client.post(
            f"/activities/{lecture.pk}/edit/", {"what": "summary", "summary": "x"}
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("area", 200),
        ("cadre", 200),
        ("admin", 200),
        ("station", 200),
        ("nchief", 404),
        ("group", 404),
        ("resident", 404),
        ("nobody", 404),
    ],
)
def test_meeting_page_follows_the_scope(world, meeting, username, status):
    assert (
        _client(world, username).get(f"/activities/meetings/{meeting.pk}/").status_code
        == status
    )
    assert (
        _api(world, username).get(f"/api/v1/meetings/{meeting.pk}").status_code
        == status
    )


@pytest.mark.parametrize(
    "url",
    [
        "/activities/",
        "/activities/checkin/",
        "/activities/customs/",
        "/activities/meetings/",
        "/activities/patrols/",
    ],
)
@pytest.mark.parametrize("username", ["nchief", "admin", "resident", "nobody"])
def test_ledgers_open_for_signed_in_users(world, url, username):
    assert _client(world, username).get(url).status_code == 200


def test_forms_for_recorders_only(world):
    for url in (
        "/activities/new/",
        "/activities/customs/new/",
        "/activities/meetings/new/",
        "/activities/patrols/new/",
    ):
        assert _client(world, "nchief").get(url).status_code == 200
        assert _client(world, "resident").get(url).status_code == 404


def test_anonymous_is_sent_to_login():
    response = Client().get("/activities/")
    assert response.status_code == 302


def test_chief_records_from_the_phone_form(world):
    client = _client(world, "nchief")
    key = str(uuid.uuid4())
    form = {
        "client_key": key,
        "unit": world.unit(N1).pk,
        "kind": "micro_lecture",
        "held_on": timezone.localdate().isoformat(),
        "leaflets": "12",
        "unlisted_count": "1",
    }
    response = client.post("/activities/new/", form)
    assert response.status_code == 302
    again = client.post("/activities/new/", form)
    assert again.status_code == 302
    assert Activity.objects.filter(client_key=key).count() == 1
    future = {**form, "client_key": str(uuid.uuid4()), "held_on": "2999-01-01"}
    bad = client.post("/activities/new/", future)
    assert bad.status_code == 400
    assert "活动日期不能晚于今天" in bad.content.decode()
    outside = {**form, "client_key": str(uuid.uuid4()), "unit": world.unit("T1-V1").pk}
    assert client.post("/activities/new/", outside).status_code == 400


def test_self_checkin_page(world, lecture):
    client = _client(world, "resident")
    ok = client.post("/activities/checkin/", {"code": lecture.checkin_code})
    assert "签到成功" in ok.content.decode()
    bad = client.post("/activities/checkin/", {"code": "12345x"})
    assert bad.status_code == 400
    assert Attendance.objects.filter(activity=lecture).count() == 1


def test_customs_page_refuses_households_outside(world):
    client = _client(world, "nchief")
    outside = world.households["T1-V1-A1-G1-N2"][0]
    response = client.post(
        "/activities/customs/new/",
        {
            "client_key": str(uuid.uuid4()),
            "household": outside.pk,
            "event": "wedding",
            "outcome": "cancelled",
            "talked_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 400
    assert "该户不在您的管辖范围内" in response.content.decode()
    assert CustomsReform.objects.count() == 0


def test_export_is_audited_and_formula_safe(world, lecture):
    before = AuditEvent.objects.filter(action="export").count()
    response = _client(world, "admin").get("/activities/?format=xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    titles = [row[2] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert titles == ['=HYPERLINK("http://x")']
    cell = ws.cell(row=2, column=3)
    assert cell.data_type == "s"
    assert AuditEvent.objects.filter(action="export").count() == before + 1


def test_ledger_filter_outside_scope_is_404(world, lecture):
    other = world.unit("T1-V2")
    assert (
        _client(world, "cadre").get(f"/activities/?unit={other.pk}").status_code == 404
    )


def test_api_create_checkin_customs_and_meeting(world):
    api = _api(world, "nchief")
    key = str(uuid.uuid4())
    body = {
        "client_key": key,
        "unit_id": world.unit(N1).pk,
        "kind": "evening_talk",
        "held_on": timezone.localdate().isoformat(),
    }
    post = lambda c, url, b: c.post(url, json.dumps(b), content_type="application/json")  # noqa: E731
    first, again = (
        post(api, "/api/v1/activities", body),
        post(api, "/api/v1/activities", body),
    )
    assert (first.status_code, again.status_code) == (201, 200)
    future = {**body, "client_key": str(uuid.uuid4()), "held_on": "2999-01-01"}
    assert post(api, "/api/v1/activities", future).json() == {
        "detail": "活动日期不能晚于今天"
    }
    outside = {**body, "client_key": str(uuid.uuid4()), "unit_id": world.unit("T2").pk}
    assert post(api, "/api/v1/activities", outside).status_code == 404

    resident = _api(world, "resident")
    code = first.json()["checkin_code"]
    checked = post(resident, "/api/v1/activities/checkin", {"code": code})
    assert checked.json()["person_times"] == 1
    assert (
        post(resident, "/api/v1/activities/checkin", {"code": "999999x"}).status_code
        == 400
    )

    customs_body = {
        "client_key": str(uuid.uuid4()),
        "household_id": world.households[N1][0].pk,
        "event": "funeral",
        "outcome": "scaled_down",
        "talked_on": timezone.localdate().isoformat(),
    }
    assert post(api, "/api/v1/customs-reforms", customs_body).status_code == 201
    far = {
        **customs_body,
        "client_key": str(uuid.uuid4()),
        "household_id": world.households["T1-V2-A1-G1-N1"][0].pk,
    }
    assert post(api, "/api/v1/customs-reforms", far).json() == {
        "detail": "该户不在您的管辖范围内"
    }
    meeting = {
        "client_key": str(uuid.uuid4()),
        "unit_id": world.unit(N1).pk,
        "kind": "chiefs",
        "held_on": timezone.localdate().isoformat(),
        "agenda": ["秋收防火"],
    }
    made = post(api, "/api/v1/meetings", meeting)
    assert made.status_code == 201
    assert [a["title"] for a in made.json()["agenda"]] == ["秋收防火"]


def test_openapi_documents_the_routes(world):
    spec = _client(world, "admin").get("/api/v1/openapi.json").json()
    for route in (
        "/api/v1/activities",
        "/api/v1/activities/checkin",
        "/api/v1/customs-reforms",
        "/api/v1/meetings",
    ):
        assert route in spec["paths"]


@pytest.mark.parametrize(
    ("username", "status"),
    [("nchief", 200), ("cadre", 200), ("resident", 200), ("nobody", 404)],
)
def test_volunteer_page_per_role(world, username, status):
    client = _client(world, username)
    assert client.get("/activities/volunteer/").status_code == status
    other_village = world.unit("T1-V2")
    assert (
        client.get(f"/activities/volunteer/?unit={other_village.pk}").status_code == 404
    )


def test_resident_signs_up_on_the_page(world):
    client = _client(world, "resident")
    village = world.unit("T1-V1")
    friday = svc.next_friday(timezone.localdate())
    response = client.post(
        "/activities/volunteer/",
        {"unit": village.pk, "date": friday.isoformat(), "what": "signup"},
    )
    assert response.status_code == 302
    activity = Activity.objects.get(unit=village, kind="volunteer_day", held_on=friday)
    assert activity.signups.get().resident_id == world.users["resident"].resident_id
