"""Many loans with their past at once: the bulk writer of synthetic and demo loans (never of a real loan).

A real loan goes through the services one step at a time (``credit.services``: apply → group selection →
certification → approval → disbursement, each under the loan's lock, with its history row; then every collection
as it is posted). That is right for a person at a counter and takes tens of milliseconds a loan: the ~290,000 loans
of a synthetic province of a million households would take hours. :func:`loans_write` writes plain loan plans
(:class:`LoanPlan`) that already happened, with the same rules and the same arithmetic, in a fixed number of
statements per chunk:

* **groups**: one approved savings-and-loan group per village and entrusted organisation (reused when it exists)
  at the commune's transaction point, members from the village up to the policy's maximum, approved only when it has
  the policy's minimum (a smaller one takes non-borrowing households of the village, like the services' rule);
* **eligibility** on the certification day by :func:`credit.selectors.eligibility_refusals` — the function
  ``loan_certify`` applies through ``loan_eligibility`` — with the statuses of :func:`credit.selectors.
  credit_statuses` from the household's recognised reviews; a refused plan is counted (by reason), not written;
  also refused: amount ≤ 0, a term not a multiple of the principal period, no rate in force on the disbursement day,
  a transaction point outside the loan's commune, a day in the future (the services' own checks);
* the **schedule** of version 1 from :func:`credit.schedule.build_schedule` (its principal rows stored as
  ``Installment`` rows, as ``loan_disburse`` stores them) and its closed form from
  :func:`credit.services.schedule_closed_form`;
* the **ledger**: the disbursement, then at every monthly session up to ``as_of`` what the borrower pays —
  principal due through the session less what is settled, interest and overdue interest owed — as
  ``credit.position.position`` computes them (actual/365 on the daily balance, dated rates, the overdue principal
  at the programme's multiplier from the day after its due date, one half-up rounding of each cumulative sum),
  here with exact integer arithmetic over whole months instead of one position per session; a late borrower pays
  nothing from ``behaviour_from`` until ``caught_up_on``, then everything due; collection stops once all is paid;
* the **loan-use check** (found misused on ``behaviour_from``, else as planned on its due day if past);
* the loan's **dates** (applied 20 days before the disbursement, selected 3 days later, certified 7, approved 12),
  its kept **position** (disbursed, repaid, written off, outstanding) and **status** as of ``as_of`` (closed on the
  day of the posting that repaid it, overdue when principal due before ``as_of`` is unpaid, else repaying);
* **history**: one creation row (django-simple-history, ``+``) per loan, loan-use check, group and membership
  written, with :data:`HISTORY_REASON` — not one row per lifecycle step: those steps' dates are on the loan itself,
  and rows stamped "now" for steps of years ago would tell nothing true;
* the **ledger invariant** (``services.ledger_invariant_check``) over every loan written, by chunks, before commit.

PostgreSQL: ``COPY … FROM STDIN`` (``config.bulk.copy_frame``) with ids from the tables' sequences; elsewhere
(SQLite, the embedded default): ``bulk_create`` (``bulk_create_with_history`` where there is history). Idempotent: a
plan whose household already has a loan of the programme disbursed that day is skipped. One transaction.
``tests/credit/test_bulk.py`` holds this path and the services path together, loan by loan.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from math import lcm
from types import SimpleNamespace

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from households.models import Household, Review

from . import position as pos
from . import services
from .models import (
    CreditPolicy,
    GroupMembership,
    Installment,
    LedgerEntry,
    Loan,
    LoanProgram,
    LoanUseCheck,
    MassOrganization,
    SavingsGroup,
    TransactionPoint,
)
from .schedule import add_months, build_schedule
from .selectors import credit_statuses, eligibility_refusals

HISTORY_REASON = "Written in bulk with its past (credit.bulk)"
SESSION_DAYS = (8, 10, 12, 15, 18, 20)
SHORT_NAMES = {
    "farmers_union": "Nông dân",
    "womens_union": "Phụ nữ",
    "veterans_association": "Cựu chiến binh",
    "youth_union": "Thanh niên",
}
#: Days before the disbursement of each step (the dates the services would have been called on).
APPLIED_BEFORE, SELECTED_AFTER, CERTIFIED_AFTER, APPROVED_AFTER = 20, 3, 7, 12
#: Refusal codes of the checks the services make outside ``loan_eligibility``.
REFUSED_UNKNOWN_PROGRAMME = "unknown_programme"
REFUSED_AMOUNT = "amount_positive"
REFUSED_TERM_EVERY = "term_every"
REFUSED_NO_RATE = "no_rate"
REFUSED_POINT = "point_commune"
REFUSED_FUTURE = "future"
REFUSED_NO_GROUP = "no_group"
CHUNK_LOANS = 20_000  # loans computed and written together (a few million cells of the session matrices)
QUERY_CHUNK = 20_000  # ids in one ``IN (…)``
INVARIANT_CHUNK = 5_000
#: From this many loans, on PostgreSQL, the written tables' indexes and foreign keys are built once after the load.
DEFER_INDEXES_FROM = 50_000


DEFERRED = (
    Loan,
    Loan.history.model,
    Installment,
    LedgerEntry,
    LoanUseCheck,
    LoanUseCheck.history.model,
)


@dataclass(frozen=True)
class LoanPlan:
    """A loan that happened, as plain data: who, which programme, how much, how long, when, and how it was repaid."""

    household_id: int
    programme: str  # LoanProgram.code
    amount: int  # whole đồng
    term_months: int
    disbursed_on: date  # the planned day: the disbursement is at the group's monthly session of that month
    purpose: str  # Loan.Purpose
    organisation: str  # MassOrganization.code: the group is the village's group of this organisation
    borrowing_plan: str = ""
    behaviour: str = "on_time"  # on_time, late, misused
    behaviour_from: date | None = None  # late: first session missed; misused: the check that found it
    caught_up_on: date | None = None  # late: pays again from this day (None: still behind)
    cause: str = ""  # misused: the check's notes


@dataclass
class BulkResult:
    written: int = 0
    refused: int = 0
    skipped: int = 0  # already written (idempotency)
    entries: int = 0  # ledger entries, disbursements included
    instalments: int = 0
    groups: int = 0  # groups holding the plans' borrowers
    groups_created: int = 0
    members_added: int = 0
    refusals: dict[str, int] = field(default_factory=dict)
    loan_ids: list[int] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def _say(stdout, message: str) -> None:
    if stdout is not None:
        stdout.write(message)


def _chunks(items: Sequence, size: int = QUERY_CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- writing rows -----------------------------------------------------------------------------------------------
def _pg() -> bool:
    return connection.vendor == "postgresql"


def _new_ids(model, n: int) -> np.ndarray:
    """Ids for ``n`` new rows: from the table's sequence on PostgreSQL, after the largest id elsewhere (SQLite: the
    transaction holds the database's write lock)."""
    if _pg():
        from config.bulk import reserve_ids

        return reserve_ids(model._meta.db_table, n)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")  # noqa: S608 (a model's table)
        return cursor.fetchone()[0] + 1 + np.arange(n, dtype=np.int64)


