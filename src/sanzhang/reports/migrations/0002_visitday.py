"""The visits rollup (VisitDay) with its triggers on visits_visit, filled from the
visits already recorded (reports/rollup.py)."""

from django.db import migrations, models


def install(apps, schema_editor):
    from sanzhang.reports import rollup

    rollup.install(schema_editor.connection, [rollup.VISITS])


def uninstall(apps, schema_editor):
    from sanzhang.reports import rollup

    rollup.uninstall(schema_editor.connection, [rollup.VISITS])


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("visits", "0001_visits"),
    ]

    operations = [
        migrations.CreateModel(
            name="VisitDay",
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
                ("township_id", models.BigIntegerField()),
                ("village_id", models.BigIntegerField()),
                ("day", models.DateField()),
                ("visits", models.BigIntegerField(default=0)),
                ("people_served", models.BigIntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("township_id", "village_id", "day"),
                        name="visitday_key_uniq",
                    )
                ],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
