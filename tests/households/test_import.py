"""The import of review files: good files, every kind of bad row (all reported at once, nothing written), scope,
recognition and transitions, dry runs, members, the command, the Celery job, the pages, and a fixed query count."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from households import imports, services
from households.imports import MEMBERS_SHEET, REVIEWS_SHEET, reviews_import
from households.models import Household, Member, Review
from households.models_import import ImportJob
from tests.conftest import PASSWORD
from tests.integration.test_celery_worker import worker  # noqa: F401 - the fixture of a real Celery worker

INDICATORS_2022 = [
    "employment",
    "dependants",
    "nutrition",
    "health_insurance",
    "adult_education",
    "child_schooling",
    "housing_quality",
    "housing_area",
    "drinking_water",
    "sanitation",
    "telecom",
    "information_access",
]
INDICATORS_2027 = ["digital_services", "waste"]
BASE = [
    "household_code",
    "commune_code",
    "village_code",
    "review_date",
    "income_per_capita",
    "household_size",
    "head_name",
    "ethnicity",
    "area_type",
    "classification",
    "kind",
]
HEADER = BASE + INDICATORS_2022 + INDICATORS_2027
MEMBER_HEADER = [c.name for c in imports.MEMBER_COLUMNS]
POOR = {"employment": "1", "nutrition": "1", "sanitation": "1"}


def review(code="H001", **values) -> dict:
    """A good periodic 2025 review (poor: 1,200,000 đồng and three deprivations) with ``values`` changed."""
    row = {
        "household_code": code,
        "commune_code": "90001",
        "village_code": "90001-01",
        "review_date": "15/10/2025",
        "income_per_capita": "1200000",
        "household_size": "4",
        "head_name": "Lò Văn Minh",
        "ethnicity": "Thái",
        "area_type": "rural",
        "classification": "",
        "kind": "",
        **dict.fromkeys(INDICATORS_2022, "0"),
        **dict.fromkeys(INDICATORS_2027, ""),
        **POOR,
    }
    row.update(values)
    return row


def member(code="H001", **values) -> dict:
    row = {
        "household_code": code,
        "commune_code": "90001",
        "full_name": "Lò Thị Hoa",
        "birth_date": "03/02/1988",
        "sex": "female",
        "relation": "head",
        "ethnicity": "",
        "national_id": "001188012345",
        "disability": "0",
        "health_insurance": "1",
        "schooling": "",
        "education": "lower_secondary",
        "employment": "stable",
        "in_training": "0",
    }
    row.update(values)
    return row


def to_csv(rows: list[dict], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def to_xlsx(sheets: dict[str, tuple[list[str], list[dict]]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, (header, rows) in sheets.items():
        sheet = workbook.create_sheet(name)
        sheet.append(header)
        for row in rows:
            sheet.append([row.get(h, "") for h in header])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def errors_by_cell(result) -> dict[tuple[str, int, str], str]:
    return {(e.sheet, e.row, e.field): e.message for e in result.errors}


def nothing_written() -> bool:
    return Household.objects.count() == 0 and Review.objects.count() == 0 and Member.objects.count() == 0


# --- good files -------------------------------------------------------------------------------------------------
def test_good_file_creates_households_and_draft_reviews(province):
    rows = [
        review("H001"),
        review("H002", village_code="90001-02", income_per_capita="1.600.000", **{"employment": "0"}),
        review("H003", income_per_capita="5000000", ethnicity="01", area_type="urban", classification="non_poor"),
    ]
    result = reviews_import(data=to_csv(rows))
    assert result.ok, result.errors
    assert result.counts() | {} == {
        "rows": 3,
        "member_rows": 0,
        "households_created": 3,
        "households_updated": 0,
        "reviews_created": 3,
        "reviews_recognised": 0,
        "reviews_unchanged": 0,
        "members_created": 0,
        "members_updated": 0,
    }
    h1 = Household.objects.get(code="H001")
    assert (h1.commune, h1.village, h1.head_name, h1.head_ethnicity, h1.size) == (
        province["a"],
        province["a1"],
        "Lò Văn Minh",
        "03",
        4,
    )
    assert h1.head_name_folded == "lo van minh" and h1.latest_classification == ""
    r1 = h1.reviews.get()
    assert (r1.status, r1.kind, r1.list_year, r1.standard.code, r1.source) == (
        "draft",
        "periodic",
        2026,
        "2022-2025",
        "import",
    )
    assert (r1.income_per_capita, r1.household_size, r1.deprivation_count, r1.classification) == (
        1_200_000,
        4,
        3,
        "poor",
    )
    assert set(services.StandardBook.load().codes(r1.deprived_mask)) == set(POOR)
    assert Review.objects.get(household__code="H002").classification == "average"  # 1.6M rural, above the line
    assert Household.objects.get(code="H003").area_type == "urban"
    # Every row has its history record (simple_history rows, written in bulk).
    assert Household.history.count() == 3 and Review.history.count() == 3


def test_known_household_gets_the_review_added_and_its_head_and_size_updated(province):
    household = services.household_create(
        commune=province["a"], village=province["a1"], code="H001", head_name="Lò Văn Cũ", size=3
    )
    result = reviews_import(data=to_csv([review("H001", head_name="Lò Văn Mới", household_size="5")]))
    assert result.ok, result.errors
    assert (result.households_created, result.households_updated, result.reviews_created) == (0, 1, 1)
    household.refresh_from_db()
    assert (household.head_name, household.size, household.version) == ("Lò Văn Mới", 5, 2)
    assert household.head_name_folded == "lo van moi"
    assert household.reviews.count() == 1
    assert household.history.first().head_name == "Lò Văn Mới"


def test_vietnamese_headers_and_values_are_accepted(province):
    columns = [*imports.REVIEW_COLUMNS, *imports.indicator_columns(services.StandardBook.load())]
    labels = {c.name: c.label_vi for c in columns}
    # Every other column by its Vietnamese label alone, the others as in the template: "Mã hộ (household_code)".
    header = [labels[h] if i % 2 else imports.header_label(h, labels[h]) for i, h in enumerate(HEADER)]
    assert "Việc làm" in header or "Việc làm (employment)" in header
    row = review(area_type="nông thôn", ethnicity="Tày", review_date="2025-10-15", income_per_capita="1.200.000")
    row["kind"] = "định kỳ"
    data = to_csv([{header[i]: row[h] for i, h in enumerate(HEADER)}], header=header)
    result = reviews_import(data=data)
    assert result.ok, result.errors
    household = Household.objects.get()
    assert (household.head_ethnicity, household.area_type) == ("02", "rural")
    assert household.reviews.get().review_date == date(2025, 10, 15)


def test_semicolon_csv_with_bom_from_excel(province):
    data = to_csv([review()]).decode().replace(",", ";")
    result = reviews_import(data=("\ufeff" + data).encode())
    assert result.ok, result.errors
    assert Review.objects.count() == 1


def test_xlsx_with_a_members_sheet(province):
    data = to_xlsx(
        {
            REVIEWS_SHEET: (HEADER, [review("H001"), review("H002", **{"employment": "0"})]),
            MEMBERS_SHEET: (
                MEMBER_HEADER,
                [
                    member("H001"),
                    member(
                        "H001", full_name="Lò Văn Minh", sex="nam", relation="chồng", national_id="", disability="1"
                    ),
                    member("H002", full_name="Cầm Thị Lan", national_id="", relation="head", ethnicity="Tày"),
                ],
            ),
        }
    )
    result = reviews_import(data=data, filename="ra-soat.xlsx")
    assert result.ok, result.errors
    assert (result.member_rows, result.members_created) == (3, 3)
    h1 = Household.objects.get(code="H001")
    assert h1.female_headed and h1.has_disabled_member
    head = h1.members.get(relation="head")
    assert (head.national_id, head.birth_date, head.ethnicity, head.has_health_insurance) == (
        "001188012345",
        date(1988, 2, 3),
        "03",  # empty: the ethnicity of the head of household
        True,
    )
    assert h1.members.get(relation="spouse").sex == "male"
    assert Member.objects.get(full_name="Cầm Thị Lan").ethnicity == "02"
    assert Member.history.count() == 3


def test_members_in_a_second_csv_file_and_a_second_import_updates_them(province):
    reviews = to_csv([review("H001")])
    members = to_csv([member("H001")], header=MEMBER_HEADER)
    assert reviews_import(data=reviews, members_data=members).ok
    again = reviews_import(
        data=reviews, members_data=to_csv([member("H001", health_insurance="0")], header=MEMBER_HEADER)
    )
    assert again.ok, again.errors
    assert (again.reviews_unchanged, again.reviews_created, again.members_created, again.members_updated) == (
        1,
        0,
        0,
        1,
    )
    assert Member.objects.get().has_health_insurance is False


def test_the_same_file_twice_changes_nothing(province):
    data = to_csv([review("H001"), review("H002")])
    assert reviews_import(data=data).ok
    again = reviews_import(data=data)
    assert again.ok and (again.reviews_unchanged, again.reviews_created, again.households_updated) == (2, 0, 0)
    assert Review.objects.count() == 2


def test_kind_decides_the_standard(province):
    # A periodic review in October 2026 sets the 2027 list: the 2027-2030 standard (digital_services and waste).
    periodic = review(
        "H001", review_date="15/10/2026", telecom="", information_access="", digital_services="1", waste="0"
    )
    # A regular review the same day applies the standard in force that day (2022-2025).
    regular = review("H002", review_date="15/10/2026", kind="regular")
    result = reviews_import(data=to_csv([periodic, regular]))
    assert result.ok, result.errors
    p, r = Review.objects.get(household__code="H001"), Review.objects.get(household__code="H002")
    assert (p.standard.code, p.list_year) == ("2027-2030", 2027)
    assert (r.standard.code, r.list_year, r.kind) == ("2022-2025", 2026, "regular")
    assert p.classification == "poor"  # 1.2M ≤ 2.2M and employment, nutrition, sanitation, digital_services


# --- bad rows ---------------------------------------------------------------------------------------------------
BAD_ROWS = [
    # (changes to a good row, column, fragment of the reason)
    ({"commune_code": "99999"}, "commune_code", "No commune with code 99999"),
    ({"village_code": "90001-99"}, "village_code", "No village with code 90001-99"),
    ({"village_code": "90002-01"}, "village_code", "Village 90002-01 is not in commune 90001"),
    ({"income_per_capita": "nhiều"}, "income_per_capita", "nhiều is not a whole number"),
    ({"income_per_capita": "-5000"}, "income_per_capita", "cannot be negative"),
    ({"income_per_capita": "1200000.5"}, "income_per_capita", "leave out the decimals"),
    ({"household_size": "0"}, "household_size", "must be at least 1"),
    ({"household_size": "bốn"}, "household_size", "bốn is not a whole number"),
    ({"review_date": "2019-05-01"}, "review_date", "No poverty standard covers 01/05/2019"),
    ({"review_date": "31/02/2025"}, "review_date", "31/02/2025 is not a date"),
    ({"review_date": "15.10.2025"}, "review_date", "write it as dd/mm/yyyy or yyyy-mm-dd"),
    ({"review_date": "01/01/2099"}, "review_date", "01/01/2099 is in the future"),
    ({"waste": "1"}, "waste", "Indicator waste is not part of the standard 2022-2025"),
    ({"telecom": "2"}, "telecom", "2 is not 0 or 1"),
    ({"housing_area": ""}, "housing_area", "The standard 2022-2025 needs this indicator"),
    ({"ethnicity": "Martian"}, "ethnicity", "Unknown ethnicity Martian"),
    ({"area_type": "suburban"}, "area_type", "Unknown area type suburban"),
    (
        {"classification": "non_poor"},
        "classification",
        "The file says non_poor but the income and indicators give poor",
    ),
    ({"classification": "rich"}, "classification", "Unknown classification rich"),
    ({"kind": "weekly"}, "kind", "Unknown kind of review weekly"),
    ({"head_name": ""}, "head_name", "A value is required"),
    ({"household_code": ""}, "household_code", "A value is required"),
    ({"household_code": "H001"}, "household_code", "appears again for the periodic review of 2026 (first on row 2)"),
]


def test_every_bad_row_is_reported_with_row_column_and_reason_and_nothing_is_written(province):
    rows = [review("H001")] + [review(f"B{i:03d}", **changes) for i, (changes, _c, _f) in enumerate(BAD_ROWS)]
    rows[-1]["household_code"] = "H001"  # the duplicate
    result = reviews_import(data=to_csv(rows))
    got = errors_by_cell(result)
    for offset, (changes, column, fragment) in enumerate(BAD_ROWS):
        number = 3 + offset  # header = row 1, the good row = row 2
        assert (REVIEWS_SHEET, number, column) in got, f"row {number} {changes} not reported on {column}: {got}"
        assert fragment in got[(REVIEWS_SHEET, number, column)]
    assert len(result.errors) == len(BAD_ROWS)
    assert nothing_written()


def test_a_dry_run_reports_the_same_errors_and_writes_nothing(province):
    rows = [review("H001"), review("H002", income_per_capita="abc"), review("H003", waste="1")]
    real = reviews_import(data=to_csv(rows))
    dry = reviews_import(data=to_csv(rows), dry_run=True)
    assert [str(e) for e in dry.errors] == [str(e) for e in real.errors] and len(dry.errors) == 2
    good = reviews_import(data=to_csv([review("H001"), review("H002")]), dry_run=True)
    assert good.ok and (good.households_created, good.reviews_created) == (2, 2)
    assert nothing_written()


def test_a_missing_indicator_column_that_the_standard_needs_is_an_error(province):
    header = [h for h in HEADER if h != "sanitation"]
    result = reviews_import(data=to_csv([review("H001"), review("H002")], header=header))
    assert errors_by_cell(result) == {
        (REVIEWS_SHEET, 2, "sanitation"): "Column sanitation is missing: the standard 2022-2025 needs it "
        "(first needed on this row)."
    }
    # Without the 2027-2030 columns a 2025 file is fine: that standard is not used.
    header = [h for h in HEADER if h not in INDICATORS_2027]
    assert reviews_import(data=to_csv([review("H001")], header=header)).ok


@pytest.mark.parametrize(
    ("data", "filename", "row", "column", "fragment"),
    [
        (b"household_code,commune_code\nH1,90001\n", "r.csv", 1, "village_code", "Column village_code is missing"),
        (to_csv([review()], header=[*HEADER, "colour"]), "r.csv", 1, "colour", "Unknown column colour"),
        (b"", "r.csv", 1, "", "The file is empty"),
        (b"\xef\xbb\xbf\r\n", "r.csv", 1, "", "The file is empty"),
        ("household_code,head_name\nH1,Đào\n".encode("cp1258"), "r.csv", 0, "", "byte 28 cannot be read"),
        ("household_code,head_name\nH1,José\n".encode("latin-1"), "r.csv", 0, "", "byte 31 cannot be read"),
        (b"PK\x03\x04not really a zip", "r.xlsx", 0, "", "not a real Excel workbook"),
        (b"this is text", "r.xlsx", 0, "", "not a real Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", "r.xls", 0, "", "old Excel file (.xls)"),
        (to_csv([]), "r.csv", 2, "", "a header but no rows"),
        (to_csv([review()], header=[*HEADER[:3], "village_code", *HEADER[3:]]), "r.csv", 1, "village_code", "twice"),
    ],
)
def test_file_level_errors(province, data, filename, row, column, fragment):
    result = reviews_import(data=data, filename=filename)
    got = errors_by_cell(result)
    assert (REVIEWS_SHEET, row, column) in got, got
    assert fragment in got[(REVIEWS_SHEET, row, column)]
    assert nothing_written()


def test_error_text_names_row_column_and_reason(province):
    result = reviews_import(data=to_csv([review(income_per_capita="abc")]))
    assert [str(e) for e in result.errors] == ["Row 2, column income_per_capita: abc is not a whole number."]
    members = reviews_import(data=to_csv([review()]), members_data=to_csv([member(sex="x")], header=MEMBER_HEADER))
    assert str(members.errors[0]).startswith("Members file: Row 2, column sex: Unknown value x")
    assert str(reviews_import(data=b"").errors[0]) == "Row 1, column -: The file is empty."


MEMBER_BAD_ROWS = [
    ({"national_id": "00118801234"}, "national_id", "must be exactly 12 digits"),
    ({"national_id": "999188012345"}, "national_id", "not a province code"),
    ({"national_id": "001188012345"}, "national_id", "appears again (first on row 2)"),
    ({"national_id": "001090000001", "sex": "male", "birth_date": "01/01/1990"}, "national_id", "belongs to another"),
    ({"household_code": "H404"}, "household_code", "Household H404 of commune 90001 is neither in the review file"),
    ({"birth_date": "30/02/1990"}, "birth_date", "30/02/1990 is not a date"),
    ({"birth_date": "01/01/2099"}, "birth_date", "in the future"),
    ({"sex": "other"}, "sex", "Unknown value other"),
    ({"relation": "cousin"}, "relation", "Unknown value cousin"),
    ({"education": "phd"}, "education", "Unknown value phd"),
    ({"health_insurance": "yes"}, "health_insurance", "yes is not 0 or 1"),
    ({"commune_code": "91001"}, "commune_code", "You do not serve commune 91001"),
    ({"full_name": ""}, "full_name", "A value is required"),
]


def test_every_bad_member_row_is_reported_and_nothing_is_written(province, users):
    # A member recorded in another household already holds 001090000001.
    other = services.household_create(commune=province["a"], village=province["a2"], code="OLD", head_name="Cũ")
    services.member_add(
        household=other,
        full_name="Người Cũ",
        sex="male",
        relation="head",
        national_id="001090000001",
        birth_date=date(1990, 1, 1),
    )
    rows = [member("H001")] + [
        member("H001", **{"full_name": f"Người {i}", "national_id": "", **changes})
        for i, (changes, _c, _f) in enumerate(MEMBER_BAD_ROWS)
    ]
    result = reviews_import(
        data=to_csv([review("H001")]), members_data=to_csv(rows, header=MEMBER_HEADER), by=users["chairman"]
    )
    got = errors_by_cell(result)
    for offset, (changes, column, fragment) in enumerate(MEMBER_BAD_ROWS):
        number = 3 + offset
        assert (MEMBERS_SHEET, number, column) in got, f"member row {number} {changes} not reported: {got}"
        assert fragment in got[(MEMBERS_SHEET, number, column)]
    assert Household.objects.count() == 1 and Review.objects.count() == 0 and Member.objects.count() == 1


# --- scope and recognition --------------------------------------------------------------------------------------
def test_rows_of_communes_the_user_does_not_serve_wholly_are_errors(province, users):
    rows = [review("H001"), review("H002", commune_code="90002", village_code="90002-01")]
    chairman = reviews_import(data=to_csv(rows), by=users["chairman"])
    assert errors_by_cell(chairman) == {
        (REVIEWS_SHEET, 3, "commune_code"): "You do not serve commune 90002, so you cannot import its rows."
    }
    cadre = reviews_import(data=to_csv(rows[:1]), by=users["cadre"])  # two villages of 90001, not the commune
    assert "You do not serve commune 90001" in cadre.errors[0].message
    assert nothing_written()
    officer = reviews_import(data=to_csv(rows), by=users["province_officer"])
    assert officer.ok and Review.objects.filter(reviewer=users["province_officer"]).count() == 2


def test_recognise_computes_transitions_in_list_year_order_and_keeps_the_household_in_step(province, users):
    chairman = users["chairman"]
    rows = [
        # Out of order on purpose: list years 2026, 2024, 2025.
        review("H001", review_date="15/10/2025", income_per_capita="1000000"),  # poor (2026)
        review("H001", review_date="15/10/2023", income_per_capita="1000000"),  # poor (2024)
        review("H001", review_date="15/10/2024", income_per_capita="4000000"),  # non_poor (2025)
    ]
    result = reviews_import(data=to_csv(rows), by=chairman, recognise=True)
    assert result.ok, result.errors
    assert result.reviews_recognised == 3
    reviews = list(Review.objects.order_by("list_year"))
    assert [(r.list_year, r.classification, r.transition) for r in reviews] == [
        (2024, "poor", ""),
        (2025, "non_poor", "escaped"),
        (2026, "poor", "fell_back"),
    ]
    assert all(r.status == "recognised" and r.recognised_by == chairman and r.recognised_at for r in reviews)
    household = Household.objects.get()
    assert (household.latest_classification, household.latest_transition, household.latest_list_year) == (
        "poor",
        "fell_back",
        2026,
    )
    # A new recognised review of 2026 supersedes the recorded one; the later history is recomputed.
    again = reviews_import(
        data=to_csv([review("H001", review_date="20/11/2025", income_per_capita="1400000", employment="0")]),
        by=chairman,
        recognise=True,
    )
    assert again.ok, again.errors
    old = Review.objects.get(review_date=date(2025, 10, 15))
    new = Review.objects.get(review_date=date(2025, 11, 20))
    assert (old.status, old.superseded_by, new.status, new.classification, new.transition) == (
        "superseded",
        new,
        "recognised",
        "near_poor",
        "newly_near_poor",
    )
    household.refresh_from_db()
    assert (household.latest_classification, household.latest_transition) == ("near_poor", "newly_near_poor")


def test_only_a_chairman_may_recognise(province, users):
    result = reviews_import(data=to_csv([review()]), by=users["province_officer"], recognise=True)
    assert errors_by_cell(result) == {(REVIEWS_SHEET, 0, ""): str(imports.ERR_RECOGNISE_RIGHT)}
    status = reviews_import(data=to_csv([review(status="recognised")], header=[*HEADER, "status"]), by=users["cadre"])
    assert ("reviews", 2, "status") in errors_by_cell(status)
    assert nothing_written()


def test_a_recorded_review_with_other_figures_is_an_error(province):
    assert reviews_import(data=to_csv([review("H001")])).ok
    result = reviews_import(data=to_csv([review("H001", income_per_capita="1300000")]))
    assert "already has a periodic review dated 15/10/2025 with other figures" in result.errors[0].message
    assert Review.objects.count() == 1


# --- speed: a fixed number of queries ---------------------------------------------------------------------------
def _file(n: int) -> tuple[bytes, bytes]:
    rows, members = [], []
    for i in range(n):
        code = f"Q{i:04d}"
        village = ("90001-01", "90001-02", "90001-03")[i % 3]
        rows.append(review(code, village_code=village))
        rows.append(review(code, village_code=village, review_date="15/10/2024", income_per_capita="3000000"))
        members.append(member(code, national_id=""))
    return to_csv(rows), to_csv(members, header=MEMBER_HEADER)


def test_the_number_of_queries_does_not_grow_with_the_rows(province, users, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    chairman = users["chairman"]
    counts = []
    for n in (5, 150):
        Review.objects.all().delete()
        Member.objects.all().delete()
        Household.objects.all().delete()
        # One household is already recorded (it is updated), the others are new.
        Household.objects.create(commune=province["a"], village=province["a1"], code="Q0000", head_name="x", size=1)
        reviews, members = _file(n)
        chairman = type(chairman).objects.get(pk=chairman.pk)
        with django_assert_max_num_queries(40), CaptureQueriesContext(connection) as captured:
            result = reviews_import(data=reviews, members_data=members, by=chairman, recognise=True)
        assert result.ok and result.reviews_created == 2 * n, result.errors
        counts.append([q["sql"][:90] for q in captured.captured_queries])
    assert len(counts[0]) == len(counts[1]), "\n".join(f"{a!r:100} | {b!r}" for a, b in zip(*counts, strict=False))


# --- the command ------------------------------------------------------------------------------------------------
def test_command_prints_every_error_and_fails(province, tmp_path, capsys):
    path = tmp_path / "ra-soat.csv"
    path.write_bytes(to_csv([review("H001", income_per_capita="abc"), review("H002", village_code="x")]))
    with pytest.raises(CommandError, match="2 error"):
        call_command("import_reviews", str(path))
    err = capsys.readouterr().err
    assert "Row 2, column income_per_capita: abc is not a whole number." in err
    assert "Row 3, column village_code: No village with code x." in err
    assert nothing_written()


def test_command_imports_with_members_as_a_user_and_recognises(province, users, tmp_path, capsys):
    reviews, members = tmp_path / "r.csv", tmp_path / "m.csv"
    reviews.write_bytes(to_csv([review("H001")]))
    members.write_bytes(to_csv([member("H001")], header=MEMBER_HEADER))
    call_command("import_reviews", str(reviews), "--members", str(members), "--dry-run")
    assert "households: 1 would be created" in capsys.readouterr().out and nothing_written()
    call_command("import_reviews", str(reviews), "--members", str(members), "--recognise", "--user", "chutich")
    out = capsys.readouterr().out
    assert "reviews: 1 were recorded (1 recognised)" in out and "members: 1 were added" in out
    assert Review.objects.get().recognised_by == users["chairman"]
    with pytest.raises(CommandError, match="no active user"):
        call_command("import_reviews", str(reviews), "--user", "nobody")
    other = tmp_path / "b.csv"
    other.write_bytes(to_csv([review("H009", commune_code="90002", village_code="90002-01")]))
    with pytest.raises(CommandError):
        call_command("import_reviews", str(other), "--user", "chutich")
    assert "You do not serve commune 90002" in capsys.readouterr().err


# --- the job and its Celery task --------------------------------------------------------------------------------
def test_job_runs_through_the_task_after_commit_and_is_idempotent(province, users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = imports.import_job_start(
            by=users["chairman"], filename="r.csv", data=to_csv([review("H001"), review("H002")]), language="en"
        )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.errors
    assert (job.rows_total, job.rows_validated, job.rows_written) == (2, 2, 2)
    assert job.counts["households_created"] == 2 and job.data is None  # the upload is not kept
    assert job.commune_ids == [province["a"].pk]
    assert imports.import_job_run(job_id=job.pk) == "done"  # a redelivered message changes nothing
    assert Review.objects.count() == 2


def test_job_with_errors_keeps_every_error_and_writes_nothing(province, users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = imports.import_job_start(
            by=users["chairman"],
            filename="r.csv",
            data=to_csv([review("H001"), review("H002", waste="1")]),
            language="en",
        )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.counts["errors"] == 1
    assert job.errors == [
        {
            "sheet": "reviews",
            "row": 3,
            "field": "waste",
            "message": "Indicator waste is not part of the standard 2022-2025.",
        }
    ]
    assert nothing_written()


def test_progress_is_reported(province):
    seen = []
    rows = [review(f"P{i:04d}") for i in range(imports.PROGRESS_EVERY + 10)]
    assert reviews_import(data=to_csv(rows), progress=lambda *a: seen.append(a)).ok
    total = len(rows)
    assert ("validate", imports.PROGRESS_EVERY, total) in seen and ("validate", total, total) in seen
    assert ("write", 0, total) in seen and seen[-1] == ("write", total, total)


# --- the pages --------------------------------------------------------------------------------------------------
def client_for(username: str, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    assert client.login(username=username, password=PASSWORD)
    return client


def test_import_page_shows_the_form_the_template_link_and_the_columns(users):
    response = client_for("chutich").get(reverse("households:import"))
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("households:import_template") in body
    assert "household_code" in body and "digital_services" in body and 'name="recognise"' in body
    cadre = client_for("canbo").get(reverse("households:import")).content.decode()
    assert 'name="recognise"' not in cadre
    assert client_for("tindung").get(reverse("households:import")).status_code == 403
    assert Client().get(reverse("households:import")).status_code == 302  # to the login page


def test_upload_runs_the_import_and_the_status_page_shows_the_counts(users, django_capture_on_commit_callbacks):
    client = client_for("chutich")
    upload = io.BytesIO(to_csv([review("H001"), review("H002")]))
    upload.name = "ra-soat.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("households:import"), {"file": upload, "recognise": "on"})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("households:import_status", args=[job.pk])
    page = client.get(response.url).content.decode()
    assert 'data-count="households_created">2<' in page and 'data-count="reviews_recognised">2<' in page
    state = json.loads(client.get(reverse("households:import_status_json", args=[job.pk])).content)
    assert state["finished"] and state["status"] == "done" and state["rows_written"] == 2
    # Someone else's job answers 404.
    assert client_for("canbo").get(reverse("households:import_status", args=[job.pk])).status_code == 404
    assert client_for("tinh").get(reverse("households:import_status_json", args=[job.pk])).status_code == 404


def test_errors_page_in_vietnamese_starts_with_co_loi(users, django_capture_on_commit_callbacks):
    client = client_for("chutich", language="vi")
    upload = io.BytesIO(to_csv([review("H001"), review("H002", income_per_capita="abc")]))
    upload.name = "ra-soat.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("households:import"), {"file": upload})
    body = client.get(response.url).content.decode()
    assert "<title>Có lỗi" in body
    assert 'id="error-table"' in body and "income_per_capita" in body and ">3<" in body
    assert nothing_written()


def test_a_wrong_upload_is_refused_on_the_form(users):
    client = client_for("chutich")
    upload = io.BytesIO(b"x")
    upload.name = "notes.pdf"
    response = client.post(reverse("households:import"), {"file": upload})
    assert response.status_code == 200 and "Choose a .csv or .xlsx file." in response.content.decode()
    assert not ImportJob.objects.exists()


def test_dry_run_then_confirm(users, django_capture_on_commit_callbacks):
    client = client_for("chutich")
    upload = io.BytesIO(to_csv([review("H001")]))
    upload.name = "ra-soat.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("households:import"), {"file": upload, "dry_run": "on"})
    assert "Import this file now" in client.get(response.url).content.decode() and nothing_written()
    dry = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("households:import_confirm", args=[dry.pk]))
    assert response.status_code == 302 and Review.objects.count() == 1
    assert client.post(reverse("households:import_confirm", args=[dry.pk])).status_code == 404  # only once


def test_template_download_is_a_workbook_that_imports_as_empty(users):
    response = client_for("canbo").get(reverse("households:import_template"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["reviews", "members", "huong_dan"]
    header = [c.value for c in workbook["reviews"][1]]
    assert header[:2] == ["Mã hộ (household_code)", "Mã xã (commune_code)"]
    assert "Mã hộ (household_code)" in header and any("(waste)" in h for h in header)
    result = reviews_import(data=response.content, filename="mau.xlsx")
    assert [(e.row, e.message) for e in result.errors] == [(2, str(imports.ERR_NO_ROWS))]


def test_a_job_already_running_elsewhere_is_left_alone_and_a_dead_one_runs_again(province, users):
    from datetime import timedelta

    from django.utils import timezone

    running = ImportJob.objects.create(
        created_by=users["chairman"],
        filename="r.csv",
        data=to_csv([review("H001")]),
        status=ImportJob.Status.VALIDATING,
        started_at=timezone.now(),
    )
    assert imports.import_job_run(job_id=running.pk) == "validating"  # a second delivery while the first runs
    assert Review.objects.count() == 0
    ImportJob.objects.filter(pk=running.pk).update(started_at=timezone.now() - timedelta(hours=2))
    assert imports.import_job_run(job_id=running.pk) == "done"  # its worker died: the job runs again
    assert Review.objects.count() == 1


def test_members_in_a_separate_xlsx_and_cells_beyond_the_header(province):
    members = to_xlsx({"Sheet1": (MEMBER_HEADER, [member("H001")])})
    result = reviews_import(data=to_csv([review("H001")]), members_data=members, members_filename="tv.xlsx")
    assert result.ok and result.members_created == 1, result.errors
    extra = to_csv([review("H002")]).decode().rstrip("\n") + ",surplus\n"
    assert errors_by_cell(reviews_import(data=extra.encode())) == {
        (REVIEWS_SHEET, 2, ""): "This row has more cells than the header has columns."
    }


def test_every_written_row_has_the_history_record_simple_history_would_write(province, users):
    chairman = users["chairman"]
    reviews, members = _file(3)
    assert reviews_import(data=reviews, members_data=members, by=chairman, recognise=True).ok
    for model in (Household, Review, Member):
        objects = list(model.objects.all())
        assert objects and model.history.count() == len(objects)
        for obj in objects:
            record = obj.history.get()
            assert (record.history_type, record.history_user, record.history_change_reason) == ("+", chairman, None)
            assert record.history_date == Household.history.first().history_date  # one moment for the import
            for f in model.history.model.tracked_fields:
                assert getattr(record, f.attname) == getattr(obj, f.attname), (model, f.attname)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_import_from_the_imports_queue(province, users, request):
    """With a broker the upload's job goes through Redis to a worker process (queue imports) that shares only the
    database with the web process; the job row carries the result back."""
    import time

    process = request.getfixturevalue("worker")  # tests/integration: a Celery worker process on the test Redis

    job = imports.import_job_start(
        by=users["chairman"], filename="r.csv", data=to_csv([review("H001"), review("H002")]), language="en"
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        job.refresh_from_db()
        if job.finished:
            break
        time.sleep(0.3)
    if process.poll() is not None:
        pytest.fail("worker exited: " + process.stdout.read())
    assert job.status == ImportJob.Status.DONE, job.errors
    assert job.task_id and job.counts["reviews_created"] == 2
    assert Review.objects.filter(reviewer=users["chairman"]).count() == 2
