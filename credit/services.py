"""Every write to credit: groups, the loan lifecycle, the ledger, risk-debt files, loan-use checks, status refresh.

Keyword-only, atomic, record who did it (``by``), raise ValidationError with a clear message (the constants below,
asserted by the tests). Money postings lock the loan (``select_for_update``), carry an idempotency key (unique in the
ledger: a posting sent twice, even concurrently, is recorded once) and check the ledger invariant before they commit:

    outstanding principal = disbursed − principal repaid − principal written off

both on the loan's kept position and on the sums of its ledger entries (:func:`ledger_invariant_check`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.models import Household

from . import position as pos
from .book import LoanBook
from .models import (
    ACTIVE_STATUSES,
    CollectionSheet,
    CreditPolicy,
    GroupMembership,
    Installment,
    LedgerEntry,
    Loan,
    LoanExtension,
    LoanFreeze,
    LoanProgram,
    LoanUseCheck,
    LoanWriteOff,
    MassOrganization,
    RiskCause,
    SavingsGroup,
    TransactionPoint,
)
from .schedule import build_schedule
from .selectors import collection_sheet, loan_eligibility, month_start

log = logging.getLogger(__name__)
S = Loan.Status

ERR_CONFLICT = _(
    "Someone else changed this loan since you opened it. Your change was not saved: reload the page, check their "
    "change, and make yours again."
)
ERR_BAD_TRANSITION = _("A loan that is %(status)s cannot become %(to)s.")
ERR_REASON_REQUIRED = _("Give the reason in writing.")
ERR_FUTURE = _("The date %(date)s is in the future.")
ERR_BEFORE_DISBURSEMENT = _("The date %(date)s is before the disbursement (%(disbursed)s).")
ERR_NOT_ACTIVE = _("Loan #%(loan)s is %(status)s: nothing can be collected on it.")
ERR_NEGATIVE = _("Amounts cannot be negative.")
ERR_NOTHING = _("Enter at least one amount.")
ERR_PRINCIPAL_ABOVE_OUTSTANDING = _(
    "Loan #%(loan)s: principal %(amount)s đồng is more than the outstanding %(outstanding)s đồng."
)
ERR_INTEREST_ABOVE_DUE = _("Loan #%(loan)s: interest %(amount)s đồng is more than the interest owed, %(due)s đồng.")
ERR_OVERDUE_INTEREST_ABOVE_DUE = _(
    "Loan #%(loan)s: overdue interest %(amount)s đồng is more than the overdue interest owed, %(due)s đồng."
)
ERR_KEY_REUSED = _(
    "The idempotency key %(key)s was already used for a different posting; nothing was recorded. Use a new key."
)
ERR_KEY_REQUIRED = _("A posting needs an idempotency key.")
ERR_ALREADY_REVERSED = _("This entry was already reversed.")
ERR_CANNOT_REVERSE = _("A reversal is not itself reversed: post the movement again instead.")
ERR_REVERSAL_BEFORE = _("A reversal cannot be dated before the entry it reverses (%(date)s).")
ERR_REVERSE_DISBURSEMENT_WITH_ENTRIES = _(
    "Reverse the collections and write-offs of this loan before reversing its disbursement."
)
ERR_REVERSAL_NEGATIVE = _("This reversal would make the outstanding principal negative.")
ERR_INVARIANT = "ledger invariant broken for loan %(loan)s: kept %(kept)s, ledger %(ledger)s"
ERR_AMOUNT_POSITIVE = _("The amount must be more than 0 đồng.")
ERR_NO_TRANSACTION_POINT = _("Choose the transaction point of the disbursement.")
ERR_POINT_OTHER_COMMUNE = _("The transaction point %(point)s is not in the loan's commune.")
ERR_NO_RATE = _("The programme %(program)s has no interest rate in force on %(date)s.")
ERR_TERM_EVERY = _("The term (%(term)s months) must be a multiple of the principal period (%(every)s months).")
ERR_EXTENSION_DATE = _("The new due date must be after %(date)s.")
ERR_NOTHING_TO_EXTEND = _("Nothing is left to repay on this loan.")
ERR_SCHEDULE_CHANGED_LATER = _("The schedule was changed on %(date)s; a new change cannot take effect before it.")
ERR_FREEZE_RANGE = _("The freeze must end on or after the day it starts.")
ERR_FREEZE_OVERLAP = _("The loan is already frozen during part of that period.")
ERR_WRITE_OFF_ABOVE = _(
    "The write-off (%(amount)s đồng) is more than the outstanding principal (%(outstanding)s đồng)."
)
ERR_WRITE_OFF_INTEREST_ABOVE = _("The interest written off (%(amount)s đồng) is more than the interest owed (%(due)s).")
ERR_CAUSE_REQUIRED = _("Choose the cause (Decision 50/2010) from the list.")
ERR_GROUP_FULL = _("The group %(group)s already has %(count)s members, the most allowed.")
ERR_GROUP_TOO_SMALL = _("A group needs at least %(min)s members before the commune approves it; it has %(count)s.")
ERR_ALREADY_MEMBER = _("The household is already a member of this group.")
ERR_MEMBER_VILLAGE = _(
    "The household lives in %(village)s: a group takes members from its own village and the adjacent villages "
    "the commune approved."
)
ERR_HOUSEHOLD_OTHER_COMMUNE = _("The household is not in the group's commune.")
ERR_GROUP_DISSOLVED = _("The group %(group)s is dissolved.")
ERR_CHECK_DONE = _("This loan-use check was already recorded.")
ERR_OUTCOME = _("Choose the outcome of the check.")
ERR_APPROVED_ABOVE_REQUESTED = _("The approved amount cannot be more than the amount requested.")
ERR_ONLY_APPLICATION_EDITABLE = _("Only an application not yet certified can be changed.")
ERR_SAVINGS_MINIMUM = _("The smallest savings deposit is %(minimum)s đồng.")
ERR_SHEET_LINES = _("The sheet was not posted; correct these lines:")
ERR_PRINCIPAL_WHILE_FROZEN = _("Loan #%(loan)s is frozen: only voluntary principal can be collected.")

TRANSITIONS: dict[str, set[str]] = {
    S.APPLIED: {S.SELECTED, S.REFUSED, S.CANCELLED},
    S.SELECTED: {S.CERTIFIED, S.REFUSED, S.CANCELLED},
    S.CERTIFIED: {S.APPROVED, S.REFUSED, S.CANCELLED},
    S.APPROVED: {S.REPAYING, S.CANCELLED},
    S.REPAYING: {S.OVERDUE, S.EXTENDED, S.FROZEN, S.CLOSED, S.WRITTEN_OFF},
    S.EXTENDED: {S.REPAYING, S.OVERDUE, S.FROZEN, S.CLOSED, S.WRITTEN_OFF},
    S.OVERDUE: {S.REPAYING, S.EXTENDED, S.FROZEN, S.CLOSED, S.WRITTEN_OFF},
    S.FROZEN: {S.REPAYING, S.OVERDUE, S.EXTENDED, S.CLOSED, S.WRITTEN_OFF},
    # A reversal can reopen a loan that a mistaken posting closed or wrote off.
    S.CLOSED: {S.REPAYING, S.OVERDUE, S.EXTENDED, S.FROZEN},
    S.WRITTEN_OFF: {S.REPAYING, S.OVERDUE, S.EXTENDED, S.FROZEN, S.CLOSED},
    S.REFUSED: set(),
    S.CANCELLED: set(),
}


class LedgerInvariantError(Exception):
    """The kept position and the ledger disagree: a bug, never a user error (the transaction is rolled back)."""


# --- helpers ----------------------------------------------------------------------------------------------------
def _today() -> date:
    return timezone.localdate()


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _money(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _lock(loan: Loan, expected_version: int | None = None) -> Loan:
    locked = (
        Loan.objects.select_for_update(of=("self",))
        .select_related("program", "household", "group", "commune")
        .get(pk=loan.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(ERR_CONFLICT, code="conflict")
    return locked


def _move(loan: Loan, to: str, *, strict: bool = True) -> bool:
    """Check and apply a status change (no save). A step of the lifecycle (``strict``) refuses a loan already at
    ``to``; a recomputed status (``strict=False``) leaves it and answers False."""
    if loan.status == to and not strict:
        return False
    if to not in TRANSITIONS.get(loan.status, set()):
        raise ValidationError(
            ERR_BAD_TRANSITION % {"status": S(loan.status).label, "to": S(to).label}, code="bad_transition"
        )
    loan.status = to
    return True


def _save(loan: Loan, by, fields: list[str]) -> None:
    loan.version += 1
    loan._history_user = by
    loan.save(update_fields=[*dict.fromkeys([*fields, "status", "version", "updated_at"])])


def _not_future(day: date) -> None:
    if day > _today():
        raise ValidationError(ERR_FUTURE % {"date": _day(day)}, code="future")


def _reason(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"reason": ERR_REASON_REQUIRED}, code="reason_required")
    return text


# --- reference data and groups ----------------------------------------------------------------------------------
@transaction.atomic
def transaction_point_create(*, commune, name: str, session_day: int, location: str = "", by=None) -> TransactionPoint:
    point = TransactionPoint(commune=commune, name=name.strip(), session_day=session_day, location=location)
    point._history_user = by
    point.full_clean()
    point.save()
    return point


@transaction.atomic
def savings_group_create(
    *,
    code: str,
    name: str,
    village,
    organisation: MassOrganization,
    leader=None,
    transaction_point: TransactionPoint | None = None,
    adjacent_villages=(),
    by=None,
) -> SavingsGroup:
    group = SavingsGroup(
        code=code.strip(),
        name=name.strip(),
        village=village,
        commune=village.commune,
        organisation=organisation,
        leader=leader,
        transaction_point=transaction_point,
    )
    group._history_user = by
    group.full_clean()
    group.save()
    if adjacent_villages:
        group.adjacent_villages.set([v for v in adjacent_villages if v.commune_id == village.commune_id])
    return group


@transaction.atomic
def savings_group_approve(
    *, group: SavingsGroup, on: date, reference: str = "", by=None, expected_version: int | None = None
) -> SavingsGroup:
    """The commune People's Committee approves the group's establishment and rules (it needs its minimum size)."""
    locked = SavingsGroup.objects.select_for_update().get(pk=group.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(ERR_CONFLICT, code="conflict")
    policy = CreditPolicy.current()
    count = locked.memberships.filter(left_on__isnull=True).count()
    if count < policy.group_min_members:
        raise ValidationError(ERR_GROUP_TOO_SMALL % {"min": policy.group_min_members, "count": count}, code="too_small")
    locked.approved_on, locked.approved_by, locked.approval_reference = on, by, reference
    locked.version += 1
    locked._history_user = by
    locked.save(update_fields=["approved_on", "approved_by", "approval_reference", "version"])
    return locked


@transaction.atomic
def savings_group_grade(
    *, group: SavingsGroup, grade: str, on: date, by=None, expected_version: int | None = None
) -> SavingsGroup:
    locked = SavingsGroup.objects.select_for_update().get(pk=group.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(ERR_CONFLICT, code="conflict")
    locked.quality_grade, locked.graded_on = grade, on
    locked.version += 1
    locked._history_user = by
    locked.full_clean()
    locked.save(update_fields=["quality_grade", "graded_on", "version"])
    return locked


@transaction.atomic
def group_member_add(
    *, group: SavingsGroup, household: Household, joined_on: date, monthly_savings: int = 0, by=None
) -> GroupMembership:
    """Admit a household: from the group's village or an adjacent one the commune approved; at most the policy's
    maximum members (3-60 documented; editable in CreditPolicy)."""
    locked = SavingsGroup.objects.select_for_update().get(pk=group.pk)
    if locked.dissolved_on is not None:
        raise ValidationError(ERR_GROUP_DISSOLVED % {"group": locked.name}, code="dissolved")
    if household.commune_id != locked.commune_id:
        raise ValidationError(ERR_HOUSEHOLD_OTHER_COMMUNE, code="other_commune")
    allowed = {locked.village_id, *locked.adjacent_villages.values_list("pk", flat=True)}
    if household.village_id not in allowed:
        raise ValidationError(ERR_MEMBER_VILLAGE % {"village": household.village.name}, code="member_village")
    active = locked.memberships.filter(left_on__isnull=True)
    if active.filter(household=household).exists():
        raise ValidationError(ERR_ALREADY_MEMBER, code="already_member")
    policy = CreditPolicy.current()
    count = active.count()
    if count >= policy.group_max_members:
        raise ValidationError(ERR_GROUP_FULL % {"group": locked.name, "count": count}, code="group_full")
    if monthly_savings and monthly_savings < policy.minimum_savings_deposit:
        raise ValidationError(
            ERR_SAVINGS_MINIMUM % {"minimum": _money(policy.minimum_savings_deposit)}, code="savings_minimum"
        )
    membership = GroupMembership(
        group=locked, household=household, joined_on=joined_on, monthly_savings=monthly_savings
    )
    membership._history_user = by
    membership.save()
    return membership


@transaction.atomic
def group_member_leave(*, membership: GroupMembership, on: date, by=None) -> GroupMembership:
    membership.left_on = on
    membership._history_user = by
    membership.save(update_fields=["left_on"])
    return membership


# --- the lifecycle before disbursement --------------------------------------------------------------------------
@transaction.atomic
def loan_apply(
    *,
    household: Household,
    program: LoanProgram,
    group: SavingsGroup | None,
    amount: int,
    purpose: str,
    applied_on: date,
    term_months: int | None = None,
    principal_every_months: int | None = None,
    method: str = Loan.Method.EQUAL_PRINCIPAL,
    borrowing_plan: str = "",
    by=None,
) -> Loan:
    """A member household applies through its group (Form 01/TD: request and borrowing plan)."""
    _not_future(applied_on)
    if amount <= 0:
        raise ValidationError({"amount_requested": ERR_AMOUNT_POSITIVE}, code="amount_positive")
    term = term_months or program.default_term_months
    every = principal_every_months or program.default_principal_every_months
    if method == Loan.Method.ANNUITY:
        every = 1
    if term % every:
        raise ValidationError({"term_months": ERR_TERM_EVERY % {"term": term, "every": every}}, code="term_every")
    loan = Loan(
        household=household,
        group=group,
        program=program,
        commune_id=household.commune_id,
        village_id=household.village_id,
        organisation_id=group.organisation_id if group else None,
        purpose=purpose,
        borrowing_plan=borrowing_plan.strip(),
        amount_requested=amount,
        term_months=term,
        principal_every_months=every,
        method=method,
        applied_on=applied_on,
        applied_by=by,
    )
    loan._history_user = by
    loan.full_clean()
    loan.save()
    return loan


EDITABLE_APPLICATION_FIELDS = {"amount_requested", "purpose", "borrowing_plan", "term_months", "principal_every_months"}


@transaction.atomic
def loan_application_update(*, loan: Loan, expected_version: int, by=None, **changes) -> Loan:
    """Change an application before the commune certifies it; refused (not lost) on a conflicting edit."""
    unknown = set(changes) - EDITABLE_APPLICATION_FIELDS
    if unknown:
        raise TypeError(f"not editable here: {sorted(unknown)}")
    locked = _lock(loan, expected_version)
    if locked.status not in (S.APPLIED, S.SELECTED):
        raise ValidationError(ERR_ONLY_APPLICATION_EDITABLE, code="not_editable")
    for name, value in changes.items():
        setattr(locked, name, value)
    if locked.term_months % locked.principal_every_months:
        raise ValidationError(
            {"term_months": ERR_TERM_EVERY % {"term": locked.term_months, "every": locked.principal_every_months}},
            code="term_every",
        )
    locked.full_clean()
    _save(locked, by, list(changes))
    return locked


@transaction.atomic
def loan_group_select(*, loan: Loan, on: date, by=None, expected_version: int | None = None) -> Loan:
    """The group meeting selected the borrower (họp tổ)."""
    locked = _lock(loan, expected_version)
    _move(locked, S.SELECTED)
    locked.selected_on, locked.selected_by = on, by
    _save(locked, by, ["selected_on", "selected_by"])
    return locked


@transaction.atomic
def loan_certify(*, loan: Loan, on: date, by=None, expected_version: int | None = None) -> Loan:
    """The commune certifies eligibility from the household's recognised status and the programme's rules.

    When the household is not eligible the loan is REFUSED at this step with every reason stated
    (``refusal_reasons``: a list of {code, message}); the caller shows them. Otherwise it is CERTIFIED."""
    locked = _lock(loan, expected_version)
    if locked.status != S.SELECTED:
        _move(locked, S.CERTIFIED)  # raises the clear transition error
    problems = loan_eligibility(loan=locked, on=on)
    if problems:
        _move(locked, S.REFUSED)
        locked.refusal_step = "certification"
        locked.refusal_reasons = [p.as_dict() for p in problems]
        _save(locked, by, ["refusal_step", "refusal_reasons"])
        return locked
    _move(locked, S.CERTIFIED)
    locked.certified_on, locked.certified_by = on, by
    _save(locked, by, ["certified_on", "certified_by"])
    return locked


@transaction.atomic
def loan_approve(
    *,
    loan: Loan,
    on: date,
    by=None,
    amount: int | None = None,
    term_months: int | None = None,
    expected_version: int | None = None,
) -> Loan:
    """The credit officer approves (Form 04/TD), possibly for less than requested or a shorter term."""
    locked = _lock(loan, expected_version)
    _move(locked, S.APPROVED)
    approved = amount if amount is not None else locked.amount_requested
    if approved <= 0:
        raise ValidationError({"amount": ERR_AMOUNT_POSITIVE}, code="amount_positive")
    if approved > locked.amount_requested:
        raise ValidationError({"amount": ERR_APPROVED_ABOVE_REQUESTED}, code="above_requested")
    if term_months is not None:
        if term_months % locked.principal_every_months:
            raise ValidationError(
                {"term_months": ERR_TERM_EVERY % {"term": term_months, "every": locked.principal_every_months}},
                code="term_every",
            )
        locked.term_months = term_months
    locked.amount_approved = approved
    # The programme's rules still hold for what is approved.
    problems = [
        p for p in loan_eligibility(loan=locked, on=on) if p.code in ("amount_above_maximum", "term_above_maximum")
    ]
    if problems:
        raise ValidationError([p.message for p in problems], code="not_eligible")
    locked.approved_on, locked.approved_by = on, by
    _save(locked, by, ["amount_approved", "term_months", "approved_on", "approved_by"])
    return locked


@transaction.atomic
def loan_refuse(*, loan: Loan, reason: str, on: date, by=None, expected_version: int | None = None) -> Loan:
    """The group, the commune or the officer refuses an application; the reason is kept and shown."""
    locked = _lock(loan, expected_version)
    step = locked.status
    _move(locked, S.REFUSED)
    locked.refusal_step = step
    locked.refusal_reasons = [{"code": "written", "message": _reason(reason), "on": on.isoformat()}]
    _save(locked, by, ["refusal_step", "refusal_reasons"])
    return locked


@transaction.atomic
def loan_cancel(*, loan: Loan, reason: str, by=None, expected_version: int | None = None) -> Loan:
    locked = _lock(loan, expected_version)
    _move(locked, S.CANCELLED)
    locked.refusal_step = "cancelled"
    locked.refusal_reasons = [{"code": "cancelled", "message": _reason(reason)}]
    _save(locked, by, ["refusal_step", "refusal_reasons"])
    return locked


# --- the ledger -------------------------------------------------------------------------------------------------
def _entry(
    *,
    loan: Loan | None,
    household_id: int,
    group_id: int | None,
    kind: str,
    account: str,
    amount: int,
    on: date,
    key: str,
    by,
    sheet: CollectionSheet | None = None,
    point_id: int | None = None,
    note: str = "",
    reverses: LedgerEntry | None = None,
) -> LedgerEntry:
    return LedgerEntry(
        loan=loan,
        household_id=household_id,
        group_id=group_id,
        kind=kind,
        account=account,
        amount=amount,
        value_date=on,
        idempotency_key=key,
        posted_by=by,
        sheet=sheet,
        transaction_point_id=point_id,
        note=note[:300],
        reverses=reverses,
    )


def ledger_invariant_check(loan_ids) -> None:
    """Outstanding = disbursed − repaid − written off, on the kept position AND on the ledger's sums, and the two
    agree. Raises LedgerInvariantError (rolling the posting back) otherwise. One query per call."""
    ids = list(loan_ids)
    sums: dict[int, dict[str, int]] = {i: {} for i in ids}
    for loan_id, account, total in (
        LedgerEntry.objects.filter(loan_id__in=ids, account__in=pos.PRINCIPAL_ACCOUNTS)
        .values_list("loan_id", "account")
        .annotate(total=Sum("amount"))
        .values_list("loan_id", "account", "total")
    ):
        sums[loan_id][account] = total
    for loan_id, disbursed, repaid, written_off, outstanding in Loan.objects.filter(pk__in=ids).values_list(
        "pk", "principal_disbursed", "principal_repaid", "principal_written_off", "outstanding_principal"
    ):
        ledger = sums[loan_id]
        kept = (disbursed, repaid, written_off, outstanding)
        from_ledger = (
            ledger.get(pos.DISBURSED, 0),
            ledger.get(pos.REPAID, 0),
            ledger.get(pos.WRITTEN_OFF, 0),
            pos.outstanding_of(ledger),
        )
        if outstanding != disbursed - repaid - written_off or kept != from_ledger or outstanding < 0:
            raise LedgerInvariantError(ERR_INVARIANT % {"loan": loan_id, "kept": kept, "ledger": from_ledger})


def _keep_position(loan: Loan, sums: dict[str, int]) -> None:
    """Write the loan's kept position from the ledger sums (a plain UPDATE: the ledger is the money's history)."""
    loan.principal_disbursed = sums.get(pos.DISBURSED, 0)
    loan.principal_repaid = sums.get(pos.REPAID, 0)
    loan.principal_written_off = sums.get(pos.WRITTEN_OFF, 0)
    loan.outstanding_principal = pos.outstanding_of(sums)
    Loan.objects.filter(pk=loan.pk).update(
        principal_disbursed=loan.principal_disbursed,
        principal_repaid=loan.principal_repaid,
        principal_written_off=loan.principal_written_off,
        outstanding_principal=loan.outstanding_principal,
    )


def _status_after(loan: Loan, book: LoanBook, *, written_off: bool = False) -> str:
    """The status the loan's position gives today (after a posting or in the nightly refresh)."""
    today = _today()
    p = book.position(loan, today)
    if p.outstanding <= 0:
        if written_off or loan.status == S.WRITTEN_OFF and p.written_off:
            return S.WRITTEN_OFF
        return S.CLOSED if p.interest_total_due <= 0 else (S.OVERDUE if p.overdue else S.REPAYING)
    if p.frozen:
        return S.FROZEN
    if p.overdue > 0:
        return S.OVERDUE
    if book.extended_on(loan.pk, today):
        return S.EXTENDED
    return S.REPAYING


