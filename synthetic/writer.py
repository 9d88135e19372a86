"""Write a generated province into the database: areas, households, members, recognised reviews, then loans.

The areas go through the administrator's CSV import (``areas.services.areas_import_csv``). Households, members and
reviews are bulk-written, in chunks each committed on its own (a stopped run leaves a ``SyntheticRun`` without
``finished_at``; the next run deletes the half-written province and starts again):

- on PostgreSQL with ``COPY … FROM STDIN`` (psycopg's ``cursor.copy``), the fast path for a million households;
- elsewhere (SQLite, the embedded default) with batched ``INSERT``s, values prepared as ``bulk_create`` prepares them.

The rules are the project's: classifications come from ``households.poverty.classify`` and transitions from
``households.transitions.transition`` (in the generator), masks from ``StandardBook``, national ID numbers are checked
with ``households.national_id.national_id_problem`` before anything is written, and names are folded with
``households.ethnicity.fold``. History rows (django-simple-history) are not written for synthetic rows: the
synthetic province has no "who changed what" to tell (docs/synthetic-data.md).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as dtime
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from areas.models import Commune, Village
from areas.services import areas_import_csv
from config.bulk import next_ids, pg_defer_indexes, pg_restore_indexes, reserve_ids
from households.ethnicity import fold
from households.models import Household, Member, Review
from households.national_id import national_id_problem
from households.services import StandardBook

from . import areas as synthetic_areas
from . import credit_hook
from . import generator as G
from . import names as N
from . import params as P
from .models import SyntheticRun

SOURCE = "synthetic"
CHUNK_HOUSEHOLDS = 25_000
BULK_BATCH = 5_000
ERR_OTHER_ROWS = (
    "The synthetic province already has households that rows of other apps point to (loans, scores, visits…), so "
    "it cannot be replaced here. Start over with `python manage.py demo --reset` (it empties the whole database)."
)

Progress = Callable[[str, int, int], None]


@dataclass
class WriteResult:
    run: SyntheticRun
    households: int = 0
    members: int = 0
    reviews: int = 0
    loans: int | None = None  # None: the credit app does not take loans yet (see synthetic.credit_hook)
    seconds: dict[str, float] = field(default_factory=dict)


def existing_run(province_code: str = synthetic_areas.PROVINCE_CODE) -> SyntheticRun | None:
    """The latest finished run of the synthetic province, if its households are still all there."""
    run = SyntheticRun.objects.filter(province_code=province_code).order_by("-started_at", "-pk").first()
    if run is None or run.finished_at is None:
        return None
    households = Household.objects.filter(commune__province__code=province_code).count()
    return run if households == run.counts.get("households") else None


def province_delete(province_code: str = synthetic_areas.PROVINCE_CODE) -> int:
    """Delete the synthetic province's households with their members, reviews and loans (the areas stay)."""
    households = (
        "SELECT h.id FROM households_household h JOIN areas_commune c ON c.id = h.commune_id "
        "JOIN areas_province p ON p.id = c.province_id WHERE p.code = %s"
    )
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(households.replace("SELECT h.id", "SELECT COUNT(*)"), [province_code])
            count = cursor.fetchone()[0]
            if count:
                credit_hook.delete_loans(province_code=province_code)
                if connection.vendor == "postgresql":  # a row of another app pointing here fails now, not at commit
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"DELETE FROM households_review WHERE household_id IN ({households})", [province_code])  # noqa: S608
                cursor.execute(f"DELETE FROM households_member WHERE household_id IN ({households})", [province_code])  # noqa: S608
                cursor.execute(f"DELETE FROM households_household WHERE id IN ({households})", [province_code])  # noqa: S608
                if connection.vendor == "postgresql":
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            SyntheticRun.objects.filter(province_code=province_code).delete()
    except IntegrityError as exc:
        raise RuntimeError(ERR_OTHER_ROWS) from exc
    return count


