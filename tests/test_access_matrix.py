"""Every role against a household inside and outside its scope, on pages and the API.

Inside: 200 (or 403 where the role may see but not act). Outside: 404, never 403 with details.
"""

import pytest
from rest_framework.test import APIClient

from tests.households.factories import HouseholdFactory

# role -> does the household in village a1 (commune a) fall in its scope?
INSIDE_A1 = {
    "cadre": True,
    "chairman": True,
    "credit_officer": True,
    "group_leader": True,
    "province_officer": True,
    "no_area": False,
    "no_role": False,
    "admin": True,
}
# role -> is the household in commune c (another province) in scope?
INSIDE_C1 = {role: role == "admin" for role in INSIDE_A1}
MAY_RECORD = {"cadre", "chairman", "admin"}


@pytest.fixture
def homes(province):
    return {
        "a1": HouseholdFactory(village=province["a1"], code="IN-A1", head_name="Hộ Trong"),
        "c1": HouseholdFactory(village=province["c1"], code="OUT-C1", head_name="Hộ Ngoài"),
    }


@pytest.mark.parametrize("role", sorted(INSIDE_A1))
def test_household_pages(client, users, homes, role):
    client.force_login(users[role])
    for key, inside in (("a1", INSIDE_A1[role]), ("c1", INSIDE_C1[role])):
        household = homes[key]
        detail = client.get(f"/households/{household.pk}/")
        assert detail.status_code == (200 if inside else 404), (role, key)
        if not inside:
            assert household.head_name not in detail.content.decode()
        form = client.get(f"/households/{household.pk}/reviews/new/")
        expected = (200 if role in MAY_RECORD else 403) if inside else 404
        assert form.status_code == expected, (role, key, "review form")
    listing = client.get("/households/")
    body = listing.content.decode()
    assert listing.status_code == 200
    assert ("IN-A1" in body) == INSIDE_A1[role]
    assert ("OUT-C1" in body) == INSIDE_C1[role]


@pytest.mark.parametrize("role", sorted(INSIDE_A1))
def test_household_api(users, homes, role):
    api = APIClient()
    api.force_authenticate(users[role])
    for key, inside in (("a1", INSIDE_A1[role]), ("c1", INSIDE_C1[role])):
        assert api.get(f"/api/v1/households/{homes[key].pk}/").status_code == (200 if inside else 404), (role, key)
        assert api.get(f"/api/v1/households/{homes[key].pk}/reviews/").status_code == (200 if inside else 404)
    codes = {item["code"] for item in api.get("/api/v1/households/").json()["results"]}
    assert ("IN-A1" in codes) == INSIDE_A1[role] and ("OUT-C1" in codes) == INSIDE_C1[role]


def test_anonymous_gets_nothing(client, homes):
    assert client.get(f"/households/{homes['a1'].pk}/").status_code == 302
    assert APIClient().get(f"/api/v1/households/{homes['a1'].pk}/").status_code in (401, 403)
