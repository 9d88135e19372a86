"""The loan portfolio as of a date over 1,000,000 loans (design.md §7: ≤ 3 s on PostgreSQL).

The data: one province of 100 communes × 20 villages × 500 households, one loan each (1,000,000 loans) in 20,000
savings-and-loan groups, disbursed over three years on session days, 36 months with principal every 6 months (six
stored instalments each). Repayment: 88 % on time, 8 % stop paying after some instalments (every ageing bucket),
2 % stop and are frozen, 1 % are written off, 1 % were extended (a second schedule version). Two interest entries per
loan sit in the ledger beside the principal ones. About 5.5 million ledger entries and 6 million instalments, written
with PostgreSQL COPY; a second run reuses them.

Figures: the province's portfolio as of the data's day for its provincial officer (the 1,000,000 loans; the
budget), the same a year earlier, a credit officer's two communes, everything in the database for a superuser, and
whether the totals equal the loaded data's (computed with numpy) to show the SQL is right.
"""

from __future__ import annotations

import io
import statistics
import time
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
from django.db import connection

from config.bulk import copy_frame, next_ids, reset_sequences

BUDGET = {"portfolio_province_seconds": 3.0}  # design.md §7

PROVINCE = "C9"
COMMUNES, VILLAGES, PER_VILLAGE, GROUPS_PER_VILLAGE = 100, 20, 500, 10
AS_OF = date(2026, 10, 31)
TERM, EVERY = 36, 6
SEED = 20251201
REPEATS = 3


# --- shared loaders (bench_credit_collections uses them too); the COPY helpers live in config.bulk ----------------
def areas(province: str, communes: int, villages: int) -> tuple[np.ndarray, np.ndarray]:
    """Import the province's areas; (commune pk per commune index, village pk per commune × village index)."""
    import csv

    from areas.models import Commune, Village
    from areas.services import AREA_CSV_HEADER, areas_import_csv

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=AREA_CSV_HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerow({"level": "province", "code": province, "name": f"Tỉnh đo {province}"})
    for c in range(communes):
        code = f"{province}{c:04d}"
        writer.writerow(
            {"level": "commune", "code": code, "name": f"Xã đo {c + 1}", "parent_code": province, "area_type": "rural"}
        )
        for v in range(villages):
            writer.writerow(
                {"level": "village", "code": f"{code}-{v:02d}", "name": f"Thôn {v + 1}", "parent_code": code}
            )
    result = areas_import_csv(data=out.getvalue().encode())
    assert result.ok, result.errors[:5]
    commune_pk = dict(Commune.objects.filter(province__code=province).values_list("code", "pk"))
    village_pk = dict(Village.objects.filter(commune__province__code=province).values_list("code", "pk"))
    cpk = np.array([commune_pk[f"{province}{c:04d}"] for c in range(communes)], dtype=np.int64)
    vpk = np.array(
        [village_pk[f"{province}{c:04d}-{v:02d}"] for c in range(communes) for v in range(villages)], dtype=np.int64
    )
    return cpk, vpk


def households(province: str, commune_of: np.ndarray, village_of: np.ndarray) -> np.ndarray:
    n = len(commune_of)
    ids = next_ids("households_household", n)
    now = datetime.now(UTC).isoformat()
    codes = pd.Series(ids).astype(str).radd(f"{province}-")
    copy_frame(
        "households_household",
        pd.DataFrame(
            {
                "id": ids,
                "code": codes,
                "address": "",
                "head_name": "Hộ vay " + codes,
                "head_name_folded": "ho vay " + codes.str.lower(),
                "head_ethnicity": "01",
                "area_type": "rural",
                "size": 4,
                "female_headed": False,
                "has_disabled_member": False,
                "latest_classification": "poor",
                "latest_transition": "",
                "latest_list_year": 2026,
                "version": 1,
                "created_at": now,
                "updated_at": now,
                "commune_id": commune_of,
                "village_id": village_of,
            }
        ),
        blank=("address", "latest_transition"),
    )
    reset_sequences("households_household")
    return ids


