"""Chinese full-text search over cases (FTS5 trigram / pg_trgm) and the append-only
timeline."""

from __future__ import annotations

import uuid

import pytest
from django.db import DatabaseError, connection, transaction

from sanzhang.cases.models import Case, CaseEvent, Category
from sanzhang.cases.selectors import CaseFilter, case_list, case_search, scope_token
from sanzhang.cases.services.intake import case_report
from sanzhang.org.models import Role
from sanzhang.org.tests.factories import make_user, post


def _found(world, q: str) -> set[int]:
    return set(
        case_list(world.users["admin"], CaseFilter(q=q)).values_list("pk", flat=True)
    )


def test_search_matches_substrings_long_and_short(world, report):
    lamp = report(text="村口路灯不亮已经一周")
    water = report(category="order.1", text="自来水管爆裂，路面积水")
    assert _found(world, "路灯不亮") == {lamp.pk}  # 4 characters: the index
    assert _found(world, "路灯") == {lamp.pk}  # 2 characters: a substring check
    assert _found(world, "水") == {water.pk}
    assert _found(world, "路灯 一周") == {lamp.pk}  # every word must appear
    assert _found(world, "路灯 爆裂") == set()
    assert _found(world, "ＡＢＣ") == set()  # full-width folded, nothing matches


def test_two_character_words_are_found_anywhere_in_the_text(world, report):
    end = report(text="村口坏的是路灯")  # the word ends the text
    start = report(text="路灯杆歪了")
    alone = report(text="漏水")  # the whole text is the word
    assert _found(world, "路灯") == {end.pk, start.pk}
    assert _found(world, "漏水") == {alone.pk}
    assert _found(world, "灯杆 歪了") == {start.pk}
    assert _found(world, "电线") == set()  # in no text at all
    assert _found(world, "坏的 路灯杆") == set()  # each word, not just one
    assert _found(world, "灯") == {end.pk, start.pk}  # one character: a substring


def test_search_follows_edits_of_the_text(world, report):
    case = report(text="池塘边护栏损坏")
    Case.objects.filter(pk=case.pk).update(search_text="桥头排水沟堵塞")
    assert _found(world, "排水沟") == {case.pk}
    assert _found(world, "护栏损坏") == set()


def test_search_quotes_are_harmless(world, report):
    case = report(text='他说"围墙倒了"要赶紧修')
    assert _found(world, '"围墙倒了"') == {case.pk}
    assert _found(world, 'AND OR NOT "') == set()


def _report_in_t2(world, text: str) -> Case:
    t2_admin = make_user("t2admin-search")
    post(Role.TOWNSHIP_ADMIN, world.unit("T2"), user=t2_admin)
    return case_report(
        by=t2_admin,
        client_key=uuid.uuid4(),
        category=Category.objects.get(
            township=world.townships[1], code="environment.1"
        ),
        text=text,
        household=world.households["T2-V1-A1-G1-N1"][0],
    )[0]


def test_search_is_narrowed_to_the_users_townships_by_the_index(world, report):
    here = report(text="村口路灯不亮已经一周")
    there = _report_in_t2(world, "邻乡路灯不亮")
    t1, t2 = (t.pk for t in world.townships)
    assert _found(world, "路灯不亮") == {here.pk}  # the user's scope, on any database
    every = Case.objects.all()
    assert set(case_search(every, "路灯不亮")) == {here, there}
    assert set(case_search(every, "路灯不亮", townships=[t1, t2])) == {here, there}
    if connection.vendor == "sqlite":
        # The index itself narrows: asked for T2's hits, the whole table answers
        # with T2's case only (PostgreSQL leaves this to the scope's filter).
        assert set(case_search(every, "路灯不亮", townships=[t2])) == {there}
        assert set(case_search(every, "路灯", townships=[t2])) == {there}


def test_search_follows_a_case_moved_to_another_township(world, report):
    case = report(text="水塘护栏损坏")
    t1, t2 = (t.pk for t in world.townships)
    Case.objects.filter(pk=case.pk).update(township_id=t2)
    every = Case.objects.all()
    if connection.vendor == "sqlite":  # the index's own township token moved too
        assert set(case_search(every, "护栏损坏", townships=[t1])) == set()
    assert set(case_search(every, "护栏损坏", townships=[t2])) == {case}


def test_scope_tokens_differ_and_are_one_trigram():
    tokens = {scope_token(i) for i in (1, 2, 19999, 20000, 20001, 399_999_999)}
    assert len(tokens) == 6
    assert all(len(t) == 3 and t[0] == "~" for t in tokens)
    assert scope_token(1) == "~一丁"  # 一 is U+4E00, 丁 the next code point


def test_the_index_exists_on_this_database(db):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # The table and its three triggers (a table rebuild by a later migration
            # drops triggers: see cases 0007).
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'cases_case_fts'"
                " OR (type = 'trigger' AND name LIKE 'cases_case_fts_a_')"
            )
            assert cursor.fetchone()[0] == 4
            return
        cursor.execute(
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'cases_case_search_trgm'"
        )
        assert cursor.fetchone()[0] == 1


def test_timeline_rows_cannot_be_changed_or_removed(world, report, audit_locked):
    event = CaseEvent.objects.filter(case=report()).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk).update(note="改写")
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk).delete()
    assert CaseEvent.objects.get(pk=event.pk).note == event.note
