"""Where a loan stands on a date, from its ledger entries and its stored schedule (pure Python, no Django).

The ledger (``credit.models.LedgerEntry``) says what money moved; the stored schedule (``credit.models.Installment``)
says what principal fell due when. Everything a page, a sheet or a report shows about a loan's position is derived
here from those two, so the figures of the past can be recomputed for any date:

* outstanding principal = disbursed − principal repaid − principal written off (entries dated on or before the day);
* the principal *due before* a day: instalments of the schedule version in force that day with a due date strictly
  before it; what is *settled* (repaid + written off) covers instalments oldest first;
* overdue principal on day ``d`` = due before ``d`` − settled by ``d`` (never below 0, never above the outstanding);
  an instalment due on ``d₀`` and still unpaid at the end of ``d₀`` is overdue from ``d₀ + 1`` (1 day overdue);
* days overdue = ``d`` − the due date of the oldest unpaid instalment; ageing buckets 1-30, 31-90, 91-180, 181-360
  and over 360 days;
* a frozen loan (khoanh nợ) is not overdue while frozen and accrues no interest (its debt is reported as frozen);
* interest owed = interest accrued (``credit.schedule.accrue_interest``: daily balances, dated rates, actual/365,
  overdue principal at the programme's multiplier) − interest paid − interest written off.

Schedule versions: the schedule stored at disbursement is version 1; an extension or a freeze stores a new version
effective from its date and marks the previous rows superseded on that date. The version in force on ``d`` is the
rows with ``effective_from <= d < superseded_on``. Every version repeats the full principal (paid parts included) so
that "settled covers the oldest instalments first" holds within any version.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from .schedule import Accrual, RatePeriod, accrue_interest

ONE_DAY = timedelta(days=1)

# Accounts (what balance an entry moves). A reversal books the negated amount to the account of the entry it reverses.
DISBURSED = "principal_disbursed"
REPAID = "principal_repaid"
WRITTEN_OFF = "principal_written_off"
INTEREST_PAID = "interest_paid"
OVERDUE_INTEREST_PAID = "overdue_interest_paid"
INTEREST_WRITTEN_OFF = "interest_written_off"
SAVINGS = "savings"
PRINCIPAL_ACCOUNTS = (DISBURSED, REPAID, WRITTEN_OFF)

# Ageing buckets of overdue debt (days overdue, inclusive bounds); the code is what reports and the API use.
BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("1_30", 1, 30),
    ("31_90", 31, 90),
    ("91_180", 91, 180),
    ("181_360", 181, 360),
    ("over_360", 361, None),
)
BUCKET_CODES = tuple(code for code, _lo, _hi in BUCKETS)
#: Lower bounds (days) as thresholds: overdue more than N days ⟺ principal due before (day − N) exceeds settled.
BUCKET_THRESHOLDS = (0, 30, 90, 180, 360)


@dataclass(frozen=True)
class Entry:
    value_date: date
    account: str
    amount: int  # signed: a reversal is negative


@dataclass(frozen=True)
class Row:
    """One principal instalment of one schedule version."""

    due_date: date
    principal: int
    effective_from: date
    superseded_on: date | None = None

    def in_force(self, day: date) -> bool:
        return self.effective_from <= day and (self.superseded_on is None or day < self.superseded_on)


@dataclass(frozen=True)
class Position:
    on: date
    disbursed: int
    repaid: int
    written_off: int
    outstanding: int
    overdue: int  # overdue principal (0 while frozen)
    oldest_unpaid_due: date | None  # of the instalments overdue on ``on`` (None when nothing is overdue)
    days_overdue: int
    bucket: str  # "" when not overdue
    frozen: bool
    interest_accrued: int
    overdue_interest_accrued: int
    interest_paid: int
    overdue_interest_paid: int
    interest_written_off: int
    interest_due: int
    overdue_interest_due: int

    @property
    def settled(self) -> int:
        return self.repaid + self.written_off

    @property
    def interest_total_due(self) -> int:
        return self.interest_due + self.overdue_interest_due


def ageing_bucket(days: int) -> str:
    if days <= 0:
        return ""
    for code, low, high in BUCKETS:
        if days >= low and (high is None or days <= high):
            return code
    return BUCKETS[-1][0]


def totals(entries: Iterable[Entry], on: date | None = None) -> dict[str, int]:
    """Sum per account of the entries dated on or before ``on`` (all entries when ``on`` is None)."""
    sums: dict[str, int] = {}
    for entry in entries:
        if on is None or entry.value_date <= on:
            sums[entry.account] = sums.get(entry.account, 0) + entry.amount
    return sums


def outstanding_of(sums: dict[str, int]) -> int:
    """The ledger invariant: outstanding = disbursed − principal repaid − principal written off."""
    return sums.get(DISBURSED, 0) - sums.get(REPAID, 0) - sums.get(WRITTEN_OFF, 0)


def balance_steps(entries: Iterable[Entry]) -> list[tuple[date, int]]:
    """Outstanding principal as a step function ``[(from_day, amount)]`` (one point per day that changes it)."""
    by_day: dict[date, int] = {}
    for entry in entries:
        if entry.account == DISBURSED:
            by_day[entry.value_date] = by_day.get(entry.value_date, 0) + entry.amount
        elif entry.account in (REPAID, WRITTEN_OFF):
            by_day[entry.value_date] = by_day.get(entry.value_date, 0) - entry.amount
    steps: list[tuple[date, int]] = []
    running = 0
    for day in sorted(by_day):
        running += by_day[day]
        if not steps or steps[-1][1] != running:
            steps.append((day, running))
    return steps


def _settled_steps(entries: Iterable[Entry]) -> tuple[list[date], list[int]]:
    by_day: dict[date, int] = {}
    for entry in entries:
        if entry.account in (REPAID, WRITTEN_OFF):
            by_day[entry.value_date] = by_day.get(entry.value_date, 0) + entry.amount
    days = sorted(by_day)
    running, values = 0, []
    for day in days:
        running += by_day[day]
        values.append(running)
    return days, values


def _value_on(days: list[date], values: list[int], day: date) -> int:
    index = bisect.bisect_right(days, day) - 1
    return values[index] if index >= 0 else 0


def rows_in_force(rows: Iterable[Row], day: date) -> list[Row]:
    return sorted((r for r in rows if r.in_force(day)), key=lambda r: r.due_date)


def due_before(rows: Iterable[Row], day: date) -> int:
    """Principal of the schedule in force on ``day`` falling due strictly before ``day``."""
    return sum(r.principal for r in rows if r.in_force(day) and r.due_date < day)


def due_through(rows: Iterable[Row], day: date, through: date) -> int:
    """Principal of the schedule in force on ``day`` falling due on or before ``through``."""
    return sum(r.principal for r in rows if r.in_force(day) and r.due_date <= through)


def oldest_unpaid(rows: Iterable[Row], day: date, settled: int) -> date | None:
    """The due date of the oldest instalment (in force on ``day``) that ``settled`` does not cover."""
    cumulative = 0
    for row in rows_in_force(rows, day):
        cumulative += row.principal
        if cumulative > settled:
            return row.due_date
    return None


def is_frozen(freezes: Sequence[tuple[date, date]], day: date) -> bool:
    return any(first <= day <= last for first, last in freezes)


def overdue_on(
    *, rows: Sequence[Row], settled: int, outstanding: int, freezes: Sequence[tuple[date, date]], day: date
) -> int:
    if outstanding <= 0 or is_frozen(freezes, day):
        return 0
    return max(0, min(outstanding, due_before(rows, day) - settled))


def overdue_steps(
    *, entries: Sequence[Entry], rows: Sequence[Row], freezes: Sequence[tuple[date, date]], end: date
) -> list[tuple[date, int]]:
    """Overdue principal as a step function up to ``end`` (for the accrual of overdue interest)."""
    settled_days, settled_values = _settled_steps(entries)
    balances = balance_steps(entries)
    balance_days = [d for d, _ in balances]
    balance_values = [v for _, v in balances]
    points: set[date] = set(settled_days) | set(balance_days)
    for row in rows:
        points.add(row.due_date + ONE_DAY)
        points.add(row.effective_from)
        if row.superseded_on is not None:
            points.add(row.superseded_on)
    for first, last in freezes:
        points.add(first)
        points.add(last + ONE_DAY)
    steps: list[tuple[date, int]] = []
    for day in sorted(p for p in points if p <= end):
        value = overdue_on(
            rows=rows,
            settled=_value_on(settled_days, settled_values, day),
            outstanding=_value_on(balance_days, balance_values, day),
            freezes=freezes,
            day=day,
        )
        if (not steps and value) or (steps and steps[-1][1] != value):
            steps.append((day, value))
    return steps


def accrue(
    *,
    entries: Sequence[Entry],
    rows: Sequence[Row],
    freezes: Sequence[tuple[date, date]],
    rates: Sequence[RatePeriod],
    multiplier: Decimal,
    end: date,
) -> Accrual:
    """Interest accrued from the first disbursement up to ``end`` (exclusive): the days before the collection."""
    balances = balance_steps(entries)
    if not balances or balances[0][0] >= end:
        return Accrual(0, 0, ())
    return accrue_interest(
        balances=balances,
        overdue_balances=overdue_steps(entries=entries, rows=rows, freezes=freezes, end=end),
        rates=rates,
        start=balances[0][0],
        end=end,
        overdue_multiplier=multiplier,
        frozen=list(freezes),
    )


def position(
    *,
    entries: Sequence[Entry],
    rows: Sequence[Row],
    freezes: Sequence[tuple[date, date]],
    rates: Sequence[RatePeriod],
    multiplier: Decimal,
    on: date,
) -> Position:
    """The loan at the end of ``on``: principal by the entries dated on or before it; interest accrued up to it
    (exclusive: the interest a collection on ``on`` settles) less the interest paid on or before it."""
    sums = totals(entries, on)
    outstanding = outstanding_of(sums)
    settled = sums.get(REPAID, 0) + sums.get(WRITTEN_OFF, 0)
    frozen = outstanding > 0 and is_frozen(freezes, on)
    overdue = overdue_on(rows=rows, settled=settled, outstanding=outstanding, freezes=freezes, day=on)
    oldest = oldest_unpaid(rows, on, settled) if overdue else None
    days = (on - oldest).days if oldest else 0
    accrual = accrue(entries=entries, rows=rows, freezes=freezes, rates=rates, multiplier=multiplier, end=on)
    paid = sums.get(INTEREST_PAID, 0)
    overdue_paid = sums.get(OVERDUE_INTEREST_PAID, 0)
    waived = sums.get(INTEREST_WRITTEN_OFF, 0)
    # A write-off of interest covers overdue interest first, then in-term interest.
    overdue_raw = accrual.overdue_interest - overdue_paid
    taken = min(waived, max(overdue_raw, 0))
    return Position(
        on=on,
        disbursed=sums.get(DISBURSED, 0),
        repaid=sums.get(REPAID, 0),
        written_off=sums.get(WRITTEN_OFF, 0),
        outstanding=outstanding,
        overdue=overdue,
        oldest_unpaid_due=oldest,
        days_overdue=days,
        bucket=ageing_bucket(days),
        frozen=frozen,
        interest_accrued=accrual.interest,
        overdue_interest_accrued=accrual.overdue_interest,
        interest_paid=paid,
        overdue_interest_paid=overdue_paid,
        interest_written_off=waived,
        interest_due=max(0, accrual.interest - paid - (waived - taken)),
        overdue_interest_due=max(0, overdue_raw - taken),
    )


# --- rescheduling (extension, freeze) ---------------------------------------------------------------------------
def _split_by_settled(rows: Sequence[Row], settled: int) -> list[tuple[date, int, int]]:
    """(due date, settled part, unpaid part) of each instalment, oldest first."""
    parts = []
    remaining = settled
    for row in sorted(rows, key=lambda r: r.due_date):
        covered = min(row.principal, max(remaining, 0))
        remaining -= covered
        parts.append((row.due_date, covered, row.principal - covered))
    return parts


def _collapse(plan: Iterable[tuple[date, int]]) -> list[tuple[date, int]]:
    by_day: dict[date, int] = {}
    for day, amount in plan:
        if amount:
            by_day[day] = by_day.get(day, 0) + amount
    return sorted(by_day.items())


def reschedule_extension(
    *, rows: Sequence[Row], settled: int, on: date, new_due_date: date
) -> tuple[list[tuple[date, int]], int]:
    """An extension (gia hạn nợ) granted on ``on``: the unpaid principal due on or before ``on`` (overdue or due
    today) — or, when nothing is due yet, the next unpaid instalment — moves to ``new_due_date``. Later instalments
    keep their dates. Returns the new version's ``(due_date, principal)`` rows and the principal moved."""
    parts = _split_by_settled(rows, settled)
    unpaid = [(d, u) for d, _c, u in parts if u]
    if not unpaid:
        return _collapse((d, c) for d, c, _u in parts), 0
    moving = {d for d, _u in unpaid if d <= on} or {unpaid[0][0]}
    plan, moved = [], 0
    for due, covered, left in parts:
        plan.append((due, covered))
        if due in moving:
            moved += left
        else:
            plan.append((due, left))
    plan.append((new_due_date, moved))
    return _collapse(plan), moved


def reschedule_freeze(*, rows: Sequence[Row], settled: int, start: date, end: date) -> list[tuple[date, int]]:
    """A freeze (khoanh nợ) from ``start`` to ``end`` (inclusive): unpaid principal that fell due before ``start``
    becomes due the day after the freeze; unpaid instalments due from ``start`` on move later by the freeze's length.
    """
    shift = (end - start).days + 1
    plan = []
    for due, covered, left in _split_by_settled(rows, settled):
        plan.append((due, covered))
        if left:
            plan.append((end + ONE_DAY if due < start else due + timedelta(days=shift), left))
    return _collapse(plan)