def groups(province: str, commune_pk: np.ndarray, village_pk: np.ndarray, per_village: int, session_day: int = 15):
    """Transaction points (one per commune) and approved groups; (group ids per village × group index, org ids)."""
    from credit.models import MassOrganization, SavingsGroup, TransactionPoint

    points = TransactionPoint.objects.bulk_create(
        [
            TransactionPoint(commune_id=int(c), name=f"Điểm giao dịch {i}", session_day=session_day)
            for i, c in enumerate(commune_pk)
        ]
    )
    orgs = list(MassOrganization.objects.order_by("pk").values_list("pk", flat=True))
    villages_per_commune = len(village_pk) // len(commune_pk)
    rows = []
    for v, village in enumerate(village_pk):
        c = v // villages_per_commune
        for g in range(per_village):
            rows.append(
                SavingsGroup(
                    code=f"{province}-G{v:05d}-{g:02d}",
                    name=f"Tổ {v}-{g}",
                    village_id=int(village),
                    commune_id=int(commune_pk[c]),
                    organisation_id=orgs[(v + g) % len(orgs)],
                    transaction_point_id=points[c].pk,
                    approved_on=date(2023, 1, 5),
                )
            )
    created = SavingsGroup.objects.bulk_create(rows, batch_size=5000)
    group_ids = np.array([g.pk for g in created], dtype=np.int64)
    group_org = np.array([g.organisation_id for g in created], dtype=np.int64)
    point_ids = np.array([p.pk for p in points], dtype=np.int64)
    return group_ids, group_org, point_ids


def month_add(year: np.ndarray, month: np.ndarray, add) -> tuple[np.ndarray, np.ndarray]:
    index = year * 12 + (month - 1) + add
    return index // 12, index % 12 + 1


def as_dates(year: np.ndarray, month: np.ndarray, day: int) -> np.ndarray:
    return pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day})).dt.date.values


# --- the data ---------------------------------------------------------------------------------------------------
def _existing() -> int:
    from credit.models import Loan

    return Loan.objects.filter(commune__province__code=PROVINCE).count()


