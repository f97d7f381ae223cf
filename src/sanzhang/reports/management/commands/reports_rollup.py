"""`sanzhang reports_rollup`: put the rollups' triggers back and refill them from their
source tables (after a migration rebuilt visits_visit or notices_noticerelay on
SQLite, which drops triggers); `--check` only says whether each rollup is in use."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import connection

from sanzhang.reports import rollup


class Command(BaseCommand):
    help = "重建统计汇总表及其触发器 / Rebuild the reports' rollups and their triggers."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="only report")

    def handle(self, *args, **options):
        for r in rollup.ALL:
            if not options["check"]:
                started = time.perf_counter()
                rollup.install(rollups=[r])
                took = time.perf_counter() - started
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT COUNT(*) FROM {r.table}")  # noqa: S608
                    rows = cursor.fetchone()[0]
                self.stdout.write(f"{r.name}: rebuilt {rows} rows in {took:.1f} s")
        ready = rollup.ready_names()
        for r in rollup.ALL:
            state = "in use" if r.name in ready else "NOT in use (triggers missing)"
            self.stdout.write(f"{r.name} rollup: {state}")
