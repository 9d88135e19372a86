"""The loan lifecycle, eligibility, the ledger, risk-debt files, loan-use checks and the status refresh."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from credit import position as pos
from credit import selectors, services
from credit.models import CreditPolicy, Installment, LedgerEntry, Loan, LoanUseCheck
from tests.credit.factories import cause, collect, group_with_members, loan_through, member_household, program
from tests.households.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


# --- groups -----------------------------------------------------------------------------------------------------
def test_group_takes_members_from_its_village_or_an_approved_adjacent_one(province, users):
    group, _ = group_with_members(province["a1"], members=3)
    stranger = HouseholdFactory(village=province["a2"])
    with pytest.raises(ValidationError) as err:
        services.group_member_add(group=group, household=stranger, joined_on=date(2024, 2, 1))
    assert err.value.code == "member_village"
    group.adjacent_villages.add(province["a2"])
    services.group_member_add(group=group, household=stranger, joined_on=date(2024, 2, 1))
    with pytest.raises(ValidationError) as err:
        services.group_member_add(group=group, household=stranger, joined_on=date(2024, 2, 1))
    assert err.value.code == "already_member"


def test_group_size_limits_are_editable_data(province):
    policy = CreditPolicy.current()
    policy.group_max_members = 3
    policy.save()
    group, _ = group_with_members(province["a1"], members=3, approved_on=None)
    with pytest.raises(ValidationError) as err:
        services.group_member_add(
            group=group, household=HouseholdFactory(village=province["a1"]), joined_on=date(2024, 2, 1)
        )
    assert err.value.code == "group_full"
    small, _ = group_with_members(province["a1"], members=2, approved_on=None)
    with pytest.raises(ValidationError, match="at least 3 members"):
        services.savings_group_approve(group=small, on=date(2024, 2, 1))


# --- the lifecycle ----------------------------------------------------------------------------------------------
def test_lifecycle_to_disbursement_records_who_and_when(province, users):
    officer = users["credit_officer"]
    group, (household, *_rest) = group_with_members(province["a1"], members=3)
    loan = loan_through(household, group, disbursed_on=date(2025, 3, 15), by=officer)
    assert loan.status == Loan.Status.OVERDUE or loan.status == Loan.Status.REPAYING
    assert loan.disbursed_on == date(2025, 3, 15) and loan.transaction_point == group.transaction_point
    assert loan.outstanding_principal == 30_000_000 == loan.principal_disbursed
    rows = list(Installment.objects.filter(loan=loan).order_by("due_date"))
    assert [r.due_date for r in rows] == [
        date(2025, 9, 15),
        date(2026, 3, 15),
        date(2026, 9, 15),
        date(2027, 3, 15),
        date(2027, 9, 15),
        date(2028, 3, 15),
    ]
    assert sum(r.principal for r in rows) == 30_000_000 and loan.maturity_date == date(2028, 3, 15)
    check = LoanUseCheck.objects.get(loan=loan)
    assert check.due_by == date(2025, 3, 15) + timedelta(days=30)
    statuses = [h.status for h in loan.history.order_by("history_id")]
    assert statuses[:5] == ["applied", "selected", "certified", "approved", "repaying"]
    assert loan.history.earliest("history_id").history_user == officer


def test_illegal_transition_is_a_clear_error(province):
    group, (household, *_) = group_with_members(province["a1"], members=3)
    loan = loan_through(household, group, until="applied")
    with pytest.raises(ValidationError, match="A loan that is Applied cannot become Approved"):
        services.loan_approve(loan=loan, on=date(2025, 3, 2))
    with pytest.raises(ValidationError, match="cannot become Repaying"):
        services.loan_disburse(
            loan=loan, on=date(2025, 3, 2), transaction_point=group.transaction_point, idempotency_key="k1"
        )
    assert LedgerEntry.objects.count() == 0


def test_conflicting_edit_is_refused_not_lost(province):
    group, (household, *_) = group_with_members(province["a1"], members=3)
    loan = loan_through(household, group, until="applied")
    seen = loan.version
    services.loan_application_update(loan=loan, expected_version=seen, amount_requested=20_000_000)
    with pytest.raises(ValidationError) as err:
        services.loan_application_update(loan=loan, expected_version=seen, amount_requested=25_000_000)
    assert err.value.code == "conflict"
    loan.refresh_from_db()
    assert loan.amount_requested == 20_000_000
    with pytest.raises(ValidationError) as err:
        services.loan_group_select(loan=loan, on=date(2025, 3, 2), expected_version=seen)
    assert err.value.code == "conflict"


# --- eligibility ------------------------------------------------------------------------------------------------
def _certify(loan):
    loan = services.loan_group_select(loan=loan, on=date(2025, 3, 1))
    return services.loan_certify(loan=loan, on=date(2025, 3, 2))


def _codes(loan):
    return [r["code"] for r in loan.refusal_reasons]


def test_refusal_not_poor_near_poor_or_newly_escaped(province):
    group, (household, *_) = group_with_members(province["a1"], statuses=["non_poor", "poor", "poor"])
    loan = _certify(loan_through(household, group, until="applied"))
    assert loan.status == Loan.Status.REFUSED and loan.refusal_step == "certification"
    assert _codes(loan) == ["status_not_eligible"]
    assert "Non-poor household" in loan.refusal_reasons[0]["message"]
    assert "Poor household" in loan.refusal_reasons[0]["message"]


def test_refusal_amount_above_programme_maximum(province):
    group, (household, *_) = group_with_members(province["a1"], members=3)
    loan = _certify(loan_through(household, group, amount=120_000_000, until="applied"))
    assert _codes(loan) == ["amount_above_maximum"]
    assert loan.refusal_reasons[0]["message"] == (
        "The amount 120.000.000 đồng is above the programme's maximum of 100.000.000 đồng."
    )


def test_refusal_not_a_group_member(province):
    group, _ = group_with_members(province["a1"], members=3)
    outsider = member_household(province["a1"], status="poor")
    loan = _certify(loan_through(outsider, group, until="applied"))
    assert _codes(loan) == ["not_group_member"]


def test_refusal_no_recognised_review(province):
    group, _ = group_with_members(province["a1"], members=3)
    unreviewed = member_household(province["a1"], status=None)
    services.group_member_add(group=group, household=unreviewed, joined_on=date(2024, 1, 2))
    loan = _certify(loan_through(unreviewed, group, until="applied"))
    assert _codes(loan) == ["no_recognised_review"]
    assert "no review recognised by the chairman in force on 02/03/2025" in loan.refusal_reasons[0]["message"]


def test_every_reason_is_stated_at_once(province):
    group, _ = group_with_members(province["a1"], members=3)
    outsider = member_household(province["a1"], status="average")
    loan = _certify(loan_through(outsider, group, amount=150_000_000, until="applied"))
    assert sorted(_codes(loan)) == ["amount_above_maximum", "not_group_member", "status_not_eligible"]


def test_newly_escaped_household_is_eligible_for_its_programme(province):
    group, _ = group_with_members(province["a1"], members=3)
    household = member_household(province["a1"], status="poor", review_date=date(2022, 10, 1))
    from tests.households.factories import recognised_review

    recognised_review(household, review_date=date(2023, 10, 1), income=2_500_000)  # list 2024: non-poor
    services.group_member_add(group=group, household=household, joined_on=date(2024, 1, 2))
    assert selectors.household_credit_status(household=household, on=date(2025, 3, 2)) == {"non_poor", "newly_escaped"}
    loan = loan_through(household, group, program_code="newly_escaped_household", until="certified")
    assert loan.status == Loan.Status.CERTIFIED
    # Four years later the window (3 years, editable in CreditPolicy) has closed.
    assert "newly_escaped" not in selectors.household_credit_status(household=household, on=date(2027, 1, 2))


def test_officer_refusal_needs_a_written_reason(province):
    group, (household, *_) = group_with_members(province["a1"], members=3)
    loan = loan_through(household, group, until="certified")
    with pytest.raises(ValidationError, match="Give the reason in writing"):
        services.loan_refuse(loan=loan, reason="  ", on=date(2025, 3, 3))
    loan = services.loan_refuse(loan=loan, reason="Phương án không khả thi", on=date(2025, 3, 3))
    assert loan.status == "refused" and loan.refusal_step == "certified"
    assert loan.refusal_reasons[0]["message"] == "Phương án không khả thi"


# --- interest and rates -----------------------------------------------------------------------------------------
def test_rate_change_on_1_december_2025_applies_to_the_outstanding_balance(province):
    """Disbursed 1 Nov 2025: 30 days at 6.6 %, then 31 days at 6.24 % (actual/365)."""
    group, (household, *_) = group_with_members(province["a1"], members=3)
    loan = loan_through(
        household, group, amount=30_000_000, applied_on=date(2025, 10, 20), disbursed_on=date(2025, 11, 1)
    )
    p = selectors.loan_position(loan=loan, on=date(2026, 1, 1))
    exact = 30_000_000 * (Fraction("0.066") * 30 + Fraction("0.0624") * 31) / 365
    assert p.interest_accrued == int(exact + Fraction(1, 2)) == 321_732
    assert p.interest_due == 321_732 and p.overdue_interest_due == 0
    # The same loan's first month alone is all at the old rate.
    assert selectors.loan_position(loan=loan, on=date(2025, 12, 1)).interest_accrued == round(
        30_000_000 * 0.066 * 30 / 365
    )
    collect(loan, date(2026, 1, 1), interest=321_732)
    assert selectors.loan_position(loan=loan, on=date(2026, 1, 1)).interest_due == 0


def test_overdue_interest_at_the_programme_multiplier(province):
    group, (household, *_) = group_with_members(province["a1"], members=3)
    loan = loan_through(
        household,
        group,
        amount=12_000_000,
        term_months=12,
        every=6,
        applied_on=date(2026, 1, 2),
        disbursed_on=date(2026, 1, 10),
    )
    # 6,000,000 due 10/07/2026, unpaid: overdue from 11/07; 10 days to 21/07 at 6.24 % × 1.3.
    p = selectors.loan_position(loan=loan, on=date(2026, 7, 21))
    assert p.overdue == 6_000_000 and p.days_overdue == 11 and p.bucket == "1_30"
    assert p.overdue_interest_accrued == int(
        6_000_000 * Fraction("0.0624") * Fraction("1.3") * 10 / 365 + Fraction(1, 2)
    )


# --- the ledger -------------------------------------------------------------------------------------------------
def test_collection_posted_twice_is_recorded_once(province, days_ago):
    group, (household, *_) = group_with_members(province["a1"], members=3)
    loan = loan_through(household, group, applied_on=days_ago(60), disbursed_on=days_ago(50))
    first = collect(loan, days_ago(1), interest=100_000, key="sheet-7")
    again = collect(loan, days_ago(1), interest=100_000, key="sheet-7")
    assert first.created and not again.created
    assert [e.pk for e in again.entries] == [e.pk for e in first.entries]
    assert LedgerEntry.objects.filter(kind="interest").count() == 1
    with pytest.raises(ValidationError) as err:
        collect(loan, days_ago(1), interest=90_000, key="sheet-7")
    assert err.value.code == "key_reused"


def test_collections_cannot_exceed_what_is_owed(province, days_ago):
    group, (household, *_) = group_with_members(province["a1"], members=3)
    loan = loan_through(household, group, amount=10_000_000, applied_on=days_ago(60), disbursed_on=days_ago(50))
    with pytest.raises(ValidationError, match="more than the outstanding 10.000.000 đồng"):
        collect(loan, days_ago(1), principal=10_000_001)
    with pytest.raises(ValidationError, match="more than the interest owed"):
        collect(loan, days_ago(1), interest=10_000_000)
    with pytest.raises(ValidationError, match="before the disbursement"):
        collect(loan, days_ago(55), principal=1)


def test_ledger_refuses_update_and_delete(province, days_ago):
    group, (household, *_) = group_with_members(province["a1"], members=3)
    loan = loan_through(household, group, applied_on=days_ago(60), disbursed_on=days_ago(50))
    entry = LedgerEntry.objects.get(loan=loan)
    entry.amount = 1
    with pytest.raises(ValidationError, match="never changed or deleted"):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    with pytest.raises(ValidationError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=2)
    with pytest.raises(ValidationError):
        LedgerEntry.objects.all().delete()
    if connection.vendor == "postgresql":  # the database refuses too, whatever the code path
        with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE credit_ledgerentry SET amount = 1 WHERE id = %s", [entry.pk])


def test_reversal_corrects_a_collection(province, days_ago, users):
    group, (household, *_) = group_with_members(province["a1"], members=3)
    loan = loan_through(household, group, amount=10_000_000, applied_on=days_ago(60), disbursed_on=days_ago(50))
    result = collect(loan, days_ago(2), principal=1_000_000)
    reversal = services.ledger_entry_reverse(
        entry=result.entries[0],
        on=days_ago(1),
        reason="Ghi nhầm hộ",
        idempotency_key="rev-1",
        by=users["credit_officer"],
    )
    assert (
        reversal.amount == -1_000_000
        and reversal.account == pos.REPAID
        and reversal.reverses_id == result.entries[0].pk
    )
    loan.refresh_from_db()
    assert loan.outstanding_principal == 10_000_000 and loan.principal_repaid == 0
    assert (
        services.ledger_entry_reverse(entry=result.entries[0], on=days_ago(1), reason="x", idempotency_key="rev-1")
        == reversal
    )
    with pytest.raises(ValidationError, match="already reversed"):
        services.ledger_entry_reverse(entry=result.entries[0], on=days_ago(1), reason="x", idempotency_key="rev-2")
    with pytest.raises(ValidationError, match="not itself reversed"):
        services.ledger_entry_reverse(entry=reversal, on=days_ago(1), reason="x", idempotency_key="rev-3")


def test_full_repayment_closes_the_loan(province, days_ago):
    group, (household, *_) = group_with_members(province["a1"], members=3)
    loan = loan_through(
        household, group, amount=6_000_000, term_months=6, applied_on=days_ago(40), disbursed_on=days_ago(30)
    )
    p = selectors.loan_position(loan=loan, on=days_ago(0))
    collect(loan, days_ago(0), principal=6_000_000, interest=p.interest_due)
    loan.refresh_from_db()
    assert loan.status == Loan.Status.CLOSED and loan.closed_on == days_ago(0) and loan.outstanding_principal == 0
    with pytest.raises(ValidationError, match="nothing can be collected"):
        collect(loan, days_ago(0), interest=1)


def test_invariant_check_catches_a_kept_position_out_of_step(province, days_ago):
    group, (household, *_) = group_with_members(province["a1"], members=3)
    loan = loan_through(household, group, applied_on=days_ago(60), disbursed_on=days_ago(50))
    with transaction.atomic():
        Loan.objects.filter(pk=loan.pk).update(principal_repaid=5, outstanding_principal=loan.outstanding_principal - 5)
        with pytest.raises(services.LedgerInvariantError):
            services.ledger_invariant_check([loan.pk])
        transaction.set_rollback(True)
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database holds the arithmetic itself
        Loan.objects.filter(pk=loan.pk).update(principal_repaid=5)


# --- risk-debt files --------------------------------------------------------------------------------------------
def test_extension_moves_the_overdue_instalment_and_clears_overdue(province, today, users):
    group, (household, *_) = group_with_members(province["a1"], members=3)
    start = today - timedelta(days=200)
    loan = loan_through(
        household, group, amount=12_000_000, term_months=12, every=6, applied_on=start, disbursed_on=start
    )
    services.loan_status_refresh(id_from=loan.pk, id_to=loan.pk + 1)
    loan.refresh_from_db()
    assert loan.status == Loan.Status.OVERDUE
    extension = services.loan_extend(
        loan=loan,
        on=today,
        new_due_date=today + timedelta(days=90),
        reason="Lũ cuốn trôi chuồng trại",
        cause=cause(),
        by=users["credit_officer"],
    )
    loan.refresh_from_db()
    assert extension.principal == 6_000_000 and loan.status == Loan.Status.EXTENDED
    p = selectors.loan_position(loan=loan, on=today)
    assert p.overdue == 0 and p.outstanding == 12_000_000
    # As of yesterday the loan was overdue: the past is not rewritten.
    assert selectors.loan_position(loan=loan, on=today - timedelta(days=1)).overdue == 6_000_000
    with pytest.raises(ValidationError, match="Give the reason"):
        services.loan_extend(loan=loan, on=today, new_due_date=today + timedelta(days=9), reason="")


def test_freeze_stops_interest_and_collection(province, today):
    group, (household, *_) = group_with_members(province["a1"], members=3)
    start = today - timedelta(days=100)
    loan = loan_through(household, group, amount=10_000_000, applied_on=start, disbursed_on=start)
    before = selectors.loan_position(loan=loan, on=today - timedelta(days=40)).interest_accrued
    services.loan_freeze(
        loan=loan,
        frozen_from=today - timedelta(days=40),
        frozen_until=today + timedelta(days=365),
        cause=cause("epidemic"),
        reason="Dịch tả lợn châu Phi",
    )
    loan.refresh_from_db()
    assert loan.status == Loan.Status.FROZEN
    p = selectors.loan_position(loan=loan, on=today)
    assert p.frozen and p.overdue == 0 and p.interest_accrued == before
    with pytest.raises(ValidationError, match="already frozen"):
        services.loan_freeze(loan=loan, frozen_from=today, frozen_until=today, cause=cause(), reason="x")


def test_write_off_of_the_whole_debt(province, today, days_ago):
    group, (household, *_) = group_with_members(province["a1"], members=3)
    loan = loan_through(household, group, amount=10_000_000, applied_on=days_ago(100), disbursed_on=days_ago(90))
    collect(loan, days_ago(60), principal=2_000_000)
    with pytest.raises(ValidationError, match="more than the outstanding principal"):
        services.loan_write_off(
            loan=loan, on=today, principal=9_000_000, cause=cause("borrower_death"), idempotency_key="wo-0"
        )
    write_off = services.loan_write_off(
        loan=loan,
        on=today,
        principal=8_000_000,
        cause=cause("borrower_death"),
        reason="Người vay chết",
        idempotency_key="wo-1",
    )
    loan.refresh_from_db()
    assert loan.status == Loan.Status.WRITTEN_OFF and loan.outstanding_principal == 0
    assert loan.principal_written_off == 8_000_000 and write_off.interest > 0
    assert (
        services.loan_write_off(
            loan=loan, on=today, principal=8_000_000, cause=cause("borrower_death"), idempotency_key="wo-1"
        )
        == write_off
    )
    assert selectors.loan_position(loan=loan, on=today).interest_total_due == 0


# --- loan-use checks --------------------------------------------------------------------------------------------
def test_use_check_outcomes_feed_the_misuse_flags(province, days_ago, users):
    group, (h1, h2, _h3) = group_with_members(province["a1"], members=3)
    l1 = loan_through(h1, group, applied_on=days_ago(60), disbursed_on=days_ago(50))
    l2 = loan_through(h2, group, applied_on=days_ago(60), disbursed_on=days_ago(50))
    c1 = LoanUseCheck.objects.get(loan=l1)
    services.loan_use_check_record(
        check=c1,
        on=days_ago(20),
        outcome="misused",
        checker="group_leader",
        notes="Dùng vốn mua xe máy",
        by=users["group_leader"],
    )
    c2 = LoanUseCheck.objects.get(loan=l2)
    services.loan_use_check_record(check=c2, on=days_ago(10), outcome="not_yet", checker="officer")
    assert LoanUseCheck.objects.filter(loan=l2, checked_on__isnull=True).get().due_by == days_ago(10) + timedelta(30)
    flags = selectors.loan_misuse_flags(household_ids=[h1.pk, h2.pk], as_of=days_ago(0))
    assert flags[h1.pk].misused == 1 and flags[h1.pk].last_outcome == "misused"
    assert flags[h2.pk].misused == 0 and flags[h2.pk].last_outcome == "not_yet"
    # As of before the check, nothing was known (no leakage into the past for risk features).
    assert selectors.loan_misuse_flags(household_ids=[h1.pk], as_of=days_ago(21)) == {}
    with pytest.raises(ValidationError, match="already recorded"):
        services.loan_use_check_record(check=c1, on=days_ago(5), outcome="as_planned", checker="officer")


def test_use_check_deadline_is_programme_data(province, days_ago):
    p = program()
    p.use_check_days = 45
    p.save()
    group, (household, *_) = group_with_members(province["a1"], members=3)
    loan = loan_through(household, group, applied_on=days_ago(60), disbursed_on=days_ago(50))
    assert LoanUseCheck.objects.get(loan=loan).due_by == days_ago(50) + timedelta(days=45)


# --- status refresh ---------------------------------------------------------------------------------------------
def test_status_refresh_is_idempotent_and_kept_in_history(province, today):
    group, (h1, h2, _h3) = group_with_members(province["a1"], members=3)
    late = loan_through(
        h1,
        group,
        amount=12_000_000,
        term_months=12,
        applied_on=today - timedelta(days=200),
        disbursed_on=today - timedelta(days=200),
    )
    fine = loan_through(
        h2,
        group,
        amount=12_000_000,
        term_months=12,
        applied_on=today - timedelta(days=20),
        disbursed_on=today - timedelta(days=20),
    )
    Loan.objects.filter(pk=late.pk).update(status="repaying")  # as if the nightly job had not run yet
    first = services.loan_status_refresh(id_from=0, id_to=10**9)
    second = services.loan_status_refresh(id_from=0, id_to=10**9)
    assert first == {"checked": 2, "changed": 1} and second == {"checked": 2, "changed": 0}
    late.refresh_from_db()
    fine.refresh_from_db()
    assert late.status == "overdue" and fine.status == "repaying"
    assert late.history.latest("history_id").status == "overdue"
