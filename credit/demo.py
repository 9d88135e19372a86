"""Loans for the demo and the synthetic province, written through the credit app's own rules.

Two entry points:

* :func:`write_loan_records` takes loan plans (``synthetic.credit_hook.LoanRecord`` or anything with the same
  attributes) and writes them with the credit app's bulk writer (``credit.bulk``): transaction points, one
  savings-and-loan group per village and organisation (approved by the commune, members from the village), each loan
  with the dates of its application, group selection, commune certification (eligibility from the recognised status
  by the certification's own rules: a plan they refuse is not written), approval and disbursement, then every monthly
  collection up to ``as_of`` as ledger entries (on time; late from a day, catching up or not; misused, found by the
  loan-use check), and its status. The ledger invariant is checked for every loan.
* :func:`build_demo_credit` plans loans itself for the households of the demo province that have a recognised status
  (when no synthetic plans exist) and adds what the credit pages need to show: applications waiting at each step, an
  extension, a freeze and a write-off, and the demo group leader's group.

Real loans go through ``credit.services`` one step at a time; these plans happened in the past and are many (about
290,000 for a synthetic province of a million households), so they are written in bulk with the same rules, the same
arithmetic and the same invariant (``tests/credit/test_bulk.py`` holds the two paths together).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from households.models import Household

from . import bulk, services
from .book import LoanBook
from .models import (
    ACTIVE_STATUSES,
    GroupMembership,
    LedgerEntry,
    Loan,
    LoanProgram,
    LoanUseCheck,
    RiskCause,
    SavingsGroup,
)

PURPOSES = {
    "buffalo_cattle": "livestock",
    "pigs_poultry": "livestock",
    "tea_planting": "crops",
    "rice_inputs": "crops",
    "forest_planting": "forestry",
    "small_trade": "trade",
    "water_works": "water",
    "latrine": "sanitation",
    "house": "housing",
    "tuition": "education",
    "vocational_start": "job",
    "working_abroad": "job",
}
DEMO_COMMUNE = "90001"


@dataclass(frozen=True)
class Plan:
    """A loan to write (the attributes of synthetic.credit_hook.LoanRecord)."""

    household_id: int
    village_code: str
    programme: str
    amount: int
    term_months: int
    disbursed_on: date
    purpose: str
    organisation: str
    behaviour: str = "on_time"  # on_time, late, misused
    behaviour_from: date | None = None
    caught_up_on: date | None = None
    cause: str = ""
    list_year: int = 0


@dataclass
class WriteResult:
    written: int = 0
    refused: int = 0
    entries: int = 0
    groups: int = 0


def _say(stdout, message: str) -> None:
    if stdout is not None:
        stdout.write(message)


def write_loan_records(*, loans: Sequence, as_of: date, stdout=None) -> WriteResult:
    """Write loan plans with their history up to ``as_of`` through the credit app's bulk writer
    (:func:`credit.bulk.loans_write`: groups, eligibility by the certification rules, schedule, ledger, loan-use
    checks, statuses, the ledger invariant). Idempotent per household, programme and disbursement day."""
    plans = [Plan(**{name: getattr(p, name) for name in Plan.__dataclass_fields__ if hasattr(p, name)}) for p in loans]
    result = bulk.loans_write(
        plans=[
            bulk.LoanPlan(
                household_id=plan.household_id,
                programme=plan.programme,
                amount=plan.amount,
                term_months=plan.term_months,
                disbursed_on=plan.disbursed_on,
                purpose=PURPOSES.get(plan.purpose, plan.purpose if plan.purpose in Loan.Purpose.values else "other"),
                organisation=plan.organisation,
                borrowing_plan=plan.purpose,
                behaviour=plan.behaviour,
                behaviour_from=plan.behaviour_from,
                caught_up_on=plan.caught_up_on,
                cause=plan.cause,
            )
            for plan in plans
        ],
        as_of=as_of,
        stdout=stdout,
    )
    return WriteResult(written=result.written, refused=result.refused, entries=result.entries, groups=result.groups)


def delete_province_loans(*, province_code: str) -> int:
    """Remove the loans of a province (synthetic data only: before the synthetic province is written again).

    The ledger is append-only; on PostgreSQL this lifts the guard for this transaction only
    (``SET LOCAL sinhke.ledger_purge``, see docs/adr/0003-append-only-ledger.md)."""
    from django.db.models import Q

    from .models import CollectionSheet, Installment, LoanExtension, LoanFreeze, LoanWriteOff

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL sinhke.ledger_purge = 'on'")
        loans = Loan.objects.filter(commune__province__code=province_code)
        ids = list(loans.values_list("pk", flat=True))
        groups = list(SavingsGroup.objects.filter(commune__province__code=province_code).values_list("pk", flat=True))
        entries = LedgerEntry.objects.filter(Q(loan_id__in=ids) | Q(group_id__in=groups))
        count = entries.count()
        # Reversals first (they point at the entries they reverse), then the rest; bypass the model's refusal.
        for qs in (entries.filter(kind="reversal"), entries):
            qs._raw_delete(qs.db)
        for model in (Installment, LoanExtension, LoanFreeze, LoanWriteOff, LoanUseCheck):
            model.objects.filter(loan_id__in=ids).delete()
        Loan.history.filter(id__in=ids).delete()
        loans.delete()
        CollectionSheet.objects.filter(group_id__in=groups).delete()
        GroupMembership.objects.filter(group_id__in=groups).delete()
        SavingsGroup.objects.filter(pk__in=groups).delete()
    return count


# --- the demo ---------------------------------------------------------------------------------------------------
PROGRAM_FOR_STATUS = {
    "poor": "poor_household",
    "near_poor": "near_poor_household",
    "newly_escaped": "newly_escaped_household",
    "average": "clean_water_sanitation",
    "non_poor": "clean_water_sanitation",
}


def _plans_for(households: Sequence[Household], as_of: date, rng: random.Random) -> list[Plan]:
    from households.selectors import recognised_status

    from .seed import ORGANISATIONS

    plans = []
    organisations = [code for code, _name_vi, _name_en in ORGANISATIONS]
    for household in households:
        disbursed = as_of - timedelta(days=rng.randint(20, 900))
        status = recognised_status(household_ids=[household.pk], on=disbursed - timedelta(days=15))[household.pk]
        if not status.classification:
            continue
        code = "newly_escaped" if status.newly_escaped else status.classification
        programme = PROGRAM_FOR_STATUS[code]
        amount = (
            rng.choice([10, 15, 20, 30, 40, 50]) * 1_000_000
            if programme != "clean_water_sanitation"
            else (rng.choice([10, 15, 20, 25]) * 1_000_000)
        )
        roll = rng.random()
        behaviour = "late" if roll < 0.15 else "misused" if roll < 0.2 else "on_time"
        late_from = disbursed + timedelta(days=rng.randint(150, 400)) if behaviour == "late" else None
        plans.append(
            Plan(
                household_id=household.pk,
                village_code=household.village.code,
                programme=programme,
                amount=amount,
                term_months=rng.choice([24, 36, 60]),
                disbursed_on=disbursed,
                purpose=rng.choice(["livestock", "crops", "trade", "aquaculture"])
                if programme != "clean_water_sanitation"
                else "water",
                organisation=rng.choice(organisations),
                behaviour=behaviour,
                behaviour_from=late_from
                if behaviour == "late"
                else (disbursed + timedelta(days=25) if behaviour == "misused" else None),
                caught_up_on=None,
                cause="disaster"
                if behaviour == "late"
                else ("Dùng vốn sai mục đích" if behaviour == "misused" else ""),
            )
        )
    return plans


def build_demo_credit(
    *, province_code: str = "90", as_of: date | None = None, max_loans: int = 400, seed: int = 2025, stdout=None
) -> WriteResult:
    """Groups, loans and collections for the demo province (idempotent: a second run adds nothing when loans exist).

    Uses the households of the province that have a recognised status; makes the demo group leader (``totruong1``)
    the leader of the first group of village 90001-01; leaves applications waiting at each step and one extension,
    one freeze and one write-off for the credit officer's pages."""
    as_of = as_of or timezone.localdate()
    if Loan.objects.filter(commune__province__code=province_code).exists():
        _say(stdout, "Loans already there; nothing added.")
        return WriteResult()
    rng = random.Random(seed)
    eligible = Household.objects.filter(commune__province__code=province_code).exclude(latest_classification="")
    ids = list(eligible.values_list("pk", flat=True))
    first_village = list(eligible.filter(village__code=f"{DEMO_COMMUNE}-01").values_list("pk", flat=True)[:25])
    rest = [pk for pk in ids if pk not in set(first_village)]
    chosen = first_village + rng.sample(rest, min(len(rest), max_loans * 2))
    by_pk = Household.objects.select_related("village", "commune").in_bulk(chosen)
    households = [by_pk[pk] for pk in chosen]
    borrowers, waiting = households[:max_loans], households[max_loans : max_loans + 8]
    _say(stdout, f"Planning {len(borrowers):,} loans…")
    # Collections up to the end of last month: this month's sheets are left for the officer to post.
    history_until = as_of.replace(day=1) - timedelta(days=1)
    plans = [p for p in _plans_for(borrowers, history_until, rng) if p.disbursed_on <= history_until]
    result = write_loan_records(loans=plans, as_of=history_until, stdout=stdout)
    _say(
        stdout,
        f"{result.written:,} loans written ({result.refused:,} refused by the rules), "
        f"{result.entries:,} ledger entries, {result.groups:,} groups.",
    )
    _demo_extras(waiting, as_of, rng)
    services.loan_status_refresh(id_from=0, id_to=2**62, on=min(as_of, timezone.localdate()))
    return result


