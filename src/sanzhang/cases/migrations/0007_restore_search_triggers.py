"""Put back the search index's triggers on SQLite.

Adding a field with an index to cases_case (0005) makes SQLite's schema editor rebuild
the table, and a rebuilt table loses its triggers: cases written after that were not
indexed for search. This re-creates them (idempotent) and rebuilds the index from the
table. Any later migration that rebuilds cases_case must do the same; test_search.py
catches a miss.
"""

import importlib

from django.db import migrations

search = importlib.import_module(
    "sanzhang.cases.migrations.0002_search_index_and_append_only_events"
)


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return  # PostgreSQL's GIN index lives on the table and survives
    with connection.cursor() as cursor:
        for sql in search.SQLITE:  # CREATE ... IF NOT EXISTS, then 'rebuild'
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_case_period_indexes")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
