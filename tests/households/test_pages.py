"""Household pages: scoped list with search and filters (query counts fixed), detail, review form, workflow."""

from datetime import date

import pytest

from households.models import Review
from tests.households.factories import HouseholdFactory, MemberFactory, recognised_review


@pytest.fixture
def homes(province):
    a1 = HouseholdFactory(village=province["a1"], code="HA001", head_name="Nguyễn Văn An")
    a3 = HouseholdFactory(village=province["a3"], code="HA003", head_name="Lò Thị Bình")
    b1 = HouseholdFactory(village=province["b1"], code="HB001", head_name="Nguyễn Văn An")
    MemberFactory(
        household=a1,
        full_name="Nguyễn Thị Đào",
        national_id="001180012345",
        sex="female",
        birth_date=date(1980, 3, 3),
        relation="spouse",
    )
    return {"a1": a1, "a3": a3, "b1": b1}


def test_list_is_scoped(client, users, homes):
    client.force_login(users["cadre"])
    body = client.get("/households/").content.decode()
    assert "HA001" in body and "HA003" not in body and "HB001" not in body
    client.force_login(users["chairman"])
    body = client.get("/households/").content.decode()
    assert "HA001" in body and "HA003" in body and "HB001" not in body


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("nguyen van an", ["HA001"]),
        ("NGUYỄN", ["HA001"]),
        ("HA003", ["HA003"]),
        ("001180012345", ["HA001"]),
        ("thi dao", ["HA001"]),
        ("binh", ["HA003"]),
    ],
)
def test_search_ignores_diacritics_and_case(client, users, homes, q, found):
    client.force_login(users["chairman"])
    response = client.get("/households/", {"q": q})
    codes = [h.code for h in response.context["page"]]
    assert codes == found


def test_filters(client, users, homes, province):
    recognised_review(
        homes["a1"], review_date=date(2024, 10, 1), income=1_000_000, deprived={"employment", "nutrition", "sanitation"}
    )
    client.force_login(users["chairman"])
    assert [h.code for h in client.get("/households/", {"classification": "poor"}).context["page"]] == ["HA001"]
    assert [h.code for h in client.get("/households/", {"village": province["a3"].pk}).context["page"]] == ["HA003"]


def test_list_query_count_is_fixed(client, users, province, django_assert_max_num_queries):
    client.force_login(users["chairman"])
    for i in range(5):
        HouseholdFactory(village=province["a1"], code=f"Q{i}")
    with django_assert_max_num_queries(14) as small:
        client.get("/households/")
    for i in range(5, 60):
        HouseholdFactory(village=province["a2"], code=f"Q{i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/households/")
    assert len(response.context["page"]) == 50


def test_detail_out_of_scope_is_404(client, users, homes):
    client.force_login(users["cadre"])
    assert client.get(f"/households/{homes['a1'].pk}/").status_code == 200
    response = client.get(f"/households/{homes['a3'].pk}/")
    assert response.status_code == 404 and "Lò Thị Bình" not in response.content.decode()


def test_national_id_masked_for_roles_that_do_not_need_it(client, users, homes):
    client.force_login(users["chairman"])
    assert "001180012345" in client.get(f"/households/{homes['a1'].pk}/").content.decode()
    client.force_login(users["group_leader"])
    body = client.get(f"/households/{homes['a1'].pk}/").content.decode()
    assert "001180012345" not in body and "2345" in body


def test_detail_shows_timeline_and_history(client, users, homes):
    recognised_review(
        homes["a1"],
        review_date=date(2022, 10, 1),
        income=1_000_000,
        deprived={"employment", "nutrition", "sanitation"},
        by=users["chairman"],
    )
    recognised_review(
        homes["a1"], review_date=date(2023, 10, 1), income=1_400_000, deprived={"employment"}, by=users["chairman"]
    )
    client.force_login(users["chairman"])
    body = client.get(f"/households/{homes['a1'].pk}/").content.decode()
    assert "Hộ nghèo" in body and "Hộ cận nghèo" in body and "Thoát nghèo" in body
    assert "2023" in body and "2024" in body
    assert "Lịch sử thay đổi" in body


def test_review_form_check_then_record_once(client, users, homes):
    client.force_login(users["cadre"])
    url = f"/households/{homes['a1'].pk}/reviews/new/"
    form = client.get(url)
    assert form.status_code == 200
    key = form.context["form"].initial["submission_key"]
    data = {
        "review_date": "01/10/2024",
        "kind": "periodic",
        "income_per_capita": "1.200.000",
        "household_size": "4",
        "submission_key": key,
        "ind_employment": "on",
        "ind_nutrition": "on",
        "ind_sanitation": "on",
    }
    check = client.post(url, data)
    assert check.status_code == 200 and "Kiểm tra" in check.content.decode()
    assert Review.objects.count() == 0
    client.post(url, {**data, "confirm": "1"})
    client.post(url, {**data, "confirm": "1"})  # double click
    assert Review.objects.count() == 1
    review = Review.objects.get()
    assert (
        review.classification == "poor" and review.income_per_capita == 1_200_000 and review.reviewer == users["cadre"]
    )


def test_review_form_errors_name_the_field(client, users, homes):
    client.force_login(users["cadre"])
    response = client.post(
        f"/households/{homes['a1'].pk}/reviews/new/",
        {
            "review_date": "31/02/2024",
            "kind": "periodic",
            "income_per_capita": "abc",
            "household_size": "0",
            "submission_key": "x",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Có lỗi" in body
    assert 'href="#id_income_per_capita"' in body and 'href="#id_household_size"' in body
    assert Review.objects.count() == 0


def test_workflow_cadre_cannot_recognise_chairman_can(client, users, homes):
    from households import services

    r = services.review_record(
        household=homes["a1"], review_date=date(2024, 10, 1), income_per_capita=1, deprived=set()
    )
    client.force_login(users["cadre"])
    client.post("/households/reviews/advance/", {"status": "draft", "review": [r.pk]})
    client.post("/households/reviews/advance/", {"status": "village_agreed", "review": [r.pk]})
    r.refresh_from_db()
    assert r.status == "posted"
    assert client.post("/households/reviews/advance/", {"status": "posted", "review": [r.pk]}).status_code == 403
    client.force_login(users["chairman"])
    page = client.get("/households/reviews/?status=posted")
    assert "HA001" in page.content.decode()
    client.post("/households/reviews/advance/", {"status": "posted", "review": [r.pk]})
    r.refresh_from_db()
    assert r.status == "recognised" and r.recognised_by == users["chairman"]


def test_workflow_ignores_reviews_outside_scope(client, users, homes):
    from households import services

    r = services.review_record(
        household=homes["b1"], review_date=date(2024, 10, 1), income_per_capita=1, deprived=set()
    )
    client.force_login(users["chairman"])
    client.post("/households/reviews/advance/", {"status": "draft", "review": [r.pk]})
    r.refresh_from_db()
    assert r.status == "draft"
