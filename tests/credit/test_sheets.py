"""The group's monthly collection sheet: what is due per member, posting it in one step, posting it again."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from credit import selectors, services
from credit.models import CollectionSheet, GroupMembership, LedgerEntry, Loan
from tests.credit.factories import group_with_members, loan_through

pytestmark = pytest.mark.django_db


@pytest.fixture
def sheet_group(province):
    """Three members; two borrowed on 15/01/2026 (12 months, principal every 3 months), the third saves only."""
    group, (h1, h2, h3) = group_with_members(province["a1"], members=3)
    GroupMembership.objects.filter(group=group).update(monthly_savings=50_000)
    l1 = loan_through(
        h1,
        group,
        amount=12_000_000,
        term_months=12,
        every=3,
        applied_on=date(2026, 1, 5),
        disbursed_on=date(2026, 1, 15),
    )
    l2 = loan_through(
        h2,
        group,
        amount=6_000_000,
        term_months=12,
        every=3,
        applied_on=date(2026, 1, 5),
        disbursed_on=date(2026, 1, 15),
    )
    return group, (h1, h2, h3), (l1, l2)


def test_sheet_shows_what_is_due_per_member(sheet_group):
    group, (h1, h2, h3), (l1, l2) = sheet_group
    sheet = selectors.collection_sheet(group=group, period=date(2026, 4, 1))
    assert sheet.session_date == date(2026, 4, 15)  # the transaction point's session day
    lines = {(line.household.pk, line.loan.pk if line.loan else None): line for line in sheet.lines}
    assert set(lines) == {(h1.pk, l1.pk), (h2.pk, l2.pk), (h3.pk, None)}
    first = lines[(h1.pk, l1.pk)]
    assert first.principal_due == 3_000_000  # the instalment of 15/04/2026
    assert first.interest_due == round(12_000_000 * 0.0624 * 90 / 365)  # 15/01 → 15/04, nothing paid yet
    assert first.savings_due == 50_000 and lines[(h3.pk, None)].savings_due == 50_000
    assert sheet.totals["principal_due"] == 4_500_000


def test_posting_the_sheet_in_one_step_and_again(sheet_group, users):
    group, (h1, h2, h3), (l1, l2) = sheet_group
    officer = users["credit_officer"]
    result = services.collection_sheet_post(group=group, period=date(2026, 4, 1), by=officer)
    # principal + interest for two loans, savings for three members
    assert (result.recorded, result.already) == (7, 0)
    entries = LedgerEntry.objects.filter(sheet=result.sheet)
    assert entries.count() == 7 and {e.value_date for e in entries} == {date(2026, 4, 15)}
    assert {e.posted_by for e in entries} == {officer}
    l1.refresh_from_db()
    assert l1.principal_repaid == 3_000_000 and l1.outstanding_principal == 9_000_000
    again = services.collection_sheet_post(group=group, period=date(2026, 4, 1), by=officer)
    assert (again.recorded, again.already) == (0, 7)
    assert LedgerEntry.objects.filter(sheet=result.sheet).count() == 7
    sheet = selectors.collection_sheet(group=group, period=date(2026, 4, 1))
    line = next(line for line in sheet.lines if line.loan and line.loan.pk == l1.pk)
    assert line.principal_due == 3_000_000 and line.posted["principal"] == 3_000_000  # due still shows
    assert CollectionSheet.objects.get(pk=result.sheet.pk).times_posted == 2


def test_partial_collection_then_the_rest(sheet_group):
    group, (h1, h2, h3), (l1, l2) = sheet_group
    partial = {(h1.pk, l1.pk): {"principal": 1_000_000}, (h3.pk, None): {"savings": 0}}
    result = services.collection_sheet_post(group=group, period=date(2026, 4, 1), amounts=partial)
    assert result.recorded == 6  # h1: principal 1M + interest; h2: principal + interest; savings of h1 and h2
    # The same sheet again with other amounts for a part already recorded is refused (the key means that posting).
    with pytest.raises(ValidationError) as err:
        services.collection_sheet_post(
            group=group, period=date(2026, 4, 1), amounts={(h1.pk, l1.pk): {"principal": 3_000_000}}
        )
    assert err.value.code == "key_reused"
    # May's sheet shows the 2,000,000 still late from April.
    may = selectors.collection_sheet(group=group, period=date(2026, 5, 1))
    line = next(line for line in may.lines if line.loan and line.loan.pk == l1.pk)
    assert line.principal_due == 2_000_000 and line.overdue == 2_000_000 and line.late


def test_a_wrong_line_records_nothing_and_names_every_wrong_line(sheet_group):
    group, (h1, h2, h3), (l1, l2) = sheet_group
    wrong = {(h1.pk, l1.pk): {"interest": 99_000_000}, (h2.pk, l2.pk): {"principal": 7_000_000}}
    with pytest.raises(ValidationError) as err:
        services.collection_sheet_post(group=group, period=date(2026, 4, 1), amounts=wrong)
    text = " ".join(err.value.messages)
    assert h1.code in text and h2.code in text and "more than the interest owed" in text
    assert "more than the outstanding" in text
    assert LedgerEntry.objects.exclude(kind="disbursement").count() == 0


def test_a_future_session_cannot_be_posted(sheet_group, today):
    group, *_ = sheet_group
    with pytest.raises(ValidationError, match="in the future"):
        services.collection_sheet_post(group=group, period=today + timedelta(days=40))


def test_closing_loan_through_the_sheet(province):
    group, (h1, *_rest) = group_with_members(province["a1"], members=3)
    loan = loan_through(
        h1, group, amount=3_000_000, term_months=3, every=3, applied_on=date(2026, 5, 1), disbursed_on=date(2026, 5, 15)
    )
    result = services.collection_sheet_post(group=group, period=date(2026, 8, 1))
    loan.refresh_from_db()
    assert loan.status == Loan.Status.CLOSED and result.loans_closed == [loan.pk]
    # The posted sheet still lists the loan it closed, with what it collected.
    sheet = selectors.collection_sheet(group=group, period=date(2026, 8, 1))
    line = next(line for line in sheet.lines if line.loan)
    assert line.posted["principal"] == 3_000_000