def check_national_ids(province: G.Province) -> None:
    """Every number passes ``national_id_problem`` against its holder's birth date and sex, and none repeats."""
    m = province.members
    chosen = np.nonzero(m.national_id)[0]
    ids = m.national_id[chosen]
    if len(np.unique(ids)) != len(ids):
        raise RuntimeError("the generator made a repeated national ID number")
    births = m.birth[chosen].astype(object)
    for value, birth, sex in zip(ids.tolist(), births, m.sex[chosen].tolist(), strict=True):
        problem = national_id_problem(G.national_id_text(value), birth_date=birth, sex=G.SEXES[sex])
        if problem:
            raise RuntimeError(f"the generator made an invalid national ID number {value:012d}: {problem}")


def province_write(
    *,
    province: G.Province,
    book: StandardBook,
    progress: Progress | None = None,
    chunk: int = CHUNK_HOUSEHOLDS,
    max_loans: int | None = None,
    loan_priority: Sequence[str] = (),
) -> WriteResult:
    """Write ``province`` (generated with ``standards=book.pure.values()``) into the database.

    One transaction: the old synthetic households go, the areas are imported, then households, members and reviews
    are written chunk by chunk (the progress line moves with each chunk); a run that stops writes nothing. On
    PostgreSQL the three tables' secondary indexes and foreign keys are dropped for the load and put back, from
    their own definitions, before the commit (building an index once and checking a foreign key with one join is
    several times faster than doing it row by row); the tables are locked meanwhile. Then the loans, through the
    credit app (``synthetic.credit_hook``), and the run is marked finished.

    The credit app writes the loans with their past (``credit.demo.write_loan_records``, its bulk writer: the
    certification's eligibility rules, schedules, ledger, loan-use checks, statuses, the ledger invariant): all of
    them by default; ``max_loans`` caps how many (None: all, 0: none), taking whole households in the order of
    ``loan_priority`` (village or commune codes, then the rest).
    """
    say = progress or (lambda stage, done, total: None)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    code = synthetic_areas.PROVINCE_CODE
    copy = connection.vendor == "postgresql"
    H = province.n_households
    household_ids = np.zeros(H, dtype=np.int64)
    written = {"households": 0, "members": 0, "reviews": 0}
    with transaction.atomic():
        province_delete(code)
        run = SyntheticRun.objects.create(
            province_code=code, seed=province.seed, households=H, digest=province.digest()
        )
        say("areas", 0, 1)
        result = areas_import_csv(data=synthetic_areas.area_csv(province.layout))
        if result.errors:  # the generator and the importer disagree: a bug, say it loudly
            raise RuntimeError("synthetic areas failed validation: " + "; ".join(map(str, result.errors[:5])))
        say("areas", 1, 1)
        seconds["delete_and_areas"] = time.perf_counter() - started

        t = time.perf_counter()
        check_national_ids(province)
        plan = _Plan(province, book)
        seconds["check_ids_and_plan"] = time.perf_counter() - t

        t = time.perf_counter()
        restore = pg_defer_indexes(list(_TABLES), partial=True) if copy else []
        say("households", 0, H)
        for start in range(0, H, chunk):
            stop = min(start + chunk, H)
            ids = _reserve_ids(stop - start, copy)
            household_ids[start:stop] = ids
            for key, value in plan.write_chunk(start, stop, ids, copy).items():
                written[key] += value
            say("households", stop, H)
        seconds["rows"] = time.perf_counter() - t
        if restore:
            t = time.perf_counter()
            say("indexes", 0, len(restore))
            pg_restore_indexes(restore, progress=lambda done, total: say("indexes", done, total))
            seconds["indexes_and_foreign_keys"] = time.perf_counter() - t
        run.counts = dict(written)
        run.save(update_fields=["counts"])
    if copy:
        with connection.cursor() as cursor:
            for table in _TABLES:
                cursor.execute(f"ANALYZE {table}")

    t = time.perf_counter()
    records = _choose_loans(credit_hook.loan_records(province, household_ids), max_loans, loan_priority)
    loans = None
    if records:
        say("loans", 0, len(records))
        loans = credit_hook.write_loans(loans=records, as_of=P.AS_OF)
        say("loans", len(records), len(records))
    seconds["loans"] = time.perf_counter() - t
    run.counts = {**written, "loans": loans, "loans_planned": len(province.loans.household)}
    run.loans_written = loans is not None
    run.finished_at = timezone.now()
    run.save(update_fields=["counts", "loans_written", "finished_at"])
    seconds["total"] = time.perf_counter() - started
    return WriteResult(run=run, loans=loans, seconds={k: round(v, 2) for k, v in seconds.items()}, **written)


