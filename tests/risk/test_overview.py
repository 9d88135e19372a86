"""The chairman's commune overview and the provincial office's comparison of communes (risk.overview, risk.views)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from credit import services
from risk import overview
from tests.credit.factories import loan_through, organisation
from tests.households.factories import HouseholdFactory, recognised_review

POOR = {"income": 1_000_000, "deprived": {"employment", "nutrition", "sanitation"}}
NON_POOR = {"income": 4_000_000, "deprived": set()}


@pytest.fixture
def reviewed(province):
    """Commune a: 4 households, 2 poor in list 2025 and 1 in list 2026. Commune b: 2 households, 1 poor each year.
    A household of the merged predecessor of a counts under a."""
    a = [HouseholdFactory(village=province["a1"]) for _ in range(3)] + [HouseholdFactory(village=province["old1"])]
    b = [HouseholdFactory(village=province["b1"]) for _ in range(2)]
    for household, (y2025, y2026) in zip(
        a + b,
        [
            (POOR, POOR),
            (POOR, NON_POOR),
            (NON_POOR, NON_POOR),
            (NON_POOR, NON_POOR),
            (POOR, POOR),
            (NON_POOR, NON_POOR),
        ],
        strict=True,
    ):
        recognised_review(household, review_date=date(2024, 10, 1), **y2025)
        recognised_review(household, review_date=date(2025, 10, 1), **y2026)
    return {"a": a, "b": b}


def group_of(households, name="Tổ 1"):
    """An approved savings group of the (already reviewed) ``households`` of one village."""
    village = households[0].village
    point = services.transaction_point_create(commune=village.commune, name="Điểm giao dịch", session_day=15)
    group = services.savings_group_create(
        code=name, name=name, village=village, organisation=organisation(), leader=None, transaction_point=point
    )
    for household in households:
        services.group_member_add(group=group, household=household, joined_on=date(2024, 1, 2))
    return services.savings_group_approve(group=group, on=date(2024, 1, 10))


def test_commune_overview_counts_rates_targets_and_no_debt_without_loans(users, reviewed):
    data = overview.commune_overview(user=users["chairman"], as_of=date(2026, 11, 27))
    assert data.counts["poor"] == 1 and data.counts["total"] == 4
    assert data.rates.years == [2025, 2026]
    assert data.rates.total.get(2025).poor == 2 and data.rates.total.get(2026).poor == 1
    total = next(p for p in data.progress if p.row is data.rates.total)
    assert total.reduction == pytest.approx(25.0) and total.status == "on_track"
    assert data.debt is None  # no loan in commune a


def test_commune_overview_page_shows_debt_card_when_there_are_loans(client, users, province, reviewed):
    group = group_of(reviewed["a"][:3])
    loan_through(reviewed["a"][0], group, applied_on=date(2025, 3, 1), disbursed_on=date(2025, 3, 15))
    client.force_login(users["chairman"])
    response = client.get("/risk/commune/")
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["debt"]["loans"] == 1 and response.context["debt"]["outstanding"] == 30_000_000
    assert 'class="card credit-debt-card"' in body and "30.000.000 ₫" in body  # Vietnamese page
    assert 'id="chart-commune-rates"' in body and "Đạt" in body


def test_commune_overview_is_for_the_chairman(client, users, reviewed):
    for role in ("cadre", "credit_officer", "group_leader"):
        client.force_login(users[role])
        assert client.get("/risk/commune/").status_code == 403


def test_province_comparison_rows_per_commune_with_rates_and_portfolio(users, province, reviewed):
    group = group_of([*reviewed["b"], HouseholdFactory(village=province["b1"])])
    loan_through(
        reviewed["b"][0], group, amount=20_000_000, applied_on=date(2025, 3, 1), disbursed_on=date(2025, 3, 15)
    )
    data = overview.province_comparison(user=users["province_officer"], as_of=date(2025, 4, 1))
    rows = {r.name: r for r in data.rows}
    assert set(rows) == {"Xã An Bình", "Xã Bình Minh"}  # the merged predecessor is under An Bình
    a, b = rows["Xã An Bình"], rows["Xã Bình Minh"]
    assert (a.households, a.poor_rate, a.reduction, a.status) == (4, 0.25, pytest.approx(25.0), "on_track")
    assert (b.households, b.poor_rate, b.reduction, b.status) == (2, 0.5, pytest.approx(0.0), "behind")
    assert (b.loans, b.outstanding, a.loans) == (1, 20_000_000, 0)
    assert data.total.households == 6 and data.total.outstanding == 20_000_000 and data.year == 2026


def test_province_page_and_excel(client, users, reviewed):
    client.force_login(users["province_officer"])
    response = client.get("/risk/province/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="table-communes"' in body and 'id="chart-communes-poor"' in body and "Xã Bình Minh" in body
    assert 'id="table-merged"' in body and "Xã Cũ" in body  # the predecessor, named, with its successor
    excel = client.get("/risk/province/excel/")
    assert excel.status_code == 200
    sheet = load_workbook(io.BytesIO(excel.content)).active
    names = [row[0] for row in sheet.iter_rows(min_row=1, values_only=True)]
    assert "Xã An Bình" in names and "Tất cả các xã" in names
    client.force_login(users["chairman"])
    assert client.get("/risk/province/").status_code == 403


def test_province_page_queries_do_not_grow_with_communes(
    client, users, province, reviewed, django_assert_max_num_queries
):
    client.force_login(users["province_officer"])
    client.get("/risk/province/")  # warm caches (content types, sessions)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get("/risk/province/")
    for village in (province["a2"], province["a3"]):
        for _ in range(3):
            recognised_review(HouseholdFactory(village=village), review_date=date(2025, 10, 1), **POOR)
    with CaptureQueriesContext(connection) as after:
        client.get("/risk/province/")
    assert len(after.captured_queries) == len(before.captured_queries)
