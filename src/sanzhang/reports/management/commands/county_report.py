"""`sanzhang county_report --year 2026 [--xlsx FILE]`: the county report (every
township side by side and the county total) as a text table, JSON or .xlsx."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sanzhang.core.clock import today
from sanzhang.reports.county import REPORT_IDS, county_report, county_table, county_xlsx
from sanzhang.reports.period import BadPeriod, Period, period_from


class Command(BaseCommand):
    help = "全县三长制工作报表（各乡镇并列及合计） / The county report."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="a calendar year, e.g. 2026")
        parser.add_argument("--start", help="first day YYYY-MM-DD (instead of --year)")
        parser.add_argument("--end", help="last day YYYY-MM-DD (instead of --year)")
        parser.add_argument("--xlsx", help="write the report to this .xlsx file")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **options):
        period = self._period(options)
        started = time.perf_counter()
        report = county_report(period)
        took = time.perf_counter() - started
        if options["xlsx"]:
            Path(options["xlsx"]).write_bytes(county_xlsx(report))
            self.stderr.write(f"{options['xlsx']} ({len(report.townships)} 乡镇)")
        if options["json"]:
            out = {
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                "townships": [
                    {"id": t.pk, "name": t.name, **report.row(t)}
                    for t in report.townships
                ],
                "total": {i: report.total[i] for i in REPORT_IDS},
                "seconds": round(took, 3),
            }
            self.stdout.write(json.dumps(out, ensure_ascii=False, default=float))
        elif not options["xlsx"]:
            header, rows = county_table(report)
            for row in zip(
                header, *rows, strict=True
            ):  # figures down, townships across
                self.stdout.write("\t".join(str(c) for c in row))
        self.stderr.write(f"{period.label()}: {took:.2f} s")

    def _period(self, options) -> Period:
        try:
            if options["year"]:
                # This year's report runs to today (the 30-day coverage ends then).
                y, now = options["year"], today()
                end = min(date(y, 12, 31), now) if y == now.year else date(y, 12, 31)
                return period_from(f"{y}-01-01", end.isoformat(), today=now)
            if options["start"] or options["end"]:
                return period_from(options["start"], options["end"], today=today())
        except BadPeriod as exc:
            raise CommandError(str(exc)) from None
        return period_from(None, None, today=today())
