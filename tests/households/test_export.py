"""The export of a commune in the import format: imported into an empty database it gives the same data back."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from households import exports, services
from households.imports import MEMBERS_SHEET, REVIEWS_SHEET, reviews_import
from households.models import Household, Member, Review
from tests.conftest import PASSWORD
from tests.households.factories import recognised_review

POOR = {"employment", "nutrition", "sanitation"}


@pytest.fixture
def commune_data(province):
    """Commune A: three households with members and years of reviews (recognised, superseded, drafts)."""
    a = province["a"]
    h1 = services.household_create(
        commune=a,
        village=province["a1"],
        code="A001",
        head_name="Lò Văn Minh",
        head_ethnicity="03",
        size=4,
        address="Bản Mòng",
    )
    h2 = services.household_create(commune=a, village=province["a2"], code="A002", head_name="Nguyễn Thị Lan", size=2)
    h3 = services.household_create(
        commune=a, village=province["a3"], code="A003", head_name="Đinh Văn Tú", area_type="urban", size=5
    )
    # h1: poor 2023, poor 2024, near-poor 2025 (escaped), poor 2026 (fell back); the first 2026 review superseded.
    recognised_review(h1, review_date=date(2022, 10, 1), income=1_000_000, deprived=POOR)
    recognised_review(h1, review_date=date(2023, 10, 1), income=1_100_000, deprived=POOR)
    recognised_review(h1, review_date=date(2024, 10, 1), income=1_400_000, deprived={"employment"})
    recognised_review(h1, review_date=date(2025, 10, 1), income=2_500_000, deprived=set())
    recognised_review(h1, review_date=date(2025, 11, 10), income=1_200_000, deprived=POOR)  # supersedes the last
    # h2: a recognised regular review and a draft of the next periodic one.
    recognised_review(h2, review_date=date(2025, 3, 15), kind="regular", income=1_300_000, deprived={"telecom"})
    draft = services.review_record(
        household=h2, review_date=date(2025, 10, 20), income_per_capita=1_900_000, deprived={"housing_area"}
    )
    services.review_advance(review=draft, to="village_agreed", by=None)
    # h3: urban, a periodic review of 2026 under the 2027-2030 standard, posted.
    r3 = services.review_record(
        household=h3, review_date=date(2026, 10, 1), income_per_capita=2_700_000, deprived={"waste", "digital_services"}
    )
    for step in ("village_agreed", "posted"):
        r3 = services.review_advance(review=r3, to=step, by=None)
    # Members, added after the reviews (so the reviews need no overrides).
    services.member_add(
        household=h1,
        full_name="Lò Văn Minh",
        sex="male",
        relation="head",
        birth_date=date(1980, 5, 1),
        national_id="014080000123",
        ethnicity="03",
        has_health_insurance=True,
        education="primary",
        employment="unstable",
    )
    services.member_add(
        household=h1,
        full_name="Lò Thị Hoa",
        sex="female",
        relation="spouse",
        birth_date=date(1985, 7, 9),
        ethnicity="03",
        has_disability=True,
        education="none",
        employment="stable",
    )
    services.member_add(
        household=h1,
        full_name="Lò Văn Nam",
        sex="male",
        relation="child",
        birth_date=date(2015, 1, 20),
        ethnicity="03",
        schooling="behind",
        education="primary",
        employment="child",
        has_health_insurance=True,
    )
    services.member_add(
        household=h2,
        full_name="Nguyễn Thị Lan",
        sex="female",
        relation="head",
        birth_date=date(1962, 2, 2),
        in_training=True,
        education="upper_secondary",
        employment="retired",
    )
    # A household of another commune is not exported with commune A.
    services.household_create(commune=province["b"], village=province["b1"], code="B001", head_name="Khác")
    return a


def snapshot(commune) -> dict:
    households = {
        h.code: (
            h.village.code,
            h.head_name,
            h.head_ethnicity,
            h.area_type,
            h.size,
            h.address,
            h.female_headed,
            h.has_disabled_member,
            h.latest_classification,
            h.latest_transition,
            h.latest_list_year,
        )
        for h in Household.objects.filter(commune=commune).select_related("village")
    }
    members = sorted(
        (
            m.household.code,
            m.full_name,
            m.birth_date,
            m.sex,
            m.relation,
            m.ethnicity,
            m.national_id,
            m.has_disability,
            m.has_health_insurance,
            m.schooling,
            m.education,
            m.employment,
            m.in_training,
        )
        for m in Member.objects.filter(household__commune=commune).select_related("household")
    )
    reviews = sorted(
        (
            r.household.code,
            r.kind,
            r.review_date,
            r.list_year,
            r.standard.code,
            r.income_per_capita,
            r.household_size,
            r.deprived_mask,
            r.deprivation_count,
            r.classification,
            r.status,
            r.transition,
            r.superseded_by.review_date if r.superseded_by else None,
        )
        for r in Review.objects.filter(household__commune=commune).select_related(
            "household", "standard", "superseded_by"
        )
    )
    return {"households": households, "members": members, "reviews": reviews}


def empty_database() -> None:
    Review.objects.update(superseded_by=None)
    Review.objects.all().delete()
    Member.objects.all().delete()
    Household.objects.all().delete()


def test_xlsx_export_imported_into_an_empty_database_gives_the_same_data(commune_data):
    before = snapshot(commune_data)
    assert len(before["reviews"]) == 8 and len(before["members"]) == 4
    assert {r[10] for r in before["reviews"]} == {"recognised", "superseded", "village_agreed", "posted"}
    assert before["households"]["A001"][8:] == ("poor", "fell_back", 2026)
    file = exports.reviews_export(user=None, commune=commune_data, fmt="xlsx")
    assert file.filename == "ra-soat-90001.xlsx"
    empty_database()
    result = reviews_import(data=file.content, filename=file.filename)
    assert result.ok, result.errors
    assert (result.households_created, result.reviews_created, result.members_created) == (3, 8, 4)
    assert snapshot(commune_data) == before


def test_csv_export_of_reviews_and_members_imported_again(commune_data):
    before = snapshot(commune_data)
    reviews = exports.reviews_export(user=None, commune=commune_data, fmt="csv", part=REVIEWS_SHEET)
    members = exports.reviews_export(user=None, commune=commune_data, fmt="csv", part=MEMBERS_SHEET)
    assert reviews.content.startswith(b"\xef\xbb\xbf") and members.filename == "ra-soat-90001-thanh-vien.csv"
    empty_database()
    result = reviews_import(data=reviews.content, filename=reviews.filename, members_data=members.content)
    assert result.ok, result.errors
    assert snapshot(commune_data) == before


def test_an_export_imported_into_the_same_database_changes_nothing(commune_data):
    before = snapshot(commune_data)
    file = exports.reviews_export(user=None, commune=commune_data, fmt="xlsx")
    result = reviews_import(data=file.content, filename=file.filename)
    assert result.ok, result.errors
    assert (result.reviews_unchanged, result.reviews_created, result.members_created) == (8, 0, 0)
    assert snapshot(commune_data) == before


def test_export_follows_the_scope_and_masks_national_ids(commune_data, users):
    cadre = exports.export_tables(user=users["cadre"], commune=commune_data)  # villages a1 and a2 only
    assert sorted({row[0] for row in cadre[REVIEWS_SHEET][1]}) == ["A001", "A002"]
    assert "014080000123" in [row[7] for row in cadre[MEMBERS_SHEET][1]]  # a cadre needs the number
    officer = exports.export_tables(user=users["province_officer"], commune=commune_data)
    assert sorted({row[0] for row in officer[REVIEWS_SHEET][1]}) == ["A001", "A002", "A003"]
    assert {row[7] for row in officer[MEMBERS_SHEET][1]} == {""}  # not shown to the province office
    assert exports.export_tables(user=users["no_area"], commune=commune_data)[REVIEWS_SHEET][1] == []


def test_export_page(commune_data, users, province):
    client = Client(headers={"accept-language": "en"})
    assert client.login(username="chutich", password=PASSWORD)
    url = reverse("households:export")
    response = client.get(url, {"commune": commune_data.pk, "format": "xlsx"})
    assert response.status_code == 200 and 'filename="ra-soat-90001.xlsx"' in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert workbook.sheetnames == ["reviews", "members"]
    csv_response = client.get(url, {"commune": commune_data.pk, "format": "csv", "part": "members"})
    assert csv_response["Content-Type"].startswith("text/csv") and "Lò Thị Hoa" in csv_response.content.decode()
    assert client.get(url, {"commune": province["c"].pk}).status_code == 404  # outside the chairman's scope
    assert client.get(url, {"commune": "x"}).status_code == 404
    assert client.get(url, {"commune": commune_data.pk, "format": "pdf"}).status_code == 400
    credit = Client()
    assert credit.login(username="tindung", password=PASSWORD)
    assert credit.get(url, {"commune": commune_data.pk}).status_code == 403


def test_export_command(commune_data, tmp_path, capsys):
    from django.core.management import call_command

    target = tmp_path / "a.xlsx"
    call_command("export_reviews", "--commune", "90001", "--output", str(target))
    assert target.exists() and "written" in capsys.readouterr().out
    reviews, members = tmp_path / "r.csv", tmp_path / "m.csv"
    call_command(
        "export_reviews",
        "--commune",
        "90001",
        "--format",
        "csv",
        "--output",
        str(reviews),
        "--members-output",
        str(members),
    )
    before = snapshot(commune_data)
    empty_database()
    call_command("import_reviews", str(reviews), "--members", str(members))
    assert snapshot(commune_data) == before
