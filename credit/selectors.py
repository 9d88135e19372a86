"""Every read of credit data. Functions that take ``user`` apply that user's scope; an object outside it is a 404.

Who sees which loans (docs/credit.md §Access):

* credit officer, chairman, province officer, cadre: the loans of the areas they serve (the loan's commune and
  village, fixed at application; a commune grant covers the communes merged into it);
* group leader: the loans of the groups they lead (by group, not by village);
* amounts (and the ledger) only for the credit officer, group leader and chairman, or with the permission
  ``credit.view_loan_amounts``; the others see statuses.

The functions at the end without ``user`` (``loan_misuse_flags``, ``loan_credit_features``) are for batch jobs such
as the risk features; they never serve a page directly.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import CADRE, CHAIRMAN, CREDIT_OFFICER, GROUP_LEADER, PROVINCE_OFFICER, has_role, user_roles
from accounts.scope import Scope, user_scope
from areas.models import Commune
from households.models import Household, Review
from households.selectors import effective_date
from households.transitions import newly_escaped

from . import position as pos
from .book import LoanBook
from .models import (
    ACTIVE_STATUSES,
    PIPELINE_STATUSES,
    CollectionSheet,
    CreditPolicy,
    GroupMembership,
    LedgerEntry,
    Loan,
    LoanExtension,
    LoanFreeze,
    LoanUseCheck,
    LoanWriteOff,
    SavingsGroup,
)

AREA_ROLES = {CREDIT_OFFICER, CHAIRMAN, PROVINCE_OFFICER, CADRE}
AMOUNT_ROLES = {CREDIT_OFFICER, GROUP_LEADER, CHAIRMAN}
PORTFOLIO_ROLES = {CREDIT_OFFICER, CHAIRMAN, PROVINCE_OFFICER}
AMOUNTS_PERMISSION = "credit.view_loan_amounts"

ERR_NO_AMOUNTS = _("Your role does not show loan amounts. Ask the administrator for the permission if you need them.")


def can_see_amounts(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return has_role(user, *AMOUNT_ROLES) or user.has_perm(AMOUNTS_PERMISSION)


def require_amounts(user) -> None:
    if not can_see_amounts(user):
        raise PermissionDenied(ERR_NO_AMOUNTS)


# --- scope ------------------------------------------------------------------------------------------------------
def _area_q(scope: Scope, *, commune: str = "commune", village: str = "village") -> Q:
    q = Q(pk__in=[])
    communes = set(scope.commune_ids)
    if scope.province_ids:
        # the provinces' communes (predecessors included) as a list of ids: no join to areas_commune in every
        # scoped query (the portfolio over a province's million loans runs it three times; measured 7 % faster)
        communes |= set(Commune.objects.filter(province_id__in=scope.province_ids).values_list("pk", flat=True))
    if communes:
        q |= Q(**{f"{commune}_id__in": sorted(communes)})
    if scope.village_ids:
        q |= Q(**{f"{village}_id__in": sorted(scope.village_ids)})
    return q


def _scoped(user, qs: QuerySet, *, group_path: str) -> QuerySet:
    if user.is_superuser:
        return qs
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    roles = set(user_roles(user))
    q = Q(pk__in=[])
    scope = user_scope(user)
    if roles & AREA_ROLES and not scope.is_empty:
        q |= _area_q(scope)
    if GROUP_LEADER in roles:
        q |= Q(**{f"{group_path}__in": SavingsGroup.objects.filter(leader=user).values("pk")})
    return qs.filter(q)


def loan_scope(*, user) -> QuerySet[Loan]:
    return _scoped(user, Loan.objects.all(), group_path="group")


def loan_status_counts(*, user, statuses) -> dict[str, int]:
    """How many loans in ``user``'s scope are in each of ``statuses`` (one query; no amounts, so a cadre may see
    it for the households they serve)."""
    rows = loan_scope(user=user).filter(status__in=list(statuses)).order_by().values_list("status")
    return dict(rows.annotate(n=Count("id")))


def group_scope(*, user) -> QuerySet[SavingsGroup]:
    return _scoped(user, SavingsGroup.objects.all(), group_path="pk")


def led_groups(*, user) -> QuerySet[SavingsGroup]:
    return SavingsGroup.objects.filter(leader=user, dissolved_on__isnull=True).select_related(
        "village", "commune", "organisation", "transaction_point"
    )


# --- loans ------------------------------------------------------------------------------------------------------
def loan_list(
    *, user, status: str | list | tuple = "", group: int | None = None, program: int | None = None, q: str = ""
) -> QuerySet[Loan]:
    qs = loan_scope(user=user).select_related("household", "program", "group", "village", "commune")
    if isinstance(status, list | tuple):
        qs = qs.filter(status__in=status)
    elif status:
        qs = qs.filter(status=status)
    if group:
        qs = qs.filter(group_id=group)
    if program:
        qs = qs.filter(program_id=program)
    q = (q or "").strip()
    if q:
        from households.ethnicity import fold

        qs = qs.filter(Q(household__code__iexact=q) | Q(household__head_name_folded__contains=fold(q)))
    return qs.order_by("-applied_on", "-id")


def loan_get(*, user, pk: int) -> Loan:
    qs = loan_scope(user=user).select_related(
        "household", "program", "group__leader", "village", "commune", "organisation", "transaction_point"
    )
    return get_object_or_404(qs, pk=pk)


def loan_ledger(*, user, loan: Loan) -> QuerySet[LedgerEntry]:
    require_amounts(user)
    return loan.entries.select_related("posted_by", "reverses", "reversed_by").order_by("value_date", "id")


def loan_schedule(*, loan: Loan, on: date | None = None) -> list[dict]:
    """The schedule version in force on ``on`` (today), each row with its projected interest and what is settled."""
    on = on or timezone.localdate()
    book = LoanBook.load([loan])
    rows = pos.rows_in_force(book.rows.get(loan.pk, []), on)
    settled = pos.totals(book.entries_of(loan.pk), on)
    remaining = settled.get(pos.REPAID, 0) + settled.get(pos.WRITTEN_OFF, 0)
    out = []
    for row in rows:
        covered = min(row.principal, max(remaining, 0))
        remaining -= covered
        out.append(
            {
                "due_date": row.due_date,
                "principal": row.principal,
                "settled": covered,
                "unpaid": row.principal - covered,
                "late": row.due_date < on and covered < row.principal,
            }
        )
    return out


def loan_position(*, loan: Loan, on: date | None = None) -> pos.Position | None:
    if loan.disbursed_on is None:
        return None
    on = on or timezone.localdate()
    return LoanBook.load([loan]).position(loan, on)


def loan_history(*, loan: Loan, limit: int = 50) -> list:
    return list(loan.history.select_related("history_user").order_by("-history_date", "-history_id")[:limit])


def pipeline_list(*, user, status: str) -> QuerySet[Loan]:
    """Loans waiting at one step (applied, selected, certified, approved) in the user's scope."""
    if status not in PIPELINE_STATUSES:
        status = Loan.Status.APPLIED
    return loan_list(user=user, status=status).order_by("applied_on", "id")