def demo_extras(*, waiting: Sequence[Household], as_of: date, seed: int = 2025) -> None:
    """The credit pages' demo touches (public entry point for synthetic.credit_hook.demo_extras): the demo group
    leader (``totruong1``) leads the first group of village 90001-01; ``waiting`` households' applications wait at
    each step; one loan of commune 90001 is extended, one frozen, one written off."""
    _demo_extras(waiting, as_of, random.Random(seed))
    services.loan_status_refresh(id_from=0, id_to=2**62, on=min(as_of, timezone.localdate()))


def _demo_extras(waiting: Sequence[Household], as_of: date, rng: random.Random) -> None:
    from accounts.models import User

    leader = User.objects.filter(username="totruong1").first()
    if leader is not None:
        group = SavingsGroup.objects.filter(village__code=f"{DEMO_COMMUNE}-01").order_by("pk").first()
        if group is not None:
            SavingsGroup.objects.filter(pk=group.pk).update(leader=leader)
    steps = ["applied", "selected", "certified", "approved"]
    for i, household in enumerate(waiting):
        membership = (
            GroupMembership.objects.filter(household=household, left_on__isnull=True).select_related("group").first()
        )
        if membership is None:
            group = SavingsGroup.objects.filter(village=household.village).first()
            if group is None:
                continue
            try:
                membership = services.group_member_add(
                    group=group, household=household, joined_on=as_of - timedelta(90)
                )
            except ValidationError:  # a full group: skip this household
                continue
        program = PROGRAM_FOR_STATUS.get(household.latest_classification, "clean_water_sanitation")
        loan = services.loan_apply(
            household=household,
            program=LoanProgram.objects.get(code=program),
            group=membership.group,
            amount=rng.choice([10, 20, 30]) * 1_000_000,
            purpose="livestock",
            applied_on=as_of - timedelta(days=5),
            borrowing_plan="Mua bò giống, chăn nuôi",
        )
        target = steps[i % len(steps)]
        if target != "applied":
            loan = services.loan_group_select(loan=loan, on=as_of - timedelta(days=4))
        if target in ("certified", "approved"):
            loan = services.loan_certify(loan=loan, on=as_of - timedelta(days=3))
        if target == "approved" and loan.status == Loan.Status.CERTIFIED:
            services.loan_approve(loan=loan, on=as_of - timedelta(days=2))
    active = list(
        Loan.objects.filter(
            status__in=ACTIVE_STATUSES, commune__code=DEMO_COMMUNE, disbursed_on__lt=as_of - timedelta(days=200)
        ).order_by("pk")[:3]
    )
    causes = {c.code: c for c in RiskCause.objects.all()}
    today = min(as_of, timezone.localdate())
    if len(active) >= 3:
        services.loan_extend(
            loan=active[0],
            on=today,
            new_due_date=today + timedelta(days=180),
            reason="Lũ quét làm chết gia súc",
            cause=causes.get("natural_disaster"),
        )
        services.loan_freeze(
            loan=active[1],
            frozen_from=today,
            frozen_until=today + timedelta(days=730),
            cause=causes["epidemic"],
            reason="Dịch tả lợn châu Phi, mất toàn bộ đàn lợn",
        )
        p = LoanBook.load([active[2]]).position(active[2], today)
        services.loan_write_off(
            loan=active[2],
            on=today,
            principal=p.outstanding,
            cause=causes["borrower_death"],
            reason="Người vay chết, không có người thừa kế nghĩa vụ",
            idempotency_key=f"demo:writeoff:{active[2].pk}",
        )
