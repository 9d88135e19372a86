import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from areas.models import Village
from tests.areas.factories import VillageFactory


@pytest.fixture
def api():
    return APIClient()


def test_me_lists_roles_and_areas(api, users):
    api.force_authenticate(users["cadre"])
    data = api.get("/api/v1/me/").json()
    assert data["roles"] == ["cadre"]
    assert sorted(v["code"] for v in data["villages"]) == ["90001-01", "90001-02"]


def test_token_authentication(api, users):
    token = Token.objects.create(user=users["chairman"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/me/").json()["roles"] == ["chairman"]


def test_anonymous_is_refused(api, db):
    assert api.get("/api/v1/communes/").status_code in (401, 403)


def test_out_of_scope_record_answers_404(api, users, province):
    api.force_authenticate(users["chairman"])
    assert api.get(f"/api/v1/communes/{province['a'].pk}/").status_code == 200
    response = api.get(f"/api/v1/communes/{province['b'].pk}/")
    assert response.status_code == 404
    assert "Xã Bình Minh" not in response.content.decode()
    api.force_authenticate(users["cadre"])
    assert api.get(f"/api/v1/villages/{province['a3'].pk}/").status_code == 404
    assert api.get(f"/api/v1/villages/{province['a1'].pk}/").status_code == 200


def test_pagination_honours_page_size_up_to_500(api, users, province):
    for i in range(600):
        Village(commune=province["b"], code=f"X{i:04d}", name=f"Thôn {i}").save()
    api.force_authenticate(users["province_officer"])
    data = api.get("/api/v1/villages/?page_size=7").json()
    assert set(data) == {"count", "next", "previous", "results"}
    assert len(data["results"]) == 7 and data["count"] == 605
    assert "page=2" in data["next"] and data["previous"] is None
    assert len(api.get("/api/v1/villages/?page_size=10000").json()["results"]) == 500


def test_village_list_query_count_is_fixed(api, users, province, django_assert_max_num_queries):
    api.force_authenticate(users["province_officer"])
    with django_assert_max_num_queries(12):
        api.get("/api/v1/villages/?page_size=5")
    for _ in range(40):
        VillageFactory(commune=province["b"])
    with django_assert_max_num_queries(12):
        assert len(api.get("/api/v1/villages/?page_size=45").json()["results"]) == 45


def test_schema_validates_without_warnings(db, tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/v1/communes/" in (tmp_path / "schema.yaml").read_text()


def test_docs_page_served_from_the_project(client, db):
    body = client.get("/api/v1/docs/").content.decode()
    assert "swagger" in body.lower()
    assert "cdn" not in body.lower() and "unpkg" not in body.lower()