def _days_text(days: np.ndarray) -> np.ndarray:
    """datetime64[D] → ISO text for COPY (NaT → None: NULL)."""
    text = np.datetime_as_string(days.astype("datetime64[D]"), unit="D").astype(object)
    text[np.isnat(days)] = None
    return text


def _write(model, columns: dict[str, object], *, history: bool = False, now=None) -> int:
    """Write rows given as columns (attnames; numpy arrays, lists or scalars; datetime64[D] for dates). COPY on
    PostgreSQL (history rows too), ``bulk_create`` / ``bulk_create_with_history`` elsewhere. Returns the count."""
    n = max((len(v) for v in columns.values() if isinstance(v, np.ndarray | list)), default=0)
    if n == 0:
        return 0
    fields = {f.attname: f for f in model._meta.concrete_fields}
    unknown = set(columns) - set(fields)
    if unknown:
        raise RuntimeError(f"{model.__name__} has no field(s) {sorted(unknown)}")
    now = now or timezone.now()
    if _pg():
        from config.bulk import copy_frame

        frame = pd.DataFrame({name: _pg_column(value, n) for name, value in columns.items()})
        blank = tuple(
            name for name in frame.columns if not fields[name].null and fields[name].get_internal_type() in _TEXT
        )
        copy_frame(model._meta.db_table, frame, blank=blank)
        if history:
            historical = model.history.model
            hfields = {f.attname for f in historical._meta.concrete_fields}
            hframe = frame[[c for c in frame.columns if c in hfields]].copy()
            hframe["history_date"] = now.isoformat()
            hframe["history_type"] = "+"
            hframe["history_change_reason"] = HISTORY_REASON
            hblank = tuple(c for c in blank if c in hframe.columns)
            copy_frame(historical._meta.db_table, hframe, blank=hblank)
        return n
    rows = pd.DataFrame({name: _py_column(value, n) for name, value in columns.items()}).to_dict("records")
    objs = [model(**{k: (None if v is pd.NaT else v) for k, v in row.items()}) for row in rows]
    if history:
        from simple_history.utils import bulk_create_with_history

        bulk_create_with_history(objs, model, batch_size=2_000, default_change_reason=HISTORY_REASON, default_date=now)
    else:
        model.objects.bulk_create(objs, batch_size=2_000)
    return n


_TEXT = ("CharField", "TextField", "JSONField")


def _pg_column(value, n: int):
    if isinstance(value, np.ndarray) and value.dtype.kind == "M":
        return _days_text(value)
    if isinstance(value, np.ndarray) and value.dtype == object and n and value[0] is None:
        return value
    return value


def _py_column(value, n: int):
    if isinstance(value, np.ndarray) and value.dtype.kind == "M":
        return value.astype("datetime64[D]").astype(object)
    if isinstance(value, np.ndarray) and value.dtype.kind in "iu":
        return value.astype(object)  # Python ints (SQLite's adapter takes no numpy scalars)
    return value


# --- groups -----------------------------------------------------------------------------------------------------
@dataclass
class _Group:
    pk: int
    name: str
    commune_id: int
    organisation_id: int
    transaction_point_id: int | None
    session_day: int
    approved: bool


def _points(commune_ids: set[int]) -> dict[int, TransactionPoint]:
    """Each commune's active transaction point; a commune without one gets one (through the service)."""
    from areas.models import Commune

    points = {p.commune_id: p for p in TransactionPoint.objects.filter(commune_id__in=list(commune_ids), active=True)}
    missing = Commune.objects.filter(pk__in=commune_ids - set(points)).order_by("code")
    for i, commune in enumerate(missing):
        points[commune.pk] = services.transaction_point_create(
            commune=commune,
            name=f"Điểm giao dịch {commune.name}",
            location=f"Trụ sở UBND {commune.name}",
            session_day=SESSION_DAYS[i % len(SESSION_DAYS)],
        )
    return points


