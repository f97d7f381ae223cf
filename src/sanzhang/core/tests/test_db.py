"""insert_rows / update_rows write the same values the ORM would, on both databases."""

from datetime import date

from django.utils import timezone

from sanzhang.core.db import insert_rows, update_rows
from sanzhang.org.models import Household, Resident


def test_insert_and_update_round_trip(world):
    hh = world.households["T1-V2-A1-G1-N1"][0]
    now = timezone.now()
    people = [
        Resident(
            household=hh,
            township_id=hh.township_id,
            name=f"测试{'甲乙丙'[i]}",
            relation="child",
            sex="F",
            birth_date=date(2001, 2, 3 + i),
            id_number_sealed=bytes([i, 0, 255]),
            created_at=now,
            updated_at=now,
        )
        for i in range(3)
    ]
    fields = [
        "name",
        "relation",
        "sex",
        "birth_date",
        "id_number_sealed",
        "is_party_member",
        "id_number_masked",
        "phone_masked",
        "household",
        "township",
        "is_active",
        "version",
        "created_at",
        "updated_at",
    ]
    assert insert_rows(Resident, fields, people) == 3
    stored = list(Resident.objects.filter(name__startswith="测试").order_by("name"))
    assert [
        (r.name, r.birth_date, bytes(r.id_number_sealed), r.created_at) for r in stored
    ] == [
        ("测试丙", date(2001, 2, 5), bytes([2, 0, 255]), now),
        ("测试乙", date(2001, 2, 4), bytes([1, 0, 255]), now),
        ("测试甲", date(2001, 2, 3), bytes([0, 0, 255]), now),
    ]
    hh.head_id, hh.member_count = stored[0].pk, 99
    assert update_rows(Household, ["head", "member_count"], [hh]) == 1
    hh.refresh_from_db()
    assert (hh.head_id, hh.member_count) == (stored[0].pk, 99)
    assert update_rows(Household, ["member_count"], []) == 0
