"""Loans for the demo and the synthetic province, written through the credit app's own rules.

Two entry points:

* :func:`write_loan_records` takes loan plans (``synthetic.credit_hook.LoanRecord`` or anything with the same
  attributes) and writes them: transaction points, one savings-and-loan group per village and organisation (approved
  by the commune, members from the village), each loan through apply → group selection → commune certification
  (eligibility from the recognised status: a plan the rules refuse is not written) → approval → disbursement, then
  every monthly collection up to ``as_of`` as ledger entries (on time; late from a day, catching up or not; misused,
  found by the loan-use check), and finally the overdue statuses. The ledger invariant is checked for every loan.
* :func:`build_demo_credit` plans loans itself for the households of the demo province that have a recognised status
  (when no synthetic plans exist) and adds what the credit pages need to show: applications waiting at each step, an
  extension, a freeze and a write-off, and the demo group leader's group.

Collections of the past are computed with the pure core (``credit.position``) and written in bulk, so a province of
thousands of loans is written in minutes, not hours; the same arithmetic as the services, the same invariant.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from households.models import Household

from . import position as pos
from . import services
from .book import LoanBook
from .models import (
    ACTIVE_STATUSES,
    GroupMembership,
    LedgerEntry,
    Loan,
    LoanProgram,
    LoanUseCheck,
    MassOrganization,
    RiskCause,
    SavingsGroup,
    TransactionPoint,
)
from .schedule import add_months

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
SESSION_DAYS = (8, 10, 12, 15, 18, 20)
DEMO_COMMUNE = "90001"
SHORT_NAMES = {
    "farmers_union": "Nông dân",
    "womens_union": "Phụ nữ",
    "veterans_association": "Cựu chiến binh",
    "youth_union": "Thanh niên",
}


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


def _points(commune_ids: Iterable[int]) -> dict[int, TransactionPoint]:
    points = {p.commune_id: p for p in TransactionPoint.objects.filter(commune_id__in=list(commune_ids), active=True)}
    from areas.models import Commune

    for i, commune in enumerate(Commune.objects.filter(pk__in=set(commune_ids) - set(points)).order_by("code")):
        points[commune.pk] = services.transaction_point_create(
            commune=commune,
            name=f"Điểm giao dịch {commune.name}",
            location=f"Trụ sở UBND {commune.name}",
            session_day=SESSION_DAYS[i % len(SESSION_DAYS)],
        )
    return points


def _groups(plans: Sequence[Plan], households: dict[int, Household], joined_on: date) -> dict[tuple, SavingsGroup]:
    """One approved group per (village, organisation) holding its borrowers; too small a group is merged into the
    village's largest one, and a group under the minimum size takes non-borrowing households of the village."""
    from .models import CreditPolicy

    policy = CreditPolicy.current()
    organisations = {o.code: o for o in MassOrganization.objects.all()}
    borrowers: dict[tuple, set[int]] = defaultdict(set)
    for plan in plans:
        household = households[plan.household_id]
        borrowers[(household.village_id, plan.organisation)].add(household.pk)
    by_village: dict[int, dict[str, set[int]]] = defaultdict(dict)
    for (village_id, org), members in borrowers.items():
        by_village[village_id][org] = members
    assignment: dict[tuple, tuple] = {}
    for village_id, orgs in by_village.items():
        largest = max(orgs, key=lambda o: len(orgs[o]))
        for org, members in orgs.items():
            target = org if len(members) >= policy.group_min_members else largest
            assignment[(village_id, org)] = (village_id, target)
            if target != org:
                orgs_target = by_village[village_id][target]
                orgs_target |= members
    points = _points({h.commune_id for h in households.values()})
    groups: dict[tuple, SavingsGroup] = {}
    existing = {
        (g.village_id, g.organisation.code): g
        for g in SavingsGroup.objects.filter(village_id__in=list(by_village)).select_related("organisation")
    }
    for village_id, orgs in by_village.items():
        for org, members in orgs.items():
            if (village_id, org) not in set(assignment.values()):
                continue
            group = existing.get((village_id, org))
            sample = households[next(iter(members))]
            if group is None:
                group = services.savings_group_create(
                    code=f"T{sample.village.code}-{org[:3].upper()}",
                    name=f"Tổ TK&VV {SHORT_NAMES.get(org, org)} {sample.village.name}",
                    village=sample.village,
                    organisation=organisations[org],
                    transaction_point=points[sample.commune_id],
                )
            active = set(group.memberships.filter(left_on__isnull=True).values_list("household_id", flat=True))
            wanted = [h for h in members if h not in active][: max(0, policy.group_max_members - len(active))]
            for household_id in sorted(wanted):
                services.group_member_add(group=group, household=households[household_id], joined_on=joined_on)
            count = len(active) + len(wanted)
            if count < policy.group_min_members:
                fill = (
                    Household.objects.filter(village_id=village_id)
                    .exclude(pk__in=list(active | set(wanted)))
                    .exclude(pk__in=GroupMembership.objects.filter(left_on__isnull=True).values("household_id"))[
                        : policy.group_min_members - count
                    ]
                )
                for household in fill:
                    services.group_member_add(group=group, household=household, joined_on=joined_on)
            if group.approved_on is None:
                group = services.savings_group_approve(group=group, on=joined_on, reference="QĐ-UBND")
            groups[(village_id, org)] = group
    return {key: groups[target] for key, target in assignment.items()}


