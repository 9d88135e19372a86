"""A small Excel (XLSX) writer for report exports, on openpyxl.

A workbook is a list of :class:`Sheet`: each has a title row, an optional note, a bold header row that stays in view
when scrolling (frozen panes), column widths, and number formats by kind of column: whole numbers and đồng with
thousand grouping (``#,##0``), shares as percentages, changes in percentage points with their sign. Excel shows the
grouping and decimal separators of the reader's own locale (``1.250.000`` in a Vietnamese Excel).

Text cells are always written as text, never as formulas: a commune or household name that starts with ``=``, ``+``,
``-`` or ``@`` cannot run as a formula in the reader's spreadsheet (CSV/formula injection).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

__all__ = ["FORMATS", "XLSX_CONTENT_TYPE", "Column", "Sheet", "workbook_bytes", "workbook_response"]

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: Number formats by kind of column.
FORMATS = {
    "text": "@",
    "int": "#,##0",
    "vnd": "#,##0",  # whole đồng
    "percent": "0.0%",  # values are shares: 0.125 → 12.5%
    "percent2": "0.00%",
    "points": "+0.00;-0.00;0.00",  # a change in percentage points
    "decimal": "0.000",
    "date": "dd/mm/yyyy",
}
HEADER_FILL = PatternFill("solid", fgColor="E8F1EC")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"  # a key of FORMATS
    width: float | None = None  # in characters; None: from the longest value (10-60)

    def __post_init__(self) -> None:
        if self.kind not in FORMATS:
            raise ValueError(f"unknown column kind {self.kind!r}; expected one of {sorted(FORMATS)}")


@dataclass
class Sheet:
    name: str  # the tab's name (cut to 31 characters, without []:*?/\)
    title: str  # the first row, in bold
    columns: Sequence[Column]
    rows: Sequence[Sequence] = field(default_factory=list)
    note: str = ""  # an optional second row (source, denominators, parameters)


def _sheet_name(name: str, taken: set[str]) -> str:
    base = _SHEET_NAME_BAD.sub(" ", name).strip().strip("'") or "Sheet"
    base = base[:31]
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(candidate.lower())
    return candidate


def _display_length(value) -> int:
    if value is None:
        return 0
    if isinstance(value, float):
        return len(f"{value:,.2f}")
    if isinstance(value, int):
        return len(f"{value:,}")
    return max((len(line) for line in str(value).splitlines()), default=0)


def workbook_bytes(sheets: Sequence[Sheet], *, creator: str = "Sinh Kế") -> bytes:
    """The XLSX file of ``sheets``, as bytes."""
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = creator
    taken: set[str] = set()
    for sheet in sheets:
        ws = wb.create_sheet(_sheet_name(sheet.name, taken))
        row = 1
        ws.cell(row=row, column=1, value=sheet.title).font = Font(bold=True, size=14)
        ws.cell(row=row, column=1).data_type = "s"
        if sheet.note:
            row += 1
            note = ws.cell(row=row, column=1, value=sheet.note)
            note.data_type = "s"
            note.font = Font(italic=True, color="505A5F")
        row += 2
        header_row = row
        for c, column in enumerate(sheet.columns, start=1):
            cell = ws.cell(row=header_row, column=c, value=column.header)
            cell.data_type = "s"
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left" if c == 1 else "center")
        for values in sheet.rows:
            row += 1
            for c, (column, value) in enumerate(zip(sheet.columns, values, strict=False), start=1):
                _write(ws.cell(row=row, column=c), value, column)
        ws.freeze_panes = ws.cell(row=header_row + 1, column=2 if len(sheet.columns) > 1 else 1)
        for c, column in enumerate(sheet.columns, start=1):
            width = column.width
            if width is None:
                longest = max(
                    [_display_length(column.header), *(_display_length(v[c - 1]) for v in sheet.rows if len(v) >= c)]
                )
                width = min(max(longest + 2, 10), 60)
            ws.column_dimensions[get_column_letter(c)].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _write(cell, value, column: Column) -> None:
    if value is None or value == "":
        return
    if isinstance(value, str) or column.kind == "text":
        cell.value = str(value)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        return
    if isinstance(value, datetime | date):
        cell.value = value
        cell.number_format = FORMATS["date"]
        return
    cell.value = value
    cell.number_format = FORMATS[column.kind]


def workbook_response(sheets: Sequence[Sheet], *, filename: str) -> HttpResponse:
    """An attachment response with the workbook, the XLSX content type and ``filename``.

    The file name may hold Vietnamese letters: the header carries an ASCII fallback and the UTF-8 name (RFC 6266).
    """
    if not filename.lower().endswith(".xlsx"):
        filename += ".xlsx"
    response = HttpResponse(workbook_bytes(sheets), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