def groups_ensure(
    *, borrowers: dict[tuple[int, str], set[int]], households: dict[int, SimpleNamespace], joined_on: date
) -> tuple[dict[tuple[int, str], _Group], int, int]:
    """One approved group per (village, organisation) holding its borrowers (``borrowers`` maps (village id,
    organisation code) → household ids). A group of fewer borrowers than the policy's minimum joins the village's
    largest; an existing group of the village and organisation is reused; members are added up to the maximum; a
    group still under the minimum takes non-borrowing households of the village that are in no group; a group is
    approved (on ``joined_on``) only with its minimum. Returns ((village, organisation) → group, groups created,
    members added)."""
    policy = CreditPolicy.current()
    organisations = {o.code: o for o in MassOrganization.objects.all()}
    by_village: dict[int, dict[str, set[int]]] = defaultdict(dict)
    for (village_id, org), members in borrowers.items():
        by_village[village_id][org] = set(members)
    assignment: dict[tuple, tuple] = {}
    for village_id, orgs in by_village.items():
        largest = max(sorted(orgs), key=lambda o: len(orgs[o]))
        for org in sorted(orgs):
            members = orgs[org]
            target = org if len(members) >= policy.group_min_members else largest
            assignment[(village_id, org)] = (village_id, target)
            if target != org:
                orgs[target] |= members
    targets = sorted(set(assignment.values()))
    sample = {}
    for (village_id, org), members in borrowers.items():
        sample.setdefault(assignment[(village_id, org)], households[next(iter(members))])
    points = _points({h.commune_id for h in sample.values()})
    existing: dict[tuple[int, str], SavingsGroup] = {}
    for chunk in _chunks(sorted(by_village)):
        for group in (
            SavingsGroup.objects.filter(village_id__in=list(chunk), dissolved_on__isnull=True)
            .select_related("organisation", "transaction_point")
            .order_by("commune_id", "code")
        ):
            existing[(group.village_id, group.organisation.code)] = group
    # New groups, created approved when they will have their minimum (decided below, before writing).
    new = [key for key in targets if key not in existing]
    taken_codes = set()
    codes = {key: f"T{sample[key].village_code}-{key[1][:3].upper()}" for key in new}
    for chunk in _chunks(sorted(codes.values())):
        taken_codes |= set(SavingsGroup.objects.filter(code__in=list(chunk)).values_list("code", flat=True))
    if taken_codes:
        raise RuntimeError(f"savings-group codes already used by other groups: {sorted(taken_codes)[:5]}")
    # Active members now, of the existing groups; and every household of these villages already in a group.
    existing_ids = [g.pk for g in existing.values()]
    active: dict[int, set[int]] = defaultdict(set)
    for chunk in _chunks(existing_ids):
        for group_id, household_id in GroupMembership.objects.filter(
            group_id__in=list(chunk), left_on__isnull=True
        ).values_list("group_id", "household_id"):
            active[group_id].add(household_id)
    add: dict[tuple, list[int]] = {}
    count: dict[tuple, int] = {}
    for key in targets:
        group = existing.get(key)
        now_in = active.get(group.pk, set()) if group else set()
        members = by_village[key[0]][key[1]]
        wanted = sorted(h for h in members if h not in now_in)[: max(0, policy.group_max_members - len(now_in))]
        add[key] = wanted
        count[key] = len(now_in) + len(wanted)
    short = [key for key in targets if count[key] < policy.group_min_members]
    if short:
        in_groups = GroupMembership.objects.filter(left_on__isnull=True).values("household_id")
        adding = {h for key in short for h in add[key]}
        candidates: dict[int, list[int]] = defaultdict(list)
        villages = sorted({key[0] for key in short})
        for chunk in _chunks(villages):
            for village_id, pk in (
                Household.objects.filter(village_id__in=list(chunk))
                .exclude(pk__in=in_groups)
                .values_list("village_id", "pk")
            ):
                candidates[village_id].append(pk)
        for key in short:
            group = existing.get(key)
            now_in = active.get(group.pk, set()) if group else set()
            fill = [h for h in candidates[key[0]] if h not in now_in and h not in adding and h not in add[key]]
            fill = fill[: policy.group_min_members - count[key]]
            add[key] += fill
            adding |= set(fill)
            count[key] += len(fill)
    now = timezone.now()
    if new:
        ids = _new_ids(SavingsGroup, len(new))
        approved = np.array([count[key] >= policy.group_min_members for key in new])
        _write(
            SavingsGroup,
            {
                "id": ids,
                "code": [codes[key] for key in new],
                "name": [f"Tổ TK&VV {SHORT_NAMES.get(key[1], key[1])} {sample[key].village_name}" for key in new],
                "village_id": np.array([key[0] for key in new], dtype=np.int64),
                "commune_id": np.array([sample[key].commune_id for key in new], dtype=np.int64),
                "organisation_id": np.array([organisations[key[1]].pk for key in new], dtype=np.int64),
                "transaction_point_id": np.array([points[sample[key].commune_id].pk for key in new], dtype=np.int64),
                "approved_on": np.where(approved, np.datetime64(joined_on, "D"), np.datetime64("NaT", "D")),
                "approval_reference": np.where(approved, "QĐ-UBND", "").astype(object),
                "quality_grade": "",
                "version": np.where(approved, 2, 1),
            },
            history=True,
            now=now,
        )
        created = {
            g.pk: g
            for chunk in _chunks(ids.tolist())
            for g in SavingsGroup.objects.filter(pk__in=list(chunk)).select_related("organisation", "transaction_point")
        }
        for key, pk in zip(new, ids.tolist(), strict=True):
            existing[key] = created[pk]
    members = [(existing[key].pk, h) for key in targets for h in add[key]]
    if members:
        _write(
            GroupMembership,
            {
                "id": _new_ids(GroupMembership, len(members)),
                "group_id": np.array([g for g, _h in members], dtype=np.int64),
                "household_id": np.array([h for _g, h in members], dtype=np.int64),
                "joined_on": np.full(len(members), np.datetime64(joined_on, "D")),
                "monthly_savings": np.zeros(len(members), dtype=np.int64),
            },
            history=True,
            now=now,
        )
    out: dict[tuple[int, str], _Group] = {}
    for key in targets:
        group = existing[key]
        if group.approved_on is None and count[key] >= policy.group_min_members:  # an existing group, not yet
            group = services.savings_group_approve(group=group, on=joined_on, reference="QĐ-UBND")
        point = group.transaction_point or points.get(group.commune_id)
        out[key] = _Group(
            pk=group.pk,
            name=group.name,
            commune_id=group.commune_id,
            organisation_id=group.organisation_id,
            transaction_point_id=point.pk if point else None,
            session_day=point.session_day if point else 15,
            approved=group.approved_on is not None,
        )
    return {key: out[target] for key, target in assignment.items()}, len(new), len(members)