def _apply_status(loan: Loan, status: str, by, on: date) -> None:
    if status == loan.status:
        return
    _move(loan, status, strict=False)
    fields = []
    if status in (S.CLOSED, S.WRITTEN_OFF):
        loan.closed_on = on
        fields.append("closed_on")
    elif loan.closed_on is not None:
        loan.closed_on = None
        fields.append("closed_on")
    _save(loan, by, fields)


def _existing(expected: dict[str, int], loan: Loan | None, *, also: tuple[str, ...] = ()) -> list[LedgerEntry] | None:
    """The entries already recorded under these keys (a replay), or None when none is. ``expected`` maps each full
    key to its amount; ``also`` names keys that belong to the same posting when present. A key reused for a
    different posting (another loan, other parts or other amounts) is refused."""
    found = list(LedgerEntry.objects.filter(idempotency_key__in=[*expected, *also]))
    if not found:
        return None
    got = {e.idempotency_key: e.amount for e in found}
    if (loan is not None and any(e.loan_id != loan.pk for e in found)) or got != expected:
        raise ValidationError(ERR_KEY_REUSED % {"key": next(iter(expected))}, code="key_reused")
    return found


@transaction.atomic
def loan_disburse(
    *,
    loan: Loan,
    on: date,
    transaction_point: TransactionPoint,
    by=None,
    idempotency_key: str,
    expected_version: int | None = None,
) -> LedgerEntry:
    """Disburse at the commune transaction point, directly to the borrower: the ledger entry, the stored schedule
    (version 1), the loan-use check to do, status REPAYING. A second call with the same key returns the entry."""
    if not idempotency_key:
        raise ValidationError(ERR_KEY_REQUIRED, code="key_required")
    locked = _lock(loan)
    amount = locked.amount
    replay = _existing({idempotency_key: amount}, locked)
    if replay:
        return replay[0]
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(ERR_CONFLICT, code="conflict")
    _not_future(on)
    if transaction_point is None:
        raise ValidationError({"transaction_point": ERR_NO_TRANSACTION_POINT}, code="no_point")
    if transaction_point.commune_id != locked.commune_id:
        raise ValidationError(
            {"transaction_point": ERR_POINT_OTHER_COMMUNE % {"point": transaction_point.name}}, code="point_commune"
        )
    _move(locked, S.REPAYING)
    rates = sorted(locked.program.rates.all(), key=lambda r: r.valid_from)
    in_force = [r for r in rates if r.valid_from <= on]
    if not in_force:
        raise ValidationError(ERR_NO_RATE % {"program": locked.program.name_vi, "date": _day(on)}, code="no_rate")
    schedule = build_schedule(
        principal=amount,
        annual_rate=in_force[-1].annual_rate,
        disbursed_on=on,
        term_months=locked.term_months,
        principal_every_months=locked.principal_every_months,
        method=locked.method,
    )
    Installment.objects.bulk_create(
        [
            Installment(
                loan=locked,
                schedule_version=1,
                number=row.number,
                due_date=row.due_date,
                principal=row.principal,
                effective_from=on,
            )
            for row in schedule
            if row.principal > 0
        ]
    )
    entry = _entry(
        loan=locked,
        household_id=locked.household_id,
        group_id=locked.group_id,
        kind=LedgerEntry.Kind.DISBURSEMENT,
        account=pos.DISBURSED,
        amount=amount,
        on=on,
        key=idempotency_key,
        by=by,
        point_id=transaction_point.pk,
    )
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        raise ValidationError(ERR_KEY_REUSED % {"key": idempotency_key}, code="key_reused") from None
    locked.disbursed_on, locked.disbursed_by, locked.transaction_point = on, by, transaction_point
    locked.maturity_date = schedule[-1].due_date
    closed_form = _schedule_closed_form(locked, schedule, on)
    _keep_position(locked, {pos.DISBURSED: amount})
    ledger_invariant_check([locked.pk])
    _save(locked, by, ["disbursed_on", "disbursed_by", "transaction_point", "maturity_date", *closed_form])
    LoanUseCheck.objects.create(loan=locked, due_by=on + _days(locked.program.use_check_days))
    return entry


