"""SQLite search index with the township inside it.

A search is always within the townships the user holds a post in, but the first index
(0002) knew only the text: a common phrase matched tens of thousands of cases across
the county, which SQLite then had to intersect with the township's cases (~80 ms a
query at county scale, twice per page for the count and the rows). The index is now a
contentless FTS5 table with a second column, `scope`, holding a three-character token
per township ("~" and two CJK characters encoding the id, see `scope_token` in
cases/selectors.py), so one MATCH finds the township's hits alone (<1 ms).

Each text is indexed with a trailing space, so every two-character run of a text starts
some trigram: a two-character word is then found through the index too, as the OR of
the index's terms that begin with it (the fts5vocab table lists them).

Contentless: the rows are the triggers' copies, so a delete must repeat the old
values, which the triggers have. PostgreSQL is unchanged (its pg_trgm index lives on
the table and the planner combines it with the township index).

Any later migration that makes SQLite rebuild cases_case (which drops triggers) must
run SQLITE again; cases/tests/test_search.py catches a miss.
"""

# ruff: noqa: S608 (the statements interpolate only the constant expression above)
from django.db import migrations

# char(19968) is 一: two characters from the 20,000 after it cover ids up to 4e8.
_SCOPE_SQL = (
    "'~' || char(19968 + {t}.township_id / 20000)"
    " || char(19968 + {t}.township_id % 20000)"
)
NEW, OLD = _SCOPE_SQL.format(t="new"), _SCOPE_SQL.format(t="old")

SQLITE = [
    "DROP TRIGGER IF EXISTS cases_case_fts_ai",
    "DROP TRIGGER IF EXISTS cases_case_fts_ad",
    "DROP TRIGGER IF EXISTS cases_case_fts_au",
    "DROP TABLE IF EXISTS cases_case_fts_vocab",
    "DROP TABLE IF EXISTS cases_case_fts",
    """CREATE VIRTUAL TABLE cases_case_fts USING fts5(
         search_text, scope, content='', tokenize='trigram')""",
    # The index's terms, for two-character words (see case_search).
    "CREATE VIRTUAL TABLE cases_case_fts_vocab USING fts5vocab(cases_case_fts, 'row')",
    f"""CREATE TRIGGER cases_case_fts_ai AFTER INSERT ON cases_case BEGIN
         INSERT INTO cases_case_fts(rowid, search_text, scope)
         VALUES (new.id, new.search_text || ' ', {NEW});
       END""",
    f"""CREATE TRIGGER cases_case_fts_ad AFTER DELETE ON cases_case BEGIN
         INSERT INTO cases_case_fts(cases_case_fts, rowid, search_text, scope)
         VALUES ('delete', old.id, old.search_text || ' ', {OLD});
       END""",
    f"""CREATE TRIGGER cases_case_fts_au
         AFTER UPDATE OF search_text, township_id ON cases_case BEGIN
         INSERT INTO cases_case_fts(cases_case_fts, rowid, search_text, scope)
         VALUES ('delete', old.id, old.search_text || ' ', {OLD});
         INSERT INTO cases_case_fts(rowid, search_text, scope)
         VALUES (new.id, new.search_text || ' ', {NEW});
       END""",
    "INSERT INTO cases_case_fts(rowid, search_text, scope) SELECT id, search_text || ' ', "
    + _SCOPE_SQL.format(t="cases_case")
    + " FROM cases_case",
]


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for sql in SQLITE:
            cursor.execute(sql)


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    import importlib

    first = importlib.import_module(
        "sanzhang.cases.migrations.0002_search_index_and_append_only_events"
    )
    with connection.cursor() as cursor:
        for sql in SQLITE[:5] + first.SQLITE:
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_report_covering_indexes")]
    operations = [migrations.RunPython(forwards, backwards)]
