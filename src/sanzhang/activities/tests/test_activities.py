"""Activities: person_times, attendance by list and by code, population ceiling,
volunteer days and hours, photos; every bad input refused with nothing changed."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image

from sanzhang.activities.models import Activity, ActivityPhoto, Attendance
from sanzhang.activities.services import activities as svc
from sanzhang.core.errors import DomainError, NotAllowed, NotFound

from .conftest import N1


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def lecture(world, key):
    def make(unit_key=N1, user="nchief", held_on=None, unlisted=0, **kw):
        activity, _ = svc.activity_create(
            by=world.users[user],
            client_key=key(),
            unit=world.unit(unit_key),
            kind="micro_lecture",
            held_on=held_on or timezone.localdate(),
            leaflets=kw.pop("leaflets", 20),
            unlisted_count=unlisted,
            **kw,
        )
        return activity

    return make


def test_person_times_is_rows_plus_unlisted(world, lecture):
    activity = lecture(unlisted=2)
    people = [p.key for p in svc.candidates(activity.unit)][:4]
    svc.attendance_set(activity=activity, by=world.users["nchief"], people=people)
    activity.refresh_from_db()
    # 4 ticked + 2 not on the list
    assert activity.person_times == 6
    # untick one, set unlisted to 3: 3 + 3
    svc.attendance_set(activity=activity, by=world.users["nchief"], people=people[:3])
    svc.activity_update(activity=activity, by=world.users["nchief"], unlisted_count=3)
    activity.refresh_from_db()
    assert (activity.person_times, activity.attendances.count()) == (6, 3)


def test_n1_population_is_the_ceiling(world, lecture):
    # N1 has 6 households, one resident each, plus two more in the first: 8 people.
    activity = lecture(unlisted=8)
    assert activity.person_times == 8
    people = [svc.candidates(activity.unit)[0].key]
    with pytest.raises(DomainError, match="超过"):
        svc.attendance_set(activity=activity, by=world.users["nchief"], people=people)
    activity.refresh_from_db()
    assert (activity.person_times, activity.attendances.count()) == (8, 0)


def test_bad_inputs_change_nothing(world, lecture, key):
    nb = world.unit(N1)
    chief = world.users["nchief"]
    before = Activity.objects.count()
    tomorrow = timezone.localdate() + timedelta(days=1)
    cases = [
        dict(held_on=tomorrow, kind="micro_lecture"),  # future date
        dict(held_on="2025-13-01", kind="micro_lecture"),
        dict(held_on=timezone.localdate(), kind="dance"),
        dict(held_on=timezone.localdate(), kind="micro_lecture", unlisted_count=9),
        dict(held_on=timezone.localdate(), kind="micro_lecture", leaflets=-1),
    ]
    messages = []
    for kw in cases:
        with pytest.raises(DomainError) as exc:
            svc.activity_create(by=chief, client_key=key(), unit=nb, **kw)
        messages.append(exc.value.message)
    assert messages[0] == "活动日期不能晚于今天"
    assert messages[3] == "参加人次（9）超过1邻的人口（8）"
    assert Activity.objects.count() == before
    # a neighbourhood chief may not record for the neighbouring neighbourhood
    with pytest.raises(NotFound):
        svc.activity_create(
            by=chief,
            client_key=key(),
            unit=world.unit("T1-V1-A1-G1-N2"),
            kind="micro_lecture",
            held_on=timezone.localdate(),
        )


def test_client_key_is_idempotent(world, key):
    k = key()
    args = dict(
        by=world.users["nchief"],
        client_key=k,
        unit=world.unit(N1),
        kind="cleanup",
        held_on=timezone.localdate(),
    )
    first, created = svc.activity_create(**args)
    again, created_again = svc.activity_create(**args)
    assert (created, created_again, first.pk) == (True, False, again.pk)


def test_checkin_by_code_once_and_only_that_day(world, lecture):
    activity = lecture()
    resident = world.users["resident"]
    act, created = svc.checkin_by_code(user=resident, code=activity.checkin_code)
    act2, created2 = svc.checkin_by_code(user=resident, code=activity.checkin_code)
    assert (created, created2, act2.person_times) == (True, False, 1)
    row = Attendance.objects.get(activity=activity)
    assert (row.method, row.resident_id) == ("code", resident.resident_id)
    wrong = "000000" if activity.checkin_code != "000000" else "111111"
    with pytest.raises(DomainError, match="签到码错误或已过期"):
        svc.checkin_by_code(user=resident, code=wrong)
    old = lecture(held_on=timezone.localdate() - timedelta(days=1))
    with pytest.raises(DomainError, match="签到码错误或已过期"):
        svc.checkin_by_code(user=resident, code=old.checkin_code)
    assert old.attendances.count() == 0


def test_code_of_another_township_is_refused(world, lecture):
    activity = lecture(unit_key="T1", user="admin")
    outsider = world.households["T2-V1-A1-G1-N1"][0].head
    from sanzhang.org.tests.factories import make_user

    user = make_user("t2res", resident=outsider)
    with pytest.raises(DomainError, match="签到码错误或已过期"):
        svc.checkin_by_code(user=user, code=activity.checkin_code)


def test_list_ticks_outside_the_unit_are_refused(world, lecture):
    activity = lecture()
    stranger = world.households["T1-V1-A1-G1-N2"][0].head
    with pytest.raises(DomainError, match="不在本单元名单"):
        svc.attendance_set(
            activity=activity, by=world.users["nchief"], people=[f"r{stranger.pk}"]
        )
    with pytest.raises(NotAllowed):
        svc.attendance_set(activity=activity, by=world.users["resident"], people=[])


def test_photos_checked_and_stored(world, lecture):
    activity = lecture()
    assert svc.photos_add(activity=activity, by=world.users["nchief"], uploads=[png()])
    with pytest.raises(DomainError, match="不是有效的图片"):
        svc.photos_add(activity=activity, by=world.users["nchief"], uploads=[b"nope"])
    photo = ActivityPhoto.objects.get(activity=activity)
    assert svc.photo_path(photo.file).read_bytes()[:4] == b"\x89PNG"


def test_next_friday():
    assert svc.next_friday(date(2024, 5, 17)) == date(2024, 5, 17)
    assert svc.next_friday(date(2024, 5, 18)) == date(2024, 5, 24)


def test_friday_of():
    # 2024-05-13 is a Monday; its Friday is the 17th; Sunday the 19th belongs to it too.
    assert svc.friday_of(date(2024, 5, 13)) == date(2024, 5, 17)
    assert svc.friday_of(date(2024, 5, 19)) == date(2024, 5, 17)


def test_volunteer_day_hours_per_person(world):
    village = world.unit("T1-V1")
    cadre = world.users["cadre"]
    today = timezone.localdate()
    last = svc.friday_of(today) - timedelta(days=7)
    before = last - timedelta(days=7)
    hh = world.households[N1]
    a = svc.volunteer_day_for(village, last, by=cadre)
    b = svc.volunteer_day_for(village, before, by=cadre)
    assert svc.volunteer_day_for(village, last + timedelta(days=1)).pk == a.pk
    for activity, heads, hours in (
        (a, [hh[0].head, hh[4].head], ["3", "2.5"]),
        (b, [hh[0].head], ["4"]),
    ):
        svc.attendance_set(
            activity=activity, by=cadre, people=[f"r{h.pk}" for h in heads]
        )
        rows = Attendance.objects.filter(activity=activity).order_by("id")
        svc.hours_set(
            activity=activity,
            by=cadre,
            hours={r.pk: h for r, h in zip(rows, hours, strict=True)},
        )
    table = {
        r.resident_id: (r.days, r.hours, r.is_chief)
        for r in svc.volunteer_hours(village, before, last)
    }
    # head 0: 3 + 4 over two Fridays; head 4 (the N1 chief): 2.5 on one Friday.
    assert table == {
        hh[0].head.pk: (2, Decimal("7.0"), False),
        hh[4].head.pk: (1, Decimal("2.5"), True),
    }


@pytest.mark.parametrize("bad", ["-1", "24.5", "abc", "NaN"])
def test_hours_out_of_range_are_refused(world, bad):
    village = world.unit("T1-V1")
    cadre = world.users["cadre"]
    last = svc.friday_of(timezone.localdate()) - timedelta(days=7)
    activity = svc.volunteer_day_for(village, last, by=cadre)
    head = world.households[N1][0].head
    svc.attendance_set(activity=activity, by=cadre, people=[f"r{head.pk}"])
    row = Attendance.objects.get(activity=activity)
    with pytest.raises(DomainError, match="时长"):
        svc.hours_set(activity=activity, by=cadre, hours={row.pk: bad})
    row.refresh_from_db()
    assert row.hours == 0


def test_resident_signs_up_once_for_their_village(world):
    village = world.unit("T1-V1")
    resident = world.users["resident"]
    activity = svc.volunteer_day_for(village, svc.next_friday(timezone.localdate()))
    assert svc.volunteer_signup(activity=activity, user=resident) is True
    assert svc.volunteer_signup(activity=activity, user=resident) is False
    other = svc.volunteer_day_for(world.unit("T1-V2"), activity.held_on)
    with pytest.raises(NotFound):
        svc.volunteer_signup(activity=other, user=resident)


def test_guessing_codes_stops_after_ten_misses(world, lecture):
    activity = lecture()
    resident = world.users["resident"]
    wrong = "000000" if activity.checkin_code != "000000" else "111111"
    for _ in range(svc.CHECKIN_MISSES_PER_DAY):
        with pytest.raises(DomainError, match="签到码错误或已过期"):
            svc.checkin_by_code(user=resident, code=wrong)
    with pytest.raises(DomainError, match="签到码输错次数过多"):
        svc.checkin_by_code(user=resident, code=activity.checkin_code)
    assert activity.attendances.count() == 0
    # Someone else is not held back by another's misses.
    _act, created = svc.checkin_by_code(
        user=world.users["nchief"], code=activity.checkin_code
    )
    assert created is True