@transaction.atomic
def write_loan_records(*, loans: Sequence, as_of: date, stdout=None) -> WriteResult:
    """Write loan plans with their history up to ``as_of`` (see the module docstring). Idempotent per household and
    programme: a plan whose household already has a loan of that programme disbursed that day is skipped."""
    plans = [Plan(**{name: getattr(p, name) for name in Plan.__dataclass_fields__ if hasattr(p, name)}) for p in loans]
    plans = [p for p in plans if p.disbursed_on <= as_of]
    result = WriteResult()
    if not plans:
        return result
    households = {
        h.pk: h
        for h in Household.objects.filter(pk__in={p.household_id for p in plans}).select_related("village", "commune")
    }
    plans = [p for p in plans if p.household_id in households]
    first = min(p.disbursed_on for p in plans)
    groups = _groups(plans, households, joined_on=first - timedelta(days=60))
    result.groups = len({g.pk for g in groups.values()})
    programs = {p.code: p for p in LoanProgram.objects.all()}
    done = set(
        Loan.objects.filter(household_id__in=list(households)).values_list(
            "household_id", "program__code", "disbursed_on"
        )
    )
    written: list[tuple[Loan, Plan]] = []
    for n, plan in enumerate(sorted(plans, key=lambda p: (p.disbursed_on, p.household_id))):
        if (plan.household_id, plan.programme, plan.disbursed_on) in done or plan.programme not in programs:
            continue
        household = households[plan.household_id]
        group = groups[(household.village_id, plan.organisation)]
        program = programs[plan.programme]
        term = plan.term_months
        every = program.default_principal_every_months if term % program.default_principal_every_months == 0 else 1
        # Disbursement happens at the transaction point's monthly session (so instalments fall on session days).
        disbursed = plan.disbursed_on.replace(day=group.transaction_point.session_day)
        if disbursed > as_of:
            disbursed = add_months(disbursed, -1)
        plan = Plan(**{**plan.__dict__, "disbursed_on": disbursed})
        applied = plan.disbursed_on - timedelta(days=20)
        loan = services.loan_apply(
            household=household,
            program=program,
            group=group,
            amount=plan.amount,
            purpose=PURPOSES.get(plan.purpose, plan.purpose if plan.purpose in Loan.Purpose.values else "other"),
            applied_on=applied,
            term_months=term,
            principal_every_months=every,
            borrowing_plan=plan.purpose,
        )
        loan = services.loan_group_select(loan=loan, on=applied + timedelta(days=3))
        loan = services.loan_certify(loan=loan, on=applied + timedelta(days=7))
        if loan.status == Loan.Status.REFUSED:
            result.refused += 1
            continue
        loan = services.loan_approve(loan=loan, on=applied + timedelta(days=12))
        services.loan_disburse(
            loan=loan,
            on=plan.disbursed_on,
            transaction_point=group.transaction_point,
            idempotency_key=f"demo:disburse:{loan.pk}",
        )
        loan.refresh_from_db()
        written.append((loan, plan))
        if stdout is not None and n and n % 500 == 0:
            _say(stdout, f"  {n:,} loans…")
    result.written = len(written)
    result.entries = _write_history(written, as_of)
    services.loan_status_refresh(id_from=0, id_to=2**62, on=min(as_of, timezone.localdate()))
    return result