_TABLES = ("households_household", "households_member", "households_review")


def _choose_loans(
    records: list[credit_hook.LoanRecord], limit: int | None, priority: Sequence[str]
) -> list[credit_hook.LoanRecord]:
    """At most ``limit`` loans, whole households at a time, those of the ``priority`` areas first."""
    if limit is None or limit >= len(records):
        return records
    if limit <= 0:
        return []

    def rank(record: credit_hook.LoanRecord) -> int:
        for i, prefix in enumerate(priority):
            if record.village_code == prefix or record.village_code.startswith(prefix + "-"):
                return i
        return len(priority)

    by_household: dict[int, list[credit_hook.LoanRecord]] = {}
    for record in records:
        by_household.setdefault(record.household_id, []).append(record)
    order = sorted(by_household, key=lambda h: (min(rank(r) for r in by_household[h]), h))
    chosen: list[credit_hook.LoanRecord] = []
    for household in order:
        if len(chosen) + len(by_household[household]) > limit:
            break
        chosen.extend(by_household[household])
    return chosen


def _reserve_ids(n: int, copy: bool) -> np.ndarray:
    """``n`` new household ids: from the table's sequence on PostgreSQL, after the largest id elsewhere."""
    return reserve_ids("households_household", n) if copy else next_ids("households_household", n)


# --- rows -----------------------------------------------------------------------------------------------------------
_TZ = ZoneInfo(settings.TIME_ZONE)


