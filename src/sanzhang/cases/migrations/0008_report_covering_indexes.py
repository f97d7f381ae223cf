"""Covering indexes for counting cases by period and unit (reports.grouped: the
county report, the dashboards and the township report).

Each report family reads a period's cases of a scope and counts them per township or
village under a few conditions. With every column it reads in the index, SQLite and
PostgreSQL answer from the index alone (no table row per case): at a million cases
the county's yearly counts of cases recorded went from ~1.2 s to ~0.1 s on SQLite.

- recorded in the period: township, created_at, then village, status (merged cases
  are left out) and answered_on_spot;
- resolved in the period: township, resolved_at, then village, resolved_level,
  is_tracked, resolved_on_time, overdue_count;
- follow-ups in the period: township, at, then village, satisfaction;
- mediations that ended in the period: township, ended_at, case (the dispute rate
  starts from the mediations that ended, not from every dispute case of the scope);
- a chief's to-dos: handling_unit, status, due_at (the ten due first, without
  sorting every open case of a busy unit).

Plain SQL with no model state, as 0006: cases/models.py belongs to the cases app;
adding these to its Meta.indexes (same names and columns) is the tidy follow-up.
"""

from django.db import migrations

INDEXES = {
    "case_twp_created_cov_idx": (
        "cases_case",
        ("township_id", "created_at", "village_id", "status", "answered_on_spot"),
    ),
    "case_twp_resolved_cov_idx": (
        "cases_case",
        (
            "township_id",
            "resolved_at",
            "village_id",
            "resolved_level",
            "is_tracked",
            "resolved_on_time",
            "overdue_count",
        ),
    ),
    "followup_twp_at_cov_idx": (
        "cases_followup",
        ("township_id", "at", "village_id", "satisfaction"),
    ),
    "case_handler_due_idx": ("cases_case", ("handling_unit_id", "status", "due_at")),
    "mediation_twp_ended_idx": (
        "cases_mediation",
        ("township_id", "ended_at", "case_id"),
    ),
}


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_restore_search_triggers")]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({', '.join(cols)})",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, (table, cols) in INDEXES.items()
    ]
