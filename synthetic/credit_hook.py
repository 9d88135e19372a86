"""Where the synthetic province's loans meet the credit app: the generator plans them, the credit app writes them.

The generator decides each household's borrowing from its status, livelihood and shocks (``synthetic.generator``:
who borrows, which programme of domain.md §9.4, how much, for how long, for what, through which mass organisation,
and how it is repaid: on time, late from a day (catching up or not), or misused). Those plans are plain data,
:class:`LoanRecord`. Writing a loan (schedule, disbursement, collections, ledger entries) is the credit app's job and
must go through its own service, so that the ledger invariant and every credit rule hold for synthetic loans too.

``write_loans`` is called by ``synthetic.writer.province_write`` after the households are written; it hands the
records to the credit app's ``credit.demo.write_loan_records`` (the only way synthetic loans reach the database: the
credit app's bulk writer, ``credit.bulk``, with the rules of its services), and ``delete_loans`` to
``credit.demo.delete_province_loans`` before a synthetic province is replaced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from . import generator as G


@dataclass(frozen=True)
class LoanRecord:
    household_id: int  # the Household row's id
    village_code: str  # the savings-and-loan group is the village's group of ``organisation``
    list_year: int  # the year of disbursement; the household's status in that year's list made it eligible
    programme: str  # domain.md §9.4: poor_household, near_poor_household, newly_escaped_household, …
    amount: int  # whole đồng
    term_months: int
    disbursed_on: date
    purpose: str  # buffalo_cattle, pigs_poultry, tea_planting, rice_inputs, forest_planting, small_trade, …
    organisation: str  # farmers_union, womens_union, veterans_association, youth_union
    behaviour: str  # on_time, late, misused
    behaviour_from: date | None  # late: first instalment missed; misused: the loan-use check that found it
    caught_up_on: date | None  # late: back on schedule (None: still behind on the as-of day)
    cause: str  # the shock behind late or misused repayment (illness, death, disaster, …), "" when none


def loan_records(province: G.Province, household_ids: Sequence[int] | np.ndarray) -> list[LoanRecord]:
    """The generated loans as plain records, households named by their database ids."""
    loans = province.loans
    villages = province.layout.villages
    ids = np.asarray(household_ids)
    village_of = province.households.village

    def day(value) -> date | None:
        return None if np.isnat(value) else value.astype(object)

    return [
        LoanRecord(
            household_id=int(ids[h]),
            village_code=villages[int(village_of[h])].code,
            list_year=int(loans.list_year[i]),
            programme=G.PROGRAMMES[loans.programme[i]],
            amount=int(loans.amount[i]),
            term_months=int(loans.term_months[i]),
            disbursed_on=loans.disbursed_on[i].astype(object),
            purpose=G.PURPOSES[loans.purpose[i]],
            organisation=G.ORGANISATIONS[loans.organisation[i]],
            behaviour=G.BEHAVIOURS[loans.behaviour[i]],
            behaviour_from=day(loans.behaviour_from[i]),
            caught_up_on=day(loans.caught_up_on[i]),
            cause=G.SHOCKS[loans.cause[i]] if loans.cause[i] >= 0 else "",
        )
        for i, h in enumerate(loans.household.tolist())
    ]


def write_loans(*, loans: Sequence[LoanRecord], as_of: date, stdout=None) -> int | None:
    """Write ``loans`` through the credit app (``credit.demo.write_loan_records``: groups, eligibility, the dates of
    the application steps, disbursement, collections up to ``as_of``, loan-use checks, statuses; in bulk); the number
    written, or None when the credit app cannot take them."""
    try:
        from credit.demo import write_loan_records
    except ImportError:  # pragma: no cover (a checkout without the credit app's writer)
        return None
    return write_loan_records(loans=loans, as_of=as_of, stdout=stdout).written


def delete_loans(*, province_code: str) -> None:
    """Remove the synthetic province's loans (and groups, ledger entries) before its households are replaced."""
    try:
        from credit.demo import delete_province_loans
    except ImportError:  # pragma: no cover
        return
    delete_province_loans(province_code=province_code)


def demo_extras(*, as_of: date, seed: int) -> bool:
    """The credit app's touches for the demo, after the loans: the demo group leader (totruong1) leads the group of
    Thôn Nà Lầu, applications wait at each step in the demo villages, one loan extended, one frozen, one written off.

    Calls ``credit.demo._demo_extras`` (private in the credit app for now: its public ``build_demo_credit`` plans its
    own loans and adds nothing once loans exist). Returns False when the credit app has no such function.
    """
    import random

    try:
        from credit.demo import _demo_extras
    except ImportError:  # pragma: no cover
        return False
    from credit.models import Loan
    from households.models import Household

    villages = ["90001-01", "90001-02", "90001-03", "90001-04"]
    borrowers = Loan.objects.values("household_id")
    waiting = list(
        Household.objects.filter(village__code__in=villages, latest_classification__in=["poor", "near_poor"])
        .exclude(pk__in=borrowers)
        .select_related("village", "commune")
        .order_by("village__code", "code")[:8]
    )
    _demo_extras(waiting, as_of, random.Random(seed))
    return True