SCHED_FIELDS = ["sched_month_index", "sched_day", "sched_count", "sched_base", "sched_last", "sched_changed_on"]


def _schedule_closed_form(loan: Loan, schedule, on: date) -> list[str]:
    """Keep the closed form of schedule version 1 on the loan when it has one (credit.portfolio reads it): equal
    principal instalments every ``principal_every_months`` months on the disbursement's day, which is ≤ 28 (no
    month-end clamping). Returns the fields set."""
    for name, value in schedule_closed_form(loan.method, [r.principal for r in schedule], on).items():
        setattr(loan, name, value)
    return SCHED_FIELDS


def schedule_closed_form(method: str, principals: list[int], on: date) -> dict[str, int | date | None]:
    """The ``sched_*`` fields of a loan disbursed on ``on`` whose version-1 schedule has these principal amounts
    (one per monthly row, 0 for interest-only rows), as ``loan_disburse`` writes them (pure; credit.bulk too)."""
    rows = [p for p in principals if p > 0]
    regular = method == Loan.Method.EQUAL_PRINCIPAL and on.day <= 28 and len(rows) >= 1
    if regular:
        values = {
            "sched_month_index": on.year * 12 + on.month - 1,
            "sched_day": on.day,
            "sched_count": len(rows),
            "sched_base": rows[0] if len(rows) > 1 else rows[-1],
            "sched_last": rows[-1],
        }
    else:
        values = dict.fromkeys(["sched_month_index", "sched_day", "sched_count", "sched_base", "sched_last"])
    values["sched_changed_on"] = None
    return values