def _sessions(loan: Loan, until: date) -> list[date]:
    day = loan.group.transaction_point.session_day if loan.group and loan.group.transaction_point else 15
    first = date(loan.disbursed_on.year, loan.disbursed_on.month, day)
    if first <= loan.disbursed_on:
        first = add_months(first, 1)
    out, n = [], 0
    while (session := add_months(first, n)) <= until:
        out.append(session)
        n += 1
    return out


def _write_history(written: list[tuple[Loan, Plan]], as_of: date) -> int:
    """Monthly collections (interest owed, principal due) and loan-use checks, from the pure core, in bulk."""
    if not written:
        return 0
    book = LoanBook.load([loan for loan, _plan in written])
    entries: list[LedgerEntry] = []
    for loan, plan in written:
        paying_from = plan.caught_up_on if plan.behaviour == "late" else None
        stop = plan.behaviour_from if plan.behaviour == "late" else None
        for session in _sessions(loan, as_of):
            if stop is not None and stop <= session and (paying_from is None or session < paying_from):
                continue  # behind: pays nothing this month
            p = book.position(loan, session)
            if p.outstanding <= 0 and p.interest_total_due <= 0:
                break
            rows = book.rows.get(loan.pk, [])
            principal = max(0, min(p.outstanding, pos.due_through(rows, session, session) - p.settled))
            parts = (
                (LedgerEntry.Kind.PRINCIPAL, pos.REPAID, principal),
                (LedgerEntry.Kind.INTEREST, pos.INTEREST_PAID, p.interest_due),
                (LedgerEntry.Kind.OVERDUE_INTEREST, pos.OVERDUE_INTEREST_PAID, p.overdue_interest_due),
            )
            for kind, account, amount in parts:
                if amount > 0:
                    entry = LedgerEntry(
                        loan=loan,
                        household_id=loan.household_id,
                        group_id=loan.group_id,
                        kind=kind,
                        account=account,
                        amount=amount,
                        value_date=session,
                        idempotency_key=f"demo:{loan.pk}:{session.isoformat()}:{kind}",
                        transaction_point_id=loan.transaction_point_id,
                    )
                    entries.append(entry)
                    book.add(loan.pk, entry.as_entry())
        check = LoanUseCheck.objects.filter(loan=loan, checked_on__isnull=True).first()
        if check is not None:
            if plan.behaviour == "misused" and plan.behaviour_from and plan.behaviour_from <= as_of:
                checked, outcome, notes = plan.behaviour_from, LoanUseCheck.Outcome.MISUSED, plan.cause
            elif check.due_by <= as_of:
                checked, outcome, notes = check.due_by, LoanUseCheck.Outcome.AS_PLANNED, ""
            else:
                checked = None
            if checked is not None:
                check.checked_on, check.outcome, check.checker, check.notes = checked, outcome, "organisation", notes
                check.save(update_fields=["checked_on", "outcome", "checker", "notes"])
    LedgerEntry.objects.bulk_create(entries, batch_size=2000)
    loans = []
    for loan, _plan in written:
        sums = pos.totals(book.entries_of(loan.pk))
        loan.principal_disbursed = sums.get(pos.DISBURSED, 0)
        loan.principal_repaid = sums.get(pos.REPAID, 0)
        loan.principal_written_off = sums.get(pos.WRITTEN_OFF, 0)
        loan.outstanding_principal = pos.outstanding_of(sums)
        if loan.outstanding_principal == 0:
            loan.status, loan.closed_on = Loan.Status.CLOSED, loan.maturity_date
        loans.append(loan)
    Loan.objects.bulk_update(
        loans,
        [
            "principal_disbursed",
            "principal_repaid",
            "principal_written_off",
            "outstanding_principal",
            "status",
            "closed_on",
        ],
        batch_size=1000,
    )
    ids = [loan.pk for loan in loans]
    for start in range(0, len(ids), 1000):
        services.ledger_invariant_check(ids[start : start + 1000])
    return len(entries)


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
