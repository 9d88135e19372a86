"""Credit pages as their users see them: each renders (in Vietnamese), forms record through the services, list
pages and the loans API keep a fixed number of queries whatever the number of rows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from credit import services
from credit.models import LedgerEntry, Loan, LoanUseCheck
from tests.credit.factories import cause, group_with_members, loan_through, member_household

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def book(province, users):
    today = timezone.localdate()
    group, (h1, h2, h3) = group_with_members(province["a1"], leader=users["group_leader"], members=3)
    late = loan_through(
        h1,
        group,
        amount=12_000_000,
        term_months=12,
        applied_on=today - timedelta(days=250),
        disbursed_on=today - timedelta(days=240),
    )
    fine = loan_through(
        h2, group, amount=5_000_000, applied_on=today - timedelta(days=40), disbursed_on=today - timedelta(days=30)
    )
    pending = loan_through(h3, group, amount=3_000_000, applied_on=today - timedelta(days=2), until="selected")
    services.loan_extend(loan=fine, on=today, new_due_date=today + timedelta(days=400), reason="Hạn hán")
    services.loan_status_refresh(id_from=0, id_to=10**9)
    return {"group": group, "late": late, "fine": fine, "pending": pending, "today": today}


def test_officer_pages_render(client, users, book):
    client.force_login(users["credit_officer"])
    group, late = book["group"], book["late"]
    # Assertions on data, not on wording: the Vietnamese of new strings arrives with the translation files.
    pages = {
        "/credit/": "chart-ageing",
        "/credit/?as_of=01/01/2026": "01/01/2026",
        "/credit/loans/": f"#{late.pk}",
        f"/credit/loans/{late.pk}/": "status-overdue",
        "/credit/applications/?status=selected": f"#{book['pending'].pk}",
        "/credit/groups/": group.name,
        f"/credit/groups/{group.pk}/": group.name,
        f"/credit/groups/{group.pk}/sheet/": 'id="sheet"',
        "/credit/overdue/": f"#{late.pk}",
        "/credit/risk-debt/": "Hạn hán",
        "/credit/use-checks/": late.household.head_name,
        "/credit/chairman/": "credit-debt-card",
    }
    for action in ("collect", "extend", "freeze", "write_off"):
        pages[f"/credit/loans/{late.pk}/{action}/"] = late.household.code
    entry = LedgerEntry.objects.filter(loan=late).first()
    pages[f"/credit/loans/{late.pk}/reverse/?entry={entry.pk}"] = f'value="{entry.pk}"'
    for path, text in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert text in response.content.decode(), (path, text)
    assert client.get("/credit/?format=xlsx")["Content-Type"] == XLSX
    assert client.get(f"/credit/groups/{group.pk}/sheet/?format=xlsx")["Content-Type"] == XLSX


def test_group_leader_phone_page(client, users, book):
    client.force_login(users["group_leader"])
    response = client.get("/credit/group/")
    body = response.content.decode()
    assert response.status_code == 200
    assert book["group"].name in body
    assert f'<li class="late">{book["late"].household.head_name}' in body  # who is late
    assert client.get("/credit/").status_code == 302  # the portfolio sends him to his group
    pending = book["pending"]  # already selected: selecting again is refused with the clear transition message
    again = client.post(
        f"/credit/loans/{pending.pk}/select/", {"version": pending.version, "on": book["today"].strftime("%d/%m/%Y")}
    )
    assert again.status_code == 400 and "error-summary" in again.content.decode()
    assert client.get(f"/credit/loans/{pending.pk}/certify/").status_code == 403  # the commune certifies


def test_chairman_certifies_and_sees_the_debt_card(client, users, book):
    client.force_login(users["chairman"])
    pending = book["pending"]
    page = client.get(f"/credit/loans/{pending.pk}/certify/")
    assert page.status_code == 200
    response = client.post(
        f"/credit/loans/{pending.pk}/certify/", {"version": pending.version, "on": book["today"].strftime("%d/%m/%Y")}
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Loan.Status.CERTIFIED and pending.certified_by == users["chairman"]
    body = client.get("/credit/chairman/").content.decode()
    assert "credit-debt-card" in body and "chart-ageing" in body


def test_stale_form_is_refused_not_lost(client, users, book):
    client.force_login(users["chairman"])
    pending = book["pending"]
    services.loan_application_update(loan=pending, expected_version=pending.version, amount_requested=2_000_000)
    response = client.post(
        f"/credit/loans/{pending.pk}/certify/", {"version": pending.version, "on": book["today"].strftime("%d/%m/%Y")}
    )
    assert response.status_code == 400
    assert "Có lỗi" in response.content.decode() or "Lỗi" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == Loan.Status.SELECTED


def test_application_approval_and_disbursement_through_the_pages(client, users, province):
    today = timezone.localdate()
    group, (h1, *_rest) = group_with_members(province["a1"], members=3)
    officer = users["credit_officer"]
    client.force_login(officer)
    response = client.post(
        "/credit/loans/new/",
        {
            "group": group.pk,
            "household": h1.pk,
            "program": 1 and Loan._meta.get_field("program").related_model.objects.get(code="poor_household").pk,
            "amount": "20.000.000",
            "term_months": 36,
            "principal_every_months": 6,
            "purpose": "livestock",
            "borrowing_plan": "Mua 2 con bò",
            "applied_on": today.strftime("%d/%m/%Y"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    loan = Loan.objects.get(household=h1)
    assert loan.amount_requested == 20_000_000 and loan.applied_by == officer
    day = today.strftime("%d/%m/%Y")
    assert client.post(f"/credit/loans/{loan.pk}/select/", {"version": loan.version, "on": day}).status_code == 302
    loan.refresh_from_db()
    services.loan_certify(loan=loan, on=today, by=users["chairman"])
    loan.refresh_from_db()
    response = client.post(
        f"/credit/loans/{loan.pk}/approve/",
        {"version": loan.version, "on": day, "amount": "18.000.000", "term_months": 36},
    )
    assert response.status_code == 302
    loan.refresh_from_db()
    form = client.get(f"/credit/loans/{loan.pk}/disburse/").context["form"]
    data = {
        "version": loan.version,
        "on": day,
        "transaction_point": group.transaction_point_id,
        "idempotency_key": form.initial["idempotency_key"],
    }
    assert client.post(f"/credit/loans/{loan.pk}/disburse/", data).status_code == 302
    assert client.post(f"/credit/loans/{loan.pk}/disburse/", data).status_code in (302, 400)  # a double click
    loan.refresh_from_db()
    assert loan.status == Loan.Status.REPAYING and loan.outstanding_principal == 18_000_000
    assert LedgerEntry.objects.filter(loan=loan, kind="disbursement").count() == 1


def test_collection_form_with_errors_lists_them(client, users, book):
    client.force_login(users["credit_officer"])
    late = book["late"]
    response = client.post(
        f"/credit/loans/{late.pk}/collect/",
        {
            "on": book["today"].strftime("%d/%m/%Y"),
            "principal": "99.000.000",
            "idempotency_key": "abc",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "error-summary" in body and "99.000.000" in body


def test_use_check_recorded_by_the_group_leader(client, users, book):
    check = LoanUseCheck.objects.get(loan=book["fine"], checked_on__isnull=True)
    client.force_login(users["group_leader"])
    response = client.post(
        f"/credit/use-checks/{check.pk}/",
        {
            "on": book["today"].strftime("%d/%m/%Y"),
            "outcome": "misused",
            "checker": "group_leader",
            "notes": "Mua xe máy",
        },
    )
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.outcome == "misused" and check.recorded_by == users["group_leader"]
    client.force_login(users["chairman"])
    assert "Mua xe máy" in client.get("/credit/chairman/").content.decode()


def test_refresh_button(client, users, book, django_capture_on_commit_callbacks):
    Loan.objects.filter(pk=book["late"].pk).update(status="repaying")
    client.force_login(users["credit_officer"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/credit/overdue/refresh/")
    assert response.status_code == 302
    assert Loan.objects.get(pk=book["late"].pk).status == "overdue"


def test_management_command(book):
    from io import StringIO

    from django.core.management import call_command

    Loan.objects.filter(pk=book["late"].pk).update(status="repaying")
    out = StringIO()
    call_command("credit_refresh_overdue", stdout=out)
    assert "1 changed" in out.getvalue()


# --- query budgets --------------------------------------------------------------------------------------------
def _more_loans(province, n: int, *, start: date):
    group, households = group_with_members(province["a2"], members=n)
    for household in households:
        loan_through(household, group, amount=2_000_000, applied_on=start, disbursed_on=start)


@pytest.mark.parametrize(
    "path",
    [
        "/credit/loans/",
        "/credit/applications/",
        "/credit/overdue/",
        "/credit/groups/",
        "/credit/",
        "/credit/use-checks/",
        "/credit/risk-debt/",
    ],
)
def test_list_pages_keep_a_fixed_query_count(client, users, province, book, django_assert_max_num_queries, path):
    client.force_login(users["credit_officer"])
    with django_assert_max_num_queries(40) as few:
        assert client.get(path).status_code == 200
    _more_loans(province, 12, start=book["today"] - timedelta(days=300))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(path).status_code == 200


def test_loans_api_keeps_a_fixed_query_count(users, province, book, django_assert_max_num_queries):
    api = APIClient()
    api.force_authenticate(users["credit_officer"])
    with django_assert_max_num_queries(12) as few:
        api.get("/api/v1/loans/?page_size=100")
    _more_loans(province, 12, start=book["today"] - timedelta(days=300))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api.get("/api/v1/loans/?page_size=100").json()["count"] == 15


def test_sheet_page_keeps_a_fixed_query_count(client, users, province, book, django_assert_max_num_queries):
    client.force_login(users["credit_officer"])
    group = book["group"]
    url = f"/credit/groups/{group.pk}/sheet/"
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for _ in range(5):
        household = member_household(province["a1"])
        services.group_member_add(group=group, household=household, joined_on=date(2024, 1, 2))
        loan_through(
            household,
            group,
            applied_on=book["today"] - timedelta(days=100),
            disbursed_on=book["today"] - timedelta(days=90),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_risk_debt_files_render_for_frozen_and_written_off(client, users, book):
    today = book["today"]
    services.loan_freeze(
        loan=book["late"],
        frozen_from=today,
        frozen_until=today + timedelta(days=30),
        cause=cause("epidemic"),
        reason="Dịch bệnh",
    )
    client.force_login(users["chairman"])
    assert "Dịch bệnh" in client.get("/credit/risk-debt/").content.decode()
