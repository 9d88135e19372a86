"""The same collection posted from two threads at once, each with its own PostgreSQL connection, is recorded once;
so is the same collection sheet."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from credit import services
from credit.models import CollectionSheet, LedgerEntry
from tests.credit.factories import group_with_members, loan_through

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks and concurrent connections: PostgreSQL"),
]


def _race(target, n: int = 2) -> list:
    """Run ``target`` in ``n`` threads released together; each thread closes its own connection at the end."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = target()
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_same_collection_from_two_threads_is_recorded_once(province):
    today = timezone.localdate()
    group, (household, *_) = group_with_members(province["a1"], members=3)
    loan = loan_through(household, group, applied_on=today - timedelta(days=60), disbursed_on=today - timedelta(40))
    results = _race(
        lambda: services.loan_collection_post(
            loan=loan, on=today, principal=1_000_000, interest=50_000, idempotency_key="phieu-thu-0042"
        )
    )
    assert all(isinstance(r, services.CollectionResult) for r in results), results
    assert sorted(r.created for r in results) == [False, True]
    assert LedgerEntry.objects.filter(loan=loan, kind__in=["principal", "interest"]).count() == 2
    loan.refresh_from_db()
    assert loan.principal_repaid == 1_000_000 and loan.outstanding_principal == loan.principal_disbursed - 1_000_000
    services.ledger_invariant_check([loan.pk])
    assert connection.vendor == "postgresql"


def test_same_sheet_from_two_threads_is_recorded_once(province):
    today = timezone.localdate()
    group, households = group_with_members(province["a1"], members=3)
    start = today - timedelta(days=70)
    for household in households:
        loan_through(household, group, applied_on=start, disbursed_on=start)
    period = (today - timedelta(days=today.day)).replace(day=1)  # last month: its session day is in the past
    results = _race(lambda: services.collection_sheet_post(group=group, period=period))
    assert all(isinstance(r, services.SheetPostResult) for r in results), results
    recorded = sorted(r.recorded for r in results)
    assert recorded[0] == 0 and recorded[1] > 0
    sheet = CollectionSheet.objects.get(group=group, period=period)
    assert sheet.times_posted == 2
    assert LedgerEntry.objects.filter(sheet=sheet).count() == recorded[1]
