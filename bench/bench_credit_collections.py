"""Posting 100,000 collections through the services (no budget in design.md §7: a baseline).

The data: 20 communes × 10 villages × 500 households, one loan each (100,000 loans disbursed on 15/06/2026, 12 months,
principal every 3 months), in 2,000 groups of 50 members saving 20,000 đồng a month, loaded with COPY.

Figures:

* the September 2026 collection sheets of all 2,000 groups posted at the transaction points, one service call per
  sheet (``collection_sheet_post``: one transaction, loans locked, invariant checked): 100,000 collections of
  principal + interest, plus the members' savings (300,000 ledger entries); total time, per-sheet p50/p95;
* the same sheets posted again: nothing recorded (idempotent), and how long the check takes;
* single collections through ``loan_collection_post`` (the API's path: one loan locked, idempotency key, invariant)
  for 5,000 loans, p50/p95, and the same 5,000 again (replays).
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
from django.db import connection

from bench.bench_credit_portfolio import areas, groups, households
from config.bulk import copy_frame, next_ids, reset_sequences

BUDGET = None  # design.md §7 sets none; the portfolio report has one (bench_credit_portfolio)

PROVINCE = "C8"
COMMUNES, VILLAGES, PER_VILLAGE, GROUP_SIZE = 20, 10, 500, 50
DISBURSED = date(2026, 6, 15)
PERIOD = date(2026, 9, 1)  # session on 15/09/2026: the first principal instalment and three months of interest
SINGLE = 5_000


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def build() -> dict:
    from credit.models import GroupMembership, Loan, LoanProgram

    n = COMMUNES * VILLAGES * PER_VILLAGE
    existing = Loan.objects.filter(commune__province__code=PROVINCE).count()
    if existing:
        return {"reused": True, "loans": existing}
    started = time.perf_counter()
    commune_pk, village_pk = areas(PROVINCE, COMMUNES, VILLAGES)
    village_index = np.repeat(np.arange(COMMUNES * VILLAGES), PER_VILLAGE)
    commune_index = village_index // VILLAGES
    household_ids = households(PROVINCE, commune_pk[commune_index], village_pk[village_index])
    per_village = PER_VILLAGE // GROUP_SIZE
    group_ids, group_org, point_ids = groups(PROVINCE, commune_pk, village_pk, per_village)
    group_of = village_index * per_village + (np.arange(n) % PER_VILLAGE) // GROUP_SIZE
    GroupMembership.objects.bulk_create(
        [
            GroupMembership(group_id=int(g), household_id=int(h), joined_on=date(2026, 1, 5), monthly_savings=20_000)
            for g, h in zip(group_ids[group_of], household_ids, strict=True)
        ],
        batch_size=10_000,
    )
    program = LoanProgram.objects.get(code="poor_household").pk
    amount = np.full(n, 12_000_000, dtype=np.int64)
    loan_ids = next_ids("credit_loan", n)
    now = datetime.now(UTC).isoformat()
    copy_frame(
        "credit_loan",
        pd.DataFrame(
            {
                "id": loan_ids,
                "household_id": household_ids,
                "group_id": group_ids[group_of],
                "program_id": program,
                "commune_id": commune_pk[commune_index],
                "village_id": village_pk[village_index],
                "organisation_id": group_org[group_of],
                "purpose": "livestock",
                "borrowing_plan": "",
                "amount_requested": amount,
                "amount_approved": amount,
                "term_months": 12,
                "principal_every_months": 3,
                "method": "equal_principal",
                "status": "repaying",
                "applied_on": date(2026, 6, 1),
                "disbursed_on": DISBURSED,
                "transaction_point_id": point_ids[commune_index],
                "maturity_date": date(2027, 6, 15),
                "refusal_step": "",
                "refusal_reasons": "[]",
                "sched_month_index": 2026 * 12 + 5,
                "sched_day": 15,
                "sched_count": 4,
                "sched_base": 3_000_000,
                "sched_last": 3_000_000,
                "principal_disbursed": amount,
                "principal_repaid": 0,
                "principal_written_off": 0,
                "outstanding_principal": amount,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        ),
        blank=("borrowing_plan", "refusal_step"),
    )
    due = [date(2026, 9, 15), date(2026, 12, 15), date(2027, 3, 15), date(2027, 6, 15)]
    copy_frame(
        "credit_installment",
        pd.concat(
            [
                pd.DataFrame(
                    {
                        "loan_id": loan_ids,
                        "schedule_version": 1,
                        "number": 3 * (k + 1),
                        "due_date": d,
                        "principal": 3_000_000,
                        "effective_from": DISBURSED,
                        "superseded_on": None,
                        "reason": "disbursement",
                    }
                )
                for k, d in enumerate(due)
            ],
            ignore_index=True,
        ),
    )
    copy_frame(
        "credit_ledgerentry",
        pd.DataFrame(
            {
                "loan_id": loan_ids,
                "household_id": household_ids,
                "group_id": group_ids[group_of],
                "kind": "disbursement",
                "account": "principal_disbursed",
                "amount": amount,
                "value_date": DISBURSED,
                "posted_at": now,
                "idempotency_key": "bench-c:" + pd.Series(loan_ids).astype(str),
                "note": "",
                "transaction_point_id": point_ids[commune_index],
            }
        ),
        blank=("note",),
    )
    reset_sequences("credit_loan", "credit_installment", "credit_ledgerentry")
    with connection.cursor() as cursor:
        for table in ("credit_loan", "credit_installment", "credit_ledgerentry", "credit_groupmembership"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return {
        "reused": False,
        "loans": n,
        "groups": len(group_ids),
        "load_seconds": round(time.perf_counter() - started, 1),
    }


def run() -> dict:
    from accounts.models import User
    from credit import services
    from credit.models import CollectionSheet, LedgerEntry, Loan, SavingsGroup

    if connection.vendor != "postgresql":
        return {"skipped": "PostgreSQL only (COPY)"}
    data = build()
    officer, _ = User.objects.get_or_create(username="bench-collections-officer")
    group_list = list(
        SavingsGroup.objects.filter(commune__province__code=PROVINCE).select_related("transaction_point").order_by("pk")
    )
    already_posted = CollectionSheet.objects.filter(group__in=group_list, period=PERIOD).exists()
    before = LedgerEntry.objects.filter(group__in=group_list).count()

    samples, recorded = [], 0
    started = time.perf_counter()
    for group in group_list:
        t = time.perf_counter()
        result = services.collection_sheet_post(group=group, period=PERIOD, by=officer)
        samples.append(time.perf_counter() - t)
        recorded += result.recorded
    sheets_seconds = time.perf_counter() - started
    collections = Loan.objects.filter(commune__province__code=PROVINCE, principal_repaid__gt=0).count()

    again_samples, again_recorded = [], 0
    started = time.perf_counter()
    for group in group_list:
        t = time.perf_counter()
        again_recorded += services.collection_sheet_post(group=group, period=PERIOD, by=officer).recorded
        again_samples.append(time.perf_counter() - t)
    again_seconds = time.perf_counter() - started

    loans = list(
        Loan.objects.filter(commune__province__code=PROVINCE).select_related("program").order_by("pk")[:SINGLE]
    )
    single, replay = [], []
    for loan in loans:
        t = time.perf_counter()
        services.loan_collection_post(
            loan=loan, on=date(2026, 10, 15), interest=10_000, by=officer, idempotency_key=f"bench-single:{loan.pk}"
        )
        single.append(time.perf_counter() - t)
    for loan in loans:
        t = time.perf_counter()
        r = services.loan_collection_post(
            loan=loan, on=date(2026, 10, 15), interest=10_000, by=officer, idempotency_key=f"bench-single:{loan.pk}"
        )
        replay.append(time.perf_counter() - t)
        assert not r.created
    return {
        "data": data,
        "sheets": len(group_list),
        "sheets_already_posted_before_this_run": already_posted,
        "collections_posted": collections,
        "ledger_entries_recorded": recorded,
        "ledger_entries_total_of_these_groups": LedgerEntry.objects.filter(group__in=group_list).count() - before,
        "post_100k_collections_seconds": round(sheets_seconds, 2),
        "collections_per_second": round(collections / sheets_seconds, 1) if sheets_seconds else None,
        "sheet_p50_ms": round(statistics.median(samples) * 1000, 1),
        "sheet_p95_ms": round(_percentile(samples, 0.95) * 1000, 1),
        "post_again_recorded": again_recorded,
        "post_again_seconds": round(again_seconds, 2),
        "post_again_sheet_p95_ms": round(_percentile(again_samples, 0.95) * 1000, 1),
        "single_collection_p50_ms": round(statistics.median(single) * 1000, 2),
        "single_collection_p95_ms": round(_percentile(single, 0.95) * 1000, 2),
        "single_replay_p50_ms": round(statistics.median(replay) * 1000, 2),
        "single_replay_p95_ms": round(_percentile(replay, 0.95) * 1000, 2),
    }
