"""Import of review files: a CSV or XLSX of household reviews, with an optional file (or sheet) of members.

One public entry point, :func:`reviews_import`, used by ``manage.py import_reviews`` and by the page's Celery task
(``households.tasks``). It reads the whole file, validates every row against dictionaries prepared once (communes,
villages, known households, standards and indicator bits: a fixed number of queries whatever the row count), and
only when no row is bad writes everything in one transaction, in batches of ``bulk_create`` with their history rows
(``simple_history``: see ``_bulk_create_with_history``). A dry run validates the same way and writes nothing.
Errors name the sheet, the row (the header is row 1), the column and the reason (``areas.services.RowError``).

The file format (columns, allowed values, indicator codes per standard) is documented in docs/import-template.md;
the template and the export (households.exports) write exactly this format.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_update_with_history

from accounts.roles import CHAIRMAN, user_roles
from accounts.scope import user_scope
from areas.models import Commune, Village
from areas.services import ERR_BOOLEAN, ERR_EMPTY_FILE, ERR_REQUIRED, RowError, decode_upload

from . import poverty
from .ethnicity import ethnicity_code, fold
from .models import Household, Member, PovertyStandard, Review
from .national_id import national_id_problem
from .services import (
    ERR_FUTURE_DATE,
    ERR_INDICATOR_NOT_IN_STANDARD,
    ERR_NATIONAL_ID,
    ERR_NATIONAL_ID_TAKEN,
    ERR_NEGATIVE_INCOME,
    ERR_NO_STANDARD,
    ERR_VILLAGE_NOT_IN_COMMUNE,
    StandardBook,
)
from .standards_data import Standard
from .transitions import transition

__all__ = [
    "MEMBER_COLUMNS",
    "MEMBERS_SHEET",
    "REVIEW_COLUMNS",
    "REVIEWS_SHEET",
    "GUIDE_SHEET",
    "Column",
    "ImportRowError",
    "ReviewImportResult",
    "header_label",
    "indicator_columns",
    "parse_date",
    "parse_whole",
    "read_tables",
    "reviews_import",
]

REVIEWS_SHEET = "reviews"
MEMBERS_SHEET = "members"
GUIDE_SHEET = "huong_dan"
BATCH_SIZE = 2000  # rows per INSERT; the history rows of a batch go in one more INSERT
PROGRESS_EVERY = 2000  # rows validated between two progress reports

# --- messages (module constants: tests assert on the same words) -------------------------------------------------
ERR_NOT_XLSX = gettext_lazy(
    "The file is not a real Excel workbook (.xlsx) and cannot be opened; save it again as .xlsx or as CSV UTF-8."
)
ERR_OLD_XLS = gettext_lazy("This is an old Excel file (.xls); save it as .xlsx or as CSV UTF-8.")
ERR_NO_ROWS = gettext_lazy("The file has a header but no rows to import.")
ERR_COLUMN_MISSING = gettext_lazy("Column %(column)s is missing; add it (see the template).")
ERR_COLUMN_UNKNOWN = gettext_lazy("Unknown column %(column)s; remove it or use a column name from the template.")
ERR_COLUMN_TWICE = gettext_lazy("Column %(column)s appears twice.")
ERR_EXTRA_CELLS = gettext_lazy("This row has more cells than the header has columns.")
ERR_TOO_LONG = gettext_lazy("Write at most %(max)s characters.")
ERR_UNKNOWN_COMMUNE = gettext_lazy("No commune with code %(code)s.")
ERR_UNKNOWN_VILLAGE = gettext_lazy("No village with code %(code)s.")
ERR_NOT_SERVED = gettext_lazy("You do not serve commune %(code)s, so you cannot import its rows.")
ERR_NOT_A_NUMBER = gettext_lazy("%(value)s is not a whole number.")
ERR_DECIMAL = gettext_lazy("%(value)s is not a whole number of đồng; leave out the decimals.")
ERR_TOO_LARGE = gettext_lazy("%(value)s is too large.")
ERR_SIZE = gettext_lazy("The household size must be at least 1, not %(value)s.")
ERR_DATE = gettext_lazy("%(value)s is not a date; write it as dd/mm/yyyy or yyyy-mm-dd.")
ERR_FUTURE_BIRTH = gettext_lazy("The date of birth %(date)s is in the future.")
ERR_KIND = gettext_lazy("Unknown kind of review %(value)s: use periodic or regular.")
ERR_AREA_TYPE = gettext_lazy("Unknown area type %(value)s: use rural or urban (nông thôn or thành thị).")
ERR_ETHNICITY = gettext_lazy(
    "Unknown ethnicity %(value)s: write the name of the ethnic group (e.g. Tày) or its two-digit code (e.g. 02)."
)
ERR_CLASSIFICATION_UNKNOWN = gettext_lazy("Unknown classification %(value)s: use poor, near_poor, average or non_poor.")
ERR_CLASSIFICATION_MISMATCH = gettext_lazy(
    "The file says %(given)s but the income and indicators give %(computed)s; correct the data or the classification."
)
ERR_STATUS = gettext_lazy("Unknown status %(value)s: use one of %(choices)s.")
ERR_RECOGNISE_RIGHT = gettext_lazy(
    "Only a commune chairman can recognise reviews; import them as drafts and recognise them on the review page."
)
ERR_INDICATOR_COLUMN_MISSING = gettext_lazy(
    "Column %(code)s is missing: the standard %(standard)s needs it (first needed on this row)."
)
ERR_INDICATOR_REQUIRED = gettext_lazy("The standard %(standard)s needs this indicator: write 1 (deprived) or 0.")
ERR_DUPLICATE_REVIEW = gettext_lazy(
    "Household %(code)s of commune %(commune)s appears again for the %(kind)s review of %(when)s (first on row "
    "%(first_row)s)."
)
ERR_REVIEW_EXISTS = gettext_lazy(
    "Household %(code)s already has a %(kind)s review dated %(date)s with other figures; correct that review on the "
    "household's page instead."
)
ERR_MEMBER_HOUSEHOLD = gettext_lazy(
    "Household %(code)s of commune %(commune)s is neither in the review file nor recorded; add its review first."
)
ERR_CHOICE = gettext_lazy("Unknown value %(value)s: use one of %(choices)s.")
ERR_NATIONAL_ID_TWICE = gettext_lazy("National ID number %(value)s appears again (first on row %(first_row)s).")
ERR_CONCURRENT = gettext_lazy(
    "Someone changed these households while the file was being imported; nothing was written. Import the file again."
)
MSG_WHOLE_FILE = gettext_lazy("Whole file: %(message)s")
KIND_WORDS = {"periodic": gettext_lazy("periodic"), "regular": gettext_lazy("regular")}  # in the sentences above
MSG_MEMBERS_FILE = gettext_lazy("Members file: %(error)s")


@dataclass(frozen=True)
class ImportRowError(RowError):
    """A ``RowError`` that also names the sheet: ``reviews`` or ``members`` (row 0: the whole file)."""

    sheet: str = REVIEWS_SHEET

    def __str__(self) -> str:
        text = str(MSG_WHOLE_FILE % {"message": self.message}) if self.row == 0 else super().__str__()
        return str(MSG_MEMBERS_FILE % {"error": text}) if self.sheet == MEMBERS_SHEET else text

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ReviewImportResult:
    errors: list[ImportRowError] = field(default_factory=list)
    dry_run: bool = False
    rows: int = 0
    member_rows: int = 0
    households_created: int = 0
    households_updated: int = 0
    reviews_created: int = 0
    reviews_recognised: int = 0
    reviews_unchanged: int = 0
    members_created: int = 0
    members_updated: int = 0
    commune_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        names = (
            "rows",
            "member_rows",
            "households_created",
            "households_updated",
            "reviews_created",
            "reviews_recognised",
            "reviews_unchanged",
            "members_created",
            "members_updated",
        )
        return {name: getattr(self, name) for name in names}


# --- the columns ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    """One column of the file: its canonical name, the Vietnamese header label of the template, and its help."""

    name: str
    label_vi: str
    required: bool
    help: Any  # a lazy translation: what to write, in the guide sheet and docs/import-template.md
    example: str = ""


REVIEW_COLUMNS: tuple[Column, ...] = (
    Column("household_code", "Mã hộ", True, gettext_lazy("The household's code in the commune's register."), "HN-0012"),
    Column("commune_code", "Mã xã", True, gettext_lazy("The official code of the commune."), "90001"),
    Column("village_code", "Mã thôn", True, gettext_lazy("The code of the village, in that commune."), "90001-01"),
    Column(
        "review_date",
        "Ngày rà soát",
        True,
        gettext_lazy("The day of the review, dd/mm/yyyy or yyyy-mm-dd; not in the future. It decides the standard."),
        "15/10/2025",
    ),
    Column(
        "income_per_capita",
        "Thu nhập bình quân người/tháng",
        True,
        gettext_lazy("Income per person per month, whole đồng, no decimals (1500000 or 1.500.000)."),
        "1450000",
    ),
    Column("household_size", "Số nhân khẩu", True, gettext_lazy("Number of people in the household, 1 or more."), "4"),
    Column("head_name", "Họ tên chủ hộ", True, gettext_lazy("Full name of the head of household."), "Lò Văn Minh"),
    Column(
        "ethnicity",
        "Dân tộc",
        True,
        gettext_lazy("Ethnic group of the head: the name (Kinh, Tày, Thái…) or the two-digit code (01, 02, 03…)."),
        "Thái",
    ),
    Column("area_type", "Khu vực", True, gettext_lazy("rural or urban (also: nông thôn, thành thị)."), "rural"),
    Column(
        "classification",
        "Phân loại",
        False,
        gettext_lazy(
            "Optional: poor, near_poor, average or non_poor. Checked against the classification the income and "
            "indicators give; a difference is an error."
        ),
        "poor",
    ),
    Column(
        "kind",
        "Loại rà soát",
        False,
        gettext_lazy(
            "Optional: periodic (the yearly review, by default) or regular (the monthly one). A periodic review from "
            "September to December of a year sets the lists of the next year and applies that year's standard."
        ),
        "periodic",
    ),
    Column(
        "status",
        "Trạng thái",
        False,
        gettext_lazy(
            "Optional: draft (by default), village_agreed, posted, recognised or superseded. Recognised and "
            "superseded are for the commune chairman only."
        ),
        "",
    ),
    Column("address", "Địa chỉ", False, gettext_lazy("Optional: the household's address."), ""),
)

MEMBER_COLUMNS: tuple[Column, ...] = (
    Column("household_code", "Mã hộ", True, gettext_lazy("The household's code, as in the review file."), "HN-0012"),
    Column("commune_code", "Mã xã", True, gettext_lazy("The official code of the commune."), "90001"),
    Column("full_name", "Họ tên", True, gettext_lazy("Full name of the member."), "Lò Thị Hoa"),
    Column("birth_date", "Ngày sinh", False, gettext_lazy("Date of birth, dd/mm/yyyy or yyyy-mm-dd."), "03/02/1988"),
    Column("sex", "Giới tính", True, gettext_lazy("male or female (also: nam, nữ)."), "female"),
    Column(
        "relation",
        "Quan hệ với chủ hộ",
        True,
        gettext_lazy("head, spouse, child, parent, grandchild, sibling or other (also in Vietnamese: chủ hộ, vợ…)."),
        "spouse",
    ),
    Column("ethnicity", "Dân tộc", False, gettext_lazy("Name or two-digit code; empty: as the head."), "03"),
    Column(
        "national_id",
        "Số định danh cá nhân",
        False,
        gettext_lazy("The 12-digit personal identification number (format the column as text to keep the zeros)."),
        "",
    ),
    Column("disability", "Khuyết tật", False, gettext_lazy("1 if the member has a disability, else 0."), "0"),
    Column("health_insurance", "Bảo hiểm y tế", False, gettext_lazy("1 if the member has health insurance."), "1"),
    Column(
        "schooling",
        "Tình trạng đi học",
        False,
        gettext_lazy("For children: attending, behind or not_attending; empty when not of school age."),
        "",
    ),
    Column(
        "education",
        "Trình độ học vấn",
        False,
        gettext_lazy("none, primary, lower_secondary, upper_secondary, vocational or higher."),
        "lower_secondary",
    ),
    Column(
        "employment",
        "Việc làm",
        False,
        gettext_lazy("stable, unstable, unemployed, student, retired, unable or child; may be empty."),
        "stable",
    ),
    Column("in_training", "Đang học nghề", False, gettext_lazy("1 if the member is in training now, else 0."), "0"),
)


def header_label(column_name: str, label_vi: str) -> str:
    """The template's header cell: the Vietnamese label with the canonical code in brackets."""
    return f"{label_vi} ({column_name})"


