"""core.db's writers store the same values the ORM would, on both databases."""

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from sanzhang.core.db import hot_cursor, insert_family, insert_rows, update_rows
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


def _family(world, code: str, names: list[str]) -> tuple[Household, list[Resident]]:
    near = world.households["T1-V2-A1-G1-N1"][0]
    household = Household(
        township_id=near.township_id,
        village_id=near.village_id,
        area_id=near.area_id,
        villager_group_id=near.villager_group_id,
        neighborhood_id=near.neighborhood_id,
        code=code,
        address="测试村一组 9 号",
    )
    members = [
        Resident(
            household=household,
            township_id=near.township_id,
            name=name,
            relation="child",
            sex="F",
            birth_date=date(2001, 2, 3 + i),
            id_number_sealed=bytes([i, 7]),
        )
        for i, name in enumerate(names)
    ]
    return household, members


def test_insert_family_writes_the_row_and_its_children_in_order(world):
    household, members = _family(world, "FAM-1", ["长女", "次女", "三女"])
    insert_family(household, members)
    assert household.pk is not None
    assert [m.household_id for m in members] == [household.pk] * 3
    ids = [m.pk for m in members]
    assert ids == sorted(ids)
    stored = list(Resident.objects.filter(household_id=household.pk).order_by("pk"))
    assert [
        (r.pk, r.name, r.birth_date, bytes(r.id_number_sealed)) for r in stored
    ] == [
        (ids[0], "长女", date(2001, 2, 3), bytes([0, 7])),
        (ids[1], "次女", date(2001, 2, 4), bytes([1, 7])),
        (ids[2], "三女", date(2001, 2, 5), bytes([2, 7])),
    ]
    # auto_now fields are filled as save() would fill them.
    assert Household.objects.get(pk=household.pk).created_at is not None


def test_a_refused_family_writes_nothing_and_the_transaction_goes_on(world):
    first, members = _family(world, "FAM-2", ["甲"])
    insert_family(first, members)
    with transaction.atomic():
        again, others = _family(world, "FAM-2", ["乙", "丙"])  # the code is taken
        with pytest.raises(IntegrityError):
            insert_family(again, others)
        # Still usable: the refused statement did not abort the caller's transaction.
        assert Household.objects.filter(code="FAM-2").count() == 1
    assert not Resident.objects.filter(name__in=["乙", "丙"]).exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements: PostgreSQL"
)
def test_hot_cursor_prepares_a_long_statement_once(db):
    # Over 50 parameters, where psycopg stops caching its own conversion.
    values = ", ".join(["%s"] * 60)
    sql = f"SELECT 'hot-cursor-probe', ARRAY[{values}]::int[]"
    for run in range(7):
        params = [run * 100 + i for i in range(60)]
        params[3] = None if run == 4 else params[3]
        with hot_cursor() as cursor:
            cursor.execute(sql, params)
            assert cursor.fetchone()[1] == params
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements "
            "WHERE statement LIKE %s AND statement NOT LIKE %s",
            ["%hot-cursor-probe%", "%pg_prepared_statements%"],
        )
        assert cursor.fetchone()[0] >= 1