class _Plan:
    """The values of every row, prepared once (vectorised), then sliced chunk by chunk."""

    def __init__(self, province: G.Province, book: StandardBook) -> None:
        self.province = province
        layout = province.layout
        village_pk = dict(Village.objects.filter(code__in=[v.code for v in layout.villages]).values_list("code", "pk"))
        commune_pk = dict(Commune.objects.filter(code__in=[c.code for c in layout.communes]).values_list("code", "pk"))
        self.village_pk = np.array([village_pk[v.code] for v in layout.villages], dtype=np.int64)
        self.village_code = [v.code for v in layout.villages]
        commune_of = {c.code: c for c in layout.communes}
        self.address = [f"{v.name}, {commune_of[v.commune_code].name}" for v in layout.villages]
        self.commune_pk = np.array([commune_pk[c.code] for c in layout.communes], dtype=np.int64)
        pure_pk = {id(std): pk for pk, std in book.pure.items()}
        try:
            self.standard_pk = np.array([pure_pk[id(std)] for std in province.standards], dtype=np.int64)
        except KeyError as exc:
            raise RuntimeError("generate the province with standards=StandardBook.load().pure.values()") from exc
        # local masks (generator) → masks of the database (StandardBook's bits), for each distinct mask
        self.db_mask = {}
        self.parts = [N.NAME_PARTS[i] for i in range(len(N.NAME_PARTS))]
        self.parts_folded = [fold(part) for part in self.parts]
        reviews = province.reviews
        for local in np.unique(np.concatenate([reviews.deprived.ravel(), reviews.derived.ravel()])).tolist():
            codes = [c for i, c in enumerate(G.LOCAL_INDICATORS) if local >> i & 1]
            self.db_mask[local] = book.mask(codes)
        # the village meeting: a week after the village's last review of the year; posted the next day
        H, Y = reviews.review_date.shape
        key = province.households.village[:, None].astype(np.int64) * Y + np.arange(Y)[None, :]
        days = reviews.review_date.astype(np.int64)
        latest = np.full(len(layout.villages) * Y, np.iinfo(np.int64).min)
        np.maximum.at(latest, key.ravel(), days.ravel())
        last = latest.astype("datetime64[D]")
        self.meeting = last[key] + np.timedelta64(P.VILLAGE_MEETING_AFTER_DAYS, "D")
        self._at: dict[tuple, datetime] = {}
        self.now = timezone.now()

    def at(self, day: date, hour: int) -> datetime:
        value = self._at.get((day, hour))
        if value is None:
            value = self._at[(day, hour)] = datetime.combine(day, dtime(hour), tzinfo=_TZ)
        return value

    def name(self, family: np.ndarray, middle: np.ndarray, given: np.ndarray) -> tuple[list[str], list[str]]:
        p, f = self.parts, self.parts_folded
        names = [
            f"{p[a]} {p[b]} {p[c]}" for a, b, c in zip(family.tolist(), middle.tolist(), given.tolist(), strict=True)
        ]
        folded = [
            f"{f[a]} {f[b]} {f[c]}" for a, b, c in zip(family.tolist(), middle.tolist(), given.tolist(), strict=True)
        ]
        return names, folded

    # -- one chunk: households [start, stop) --------------------------------------------------------------------------
    def write_chunk(self, start: int, stop: int, ids: np.ndarray, copy: bool) -> dict[str, int]:
        hh, mm, rv = self.province.households, self.province.members, self.province.reviews
        sl = slice(start, stop)
        n = stop - start
        heads = hh.member_start[sl]
        head_names, head_folded = self.name(mm.family[heads], mm.middle[heads], mm.given[heads])
        village = hh.village[sl]
        last_class = rv.classification[sl, -1]
        households = {
            "id": ids.tolist(),
            "commune_id": self.commune_pk[hh.commune[sl]].tolist(),
            "village_id": self.village_pk[village].tolist(),
            "code": [
                f"{self.village_code[v]}-{k:04d}" for v, k in zip(village.tolist(), hh.number[sl].tolist(), strict=True)
            ],
            "address": [self.address[v] for v in village.tolist()],
            "head_name": head_names,
            "head_name_folded": head_folded,
            "head_ethnicity": [P.GROUPS[g] for g in hh.ethnicity[sl].tolist()],
            "area_type": ["urban" if u else "rural" for u in hh.urban[sl].tolist()],
            "size": hh.size[sl].tolist(),
            "female_headed": hh.female_headed[sl].tolist(),
            "has_disabled_member": hh.has_disabled_member[sl].tolist(),
            "latest_classification": [G.CLASSIFICATIONS[c] for c in last_class.tolist()],
            "latest_transition": [G.TRANSITIONS[c] for c in rv.transition[sl, -1].tolist()],
            "latest_list_year": rv.list_year[sl, -1].tolist(),
            "version": [1] * n,
            "created_at": [self.now] * n,
            "updated_at": [self.now] * n,
        }
        # members of these households that are alive at the last review, in order
        m_start = int(hh.member_start[start])
        m_stop = int(hh.member_start[stop - 1] + hh.member_count[stop - 1])
        msl = np.arange(m_start, m_stop)
        msl = msl[mm.stored[msl]]
        names, folded = self.name(mm.family[msl], mm.middle[msl], mm.given[msl])
        members = {
            "household_id": ids[mm.household[msl] - start].tolist(),
            "full_name": names,
            "full_name_folded": folded,
            "birth_date": mm.birth[msl].astype(object).tolist(),
            "sex": [G.SEXES[s] for s in mm.sex[msl].tolist()],
            "relation": [G.RELATIONS[r] for r in mm.relation[msl].tolist()],
            "ethnicity": [P.GROUPS[g] for g in mm.ethnicity[msl].tolist()],
            "national_id": [G.national_id_text(v) for v in mm.national_id[msl].tolist()],
            "has_disability": mm.disabled[msl].tolist(),
            "has_health_insurance": mm.insured[msl].tolist(),
            "schooling": [G.SCHOOLING[s] for s in mm.schooling[msl].tolist()],
            "education": [P.EDUCATION_LEVELS[e] for e in mm.education[msl].tolist()],
            "in_training": mm.in_training[msl].tolist(),
            "employment": [G.EMPLOYMENT[e] for e in mm.employment[msl].tolist()],
        }
        # reviews: one per household and year, household by household
        Y = rv.review_date.shape[1]
        review_days = rv.review_date[sl].ravel().astype(object).tolist()
        meeting = self.meeting[sl].ravel().astype(object).tolist()
        list_years = rv.list_year[sl].ravel().tolist()
        deprived = rv.deprived[sl].ravel().tolist()
        reviews = {
            "household_id": np.repeat(ids, Y).tolist(),
            "kind": ["periodic"] * (n * Y),
            "review_date": review_days,
            "list_year": list_years,
            "standard_id": self.standard_pk[rv.standard[sl].ravel()].tolist(),
            "income_per_capita": rv.income[sl].ravel().tolist(),
            "household_size": rv.size[sl].ravel().tolist(),
            "deprived_mask": [self.db_mask[m] for m in deprived],
            "derived_mask": [self.db_mask[m] for m in rv.derived[sl].ravel().tolist()],
            "overrides": [{}] * (n * Y),
            "deprivation_count": [m.bit_count() for m in deprived],
            "classification": [G.CLASSIFICATIONS[c] for c in rv.classification[sl].ravel().tolist()],
            "transition": [G.TRANSITIONS[c] for c in rv.transition[sl].ravel().tolist()],
            "status": ["recognised"] * (n * Y),
            "village_agreed_at": [self.at(d, 19) for d in meeting],
            "posted_at": [self.at(date.fromordinal(d.toordinal() + P.POSTED_AFTER_MEETING_DAYS), 8) for d in meeting],
            "recognised_at": [self.at(date(y - 1, *P.RECOGNISED_ON), 9) for y in list_years],
            "source": [SOURCE] * (n * Y),
            "version": [1] * (n * Y),
            "created_at": [self.at(d, 17) for d in review_days],
        }
        if copy:
            _copy(Household, households)
            _copy(Member, members)
            _copy(Review, reviews)
        else:
            _insert(Household, households)
            _insert(Member, members)
            _insert(Review, reviews)
        return {"households": n, "members": len(msl), "reviews": n * Y}