def _days(n: int) -> timedelta:
    return timedelta(days=n)


@dataclass
class CollectionResult:
    entries: list[LedgerEntry]
    created: bool  # False: the same posting was already recorded (a replay)
    loan: Loan


COLLECTION_KINDS = (
    ("principal", LedgerEntry.Kind.PRINCIPAL, pos.REPAID),
    ("interest", LedgerEntry.Kind.INTEREST, pos.INTEREST_PAID),
    ("overdue_interest", LedgerEntry.Kind.OVERDUE_INTEREST, pos.OVERDUE_INTEREST_PAID),
)


def _validate_collection(loan: Loan, p: pos.Position, amounts: dict[str, int]) -> list[str]:
    problems = []
    if loan.status not in ACTIVE_STATUSES:
        return [str(ERR_NOT_ACTIVE % {"loan": loan.pk, "status": S(loan.status).label})]
    if any(v < 0 for v in amounts.values()):
        return [str(ERR_NEGATIVE)]
    if amounts.get("principal", 0) > p.outstanding:
        problems.append(
            str(
                ERR_PRINCIPAL_ABOVE_OUTSTANDING
                % {"loan": loan.pk, "amount": _money(amounts["principal"]), "outstanding": _money(p.outstanding)}
            )
        )
    if amounts.get("interest", 0) > p.interest_due:
        problems.append(
            str(
                ERR_INTEREST_ABOVE_DUE
                % {"loan": loan.pk, "amount": _money(amounts["interest"]), "due": _money(p.interest_due)}
            )
        )
    if amounts.get("overdue_interest", 0) > p.overdue_interest_due:
        problems.append(
            str(
                ERR_OVERDUE_INTEREST_ABOVE_DUE
                % {
                    "loan": loan.pk,
                    "amount": _money(amounts["overdue_interest"]),
                    "due": _money(p.overdue_interest_due),
                }
            )
        )
    return problems


