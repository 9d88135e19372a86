"""The template of the review file and the export of a commune's households, reviews and members.

Both write exactly the format ``households.imports`` reads: one header row whose cells are the Vietnamese label with
the canonical code in brackets ("Mã hộ (household_code)"), then one row per review (sheet ``reviews``) and one row
per member (sheet ``members``). An export imported into an empty database gives back the same households, members,
reviews, classifications, statuses and transitions (tests/households/test_export.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from areas.models import Commune

from .ethnicity import ETHNIC_GROUPS
from .imports import (
    GUIDE_SHEET,
    MEMBER_COLUMNS,
    MEMBERS_SHEET,
    REVIEW_COLUMNS,
    REVIEWS_SHEET,
    Column,
    header_label,
    indicator_columns,
)
from .models import Household, Member, Review
from .selectors import can_see_national_id, household_scope
from .services import StandardBook

__all__ = ["ExportFile", "export_tables", "reviews_export", "template_workbook"]

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
FORMATS = ("xlsx", "csv")
PARTS = (REVIEWS_SHEET, MEMBERS_SHEET)

GUIDE_TITLE = gettext_lazy("How to fill in the review file")
GUIDE_INTRO = gettext_lazy(
    "Fill in one row per household review on the sheet reviews, and one row per person on the sheet members "
    "(optional). Keep the header row as it is. Each cell of the header holds the column's name in brackets: the "
    "import reads that name. A file with any error writes nothing; the page lists every error with its row, column "
    "and reason."
)
GUIDE_HEADINGS = (
    gettext_lazy("Column"),
    gettext_lazy("Header"),
    gettext_lazy("Required"),
    gettext_lazy("What to write"),
    gettext_lazy("Example"),
)
GUIDE_STANDARDS = gettext_lazy("Indicators of each poverty standard (1 = deprived, 0 = not deprived)")
GUIDE_STANDARD_LINE = gettext_lazy("%(name)s (%(code)s), from %(start)s to %(end)s: %(codes)s")
GUIDE_ETHNICITIES = gettext_lazy("Ethnic groups and their codes")
GUIDE_OPEN_END = gettext_lazy("no end date")
YES, NO = gettext_lazy("yes"), gettext_lazy("no")


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    filename: str
    content_type: str


# --- the tables -------------------------------------------------------------------------------------------------
def _headers(columns: Iterable[Column]) -> list[str]:
    return [header_label(c.name, c.label_vi) for c in columns]


def _households(*, user, commune: Commune) -> QuerySet[Household]:
    """The commune's households the user may see (``user=None``: the command line, every household)."""
    qs = Household.objects.all() if user is None else household_scope(user=user)
    return qs.filter(commune=commune)