# --- facts for eligibility --------------------------------------------------------------------------------------
def _households(ids: list[int]) -> dict[int, SimpleNamespace]:
    out = {}
    minority: dict[str, bool] = {}
    for chunk in _chunks(ids):
        for (
            pk,
            commune_id,
            village_id,
            ethnicity,
            village_code,
            village_name,
            commune_name,
            disadvantaged,
        ) in Household.objects.filter(pk__in=list(chunk)).values_list(
            "pk",
            "commune_id",
            "village_id",
            "head_ethnicity",
            "village__code",
            "village__name",
            "commune__name",
            "commune__disadvantaged",
        ):
            if ethnicity not in minority:  # the model's own rule, once per ethnicity
                minority[ethnicity] = Household(head_ethnicity=ethnicity).ethnic_minority
            out[pk] = SimpleNamespace(
                pk=pk,
                commune_id=commune_id,
                village_id=village_id,
                village_code=village_code,
                village_name=village_name,
                commune=SimpleNamespace(name=commune_name, disadvantaged=disadvantaged),
                ethnic_minority=minority[ethnicity],
            )
    return out


def _review_histories(ids: list[int]) -> dict[int, list[tuple[date, str]]]:
    """(effective date, classification) of each household's recognised reviews, in the order
    ``household_credit_status`` reads them (``households.selectors.effective_date`` dates them)."""
    from households.selectors import effective_date

    out: dict[int, list[tuple[date, str]]] = defaultdict(list)
    for chunk in _chunks(ids):
        for household_id, kind, list_year, review_date, recognised_at, classification in (
            Review.objects.filter(household_id__in=list(chunk), status=Review.Status.RECOGNISED)
            .order_by("household_id", "list_year", "review_date", "id")
            .values_list("household_id", "kind", "list_year", "review_date", "recognised_at", "classification")
        ):
            review = SimpleNamespace(
                kind=kind, list_year=list_year, review_date=review_date, recognised_at=recognised_at
            )
            out[household_id].append((effective_date(review), classification))
    return out


def _memberships(group_ids: list[int], household_ids: set[int]) -> dict[tuple[int, int], list]:
    out: dict[tuple[int, int], list] = defaultdict(list)
    for chunk in _chunks(group_ids):
        for group_id, household_id, joined_on, left_on in GroupMembership.objects.filter(
            group_id__in=list(chunk)
        ).values_list("group_id", "household_id", "joined_on", "left_on"):
            if household_id in household_ids:
                out[(group_id, household_id)].append(GroupMembership(joined_on=joined_on, left_on=left_on))
    return out


# --- rates ------------------------------------------------------------------------------------------------------
@dataclass
class _Rates:
    """A programme's dated rates as integers over one denominator: rate of period j = ``ints[j] / den``; the
    overdue multiplier ``mnum / mden``; ``weighted(x)`` = Σ of the daily rate numerators from the first period's
    start to day ``x`` (exclusive), so the rate-weighted days of [a, b) are ``weighted(b) − weighted(a)``."""

    starts: np.ndarray  # day numbers (int64)
    ints: np.ndarray
    den: int
    mnum: int
    mden: int
    decimals: list  # the Decimal rates (for build_schedule)

    def weighted(self, days: np.ndarray) -> np.ndarray:
        total = np.zeros(days.shape, dtype=np.int64)
        for j, start in enumerate(self.starts.tolist()):
            stop = self.starts[j + 1] if j + 1 < len(self.starts) else None
            span = days - start
            span = np.clip(span, 0, None if stop is None else stop - start)
            total += span * int(self.ints[j])
        return total

    def in_force(self, day: int):
        index = int(np.searchsorted(self.starts, day, side="right")) - 1
        return None if index < 0 else self.decimals[index]


def _rates(program: LoanProgram) -> _Rates:
    periods = sorted(program.rate_periods(), key=lambda r: r.valid_from)
    fractions = [Fraction(p.annual_rate) for p in periods]
    den = lcm(*(f.denominator for f in fractions)) if fractions else 1
    multiplier = Fraction(program.overdue_multiplier)
    return _Rates(
        starts=np.array([np.datetime64(p.valid_from, "D").astype(np.int64) for p in periods], dtype=np.int64),
        ints=np.array([int(f * den) for f in fractions], dtype=np.int64),
        den=den,
        mnum=multiplier.numerator,
        mden=multiplier.denominator,
        decimals=[p.annual_rate for p in periods],
    )


