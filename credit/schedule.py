"""Repayment schedules and interest accrual for VBSP policy loans (pure Python, no Django).

Two independent tools live here:

* :func:`build_schedule` projects a loan contract into one row per monthly due date (principal instalment,
  projected interest, balance afterwards), for the ``equal_principal`` method VBSP contracts use (equal principal
  instalments every N months, interest on the outstanding balance every month) and for a classic ``annuity``.
* :func:`accrue_interest` computes the interest actually owed over a period from the daily outstanding balance,
  dated interest rates (rates change on outstanding balances, e.g. 1 Dec 2025 under Decision 2553/QĐ-TTg),
  overdue principal (charged at ``overdue_multiplier`` × the lending rate, 130 % at VBSP) and debt-freeze windows
  (khoanh nợ: no interest accrues while the debt is frozen).

Money is whole đồng (``int``); rates are annual fractions as :class:`~decimal.Decimal` (``Decimal("0.0624")`` is
6.24 %/year). Floats are refused: binary floating point cannot represent most rates exactly. Internally every
amount is computed exactly on rationals (:class:`fractions.Fraction`) and rounded half-up (ROUND_HALF_UP, the
same result as ``Decimal.quantize(Decimal(1), ROUND_HALF_UP)`` on the exact value) only where stated.

The module imports nothing from Django so it can be used from scripts, workers and tests without settings or a
database.
"""

from __future__ import annotations

import bisect
import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Literal

__all__ = [
    "DAYS_PER_YEAR",
    "METHODS",
    "SEGMENT_PLACES",
    "Accrual",
    "Method",
    "RatePeriod",
    "ScheduleRow",
    "Segment",
    "accrue_interest",
    "add_months",
    "build_schedule",
    "monthly_rate",
]

Method = Literal["equal_principal", "annuity"]
METHODS: tuple[str, ...] = ("equal_principal", "annuity")

#: Day-count denominator of :func:`accrue_interest` (actual/365).
DAYS_PER_YEAR = 365

#: Decimal places kept in the display-only ``Decimal`` amounts of a :class:`Segment`.
SEGMENT_PLACES = 10

_ONE_DAY = timedelta(days=1)


# --------------------------------------------------------------------------------------------------------------------
# Helpers and validation
# --------------------------------------------------------------------------------------------------------------------


