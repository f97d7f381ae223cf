"""Make the audit table append-only in the database itself (SQLite and PostgreSQL)."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON core_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
    """CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON core_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS audit_no_update;", "DROP TRIGGER IF EXISTS audit_no_delete;"]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$;""",
    "DROP TRIGGER IF EXISTS audit_no_change ON core_auditevent;",
    """CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON core_auditevent
       FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();""",
    # TRUNCATE bypasses row triggers; refuse it as well.
    "DROP TRIGGER IF EXISTS audit_no_truncate ON core_auditevent;",
    """CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON core_auditevent
       FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_no_truncate ON core_auditevent;",
    "DROP TRIGGER IF EXISTS audit_no_change ON core_auditevent;",
]


def lock(connection) -> None:
    """Install the triggers; idempotent (tests lift them to empty the database)."""
    statements = POSTGRES if connection.vendor == "postgresql" else SQLITE
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def unlock(connection) -> None:
    statements = POSTGRES_REVERSE if connection.vendor == "postgresql" else SQLITE_REVERSE
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def forwards(apps, schema_editor):
    lock(schema_editor.connection)


def backwards(apps, schema_editor):
    unlock(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_audit_event")]
    operations = [migrations.RunPython(forwards, backwards)]