def indicator_columns(book: StandardBook) -> list[Column]:
    """One 0/1 column per indicator of the database, in bit order, labelled with its Vietnamese name."""
    names = {code: d.name_vi for code, d in poverty.INDICATORS.items()}
    for row in book.rows.values():
        for indicator in row.indicators.all():  # prefetched by StandardBook.load
            names[indicator.code] = indicator.name_vi
    standards_of: dict[str, list[str]] = defaultdict(list)
    for std in sorted(book.pure.values(), key=lambda s: (s.province_code or "", s.valid_from)):
        for code in std.indicators:
            standards_of[code].append(std.code)
    columns = []
    for code, _bit in sorted(book.indicator_bits.items(), key=lambda kv: kv[1]):
        help_text = gettext_lazy("1 if the household is deprived in this indicator, else 0. Standards: %(codes)s.")
        columns.append(
            Column(code, names.get(code, code), False, _LazyFormat(help_text, {"codes": ", ".join(standards_of[code])}))
        )
    return columns


class _LazyFormat:
    """A lazy translation with its placeholders, rendered in the language active when it is shown."""

    def __init__(self, text, params: dict) -> None:
        self.text, self.params = text, params

    def __str__(self) -> str:
        return str(self.text) % self.params


# --- values -----------------------------------------------------------------------------------------------------
AREA_VALUES = {"rural": "rural", "urban": "urban", "nong thon": "rural", "thanh thi": "urban", "do thi": "urban"}
KIND_VALUES = {"periodic": "periodic", "regular": "regular", "dinh ky": "periodic", "thuong xuyen": "regular"}
CLASSIFICATION_VALUES = {
    **{c: c for c in poverty.CLASSIFICATIONS},
    "near poor": "near_poor",
    "non poor": "non_poor",
    "ngheo": "poor",
    "ho ngheo": "poor",
    "can ngheo": "near_poor",
    "ho can ngheo": "near_poor",
    "trung binh": "average",
    "muc song trung binh": "average",
    "ho co muc song trung binh": "average",
    "khong ngheo": "non_poor",
    "ho khong ngheo": "non_poor",
}
STATUS_VALUES = {s: s for s in Review.Status.values}
SEX_VALUES = {"male": "male", "female": "female", "nam": "male", "nu": "female"}
RELATION_VALUES = {
    **{r: r for r in Member.Relation.values},
    "chu ho": "head",
    "vo": "spouse",
    "chong": "spouse",
    "vo/chong": "spouse",
    "con": "child",
    "con de": "child",
    "bo": "parent",
    "me": "parent",
    "cha": "parent",
    "bo/me": "parent",
    "cha/me": "parent",
    "chau": "grandchild",
    "anh": "sibling",
    "chi": "sibling",
    "em": "sibling",
    "anh/chi/em": "sibling",
    "khac": "other",
}
SCHOOLING_VALUES = {s: s for s in Member.Schooling.values if s}
EDUCATION_VALUES = {s: s for s in Member.Education.values}
EMPLOYMENT_VALUES = {s: s for s in Member.Employment.values}
RECOGNISED_STATUSES = {Review.Status.RECOGNISED, Review.Status.SUPERSEDED}
STATUS_ORDER = [Review.Status.DRAFT, Review.Status.VILLAGE_AGREED, Review.Status.POSTED, Review.Status.RECOGNISED]