# --- the plans --------------------------------------------------------------------------------------------------
def _month_start_days(month_index: np.ndarray) -> np.ndarray:
    """Day number (days since 1970-01-01) of the 1st of each month index (year × 12 + month − 1)."""
    return (month_index - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def _day(value: int) -> date:
    return np.datetime64(int(value), "D").astype(object)


def _num(value: date) -> int:
    return int(np.datetime64(value, "D").astype(np.int64))


@transaction.atomic
def loans_write(
    *,
    plans: Sequence[LoanPlan],
    as_of: date,
    stdout=None,
    key_prefix: str = "demo",
    defer_indexes: bool | None = None,
) -> BulkResult:
    """Write ``plans`` with their past up to ``as_of`` (never after today): see the module docstring.

    ``defer_indexes`` (PostgreSQL; default: from :data:`DEFER_INDEXES_FROM` loans): drop the written tables'
    secondary indexes, unique constraints and foreign keys for the load and put them back, from their own
    definitions, before the invariant check and the commit (``config.bulk.pg_defer_indexes``); the tables are
    locked meanwhile."""
    started = time.perf_counter()
    result = BulkResult()
    seconds = result.seconds
    as_of = min(as_of, timezone.localdate())
    plans = [p for p in plans if p.disbursed_on <= as_of]
    if not plans:
        return result
    households = _households(sorted({p.household_id for p in plans}))
    plans = [p for p in plans if p.household_id in households]
    if not plans:
        return result
    programs = {p.code: p for p in LoanProgram.objects.prefetch_related("rates")}
    rates = {code: _rates(program) for code, program in programs.items()}
    first = min(p.disbursed_on for p in plans)
    joined_on = first - timedelta(days=60)
    borrowers: dict[tuple[int, str], set[int]] = defaultdict(set)
    for plan in plans:
        borrowers[(households[plan.household_id].village_id, plan.organisation)].add(plan.household_id)
    t = time.perf_counter()
    groups, result.groups_created, result.members_added = groups_ensure(
        borrowers=borrowers, households=households, joined_on=joined_on
    )
    result.groups = len({g.pk for g in groups.values()})
    seconds["groups"] = time.perf_counter() - t
    t = time.perf_counter()
    household_ids = sorted(households)
    histories = _review_histories(household_ids)
    memberships = _memberships(sorted({g.pk for g in groups.values()}), set(household_ids))
    done = set()
    for chunk in _chunks(household_ids):
        done |= set(
            Loan.objects.filter(household_id__in=list(chunk)).values_list(
                "household_id", "program__code", "disbursed_on"
            )
        )
    years = CreditPolicy.current().newly_escaped_years
    point_commune = dict(
        TransactionPoint.objects.filter(pk__in={g.transaction_point_id for g in groups.values()}).values_list(
            "pk", "commune_id"
        )
    )
    today = timezone.localdate()
    refusals: Counter = Counter()
    accepted: list[tuple[LoanPlan, _Group, date, int]] = []  # plan, group, disbursement day, principal period
    seen: set[tuple] = set()

    def refuse(*codes: str) -> None:
        refusals.update(codes)
        result.refused += 1

    for plan in sorted(plans, key=lambda p: (p.disbursed_on, p.household_id, p.programme)):
        household = households[plan.household_id]
        group = groups.get((household.village_id, plan.organisation))
        program = programs.get(plan.programme)
        if program is None:
            refuse(REFUSED_UNKNOWN_PROGRAMME)
            continue
        if group is None or group.transaction_point_id is None:
            refuse(REFUSED_NO_GROUP)
            continue
        disbursed = plan.disbursed_on.replace(day=group.session_day)
        if disbursed > as_of:
            disbursed = add_months(disbursed, -1)
        key = (plan.household_id, plan.programme, disbursed)
        if key in done or (plan.household_id, plan.programme, plan.disbursed_on) in done or key in seen:
            result.skipped += 1
            continue
        seen.add(key)
        every = program.default_principal_every_months
        every = every if plan.term_months % every == 0 else 1
        certified = disbursed - timedelta(days=APPLIED_BEFORE - CERTIFIED_AFTER)
        if disbursed > today:  # loan_apply and loan_disburse refuse a day in the future
            refuse(REFUSED_FUTURE)
        elif plan.amount <= 0:  # loan_apply
            refuse(REFUSED_AMOUNT)
        elif plan.term_months <= 0 or plan.term_months % every:  # loan_apply
            refuse(REFUSED_TERM_EVERY)
        elif problems := eligibility_refusals(  # loan_certify (and loan_approve's amount and term)
            program=program,
            on=certified,
            statuses=credit_statuses(histories.get(plan.household_id, []), certified, years=years),
            amount=plan.amount,
            term_months=plan.term_months,
            group=group,
            member=any(m.active_on(certified) for m in memberships.get((group.pk, plan.household_id), [])),
            commune=household.commune,
            ethnic_minority=household.ethnic_minority,
        ):
            refuse(*(p.code for p in problems))
        elif rates[plan.programme].in_force(_num(disbursed)) is None:  # loan_disburse
            refuse(REFUSED_NO_RATE)
        elif point_commune.get(group.transaction_point_id) != household.commune_id:  # loan_disburse
            refuse(REFUSED_POINT)
        else:
            accepted.append((plan, group, disbursed, every))
    result.refusals = dict(refusals)
    seconds["eligibility"] = time.perf_counter() - t
    _say(stdout, f"  {len(accepted):,} loans to write, {result.refused:,} refused, {result.skipped:,} already there")
    now = timezone.now()
    schedules: dict[tuple, list[int]] = {}
    if defer_indexes is None:
        defer_indexes = len(accepted) >= DEFER_INDEXES_FROM
    restore = []
    if defer_indexes and _pg() and accepted:
        from config.bulk import pg_defer_indexes

        restore = pg_defer_indexes([model._meta.db_table for model in DEFERRED])
    for start in range(0, len(accepted), CHUNK_LOANS):
        part = accepted[start : start + CHUNK_LOANS]
        t = time.perf_counter()
        written = _write_chunk(part, as_of, programs, rates, households, schedules, key_prefix, now)
        result.written += written["loans"]
        result.entries += written["entries"]
        result.instalments += written["instalments"]
        result.loan_ids += written["loan_ids"]
        seconds["loans"] = seconds.get("loans", 0) + time.perf_counter() - t
        _say(stdout, f"  {start + len(part):,} / {len(accepted):,} loans…")
    if restore:
        from config.bulk import pg_restore_indexes

        t = time.perf_counter()
        _say(stdout, f"  indexes and foreign keys ({len(restore)})…")
        pg_restore_indexes(restore)
        seconds["indexes"] = time.perf_counter() - t
    t = time.perf_counter()
    ids = result.loan_ids
    for chunk in _chunks(ids, INVARIANT_CHUNK):
        services.ledger_invariant_check(chunk)
    seconds["invariant"] = time.perf_counter() - t
    if _pg() and len(ids) > 10_000:
        t = time.perf_counter()
        with connection.cursor() as cursor:
            for model in (Loan, Installment, LedgerEntry, LoanUseCheck, GroupMembership, SavingsGroup):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
        seconds["analyze"] = time.perf_counter() - t
    seconds["total"] = time.perf_counter() - started
    result.seconds = {k: round(v, 2) for k, v in seconds.items()}
    return result


def _principals(amount: int, term: int, every: int, rate, schedules: dict) -> list[int]:
    """The principal of each monthly row of schedule version 1 (0 on interest-only rows), from build_schedule."""
    key = (amount, term, every, rate)
    if key not in schedules:
        rows = build_schedule(
            principal=amount,
            annual_rate=rate,
            disbursed_on=date(2001, 1, 1),
            term_months=term,
            principal_every_months=every,
            method=Loan.Method.EQUAL_PRINCIPAL,
        )
        schedules[key] = [r.principal for r in rows]
    return schedules[key]


def _write_chunk(part, as_of, programs, rates, households, schedules, key_prefix, now) -> dict:
    n = len(part)
    codes = sorted({plan.programme for plan, *_ in part})
    code_index = {c: i for i, c in enumerate(codes)}
    prog = np.array([code_index[plan.programme] for plan, *_ in part], dtype=np.int64)
    amount = np.array([plan.amount for plan, *_ in part], dtype=np.int64)
    term = np.array([plan.term_months for plan, *_ in part], dtype=np.int64)
    d0 = np.array([_num(d) for _plan, _group, d, _every in part], dtype=np.int64)
    d0_dates = [d for _plan, _group, d, _every in part]
    month0 = np.array([d.year * 12 + d.month - 1 for d in d0_dates], dtype=np.int64)
    day = np.array([d.day for d in d0_dates], dtype=np.int64)
    as_of_num = _num(as_of)
    # Schedules: the principal rows of each (amount, term, period, rate), cumulative by month number.
    principal_rows = [
        _principals(plan.amount, plan.term_months, every, rates[plan.programme].in_force(_num(d)), schedules)
        for plan, _group, d, every in part
    ]
    tmax = int(term.max())
    cumdue = np.zeros((n, tmax + 1), dtype=np.int64)
    for i, rows in enumerate(principal_rows):
        cumdue[i, 1 : len(rows) + 1] = np.cumsum(rows)
        cumdue[i, len(rows) + 1 :] = sum(rows)
    # Sessions: S_k = the disbursement's day, k months later (day ≤ 28: no clamping), up to as_of.
    if int(day.max()) > 28:  # pragma: no cover (session days are 1-28 by constraint)
        raise RuntimeError("a disbursement day after the 28th")
    last_month = as_of.year * 12 + as_of.month - 1
    sessions = last_month - month0 - (day > as_of.day)
    kmax = max(int(sessions.max()), 0)
    k = np.arange(0, kmax + 1, dtype=np.int64)[None, :]  # column 0 is the disbursement
    session = _month_start_days(month0[:, None] + k) + (day[:, None] - 1)
    exists = k <= sessions[:, None]
    behaviour = [plan.behaviour for plan, *_ in part]
    late = np.array([b == "late" for b in behaviour])
    big = np.iinfo(np.int64).max
    stop = np.array([_num(p.behaviour_from) if p.behaviour_from else big for p, *_ in part], dtype=np.int64)
    resume = np.array([_num(p.caught_up_on) if p.caught_up_on else big for p, *_ in part], dtype=np.int64)
    behind = late[:, None] & (stop[:, None] <= session) & (session < resume[:, None])
    paying = exists & ~behind & (k > 0)

    def due(months):  # principal due on or before the session ``months`` after the disbursement
        return np.take_along_axis(cumdue, np.clip(months, 0, term[:, None]), axis=1)

    due_through = due(k)
    settled = np.maximum.accumulate(np.where(paying, due_through, 0), axis=1)  # after each session's payment
    settled_before = np.concatenate([np.zeros((n, 1), dtype=np.int64), settled[:, :-1]], axis=1)
    valid = paying & (settled_before < amount[:, None])  # the loop stops once everything is paid
    # Interest of each interval [S_{k-1}, S_k): the day S_{k-1} (the instalment due that day is not overdue yet),
    # then the rest of the month (it is, when unpaid). Integers over 365 × the programme's rate denominator.
    bal = amount[:, None] - settled_before
    od_a = np.clip(due(k - 2) - settled_before, 0, bal)
    od_b = np.clip(due(k - 1) - settled_before, 0, bal)
    prev = np.concatenate([session[:, :1], session[:, :-1]], axis=1)
    w_a = np.zeros_like(session)
    w_b = np.zeros_like(session)
    mnum = np.zeros(n, dtype=np.int64)
    den_i = np.zeros(n, dtype=object)
    den_o = np.zeros(n, dtype=object)
    for code, i in code_index.items():
        rows = prog == i
        r = rates[code]
        w0, w1, w2 = r.weighted(prev[rows]), r.weighted(prev[rows] + 1), r.weighted(session[rows])
        w_a[rows], w_b[rows] = w1 - w0, w2 - w1
        mnum[rows] = r.mnum
        den_i[rows] = 365 * r.den
        den_o[rows] = 365 * r.den * r.mden
    interval = exists & (k > 0)
    w_a, w_b = np.where(interval, w_a, 0), np.where(interval, w_b, 0)
    bound = int(amount.max()) * int(max(w_a.sum(axis=1).max(), 0) + max(w_b.sum(axis=1).max(), 0) + 1)
    exact = bound * max(int(mnum.max()), 1) * 4 < 2**62
    kind = np.int64 if exact else object  # Python ints when the sums could overflow 64 bits
    interest_num = ((bal - od_a) * w_a + (bal - od_b) * w_b).astype(kind)
    overdue_num = ((od_a * w_a + od_b * w_b).astype(kind)) * mnum[:, None].astype(kind)
    interest_cum = np.cumsum(interest_num, axis=1)
    overdue_cum = np.cumsum(overdue_num, axis=1)
    di = den_i[:, None].astype(kind) if exact else den_i[:, None]
    do = den_o[:, None].astype(kind) if exact else den_o[:, None]
    interest_round = (2 * interest_cum + di) // (2 * di)  # half-up of a non-negative sum
    overdue_round = (2 * overdue_cum + do) // (2 * do)
    paid_i = np.maximum.accumulate(np.where(valid, interest_round, 0), axis=1)
    paid_o = np.maximum.accumulate(np.where(valid, overdue_round, 0), axis=1)
    zero = np.zeros((n, 1), dtype=paid_i.dtype)
    paid_i_before = np.concatenate([zero, paid_i[:, :-1]], axis=1)
    paid_o_before = np.concatenate([zero.astype(paid_o.dtype), paid_o[:, :-1]], axis=1)
    pay_principal = np.where(valid, np.maximum(due_through - settled_before, 0), 0)
    pay_interest = np.where(valid, interest_round - paid_i_before, 0).astype(np.int64)
    pay_overdue = np.where(valid, overdue_round - paid_o_before, 0).astype(np.int64)
    # The loans.
    loan_ids = _new_ids(Loan, n)
    repaid = pay_principal.sum(axis=1)
    outstanding = amount - repaid
    last_paid = np.where(pay_principal > 0, session, -1).max(axis=1)
    closed = outstanding == 0
    last_session = session[np.arange(n), np.maximum(sessions, 0)]
    due_before_as_of = cumdue[np.arange(n), np.minimum(np.maximum(sessions - (last_session == as_of_num), 0), term)]
    overdue_now = (due_before_as_of - repaid) > 0
    status = np.where(closed, Loan.Status.CLOSED, np.where(overdue_now, Loan.Status.OVERDUE, Loan.Status.REPAYING))
    group_ids = np.array([g.pk for _p, g, _d, _e in part], dtype=np.int64)
    points = np.array([g.transaction_point_id for _p, g, _d, _e in part], dtype=np.int64)
    household_ids = np.array([plan.household_id for plan, *_ in part], dtype=np.int64)
    d0_days = d0.astype("datetime64[D]")
    closed_form = [
        services.schedule_closed_form(Loan.Method.EQUAL_PRINCIPAL, rows, d)
        for rows, d in zip(principal_rows, d0_dates, strict=True)
    ]

    def sched(name):
        return np.array([c[name] for c in closed_form], dtype=object)

    maturity = _month_start_days(month0 + term) + day - 1
    loan_columns = {
        "id": loan_ids,
        "household_id": household_ids,
        "group_id": group_ids,
        "program_id": np.array([programs[plan.programme].pk for plan, *_ in part], dtype=np.int64),
        "commune_id": np.array([households[p.household_id].commune_id for p, *_ in part], dtype=np.int64),
        "village_id": np.array([households[p.household_id].village_id for p, *_ in part], dtype=np.int64),
        "organisation_id": np.array([g.organisation_id for _p, g, _d, _e in part], dtype=np.int64),
        "purpose": np.array(
            [p.purpose if p.purpose in Loan.Purpose.values else Loan.Purpose.OTHER for p, *_ in part], dtype=object
        ),
        "borrowing_plan": np.array([p.borrowing_plan.strip() for p, *_ in part], dtype=object),
        "amount_requested": amount,
        "amount_approved": amount,
        "term_months": term,
        "principal_every_months": np.array([every for *_x, every in part], dtype=np.int64),
        "method": Loan.Method.EQUAL_PRINCIPAL,
        "status": status.astype(object),
        "applied_on": d0_days - APPLIED_BEFORE,
        "selected_on": d0_days - APPLIED_BEFORE + SELECTED_AFTER,
        "certified_on": d0_days - APPLIED_BEFORE + CERTIFIED_AFTER,
        "approved_on": d0_days - APPLIED_BEFORE + APPROVED_AFTER,
        "disbursed_on": d0_days,
        "transaction_point_id": points,
        "maturity_date": maturity.astype("datetime64[D]"),
        "closed_on": np.where(closed, last_paid, np.iinfo(np.int64).min).astype("datetime64[D]"),
        "refusal_step": "",
        "refusal_reasons": "[]" if _pg() else [[] for _ in range(n)],
        "sched_month_index": sched("sched_month_index"),
        "sched_day": sched("sched_day"),
        "sched_count": sched("sched_count"),
        "sched_base": sched("sched_base"),
        "sched_last": sched("sched_last"),
        "principal_disbursed": amount,
        "principal_repaid": repaid,
        "principal_written_off": np.zeros(n, dtype=np.int64),
        "outstanding_principal": outstanding,
        "version": 5,  # apply, select, certify, approve, disburse
        "created_at": now.isoformat() if _pg() else now,
        "updated_at": now.isoformat() if _pg() else now,
    }
    if _pg():
        for name in ("sched_month_index", "sched_day", "sched_count", "sched_base", "sched_last"):
            loan_columns[name] = pd.array(list(loan_columns[name]), dtype="Int64")
    _write(Loan, loan_columns, history=True, now=now)
    # Stored schedule (version 1): every row with principal.
    inst_loan, inst_number, inst_principal = [], [], []
    for i, rows in enumerate(principal_rows):
        for number, principal in enumerate(rows, start=1):
            if principal > 0:
                inst_loan.append(i)
                inst_number.append(number)
                inst_principal.append(principal)
    il = np.array(inst_loan, dtype=np.int64)
    inumber = np.array(inst_number, dtype=np.int64)
    instalments = _write(
        Installment,
        {
            "loan_id": loan_ids[il],
            "schedule_version": 1,
            "number": inumber,
            "due_date": (_month_start_days(month0[il] + inumber) + day[il] - 1).astype("datetime64[D]"),
            "principal": np.array(inst_principal, dtype=np.int64),
            "effective_from": d0_days[il],
            "reason": Installment.Reason.DISBURSEMENT,
        },
    )
    # The ledger: disbursements, then the collections (principal, interest, overdue interest) of each session.
    parts = [
        (
            np.arange(n),
            d0,
            amount,
            LedgerEntry.Kind.DISBURSEMENT,
            pos.DISBURSED,
            None,
        )
    ]
    for amounts, kind, account in (
        (pay_principal, LedgerEntry.Kind.PRINCIPAL, pos.REPAID),
        (pay_interest, LedgerEntry.Kind.INTEREST, pos.INTEREST_PAID),
        (pay_overdue, LedgerEntry.Kind.OVERDUE_INTEREST, pos.OVERDUE_INTEREST_PAID),
    ):
        rows, cols = np.nonzero(amounts > 0)
        parts.append((rows, session[rows, cols], amounts[rows, cols], kind, account, kind))
    frames = []
    for rows, days, amounts, kind, account, key_kind in parts:
        ids = pd.Series(loan_ids[rows]).astype(str)
        dates = pd.Series(np.datetime_as_string(days.astype("datetime64[D]"), unit="D"))
        if key_kind is None:
            keys = f"{key_prefix}:disburse:" + ids
        else:
            keys = f"{key_prefix}:" + ids + ":" + dates + f":{key_kind}"
        frames.append(
            pd.DataFrame(
                {
                    "loan_id": loan_ids[rows],
                    "household_id": household_ids[rows],
                    "group_id": group_ids[rows],
                    "kind": kind,
                    "account": account,
                    "amount": amounts.astype(np.int64),
                    "value_date": days.astype("datetime64[D]"),
                    "idempotency_key": keys.to_numpy(dtype=object),
                    "transaction_point_id": points[rows],
                }
            )
        )
    ledger = pd.concat(frames, ignore_index=True)
    entries = _write(
        LedgerEntry,
        {
            **{c: ledger[c].to_numpy() for c in ledger.columns},
            "posted_at": now.isoformat() if _pg() else now,
            "note": "",
        },
    )
    # Loan-use checks: due after the programme's days; found misused on its day, else as planned once due.
    check_days = np.array([programs[p.programme].use_check_days for p, *_ in part], dtype=np.int64)
    due_by = d0 + check_days
    misused = np.array(
        [p.behaviour == "misused" and p.behaviour_from is not None and p.behaviour_from <= as_of for p, *_ in part]
    )
    found = np.array([_num(p.behaviour_from) if p.behaviour_from else 0 for p, *_ in part], dtype=np.int64)
    planned = ~misused & (due_by <= as_of_num)
    checked = np.where(misused, found, np.where(planned, due_by, np.iinfo(np.int64).min))
    _write(
        LoanUseCheck,
        {
            "id": _new_ids(LoanUseCheck, n),
            "loan_id": loan_ids,
            "due_by": due_by.astype("datetime64[D]"),
            "checked_on": checked.astype("datetime64[D]"),
            "outcome": np.where(
                misused, LoanUseCheck.Outcome.MISUSED, np.where(planned, LoanUseCheck.Outcome.AS_PLANNED, "")
            ).astype(object),
            "checker": np.where(misused | planned, LoanUseCheck.Checker.ORGANISATION, "").astype(object),
            "notes": np.array([(p.cause or "").strip() if m else "" for (p, *_), m in zip(part, misused, strict=True)]),
        },
        history=True,
        now=now,
    )
    return {"loans": n, "entries": entries, "instalments": instalments, "loan_ids": loan_ids.tolist()}
