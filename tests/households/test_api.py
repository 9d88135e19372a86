from datetime import date

import pytest
from rest_framework.test import APIClient

from tests.households.factories import HouseholdFactory, MemberFactory, recognised_review


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def homes(province):
    a1 = HouseholdFactory(village=province["a1"], code="HA001", head_name="Nguyễn Văn An")
    b1 = HouseholdFactory(village=province["b1"], code="HB001")
    MemberFactory(household=a1, national_id="001080012345", birth_date=date(1980, 1, 1))
    recognised_review(
        a1, review_date=date(2024, 10, 1), income=1_000_000, deprived={"employment", "nutrition", "sanitation"}
    )
    return {"a1": a1, "b1": b1}


def test_list_items_and_scope(api, users, homes):
    api.force_authenticate(users["chairman"])
    data = api.get("/api/v1/households/").json()
    assert data["count"] == 1
    item = data["results"][0]
    assert {"id", "code", "commune", "village", "classification"} <= set(item)
    assert (item["code"], item["commune"], item["village"], item["classification"]) == (
        "HA001",
        "90001",
        "90001-01",
        "poor",
    )


def test_out_of_scope_household_is_404(api, users, homes):
    api.force_authenticate(users["chairman"])
    assert api.get(f"/api/v1/households/{homes['b1'].pk}/").status_code == 404
    assert api.get(f"/api/v1/households/{homes['b1'].pk}/reviews/").status_code == 404
    api.force_authenticate(users["no_area"])
    assert api.get(f"/api/v1/households/{homes['a1'].pk}/").status_code == 404


def test_reviews_endpoint(api, users, homes):
    api.force_authenticate(users["cadre"])
    data = api.get(f"/api/v1/households/{homes['a1'].pk}/reviews/").json()
    assert data["count"] == 1
    review = data["results"][0]
    assert review["classification"] == "poor" and review["list_year"] == 2025 and review["standard"] == "2022-2025"
    assert sorted(review["deprived"]) == ["employment", "nutrition", "sanitation"]


def test_national_id_masked_by_role(api, users, homes):
    api.force_authenticate(users["province_officer"])
    member = api.get(f"/api/v1/households/{homes['a1'].pk}/").json()["members"][0]
    assert member["national_id"].endswith("2345") and "001080" not in member["national_id"]
    api.force_authenticate(users["chairman"])
    assert api.get(f"/api/v1/households/{homes['a1'].pk}/").json()["members"][0]["national_id"] == "001080012345"


def test_search_through_api(api, users, homes):
    api.force_authenticate(users["chairman"])
    assert api.get("/api/v1/households/", {"q": "nguyen van an"}).json()["count"] == 1
    assert api.get("/api/v1/households/", {"q": "khong co"}).json()["count"] == 0


def test_list_query_count_fixed(api, users, province, homes, django_assert_max_num_queries):
    api.force_authenticate(users["chairman"])
    with django_assert_max_num_queries(12) as few:
        api.get("/api/v1/households/?page_size=100")
    for i in range(30):
        HouseholdFactory(village=province["a2"], code=f"Z{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get("/api/v1/households/?page_size=100").json()["results"]) == 31