_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_GROUPED = re.compile(r"^\d{1,3}(?:([., ])\d{3})(?:\1\d{3})*$")
_DECIMAL = re.compile(r"^\d+[.,]\d+$")
_BRACKETED = re.compile(r"\(\s*([A-Za-z0-9_]+)\s*\)\s*$")
INT_MAX = 2_147_483_647  # PositiveIntegerField
SMALL_MAX = 32_767  # PositiveSmallIntegerField


def parse_date(text: str) -> date:
    """dd/mm/yyyy (the Vietnamese way) or yyyy-mm-dd; ``ValueError`` otherwise."""
    m = _DMY.match(text)
    if m:
        return date(int(m[3]), int(m[2]), int(m[1]))
    m = _YMD.match(text)
    if m:
        return date(int(m[1]), int(m[2]), int(m[3]))
    raise ValueError(text)


def parse_whole(text: str) -> tuple[int | None, str]:
    """A whole number, with optional thousand grouping (1.500.000, 1,500,000, 1 500 000): (value, "") or
    (None, reason) with reason one of ``not_number``, ``decimal``, ``negative``, ``too_large``."""
    t = text.replace("\u00a0", " ").strip()
    negative = t.startswith("-")
    if negative:
        t = t[1:].strip()
    if t.isdigit():
        value = int(t)
    elif _GROUPED.match(t):
        value = int(re.sub(r"\D", "", t))
    elif _DECIMAL.match(t):
        return None, "decimal"
    else:
        return None, "not_number"
    if negative and value:
        return None, "negative"
    if value > INT_MAX:
        return None, "too_large"
    return value, ""


def _choice(value: str, table: dict[str, str]) -> str | None:
    return table.get(value) or table.get(value.lower()) or table.get(fold(value))


# --- reading files ----------------------------------------------------------------------------------------------
@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cells), empty rows left out


XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def read_tables(data: bytes, filename: str, errors: list[ImportRowError], *, sheet: str) -> dict[str, Table] | None:
    """The sheets of an uploaded CSV or XLSX, as text cells; ``None`` with a file-level error when unreadable.

    A CSV gives one table named ``sheet``. An XLSX gives its ``reviews`` sheet (or the first one) under ``sheet``
    and, when reading the review file, its ``members`` sheet under ``members``; the guide sheet is skipped.
    """
    if not data or not data.strip(b"\xef\xbb\xbf \t\r\n"):
        errors.append(ImportRowError(1, "", str(ERR_EMPTY_FILE), sheet=sheet))
        return None
    name = (filename or "").lower()
    if data[:8] == XLS_MAGIC or name.endswith(".xls"):
        errors.append(ImportRowError(0, "", str(ERR_OLD_XLS), sheet=sheet))
        return None
    if data[:4] == b"PK\x03\x04" or name.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data, errors, sheet=sheet)
    found: list[RowError] = []
    text = decode_upload(data, found)
    if text is None:
        errors.extend(ImportRowError(e.row, e.field, e.message, sheet=sheet) for e in found)
        return None
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=lambda d: (first_line.count(d), d == ","))
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in next(reader, [])]
    rows = []
    for number, cells in enumerate(reader, start=2):
        stripped = [c.strip() for c in cells]
        if any(stripped):
            rows.append((number, stripped))
    return {sheet: Table(header, rows)}


def _read_xlsx(data: bytes, errors: list[ImportRowError], *, sheet: str) -> dict[str, Table] | None:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a zip that is no workbook raises one of many types (BadZipFile, KeyError, InvalidFile…)
        errors.append(ImportRowError(0, "", str(ERR_NOT_XLSX), sheet=sheet))
        return None
    try:
        names = workbook.sheetnames
        lowered = {n.strip().lower(): n for n in names}
        tables: dict[str, Table] = {}
        main = lowered.get(sheet)
        if main is None:  # the first sheet that is not the guide (nor, for the review file, the members sheet)
            skip = (GUIDE_SHEET,) if sheet == MEMBERS_SHEET else (MEMBERS_SHEET, GUIDE_SHEET)
            main = next((n for n in names if n.strip().lower() not in skip), names[0])
        tables[sheet] = _sheet_table(workbook[main])
        if sheet == REVIEWS_SHEET and MEMBERS_SHEET in lowered:
            members = _sheet_table(workbook[lowered[MEMBERS_SHEET]])
            if members.header and any(members.header):
                tables[MEMBERS_SHEET] = members
        return tables
    except Exception:  # a damaged part inside an otherwise valid zip
        errors.append(ImportRowError(0, "", str(ERR_NOT_XLSX), sheet=sheet))
        return None
    finally:
        workbook.close()


def _sheet_table(worksheet) -> Table:
    header: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        cells = [
            "" if v is None else v.strip() if type(v) is str else str(v) if type(v) is int else _cell_text(v)
            for v in values
        ]
        while cells and not cells[-1]:
            cells.pop()
        if number == 1:
            header = cells
        elif cells:
            rows.append((number, cells))
    return Table(header, rows)


def _resolve_header(
    table: Table, known: dict[str, str], required: Iterable[str], errors: list[ImportRowError], *, sheet: str
) -> dict[str, int] | None:
    """Column name → position. Header cells may be the canonical name, the Vietnamese label, or "Label (name)".

    Unknown columns are errors but the rows are still checked; a missing required column stops the file.
    """
    index: dict[str, int] = {}
    for position, raw in enumerate(table.header):
        if not raw:
            continue
        m = _BRACKETED.search(raw)
        name = None
        if m and m[1].lower() in known.values():
            name = m[1].lower()
        else:
            name = known.get(raw.strip().lower()) or known.get(fold(raw))
        if name is None:
            errors.append(ImportRowError(1, raw, str(ERR_COLUMN_UNKNOWN % {"column": raw}), sheet=sheet))
        elif name in index:
            errors.append(ImportRowError(1, raw, str(ERR_COLUMN_TWICE % {"column": name}), sheet=sheet))
        else:
            index[name] = position
    missing = [c for c in required if c not in index]
    for column in missing:
        errors.append(ImportRowError(1, column, str(ERR_COLUMN_MISSING % {"column": column}), sheet=sheet))
    return None if missing else index


def _known_names(columns: Iterable[Column]) -> dict[str, str]:
    known: dict[str, str] = {}
    for column in columns:
        known[column.name] = column.name
        known[fold(column.label_vi)] = column.name
        known[fold(header_label(column.name, column.label_vi))] = column.name
    return known


# --- validated rows ---------------------------------------------------------------------------------------------
@dataclass(slots=True)
class _ReviewRow:
    number: int
    commune: Commune
    village_id: int
    code: str
    review_date: date
    kind: str
    list_year: int
    standard: PovertyStandard
    income: int
    size: int
    head_name: str
    ethnicity: str
    area_type: str
    address: str | None
    mask: int
    count: int
    classification: str
    status: str | None  # None: the default (draft, or recognised with recognise=True)
    review: Review | None = None


@dataclass(slots=True)
class _MemberRow:
    number: int
    commune_id: int
    code: str
    values: dict


Progress = Callable[[str, int, int], None]


def _can_recognise(by) -> bool:
    return by is None or by.is_superuser or CHAIRMAN in user_roles(by)


