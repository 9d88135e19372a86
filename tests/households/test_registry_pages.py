"""Editing the registry from the pages: a conflicting edit is refused and the typed values are kept."""

import pytest

from households.models import Member
from tests.households.factories import HouseholdFactory


@pytest.fixture
def home(province):
    return HouseholdFactory(village=province["a1"], code="HA001", head_name="Nguyễn Văn An")


def edit_data(home, **changes):
    data = {
        "village": home.village_id,
        "head_name": home.head_name,
        "head_ethnicity": "01",
        "address": "",
        "area_type": "rural",
        "size": 4,
        "version": home.version,
    }
    return {**data, **changes}


def test_edit_saves_and_records_who(client, users, home):
    client.force_login(users["cadre"])
    response = client.post(f"/households/{home.pk}/edit/", edit_data(home, address="Xóm Đồi"))
    assert response.status_code == 302
    home.refresh_from_db()
    assert home.address == "Xóm Đồi" and home.history.first().history_user == users["cadre"]


def test_conflicting_edit_is_refused_and_typed_values_kept(client, users, home):
    stale = edit_data(home, address="Xóm Suối")
    client.force_login(users["chairman"])
    client.post(f"/households/{home.pk}/edit/", edit_data(home, address="Xóm Đồi"))
    client.force_login(users["cadre"])
    response = client.post(f"/households/{home.pk}/edit/", stale)
    body = response.content.decode()
    assert response.status_code == 400
    assert "Người khác đã sửa hồ sơ này" in body and 'value="Xóm Suối"' in body
    home.refresh_from_db()
    assert home.address == "Xóm Đồi"


def test_edit_cannot_move_household_to_a_village_outside_scope(client, users, home, province):
    client.force_login(users["cadre"])
    response = client.post(f"/households/{home.pk}/edit/", edit_data(home, village=province["a3"].pk))
    assert response.status_code == 400
    home.refresh_from_db()
    assert home.village == province["a1"]


def test_group_leader_cannot_edit(client, users, home):
    client.force_login(users["group_leader"])
    assert client.get(f"/households/{home.pk}/edit/").status_code == 403


def test_member_add_with_bad_national_id_names_the_field(client, users, home):
    client.force_login(users["cadre"])
    data = {
        "full_name": "Lò Văn Páo",
        "sex": "male",
        "birth_date": "02/09/1985",
        "relation": "child",
        "ethnicity": "08",
        "national_id": "00108501234",
        "education": "primary",
    }
    response = client.post(f"/households/{home.pk}/members/new/", data)
    assert response.status_code == 400
    assert 'href="#id_national_id"' in response.content.decode()
    assert Member.objects.count() == 0
    response = client.post(f"/households/{home.pk}/members/new/", {**data, "national_id": "001085012345"})
    assert response.status_code == 302
    assert Member.objects.get().national_id == "001085012345"
