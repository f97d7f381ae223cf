"""`sanzhang reports_rollup`: put the visits rollup's triggers back and refill it from
the visits (after a migration rebuilt visits_visit on SQLite, which drops triggers);
`--check` only says whether the rollup is in use."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from sanzhang.reports import rollup
from sanzhang.reports.models import VisitDay


class Command(BaseCommand):
    help = "重建走访汇总表及其触发器 / Rebuild the visits rollup and its triggers."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="only report")

    def handle(self, *args, **options):
        if not options["check"]:
            started = time.perf_counter()
            rollup.install()
            took = time.perf_counter() - started
            self.stdout.write(
                f"rebuilt {VisitDay.objects.count()} rows in {took:.1f} s"
            )
        state = "in use" if rollup.ready() else "NOT in use (triggers missing)"
        self.stdout.write(f"visits rollup: {state}")