def build() -> dict:
    from credit.models import LoanProgram, RiskCause

    n = COMMUNES * VILLAGES * PER_VILLAGE
    if _existing() == n:
        return {"reused": True, "loans": n}
    assert _existing() == 0, "a half-built earlier run: use a fresh database (make bench starts one)"
    started = time.perf_counter()
    commune_pk, village_pk = areas(PROVINCE, COMMUNES, VILLAGES)
    village_index = np.repeat(np.arange(COMMUNES * VILLAGES), PER_VILLAGE)
    commune_index = village_index // VILLAGES
    household_ids = households(PROVINCE, commune_pk[commune_index], village_pk[village_index])
    group_ids, group_org, point_ids = groups(PROVINCE, commune_pk, village_pk, GROUPS_PER_VILLAGE)
    rng = np.random.default_rng(SEED)
    group_of = village_index * GROUPS_PER_VILLAGE + (np.arange(n) % PER_VILLAGE) % GROUPS_PER_VILLAGE

    programs = list(LoanProgram.objects.order_by("code").values_list("pk", flat=True))
    program = np.array(programs)[rng.choice(len(programs), n, p=_program_weights(len(programs)))]
    amount = rng.choice(np.array([12, 18, 24, 30, 36, 48, 60]) * 1_000_000, n)
    month_offset = rng.integers(0, 36, n)  # disbursed in one of the 36 months up to October 2026
    d_year, d_month = month_add(np.full(n, 2023), np.full(n, 11), month_offset)
    disbursed = as_dates(d_year, d_month, 15)
    instalment = amount // (TERM // EVERY)
    due = [as_dates(*month_add(d_year, d_month, EVERY * k), 15) for k in range(1, TERM // EVERY + 1)]
    due_matrix = np.stack([pd.to_datetime(pd.Series(d)).values for d in due], axis=1)  # (n, 6) datetime64
    as_of = np.datetime64(AS_OF)
    fell_due = due_matrix <= as_of
    behaviour = rng.choice(5, n, p=[0.88, 0.08, 0.02, 0.01, 0.01])  # on time, late, frozen, written off, extended
    n_due = fell_due.sum(axis=1)
    paid_count = np.where(behaviour == 0, n_due, np.minimum(n_due, rng.integers(0, 6, n)))
    paid = np.arange(6)[None, :] < paid_count[:, None]

    loan_ids = next_ids("credit_loan", n)
    outstanding = amount - paid_count * instalment
    written_off = np.where((behaviour == 3) & (outstanding > 0), outstanding, 0)
    outstanding = outstanding - written_off
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
                "term_months": TERM,
                "principal_every_months": EVERY,
                "method": "equal_principal",
                "status": np.where(written_off > 0, "written_off", np.where(outstanding > 0, "repaying", "closed")),
                "applied_on": disbursed,
                "disbursed_on": disbursed,
                "transaction_point_id": point_ids[commune_index],
                "maturity_date": due[-1],
                "refusal_step": "",
                "refusal_reasons": "[]",
                # the closed form of schedule version 1 (credit.services._schedule_closed_form)
                "sched_month_index": d_year * 12 + d_month - 1,
                "sched_day": 15,
                "sched_count": TERM // EVERY,
                "sched_base": instalment,
                "sched_last": instalment,
                "sched_changed_on": np.where(
                    (behaviour == 4) & (due_matrix[:, 0] < np.datetime64("2026-06-01")), "2026-06-01", None
                ),
                "principal_disbursed": amount,
                "principal_repaid": paid_count * instalment,
                "principal_written_off": written_off,
                "outstanding_principal": outstanding,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        ),
        blank=("borrowing_plan", "refusal_step"),
    )
    # Instalments: version 1 for every loan; the extended loans' version 2 moves what was unpaid to 6 months later.
    extended = behaviour == 4
    ext_on = np.datetime64("2026-06-01")
    rows = []
    for k in range(6):
        rows.append(
            pd.DataFrame(
                {
                    "loan_id": loan_ids,
                    "schedule_version": 1,
                    "number": (k + 1) * EVERY,
                    "due_date": due[k],
                    "principal": instalment,
                    "effective_from": disbursed,
                    "superseded_on": np.where(extended & (due_matrix[:, 0] < ext_on), "2026-06-01", None),
                    "reason": "disbursement",
                }
            )
        )
    chosen = np.flatnonzero(extended & (due_matrix[:, 0] < ext_on))
    for k in range(6):
        moved = due_matrix[chosen, k] < ext_on
        new_due = np.where(moved & ~paid[chosen, k], np.datetime64("2026-12-01"), due_matrix[chosen, k])
        rows.append(
            pd.DataFrame(
                {
                    "loan_id": loan_ids[chosen],
                    "schedule_version": 2,
                    "number": k + 1,
                    "due_date": pd.to_datetime(new_due).date,
                    "principal": instalment[chosen],
                    "effective_from": "2026-06-01",
                    "superseded_on": None,
                    "reason": "extension",
                }
            )
        )
    copy_frame("credit_installment", pd.concat(rows, ignore_index=True))
    # The ledger: disbursements, principal instalments paid on their due dates, write-offs, two interest entries.
    entries = [
        pd.DataFrame(
            {
                "loan_id": loan_ids,
                "kind": "disbursement",
                "account": "principal_disbursed",
                "amount": amount,
                "value_date": disbursed,
            }
        )
    ]
    for k in range(6):
        chosen = np.flatnonzero(paid[:, k])
        entries.append(
            pd.DataFrame(
                {
                    "loan_id": loan_ids[chosen],
                    "kind": "principal",
                    "account": "principal_repaid",
                    "amount": instalment[chosen],
                    "value_date": np.array(due[k])[chosen],
                }
            )
        )
    chosen = np.flatnonzero(written_off > 0)
    entries.append(
        pd.DataFrame(
            {
                "loan_id": loan_ids[chosen],
                "kind": "write_off",
                "account": "principal_written_off",
                "amount": written_off[chosen],
                "value_date": date(2026, 9, 15),
            }
        )
    )
    for session in (date(2026, 9, 15), date(2026, 10, 15)):
        chosen = np.flatnonzero((behaviour == 0) & (np.array(disbursed) < session))
        entries.append(
            pd.DataFrame(
                {
                    "loan_id": loan_ids[chosen],
                    "kind": "interest",
                    "account": "interest_paid",
                    "amount": (amount[chosen] * 0.0624 / 12).astype(np.int64),
                    "value_date": session,
                }
            )
        )
    ledger = pd.concat(entries, ignore_index=True)
    ledger_ids = next_ids("credit_ledgerentry", len(ledger))
    position = loan_ids[0]
    ledger.insert(0, "id", ledger_ids)
    ledger["household_id"] = household_ids[ledger["loan_id"].to_numpy() - position]
    ledger["group_id"] = group_ids[group_of][ledger["loan_id"].to_numpy() - position]
    ledger["posted_at"] = now
    ledger["idempotency_key"] = "bench:" + ledger["id"].astype(str)
    ledger["note"] = ""
    copy_frame("credit_ledgerentry", ledger, blank=("note",))
    # Freezes of the 2 % that stopped paying and were frozen for objective causes.
    frozen = np.flatnonzero((behaviour == 2) & (outstanding > 0))
    cause = RiskCause.objects.get(code="natural_disaster").pk
    copy_frame(
        "credit_loanfreeze",
        pd.DataFrame(
            {
                "loan_id": loan_ids[frozen],
                "frozen_from": "2026-08-01",
                "frozen_until": "2027-07-31",
                "principal": outstanding[frozen],
                "cause_id": cause,
                "reason": "bão lũ",
                "decision_reference": "",
            }
        ),
        blank=("decision_reference",),
    )
    reset_sequences("credit_loan", "credit_installment", "credit_ledgerentry", "credit_loanfreeze")
    with connection.cursor() as cursor:
        for table in (
            "credit_loan",
            "credit_installment",
            "credit_ledgerentry",
            "credit_loanfreeze",
            "households_household",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return {
        "reused": False,
        "loans": n,
        "ledger_entries": len(ledger),
        "instalments": int(sum(len(r) for r in rows)),
        "load_seconds": round(time.perf_counter() - started, 1),
        "expected": {"outstanding": int(outstanding.sum()), "written_off": int(written_off.sum())},
    }


def _program_weights(k: int) -> np.ndarray:
    weights = np.linspace(3, 1, k)
    return weights / weights.sum()


# --- the measurement --------------------------------------------------------------------------------------------
def _time(fn, repeats: int = REPEATS) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), result