# --- the import -------------------------------------------------------------------------------------------------
def reviews_import(
    *,
    data: bytes,
    filename: str = "reviews.csv",
    members_data: bytes | None = None,
    members_filename: str = "members.csv",
    by=None,
    dry_run: bool = False,
    recognise: bool = False,
    progress: Progress | None = None,
) -> ReviewImportResult:
    """Validate a review file (and its members) completely; write it, in one transaction, only if no row is bad.

    ``by`` is the importing user: rows of communes they do not serve wholly are errors, and reviews they record or
    recognise name them (``None``: the command line, no scope restriction, nobody named). ``recognise`` marks the
    imported reviews recognised (commune chairmen only) and computes each household's transitions in list-year
    order; otherwise they are drafts. ``progress(stage, done, total)`` is told how far validation ("validate") and
    writing ("write") have got. Returns the counts and every error found; a dry run writes nothing.
    """
    return _ReviewImport(by=by, dry_run=dry_run, recognise=recognise, progress=progress).run(
        data=data, filename=filename, members_data=members_data, members_filename=members_filename
    )


class _ReviewImport:
    def __init__(self, *, by, dry_run: bool, recognise: bool, progress: Progress | None) -> None:
        self.by = by
        self.dry_run = dry_run
        self.recognise = recognise
        self.progress = progress or (lambda stage, done, total: None)
        self.result = ReviewImportResult(dry_run=dry_run)
        self.errors = self.result.errors
        self.scope = user_scope(by) if by is not None else None
        self.today = timezone.localdate()

    def error(self, row: int, column: str, message, sheet: str = REVIEWS_SHEET) -> None:
        self.errors.append(ImportRowError(row, column, str(message), sheet=sheet))

    # --- orchestration ------------------------------------------------------------------------------------------
    def run(self, *, data: bytes, filename: str, members_data: bytes | None, members_filename: str):
        tables = read_tables(data, filename, self.errors, sheet=REVIEWS_SHEET)
        members_table = None
        if members_data is not None:
            member_tables = read_tables(members_data, members_filename, self.errors, sheet=MEMBERS_SHEET)
            members_table = member_tables[MEMBERS_SHEET] if member_tables else None
        elif tables and MEMBERS_SHEET in tables:
            members_table = tables[MEMBERS_SHEET]
        if tables is None:
            return self._finish()
        reviews = tables[REVIEWS_SHEET]
        if self.recognise and not _can_recognise(self.by):
            self.error(0, "", ERR_RECOGNISE_RIGHT)
        self.book = StandardBook.load()
        self.indicator_cols = indicator_columns(self.book)
        review_index = _resolve_header(
            reviews,
            _known_names([*REVIEW_COLUMNS, *self.indicator_cols]),
            [c.name for c in REVIEW_COLUMNS if c.required],
            self.errors,
            sheet=REVIEWS_SHEET,
        )
        member_index = None
        if members_table is not None:
            member_index = _resolve_header(
                members_table,
                _known_names(MEMBER_COLUMNS),
                [c.name for c in MEMBER_COLUMNS if c.required],
                self.errors,
                sheet=MEMBERS_SHEET,
            )
        if review_index is None or (members_table is not None and member_index is None):
            return self._finish()
        if not reviews.rows:
            self.error(2, "", ERR_NO_ROWS)
            return self._finish()
        self.result.rows = len(reviews.rows)
        self.result.member_rows = len(members_table.rows) if members_table is not None else 0
        self._load_areas(reviews, review_index, members_table, member_index)
        rows = self._validate_reviews(reviews, review_index)
        self._load_households(rows, members_table, member_index)
        rows = self._check_existing_reviews(rows)
        members = self._validate_members(members_table, member_index, reviews, review_index) if member_index else []
        self.result.commune_ids = sorted({r.commune.pk for r in rows})
        if self.errors:
            return self._finish()
        plan = self._plan(rows, members)
        if not self.errors and not self.dry_run:
            try:
                self._write(plan)
            except IntegrityError:
                self.error(0, "", ERR_CONCURRENT)
                self.result.households_created = self.result.households_updated = 0
                self.result.reviews_created = self.result.reviews_recognised = 0
                self.result.members_created = self.result.members_updated = 0
        return self._finish()

    def _finish(self) -> ReviewImportResult:
        self.errors.sort(key=lambda e: (e.sheet != REVIEWS_SHEET, e.row, e.field))
        return self.result

    # --- lookups prepared once ----------------------------------------------------------------------------------
    def _load_areas(self, reviews: Table, index: dict, members: Table | None, member_index: dict | None) -> None:
        commune_codes = {
            cells[index["commune_code"]] for _n, cells in reviews.rows if len(cells) > index["commune_code"]
        }
        village_position = index["village_code"]
        village_codes = {cells[village_position] for _n, cells in reviews.rows if len(cells) > village_position}
        if members is not None and member_index is not None:
            position = member_index["commune_code"]
            commune_codes |= {cells[position] for _n, cells in members.rows if len(cells) > position}
        commune_codes.discard("")
        village_codes.discard("")
        self.communes = {c.code: c for c in Commune.objects.filter(code__in=commune_codes).select_related("province")}
        self.villages = {
            code: (pk, commune_id)
            for code, pk, commune_id in Village.objects.filter(code__in=village_codes).values_list(
                "code", "pk", "commune_id"
            )
        }
        self.commune_by_id = {c.pk: c for c in self.communes.values()}

    def _commune(self, code: str, number: int, sheet: str) -> Commune | None:
        commune = self.communes.get(code)
        if commune is None:
            self.error(number, "commune_code", ERR_UNKNOWN_COMMUNE % {"code": code}, sheet)
            return None
        if self.scope is not None and not self.scope.sees_commune(commune):
            self.error(number, "commune_code", ERR_NOT_SERVED % {"code": code}, sheet)
            return None
        return commune

    # --- the review rows ----------------------------------------------------------------------------------------
    def _validate_reviews(self, table: Table, index: dict[str, int]) -> list[_ReviewRow]:
        width = len(table.header)
        required = [c.name for c in REVIEW_COLUMNS if c.required]
        indicator_positions = [(c.name, index[c.name]) for c in self.indicator_cols if c.name in index]
        standards: dict[tuple, tuple[PovertyStandard, Standard] | None] = {}
        dates: dict[str, date | None] = {}
        missing_reported: set[tuple[str, str]] = set()
        first_seen: dict[tuple, int] = {}
        bits = self.book.indicator_bits
        default_kind = Review.Kind.PERIODIC
        get_position = index.get
        rows: list[_ReviewRow] = []
        total = len(table.rows)
        for done, (number, cells) in enumerate(table.rows, start=1):
            if done % PROGRESS_EVERY == 0:
                self.progress("validate", done, total)
            if len(cells) > width and any(cells[width:]):
                self.error(number, "", ERR_EXTRA_CELLS)
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            n_errors = len(self.errors)
            for name in required:
                if not cells[index[name]]:
                    self.error(number, name, ERR_REQUIRED)
            code = cells[index["household_code"]]
            if len(code) > 40:
                self.error(number, "household_code", ERR_TOO_LONG % {"max": 40})
            head_name = cells[index["head_name"]]
            if len(head_name) > 150:
                self.error(number, "head_name", ERR_TOO_LONG % {"max": 150})
            commune = village_id = None
            commune_code = cells[index["commune_code"]]
            if commune_code:
                commune = self._commune(commune_code, number, REVIEWS_SHEET)
            village_code = cells[index["village_code"]]
            if village_code:
                village = self.villages.get(village_code)
                if village is None:
                    self.error(number, "village_code", ERR_UNKNOWN_VILLAGE % {"code": village_code})
                elif commune is not None and village[1] != commune.pk:
                    self.error(
                        number,
                        "village_code",
                        ERR_VILLAGE_NOT_IN_COMMUNE % {"village": village_code, "commune": commune.code},
                    )
                else:
                    village_id = village[0]
            kind = default_kind
            position = get_position("kind")
            if position is not None and cells[position]:
                kind = _choice(cells[position], KIND_VALUES)
                if kind is None:
                    self.error(number, "kind", ERR_KIND % {"value": cells[position]})
            review_date = None
            raw_date = cells[index["review_date"]]
            if raw_date:
                if raw_date in dates:
                    review_date = dates[raw_date]
                else:
                    try:
                        review_date = dates[raw_date] = parse_date(raw_date)
                    except ValueError:
                        review_date = dates[raw_date] = None
                if review_date is None:
                    self.error(number, "review_date", ERR_DATE % {"value": raw_date})
                elif review_date > self.today:
                    self.error(number, "review_date", ERR_FUTURE_DATE % {"date": review_date.strftime("%d/%m/%Y")})
                    review_date = None
            found = None
            if review_date is not None and kind is not None:
                province_code = commune.province.code if commune is not None else None
                key = (review_date, kind, province_code)
                if key not in standards:
                    try:
                        standards[key] = self.book.for_review(review_date, kind, province_code)
                    except ValidationError:
                        standards[key] = None
                found = standards[key]
                if found is None:
                    self.error(number, "review_date", ERR_NO_STANDARD % {"date": review_date.strftime("%d/%m/%Y")})
            income = self._whole(cells[index["income_per_capita"]], number, "income_per_capita")
            size = self._whole(cells[index["household_size"]], number, "household_size", size=True)
            ethnicity = None
            raw = cells[index["ethnicity"]]
            if raw:
                ethnicity = ethnicity_code(raw)
                if ethnicity is None:
                    self.error(number, "ethnicity", ERR_ETHNICITY % {"value": raw})
            area_type = None
            raw = cells[index["area_type"]]
            if raw:
                area_type = _choice(raw, AREA_VALUES)
                if area_type is None:
                    self.error(number, "area_type", ERR_AREA_TYPE % {"value": raw})
            given = None
            position = get_position("classification")
            if position is not None and cells[position]:
                given = _choice(cells[position], CLASSIFICATION_VALUES)
                if given is None:
                    self.error(number, "classification", ERR_CLASSIFICATION_UNKNOWN % {"value": cells[position]})
            status = None
            position = get_position("status")
            if position is not None and cells[position]:
                status = _choice(cells[position], STATUS_VALUES)
                if status is None:
                    self.error(
                        number,
                        "status",
                        ERR_STATUS % {"value": cells[position], "choices": ", ".join(Review.Status.values)},
                    )
                elif status in RECOGNISED_STATUSES and not _can_recognise(self.by):
                    self.error(number, "status", ERR_RECOGNISE_RIGHT)
            # The indicators: the standard's must be there (0 or 1); others may only be empty or 0.
            std = found[1] if found else None
            mask = count = 0
            present = set()
            for name, position in indicator_positions:
                value = cells[position]
                present.add(name)
                needed = std is not None and name in std.indicators
                if value == "1":
                    if std is not None and not needed:
                        self.error(number, name, ERR_INDICATOR_NOT_IN_STANDARD % {"code": name, "standard": std.code})
                    else:
                        mask |= 1 << bits[name]
                        count += 1
                elif value == "0":
                    continue
                elif value:
                    self.error(number, name, ERR_BOOLEAN % {"value": value})
                elif needed:
                    self.error(number, name, ERR_INDICATOR_REQUIRED % {"standard": std.code})
            if std is not None:
                for name in std.indicators:
                    if name not in present and (std.code, name) not in missing_reported:
                        missing_reported.add((std.code, name))
                        self.error(number, name, ERR_INDICATOR_COLUMN_MISSING % {"code": name, "standard": std.code})
            if len(self.errors) > n_errors or commune is None or village_id is None or found is None:
                continue
            classification = poverty.classify(
                std,
                area=area_type,
                income_per_capita=income,
                deprived=[c for c in std.indicators if mask >> bits[c] & 1],
            )
            if given is not None and given != classification:
                self.error(
                    number,
                    "classification",
                    ERR_CLASSIFICATION_MISMATCH % {"given": given, "computed": classification},
                )
                continue
            list_year = poverty.list_year_for_review(review_date, kind)
            if status != Review.Status.SUPERSEDED:
                when = str(list_year) if kind == Review.Kind.PERIODIC else review_date.strftime("%d/%m/%Y")
                key = (commune.pk, code, kind, list_year if kind == Review.Kind.PERIODIC else review_date)
                if key in first_seen:
                    self.error(
                        number,
                        "household_code",
                        ERR_DUPLICATE_REVIEW
                        % {
                            "code": code,
                            "commune": commune.code,
                            "kind": KIND_WORDS[kind],
                            "when": when,
                            "first_row": first_seen[key],
                        },
                    )
                    continue
                first_seen[key] = number
            position = get_position("address")
            rows.append(
                _ReviewRow(
                    number=number,
                    commune=commune,
                    village_id=village_id,
                    code=code,
                    review_date=review_date,
                    kind=kind,
                    list_year=list_year,
                    standard=found[0],
                    income=income,
                    size=size,
                    head_name=head_name,
                    ethnicity=ethnicity,
                    area_type=area_type,
                    address=cells[position][:255] if position is not None else None,
                    mask=mask,
                    count=count,
                    classification=classification,
                    status=status,
                )
            )
        self.progress("validate", total, total)
        return rows

    def _whole(self, raw: str, number: int, column: str, *, size: bool = False) -> int | None:
        """A whole number of đồng (``size=False``) or of people (``size=True``), else an error and ``None``."""
        if not raw:
            return None
        value, reason = parse_whole(raw)
        if reason == "not_number" or (size and reason == "decimal"):
            message = ERR_NOT_A_NUMBER % {"value": raw}
        elif reason == "decimal":
            message = ERR_DECIMAL % {"value": raw}
        elif reason == "too_large" or (size and value is not None and value > SMALL_MAX):
            message = ERR_TOO_LARGE % {"value": raw}
        elif size and (reason == "negative" or value < 1):
            message = ERR_SIZE % {"value": raw}
        elif reason == "negative":
            message = ERR_NEGATIVE_INCOME
        else:
            return value
        self.error(number, column, message)
        return None

    # --- what the database already holds ------------------------------------------------------------------------
    def _load_households(self, rows: list[_ReviewRow], members: Table | None, member_index: dict | None) -> None:
        commune_ids = {r.commune.pk for r in rows}
        if members is not None and member_index is not None:
            position = member_index["commune_code"]
            for _n, cells in members.rows:
                commune = self.communes.get(cells[position] if len(cells) > position else "")
                if commune is not None:
                    commune_ids.add(commune.pk)
        self.households: dict[tuple[int, str], Household] = {
            (h.commune_id, h.code): h for h in Household.objects.filter(commune_id__in=sorted(commune_ids))
        }

    def _check_existing_reviews(self, rows: list[_ReviewRow]) -> list[_ReviewRow]:
        """A review already recorded with the same household, kind and date: skipped when its figures are the same
        (importing a file twice changes nothing), an error when they differ."""
        known = [r for r in rows if (r.commune.pk, r.code) in self.households]
        if not known:
            return rows
        dates = sorted({r.review_date for r in known})
        existing: dict[tuple, set] = defaultdict(set)
        for h, k, d, income, size, mask in Review.objects.filter(
            household__commune_id__in=sorted({r.commune.pk for r in known}), review_date__in=dates
        ).values_list("household_id", "kind", "review_date", "income_per_capita", "household_size", "deprived_mask"):
            existing[(h, k, d)].add((income, size, mask))
        kept = []
        for r in rows:
            household = self.households.get((r.commune.pk, r.code))
            recorded = existing.get((household.pk, r.kind, r.review_date)) if household is not None else None
            if not recorded:
                kept.append(r)
            elif (r.income, r.size, r.mask) in recorded:
                self.result.reviews_unchanged += 1
            else:
                self.error(
                    r.number,
                    "review_date",
                    ERR_REVIEW_EXISTS
                    % {"code": r.code, "kind": KIND_WORDS[r.kind], "date": r.review_date.strftime("%d/%m/%Y")},
                )
        return kept

    # --- the member rows ----------------------------------------------------------------------------------------
    def _validate_members(
        self, table: Table, index: dict[str, int], reviews: Table, review_index: dict[str, int]
    ) -> list[_MemberRow]:
        sheet = MEMBERS_SHEET
        width = len(table.header)
        in_file = set()
        c_pos, h_pos = review_index["commune_code"], review_index["household_code"]
        for _n, cells in reviews.rows:
            if len(cells) > max(c_pos, h_pos):
                in_file.add((cells[c_pos], cells[h_pos]))
        first_id: dict[str, int] = {}
        rows: list[_MemberRow] = []

        def cell(cells: list[str], name: str) -> str:
            position = index.get(name)
            return cells[position] if position is not None else ""

        for number, cells in table.rows:
            if len(cells) > width and any(cells[width:]):
                self.error(number, "", ERR_EXTRA_CELLS, sheet)
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            n_errors = len(self.errors)
            for column in MEMBER_COLUMNS:
                if column.required and not cell(cells, column.name):
                    self.error(number, column.name, ERR_REQUIRED, sheet)
            code, commune_code = cell(cells, "household_code"), cell(cells, "commune_code")
            commune = self._commune(commune_code, number, sheet) if commune_code else None
            if commune is not None and code:
                if (commune_code, code) not in in_file and (commune.pk, code) not in self.households:
                    self.error(
                        number, "household_code", ERR_MEMBER_HOUSEHOLD % {"code": code, "commune": commune_code}, sheet
                    )
            values: dict[str, Any] = {}
            full_name = cell(cells, "full_name")
            if len(full_name) > 150:
                self.error(number, "full_name", ERR_TOO_LONG % {"max": 150}, sheet)
            values["full_name"] = full_name
            birth = None
            raw = cell(cells, "birth_date")
            if raw:
                try:
                    birth = parse_date(raw)
                except ValueError:
                    self.error(number, "birth_date", ERR_DATE % {"value": raw}, sheet)
                else:
                    if birth > self.today:
                        self.error(number, "birth_date", ERR_FUTURE_BIRTH % {"date": birth.strftime("%d/%m/%Y")}, sheet)
            values["birth_date"] = birth
            for name, table_of, default in (
                ("sex", SEX_VALUES, None),
                ("relation", RELATION_VALUES, None),
                ("schooling", SCHOOLING_VALUES, ""),
                ("education", EDUCATION_VALUES, Member.Education.NONE),
                ("employment", EMPLOYMENT_VALUES, ""),
            ):
                raw = cell(cells, name)
                if not raw:
                    values[name] = default
                    continue
                value = _choice(raw, table_of)
                if value is None:
                    choices = ", ".join(dict.fromkeys(table_of.values()))
                    self.error(number, name, ERR_CHOICE % {"value": raw, "choices": choices}, sheet)
                values[name] = value
            raw = cell(cells, "ethnicity")
            values["ethnicity"] = None
            if raw:
                values["ethnicity"] = ethnicity_code(raw)
                if values["ethnicity"] is None:
                    self.error(number, "ethnicity", ERR_ETHNICITY % {"value": raw}, sheet)
            for name, attribute in (
                ("disability", "has_disability"),
                ("health_insurance", "has_health_insurance"),
                ("in_training", "in_training"),
            ):
                raw = cell(cells, name)
                if raw not in ("", "0", "1"):
                    self.error(number, name, ERR_BOOLEAN % {"value": raw}, sheet)
                values[attribute] = raw == "1"
            national_id = cell(cells, "national_id")
            if national_id:
                problem = national_id_problem(national_id, birth_date=birth, sex=values.get("sex"))
                if problem:
                    self.error(
                        number, "national_id", ERR_NATIONAL_ID % {"value": national_id, "reason": _(problem)}, sheet
                    )
                elif national_id in first_id:
                    self.error(
                        number,
                        "national_id",
                        ERR_NATIONAL_ID_TWICE % {"value": national_id, "first_row": first_id[national_id]},
                        sheet,
                    )
                else:
                    first_id[national_id] = number
            values["national_id"] = national_id
            if len(self.errors) == n_errors and commune is not None:
                rows.append(_MemberRow(number=number, commune_id=commune.pk, code=code, values=values))
        # A number recorded for someone of another household (one query for the whole file).
        ids = sorted(first_id)
        holders = dict(Member.objects.filter(national_id__in=ids).values_list("national_id", "household_id"))
        kept = []
        for m in rows:
            holder = holders.get(m.values["national_id"]) if m.values["national_id"] else None
            household = self.households.get((m.commune_id, m.code))
            if holder is not None and (household is None or household.pk != holder):
                self.error(m.number, "national_id", ERR_NATIONAL_ID_TAKEN % {"value": m.values["national_id"]}, sheet)
            else:
                kept.append(m)
        return kept

    # --- the plan: every object to write, computed in memory ----------------------------------------------------
    def _plan(self, rows: list[_ReviewRow], members: list[_MemberRow]) -> dict:
        by_id = self.by.pk if self.by is not None else None
        now = timezone.now()
        by_household: dict[tuple[int, str], list[_ReviewRow]] = defaultdict(list)
        for r in rows:
            by_household[(r.commune.pk, r.code)].append(r)
        new_households: dict[tuple[int, str], Household] = {}
        changed_households: dict[int, Household] = {}
        household_fields = ["village", "head_name", "head_ethnicity", "area_type", "size"]
        for key, group in by_household.items():
            latest = max(group, key=lambda r: (r.list_year, r.review_date, r.number))
            household = self.households.get(key)
            values = {
                "village_id": latest.village_id,
                "head_name": latest.head_name,
                "head_ethnicity": latest.ethnicity,
                "area_type": latest.area_type,
                "size": latest.size,
            }
            if latest.address is not None:
                values["address"] = latest.address
            if household is None:
                household = Household(commune_id=key[0], code=key[1], head_name_folded=fold(latest.head_name), **values)
                new_households[key] = household
            else:
                diff = {name: value for name, value in values.items() if getattr(household, name) != value}
                if diff:
                    for name, value in diff.items():
                        setattr(household, name, value)
                    household.head_name_folded = fold(household.head_name)
                    changed_households[household.pk] = household
            for r in group:
                status = r.status or (Review.Status.RECOGNISED if self.recognise else Review.Status.DRAFT)
                review = Review(
                    kind=r.kind,
                    review_date=r.review_date,
                    list_year=r.list_year,
                    standard_id=r.standard.pk,
                    income_per_capita=r.income,
                    household_size=r.size,
                    deprived_mask=r.mask,
                    derived_mask=0,
                    overrides={},
                    deprivation_count=r.count,
                    classification=r.classification,
                    status=status,
                    reviewer_id=by_id,
                    source="import",
                )
                step = STATUS_ORDER.index(status) if status in STATUS_ORDER else len(STATUS_ORDER)
                if step >= 1:
                    review.village_agreed_by_id, review.village_agreed_at = by_id, now
                if step >= 2:
                    review.posted_by_id, review.posted_at = by_id, now
                if step >= 3:
                    review.recognised_by_id, review.recognised_at = by_id, now
                r.review = review

        # Recognised reviews: supersede, then transitions in list-year order and the household's latest status.
        recognising = {
            key for key, group in by_household.items() if any(r.review.status in RECOGNISED_STATUSES for r in group)
        }
        known_ids = [self.households[key].pk for key in recognising if key in self.households]
        recorded: dict[int, list[Review]] = defaultdict(list)
        if known_ids:
            for review in Review.objects.filter(household_id__in=known_ids, status=Review.Status.RECOGNISED).order_by(
                "list_year", "review_date", "id"
            ):
                recorded[review.household_id].append(review)
        superseded_old: list[Review] = []
        changed_old: dict[int, Review] = {}
        for key in recognising:
            group = by_household[key]
            household = self.households.get(key) or new_households[key]
            old = recorded.get(household.pk, []) if household.pk else []
            new_recognised = [r for r in group if r.review.status == Review.Status.RECOGNISED]
            periodic_years = {r.list_year for r in new_recognised if r.kind == Review.Kind.PERIODIC}
            winners = {r.list_year: r.review for r in new_recognised if r.kind == Review.Kind.PERIODIC}
            for r in group:
                if r.review.status == Review.Status.SUPERSEDED and r.kind == Review.Kind.PERIODIC:
                    r.review.superseded_by = winners.get(r.list_year)
            kept_old = []
            for review in old:
                if review.kind == Review.Kind.PERIODIC and review.list_year in periodic_years:
                    review.status = Review.Status.SUPERSEDED
                    review.superseded_by = winners[review.list_year]
                    superseded_old.append(review)
                else:
                    kept_old.append(review)
            ordered = sorted(
                [((rv.list_year, rv.review_date, 0, rv.pk), rv) for rv in kept_old]
                + [((r.list_year, r.review_date, 1, r.number), r.review) for r in new_recognised],
                key=lambda pair: pair[0],
            )
            history: list[str] = []
            for _key, review in ordered:
                history.append(review.classification)
                value = transition(history)
                if review.pk is not None and review.transition != value:
                    changed_old[review.pk] = review
                review.transition = value
            # A superseded row keeps the transition it had when it was recognised: against the reviews before it.
            for r in group:
                if r.review.status == Review.Status.SUPERSEDED:
                    position = (r.list_year, r.review_date, 1, r.number)
                    earlier = [rv.classification for k, rv in ordered if k < position]
                    r.review.transition = transition([*earlier, r.review.classification])
            if ordered:
                latest = ordered[-1][1]
                latest_values = {
                    "latest_classification": latest.classification,
                    "latest_transition": latest.transition,
                    "latest_list_year": latest.list_year,
                }
                if any(getattr(household, k) != v for k, v in latest_values.items()):
                    for k, v in latest_values.items():
                        setattr(household, k, v)
                    if household.pk is not None:
                        changed_households[household.pk] = household
        for review in superseded_old:
            changed_old.pop(review.pk, None)

        # Members: matched to recorded ones (by national ID, else by name and date of birth) or new.
        member_plan = self._plan_members(members, new_households, changed_households)
        for household in changed_households.values():
            household.version += 1
        reviews_in_order = sorted(
            (r for group in by_household.values() for r in group),
            key=lambda r: (r.review.status == Review.Status.SUPERSEDED, r.commune.pk, r.code, r.list_year, r.number),
        )
        self.result.households_created = len(new_households)
        self.result.households_updated = len(changed_households)
        self.result.reviews_created = len(reviews_in_order)
        self.result.reviews_recognised = sum(1 for r in reviews_in_order if r.review.status == Review.Status.RECOGNISED)
        self.result.members_created = len(member_plan["create"])
        self.result.members_updated = len(member_plan["update"])
        return {
            "new_households": new_households,
            "changed_households": changed_households,
            "household_fields": [
                *household_fields,
                "address",
                "head_name_folded",
                "female_headed",
                "has_disabled_member",
                "latest_classification",
                "latest_transition",
                "latest_list_year",
                "version",
                "updated_at",
            ],
            "reviews": reviews_in_order,
            "superseded_old": superseded_old,
            "changed_old": list(changed_old.values()),
            "members": member_plan,
        }

    def _plan_members(self, members: list[_MemberRow], new_households: dict, changed_households: dict) -> dict:
        plan: dict[str, list] = {"create": [], "update": []}
        if not members:
            return plan
        known_ids = sorted(
            {self.households[(m.commune_id, m.code)].pk for m in members if (m.commune_id, m.code) in self.households}
        )
        recorded: dict[int, list[Member]] = defaultdict(list)
        if known_ids:
            for member in Member.objects.filter(household_id__in=known_ids):
                recorded[member.household_id].append(member)
        touched: dict[tuple[int, str], Household] = {}
        by_household: dict[tuple[int, str], list] = defaultdict(list)
        fields = [
            "full_name",
            "full_name_folded",
            "birth_date",
            "sex",
            "relation",
            "ethnicity",
            "national_id",
            "has_disability",
            "has_health_insurance",
            "schooling",
            "education",
            "in_training",
            "employment",
        ]
        for m in members:
            key = (m.commune_id, m.code)
            household = new_households.get(key) or self.households[key]
            touched[key] = household
            values = dict(m.values)
            values["ethnicity"] = values["ethnicity"] or household.head_ethnicity
            values["full_name_folded"] = fold(values["full_name"])
            pool = recorded.get(household.pk, []) if household.pk else []
            match = None
            if values["national_id"]:
                match = next((x for x in pool if x.national_id == values["national_id"]), None)
            if match is None:
                match = next(
                    (
                        x
                        for x in pool
                        if x.full_name_folded == values["full_name_folded"]
                        and x.birth_date == values["birth_date"]
                        and (not x.national_id or not values["national_id"])
                    ),
                    None,
                )
            if match is not None:
                pool.remove(match)  # one row updates one member
                if any(getattr(match, f) != values[f] for f in fields):
                    for f in fields:
                        setattr(match, f, values[f])
                    plan["update"].append(match)
                by_household[key].append(match)
            else:
                member = Member(**values)
                member._import_key = key
                plan["create"].append(member)
                by_household[key].append(member)
        plan["fields"] = fields
        for key, household in touched.items():
            everyone = by_household[key] + (recorded.get(household.pk, []) if household.pk else [])
            head = next((x for x in everyone if x.relation == Member.Relation.HEAD), None)
            female = head is not None and head.sex == Member.Sex.FEMALE
            disabled = any(x.has_disability for x in everyone)
            if (female, disabled) != (household.female_headed, household.has_disabled_member):
                household.female_headed, household.has_disabled_member = female, disabled
                if household.pk is not None:
                    changed_households[household.pk] = household
        return plan

    # --- writing, all or nothing --------------------------------------------------------------------------------
    def _write(self, plan: dict) -> None:
        by = self.by
        now = timezone.now()
        reviews: list[_ReviewRow] = plan["reviews"]
        total = len(reviews)
        self.progress("write", 0, total)
        with transaction.atomic():
            changed = plan["changed_households"]
            if changed:
                versions = dict(
                    Household.objects.select_for_update().filter(pk__in=sorted(changed)).values_list("pk", "version")
                )
                if any(versions.get(pk) != h.version - 1 for pk, h in changed.items()):
                    raise IntegrityError("households changed since they were read")
            new = list(plan["new_households"].values())
            _bulk_create_with_history(new, Household, user=by, when=now)
            if changed:
                for household in changed.values():
                    household.updated_at = now
                bulk_update_with_history(
                    list(changed.values()),
                    Household,
                    plan["household_fields"],
                    batch_size=BATCH_SIZE,
                    default_user=by,
                    default_date=now,
                )
            superseded_old = plan["superseded_old"]
            if superseded_old:  # first out of the way of the one-recognised-periodic-review-per-year constraint
                Review.objects.filter(pk__in=[r.pk for r in superseded_old]).update(status=Review.Status.SUPERSEDED)
            households = {**{(h.commune_id, h.code): h for h in self.households.values()}, **plan["new_households"]}
            written = 0
            # Superseded rows go last, once the review that supersedes them has its id.
            winners = [r for r in reviews if r.review.status != Review.Status.SUPERSEDED]
            losers = [r for r in reviews if r.review.status == Review.Status.SUPERSEDED]
            for chunk in [*_chunks(winners, BATCH_SIZE), *_chunks(losers, BATCH_SIZE)]:
                objects = []
                for r in chunk:
                    review = r.review
                    review.household_id = households[(r.commune.pk, r.code)].pk
                    if review.superseded_by is not None:
                        review.superseded_by_id = review.superseded_by.pk
                    objects.append(review)
                _bulk_create_with_history(objects, Review, user=by, when=now)
                written += len(chunk)
                self.progress("write", written, total)
            old = [*superseded_old, *plan["changed_old"]]
            for review in superseded_old:
                review.superseded_by_id = review.superseded_by.pk
            if old:
                bulk_update_with_history(
                    old,
                    Review,
                    ["status", "superseded_by", "transition"],
                    batch_size=BATCH_SIZE,
                    default_user=by,
                    default_date=now,
                )
            members = plan["members"]
            for member in members["create"]:
                member.household_id = households[member._import_key].pk
            _bulk_create_with_history(members["create"], Member, user=by, when=now)
            if members["update"]:
                bulk_update_with_history(
                    members["update"],
                    Member,
                    members["fields"],
                    batch_size=BATCH_SIZE,
                    default_user=by,
                    default_date=now,
                )


