"""Volunteer hours per activity (ActivityHours) with its triggers on
activities_attendance, filled from the attendance already recorded
(reports/rollup.py)."""

from django.db import migrations, models


def install(apps, schema_editor):
    from sanzhang.reports import rollup

    rollup.install(schema_editor.connection, [rollup.ACTIVITY_HOURS])


def uninstall(apps, schema_editor):
    from sanzhang.reports import rollup

    rollup.uninstall(schema_editor.connection, [rollup.ACTIVITY_HOURS])


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_householdyear"),
        ("activities", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="ActivityHours",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("activity_id", models.BigIntegerField(unique=True)),
                (
                    "hours",
                    models.DecimalField(decimal_places=1, default=0, max_digits=12),
                ),
            ],
        ),
        migrations.RunPython(install, uninstall),
    ]
