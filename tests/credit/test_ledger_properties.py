"""Hypothesis: the ledger invariant under random sequences of postings, reversals, extensions, freezes and write-offs,
and the portfolio SQL agreeing with the per-loan Python position for every loan and date (on the database)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from credit import position as pos
from credit import selectors, services
from credit.models import LedgerEntry, Loan
from credit.portfolio import loan_positions
from tests.credit.factories import cause, group_with_members, loan_through

pytestmark = pytest.mark.django_db

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("collect"), st.integers(1, 40), st.integers(0, 3_000_000), st.integers(0, 400_000)),
        st.tuples(st.just("reverse"), st.integers(1, 40), st.integers(0, 50)),
        st.tuples(st.just("extend"), st.integers(1, 40), st.integers(20, 200)),
        st.tuples(st.just("freeze"), st.integers(1, 40), st.integers(0, 120)),
        st.tuples(st.just("write_off"), st.integers(1, 40), st.integers(1, 12_000_000)),
        st.tuples(st.just("refresh"), st.integers(1, 40)),
    ),
    min_size=1,
    max_size=10,
)


def _assert_invariant(loan: Loan) -> None:
    loan.refresh_from_db()
    services.ledger_invariant_check([loan.pk])  # raises when the kept position and the ledger disagree
    sums = {}
    for entry in LedgerEntry.objects.filter(loan=loan):
        sums[entry.account] = sums.get(entry.account, 0) + entry.amount
    disbursed, repaid, written_off = (sums.get(a, 0) for a in pos.PRINCIPAL_ACCOUNTS)
    assert loan.outstanding_principal == disbursed - repaid - written_off >= 0
    assert (loan.principal_disbursed, loan.principal_repaid, loan.principal_written_off) == (
        disbursed,
        repaid,
        written_off,
    )


@pytest.fixture
def member(province):
    group, (household, *_rest) = group_with_members(province["a1"], members=3)
    return group, household


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_invariant_holds_under_random_operations(member, operations):
    today = timezone.localdate()
    start = today - timedelta(days=400)
    group, household = member
    with transaction.atomic():
        loan = loan_through(
            household, group, amount=12_000_000, term_months=24, every=3, applied_on=start, disbursed_on=start
        )
        day = start
        for n, op in enumerate(operations):
            day = min(today, day + timedelta(days=op[1]))
            try:
                if op[0] == "collect":
                    p = selectors.loan_position(loan=loan, on=day)
                    services.loan_collection_post(
                        loan=loan,
                        on=day,
                        principal=op[2],
                        interest=min(op[3], p.interest_due if p else 0),
                        idempotency_key=f"h-{n}",
                    )
                elif op[0] == "reverse":
                    candidates = list(LedgerEntry.objects.filter(loan=loan).exclude(kind="reversal").order_by("id"))
                    entry = candidates[op[2] % len(candidates)]
                    services.ledger_entry_reverse(entry=entry, on=day, reason="sửa sai", idempotency_key=f"r-{n}")
                elif op[0] == "extend":
                    services.loan_extend(loan=loan, on=day, new_due_date=day + timedelta(days=op[2]), reason="lũ")
                elif op[0] == "freeze":
                    services.loan_freeze(
                        loan=loan,
                        frozen_from=day,
                        frozen_until=day + timedelta(days=op[2]),
                        cause=cause(),
                        reason="dịch bệnh",
                    )
                elif op[0] == "write_off":
                    services.loan_write_off(loan=loan, on=day, principal=op[2], cause=cause(), idempotency_key=f"w-{n}")
                else:
                    services.loan_status_refresh(id_from=loan.pk, id_to=loan.pk + 1)
                event(f"{op[0]}: done")
            except ValidationError:
                event(f"{op[0]}: refused")  # refused operations record nothing; the invariant must still hold
            _assert_invariant(loan)
        # The SQL the portfolio uses and the Python position agree on every figure, on several dates.
        loan.refresh_from_db()
        if loan.disbursed_on:
            for probe in {start, day, today, start + (today - start) / 2}:
                sql = {f["loan_id"]: f for f in loan_positions(as_of=probe, loan_ids=[loan.pk])}[loan.pk]
                py = selectors.loan_position(loan=loan, on=probe)
                assert (sql["outstanding"], sql["overdue"], sql["bucket"], sql["frozen"], sql["written_off"]) == (
                    py.outstanding,
                    py.overdue,
                    py.bucket,
                    py.frozen,
                    py.written_off,
                ), probe
        transaction.set_rollback(True)
