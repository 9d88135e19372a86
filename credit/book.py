"""Load what ``credit.position`` needs for a set of loans in a fixed number of queries (no scope: callers pass loans
they already fetched through a scoped selector, or a service holding the loans' locks)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from . import position as pos
from .models import Installment, LedgerEntry, Loan, LoanExtension, LoanFreeze, LoanProgram, RateSchedule


@dataclass
class LoanBook:
    entries: dict[int, list[tuple[pos.Entry, int | None]]] = field(default_factory=dict)  # (entry, sheet id)
    rows: dict[int, list[pos.Row]] = field(default_factory=dict)
    freezes: dict[int, list[tuple[date, date]]] = field(default_factory=dict)
    extended_until: dict[int, date] = field(default_factory=dict)
    rates: dict[int, list[pos.RatePeriod]] = field(default_factory=dict)
    multipliers: dict[int, Decimal] = field(default_factory=dict)

    @classmethod
    def load(cls, loans: Iterable[Loan]) -> LoanBook:
        """Five queries whatever the number of loans (entries, instalments, freezes, extensions, rates)."""
        loans = list(loans)
        ids = [loan.pk for loan in loans]
        book = cls()
        if not ids:
            return book
        entries: dict[int, list] = defaultdict(list)
        for loan_id, value_date, account, amount, sheet_id in (
            LedgerEntry.objects.filter(loan_id__in=ids)
            .order_by("value_date", "id")
            .values_list("loan_id", "value_date", "account", "amount", "sheet_id")
        ):
            entries[loan_id].append((pos.Entry(value_date, account, amount), sheet_id))
        rows: dict[int, list] = defaultdict(list)
        for loan_id, due, principal, start, stop in Installment.objects.filter(loan_id__in=ids).values_list(
            "loan_id", "due_date", "principal", "effective_from", "superseded_on"
        ):
            rows[loan_id].append(pos.Row(due, principal, start, stop))
        freezes: dict[int, list] = defaultdict(list)
        for loan_id, first, last in LoanFreeze.objects.filter(loan_id__in=ids).values_list(
            "loan_id", "frozen_from", "frozen_until"
        ):
            freezes[loan_id].append((first, last))
        extended: dict[int, date] = {}
        for loan_id, until in LoanExtension.objects.filter(loan_id__in=ids).values_list("loan_id", "new_due_date"):
            extended[loan_id] = max(until, extended.get(loan_id, until))
        book.entries, book.rows, book.freezes, book.extended_until = dict(entries), dict(rows), dict(freezes), extended
        program_ids = {loan.program_id for loan in loans}
        book.load_rates(program_ids)
        return book

    def load_rates(self, program_ids: Iterable[int]) -> None:
        missing = set(program_ids) - set(self.rates)
        if not missing:
            return
        rates: dict[int, list] = defaultdict(list)
        for program_id, valid_from, annual in RateSchedule.objects.filter(program_id__in=missing).values_list(
            "program_id", "valid_from", "annual_rate"
        ):
            rates[program_id].append(pos.RatePeriod(valid_from, annual))
        for program_id, multiplier in LoanProgram.objects.filter(pk__in=missing).values_list(
            "pk", "overdue_multiplier"
        ):
            self.rates[program_id] = rates.get(program_id, [])
            self.multipliers[program_id] = multiplier

    def add(self, loan_id: int, entry: pos.Entry, sheet_id: int | None = None) -> None:
        self.entries.setdefault(loan_id, []).append((entry, sheet_id))

    def entries_of(self, loan_id: int, *, without_sheet: int | None = None) -> list[pos.Entry]:
        return [e for e, sheet in self.entries.get(loan_id, []) if without_sheet is None or sheet != without_sheet]

    def position(self, loan: Loan, on: date, *, without_sheet: int | None = None) -> pos.Position:
        return pos.position(
            entries=self.entries_of(loan.pk, without_sheet=without_sheet),
            rows=self.rows.get(loan.pk, []),
            freezes=self.freezes.get(loan.pk, []),
            rates=self.rates[loan.program_id],
            multiplier=self.multipliers[loan.program_id],
            on=on,
        )

    def extended_on(self, loan_id: int, on: date) -> bool:
        until = self.extended_until.get(loan_id)
        return until is not None and until >= on
