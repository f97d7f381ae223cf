"""The county report: every figure of the township report, for every township of the
installation side by side, and the county's total.

The tree's roots are townships and an installation holds one county's townships, so
the county is "all active townships" (metrics.County). All figures come from
`grouped.compute` grouped by township: one query per family of figures for the whole
county (not one report per township), and the county's total is the townships' parts
added up before the rates are taken.

Used by `sanzhang county_report` (text or .xlsx) and bench/reports/bench_report.py.
No page shows it yet: that needs a county-level viewer (org owns the roles).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook

from sanzhang.core.xlsx import text_cell
from sanzhang.org.models import Unit

from . import grouped
from .metrics import REGISTRY, County, Number
from .period import Period
from .selectors import REPORT_LAYOUT, show

REPORT_IDS: tuple[str, ...] = tuple(i for _title, ids in REPORT_LAYOUT for i in ids)


@dataclass
class CountyReport:
    period: Period
    townships: list[Unit]
    rows: dict[int, dict[str, Number]]  # township pk -> figure id -> value
    total: dict[str, Number]

    def row(self, township: Unit) -> dict[str, Number]:
        got = self.rows.get(township.pk)
        if got is None:  # a township without a single record or unit below it
            return {i: 0.0 if REGISTRY[i].is_rate else 0 for i in REPORT_IDS}
        return got


def county_report(period: Period, county: County | None = None) -> CountyReport:
    county = county or County.of_installation()
    result = grouped.compute(county, period, REPORT_IDS, by="township_id")
    townships = list(
        Unit.objects.filter(pk__in=county.township_ids).order_by("sort_order", "id")
    )
    return CountyReport(period, townships, result.groups, result.total)


def county_table(report: CountyReport) -> tuple[list[str], list[list[Any]]]:
    """Header and rows (one per township, then 合计), figures as the report shows
    them (rates as percentages)."""
    header = ["乡镇", *(str(REGISTRY[i].name) for i in REPORT_IDS)]
    rows = [
        [t.name, *(show(REGISTRY[i], report.row(t)[i]) for i in REPORT_IDS)]
        for t in report.townships
    ]
    rows.append(["合计", *(show(REGISTRY[i], report.total[i]) for i in REPORT_IDS)])
    return header, rows


def county_xlsx(report: CountyReport) -> bytes:
    """One sheet: townships down, figures across (with their units), the county total
    last; numbers stay numbers (rates 0-1 formatted as percentages)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "全县汇总"
    text_cell(ws, 1, 1, f"三长制工作报表（全县） {report.period.label()}", bold=True)
    text_cell(ws, 2, 1, "乡镇", bold=True)
    for col, i in enumerate(REPORT_IDS, start=2):
        ind = REGISTRY[i]
        text_cell(ws, 2, col, f"{ind.name}（{ind.measure}）", bold=True)
    lines = [(t.name, report.row(t)) for t in report.townships]
    lines.append(("合计", report.total))
    for r, (name, values) in enumerate(lines, start=3):
        text_cell(ws, r, 1, name, bold=name == "合计")
        for col, i in enumerate(REPORT_IDS, start=2):
            cell = text_cell(ws, r, col, values[i])
            if REGISTRY[i].is_rate:
                cell.number_format = "0.0%"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
