"""Tests for credit.schedule: repayment schedules, VBSP monthly rates and interest accrual (no database needed)."""

from __future__ import annotations

import calendar
import subprocess
import sys
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credit.schedule import (
    METHODS,
    Accrual,
    RatePeriod,
    ScheduleRow,
    Segment,
    accrue_interest,
    add_months,
    build_schedule,
    monthly_rate,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
POOR_OLD = Decimal("0.066")  # poor households before 1 Dec 2025 (Decision 750/QĐ-TTg)
POOR_NEW = Decimal("0.0624")  # poor households from 1 Dec 2025 (Decision 2553/QĐ-TTg)
RATE_CUT = date(2025, 12, 1)
POOR_RATES = [RatePeriod(date(2015, 6, 5), POOR_OLD), RatePeriod(RATE_CUT, POOR_NEW)]


def half_up(value: Decimal) -> int:
    """The Decimal ROUND_HALF_UP oracle the brief specifies, independent of the module's Fraction arithmetic."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fraction_half_up(value: Fraction) -> int:
    """Round a non-negative exact rational half-up (oracle for accrual totals)."""
    assert value >= 0
    return int(value + Fraction(1, 2))  # int() truncates toward zero, i.e. floor for non-negative values


def schedule(**overrides: object) -> list[ScheduleRow]:
    arguments: dict[str, object] = {
        "principal": 50_000_000,
        "annual_rate": POOR_NEW,
        "disbursed_on": date(2026, 1, 15),
        "term_months": 36,
        "principal_every_months": 6,
        "method": "equal_principal",
    }
    arguments.update(overrides)
    return build_schedule(**arguments)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------------------------
# Purity
# --------------------------------------------------------------------------------------------------------------------


def test_module_imports_without_django() -> None:
    code = "import sys, credit.schedule; sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr or "credit.schedule imported Django"


# --------------------------------------------------------------------------------------------------------------------
# build_schedule: examples
# --------------------------------------------------------------------------------------------------------------------


def test_issue_example_equal_principal_every_six_months() -> None:
    rows = schedule()
    assert len(rows) == 36
    assert [row.number for row in rows] == list(range(1, 37))
    assert rows[0] == ScheduleRow(1, date(2026, 2, 15), 0, 260_000, 50_000_000)
    assert rows[0].payment == 260_000
    # 36 / 6 = 6 instalments: five of 50,000,000 // 6 = 8,333,333 and the last one with the remainder.
    instalments = [row.principal for row in rows if row.principal]
    assert instalments == [8_333_333] * 5 + [8_333_335]
    assert [row.number for row in rows if row.principal] == [6, 12, 18, 24, 30, 36]
    assert sum(row.principal for row in rows) == 50_000_000
    assert rows[5] == ScheduleRow(6, date(2026, 7, 15), 8_333_333, 260_000, 41_666_667)
    assert rows[6].interest == 216_667  # 41,666,667 × 0.0052 = 216,666.6684
    assert rows[-1] == ScheduleRow(36, date(2029, 1, 15), 8_333_335, 43_333, 0)  # 8,333,335 × 0.0052 = 43,333.342
    assert [row.due_date for row in rows[:4]] == [
        date(2026, 2, 15),
        date(2026, 3, 15),
        date(2026, 4, 15),
        date(2026, 5, 15),
    ]


def test_clamping_from_31_january_never_drifts() -> None:
    rows = schedule(disbursed_on=date(2026, 1, 31), term_months=14, principal_every_months=1)
    assert [row.due_date for row in rows] == [
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
        date(2026, 6, 30),
        date(2026, 7, 31),
        date(2026, 8, 31),
        date(2026, 9, 30),
        date(2026, 10, 31),
        date(2026, 11, 30),
        date(2026, 12, 31),
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
    ]


def test_clamping_leap_years() -> None:
    from_leap_day = schedule(disbursed_on=date(2024, 2, 29), term_months=48, principal_every_months=12)
    assert from_leap_day[0].due_date == date(2024, 3, 29)
    assert from_leap_day[1].due_date == date(2024, 4, 29)
    assert from_leap_day[11].due_date == date(2025, 2, 28)
    assert from_leap_day[12].due_date == date(2025, 3, 29)
    assert from_leap_day[47].due_date == date(2028, 2, 29)
    assert schedule(disbursed_on=date(2024, 1, 31), term_months=1, principal_every_months=1)[0].due_date == date(
        2024, 2, 29
    )
    assert schedule(disbursed_on=date(2023, 1, 31), term_months=1, principal_every_months=1)[0].due_date == date(
        2023, 2, 28
    )
    assert add_months(date(2099, 12, 31), 2) == date(2100, 2, 28)  # 2100 is not a leap year
    assert add_months(date(1999, 12, 30), 2) == date(2000, 2, 29)  # 2000 is
    assert add_months(date(2025, 12, 31), 1) == date(2026, 1, 31)
    assert add_months(date(2025, 3, 31), -1) == date(2025, 2, 28)


def test_single_instalment_and_remainder_only_loan() -> None:
    bullet = schedule(principal=10_000_000, term_months=12, principal_every_months=12)
    assert [row.principal for row in bullet] == [0] * 11 + [10_000_000]
    assert {row.interest for row in bullet} == {52_000}
    tiny = schedule(principal=5, term_months=36, principal_every_months=6)  # 5 // 6 == 0: all on the last row
    assert [row.principal for row in tiny if row.principal] == [5]
    assert tiny[-1].balance_after == 0


def test_zero_rate() -> None:
    rows = schedule(annual_rate=Decimal(0))
    assert {row.interest for row in rows} == {0}
    annuity = schedule(annual_rate=Decimal("0"), principal=1_000_000, term_months=7, principal_every_months=1)
    assert annuity == schedule(
        annual_rate=Decimal("0"), principal=1_000_000, term_months=7, principal_every_months=1, method="annuity"
    )
    assert [row.principal for row in annuity] == [142_857] * 6 + [142_858]


def test_annuity_example() -> None:
    rows = schedule(method="annuity", term_months=12, principal_every_months=1)
    # 50,000,000 × 0.0052 / (1 − 1.0052^−12) = 4,308,838.9…
    assert {row.payment for row in rows[:-1]} == {4_308_839}
    assert rows[0] == ScheduleRow(1, date(2026, 2, 15), 4_048_839, 260_000, 45_951_161)
    assert rows[-1].balance_after == 0
    assert rows[-1].principal == rows[-2].balance_after
    assert abs(rows[-1].payment - 4_308_839) <= 12


def test_annuity_tiny_principal_is_capped_at_the_balance() -> None:
    # Below the documented bound the half-đồng roundings may repay the loan early: no negative balance, then zeros.
    rows = schedule(
        method="annuity", principal=100, annual_rate=Decimal("0.2"), term_months=36, principal_every_months=1
    )
    balances = [row.balance_after for row in rows]
    assert min(balances) == 0 and balances == sorted(balances, reverse=True)
    assert sum(row.principal for row in rows) == 100


# --------------------------------------------------------------------------------------------------------------------
# build_schedule: validation
# --------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"principal": 0}, r"principal must be a positive int.*got 0"),
        ({"principal": -1_000_000}, r"principal must be a positive int.*got -1000000"),
        ({"principal": 1_000_000.0}, r"principal must be a positive int.*got 1000000\.0"),
        ({"principal": Decimal("1000000")}, r"principal must be a positive int.*Decimal\('1000000'\)"),
        ({"principal": True}, r"principal must be a positive int.*got True"),
        ({"principal": "1000000"}, r"principal must be a positive int.*'1000000'"),
        ({"term_months": 0}, r"term_months must be a positive int, got 0"),
        ({"term_months": -6}, r"term_months must be a positive int, got -6"),
        ({"term_months": 12.0}, r"term_months must be a positive int, got 12\.0"),
        ({"term_months": 36, "principal_every_months": 5}, r"term_months \(36\) must be a multiple of.*\(5\)"),
        ({"principal_every_months": 0}, r"principal_every_months must be an int >= 1, got 0"),
        ({"principal_every_months": -6}, r"principal_every_months must be an int >= 1, got -6"),
        ({"annual_rate": Decimal("-0.01")}, r"annual_rate must be a Decimal in \[0, 1\), got Decimal\('-0\.01'\)"),
        ({"annual_rate": Decimal("1")}, r"annual_rate must be a Decimal in \[0, 1\), got Decimal\('1'\)"),
        ({"annual_rate": Decimal("6.24")}, r"annual_rate must be a Decimal in \[0, 1\), got Decimal\('6\.24'\)"),
        ({"annual_rate": Decimal("NaN")}, r"annual_rate must be a Decimal in \[0, 1\), got Decimal\('NaN'\)"),
        ({"annual_rate": Decimal("Infinity")}, r"annual_rate must be a Decimal in \[0, 1\)"),
        ({"annual_rate": 0.0624}, r"annual_rate must be a Decimal, got the float 0\.0624; use Decimal"),
        ({"annual_rate": 0}, r"annual_rate must be a Decimal in \[0, 1\), got 0 \(int\); use Decimal"),
        ({"method": "french"}, r"unknown method 'french'; expected one of equal_principal, annuity"),
        ({"method": "annuity"}, r"annuity .* principal_every_months must be 1, got 6"),
        ({"disbursed_on": datetime(2026, 1, 15, 9, 0)}, r"disbursed_on must be a datetime\.date"),
        ({"disbursed_on": "2026-01-15"}, r"disbursed_on must be a datetime\.date.*'2026-01-15'"),
    ],
)
def test_build_schedule_rejects(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        schedule(**overrides)


# --------------------------------------------------------------------------------------------------------------------
# monthly_rate
# --------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("annual", "monthly"),
    [
        ("0.0624", "0.00520"),  # poor households from 1 Dec 2025: 0.52 %/month
        ("0.066", "0.00550"),  # poor households before: 0.55 %/month
        ("0.084", "0.00700"),  # clean water from 1 Dec 2025: 0.7 %/month
        ("0.07488", "0.00624"),  # near-poor from 1 Dec 2025
        ("0.0825", "0.00688"),  # 0.006875 rounds half up
        ("0", "0.00000"),
    ],
)
def test_monthly_rate(annual: str, monthly: str) -> None:
    result = monthly_rate(Decimal(annual))
    assert result == Decimal(monthly)
    assert str(result) == monthly


def test_monthly_rate_rejects_floats_and_out_of_range() -> None:
    with pytest.raises(ValueError, match="use Decimal"):
        monthly_rate(0.0624)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        monthly_rate(Decimal("1.2"))


# --------------------------------------------------------------------------------------------------------------------
# build_schedule: properties
# --------------------------------------------------------------------------------------------------------------------

RATES = st.integers(0, 200_000).map(lambda micro: Decimal(micro).scaleb(-6))  # 0 .. 0.2 with up to 6 places
DISBURSEMENTS = st.dates(min_value=date(2000, 1, 1), max_value=date(2035, 12, 31))


@st.composite
def loan_terms(draw: st.DrawFn) -> dict[str, object]:
    method = draw(st.sampled_from(METHODS))
    if method == "annuity":
        every, term = 1, draw(st.integers(1, 240))
    else:
        every = draw(st.sampled_from([1, 2, 3, 4, 6, 12]))
        term = every * draw(st.integers(1, 20))
    return {
        "principal": draw(st.one_of(st.integers(1, 2_000_000_000), st.integers(1, 5_000))),
        "annual_rate": draw(RATES),
        "disbursed_on": draw(DISBURSEMENTS),
        "term_months": term,
        "principal_every_months": every,
        "method": method,
    }


def annuity_bound(term: int, monthly: Fraction) -> Fraction:
    """Principal above which every annuity row but the last pays exactly the rounded payment (see the docstring)."""
    if monthly == 0:
        return Fraction(0)
    return term * (1 + monthly) * ((1 + monthly) ** (term - 1) - 1) / monthly


def decimal_annuity_payment(principal: int, annual_rate: Decimal, term: int) -> int:
    """Independent Decimal oracle for the rounded annuity payment."""
    with localcontext() as context:
        context.prec = 80
        rate = annual_rate / 12
        return half_up(principal * rate / (1 - (1 + rate) ** -term))


@settings(max_examples=200, deadline=None)
@given(loan_terms())
def test_schedule_properties(terms: dict[str, object]) -> None:
    rows = build_schedule(**terms)  # type: ignore[arg-type]
    principal: int = terms["principal"]  # type: ignore[assignment]
    rate: Decimal = terms["annual_rate"]  # type: ignore[assignment]
    disbursed: date = terms["disbursed_on"]  # type: ignore[assignment]
    term: int = terms["term_months"]  # type: ignore[assignment]
    every: int = terms["principal_every_months"]  # type: ignore[assignment]

    assert len(rows) == term
    assert [row.number for row in rows] == list(range(1, term + 1))
    assert sum(row.principal for row in rows) == principal
    assert rows[-1].balance_after == 0

    previous_balance = principal
    previous_due = disbursed
    for row in rows:
        assert row.principal >= 0
        assert row.balance_after == previous_balance - row.principal
        assert 0 <= row.balance_after <= previous_balance
        with localcontext() as context:
            context.prec = 60
            assert row.interest == half_up(Decimal(previous_balance) * rate / 12)
        assert row.due_date > previous_due
        months = (row.due_date.year - disbursed.year) * 12 + row.due_date.month - disbursed.month
        assert months == row.number
        assert row.due_date.day == min(disbursed.day, calendar.monthrange(row.due_date.year, row.due_date.month)[1])
        previous_balance, previous_due = row.balance_after, row.due_date

    if terms["method"] == "equal_principal":
        count = term // every
        base = principal // count
        assert all(row.principal == 0 for row in rows if row.number % every)
        instalments = [row.principal for row in rows if row.number % every == 0]
        assert instalments == [base] * (count - 1) + [principal - base * (count - 1)]
        assert base <= instalments[-1] < base + count
    else:
        payments = [row.payment for row in rows[:-1]]
        if rate == 0:
            assert rows == build_schedule(**{**terms, "method": "equal_principal"})  # type: ignore[arg-type]
        elif principal > annuity_bound(term, Fraction(rate) / 12):
            # The guarantee: every row but the last pays exactly the rounded annuity payment.
            assert set(payments) <= {decimal_annuity_payment(principal, rate, term)}
        else:
            # Tiny loans: the rounded payment until the balance runs out, then nothing.
            assert all(later <= earlier for earlier, later in zip(payments, payments[1:], strict=False))


# --------------------------------------------------------------------------------------------------------------------
# accrue_interest: examples
# --------------------------------------------------------------------------------------------------------------------


def test_rate_change_splits_the_period() -> None:
    """Disbursed 15 Oct 2025, 10,000,000 outstanding; 15 Nov → 15 Dec 2025 straddles the 1 Dec 2025 rate cut."""
    accrual = accrue_interest(
        balances=[(date(2025, 10, 15), 10_000_000)], rates=POOR_RATES, start=date(2025, 11, 15), end=date(2025, 12, 15)
    )
    # 15-30 Nov = 16 days at 6.6 %, 1-14 Dec = 14 days at 6.24 %:
    # 10,000,000 × 0.066 × 16 / 365 + 10,000,000 × 0.0624 × 14 / 365 = (10,560,000 + 8,736,000) / 365 = 52,865.75…
    with localcontext() as context:
        context.prec = 50
        expected = half_up(
            Decimal(10_000_000) * POOR_OLD * 16 / 365 + Decimal(10_000_000) * POOR_NEW * 14 / 365,
        )
    assert expected == 52_866
    assert accrual.interest == expected
    assert accrual.overdue_interest == 0
    assert accrual.total == expected
    first, second = accrual.segments
    assert (first.start, first.end_exclusive, first.days, first.annual_rate) == (
        date(2025, 11, 15),
        RATE_CUT,
        16,
        POOR_OLD,
    )
    assert (second.start, second.end_exclusive, second.days, second.annual_rate) == (
        RATE_CUT,
        date(2025, 12, 15),
        14,
        POOR_NEW,
    )
    assert first.interest == Decimal("28931.5068493151")  # 10,560,000 / 365
    assert second.interest == Decimal("23934.2465753425")  # 8,736,000 / 365
    assert first.balance == second.balance == 10_000_000
    assert not first.frozen and not second.frozen


def test_balance_changes_split_and_before_disbursement_is_zero() -> None:
    accrual = accrue_interest(
        balances=[(date(2026, 1, 15), 50_000_000), (date(2026, 7, 15), 41_666_667)],
        rates=POOR_RATES,
        start=date(2026, 1, 1),
        end=date(2026, 8, 1),
    )
    assert [(s.start, s.days, s.balance) for s in accrual.segments] == [
        (date(2026, 1, 1), 14, 0),
        (date(2026, 1, 15), 181, 50_000_000),
        (date(2026, 7, 15), 17, 41_666_667),
    ]
    exact = (Fraction(50_000_000 * 181) + Fraction(41_666_667 * 17)) * Fraction(POOR_NEW) / 365
    assert accrual.interest == fraction_half_up(exact)


def test_frozen_window_accrues_nothing() -> None:
    balances = [(date(2025, 10, 15), 10_000_000)]
    overdue = [(date(2026, 1, 1), 2_000_000)]
    accrual = accrue_interest(
        balances=balances,
        overdue_balances=overdue,
        rates=POOR_RATES,
        start=date(2026, 1, 1),
        end=date(2026, 2, 1),
        frozen=[(date(2026, 1, 10), date(2026, 1, 19))],  # both ends inclusive: 10 days
    )
    assert [(s.start, s.end_exclusive, s.days, s.frozen) for s in accrual.segments] == [
        (date(2026, 1, 1), date(2026, 1, 10), 9, False),
        (date(2026, 1, 10), date(2026, 1, 20), 10, True),
        (date(2026, 1, 20), date(2026, 2, 1), 12, False),
    ]
    frozen_segment = accrual.segments[1]
    assert frozen_segment.interest == frozen_segment.overdue_interest == 0
    assert frozen_segment.balance == 10_000_000 and frozen_segment.overdue_balance == 2_000_000
    # 21 accruing days: 8,000,000 in term at 6.24 %, 2,000,000 overdue at 6.24 % × 1.3.
    assert accrual.interest == fraction_half_up(Fraction(8_000_000 * 21) * Fraction(POOR_NEW) / 365)  # 28,721.0958…
    assert accrual.interest == 28_721
    assert accrual.overdue_interest == fraction_half_up(
        Fraction(2_000_000 * 21) * Fraction(POOR_NEW) * Fraction(13, 10) / 365
    )

    whole = accrue_interest(
        balances=balances,
        overdue_balances=overdue,
        rates=POOR_RATES,
        start=date(2026, 1, 1),
        end=date(2026, 2, 1),
        frozen=[
            (date(2026, 1, 5), date(2026, 1, 20)),
            (date(2025, 12, 1), date(2026, 1, 10)),
            (date(2026, 1, 21), date(2026, 3, 1)),
        ],
    )
    assert (whole.interest, whole.overdue_interest) == (0, 0)
    assert [(s.days, s.frozen) for s in whole.segments] == [(31, True)]  # overlapping and adjacent windows merge


def test_overdue_interest_is_130_percent_of_the_rate() -> None:
    accrual = accrue_interest(
        balances=[(date(2025, 10, 15), 10_000_000)],
        overdue_balances=[(date(2025, 10, 15), 0), (date(2025, 12, 16), 4_000_000)],
        rates=POOR_RATES,
        start=date(2025, 12, 1),
        end=date(2025, 12, 31),
    )
    # 1-15 Dec: 10,000,000 in term (15 days); 16-30 Dec: 6,000,000 in term + 4,000,000 overdue (15 days).
    in_term = (Decimal(10_000_000) * 15 + Decimal(6_000_000) * 15) * POOR_NEW / 365  # 41,030.14
    overdue = Decimal(4_000_000) * POOR_NEW * Decimal("1.3") * 15 / 365  # 13,334.79
    assert accrual.interest == half_up(in_term) == 41_030
    assert accrual.overdue_interest == half_up(overdue) == 13_335
    late = accrual.segments[1]
    assert (late.start, late.days, late.balance, late.overdue_balance) == (
        date(2025, 12, 16),
        15,
        10_000_000,
        4_000_000,
    )
    assert late.overdue_interest == overdue.quantize(Decimal("1e-10"), rounding=ROUND_HALF_UP)  # 13,334.7945205479

    doubled = accrue_interest(
        balances=[(date(2025, 10, 15), 10_000_000)],
        overdue_balances=[(date(2025, 12, 16), 4_000_000)],
        rates=POOR_RATES,
        start=date(2025, 12, 1),
        end=date(2025, 12, 31),
        overdue_multiplier=Decimal("2.6"),
    )
    assert doubled.interest == accrual.interest
    assert doubled.overdue_interest == half_up(overdue * 2)


def test_inputs_are_sorted() -> None:
    arguments = {
        "balances": [(date(2026, 3, 1), 6_000_000), (date(2026, 1, 1), 10_000_000)],
        "overdue_balances": [(date(2026, 5, 1), 0), (date(2026, 4, 1), 1_000_000)],
        "rates": list(reversed(POOR_RATES)),
        "frozen": [(date(2026, 6, 1), date(2026, 6, 30)), (date(2026, 2, 1), date(2026, 2, 3))],
        "start": date(2026, 1, 1),
        "end": date(2026, 7, 1),
    }
    in_order = {
        **arguments,
        "balances": sorted(arguments["balances"]),  # type: ignore[arg-type]
        "overdue_balances": sorted(arguments["overdue_balances"]),  # type: ignore[arg-type]
        "rates": POOR_RATES,
        "frozen": sorted(arguments["frozen"]),  # type: ignore[arg-type]
    }
    assert accrue_interest(**arguments) == accrue_interest(**in_order)  # type: ignore[arg-type]


def test_empty_period_and_ten_year_loan_uses_change_points() -> None:
    assert accrue_interest(balances=[], rates=[], start=date(2026, 1, 1), end=date(2026, 1, 1)) == Accrual(0, 0, ())
    disbursed = date(2026, 1, 15)
    balances = [(add_months(disbursed, month), 120_000_000 - 1_000_000 * month) for month in range(120)]
    accrual = accrue_interest(balances=balances, rates=POOR_RATES, start=disbursed, end=add_months(disbursed, 120))
    assert len(accrual.segments) == 120
    assert sum(segment.days for segment in accrual.segments) == (add_months(disbursed, 120) - disbursed).days
    exact = sum(Fraction(s.balance * s.days) * Fraction(POOR_NEW) / 365 for s in accrual.segments)
    assert accrual.interest == fraction_half_up(exact)


# --------------------------------------------------------------------------------------------------------------------
# accrue_interest: validation
# --------------------------------------------------------------------------------------------------------------------

D1 = date(2026, 1, 1)
D2 = date(2026, 2, 1)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"start": D2, "end": D1}, r"end \(2026-01-01\) is before start \(2026-02-01\)"),
        ({"rates": []}, r"no interest rate defined for 2026-01-01 \(no rates\)"),
        (
            {"rates": [RatePeriod(date(2026, 1, 10), POOR_NEW)]},
            r"no interest rate defined for 2026-01-01 \(the first rate period starts on 2026-01-10\)",
        ),
        ({"balances": [(D1, -1)]}, r"balances must not be negative, got -1 on 2026-01-01"),
        ({"balances": [(D1, 1_000.0)]}, r"balances amounts must be int.*1000\.0"),
        ({"balances": [(D1, 1), (D1, 2)]}, r"balances has two entries for 2026-01-01"),
        ({"balances": [D1]}, r"balances entries must be \(date, int\) pairs"),
        ({"balances": [("2026-01-01", 5)]}, r"balances date must be a datetime\.date"),
        ({"overdue_balances": [(D1, -5)]}, r"overdue_balances must not be negative, got -5 on 2026-01-01"),
        ({"overdue_balances": [(D2, 1), (D2, 1)]}, r"overdue_balances has two entries for 2026-02-01"),
        ({"overdue_balances": [(D1, 10_000_001)]}, r"overdue balance \(10000001\) exceeds the balance \(10000000\)"),
        (
            {"rates": [RatePeriod(D1, POOR_NEW), RatePeriod(D1, POOR_OLD)]},
            r"rates has two periods starting on 2026-01-01",
        ),
        ({"rates": [(D1, POOR_NEW)]}, r"rates must be RatePeriod instances"),
        ({"overdue_multiplier": 1.3}, r"overdue_multiplier must be a Decimal, got the float 1\.3; use Decimal"),
        ({"overdue_multiplier": Decimal("-1.3")}, r"overdue_multiplier must be a non-negative Decimal"),
        ({"overdue_multiplier": Decimal("NaN")}, r"overdue_multiplier must be a non-negative Decimal"),
        ({"frozen": [(D2, D1)]}, r"frozen window ends \(2026-01-01\) before it starts \(2026-02-01\)"),
        ({"frozen": [D1]}, r"frozen windows must be \(start, end\) date pairs"),
        ({"start": datetime(2026, 1, 1, 8, 0)}, r"start must be a datetime\.date"),
    ],
)
def test_accrue_interest_rejects(overrides: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "balances": [(date(2025, 10, 15), 10_000_000)],
        "rates": POOR_RATES,
        "start": D1,
        "end": D2,
    }
    arguments.update(overrides)
    with pytest.raises(ValueError, match=message):
        accrue_interest(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((D1, 0.0624), r"RatePeriod\.annual_rate must be a Decimal, got the float 0\.0624; use Decimal"),
        ((D1, Decimal("1")), r"RatePeriod\.annual_rate must be a Decimal in \[0, 1\)"),
        ((D1, Decimal("-0.0624")), r"RatePeriod\.annual_rate must be a Decimal in \[0, 1\)"),
        (("2026-01-01", POOR_NEW), r"RatePeriod\.valid_from must be a datetime\.date"),
    ],
)
def test_rate_period_rejects(arguments: tuple[object, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RatePeriod(*arguments)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------------------------
# accrue_interest: properties
# --------------------------------------------------------------------------------------------------------------------

BASE = date(2020, 1, 1)
HORIZON = 900  # days after BASE


def day(offset: int) -> date:
    return BASE + timedelta(days=offset)


@st.composite
def accrual_inputs(draw: st.DrawFn) -> dict[str, object]:
    """Random but consistent inputs (overdue never above the balance), deliberately shuffled."""
    balance_offsets = draw(st.lists(st.integers(0, HORIZON), min_size=1, max_size=6, unique=True))
    amounts = draw(
        st.lists(st.integers(0, 2_000_000_000), min_size=len(balance_offsets), max_size=len(balance_offsets))
    )
    first_balance, lowest = min(balance_offsets), min(amounts)
    overdue_offsets = draw(st.lists(st.integers(first_balance, HORIZON), max_size=4, unique=True))
    overdue_amounts = draw(
        st.lists(st.integers(0, lowest), min_size=len(overdue_offsets), max_size=len(overdue_offsets))
    )
    rate_offsets = [-30, *draw(st.lists(st.integers(-29, HORIZON), max_size=4, unique=True))]
    rate_values = draw(st.lists(RATES, min_size=len(rate_offsets), max_size=len(rate_offsets)))
    windows = draw(st.lists(st.tuples(st.integers(-10, HORIZON), st.integers(0, 60)), max_size=3))
    a, b, c = sorted(draw(st.lists(st.integers(0, HORIZON), min_size=3, max_size=3)))
    return {
        "balances": draw(st.permutations([(day(o), v) for o, v in zip(balance_offsets, amounts, strict=True)])),
        "overdue_balances": draw(
            st.permutations([(day(o), v) for o, v in zip(overdue_offsets, overdue_amounts, strict=True)])
        ),
        "rates": draw(st.permutations([RatePeriod(day(o), r) for o, r in zip(rate_offsets, rate_values, strict=True)])),
        "frozen": [(day(o), day(o + length)) for o, length in windows],
        "overdue_multiplier": draw(st.sampled_from([Decimal("1.3"), Decimal("1"), Decimal("1.5"), Decimal("0")])),
        "points": (day(a), day(b), day(c)),
    }


def exact_totals(accrual: Accrual, multiplier: Decimal) -> tuple[Fraction, Fraction]:
    """The exact (unrounded) interest and overdue interest, recomputed from the segments' integer/Decimal fields."""
    interest = overdue = Fraction(0)
    for s in accrual.segments:
        if not s.frozen:
            interest += Fraction(s.balance - s.overdue_balance) * Fraction(s.annual_rate) * s.days / 365
            overdue += Fraction(s.overdue_balance) * Fraction(s.annual_rate) * Fraction(multiplier) * s.days / 365
    return interest, overdue


def day_by_day(inputs: dict[str, object], start: date, end: date) -> tuple[Fraction, Fraction]:
    """Naive per-day oracle."""

    def step(entries: list[tuple[date, int]], on: date) -> int:
        dated = [amount for when, amount in sorted(entries) if when <= on]
        return dated[-1] if dated else 0

    rates: list[RatePeriod] = sorted(inputs["rates"], key=lambda p: p.valid_from)  # type: ignore[arg-type]
    multiplier = Fraction(inputs["overdue_multiplier"])  # type: ignore[arg-type]
    interest = overdue = Fraction(0)
    on = start
    while on < end:
        if not any(first <= on <= last for first, last in inputs["frozen"]):  # type: ignore[attr-defined]
            rate = Fraction([p.annual_rate for p in rates if p.valid_from <= on][-1])
            balance = step(inputs["balances"], on)  # type: ignore[arg-type]
            late = step(inputs["overdue_balances"], on)  # type: ignore[arg-type]
            interest += (balance - late) * rate / 365
            overdue += late * rate * multiplier / 365
        on += timedelta(days=1)
    return interest, overdue


def accrue(inputs: dict[str, object], start: date, end: date, **overrides: object) -> Accrual:
    arguments = {key: value for key, value in inputs.items() if key != "points"}
    arguments.update(overrides)
    return accrue_interest(start=start, end=end, **arguments)  # type: ignore[arg-type]


def check_segments(accrual: Accrual, start: date, end: date) -> None:
    segments = accrual.segments
    assert sum(s.days for s in segments) == (end - start).days
    if start == end:
        assert segments == ()
        return
    assert segments[0].start == start and segments[-1].end_exclusive == end
    for s in segments:
        assert s.days == (s.end_exclusive - s.start).days > 0
        assert 0 <= s.overdue_balance <= s.balance
    for earlier, later in zip(segments, segments[1:], strict=False):
        assert earlier.end_exclusive == later.start
        key = (earlier.balance, earlier.annual_rate, earlier.overdue_balance, earlier.frozen)
        assert key != (later.balance, later.annual_rate, later.overdue_balance, later.frozen)  # maximal runs


@settings(max_examples=200, deadline=None)
@given(accrual_inputs())
def test_accrual_matches_day_by_day_and_is_additive(inputs: dict[str, object]) -> None:
    a, b, c = inputs["points"]  # type: ignore[misc]
    multiplier: Decimal = inputs["overdue_multiplier"]  # type: ignore[assignment]
    whole, left, right = accrue(inputs, a, c), accrue(inputs, a, b), accrue(inputs, b, c)
    for accrual, (start, end) in ((whole, (a, c)), (left, (a, b)), (right, (b, c))):
        check_segments(accrual, start, end)
        exact = exact_totals(accrual, multiplier)
        assert exact == day_by_day(inputs, start, end)
        assert (accrual.interest, accrual.overdue_interest) == tuple(fraction_half_up(x) for x in exact)

    # Additivity: exact on the unrounded values, within one đồng per total after rounding.
    whole_exact, left_exact, right_exact = (exact_totals(x, multiplier) for x in (whole, left, right))
    assert whole_exact[0] == left_exact[0] + right_exact[0]
    assert whole_exact[1] == left_exact[1] + right_exact[1]
    assert abs(whole.interest - left.interest - right.interest) <= 1
    assert abs(whole.overdue_interest - left.overdue_interest - right.overdue_interest) <= 1
    # The display Decimals are rounded to 1e-10 đồng each, so their sums agree within that per segment.
    tolerance = Decimal("1e-10") * (len(whole.segments) + len(left.segments) + len(right.segments))
    for attribute in ("interest", "overdue_interest"):
        split = sum((getattr(s, attribute) for s in left.segments + right.segments), Decimal(0))
        assert abs(sum((getattr(s, attribute) for s in whole.segments), Decimal(0)) - split) <= tolerance


@settings(max_examples=200, deadline=None)
@given(accrual_inputs(), st.integers(-29, HORIZON))
def test_splitting_a_rate_period_changes_nothing(inputs: dict[str, object], offset: int) -> None:
    a, _, c = inputs["points"]  # type: ignore[misc]
    rates: list[RatePeriod] = sorted(inputs["rates"], key=lambda p: p.valid_from)  # type: ignore[arg-type]
    split_on = day(offset)
    if any(period.valid_from == split_on for period in rates):
        split_on = split_on + timedelta(days=HORIZON + 100)  # beyond every other date: still a no-op
    in_force = [period.annual_rate for period in rates if period.valid_from <= split_on][-1]
    split = accrue(inputs, a, c, rates=[*rates, RatePeriod(split_on, in_force)])
    assert split == accrue(inputs, a, c)


def test_segment_is_frozen_dataclass() -> None:
    segment = accrue_interest(balances=[(D1, 1)], rates=POOR_RATES, start=D1, end=D2).segments[0]
    assert isinstance(segment, Segment)
    with pytest.raises(AttributeError):
        segment.balance = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        schedule()[0].principal = 1  # type: ignore[misc]
