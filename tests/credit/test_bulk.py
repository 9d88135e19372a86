"""The bulk writer of past loans (credit.bulk) writes what the services would: the same loans, schedules, ledger
entries, loan-use checks and positions for the same plans; it refuses what certification refuses; it is idempotent;
the ledger invariant holds; its number of queries does not grow with the number of loans."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from credit import bulk, selectors, services
from credit import position as pos
from credit.models import Installment, LedgerEntry, Loan, LoanProgram, LoanUseCheck
from credit.portfolio import loan_positions
from credit.schedule import add_months
from tests.credit.factories import group_with_members

AS_OF = date(2026, 9, 30)  # after the rate change of 1 December 2025, before today
ORG = "womens_union"  # the factories' group organisation

LOAN_FIELDS = (
    "household_id", "group_id", "program_id", "commune_id", "village_id", "organisation_id", "purpose",
    "borrowing_plan", "amount_requested", "amount_approved", "term_months", "principal_every_months", "method",
    "status", "applied_on", "selected_on", "certified_on", "approved_on", "disbursed_on", "transaction_point_id",
    "maturity_date", "closed_on", "refusal_step", "refusal_reasons", "sched_month_index", "sched_day", "sched_count",
    "sched_base", "sched_last", "sched_changed_on", "principal_disbursed", "principal_repaid",
    "principal_written_off", "outstanding_principal",
)  # fmt: skip


def _plans(households) -> list[bulk.LoanPlan]:
    h = [x.pk for x in households]

    def plan(i, **kw):
        values = {
            "household_id": h[i],
            "programme": "poor_household",
            "amount": 30_000_000,
            "term_months": 36,
            "disbursed_on": date(2025, 2, 10),
            "purpose": "livestock",
            "organisation": ORG,
            "borrowing_plan": "Nuôi bò",
        }
        return bulk.LoanPlan(**{**values, **kw})

    return [
        plan(0),  # on time
        plan(1, amount=45_000_000, disbursed_on=date(2025, 3, 2), behaviour="late", behaviour_from=date(2025, 8, 1),
             caught_up_on=date(2026, 1, 20)),  # late, catches up after the rate change
        plan(2, amount=25_000_000, term_months=24, disbursed_on=date(2025, 4, 28), behaviour="late",
             behaviour_from=date(2025, 10, 1)),  # late, still behind
        plan(3, disbursed_on=date(2025, 5, 5), behaviour="misused", behaviour_from=date(2025, 6, 20),
             cause="Dùng vốn mua xe máy "),  # misused, found by the check
        plan(4, amount=12_000_000, term_months=12, disbursed_on=date(2025, 2, 20)),  # repaid and closed
        plan(5, amount=17_000_001, term_months=12, disbursed_on=date(2025, 3, 1), behaviour="late",
             behaviour_from=date(2025, 8, 1), caught_up_on=date(2026, 5, 1)),  # closes when catching up, overdue
        plan(6, amount=20_000_000, term_months=7, disbursed_on=date(2026, 9, 3)),  # period 1 (7 % 6), no session
        plan(7),  # a non-poor household: certification refuses it
    ]  # fmt: skip


@pytest.fixture
def borrowers(province):
    """An approved group of village a1 (Women's Union, session day 15): seven poor households, one non-poor."""
    group, households = group_with_members(province["a1"], statuses=["poor"] * 7 + ["non_poor"])
    return group, households


def _through_services(plans, as_of) -> dict[str, int]:
    """The services path: apply → select → certify → approve → disburse, each collection posted with
    ``loan_collection_post`` at the group's monthly sessions (what the position says is due, as the plan's
    behaviour pays it), the loan-use check recorded with ``loan_use_check_record``, the statuses refreshed."""
    from credit.models import SavingsGroup
    from households.models import Household

    refused = 0
    for plan in plans:
        household = Household.objects.get(pk=plan.household_id)
        group = SavingsGroup.objects.get(village=household.village, organisation__code=plan.organisation)
        program = LoanProgram.objects.get(code=plan.programme)
        every = program.default_principal_every_months
        every = every if plan.term_months % every == 0 else 1
        disbursed = plan.disbursed_on.replace(day=group.transaction_point.session_day)
        if disbursed > as_of:
            disbursed = add_months(disbursed, -1)
        applied = disbursed - timedelta(days=20)
        loan = services.loan_apply(
            household=household,
            program=program,
            group=group,
            amount=plan.amount,
            purpose=plan.purpose,
            applied_on=applied,
            term_months=plan.term_months,
            principal_every_months=every,
            borrowing_plan=plan.borrowing_plan,
        )
        loan = services.loan_group_select(loan=loan, on=applied + timedelta(days=3))
        loan = services.loan_certify(loan=loan, on=applied + timedelta(days=7))
        if loan.status == Loan.Status.REFUSED:
            refused += 1
            continue
        loan = services.loan_approve(loan=loan, on=applied + timedelta(days=12))
        services.loan_disburse(
            loan=loan, on=disbursed, transaction_point=group.transaction_point, idempotency_key=f"s:{loan.pk}"
        )
        loan.refresh_from_db()
        rows = [r.as_row() for r in loan.installments.all()]
        k = 1
        while (session := add_months(disbursed, k)) <= as_of:
            k += 1
            behind = (
                plan.behaviour == "late"
                and plan.behaviour_from <= session
                and (plan.caught_up_on is None or session < plan.caught_up_on)
            )
            if behind:
                continue
            p = selectors.loan_position(loan=loan, on=session)
            if p.outstanding <= 0 and p.interest_total_due <= 0:
                break
            principal = max(0, min(p.outstanding, pos.due_through(rows, session, session) - p.settled))
            if principal or p.interest_due or p.overdue_interest_due:
                services.loan_collection_post(
                    loan=loan,
                    on=session,
                    principal=principal,
                    interest=p.interest_due,
                    overdue_interest=p.overdue_interest_due,
                    idempotency_key=f"s:{loan.pk}:{session}",
                )
        check = loan.use_checks.get()
        if plan.behaviour == "misused" and plan.behaviour_from <= as_of:
            services.loan_use_check_record(
                check=check, on=plan.behaviour_from, outcome="misused", checker="organisation", notes=plan.cause
            )
        elif check.due_by <= as_of:
            services.loan_use_check_record(check=check, on=check.due_by, outcome="as_planned", checker="organisation")
    services.loan_status_refresh(id_from=0, id_to=2**62, on=as_of)
    return {"refused": refused}


def _snapshot(as_of) -> dict:
    """Everything written, by (household, programme), without ids and write times."""
    out = {}
    for loan in Loan.objects.exclude(status=Loan.Status.REFUSED).select_related("program"):
        key = (loan.household_id, loan.program.code)
        fields = {name: getattr(loan, name) for name in LOAN_FIELDS}
        instalments = sorted(
            (i.schedule_version, i.number, i.due_date, i.principal, i.effective_from, i.superseded_on, i.reason)
            for i in Installment.objects.filter(loan=loan)
        )
        entries = sorted(
            (e.kind, e.account, e.amount, e.value_date, e.household_id, e.group_id, e.transaction_point_id, e.note)
            for e in LedgerEntry.objects.filter(loan=loan)
        )
        checks = sorted(
            (c.due_by, c.checked_on, c.outcome, c.checker, c.notes) for c in LoanUseCheck.objects.filter(loan=loan)
        )
        days = [loan.disbursed_on + timedelta(days=n) for n in range(0, (as_of - loan.disbursed_on).days + 1, 17)]
        positions = [selectors.loan_position(loan=loan, on=d) for d in [*days, as_of]]
        sql = loan_positions(as_of=as_of, loan_ids=[loan.pk])
        for row in sql:
            row.pop("loan_id")
        out[key] = {
            "loan": fields,
            "instalments": instalments,
            "entries": entries,
            "checks": checks,
            "positions": positions,
            "sql": sql,
        }
    return out


@pytest.mark.django_db
def test_bulk_and_services_write_the_same_loans(borrowers):
    group, households = borrowers
    plans = _plans(households)
    savepoint = transaction.savepoint()
    reference = _through_services(plans, AS_OF)
    by_services = _snapshot(AS_OF)
    refused_reasons = list(Loan.objects.filter(status=Loan.Status.REFUSED).values_list("refusal_reasons", flat=True))
    transaction.savepoint_rollback(savepoint)
    assert not Loan.objects.exists()

    result = bulk.loans_write(plans=plans, as_of=AS_OF)
    by_bulk = _snapshot(AS_OF)

    assert reference["refused"] == result.refused == 1
    assert result.refusals == {c["code"]: 1 for c in refused_reasons[0]} == {"status_not_eligible": 1}
    assert result.written == len(plans) - 1 == len(by_bulk) == len(by_services)
    assert set(by_bulk) == set(by_services)
    for key in by_services:
        for part in ("loan", "instalments", "entries", "checks", "positions", "sql"):
            assert by_bulk[key][part] == by_services[key][part], (key, part)
    statuses = {v["loan"]["status"] for v in by_bulk.values()}
    assert statuses == {"closed", "overdue", "repaying"}  # the plans cover each outcome
    kinds = {e[0] for v in by_bulk.values() for e in v["entries"]}
    assert kinds == {"disbursement", "principal", "interest", "overdue_interest"}
    assert result.entries == sum(len(v["entries"]) for v in by_bulk.values())
    # one creation row of history per loan, with the reason
    for loan in Loan.objects.all():
        assert [h.history_type for h in loan.history.all()] == ["+"]
        assert loan.history.get().history_change_reason == bulk.HISTORY_REASON


@pytest.mark.django_db
def test_bulk_is_idempotent_and_keeps_the_invariant(borrowers):
    group, households = borrowers
    plans = _plans(households)
    first = bulk.loans_write(plans=plans, as_of=AS_OF)
    counts = (Loan.objects.count(), LedgerEntry.objects.count(), Installment.objects.count())
    second = bulk.loans_write(plans=plans, as_of=AS_OF)
    assert (second.written, second.entries, second.skipped) == (0, 0, first.written)
    assert (Loan.objects.count(), LedgerEntry.objects.count(), Installment.objects.count()) == counts
    services.ledger_invariant_check(Loan.objects.values_list("pk", flat=True))
    for loan in Loan.objects.all():
        sums = pos.totals(e.as_entry() for e in loan.entries.all())
        assert loan.outstanding_principal == pos.outstanding_of(sums) == loan.amount - loan.principal_repaid


@pytest.mark.django_db
def test_refused_plans_are_counted_not_written(borrowers):
    group, households = borrowers
    non_poor = households[7]
    plans = [
        bulk.LoanPlan(non_poor.pk, "poor_household", 30_000_000, 36, date(2025, 3, 1), "livestock", ORG),
        bulk.LoanPlan(households[0].pk, "poor_household", 300_000_000, 36, date(2025, 3, 1), "livestock", ORG),
        bulk.LoanPlan(households[1].pk, "poor_household", 30_000_000, 240, date(2025, 3, 1), "livestock", ORG),
        bulk.LoanPlan(households[2].pk, "no_such_programme", 30_000_000, 36, date(2025, 3, 1), "livestock", ORG),
        bulk.LoanPlan(households[3].pk, "poor_household", 30_000_000, 36, date(2025, 3, 1), "livestock", ORG),
    ]
    result = bulk.loans_write(plans=plans, as_of=AS_OF)
    assert (result.written, result.refused) == (1, 4)
    assert result.refusals == {
        "status_not_eligible": 1,
        "amount_above_maximum": 1,
        "term_above_maximum": 1,
        bulk.REFUSED_UNKNOWN_PROGRAMME: 1,
    }
    assert list(Loan.objects.values_list("household_id", flat=True)) == [households[3].pk]


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_number_of_loans(province):
    group, households = group_with_members(province["a1"], members=12)
    plans = [
        bulk.LoanPlan(h.pk, "poor_household", 30_000_000, 36, date(2025, 2, 1) + timedelta(days=9 * i), "crops", ORG)
        for i, h in enumerate(households)
    ]
    counts = []
    for n in (3, 12):
        savepoint = transaction.savepoint()
        with CaptureQueriesContext(connection) as queries:
            result = bulk.loans_write(plans=plans[:n], as_of=AS_OF)
        assert result.written == n
        counts.append(len(queries))
        transaction.savepoint_rollback(savepoint)
    assert counts[1] <= counts[0] <= 40, counts


def _schema(tables) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [tables])
        indexes = sorted(cursor.fetchall())
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = ANY(%s::regclass[])",
            [tables],
        )
        return indexes, sorted(cursor.fetchall())


@pytest.mark.django_db
def test_a_large_load_puts_the_indexes_and_foreign_keys_back(borrowers):
    """On PostgreSQL a large load drops the written tables' indexes and foreign keys and rebuilds them from their
    own definitions before the commit (forced here on a few loans)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    group, households = borrowers
    tables = [model._meta.db_table for model in bulk.DEFERRED]
    before = _schema(tables)
    assert any("idempotency_key" in d for _t, _n, d in before[0])
    result = bulk.loans_write(plans=_plans(households), as_of=AS_OF, defer_indexes=True)
    assert result.written == 7 and result.seconds["indexes"] >= 0
    assert _schema(tables) == before
    services.ledger_invariant_check(result.loan_ids)