def _round_half_up(value: Fraction) -> int:
    """Round an exact rational to the nearest integer, halves away from zero (Decimal ROUND_HALF_UP)."""
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    return sign * ((2 * magnitude.numerator + magnitude.denominator) // (2 * magnitude.denominator))


def _fraction_to_decimal(value: Fraction, places: int) -> Decimal:
    """An exact rational as a Decimal with exactly ``places`` decimal places, rounded half-up."""
    return Decimal(_round_half_up(value * 10**places)).scaleb(-places)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_date(value: object) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _check_rate(value: object, name: str) -> Decimal:
    """Validate an annual rate: a finite Decimal in [0, 1). Floats are refused outright."""
    if isinstance(value, float):
        raise ValueError(f"{name} must be a Decimal, got the float {value!r}; use Decimal (e.g. Decimal('0.0624'))")
    if not isinstance(value, Decimal):
        raise ValueError(f"{name} must be a Decimal in [0, 1), got {value!r} ({type(value).__name__}); use Decimal")
    if not value.is_finite() or not (0 <= value < 1):
        raise ValueError(f"{name} must be a Decimal in [0, 1), got {value!r}")
    return value


def _check_date(value: object, name: str) -> date:
    if not _is_date(value):
        raise ValueError(f"{name} must be a datetime.date (not a datetime), got {value!r}")
    return value  # type: ignore[return-value]


def add_months(start: date, months: int) -> date:
    """``start`` moved by ``months`` calendar months, keeping its day, clamped to the target month's last day.

    Always computed from the original date, so 31 Jan + 1 = 28/29 Feb and 31 Jan + 2 = 31 Mar (no drift).
    """
    index = start.year * 12 + (start.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


# --------------------------------------------------------------------------------------------------------------------
# Monthly rate
# --------------------------------------------------------------------------------------------------------------------


def monthly_rate(annual_rate: Decimal) -> Decimal:
    """The monthly rate as VBSP quotes it: ``annual_rate / 12`` rounded half-up to 5 decimal places of the fraction.

    ``monthly_rate(Decimal("0.0624")) == Decimal("0.00520")`` (0.52 %/month); 0.066 → 0.00550 (0.55 %/month).
    This is for display; :func:`build_schedule` uses the unrounded ``annual_rate / 12``.
    """
    rate = _check_rate(annual_rate, "annual_rate")
    return _fraction_to_decimal(Fraction(rate) / 12, 5)


# --------------------------------------------------------------------------------------------------------------------
# Repayment schedule
# --------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleRow:
    """One monthly due date of a projected schedule. Amounts are whole đồng."""

    number: int  #: 1-based; the row is due ``number`` months after disbursement.
    due_date: date
    principal: int
    interest: int
    balance_after: int  #: outstanding principal after this row's principal is paid.

    @property
    def payment(self) -> int:
        """Principal plus interest due on this row."""
        return self.principal + self.interest


def build_schedule(
    *,
    principal: int,
    annual_rate: Decimal,
    disbursed_on: date,
    term_months: int,
    principal_every_months: int = 1,
    method: Method = "equal_principal",
) -> list[ScheduleRow]:
    """Project a loan into ``term_months`` monthly rows.

    Row ``i`` (1-based) is due ``i`` months after ``disbursed_on`` on the disbursement's day of the month, clamped to
    the month's last day (see :func:`add_months`). Interest of every row is the *projected* interest
    ``balance before the row × annual_rate / 12`` rounded half-up to the đồng (a flat month, not a day count; the
    amount actually owed is computed by :func:`accrue_interest`).

    ``equal_principal``
        Principal is repaid in ``term_months // principal_every_months`` equal whole-đồng instalments on the rows
        with ``i % principal_every_months == 0``; the remainder of the integer division is added to the LAST
        instalment. Other rows carry principal 0 (interest only).

    ``annuity``
        ``principal_every_months`` must be 1. The constant payment is the standard annuity
        ``P·r / (1 − (1 + r)^−n)`` with ``r = annual_rate / 12``, computed exactly and rounded half-up to the đồng;
        each row's principal is ``payment − interest``. The last row takes whatever principal remains, so the
        balance ends at exactly 0 and only the last payment may differ. Guarantee: every row before the last pays
        exactly the rounded payment whenever ``principal > n·(1 + r)·((1 + r)^(n−1) − 1) / r`` (about n² đồng at
        low rates; 0.75 M đồng for 240 months at 20 %). Below that, the half-đồng roundings can repay a tiny loan
        before its last row; the principal is then capped at the balance and the remaining rows are 0 (balances
        never go negative). With rate 0 the schedule equals ``equal_principal`` with period 1 (``principal // term``
        a month, the remainder on the last row).

    Raises ValueError for a non-int or non-positive principal or term, ``principal_every_months < 1``, a term that
    is not a multiple of ``principal_every_months``, a rate that is not a Decimal in [0, 1) (floats included), a
    ``disbursed_on`` that is not a date, an unknown method, or ``annuity`` with ``principal_every_months != 1``.
    """
    if not _is_int(principal) or principal <= 0:
        raise ValueError(f"principal must be a positive int (whole đồng), got {principal!r}")
    rate = _check_rate(annual_rate, "annual_rate")
    start = _check_date(disbursed_on, "disbursed_on")
    if not _is_int(term_months) or term_months <= 0:
        raise ValueError(f"term_months must be a positive int, got {term_months!r}")
    if not _is_int(principal_every_months) or principal_every_months < 1:
        raise ValueError(f"principal_every_months must be an int >= 1, got {principal_every_months!r}")
    if term_months % principal_every_months:
        raise ValueError(
            f"term_months ({term_months}) must be a multiple of principal_every_months ({principal_every_months})"
        )
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    if method == "annuity" and principal_every_months != 1:
        raise ValueError(
            f"the annuity method repays principal monthly; principal_every_months must be 1, "
            f"got {principal_every_months}"
        )

    monthly = Fraction(rate) / 12
    if method == "equal_principal":
        principals = _equal_principal_instalments(principal, term_months, principal_every_months)
    else:
        principals = None
        payment = _annuity_payment(principal, monthly, term_months)

    rows: list[ScheduleRow] = []
    balance = principal
    for number in range(1, term_months + 1):
        interest = _round_half_up(balance * monthly)
        if principals is not None:
            paid = principals[number - 1]
        elif number == term_months:
            paid = balance
        else:
            paid = min(payment - interest, balance)
        balance -= paid
        rows.append(ScheduleRow(number, add_months(start, number), paid, interest, balance))
    return rows


def _equal_principal_instalments(principal: int, term_months: int, every: int) -> list[int]:
    count = term_months // every
    base = principal // count
    last = principal - base * (count - 1)
    return [0 if i % every else (last if i == term_months else base) for i in range(1, term_months + 1)]


def _annuity_payment(principal: int, monthly: Fraction, term_months: int) -> int:
    """The rounded constant payment; with a zero rate, ``principal // term_months`` (remainder on the last row)."""
    if monthly == 0:
        return principal // term_months
    growth = (1 + monthly) ** term_months
    return _round_half_up(principal * monthly * growth / (growth - 1))


# --------------------------------------------------------------------------------------------------------------------
# Interest accrual
# --------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatePeriod:
    """An annual lending rate in force from ``valid_from`` (inclusive) until the next period starts."""

    valid_from: date
    annual_rate: Decimal

    def __post_init__(self) -> None:
        _check_date(self.valid_from, "RatePeriod.valid_from")
        _check_rate(self.annual_rate, "RatePeriod.annual_rate")


@dataclass(frozen=True)
class Segment:
    """A maximal run of days ``[start, end_exclusive)`` with the same balance, rate, overdue balance and freeze.

    ``balance`` is the TOTAL outstanding principal, ``overdue_balance`` the overdue part of it. ``interest`` is the
    in-term interest on ``balance − overdue_balance``; ``overdue_interest`` the interest on ``overdue_balance`` at
    ``annual_rate × overdue_multiplier``. Both are 0 on frozen days. The two Decimals are for display, rounded
    half-up to :data:`SEGMENT_PLACES` decimal places; :class:`Accrual` totals come from the exact values.
    """

    start: date
    end_exclusive: date
    days: int
    balance: int
    annual_rate: Decimal
    overdue_balance: int
    interest: Decimal
    overdue_interest: Decimal
    frozen: bool = False


@dataclass(frozen=True)
class Accrual:
    """Interest owed over a period, whole đồng, plus the segments it was computed from."""

    interest: int
    overdue_interest: int
    segments: tuple[Segment, ...] = field(default=())

    @property
    def total(self) -> int:
        """In-term plus overdue interest."""
        return self.interest + self.overdue_interest


def _step_function(entries: Sequence[tuple[date, int]], name: str) -> tuple[list[date], list[int]]:
    """Validate and sort ``(date, amount)`` change points; duplicates and negative or non-int amounts are errors."""
    checked: list[tuple[date, int]] = []
    for entry in entries:
        try:
            on, amount = entry
        except (TypeError, ValueError):
            raise ValueError(f"{name} entries must be (date, int) pairs, got {entry!r}") from None
        _check_date(on, f"{name} date")
        if not _is_int(amount):
            raise ValueError(f"{name} amounts must be int (whole đồng), got {amount!r} on {on.isoformat()}")
        if amount < 0:
            raise ValueError(f"{name} must not be negative, got {amount} on {on.isoformat()}")
        checked.append((on, amount))
    checked.sort(key=lambda item: item[0])
    for (previous, _), (current, _) in zip(checked, checked[1:], strict=False):
        if previous == current:
            raise ValueError(f"{name} has two entries for {current.isoformat()}")
    return [on for on, _ in checked], [amount for _, amount in checked]


def _value_on(dates: list[date], values: list, day: date, default: object = 0) -> object:
    """The value of a step function on ``day``: the latest entry dated on or before it, else ``default``."""
    index = bisect.bisect_right(dates, day) - 1
    return values[index] if index >= 0 else default


def _merge_windows(frozen: Sequence[tuple[date, date]]) -> list[tuple[date, date]]:
    """Freeze windows as sorted, merged half-open ``[start, end + 1 day)`` intervals."""
    intervals: list[tuple[date, date]] = []
    for window in frozen:
        try:
            first, last = window
        except (TypeError, ValueError):
            raise ValueError(f"frozen windows must be (start, end) date pairs, got {window!r}") from None
        _check_date(first, "frozen window start")
        _check_date(last, "frozen window end")
        if last < first:
            raise ValueError(f"frozen window ends ({last.isoformat()}) before it starts ({first.isoformat()})")
        intervals.append((first, last + _ONE_DAY))
    intervals.sort()
    merged: list[tuple[date, date]] = []
    for first, stop in intervals:
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
        else:
            merged.append((first, stop))
    return merged


def accrue_interest(
    *,
    balances: Sequence[tuple[date, int]],
    rates: Sequence[RatePeriod],
    start: date,
    end: date,
    overdue_balances: Sequence[tuple[date, int]] = (),
    overdue_multiplier: Decimal = Decimal("1.3"),
    frozen: Sequence[tuple[date, date]] = (),
) -> Accrual:
    """Interest owed for the days ``start <= d < end`` (end exclusive), from daily balances and dated rates.

    Day-count convention: **actual/365** — each day accrues ``amount × annual rate / 365``, also in leap years, the
    convention Vietnamese credit institutions use under SBV Circular 14/2017/TT-NHNN (interest calculation
    method). That VBSP applies exactly this convention to policy loans is an assumption to confirm with VBSP.

    Inputs:

    * ``balances``: the TOTAL outstanding principal as a step function: ``(d, amount)`` means ``amount`` from ``d``
      (inclusive) until the next entry. Before the first entry the balance is 0 (not yet disbursed).
    * ``overdue_balances``: the overdue part of that principal, same shape; 0 before its first entry. It must
      never exceed the balance on the same day.
    * ``rates``: the rate on day ``d`` is that of the latest period with ``valid_from <= d``, so a rate change
      inside the period splits it (rates apply to outstanding balances).
    * ``frozen``: khoanh nợ windows ``(first, last)``, both inclusive; frozen days accrue no interest of either
      kind. Windows may overlap (they are merged).

    Per day: in-term interest ``(balance − overdue) × rate / 365``; overdue interest
    ``overdue × rate × overdue_multiplier / 365`` — the overdue rate (130 % at VBSP) replaces the lending rate on
    the overdue part, it is not charged on top of it. Amounts are summed exactly and rounded half-up to the đồng
    only once, at the end. The work is done per change point, not per day, so long loans are cheap.

    Inputs may be given in any order: they are sorted. Two entries for the same date in ``balances``,
    ``overdue_balances`` or ``rates`` are rejected. Also ValueError for ``end < start``, a day in the period
    before the first rate period, negative or non-int amounts, an overdue balance above the balance, a freeze
    window ending before it starts, non-date dates, and a multiplier that is not a non-negative Decimal (floats are
    refused: use Decimal). ``start == end`` gives an empty accrual.
    """
    first_day = _check_date(start, "start")
    stop = _check_date(end, "end")
    if stop < first_day:
        raise ValueError(f"end ({stop.isoformat()}) is before start ({first_day.isoformat()})")
    if isinstance(overdue_multiplier, float):
        raise ValueError(f"overdue_multiplier must be a Decimal, got the float {overdue_multiplier!r}; use Decimal")
    if not isinstance(overdue_multiplier, Decimal) or not overdue_multiplier.is_finite() or overdue_multiplier < 0:
        raise ValueError(f"overdue_multiplier must be a non-negative Decimal, got {overdue_multiplier!r}")

    balance_dates, balance_values = _step_function(balances, "balances")
    overdue_dates, overdue_values = _step_function(overdue_balances, "overdue_balances")

    rate_list: list[RatePeriod] = []
    for period in rates:
        if not isinstance(period, RatePeriod):
            raise ValueError(f"rates must be RatePeriod instances, got {period!r}")
        rate_list.append(period)
    rate_list.sort(key=lambda period: period.valid_from)
    for previous, current in zip(rate_list, rate_list[1:], strict=False):
        if previous.valid_from == current.valid_from:
            raise ValueError(f"rates has two periods starting on {current.valid_from.isoformat()}")
    rate_dates = [period.valid_from for period in rate_list]
    rate_values = [period.annual_rate for period in rate_list]

    if first_day == stop:
        return Accrual(0, 0, ())
    if not rate_list or first_day < rate_list[0].valid_from:
        known = f"the first rate period starts on {rate_list[0].valid_from.isoformat()}" if rate_list else "no rates"
        raise ValueError(f"no interest rate defined for {first_day.isoformat()} ({known})")

    windows = _merge_windows(frozen)
    window_starts = [first for first, _ in windows]
    window_stops = [stop_ for _, stop_ in windows]

    change_points = {first_day, stop}
    for candidate in (*balance_dates, *overdue_dates, *rate_dates, *window_starts, *window_stops):
        if first_day < candidate < stop:
            change_points.add(candidate)
    points = sorted(change_points)

    multiplier = Fraction(overdue_multiplier)
    total_interest = Fraction(0)
    total_overdue = Fraction(0)
    # Raw runs: (start, stop, key) where key = (balance, rate, overdue, frozen); adjacent equal keys are merged.
    runs: list[list] = []
    for seg_start, seg_stop in zip(points, points[1:], strict=False):
        balance = _value_on(balance_dates, balance_values, seg_start)
        overdue = _value_on(overdue_dates, overdue_values, seg_start)
        rate = _value_on(rate_dates, rate_values, seg_start)
        index = bisect.bisect_right(window_starts, seg_start) - 1
        is_frozen = index >= 0 and seg_start < window_stops[index]
        if overdue > balance:
            raise ValueError(f"overdue balance ({overdue}) exceeds the balance ({balance}) on {seg_start.isoformat()}")
        key = (balance, rate, overdue, is_frozen)
        if runs and runs[-1][2] == key:
            runs[-1][1] = seg_stop
        else:
            runs.append([seg_start, seg_stop, key])

    segments: list[Segment] = []
    for seg_start, seg_stop, (balance, rate, overdue, is_frozen) in runs:
        days = (seg_stop - seg_start).days
        if is_frozen:
            interest = overdue_interest = Fraction(0)
        else:
            daily_rate = Fraction(rate) / DAYS_PER_YEAR
            interest = (balance - overdue) * daily_rate * days
            overdue_interest = overdue * daily_rate * multiplier * days
        total_interest += interest
        total_overdue += overdue_interest
        segments.append(
            Segment(
                start=seg_start,
                end_exclusive=seg_stop,
                days=days,
                balance=balance,
                annual_rate=rate,
                overdue_balance=overdue,
                interest=_fraction_to_decimal(interest, SEGMENT_PLACES),
                overdue_interest=_fraction_to_decimal(overdue_interest, SEGMENT_PLACES),
                frozen=is_frozen,
            )
        )
    return Accrual(_round_half_up(total_interest), _round_half_up(total_overdue), tuple(segments))
