"""Factories and helpers for credit: a group at a transaction point, member households with a recognised status,
loans taken through the lifecycle by the services (so every row is what the services would write)."""

from __future__ import annotations

import itertools
from datetime import date

from credit import services
from credit.models import Loan, LoanProgram, MassOrganization, RiskCause
from tests.households.factories import HouseholdFactory, recognised_review

_seq = itertools.count(1)

# Incomes and deprivations that classify a rural household under the 2022-2025 standard.
STATUS_REVIEW = {
    "poor": (1_000_000, {"employment", "nutrition", "sanitation"}),
    "near_poor": (1_200_000, {"employment"}),
    "average": (2_000_000, set()),
    "non_poor": (4_000_000, set()),
}


def program(code: str = "poor_household") -> LoanProgram:
    return LoanProgram.objects.get(code=code)


def organisation(code: str = "womens_union") -> MassOrganization:
    return MassOrganization.objects.get(code=code)


def cause(code: str = "natural_disaster") -> RiskCause:
    return RiskCause.objects.get(code=code)


def member_household(village, *, status: str | None = "poor", review_date=date(2024, 10, 1), **kwargs):
    """A household with a recognised periodic review (list year = review year + 1) giving ``status``."""
    household = HouseholdFactory(village=village, **kwargs)
    if status:
        income, deprived = STATUS_REVIEW[status]
        recognised_review(household, review_date=review_date, income=income, deprived=deprived)
    return household


def group_with_members(
    village, *, leader=None, members: int = 3, approved_on=date(2024, 1, 10), statuses=None, by=None
):
    """An approved group at the commune's transaction point with ``members`` poor households (or ``statuses``)."""
    commune = village.commune
    point = commune.transaction_points.first() or services.transaction_point_create(
        commune=commune, name=f"Điểm giao dịch {commune.name}", session_day=15, by=by
    )
    n = next(_seq)
    group = services.savings_group_create(
        code=f"G{n:04d}",
        name=f"Tổ {n}",
        village=village,
        organisation=organisation(),
        leader=leader,
        transaction_point=point,
        by=by,
    )
    households = []
    for status in statuses or ["poor"] * members:
        household = member_household(village, status=status)
        services.group_member_add(group=group, household=household, joined_on=date(2024, 1, 2), by=by)
        households.append(household)
    if approved_on:
        group = services.savings_group_approve(group=group, on=approved_on, by=by)
    return group, households


def loan_through(
    household,
    group,
    *,
    program_code: str = "poor_household",
    amount: int = 30_000_000,
    term_months: int = 36,
    every: int = 6,
    applied_on: date = date(2025, 3, 1),
    disbursed_on: date | None = date(2025, 3, 15),
    until: str = "repaying",
    by=None,
) -> Loan:
    """A loan taken through apply → select → certify → approve → disburse (stopping at ``until``)."""
    loan = services.loan_apply(
        household=household,
        program=program(program_code),
        group=group,
        amount=amount,
        purpose="livestock",
        applied_on=applied_on,
        term_months=term_months,
        principal_every_months=every,
        borrowing_plan="Nuôi bò",
        by=by,
    )
    if until == "applied":
        return loan
    loan = services.loan_group_select(loan=loan, on=applied_on, by=by)
    if until == "selected":
        return loan
    loan = services.loan_certify(loan=loan, on=applied_on, by=by)
    assert loan.status == "certified", loan.refusal_reasons
    if until == "certified":
        return loan
    loan = services.loan_approve(loan=loan, on=applied_on, by=by)
    if until == "approved" or disbursed_on is None:
        return loan
    services.loan_disburse(
        loan=loan,
        on=disbursed_on,
        transaction_point=group.transaction_point,
        by=by,
        idempotency_key=f"disburse-{loan.pk}",
    )
    loan.refresh_from_db()
    return loan


def collect(loan, on, *, principal=0, interest=0, overdue_interest=0, key=None, by=None):
    return services.loan_collection_post(
        loan=loan,
        on=on,
        principal=principal,
        interest=interest,
        overdue_interest=overdue_interest,
        idempotency_key=key or f"c-{loan.pk}-{on.isoformat()}-{next(_seq)}",
        by=by,
    )