def _check_value_date(loan: Loan, on: date) -> None:
    _not_future(on)
    if loan.disbursed_on and on < loan.disbursed_on:
        raise ValidationError(
            ERR_BEFORE_DISBURSEMENT % {"date": _day(on), "disbursed": _day(loan.disbursed_on)},
            code="before_disbursement",
        )


@transaction.atomic
def loan_collection_post(
    *,
    loan: Loan,
    on: date,
    idempotency_key: str,
    principal: int = 0,
    interest: int = 0,
    overdue_interest: int = 0,
    by=None,
    note: str = "",
) -> CollectionResult:
    """Post one collection (principal, interest, overdue interest) for one loan. Locks the loan; the same key again
    returns the entries already recorded; the same key with other amounts is refused."""
    if not idempotency_key:
        raise ValidationError(ERR_KEY_REQUIRED, code="key_required")
    amounts = {"principal": principal, "interest": interest, "overdue_interest": overdue_interest}
    wanted = {name: amount for name, amount in amounts.items() if amount}
    if not wanted:
        raise ValidationError(ERR_NOTHING, code="nothing")
    locked = _lock(loan)
    keys = {f"{idempotency_key}:{name}": amount for name, amount in wanted.items()}
    every = tuple(f"{idempotency_key}:{name}" for name, _k, _a in COLLECTION_KINDS)
    replay = _existing(keys, locked, also=every)
    if replay:
        return CollectionResult(entries=replay, created=False, loan=locked)
    _check_value_date(locked, on)
    book = LoanBook.load([locked])
    p = book.position(locked, on)
    problems = _validate_collection(locked, p, amounts)
    if problems:
        raise ValidationError(problems, code="collection_invalid")
    entries = [
        _entry(
            loan=locked,
            household_id=locked.household_id,
            group_id=locked.group_id,
            kind=kind,
            account=account,
            amount=wanted[name],
            on=on,
            key=f"{idempotency_key}:{name}",
            by=by,
            note=note,
            point_id=locked.transaction_point_id,
        )
        for name, kind, account in COLLECTION_KINDS
        if name in wanted
    ]
    try:
        with transaction.atomic():
            LedgerEntry.objects.bulk_create(entries)
    except IntegrityError:  # raced in from another connection between the check and the insert
        replay = _existing(keys, locked, also=every)
        if replay:
            return CollectionResult(entries=replay, created=False, loan=locked)
        raise
    for e in entries:
        book.add(locked.pk, e.as_entry())
    _keep_position(locked, pos.totals(book.entries_of(locked.pk)))
    ledger_invariant_check([locked.pk])
    _apply_status(locked, _status_after(locked, book), by, on)
    return CollectionResult(entries=entries, created=True, loan=locked)


@transaction.atomic
def savings_deposit_post(
    *, household: Household, group: SavingsGroup, amount: int, on: date, idempotency_key: str, by=None
) -> LedgerEntry:
    if not idempotency_key:
        raise ValidationError(ERR_KEY_REQUIRED, code="key_required")
    replay = _existing({idempotency_key: amount}, None)
    if replay:
        return replay[0]
    _not_future(on)
    minimum = CreditPolicy.current().minimum_savings_deposit
    if amount < minimum:
        raise ValidationError(ERR_SAVINGS_MINIMUM % {"minimum": _money(minimum)}, code="savings_minimum")
    entry = _entry(
        loan=None,
        household_id=household.pk,
        group_id=group.pk,
        kind=LedgerEntry.Kind.SAVINGS_DEPOSIT,
        account=pos.SAVINGS,
        amount=amount,
        on=on,
        key=idempotency_key,
        by=by,
    )
    entry.save()
    return entry