def _columns(model, values: dict[str, list]) -> list[str]:
    """The columns to write: the given ones, and a default for any other (a field added later to the model)."""
    names = {f.attname for f in model._meta.concrete_fields}
    unknown = set(values) - names
    if unknown:
        raise RuntimeError(f"{model.__name__} has no field(s) {sorted(unknown)}")
    for f in model._meta.concrete_fields:
        if f.attname in values or f.primary_key:
            continue
        if not (f.null or f.has_default()):
            raise RuntimeError(f"{model.__name__}.{f.attname} has no default: teach synthetic.writer to fill it")
    return list(values)


def _complete(model, values: dict[str, list]) -> list[str]:
    """The columns to write, with every field the writer does not know filled with its default (or NULL)."""
    columns = _columns(model, values)
    n = len(next(iter(values.values())))
    for f in model._meta.concrete_fields:
        if f.attname not in values and not f.primary_key:
            values[f.attname] = [f.get_default() if f.has_default() else None] * n
            columns.append(f.attname)
    return columns


def _copy(model, values: dict[str, list]) -> None:
    """PostgreSQL: ``COPY … FROM STDIN`` (psycopg adapts dates, aware datetimes, booleans)."""
    columns = _complete(model, values)
    for f in model._meta.concrete_fields:
        if f.get_internal_type() == "JSONField" and f.attname in values:
            cache: dict[int, str] = {}
            values[f.attname] = [cache.setdefault(id(v), json.dumps(v)) for v in values[f.attname]]
    sql = f"COPY {model._meta.db_table} ({', '.join(connection.ops.quote_name(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in zip(*(values[c] for c in columns), strict=True):
            copy.write_row(row)


def _insert(model, values: dict[str, list]) -> None:
    """Elsewhere (SQLite): batched ``INSERT`` (``executemany``), each value prepared as ``bulk_create`` would, by
    the field's ``get_db_prep_save`` (once per distinct date, datetime or JSON value), without model instances."""
    columns = _complete(model, values)
    fields = {f.attname: f for f in model._meta.concrete_fields}
    prepared = []
    for name in columns:
        f = fields[name]
        column = values[name]
        if f.get_internal_type() in ("DateField", "DateTimeField"):
            cache: dict = {}
            column = [
                cache[v] if v in cache else cache.setdefault(v, f.get_db_prep_save(v, connection)) for v in column
            ]
        elif f.get_internal_type() == "JSONField":
            by_id: dict[int, object] = {}
            column = [by_id.setdefault(id(v), f.get_db_prep_save(v, connection)) for v in column]
        prepared.append(column)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
    rows = list(zip(*prepared, strict=True))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BULK_BATCH):
            cursor.executemany(sql, rows[start : start + BULK_BATCH])
