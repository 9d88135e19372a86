"""Celery tasks of credit: take ids and dates, call a service, idempotent, acknowledged late.

The nightly overdue refresh fans out over id ranges; each chunk is its own transaction, so a worker killed mid-batch
loses at most one chunk, which the broker redelivers (acks_late) and which recomputes the same statuses.
"""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.db.models import Max, Min

from .models import ACTIVE_STATUSES, Loan

CHUNK = 5_000


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def id_ranges(chunk: int = CHUNK) -> list[tuple[int, int]]:
    """[start, stop) ranges covering the ids of the loans being repaid."""
    bounds = Loan.objects.filter(status__in=ACTIVE_STATUSES).aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return []
    return [(start, start + chunk) for start in range(bounds["low"], bounds["high"] + 1, chunk)]


@shared_task(name="credit.tasks.loan_status_refresh_chunk", acks_late=True, soft_time_limit=600, time_limit=660)
def loan_status_refresh_chunk(id_from: int, id_to: int, on: str | None = None) -> dict:
    from .services import loan_status_refresh

    return loan_status_refresh(id_from=id_from, id_to=id_to, on=_day(on))


@shared_task(name="credit.tasks.loan_status_refresh_all", acks_late=True, soft_time_limit=120, time_limit=180)
def loan_status_refresh_all(on: str | None = None, chunk: int = CHUNK) -> int:
    """Enqueue one chunk task per id range (beat runs this every night); returns the number of chunks."""
    ranges = id_ranges(chunk)
    for start, stop in ranges:
        loan_status_refresh_chunk.delay(start, stop, on)
    return len(ranges)