@transaction.atomic
def ledger_entry_reverse(*, entry: LedgerEntry, on: date, reason: str, idempotency_key: str, by=None) -> LedgerEntry:
    """Correct a posting by a reversing entry (the negated amount, the same account), dated ``on``; the original
    stays. A disbursement is reversed only once everything posted after it is reversed."""
    if not idempotency_key:
        raise ValidationError(ERR_KEY_REQUIRED, code="key_required")
    note = _reason(reason)
    if entry.loan_id:
        locked = _lock(entry.loan)
    else:
        locked = None
    original = LedgerEntry.objects.select_related("reversed_by").get(pk=entry.pk)
    replay = _existing({idempotency_key: -original.amount}, locked)
    if replay:
        return replay[0]
    if original.kind == LedgerEntry.Kind.REVERSAL:
        raise ValidationError(ERR_CANNOT_REVERSE, code="reverse_reversal")
    if hasattr(original, "reversed_by"):
        raise ValidationError(ERR_ALREADY_REVERSED, code="already_reversed")
    _not_future(on)
    if on < original.value_date:
        raise ValidationError(ERR_REVERSAL_BEFORE % {"date": _day(original.value_date)}, code="reversal_before")
    if locked is not None:
        book = LoanBook.load([locked])
        sums = pos.totals(book.entries_of(locked.pk))
        if original.account == pos.DISBURSED and any(
            sums.get(a, 0) for a in (pos.REPAID, pos.WRITTEN_OFF, pos.INTEREST_PAID, pos.OVERDUE_INTEREST_PAID)
        ):
            raise ValidationError(ERR_REVERSE_DISBURSEMENT_WITH_ENTRIES, code="disbursement_has_entries")
    reversal = _entry(
        loan=locked,
        household_id=original.household_id,
        group_id=original.group_id,
        kind=LedgerEntry.Kind.REVERSAL,
        account=original.account,
        amount=-original.amount,
        on=on,
        key=idempotency_key,
        by=by,
        note=note,
        reverses=original,
        point_id=original.transaction_point_id,
    )
    try:
        with transaction.atomic():
            reversal.save()
    except IntegrityError:
        replay = _existing({idempotency_key: -original.amount}, locked)
        if replay:
            return replay[0]
        raise ValidationError(ERR_ALREADY_REVERSED, code="already_reversed") from None
    if locked is not None:
        book.add(locked.pk, reversal.as_entry())
        sums = pos.totals(book.entries_of(locked.pk))
        if pos.outstanding_of(sums) < 0:
            raise ValidationError(ERR_REVERSAL_NEGATIVE, code="reversal_negative")
        _keep_position(locked, sums)
        ledger_invariant_check([locked.pk])
        if original.account == pos.DISBURSED:  # back to approved: the schedule and the use check go with it
            Installment.objects.filter(loan=locked).delete()
            LoanUseCheck.objects.filter(loan=locked, checked_on__isnull=True).delete()
            locked.status = S.APPROVED
            locked.disbursed_on = locked.maturity_date = None
            for name in SCHED_FIELDS:
                setattr(locked, name, None)
            _save(locked, by, ["disbursed_on", "maturity_date", *SCHED_FIELDS])
        else:
            _apply_status(locked, _status_after(locked, book), by, on)
    return reversal


# --- risk-debt files --------------------------------------------------------------------------------------------
def _new_version(locked: Loan, plan: list[tuple[date, int]], effective: date, reason: str) -> int:
    current = Installment.objects.filter(loan=locked, superseded_on__isnull=True)
    latest = current.order_by("-effective_from").values_list("effective_from", "schedule_version").first()
    if latest and latest[0] > effective:
        raise ValidationError(ERR_SCHEDULE_CHANGED_LATER % {"date": _day(latest[0])}, code="schedule_changed_later")
    version = (latest[1] if latest else 0) + 1
    current.update(superseded_on=effective)
    if locked.sched_changed_on is None or locked.sched_changed_on > effective:
        locked.sched_changed_on = effective  # from this day credit.portfolio reads the stored rows
    Installment.objects.bulk_create(
        [
            Installment(
                loan=locked,
                schedule_version=version,
                number=n,
                due_date=due,
                principal=amount,
                effective_from=effective,
                reason=reason,
            )
            for n, (due, amount) in enumerate(plan, start=1)
        ]
    )
    if plan:
        locked.maturity_date = plan[-1][0]
    return version


def _active_for_risk(locked: Loan) -> None:
    if locked.status not in ACTIVE_STATUSES:
        raise ValidationError(ERR_NOT_ACTIVE % {"loan": locked.pk, "status": S(locked.status).label}, code="not_active")


@transaction.atomic
def loan_extend(
    *,
    loan: Loan,
    on: date,
    new_due_date: date,
    reason: str,
    cause: RiskCause | None = None,
    decision_reference: str = "",
    by=None,
    expected_version: int | None = None,
) -> LoanExtension:
    """Extend (gia hạn nợ): the unpaid principal due by ``on`` (or the next instalment) is due on ``new_due_date``.
    A new schedule version takes effect on ``on``; the loan is EXTENDED until that date passes."""
    locked = _lock(loan, expected_version)
    _active_for_risk(locked)
    text = _reason(reason)
    _not_future(on)
    if new_due_date <= on:
        raise ValidationError({"new_due_date": ERR_EXTENSION_DATE % {"date": _day(on)}}, code="extension_date")
    book = LoanBook.load([locked])
    p = book.position(locked, on)
    if p.outstanding <= 0:
        raise ValidationError(ERR_NOTHING_TO_EXTEND, code="nothing_to_extend")
    rows = pos.rows_in_force(book.rows.get(locked.pk, []), on)
    previous = pos.oldest_unpaid(rows, on, p.settled) or new_due_date
    plan, moved = pos.reschedule_extension(rows=rows, settled=p.settled, on=on, new_due_date=new_due_date)
    _new_version(locked, plan, on, Installment.Reason.EXTENSION)
    extension = LoanExtension(
        loan=locked,
        granted_on=on,
        previous_due_date=previous,
        new_due_date=new_due_date,
        principal=moved,
        cause=cause,
        reason=text,
        decision_reference=decision_reference,
        recorded_by=by,
    )
    extension._history_user = by
    extension.save()
    _save(locked, by, ["maturity_date", "sched_changed_on"])
    book = LoanBook.load([locked])
    _apply_status(locked, _status_after(locked, book), by, on)
    return extension


@transaction.atomic
def loan_freeze(
    *,
    loan: Loan,
    frozen_from: date,
    frozen_until: date,
    cause: RiskCause,
    reason: str,
    decision_reference: str = "",
    by=None,
    expected_version: int | None = None,
) -> LoanFreeze:
    """Freeze (khoanh nợ) for an objective cause: no interest accrues and nothing is collected from ``frozen_from``
    to ``frozen_until``; unpaid instalments move after the freeze (credit.position.reschedule_freeze)."""
    locked = _lock(loan, expected_version)
    _active_for_risk(locked)
    text = _reason(reason)
    if cause is None:
        raise ValidationError({"cause": ERR_CAUSE_REQUIRED}, code="cause_required")
    if frozen_until < frozen_from:
        raise ValidationError({"frozen_until": ERR_FREEZE_RANGE}, code="freeze_range")
    _check_value_date(locked, frozen_from)
    if locked.freezes.filter(frozen_from__lte=frozen_until, frozen_until__gte=frozen_from).exists():
        raise ValidationError(ERR_FREEZE_OVERLAP, code="freeze_overlap")
    book = LoanBook.load([locked])
    p = book.position(locked, frozen_from)
    rows = pos.rows_in_force(book.rows.get(locked.pk, []), frozen_from)
    plan = pos.reschedule_freeze(rows=rows, settled=p.settled, start=frozen_from, end=frozen_until)
    _new_version(locked, plan, frozen_from, Installment.Reason.FREEZE)
    freeze = LoanFreeze(
        loan=locked,
        frozen_from=frozen_from,
        frozen_until=frozen_until,
        principal=p.outstanding,
        cause=cause,
        reason=text,
        decision_reference=decision_reference,
        recorded_by=by,
    )
    freeze._history_user = by
    freeze.save()
    _save(locked, by, ["maturity_date", "sched_changed_on"])
    book = LoanBook.load([locked])
    _apply_status(locked, _status_after(locked, book), by, frozen_from)
    return freeze


