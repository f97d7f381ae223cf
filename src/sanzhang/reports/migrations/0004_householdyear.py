"""Each household's first and last visit per calendar year (HouseholdYear), kept by
triggers on visits_visit and filled from the visits already recorded
(reports/rollup.py)."""

from django.db import migrations, models


def install(apps, schema_editor):
    from sanzhang.reports import rollup

    rollup.install(schema_editor.connection, [rollup.HOUSEHOLD_YEARS])


def uninstall(apps, schema_editor):
    from sanzhang.reports import rollup

    rollup.uninstall(schema_editor.connection, [rollup.HOUSEHOLD_YEARS])


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_relaycount"),
        ("visits", "0001_visits"),
    ]

    operations = [
        migrations.CreateModel(
            name="HouseholdYear",
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
                ("household_id", models.BigIntegerField()),
                ("year", models.IntegerField()),
                ("first_on", models.DateField(null=True)),
                ("last_on", models.DateField(null=True)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("household_id", "year"),
                        name="householdyear_key_uniq",
                    )
                ],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
