"""Chinese full-text search over cases, and the case timeline made append-only.

SQLite: an FTS5 table with the trigram tokenizer over `search_text` (external content,
kept in step by triggers), so any substring of three characters or more is an index
look-up; Chinese needs no word segmentation that way. PostgreSQL: a pg_trgm GIN index,
which serves the same `LIKE '%...%'` substring filter.
"""

from django.db import migrations

from sanzhang.core import append_only

SQLITE = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS cases_case_fts USING fts5(
         search_text, content='cases_case', content_rowid='id', tokenize='trigram')""",
    """CREATE TRIGGER IF NOT EXISTS cases_case_fts_ai AFTER INSERT ON cases_case BEGIN
         INSERT INTO cases_case_fts(rowid, search_text) VALUES (new.id, new.search_text);
       END""",
    """CREATE TRIGGER IF NOT EXISTS cases_case_fts_ad AFTER DELETE ON cases_case BEGIN
         INSERT INTO cases_case_fts(cases_case_fts, rowid, search_text)
         VALUES ('delete', old.id, old.search_text);
       END""",
    """CREATE TRIGGER IF NOT EXISTS cases_case_fts_au
         AFTER UPDATE OF search_text ON cases_case BEGIN
         INSERT INTO cases_case_fts(cases_case_fts, rowid, search_text)
         VALUES ('delete', old.id, old.search_text);
         INSERT INTO cases_case_fts(rowid, search_text) VALUES (new.id, new.search_text);
       END""",
    "INSERT INTO cases_case_fts(cases_case_fts) VALUES ('rebuild')",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS cases_case_fts_ai",
    "DROP TRIGGER IF EXISTS cases_case_fts_ad",
    "DROP TRIGGER IF EXISTS cases_case_fts_au",
    "DROP TABLE IF EXISTS cases_case_fts",
]
POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """CREATE INDEX IF NOT EXISTS cases_case_search_trgm
         ON cases_case USING gin (search_text gin_trgm_ops)""",
]
POSTGRES_REVERSE = ["DROP INDEX IF EXISTS cases_case_search_trgm"]


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    pg = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for sql in POSTGRES if pg else SQLITE:
            cursor.execute(sql)
    append_only.lock(connection, "cases_caseevent")


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    append_only.unlock(connection, "cases_caseevent")
    pg = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for sql in POSTGRES_REVERSE if pg else SQLITE_REVERSE:
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_case_loop"), ("core", "0003_append_only_tables")]
    operations = [migrations.RunPython(forwards, backwards)]
