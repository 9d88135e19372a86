"""Form 04 requests page and the recognised status credit reads (newly escaped)."""

from datetime import date

import pytest

from households import selectors
from households.models import ReviewRequest
from tests.households.factories import HouseholdFactory, recognised_review

THREE = {"employment", "nutrition", "sanitation"}


@pytest.fixture
def home(province):
    return HouseholdFactory(village=province["a1"], code="HA001")


def test_receive_and_decide_through_the_page(client, users, home, province):
    client.force_login(users["cadre"])
    client.post("/households/requests/", {"household_code": "HA001", "ask": "enter", "received_on": "20/03/2026"})
    req = ReviewRequest.objects.get()
    assert (req.review_starts_on, req.deadline) == (date(2026, 4, 15), date(2026, 4, 30))
    # A cadre cannot decide; the chairman can, and a refusal needs reasons.
    assert (
        client.post(
            f"/households/requests/{req.pk}/decide/", {"outcome": "refused", "decided_on": "02/05/2026"}
        ).status_code
        == 403
    )
    client.force_login(users["chairman"])
    client.post(f"/households/requests/{req.pk}/decide/", {"outcome": "refused", "decided_on": "02/05/2026"})
    req.refresh_from_db()
    assert req.decided_on is None
    client.post(
        f"/households/requests/{req.pk}/decide/",
        {"outcome": "refused", "decided_on": "02/05/2026", "reason": "Thu nhập trên chuẩn"},
    )
    req.refresh_from_db()
    assert req.outcome == "refused" and req.decided_late
    summary = client.get("/households/requests/").context["summary"]
    assert summary["decided_late"] == 1 and summary["open"] == 0


def test_unknown_or_out_of_scope_household_code_is_an_error(client, users, province):
    HouseholdFactory(village=province["b1"], code="HB001")
    client.force_login(users["chairman"])
    response = client.post(
        "/households/requests/", {"household_code": "HB001", "ask": "enter", "received_on": "20/03/2026"}
    )
    assert response.status_code == 400
    assert "Không có hộ nào mang mã này" in response.content.decode()
    assert ReviewRequest.objects.count() == 0


def test_recognised_status_and_newly_escaped(home):
    recognised_review(home, review_date=date(2021, 10, 1), income=1_000_000, deprived=THREE)  # list 2022: poor
    recognised_review(home, review_date=date(2022, 10, 1), income=3_000_000, deprived=set())  # list 2023: non-poor
    status = selectors.recognised_status(household_ids=[home.pk], on=date(2024, 6, 1))[home.pk]
    assert status.classification == "non_poor" and status.newly_escaped and status.list_year == 2023
    later = selectors.recognised_status(household_ids=[home.pk], on=date(2026, 1, 2))[home.pk]
    assert not later.newly_escaped  # more than 3 years after leaving the list on 1 Jan 2023
    before = selectors.recognised_status(household_ids=[home.pk], on=date(2022, 6, 1))[home.pk]
    assert before.classification == "poor" and not before.newly_escaped


def test_recognised_status_in_one_query(province, django_assert_num_queries):
    homes = [HouseholdFactory(village=province["a1"]) for _ in range(5)]
    for h in homes:
        recognised_review(h, review_date=date(2022, 10, 1), income=1_000_000, deprived=THREE)
    with django_assert_num_queries(1):
        result = selectors.recognised_status(household_ids=[h.pk for h in homes], on=date(2024, 1, 1))
    assert {s.classification for s in result.values()} == {"poor"}