def _bulk_create_with_history(objs: list, model, *, user, when: datetime) -> None:
    """``bulk_create`` the rows, then write their history rows with one ``INSERT … SELECT`` per batch.

    The history rows are those ``simple_history.utils.bulk_create_with_history`` writes (every tracked field copied
    from the row just inserted, ``history_type`` "+", the user and the date, no change reason), but the database
    copies them: building a second model instance per row in Python took more than half of the time of a 100,000-row
    import (design.md §7 budget: 60 s). Updates keep ``bulk_update_with_history``.
    """
    if not objs:
        return
    history = model.history.model
    meta = history._meta
    tracked = [f.column for f in history.tracked_fields]
    extra = [meta.get_field(name).column for name in ("history_date", "history_user", "history_type")]
    quote = connection.ops.quote_name
    for chunk in _chunks(objs, BATCH_SIZE):
        model._default_manager.bulk_create(chunk, batch_size=BATCH_SIZE)
        ids = [obj.pk for obj in chunk]
        # Identifiers come from the models' metadata, quoted; every value is a parameter.
        template = "INSERT INTO {history} ({columns}) SELECT {tracked}, %s, %s, %s FROM {table} WHERE {pk} IN ({ids})"
        sql = template.format(
            history=quote(meta.db_table),
            columns=", ".join(quote(c) for c in [*tracked, *extra]),
            tracked=", ".join(quote(c) for c in tracked),
            table=quote(model._meta.db_table),
            pk=quote(model._meta.pk.column),
            ids=", ".join(["%s"] * len(ids)),
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [when, user.pk if user is not None else None, "+", *ids])


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- imports run from a page: the job, its progress, the Celery task's service ----------------------------------
MAX_STORED_ERRORS = 20_000  # the page shows the first ones; the count says how many there were
PROGRESS_CACHE_SECONDS = 60 * 60
ERR_CRASHED = gettext_lazy(
    "The import stopped because of an unexpected error; nothing was written. Try again, or tell the administrator."
)
ERR_UPLOADER_GONE = gettext_lazy("The account that uploaded this file no longer exists; nothing was written.")