@transaction.atomic
def loan_write_off(
    *,
    loan: Loan,
    on: date,
    principal: int,
    cause: RiskCause,
    idempotency_key: str,
    interest: int | None = None,
    reason: str = "",
    decision_reference: str = "",
    by=None,
    expected_version: int | None = None,
) -> LoanWriteOff:
    """Write off (xóa nợ) principal and interest for a cause of Decision 50/2010. Writing off the whole outstanding
    principal writes off the interest owed too (unless ``interest`` says otherwise) and ends the loan WRITTEN_OFF."""
    if not idempotency_key:
        raise ValidationError(ERR_KEY_REQUIRED, code="key_required")
    if cause is None:
        raise ValidationError({"cause": ERR_CAUSE_REQUIRED}, code="cause_required")
    locked = _lock(loan)
    existing = LoanWriteOff.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.loan_id != locked.pk:
            raise ValidationError(ERR_KEY_REUSED % {"key": idempotency_key}, code="key_reused")
        return existing
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(ERR_CONFLICT, code="conflict")
    _active_for_risk(locked)
    _check_value_date(locked, on)
    book = LoanBook.load([locked])
    p = book.position(locked, on)
    if principal < 0 or (interest or 0) < 0:
        raise ValidationError(ERR_NEGATIVE, code="negative")
    if principal > p.outstanding:
        raise ValidationError(
            {"principal": ERR_WRITE_OFF_ABOVE % {"amount": _money(principal), "outstanding": _money(p.outstanding)}},
            code="write_off_above",
        )
    if interest is None:
        interest = p.interest_total_due if principal == p.outstanding else 0
    if interest > p.interest_total_due:
        raise ValidationError(
            {
                "interest": ERR_WRITE_OFF_INTEREST_ABOVE
                % {"amount": _money(interest), "due": _money(p.interest_total_due)}
            },
            code="write_off_interest_above",
        )
    if not principal and not interest:
        raise ValidationError(ERR_NOTHING, code="nothing")
    entries = []
    if principal:
        entries.append(
            _entry(
                loan=locked,
                household_id=locked.household_id,
                group_id=locked.group_id,
                kind=LedgerEntry.Kind.WRITE_OFF,
                account=pos.WRITTEN_OFF,
                amount=principal,
                on=on,
                key=f"{idempotency_key}:principal",
                by=by,
                note=reason,
            )
        )
    if interest:
        entries.append(
            _entry(
                loan=locked,
                household_id=locked.household_id,
                group_id=locked.group_id,
                kind=LedgerEntry.Kind.WRITE_OFF,
                account=pos.INTEREST_WRITTEN_OFF,
                amount=interest,
                on=on,
                key=f"{idempotency_key}:interest",
                by=by,
                note=reason,
            )
        )
    LedgerEntry.objects.bulk_create(entries)
    for e in entries:
        book.add(locked.pk, e.as_entry())
    _keep_position(locked, pos.totals(book.entries_of(locked.pk)))
    ledger_invariant_check([locked.pk])
    write_off = LoanWriteOff(
        loan=locked,
        on=on,
        principal=principal,
        interest=interest,
        cause=cause,
        reason=reason.strip(),
        decision_reference=decision_reference,
        recorded_by=by,
        idempotency_key=idempotency_key,
    )
    write_off._history_user = by
    write_off.save()
    full = principal == p.outstanding
    _apply_status(locked, _status_after(locked, book, written_off=full), by, on)
    return write_off


# --- loan-use checks --------------------------------------------------------------------------------------------
@transaction.atomic
def loan_use_check_record(
    *, check: LoanUseCheck, on: date, outcome: str, checker: str, notes: str = "", by=None
) -> LoanUseCheck:
    """Record a loan-use check (by the officer, the entrusted organisation or the group leader). "Not used yet"
    schedules the next check after the programme's number of days."""
    locked = LoanUseCheck.objects.select_for_update().select_related("loan__program").get(pk=check.pk)
    if locked.checked_on is not None:
        raise ValidationError(ERR_CHECK_DONE, code="check_done")
    if outcome not in LoanUseCheck.Outcome.values:
        raise ValidationError({"outcome": ERR_OUTCOME}, code="outcome")
    _not_future(on)
    locked.checked_on, locked.outcome, locked.checker, locked.notes, locked.recorded_by = (
        on,
        outcome,
        checker,
        notes.strip(),
        by,
    )
    locked._history_user = by
    locked.full_clean()
    locked.save(update_fields=["checked_on", "outcome", "checker", "notes", "recorded_by"])
    if outcome == LoanUseCheck.Outcome.NOT_YET:
        LoanUseCheck.objects.create(loan=locked.loan, due_by=on + _days(locked.loan.program.use_check_days))
    return locked


# --- the collection sheet ---------------------------------------------------------------------------------------
@dataclass
class SheetPostResult:
    sheet: CollectionSheet
    recorded: int = 0  # entries written now
    already: int = 0  # entries this sheet had recorded before (a second posting records nothing)
    amount: int = 0  # đồng recorded now
    loans_closed: list[int] = field(default_factory=list)


SHEET_PARTS = (
    ("principal_due", "principal", LedgerEntry.Kind.PRINCIPAL, pos.REPAID),
    ("interest_due", "interest", LedgerEntry.Kind.INTEREST, pos.INTEREST_PAID),
    ("overdue_interest_due", "overdue_interest", LedgerEntry.Kind.OVERDUE_INTEREST, pos.OVERDUE_INTEREST_PAID),
)
SAVINGS_PART = "savings"


def sheet_entry_key(sheet_id: int, household_id: int, loan_id: int | None, part: str) -> str:
    return f"sheet:{sheet_id}:{household_id}:{loan_id or '-'}:{part}"