def run() -> dict:
    from accounts.models import User
    from accounts.services import roles_ensure, user_area_grant, user_roles_set
    from areas.models import Commune, Province
    from credit.portfolio import portfolio_report

    if connection.vendor != "postgresql":
        return {"skipped": "PostgreSQL only (COPY)"}
    data = build()
    roles_ensure()

    def user(username: str, role: str | None, areas) -> User:
        account, created = User.objects.get_or_create(username=username, defaults={"is_superuser": role is None})
        if created and role:
            user_roles_set(user=account, roles=[role])
            for area in areas:
                user_area_grant(user=account, area=area)
        return User.objects.get(pk=account.pk)

    province = user("bench-province-officer", "province_officer", [Province.objects.get(code=PROVINCE)])
    officer = user(
        "bench-credit-officer", "credit_officer", Commune.objects.filter(province__code=PROVINCE).order_by("code")[:2]
    )
    admin = user("bench-admin", None, [])
    seconds, report = _time(lambda: portfolio_report(user=province, as_of=AS_OF))
    year_ago, past = _time(lambda: portfolio_report(user=province, as_of=date(2025, 10, 31)))
    commune_seconds, scoped = _time(lambda: portfolio_report(user=officer, as_of=AS_OF))
    everything_seconds, everything = _time(lambda: portfolio_report(user=admin, as_of=AS_OF))
    t = report.total
    figures = {
        "data": data,
        "portfolio_province_seconds": round(seconds, 3),
        "portfolio_province_year_ago_seconds": round(year_ago, 3),
        "portfolio_two_communes_seconds": round(commune_seconds, 3),
        "portfolio_whole_database_seconds": round(everything_seconds, 3),
        "whole_database_loans_outstanding": everything.total.loans,
        "loans_outstanding": t.loans,
        "outstanding": t.outstanding,
        "overdue": t.overdue,
        "overdue_ratio_percent": float(t.overdue_ratio),
        "par30_percent": float(t.par30),
        "frozen": t.frozen,
        "written_off": t.written_off,
        "buckets_overdue": {code: slot["overdue"] for code, slot in t.buckets.items()},
        "groups": len(report.by_group),
        "communes": len(report.by_commune),
        "year_ago_outstanding": past.total.outstanding,
        "two_communes_loans": scoped.total.loans,
    }
    if not data.get("reused"):
        figures["matches_expected"] = (
            t.outstanding == data["expected"]["outstanding"] and t.written_off == data["expected"]["written_off"]
        )
    return figures