def progress_cache_key(job_id) -> str:
    return f"households:import-progress:{job_id}"


@transaction.atomic
def import_job_start(
    *,
    by,
    filename: str,
    data: bytes,
    members_filename: str = "",
    members_data: bytes | None = None,
    dry_run: bool = False,
    recognise: bool = False,
    language: str = "vi",
):
    """Store the upload as an ImportJob and run it in the ``imports`` queue once the upload is committed.

    With no broker (the embedded default) the task runs in-process right after the commit.
    """
    from .models_import import ImportJob
    from .tasks import import_reviews_job

    job = ImportJob.objects.create(
        created_by=by,
        filename=filename[:255],
        data=data,
        members_filename=(members_filename or "")[:255],
        members_data=members_data,
        dry_run=dry_run,
        recognise=recognise,
        language=language,
    )
    transaction.on_commit(lambda: import_reviews_job.delay(str(job.pk)))
    return job


def import_job_run(*, job_id, task_id: str = "") -> str:
    """Run one stored import (the Celery task calls this). Idempotent: a finished job is left as it is; a job whose
    worker died mid-way runs again from the start (its transaction was rolled back). Returns the final status."""
    from django.core.cache import cache
    from django.utils import translation

    from .models_import import ImportJob

    job = ImportJob.objects.filter(pk=job_id).select_related("created_by").first()
    if job is None:
        return "missing"
    if job.finished:
        return job.status
    jobs = ImportJob.objects.filter(pk=job.pk)
    # Claim the job: a pending one, or one whose worker died (no news for longer than a task may run). A second
    # delivery of the message while the first still runs leaves it alone.
    lease = timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", None) or 3600)
    running = [ImportJob.Status.VALIDATING, ImportJob.Status.WRITING]
    claimed = jobs.filter(
        Q(status=ImportJob.Status.PENDING) | Q(status__in=running, started_at__lt=timezone.now() - lease)
    ).update(status=ImportJob.Status.VALIDATING, started_at=timezone.now(), task_id=task_id or "")
    if not claimed:
        return job.status
    key = progress_cache_key(job.pk)
    last = {"at": 0.0}

    def progress(stage: str, done: int, total: int) -> None:
        import time

        state = {"rows_total": total, "rows_validated": done, "rows_written": 0, "status": ImportJob.Status.VALIDATING}
        if stage == "write":
            state.update(rows_validated=total, rows_written=done, status=ImportJob.Status.WRITING)
        cache.set(key, state, PROGRESS_CACHE_SECONDS)  # seen by the status page even inside the write transaction
        now = time.monotonic()
        if stage == "validate" and (now - last["at"] > 0.5 or done == total):
            last["at"] = now
            jobs.update(**state)

    try:
        if job.created_by is None:
            result = ReviewImportResult(dry_run=job.dry_run)
            result.errors.append(ImportRowError(0, "", str(ERR_UPLOADER_GONE)))
        else:
            with translation.override(job.language):
                result = reviews_import(
                    data=bytes(job.data or b""),
                    filename=job.filename,
                    members_data=bytes(job.members_data) if job.members_data is not None else None,
                    members_filename=job.members_filename or "members.csv",
                    by=job.created_by,
                    dry_run=job.dry_run,
                    recognise=job.recognise,
                    progress=progress,
                )
    except Exception:
        import logging

        logging.getLogger(__name__).exception("import job %s crashed", job.pk)
        with translation.override(job.language):
            result = ReviewImportResult(dry_run=job.dry_run)
            result.errors.append(ImportRowError(0, "", str(ERR_CRASHED)))
    counts = result.counts()
    counts["errors"] = len(result.errors)
    fields = {
        "status": ImportJob.Status.DONE if result.ok else ImportJob.Status.FAILED,
        "finished_at": timezone.now(),
        "errors": [e.as_dict() for e in result.errors[:MAX_STORED_ERRORS]],
        "counts": counts,
        "commune_ids": result.commune_ids,
        "rows_total": result.rows,
        "rows_validated": result.rows,
        "rows_written": result.reviews_created if result.ok and not job.dry_run else 0,
    }
    if not job.dry_run:
        fields["data"] = fields["members_data"] = None  # personal data: kept no longer than needed
    jobs.update(**fields)
    cache.delete(key)
    return fields["status"]
