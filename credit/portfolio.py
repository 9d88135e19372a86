"""The loan portfolio as of any date, computed from the ledger and the contract schedules, in SQL.

Per loan (portable SQL: PostgreSQL in production, SQLite for the demo):

1. from the ledger, the principal accounts of the entries dated on or before the day: disbursed, settled (repaid +
   written off), written off — one ordered pass over the partial index ``ledger_principal_by_loan``;
2. what principal fell due before the day, and before the day minus 30, 90, 180 and 360 days. What is settled covers
   the oldest instalments first, so "due before day − N exceeds settled" ⟺ "the oldest unpaid instalment is more than
   N days overdue": the ageing bucket needs no per-instalment ordering. For a loan whose schedule is still the one of
   its disbursement (equal instalments on a day ≤ 28) this is integer arithmetic on the loan's closed form of that
   schedule (``Loan.sched_*``, written once at disbursement); for the others (annuity, day 29-31, or rescheduled on
   or before the day) it is read from the stored instalment rows of the version in force;
3. whether a freeze (khoanh nợ) covers the day, for a loan with principal outstanding (as ``credit.position``).

Then grouped by programme, commune, organisation and group, with one column per ageing bucket; Python rolls the
groups up to the other dimensions. On PostgreSQL a large portfolio is split into id ranges run concurrently on their
own connections, all reading one exported snapshot (the same consistent view). The definitions are in
docs/credit.md §10; ``credit.position`` computes the same figures for one loan and a test holds the two together.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, transaction
from django.db.models import Max, Min, QuerySet

from . import position as pos
from .models import LoanProgram, MassOrganization, SavingsGroup

_PRINCIPAL_ACCOUNTS_SQL = ", ".join(f"'{a}'" for a in pos.PRINCIPAL_ACCOUNTS)  # constants, not user input
_THRESHOLDS = {f"due{n}": n for n in pos.BUCKET_THRESHOLDS}  # due0, due30, due90, due180, due360
#: Split a PostgreSQL portfolio larger than this many loan ids into concurrent id ranges.
PARALLEL_MIN_IDS = 200_000


def _closed_form_due(name: str) -> str:
    """Principal of schedule version 1 due strictly before the threshold day ``name`` (closed form)."""
    months = f"(%({name}_idx)s - l.sched_month_index)"
    count = (
        f"CASE WHEN {months} <= 0 THEN 0 ELSE ({months} - 1) / l.principal_every_months"
        f" + CASE WHEN {months} %% l.principal_every_months = 0 AND l.sched_day < %({name}_day)s THEN 1 ELSE 0 END"
        " END"
    )
    return (
        f"CASE WHEN ({count}) >= l.sched_count THEN l.sched_base * (l.sched_count - 1) + l.sched_last"
        f" ELSE l.sched_base * ({count}) END"
    )


def _per_loan_sql(loan_filter: str) -> str:
    """Per-loan facts as of the day (named parameters, see :func:`_params`); ``loan_filter`` is an SQL condition on
    ``loan_id`` ("1=1" for all loans)."""
    rows_used = "(l.sched_count IS NULL OR (l.sched_changed_on IS NOT NULL AND l.sched_changed_on <= %(d)s))"
    dues = ",\n".join(
        f"CASE WHEN {rows_used} THEN COALESCE(s.{name}, 0) ELSE {_closed_form_due(name)} END AS {name}"
        for name in _THRESHOLDS
    )
    sums = ",\n".join(
        f"CAST(SUM(CASE WHEN due_date < %({name}_date)s THEN principal ELSE 0 END) AS BIGINT) AS {name}"
        for name in list(_THRESHOLDS)[1:]
    )
    return f"""
        SELECT l.id AS loan_id, l.household_id, l.program_id, l.commune_id, l.organisation_id, l.group_id,
               led.disbursed - led.settled AS outstanding, led.settled, led.written_off,
               {dues},
               CASE WHEN f.loan_id IS NULL OR led.disbursed - led.settled <= 0 THEN 0 ELSE 1 END AS frozen
        FROM (
            SELECT loan_id,
                   CAST(SUM(CASE WHEN account = '{pos.DISBURSED}' THEN amount ELSE 0 END) AS BIGINT) AS disbursed,
                   CAST(SUM(CASE WHEN account = '{pos.DISBURSED}' THEN 0 ELSE amount END) AS BIGINT) AS settled,
                   CAST(SUM(CASE WHEN account = '{pos.WRITTEN_OFF}' THEN amount ELSE 0 END) AS BIGINT) AS written_off
            FROM credit_ledgerentry
            WHERE account IN ({_PRINCIPAL_ACCOUNTS_SQL}) AND value_date <= %(d)s AND {loan_filter}
            GROUP BY loan_id
        ) led
        JOIN credit_loan l ON l.id = led.loan_id
        LEFT JOIN (
            SELECT loan_id, CAST(SUM(principal) AS BIGINT) AS due0, {sums}
            FROM credit_installment
            WHERE due_date < %(d)s AND effective_from <= %(d)s AND (superseded_on IS NULL OR superseded_on > %(d)s)
                  AND {loan_filter}
                  AND loan_id IN (
                      SELECT id FROM credit_loan
                      WHERE (sched_count IS NULL OR sched_changed_on IS NOT NULL)
                            AND (sched_count IS NULL OR sched_changed_on <= %(d)s)
                  )
            GROUP BY loan_id
        ) s ON s.loan_id = led.loan_id
        LEFT JOIN (
            SELECT DISTINCT loan_id FROM credit_loanfreeze
            WHERE frozen_from <= %(d)s AND frozen_until >= %(d)s AND {loan_filter}
        ) f ON f.loan_id = led.loan_id
    """  # noqa: S608 (only constants are interpolated; values are bound parameters)


def _fence() -> str:
    """Keep PostgreSQL from inlining a subquery: its computed columns are then evaluated once per row, not once per
    reference (the bucket is referenced by the sums above it). The per-loan subquery is left inlined on purpose: the
    dues at day − 30 … − 360 are then only computed for the loans that are overdue at all."""
    return "OFFSET 0" if connection.vendor == "postgresql" else ""


def _params(day: date, filter_params: dict) -> dict:
    params = {"d": day, **filter_params}
    for name, days in _THRESHOLDS.items():
        threshold = day - timedelta(days=days)
        params[f"{name}_date"] = threshold
        params[f"{name}_idx"] = threshold.year * 12 + threshold.month - 1
        params[f"{name}_day"] = threshold.day
    return params


# Derived per-loan columns over the rows of _per_loan_sql (aliased p). Bucket codes: 0 none, 1..5 = pos.BUCKETS.
_NOT_OVERDUE = "p.frozen = 1 OR p.outstanding <= 0 OR p.due0 <= p.settled"
_OVERDUE = f"""CASE WHEN {_NOT_OVERDUE} THEN 0
                   WHEN p.due0 - p.settled > p.outstanding THEN p.outstanding
                   ELSE p.due0 - p.settled END"""
_BUCKET = f"""CASE WHEN {_NOT_OVERDUE} THEN 0
                   WHEN p.due360 > p.settled THEN 5 WHEN p.due180 > p.settled THEN 4
                   WHEN p.due90 > p.settled THEN 3 WHEN p.due30 > p.settled THEN 2 ELSE 1 END"""


def _loan_filter(loans: QuerySet | None, loan_ids=None, id_range: tuple[int, int] | None = None) -> tuple[str, dict]:
    """An SQL condition on ``loan_id`` restricting the computation (to a scope, a list or an id range)."""
    if id_range is not None:
        condition, params = (
            "loan_id >= %(id_from)s AND loan_id < %(id_to)s",
            {
                "id_from": id_range[0],
                "id_to": id_range[1],
            },
        )
        if loans is None or not loans.query.where:  # no scope (a superuser): the range alone
            return condition, params
        # the scope's subquery restricted to the range too: each connection hashes only its part of the loan ids
        inner, inner_params = _loan_filter(loans.filter(pk__gte=id_range[0], pk__lt=id_range[1]))
        return f"{condition} AND {inner}", {**params, **inner_params}
    if loan_ids is not None:
        ids = [int(i) for i in loan_ids] or [0]
        return f"loan_id IN ({', '.join(str(i) for i in ids)})", {}  # integers only
    if loans is not None:
        inner = loans.order_by().values("pk")
        if not inner.query.where:  # unrestricted (a superuser): no filter at all
            return "1=1", {}
        try:
            sql, params = inner.query.sql_with_params()
        except EmptyResultSet:  # a user who sees nothing
            return "1=0", {}
        names = {f"scope{i}": value for i, value in enumerate(params)}
        for name in names:
            sql = sql.replace("%s", f"%({name})s", 1)
        return f"loan_id IN ({sql})", names
    return "1=1", {}


def _tune(cursor) -> None:
    """PostgreSQL, for this transaction only: memory for the per-loan aggregates; no JIT (compiling the expressions
    costs more than running them); index-only scans in loan order merged rather than hashed; no parallel workers
    (the workers would each rebuild the per-loan aggregates; large portfolios are split by id range instead)."""
    if connection.vendor != "postgresql":
        return
    for statement in (
        "SET LOCAL work_mem = '256MB'",
        "SET LOCAL jit = off",
        "SET LOCAL random_page_cost = 1.1",
        "SET LOCAL enable_hashjoin = off",
        "SET LOCAL max_parallel_workers_per_gather = 0",
    ):
        cursor.execute(statement)


def loan_positions(
    *, as_of: date, loans: QuerySet | None = None, loan_ids=None, id_range=None, with_household: bool = False
) -> list[dict]:
    """Per-loan facts as of ``as_of`` for the loans given (a queryset, ids or an id range), one row per loan that
    has a disbursement on or before the day: outstanding, overdue principal, ageing bucket, frozen, written off."""
    where, filter_params = _loan_filter(loans, loan_ids, id_range)
    sql = f"""
        SELECT p.loan_id, p.household_id, p.outstanding, p.written_off, p.frozen, {_OVERDUE} AS overdue,
               {_BUCKET} AS bucket
        FROM ({_per_loan_sql(where)}) p
        ORDER BY p.loan_id
    """  # noqa: S608 (only constants are interpolated; values are bound parameters)
    with transaction.atomic(), connection.cursor() as cursor:
        _tune(cursor)
        cursor.execute(sql, _params(as_of, filter_params))
        columns = [c[0] for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    codes = ("", *pos.BUCKET_CODES)
    for row in rows:
        row["frozen"] = bool(row["frozen"])
        row["bucket"] = codes[row["bucket"]]
        if not with_household:
            row.pop("household_id")
    return rows


# --- the report -------------------------------------------------------------------------------------------------
@dataclass
class Figures:
    """Totals of one slice of the portfolio (a programme, a commune, an organisation, a group, or everything)."""

    key: object = None
    label: str = ""
    loans: int = 0  # loans with principal outstanding
    outstanding: int = 0
    overdue: int = 0
    frozen: int = 0
    written_off: int = 0
    par30_outstanding: int = 0  # outstanding of loans more than 30 days overdue
    buckets: dict[str, dict[str, int]] = field(
        default_factory=lambda: {code: {"loans": 0, "overdue": 0, "outstanding": 0} for code in pos.BUCKET_CODES}
    )

    def add(self, bucket: int, values: tuple) -> None:
        """Add one row of the aggregate: ``bucket`` 0 (not overdue) or 1..5, values in the order of ``_SUMS``."""
        loans, outstanding, overdue, frozen, written_off = values
        self.loans += loans
        self.outstanding += outstanding
        self.overdue += overdue
        self.frozen += frozen
        self.written_off += written_off
        if bucket:
            slot = self.buckets[pos.BUCKET_CODES[bucket - 1]]
            slot["loans"] += loans
            slot["overdue"] += overdue
            slot["outstanding"] += outstanding
            if bucket > 1:  # more than 30 days overdue
                self.par30_outstanding += outstanding

    @staticmethod
    def _ratio(part: int, whole: int) -> Decimal:
        if not whole:
            return Decimal(0)
        return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def overdue_ratio(self) -> Decimal:
        """Overdue principal as a percentage of outstanding principal (frozen debt is not overdue)."""
        return self._ratio(self.overdue, self.outstanding)

    @property
    def par30(self) -> Decimal:
        """Portfolio at risk over 30 days: outstanding of loans more than 30 days overdue, as a percentage."""
        return self._ratio(self.par30_outstanding, self.outstanding)

    @property
    def frozen_ratio(self) -> Decimal:
        return self._ratio(self.frozen, self.outstanding)

    @property
    def overdue_loans(self) -> int:
        return sum(slot["loans"] for slot in self.buckets.values())


@dataclass
class Portfolio:
    as_of: date
    total: Figures
    by_program: list[Figures]
    by_commune: list[Figures]
    by_organisation: list[Figures]
    by_group: list[Figures]

    @property
    def groups_with_overdue(self) -> int:
        return sum(1 for g in self.by_group if g.overdue > 0)


#: GROUPING() bitmask of each dimension's grouping set (1 = the column is not grouped; the bucket always is).
GROUPING_SETS = {"program": 0b0111, "commune": 0b1011, "organisation": 0b1101, "group": 0b1110, "total": 0b1111}
_KEYS = ("program_id", "commune_id", "organisation_id", "group_id")
_SUMS = ("loans", "outstanding", "overdue", "frozen", "written_off")


def _aggregate_sql(where: str, program: bool) -> str:
    """Per programme × commune × organisation × group × ageing bucket (one pass over the loans, five sums), then
    rolled up to each dimension (GROUPING SETS on PostgreSQL; a UNION ALL elsewhere): a few tens of thousands of rows
    for a province. Row: grouping mask, the four keys (null when rolled up), bucket (0 = not overdue), the sums."""
    level1 = f"""
        SELECT q.program_id, q.commune_id, q.organisation_id, q.group_id, q.bucket,
               SUM(CASE WHEN q.outstanding > 0 THEN 1 ELSE 0 END) AS loans, SUM(q.outstanding) AS outstanding,
               SUM(q.overdue) AS overdue, SUM(CASE WHEN q.frozen = 1 THEN q.outstanding ELSE 0 END) AS frozen,
               SUM(q.written_off) AS written_off
        FROM (
            SELECT p.program_id, p.commune_id, p.organisation_id, p.group_id, p.frozen, p.outstanding,
                   p.written_off, {_OVERDUE} AS overdue, {_BUCKET} AS bucket
            FROM ({_per_loan_sql(where)}) p
            {"WHERE p.program_id = %(program)s" if program else ""}
            {_fence()}
        ) q
        GROUP BY q.program_id, q.commune_id, q.organisation_id, q.group_id, q.bucket
    """  # noqa: S608 (only constants are interpolated; values are bound parameters)
    sums = ", ".join(f"SUM(t.{name})" for name in _SUMS)
    if connection.vendor == "postgresql":
        keys = ", ".join(f"t.{k}" for k in _KEYS)
        sets = ", ".join(f"(t.{k}, t.bucket)" for k in _KEYS)
        return f"""
            SELECT GROUPING({keys}), {keys}, t.bucket, {sums}
            FROM ({level1}) t
            GROUP BY GROUPING SETS ({sets}, (t.bucket))
        """  # noqa: S608 (constants only)
    parts = []
    for dim, mask in GROUPING_SETS.items():
        key = None if dim == "total" else f"{dim}_id"
        columns = ", ".join(f"t.{k}" if k == key else "NULL" for k in _KEYS)
        group_by = f"t.{key}, t.bucket" if key else "t.bucket"
        parts.append(f"SELECT {mask}, {columns}, t.bucket, {sums} FROM t GROUP BY {group_by}")  # noqa: S608
    return f"WITH t AS ({level1}) " + " UNION ALL ".join(parts)  # noqa: S608 (constants only)


def _fetch(sql: str, params: dict, snapshot: str | None = None) -> list[tuple]:
    with transaction.atomic(), connection.cursor() as cursor:
        if snapshot:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
        _tune(cursor)
        cursor.execute(sql, params)
        return [tuple(int(v) if v is not None else None for v in row) for row in cursor.fetchall()]


def _ranges(loans: QuerySet, parts: int) -> list[tuple[int, int]] | None:
    """Id ranges for a concurrent run, or None when a single statement is the better choice."""
    if parts < 2 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return None
    bounds = loans.order_by().aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None or bounds["high"] - bounds["low"] < PARALLEL_MIN_IDS:
        return None
    step = (bounds["high"] - bounds["low"]) // parts + 1
    return [(bounds["low"] + i * step, bounds["low"] + (i + 1) * step) for i in range(parts)]


def _aggregate_rows(as_of: date, loans: QuerySet, program_id: int | None) -> list[tuple]:
    parts = int(getattr(settings, "CREDIT_PORTFOLIO_PARALLEL", 2))
    ranges = _ranges(loans, parts)
    extra = {"program": program_id} if program_id else {}
    if ranges is None:
        where, filter_params = _loan_filter(loans)
        return _fetch(_aggregate_sql(where, bool(program_id)), {**_params(as_of, filter_params), **extra})
    # One id range per connection, all on the snapshot this transaction exports (one consistent view).
    results: list[list[tuple] | BaseException] = [[] for _ in ranges]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]

        def work(i: int, id_range: tuple[int, int]) -> None:
            try:
                where, filter_params = _loan_filter(loans, id_range=id_range)
                sql = _aggregate_sql(where, bool(program_id))
                results[i] = _fetch(sql, {**_params(as_of, filter_params), **extra}, snapshot)
            except BaseException as exc:  # noqa: BLE001 (re-raised in the caller's thread)
                results[i] = exc
            finally:
                connections.close_all()

        threads = [threading.Thread(target=work, args=(i, r), daemon=True) for i, r in enumerate(ranges)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    rows: list[tuple] = []
    for result in results:
        if isinstance(result, BaseException):
            raise result
        rows.extend(result)
    return rows


def portfolio_report(*, user, as_of: date, program: int | None = None) -> Portfolio:
    """The portfolio of the loans in ``user``'s scope as of ``as_of`` (one aggregate statement, or one per id range
    on concurrent connections for a large PostgreSQL portfolio, plus label lookups)."""
    from areas.models import Commune

    from .selectors import loan_scope

    rows = _aggregate_rows(as_of, loan_scope(user=user), program)
    by_mask = {mask: dim for dim, mask in GROUPING_SETS.items()}
    dims: dict[str, dict] = {dim: {} for dim in GROUPING_SETS}
    for row in rows:
        dim = by_mask[row[0]]
        key = None if dim == "total" else row[1 + _KEYS.index(f"{dim}_id")]
        figures = dims[dim].get(key)
        if figures is None:
            figures = dims[dim][key] = Figures(key=key if dim != "total" else "total")
        figures.add(row[5] or 0, tuple(v or 0 for v in row[6 : 6 + len(_SUMS)]))
    total = dims.pop("total").get(None) or Figures(key="total")
    communes = [k for k in dims["commune"] if k]
    labels_of = {
        "program": LoanProgram.objects.values_list("pk", "name_vi"),
        "commune": Commune.objects.filter(pk__in=communes).values_list("pk", "name"),
        "organisation": MassOrganization.objects.values_list("pk", "name_vi"),
        # the groups of the communes in the report (no list of tens of thousands of ids in the query)
        "group": SavingsGroup.objects.filter(commune_id__in=communes).values_list("pk", "name"),
    }
    ordered = {}
    for dim, figures in dims.items():
        labels = dict(labels_of[dim])
        for key, fig in figures.items():
            fig.label = labels.get(key, "—")
        ordered[dim] = sorted(figures.values(), key=lambda f: (-f.outstanding, f.label))
    return Portfolio(
        as_of=as_of,
        total=total,
        by_program=ordered["program"],
        by_commune=ordered["commune"],
        by_organisation=ordered["organisation"],
        by_group=ordered["group"],
    )
