"""The loans API: list and detail, the ledger, collections with an idempotency key."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from credit.models import LedgerEntry
from tests.credit.factories import group_with_members, loan_through

pytestmark = pytest.mark.django_db


@pytest.fixture
def loan(province):
    today = timezone.localdate()
    group, (household, *_rest) = group_with_members(province["a1"], members=3)
    return loan_through(
        household,
        group,
        amount=10_000_000,
        applied_on=today - timedelta(days=70),
        disbursed_on=today - timedelta(days=60),
    )


@pytest.fixture
def officer_api(users):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")  # messages asserted in English; pages and API default to Vietnamese
    api.force_authenticate(users["credit_officer"])
    return api


def test_list_and_detail(officer_api, loan):
    data = officer_api.get("/api/v1/loans/", {"status": "repaying"}).json()
    assert data["count"] == 1
    item = data["results"][0]
    assert (item["id"], item["program"], item["status"], item["amount_requested"]) == (
        loan.pk,
        "poor_household",
        "repaying",
        10_000_000,
    )
    assert officer_api.get("/api/v1/loans/", {"program": "student"}).json()["count"] == 0
    detail = officer_api.get(f"/api/v1/loans/{loan.pk}/").json()
    assert detail["borrowing_plan"] == "Nuôi bò" and detail["refusal_reasons"] == []


def test_ledger(officer_api, loan):
    entries = officer_api.get(f"/api/v1/loans/{loan.pk}/ledger/").json()["results"]
    assert [(e["kind"], e["amount"]) for e in entries] == [("disbursement", 10_000_000)]


def test_collection_with_header_key_is_recorded_once(officer_api, loan):
    url = f"/api/v1/loans/{loan.pk}/collections/"
    body = {"principal": 1_000_000, "interest": 20_000}
    first = officer_api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="phieu-17")
    assert first.status_code == 201, first.content
    assert first.json()["created"] is True and first.json()["outstanding_principal"] == 9_000_000
    again = officer_api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="phieu-17")
    assert again.status_code == 200 and again.json()["created"] is False
    assert [e["id"] for e in again.json()["entries"]] == [e["id"] for e in first.json()["entries"]]
    assert LedgerEntry.objects.filter(loan=loan, kind="principal").count() == 1
    other = officer_api.post(url, {"principal": 2_000_000}, format="json", HTTP_IDEMPOTENCY_KEY="phieu-17")
    assert other.status_code == 400 and "phieu-17" in str(other.json())


def test_collection_key_in_the_body_and_errors(officer_api, loan):
    url = f"/api/v1/loans/{loan.pk}/collections/"
    assert officer_api.post(url, {"interest": 1000}, format="json").status_code == 400  # no key at all
    ok = officer_api.post(url, {"interest": 1000, "idempotency_key": "k-body"}, format="json")
    assert ok.status_code == 201
    too_much = officer_api.post(url, {"principal": 99_000_000, "idempotency_key": "k2"}, format="json")
    assert too_much.status_code == 400
    assert "more than the outstanding" in str(too_much.json())
    future = officer_api.post(
        url,
        {"interest": 1, "idempotency_key": "k3", "value_date": (timezone.localdate() + timedelta(days=3)).isoformat()},
        format="json",
    )
    assert future.status_code == 400