def pipeline_counts(*, user) -> dict[str, int]:
    qs = loan_scope(user=user).filter(status__in=PIPELINE_STATUSES)
    return {r["status"]: r["n"] for r in qs.values("status").annotate(n=Count("id"))}


# --- eligibility ------------------------------------------------------------------------------------------------
REFUSAL_NO_REVIEW = "no_recognised_review"
REFUSAL_STATUS = "status_not_eligible"
REFUSAL_AMOUNT = "amount_above_maximum"
REFUSAL_TERM = "term_above_maximum"
REFUSAL_NOT_MEMBER = "not_group_member"
REFUSAL_GROUP_NOT_APPROVED = "group_not_approved"
REFUSAL_NOT_DISADVANTAGED = "commune_not_disadvantaged"
REFUSAL_NOT_MINORITY = "not_ethnic_minority"
REFUSAL_PROGRAM_CLOSED = "program_closed"

REFUSAL_MESSAGES = {
    REFUSAL_NO_REVIEW: _("The household has no review recognised by the chairman in force on %(date)s."),
    REFUSAL_STATUS: _(
        "The household's recognised status on %(date)s is %(status)s; the programme %(program)s is for: %(allowed)s."
    ),
    REFUSAL_AMOUNT: _("The amount %(amount)s đồng is above the programme's maximum of %(maximum)s đồng."),
    REFUSAL_TERM: _("The term of %(term)s months is above the programme's maximum of %(maximum)s months."),
    REFUSAL_NOT_MEMBER: _("The household is not a member of the savings-and-loan group %(group)s on %(date)s."),
    REFUSAL_GROUP_NOT_APPROVED: _("The savings-and-loan group %(group)s is not approved by the commune."),
    REFUSAL_NOT_DISADVANTAGED: _("The programme is only for disadvantaged communes; %(commune)s is not one."),
    REFUSAL_NOT_MINORITY: _("The programme is only for ethnic-minority households."),
    REFUSAL_PROGRAM_CLOSED: _("The programme %(program)s is closed to new loans."),
}


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


