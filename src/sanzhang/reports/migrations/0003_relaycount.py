"""The notice relays rollup (RelayCount) with its triggers on notices_noticerelay,
filled from the relays already written (reports/rollup.py)."""

from django.db import migrations, models


def install(apps, schema_editor):
    from sanzhang.reports import rollup

    rollup.install(schema_editor.connection, [rollup.RELAYS])


def uninstall(apps, schema_editor):
    from sanzhang.reports import rollup

    rollup.uninstall(schema_editor.connection, [rollup.RELAYS])


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_visitday"),
        ("notices", "0003_relay_notice_household_no_fk"),
    ]

    operations = [
        migrations.CreateModel(
            name="RelayCount",
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
                ("notice_id", models.BigIntegerField()),
                ("township_id", models.BigIntegerField()),
                ("village_id", models.BigIntegerField()),
                ("relays", models.BigIntegerField(default=0)),
                ("relayed", models.BigIntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("notice_id", "township_id", "village_id"),
                        name="relaycount_key_uniq",
                    )
                ],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
