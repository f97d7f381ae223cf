"""Writing spreadsheet cells safely: the one home for every .xlsx export.

openpyxl reads a str starting with "=" as a formula, and spreadsheet programs act on
"+", "-" and "@" too: a resident's note must never run as one. Text is written as
text; numbers stay numbers so a township can add them up.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Font

_RISKY = ("=", "+", "-", "@")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def text_cell(ws: Any, row: int, col: int, value: object, *, bold: bool = False) -> Any:
    """Write `value` at (row, col) of a normal sheet; blanks stay empty."""
    cell = ws.cell(row=row, column=col)
    if value is None or value == "":
        return cell
    if _is_number(value):
        cell.value = value
    else:
        cell.value = str(value)
        cell.data_type = TYPE_STRING
    if bold:
        cell.font = Font(bold=True)
    return cell


def stream_value(ws: Any, value: object) -> object:
    """A value for a write-only sheet's row: risky text wrapped as a plain-text cell
    (only those: a cell object per value would cost most of the export's time)."""
    if isinstance(value, str) and value.startswith(_RISKY):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = TYPE_STRING
        return cell
    return value