def _money(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def household_credit_status(*, household: Household, on: date, years: int | None = None) -> set[str]:
    """The statuses a programme can be open to, from the recognised reviews in force on ``on``: the classification
    of the latest one, plus ``newly_escaped`` when off the poor/near-poor list for at most ``years`` years
    (CreditPolicy.newly_escaped_years, 3 under Decision 28/2015). Same dating as households.selectors: a periodic
    review takes effect on 1 January of its list year, a regular one on its recognition date."""
    reviews = Review.objects.filter(household=household, status=Review.Status.RECOGNISED).order_by(
        "list_year", "review_date", "id"
    )
    if years is None:
        years = CreditPolicy.current().newly_escaped_years
    return credit_statuses([(effective_date(r), r.classification) for r in reviews], on, years=years)


def credit_statuses(known: list[tuple[date, str]], on: date, *, years: int) -> set[str]:
    """Pure part of :func:`household_credit_status`: ``known`` holds (effective date, classification) of the
    household's recognised reviews (in list-year, review-date, id order); the statuses on ``on``."""
    known = sorted(known, key=lambda item: item[0])
    known = [(d, c) for d, c in known if d <= on]
    if not known:
        return set()
    statuses = {known[-1][1]}
    if newly_escaped(known, on, years=years):
        statuses.add("newly_escaped")
    return statuses


def loan_eligibility(*, loan: Loan, on: date) -> list[Refusal]:
    """Why the commune cannot certify ``loan`` on ``on`` (empty: eligible). Every reason is listed, not the first.
    Gathers the facts (a few queries) and applies :func:`eligibility_refusals`."""
    program = loan.program
    household = loan.household
    statuses = household_credit_status(household=household, on=on) if program.eligible_statuses else set()
    group = loan.group
    member = (
        program.requires_group_membership
        and group is not None
        and any(m.active_on(on) for m in GroupMembership.objects.filter(group=group, household=household))
    )
    return eligibility_refusals(
        program=program,
        on=on,
        statuses=statuses,
        amount=loan.amount,
        term_months=loan.term_months,
        group=group,
        member=member,
        commune=loan.commune,
        ethnic_minority=household.ethnic_minority,
    )


def eligibility_refusals(
    *,
    program,
    on: date,
    statuses: set[str],
    amount: int,
    term_months: int,
    group,
    member: bool,
    commune,
    ethnic_minority: bool,
) -> list[Refusal]:
    """The rules of certification, without queries (``loan_certify`` through :func:`loan_eligibility`, and the bulk
    writer ``credit.bulk`` with facts it loaded for many loans at once). ``statuses``: the household's credit
    statuses on ``on`` (:func:`credit_statuses`); ``member``: an active member of ``group`` on ``on``; ``group``
    and ``commune`` need ``name`` (and ``approved``, ``disadvantaged``)."""
    from .models import HouseholdStatus

    problems: list[Refusal] = []
    day = on.strftime("%d/%m/%Y")

    def refuse(code: str, **params) -> None:
        problems.append(Refusal(code, str(REFUSAL_MESSAGES[code] % params)))

    if not program.active:
        refuse(REFUSAL_PROGRAM_CLOSED, program=program.name_vi)
    if program.eligible_statuses:
        if not statuses:
            refuse(REFUSAL_NO_REVIEW, date=day)
        elif not statuses & set(program.eligible_statuses):
            labels = dict(HouseholdStatus.choices)
            refuse(
                REFUSAL_STATUS,
                date=day,
                status=", ".join(str(labels.get(s, s)) for s in sorted(statuses)),
                program=program.name_vi,
                allowed=", ".join(str(labels.get(s, s)) for s in program.eligible_statuses),
            )
    if program.max_amount is not None and amount > program.max_amount:
        refuse(REFUSAL_AMOUNT, amount=_money(amount), maximum=_money(program.max_amount))
    if program.max_term_months is not None and term_months > program.max_term_months:
        refuse(REFUSAL_TERM, term=term_months, maximum=program.max_term_months)
    if program.requires_group_membership:
        name = group.name if group else "—"
        if not member:
            refuse(REFUSAL_NOT_MEMBER, group=name, date=day)
        elif not group.approved:
            refuse(REFUSAL_GROUP_NOT_APPROVED, group=name)
    if program.requires_disadvantaged_commune and not commune.disadvantaged:
        refuse(REFUSAL_NOT_DISADVANTAGED, commune=commune.name)
    if program.requires_ethnic_minority and not ethnic_minority:
        refuse(REFUSAL_NOT_MINORITY)
    return problems


# --- groups -----------------------------------------------------------------------------------------------------
def group_list(*, user) -> QuerySet[SavingsGroup]:
    return (
        group_scope(user=user)
        .filter(dissolved_on__isnull=True)
        .select_related("village", "commune", "organisation", "leader", "transaction_point")
        .annotate(members=Count("memberships", filter=Q(memberships__left_on__isnull=True), distinct=True))
        .order_by("commune__code", "code")
    )


def group_get(*, user, pk: int) -> SavingsGroup:
    qs = group_scope(user=user).select_related("village", "commune", "organisation", "leader", "transaction_point")
    return get_object_or_404(qs, pk=pk)


def group_members(*, group: SavingsGroup, on: date | None = None) -> list[GroupMembership]:
    on = on or timezone.localdate()
    qs = group.memberships.filter(joined_on__lte=on).filter(Q(left_on__isnull=True) | Q(left_on__gt=on))
    return list(qs.select_related("household__village").order_by("household__code"))


# --- the collection sheet ---------------------------------------------------------------------------------------
def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def session_date_for(group: SavingsGroup, period: date) -> date:
    """The transaction point's session day in the month (the 15th when the group has no point yet)."""
    day = group.transaction_point.session_day if group.transaction_point_id else 15
    return period.replace(day=day)


@dataclass
class SheetLine:
    membership: GroupMembership
    loan: Loan | None
    outstanding: int = 0
    overdue: int = 0
    days_overdue: int = 0
    frozen: bool = False
    principal_due: int = 0
    interest_due: int = 0
    overdue_interest_due: int = 0
    savings_due: int = 0
    posted: dict[str, int] = field(default_factory=dict)  # kind → amount recorded by this sheet
    first_of_household: bool = True
    position: pos.Position | None = None  # on the session day, without this sheet's own entries

    @property
    def household(self) -> Household:
        return self.membership.household

    @property
    def total_due(self) -> int:
        return self.principal_due + self.interest_due + self.overdue_interest_due + self.savings_due

    @property
    def total_posted(self) -> int:
        return sum(self.posted.values())

    @property
    def late(self) -> bool:
        return self.overdue > 0


@dataclass
class Sheet:
    group: SavingsGroup
    period: date
    session_date: date
    lines: list[SheetLine]
    record: CollectionSheet | None

    @property
    def posted(self) -> bool:
        return self.record is not None and self.record.posted_at is not None

    def total(self, name: str) -> int:
        return sum(getattr(line, name) for line in self.lines)

    @property
    def totals(self) -> dict[str, int]:
        names = (
            "principal_due",
            "interest_due",
            "overdue_interest_due",
            "savings_due",
            "total_due",
            "total_posted",
            "outstanding",
            "overdue",
        )
        return {name: self.total(name) for name in names}

    @property
    def late_lines(self) -> list[SheetLine]:
        return [line for line in self.lines if line.late]


def collection_sheet(
    *, group: SavingsGroup, period: date, session_date: date | None = None, for_update: bool = False
) -> Sheet:
    """The group's sheet for the month: per member and loan, the principal due by the end of the month, the
    interest owed up to the session day, the overdue interest, the usual savings; and what this sheet recorded.

    Dues are computed without the sheet's own entries, so a posted sheet still shows what was due. A frozen loan has
    nothing due (collection is deferred while frozen). Eight queries whatever the number of members.
    """
    period = month_start(period)
    record = CollectionSheet.objects.filter(group=group, period=period).first()
    if session_date is None:
        session_date = record.session_date if record else session_date_for(group, period)
    memberships = group_members(group=group, on=session_date)
    household_ids = [m.household_id for m in memberships]
    loans_qs = Loan.objects.filter(group=group, household_id__in=household_ids, status__in=ACTIVE_STATUSES)
    if record is not None:  # a loan the sheet closed still shows what the sheet collected
        loans_qs = (
            Loan.objects.filter(group=group, household_id__in=household_ids)
            .filter(Q(status__in=ACTIVE_STATUSES) | Q(entries__sheet=record))
            .distinct()
        )
    loans_qs = loans_qs.filter(disbursed_on__lte=session_date)  # a loan disbursed later is not on this sheet
    if for_update:
        loans = list(Loan.objects.select_for_update().filter(pk__in=loans_qs.values("pk")).order_by("pk"))
    else:
        loans = list(loans_qs.order_by("pk"))
    book = LoanBook.load(loans)
    by_household: dict[int, list[Loan]] = defaultdict(list)
    for loan in loans:
        by_household[loan.household_id].append(loan)
    posted: dict[tuple[int, int | None], dict[str, int]] = defaultdict(dict)
    if record is not None:
        for household_id, loan_id, kind, amount in record.entries.values_list(
            "household_id", "loan_id", "kind", "amount"
        ):
            bucket = posted[(household_id, loan_id)]
            bucket[kind] = bucket.get(kind, 0) + amount
    last_day = month_end(period)
    lines: list[SheetLine] = []
    for membership in memberships:
        household_loans = by_household.get(membership.household_id, [])
        first = True
        for loan in household_loans or [None]:
            line = SheetLine(membership=membership, loan=loan, first_of_household=first)
            if first:
                line.savings_due = membership.monthly_savings
                line.posted.update(posted.get((membership.household_id, None), {}))
            if loan is not None:
                p = book.position(loan, session_date, without_sheet=record.pk if record else None)
                line.position = p
                line.outstanding, line.overdue, line.days_overdue, line.frozen = (
                    p.outstanding,
                    p.overdue,
                    p.days_overdue,
                    p.frozen,
                )
                if not p.frozen:
                    rows = book.rows.get(loan.pk, [])
                    due = pos.due_through(rows, session_date, last_day) - p.settled
                    line.principal_due = max(0, min(p.outstanding, due))
                    line.interest_due, line.overdue_interest_due = p.interest_due, p.overdue_interest_due
                line.posted.update(posted.get((membership.household_id, loan.pk), {}))
            lines.append(line)
            first = False
    sheet = Sheet(group=group, period=period, session_date=session_date, lines=lines, record=record)
    sheet.book = book  # services reuse the loaded book when posting
    sheet.loans = {loan.pk: loan for loan in loans}
    return sheet


# --- lists for the officer ------------------------------------------------------------------------------------
@dataclass
class OverdueItem:
    loan: Loan
    position: pos.Position


def overdue_list(*, user, as_of: date | None = None, limit: int | None = None) -> list[OverdueItem]:
    """Loans with overdue principal on ``as_of``, oldest overdue first (from the ledger, not from the status)."""
    from .portfolio import loan_positions

    as_of = as_of or timezone.localdate()
    scoped = loan_scope(user=user).filter(disbursed_on__lte=as_of)
    facts = [f for f in loan_positions(as_of=as_of, loans=scoped) if f["overdue"] > 0]
    ids = [f["loan_id"] for f in facts]
    loans = {
        loan.pk: loan
        for loan in Loan.objects.filter(pk__in=ids).select_related("household", "program", "group", "village")
    }
    book = LoanBook.load(loans.values())
    items = [OverdueItem(loans[i], book.position(loans[i], as_of)) for i in ids if i in loans]
    items.sort(key=lambda item: (-item.position.days_overdue, item.loan.pk))
    return items[:limit] if limit else items


def risk_debt_files(*, user) -> dict[str, QuerySet]:
    loans = loan_scope(user=user)
    related = ("loan__household", "loan__program", "cause", "recorded_by")
    return {
        "extensions": LoanExtension.objects.filter(loan__in=loans).select_related(*related),
        "freezes": LoanFreeze.objects.filter(loan__in=loans).select_related(*related),
        "write_offs": LoanWriteOff.objects.filter(loan__in=loans).select_related(*related),
    }


def use_checks(*, user, pending: bool = True, outcome: str = "") -> QuerySet[LoanUseCheck]:
    qs = LoanUseCheck.objects.filter(loan__in=loan_scope(user=user)).select_related(
        "loan__household", "loan__program", "loan__group", "recorded_by"
    )
    if pending:
        qs = qs.filter(checked_on__isnull=True)
    if outcome:
        qs = qs.filter(outcome=outcome)
    return qs.order_by("due_by", "id") if pending else qs.order_by("-checked_on", "-id")


def use_check_get(*, user, pk: int) -> LoanUseCheck:
    qs = LoanUseCheck.objects.filter(loan__in=loan_scope(user=user)).select_related("loan__household", "loan__group")
    return get_object_or_404(qs, pk=pk)


# --- the chairman -----------------------------------------------------------------------------------------------
def chairman_debt_summary(*, user, as_of: date | None = None) -> dict:
    """Debt quality of the communes the user serves, for the chairman's home page (a handful of queries):
    outstanding, overdue and its ratio, PAR30, frozen, written off, borrowers, groups with overdue debt, misuse found
    by loan-use checks in the last 12 months, checks past their deadline."""
    from .portfolio import portfolio_report

    as_of = as_of or timezone.localdate()
    report = portfolio_report(user=user, as_of=as_of)
    total = report.total
    checks = LoanUseCheck.objects.filter(loan__in=loan_scope(user=user))
    year_ago = as_of - timedelta(days=365)
    return {
        "as_of": as_of,
        "outstanding": total.outstanding,
        "overdue": total.overdue,
        "overdue_ratio": total.overdue_ratio,
        "par30": total.par30,
        "frozen": total.frozen,
        "written_off": total.written_off,
        "loans": total.loans,
        "groups_with_overdue": report.groups_with_overdue,
        "misused": checks.filter(outcome=LoanUseCheck.Outcome.MISUSED, checked_on__gt=year_ago).count(),
        "checks_late": checks.filter(checked_on__isnull=True, due_by__lt=as_of).count(),
    }


# --- for the risk features (batch, no user) ---------------------------------------------------------------------
@dataclass(frozen=True)
class MisuseFlag:
    household_id: int
    checks: int
    misused: int
    partly: int
    last_outcome: str
    last_checked_on: date | None


def loan_misuse_flags(*, household_ids, as_of: date) -> dict[int, MisuseFlag]:
    """Loan-use check outcomes known on ``as_of`` (checks recorded on or before it, so training never sees the
    future), per household. Households with no check are absent. Two queries."""
    qs = LoanUseCheck.objects.filter(
        loan__household_id__in=household_ids, checked_on__isnull=False, checked_on__lte=as_of
    ).exclude(outcome="")
    counts = qs.values("loan__household_id").annotate(
        n=Count("id"),
        misused=Count("id", filter=Q(outcome=LoanUseCheck.Outcome.MISUSED)),
        partly=Count("id", filter=Q(outcome=LoanUseCheck.Outcome.PARTLY)),
        last=Max("checked_on"),
    )
    last_outcome: dict[int, str] = {}
    for household_id, outcome in qs.order_by("loan__household_id", "checked_on", "id").values_list(
        "loan__household_id", "outcome"
    ):
        last_outcome[household_id] = outcome
    return {
        row["loan__household_id"]: MisuseFlag(
            household_id=row["loan__household_id"],
            checks=row["n"],
            misused=row["misused"],
            partly=row["partly"],
            last_outcome=last_outcome.get(row["loan__household_id"], ""),
            last_checked_on=row["last"],
        )
        for row in counts
    }


def loan_credit_features(*, household_ids, as_of: date) -> dict[int, dict]:
    """Per household, from the ledger as of ``as_of``: loans outstanding, outstanding principal, overdue principal,
    the longest days overdue (by ageing bucket lower bound), frozen and written-off principal. For risk features."""
    from .portfolio import loan_positions

    loans = Loan.objects.filter(household_id__in=household_ids, disbursed_on__lte=as_of)
    out: dict[int, dict] = {}
    for fact in loan_positions(as_of=as_of, loans=loans, with_household=True):
        row = out.setdefault(
            fact["household_id"],
            {
                "loans_outstanding": 0,
                "outstanding": 0,
                "overdue": 0,
                "overdue_days_min": 0,
                "frozen": 0,
                "written_off": 0,
            },
        )
        if fact["outstanding"] > 0:
            row["loans_outstanding"] += 1
        row["outstanding"] += fact["outstanding"]
        row["overdue"] += fact["overdue"]
        row["frozen"] += fact["outstanding"] if fact["frozen"] else 0
        row["written_off"] += fact["written_off"]
        row["overdue_days_min"] = max(row["overdue_days_min"], BUCKET_LOWER.get(fact["bucket"], 0))
    return out


BUCKET_LOWER = {code: low for code, low, _high in pos.BUCKETS}
