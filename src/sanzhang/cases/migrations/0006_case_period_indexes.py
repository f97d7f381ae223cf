"""Indexes for reading cases by period at county scale (bench/cases, bench/reports,
bench/visits with 1M cases).

- (township, created_at) and (township, resolved_at): the report's and dashboards'
  figures count a township's cases created / resolved in a period; the existing
  (township, status) index makes that a scan of all the township's years of cases.
- (reported_by, created_at): the quiet-chiefs list asks, per chief, "any case recorded
  since D?"; with the single-column reported_by index SQLite's planner judges the
  column unselective (many cases have no reporter) and scans every case per chief.

Plain SQL with no model state: cases/models.py is owned by the cases app, and adding
these to its Meta.indexes (same names and columns) is the tidy follow-up; until then
`makemigrations` sees no change either way.
"""

from django.db import migrations

INDEXES = {
    "case_twp_created_idx": ("township_id", "created_at"),
    "case_twp_resolved_idx": ("township_id", "resolved_at"),
    "case_reporter_idx": ("reported_by_id", "created_at"),
}


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_urgent_cases")]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON cases_case ({', '.join(cols)})",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, cols in INDEXES.items()
    ]
