"""Chinese full-text search over cases (FTS5 trigram / pg_trgm) and the append-only
timeline."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from sanzhang.cases.models import Case, CaseEvent
from sanzhang.cases.selectors import CaseFilter, case_list


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


def test_search_follows_edits_of_the_text(world, report):
    case = report(text="池塘边护栏损坏")
    Case.objects.filter(pk=case.pk).update(search_text="桥头排水沟堵塞")
    assert _found(world, "排水沟") == {case.pk}
    assert _found(world, "护栏损坏") == set()


def test_search_quotes_are_harmless(world, report):
    case = report(text='他说"围墙倒了"要赶紧修')
    assert _found(world, '"围墙倒了"') == {case.pk}
    assert _found(world, 'AND OR NOT "') == set()


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