def _date(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def export_tables(*, user, commune: Commune, book: StandardBook | None = None) -> dict[str, tuple[list, list]]:
    """{sheet: (header, rows)} of the commune's households the user sees, in the import format. Four queries."""
    book = book or StandardBook.load()
    indicators = indicator_columns(book)
    bits = book.indicator_bits
    households = _households(user=user, commune=commune)
    info = {
        h["pk"]: h
        for h in households.values("pk", "code", "village__code", "head_name", "head_ethnicity", "area_type", "address")
    }
    review_rows = []
    reviews = (
        Review.objects.filter(household__in=households)
        .order_by("household__code", "list_year", "review_date", "id")
        .values_list(
            "household_id",
            "review_date",
            "kind",
            "income_per_capita",
            "household_size",
            "deprived_mask",
            "classification",
            "status",
            "standard_id",
        )
    )
    for household_id, review_date, kind, income, size, mask, classification, status, standard_id in reviews:
        h = info[household_id]
        codes = book.pure[standard_id].indicators
        review_rows.append(
            [
                h["code"],
                commune.code,
                h["village__code"],
                _date(review_date),
                income,
                size,
                h["head_name"],
                h["head_ethnicity"],
                h["area_type"],
                classification,
                kind,
                status,
                h["address"],
                *[(("1" if mask >> bits[c.name] & 1 else "0") if c.name in codes else "") for c in indicators],
            ]
        )
    show_id = user is None or can_see_national_id(user)
    member_rows = []
    members = (
        Member.objects.filter(household__in=households)
        .order_by("household__code", "id")
        .values_list(
            "household_id",
            "full_name",
            "birth_date",
            "sex",
            "relation",
            "ethnicity",
            "national_id",
            "has_disability",
            "has_health_insurance",
            "schooling",
            "education",
            "employment",
            "in_training",
        )
    )
    for (
        household_id,
        name,
        birth,
        sex,
        relation,
        ethnicity,
        nid,
        disabled,
        insured,
        school,
        edu,
        job,
        training,
    ) in members:
        member_rows.append(
            [
                info[household_id]["code"],
                commune.code,
                name,
                _date(birth),
                sex,
                relation,
                ethnicity,
                nid if show_id else "",
                int(disabled),
                int(insured),
                school,
                edu,
                job,
                int(training),
            ]
        )
    return {
        REVIEWS_SHEET: (_headers([*REVIEW_COLUMNS, *indicators]), review_rows),
        MEMBERS_SHEET: (_headers(MEMBER_COLUMNS), member_rows),
    }


def reviews_export(*, user, commune: Commune, fmt: str = "xlsx", part: str = REVIEWS_SHEET) -> ExportFile:
    """The commune's review file: an XLSX with the sheets reviews and members, or one CSV (``part``) of the two.

    National ID numbers are left empty for roles that see them masked (design.md §4).
    """
    if fmt not in FORMATS or part not in PARTS:
        raise ValueError(f"unknown format {fmt!r} or part {part!r}")
    tables = export_tables(user=user, commune=commune)
    stem = f"ra-soat-{commune.code}"
    if fmt == "csv":
        header, rows = tables[part]
        suffix = "" if part == REVIEWS_SHEET else "-thanh-vien"
        return ExportFile(_csv_bytes(header, rows), f"{stem}{suffix}.csv", CSV_TYPE)
    return ExportFile(_xlsx_bytes(tables), f"{stem}.xlsx", XLSX_TYPE)


def _csv_bytes(header: list, rows: list) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")  # with a BOM, so Excel opens it as UTF-8


def _xlsx_bytes(tables: dict[str, tuple[list, list]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for name, (header, rows) in tables.items():
        sheet = workbook.create_sheet(name)
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- the template -----------------------------------------------------------------------------------------------
TEXT_COLUMNS = {
    "household_code",
    "commune_code",
    "village_code",
    "review_date",
    "ethnicity",
    "national_id",
    "birth_date",
}


def template_workbook(*, book: StandardBook | None = None) -> bytes:
    """The empty review file: sheets ``reviews`` and ``members`` (header only) and the guide ``huong_dan``."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = book or StandardBook.load()
    indicators = indicator_columns(book)
    workbook = Workbook()
    bold = Font(bold=True)
    sheets = ((REVIEWS_SHEET, [*REVIEW_COLUMNS, *indicators]), (MEMBERS_SHEET, list(MEMBER_COLUMNS)))
    for position, (name, columns) in enumerate(sheets):
        sheet = workbook.active if position == 0 else workbook.create_sheet()
        sheet.title = name
        sheet.append(_headers(columns))
        sheet.freeze_panes = "A2"
        for number, column in enumerate(columns, start=1):
            letter = get_column_letter(number)
            sheet[f"{letter}1"].font = bold
            sheet.column_dimensions[letter].width = max(12, min(40, len(header_label(column.name, column.label_vi))))
            if column.name in TEXT_COLUMNS:  # codes keep their leading zeros, dates stay as typed
                sheet.column_dimensions[letter].number_format = "@"
    guide = workbook.create_sheet(GUIDE_SHEET)
    guide.append([str(GUIDE_TITLE)])
    guide["A1"].font = Font(bold=True, size=14)
    guide.append([str(GUIDE_INTRO)])
    guide.append([])
    for name, columns in sheets:
        guide.append([name])
        guide.cell(guide.max_row, 1).font = bold
        guide.append([str(h) for h in GUIDE_HEADINGS])
        for cell in guide[guide.max_row]:
            cell.font = bold
        for column in columns:
            guide.append(
                [
                    column.name,
                    header_label(column.name, column.label_vi),
                    str(YES if column.required else NO),
                    str(column.help),
                    column.example,
                ]
            )
        guide.append([])
    guide.append([str(GUIDE_STANDARDS)])
    guide.cell(guide.max_row, 1).font = bold
    for std in sorted(book.pure.values(), key=lambda s: (s.province_code or "", s.valid_from)):
        line = GUIDE_STANDARD_LINE % {
            "name": std.name_vi,
            "code": std.code,
            "start": std.valid_from.strftime("%d/%m/%Y"),
            "end": std.valid_to.strftime("%d/%m/%Y") if std.valid_to else str(GUIDE_OPEN_END),
            "codes": ", ".join(std.indicators),
        }
        guide.append([str(line)])
    guide.append([])
    guide.append([str(GUIDE_ETHNICITIES)])
    guide.cell(guide.max_row, 1).font = bold
    for code, name in ETHNIC_GROUPS:
        guide.append([code, name])
    guide.column_dimensions["A"].width = 22
    guide.column_dimensions["B"].width = 34
    guide.column_dimensions["C"].width = 10
    guide.column_dimensions["D"].width = 90
    guide.column_dimensions["E"].width = 16
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