@transaction.atomic
def collection_sheet_post(
    *,
    group: SavingsGroup,
    period: date,
    by=None,
    amounts: dict[tuple[int, int | None], dict[str, int]] | None = None,
    session_date: date | None = None,
) -> SheetPostResult:
    """Post a group's monthly sheet at the transaction point in one step (one transaction).

    ``amounts`` maps (household id, loan id — None for the member's savings) → {"principal", "interest",
    "overdue_interest", "savings"} collected; what is not given is collected as due. Each entry's idempotency key is
    ``sheet:<sheet>:<household>:<loan>:<part>``: the sheet (or a line of it) posted again records nothing new.
    All or nothing: when a line is wrong nothing is recorded and every wrong line is listed."""
    period = month_start(period)
    record, _created = CollectionSheet.objects.get_or_create(
        group=group, period=period, defaults={"session_date": session_date or _session_date(group, period)}
    )
    record = CollectionSheet.objects.select_for_update().get(pk=record.pk)  # one poster of a sheet at a time
    _not_future(record.session_date)
    sheet = collection_sheet(group=group, period=period, for_update=True)
    on = record.session_date
    book: LoanBook = sheet.book
    amounts = amounts or {}
    minimum = CreditPolicy.current().minimum_savings_deposit
    wanted: dict[str, tuple] = {}  # key → (line, loan, part, amount)
    for line in sheet.lines:
        hh = line.household.pk
        if line.first_of_household:
            savings = int(amounts.get((hh, None), {}).get(SAVINGS_PART, line.savings_due))
            if savings:
                wanted[sheet_entry_key(record.pk, hh, None, SAVINGS_PART)] = (line, None, SAVINGS_PART, savings)
        if line.loan is not None:
            given = amounts.get((hh, line.loan.pk), {})
            for due, part, _kind, _account in SHEET_PARTS:
                amount = int(given.get(part, getattr(line, due)))
                if amount:
                    wanted[sheet_entry_key(record.pk, hh, line.loan.pk, part)] = (line, line.loan, part, amount)
    existing = dict(
        LedgerEntry.objects.filter(idempotency_key__in=list(wanted)).values_list("idempotency_key", "amount")
    )
    result = SheetPostResult(sheet=record)
    fresh: dict[str, tuple] = {}
    for key, item in wanted.items():
        if key not in existing:
            fresh[key] = item
        elif existing[key] != item[3]:
            raise ValidationError(ERR_KEY_REUSED % {"key": key}, code="key_reused")
        else:
            result.already += 1
    # Validate what is new against what was due before this sheet (what the sheet shows).
    problems: list[str] = []
    per_loan: dict[int, dict[str, int]] = {}
    for _key, (line, loan, part, amount) in fresh.items():
        if loan is None:
            if amount < minimum:
                problems.append(f"{line.household.code}: {ERR_SAVINGS_MINIMUM % {'minimum': _money(minimum)}}")
            continue
        per_loan.setdefault(loan.pk, {})[part] = amount
    positions = {line.loan.pk: line.position for line in sheet.lines if line.loan is not None}
    for loan_id, parts in per_loan.items():
        loan = sheet.loans[loan_id]
        p = positions.get(loan_id) or book.position(loan, on, without_sheet=record.pk)
        if p.frozen and (parts.get("interest") or parts.get("overdue_interest")):
            problems.append(f"{loan.household.code}: {ERR_PRINCIPAL_WHILE_FROZEN % {'loan': loan.pk}}")
        problems += [f"{loan.household.code}: {m}" for m in _validate_collection(loan, p, parts)]
    if problems:
        raise ValidationError([str(ERR_SHEET_LINES), *problems], code="sheet_invalid")
    kinds = {part: (kind, account) for _d, part, kind, account in SHEET_PARTS}
    kinds[SAVINGS_PART] = (LedgerEntry.Kind.SAVINGS_DEPOSIT, pos.SAVINGS)
    new_entries = [
        _entry(
            loan=loan,
            household_id=line.household.pk,
            group_id=group.pk,
            kind=kinds[part][0],
            account=kinds[part][1],
            amount=amount,
            on=on,
            key=key,
            by=by,
            sheet=record,
            point_id=group.transaction_point_id,
        )
        for key, (line, loan, part, amount) in fresh.items()
    ]
    if new_entries:
        LedgerEntry.objects.bulk_create(new_entries)
        touched: dict[int, Loan] = {}
        for e in new_entries:
            result.recorded += 1
            result.amount += e.amount
            if e.loan_id:
                book.add(e.loan_id, e.as_entry(), record.pk)
                touched[e.loan_id] = sheet.loans[e.loan_id]
        for loan in touched.values():
            sums = pos.totals(book.entries_of(loan.pk))
            loan.principal_disbursed = sums.get(pos.DISBURSED, 0)
            loan.principal_repaid = sums.get(pos.REPAID, 0)
            loan.principal_written_off = sums.get(pos.WRITTEN_OFF, 0)
            loan.outstanding_principal = pos.outstanding_of(sums)
        Loan.objects.bulk_update(
            list(touched.values()),
            ["principal_disbursed", "principal_repaid", "principal_written_off", "outstanding_principal"],
        )
        ledger_invariant_check(list(touched))
        for loan in touched.values():
            status = _status_after(loan, book)
            if status != loan.status:
                _apply_status(loan, status, by, on)
                if status == S.CLOSED:
                    result.loans_closed.append(loan.pk)
    record.posted_at = timezone.now()
    record.posted_by = by
    record.times_posted += 1
    record.save(update_fields=["posted_at", "posted_by", "times_posted"])
    return result


def _session_date(group: SavingsGroup, period: date) -> date:
    from .selectors import session_date_for

    return session_date_for(group, period)


# --- status refresh (nightly and on demand) ---------------------------------------------------------------------
@transaction.atomic
def loan_status_refresh(*, id_from: int, id_to: int, on: date | None = None, by=None) -> dict[str, int]:
    """Recompute the status of the disbursed loans with ids in [id_from, id_to) from the ledger as of ``on``
    (today): repaying / extended / overdue / frozen. Idempotent: a second run changes nothing. Three queries plus
    one save per changed loan (so the change is in the loan's history)."""
    from .portfolio import loan_positions

    on = on or _today()
    candidates = {
        loan.pk: loan
        for loan in Loan.objects.select_for_update(skip_locked=True)
        .filter(pk__gte=id_from, pk__lt=id_to, status__in=ACTIVE_STATUSES)
        .order_by("pk")
    }
    if not candidates:
        return {"checked": 0, "changed": 0}
    facts = loan_positions(as_of=on, loan_ids=list(candidates))
    extended = set(
        LoanExtension.objects.filter(loan_id__in=list(candidates), new_due_date__gte=on).values_list(
            "loan_id", flat=True
        )
    )
    changed = 0
    for fact in facts:
        loan = candidates[fact["loan_id"]]
        if fact["outstanding"] <= 0:
            continue  # closing is decided at the posting (interest may still be owed)
        if fact["frozen"]:
            status = S.FROZEN
        elif fact["overdue"] > 0:
            status = S.OVERDUE
        elif loan.pk in extended:
            status = S.EXTENDED
        else:
            status = S.REPAYING
        if status != loan.status:
            _move(loan, status, strict=False)
            _save(loan, by, [])
            changed += 1
    return {"checked": len(candidates), "changed": changed}
