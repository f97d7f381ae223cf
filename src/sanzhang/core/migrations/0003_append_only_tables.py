"""Move the audit table's triggers to the shared append-only helper (core.append_only),
which also guards the case timeline; the old trigger names are dropped first."""

from django.db import migrations

from sanzhang.core import append_only

OLD_SQLITE = ["DROP TRIGGER IF EXISTS audit_no_update;", "DROP TRIGGER IF EXISTS audit_no_delete;"]
OLD_POSTGRES = [
    "DROP TRIGGER IF EXISTS audit_no_truncate ON core_auditevent;",
    "DROP TRIGGER IF EXISTS audit_no_change ON core_auditevent;",
]


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for sql in OLD_POSTGRES if connection.vendor == "postgresql" else OLD_SQLITE:
            cursor.execute(sql)
    append_only.lock(connection, "core_auditevent")


def backwards(apps, schema_editor):
    append_only.unlock(schema_editor.connection, "core_auditevent")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
