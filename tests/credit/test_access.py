"""Every role against loans inside and outside its scope, on pages and the API: 404 outside, never 403 with details.

The group leader is scoped by the group he leads, not by his village: a loan of another group in the same village
is outside his scope.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from rest_framework.test import APIClient

from tests.credit.factories import group_with_members, loan_through

pytestmark = pytest.mark.django_db

ROLES = ["cadre", "chairman", "credit_officer", "group_leader", "province_officer", "no_area", "no_role", "admin"]
# role → the loans (by key) it sees
SEES = {
    "cadre": {"a1_led", "a1_other"},
    "chairman": {"a1_led", "a1_other", "a3"},
    "credit_officer": {"a1_led", "a1_other", "a3", "b1"},
    "group_leader": {"a1_led"},
    "province_officer": {"a1_led", "a1_other", "a3", "b1"},
    "no_area": set(),
    "no_role": set(),
    "admin": {"a1_led", "a1_other", "a3", "b1", "c1"},
}
AMOUNTS = {"chairman", "credit_officer", "group_leader", "admin"}
POSTS = {"credit_officer", "admin"}


@pytest.fixture
def loans(province, users):
    start = timezone.localdate() - timedelta(days=60)
    out = {}
    led, (h1, *_r1) = group_with_members(province["a1"], leader=users["group_leader"], statuses=["poor", None, None])
    other, (h2, *_r2) = group_with_members(province["a1"], statuses=["poor", None, None])
    a3, (h3, *_r3) = group_with_members(province["a3"], statuses=["poor", None, None])
    b1, (h4, *_r4) = group_with_members(province["b1"], statuses=["poor", None, None])
    c1, (h5, *_r5) = group_with_members(province["c1"], statuses=["poor", None, None])
    for key, household, group in (
        ("a1_led", h1, led),
        ("a1_other", h2, other),
        ("a3", h3, a3),
        ("b1", h4, b1),
        ("c1", h5, c1),
    ):
        out[key] = loan_through(household, group, amount=7_654_321, applied_on=start, disbursed_on=start)
    out["groups"] = {"a1_led": led, "a1_other": other, "a3": a3, "b1": b1, "c1": c1}
    return out


@pytest.mark.parametrize("role", ROLES)
def test_loan_pages(client, users, loans, role):
    client.force_login(users[role])
    for key in ("a1_led", "a1_other", "a3", "b1", "c1"):
        loan = loans[key]
        response = client.get(f"/credit/loans/{loan.pk}/")
        inside = key in SEES[role]
        assert response.status_code == (200 if inside else 404), (role, key)
        body = response.content.decode()
        if not inside:
            assert loan.household.head_name not in body
        else:
            assert ("7.654.321" in body) == (role in AMOUNTS), (role, key, "amounts")
        sheet = client.get(f"/credit/groups/{loans['groups'][key].pk}/sheet/")
        assert sheet.status_code == ((200 if role in AMOUNTS else 403) if inside else 404), (role, key, "sheet")
    listing = client.get("/credit/loans/").content.decode()
    for key in ("a1_led", "a1_other", "a3", "b1", "c1"):
        assert (f">#{loans[key].pk}<" in listing) == (key in SEES[role]), (role, key, "list")


@pytest.mark.parametrize("role", ROLES)
def test_loan_api(users, loans, role):
    api = APIClient()
    api.force_authenticate(users[role])
    for key in ("a1_led", "a1_other", "a3", "b1", "c1"):
        loan = loans[key]
        inside = key in SEES[role]
        detail = api.get(f"/api/v1/loans/{loan.pk}/")
        assert detail.status_code == (200 if inside else 404), (role, key)
        ledger = api.get(f"/api/v1/loans/{loan.pk}/ledger/")
        assert ledger.status_code == ((200 if role in AMOUNTS else 403) if inside else 404), (role, key, "ledger")
        if inside:
            amount = detail.json()["amount_requested"]
            assert (amount == 7_654_321) if role in AMOUNTS else amount is None
        post = api.post(
            f"/api/v1/loans/{loan.pk}/collections/",
            {"interest": 1},
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"{role}-{key}",
        )
        assert post.status_code == ((201 if role in POSTS else 403) if inside else 404), (role, key, post.content)
    ids = {item["id"] for item in api.get("/api/v1/loans/?page_size=100").json()["results"]}
    assert ids == {loans[key].pk for key in SEES[role]}


def test_permission_shows_amounts_to_a_cadre(users, loans):
    cadre = users["cadre"]
    cadre.user_permissions.add(Permission.objects.get(codename="view_loan_amounts"))
    cadre = type(cadre).objects.get(pk=cadre.pk)
    api = APIClient()
    api.force_authenticate(cadre)
    assert api.get(f"/api/v1/loans/{loans['a1_led'].pk}/").json()["amount_requested"] == 7_654_321
    assert api.get(f"/api/v1/loans/{loans['a1_led'].pk}/ledger/").status_code == 200
    assert api.get(f"/api/v1/loans/{loans['a3'].pk}/").status_code == 404  # the permission does not widen the scope


def test_roles_that_may_not_act_are_refused(client, users, loans):
    loan = loans["a1_led"]
    client.force_login(users["chairman"])
    assert client.get(f"/credit/loans/{loan.pk}/collect/").status_code == 403
    client.force_login(users["group_leader"])
    assert client.get(f"/credit/loans/{loan.pk}/write_off/").status_code == 403
    assert client.get(f"/credit/loans/{loans['a1_other'].pk}/write_off/").status_code == 404
    client.force_login(users["cadre"])
    assert client.get("/credit/").status_code == 403
    assert client.get("/credit/groups/{}/sheet/".format(loans["groups"]["a1_led"].pk)).status_code == 403


def test_anonymous_gets_nothing(client, loans):
    assert client.get(f"/credit/loans/{loans['a1_led'].pk}/").status_code == 302
    assert APIClient().get(f"/api/v1/loans/{loans['a1_led'].pk}/").status_code in (401, 403)
