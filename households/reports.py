"""The multidimensional-poverty (Alkire-Foster) report, the official poverty rates and progress against targets.

Selectors for the report pages and their Excel export (design.md §5.6). Every read goes through
:func:`accounts.scope.user_scope`: a user sees the figures of the households they serve, and a user with no area gets
empty results without a query being run.

Which reviews count: the **recognised** reviews whose ``list_year`` is the year asked for. When a household has
several recognised reviews in one list year (a regular review recognised after the periodic one), the latest one
counts: latest by review date, then by id, as ``households.services`` decides the household's status.

The Alkire-Foster figures (domain.md §9.5) come from :func:`households.mpi.alkire_foster`. The reviews are read with
one query (``values_list``; on PostgreSQL the columns come back as arrays, decoded straight into numpy), the bit
masks are unpacked with numpy bit operations, and the groups (communes, villages, ethnic minority / Kinh) are computed
in one vectorised pass from the same weights and cut-off: a test holds every group equal to ``alkire_foster`` run on
that group's households alone.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import BigIntegerField, BooleanField, Count, ExpressionWrapper, F, Max, Min, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.scope import Scope, user_scope
from areas.models import Commune, Village

from .ethnicity import KINH
from .models import Classification, Indicator, PovertyStandard, Review
from .mpi import SCORE_TOLERANCE, alkire_foster

__all__ = [
    "GROUPINGS",
    "K_CHOICES",
    "TARGETS",
    "TARGETS_SOURCE",
    "TARGETS_SOURCE_NOTE",
    "AFFigures",
    "AFReport",
    "AFRow",
    "IndicatorInfo",
    "OfficialRates",
    "RatesRow",
    "Target",
    "TargetProgress",
    "YearRates",
    "af_frame",
    "af_report",
    "deprivation_matrix",
    "dimension_weights",
    "grouped_af",
    "official_rates",
    "report_years",
    "target_progress",
]

BY_COMMUNE, BY_VILLAGE, BY_ETHNICITY = "commune", "village", "ethnicity"
GROUPINGS = {
    BY_COMMUNE: _("Commune"),
    BY_VILLAGE: _("Village"),
    BY_ETHNICITY: _("Ethnic minority / Kinh"),
}
#: Poverty cut-offs offered by the page, as exact fractions of the total weight (1/3 is the common choice).
K_CHOICES = ("1/4", "1/3", "2/5", "1/2")

ERR_BY = _("Unknown grouping %(by)s.")
ERR_WEIGHTS_SCHEME = _("Unknown weighting %(weights)s.")

MINORITY, KINH_GROUP = "minority", "kinh"
GROUP_LABELS = {MINORITY: _("Ethnic-minority households"), KINH_GROUP: _("Kinh households")}
PARTIAL_COMMUNE = _("only the villages you serve")

# A commune or village that merged keeps its row and points to its successor (areas.models); the report counts its
# households under the unit they belong to now. Three generations of mergers are followed.
_MERGE_DEPTH = 3


# --- targets (design.md §1) -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """A yearly reduction of the poor-household rate, in percentage points, that a group should reach."""

    key: str
    label: object
    min_points: float
    max_points: float | None

    @property
    def text(self) -> str:
        if self.max_points is None:
            return str(_("at least %(min)s points a year") % {"min": _points(self.min_points)})
        return str(
            _("%(min)s-%(max)s points a year") % {"min": _points(self.min_points), "max": _points(self.max_points)}
        )


def _points(value: float) -> str:
    return number_format(value, decimal_pos=1 if value % 1 else 0)


#: Where the targets come from. design.md §1 states them for the provincial coordination office; their legal basis
#: (the national target programme for sustainable poverty reduction and the one for ethnic-minority and mountainous
#: areas) is not yet confirmed in domain.md, so they are kept here, in one place, to be moved to editable data.
TARGETS_SOURCE = "design.md §1"
TARGETS_SOURCE_NOTE = _(
    "Targets of the provincial coordination office (%(source)s); their legal basis is still to be confirmed."
)
TARGETS: dict[str, Target] = {
    "all": Target("all", _("Poor-household rate"), 1.0, 1.5),
    "disadvantaged": Target("disadvantaged", _("Poor-household rate in disadvantaged communes"), 3.0, None),
    "minority": Target("minority", _("Poor-household rate among ethnic-minority households"), 3.0, 4.0),
}
ON_TRACK, BEHIND, NO_DATA = "on_track", "behind", "no_data"
STATUS_LABELS = {ON_TRACK: _("On track"), BEHIND: _("Behind"), NO_DATA: _("No data")}


# --- reading the reviews ----------------------------------------------------------------------------------------
def _recognised(scope: Scope, years: Iterable[int]) -> QuerySet[Review]:
    """Recognised reviews of ``years`` of the households ``scope`` serves (no ordering: reports sort themselves)."""
    qs = Review.objects.filter(status=Review.Status.RECOGNISED, list_year__in=sorted(set(years))).order_by()
    if scope.unrestricted:
        return qs
    if scope.is_empty:
        return qs.none()
    # The villages the user serves (the scope's own filter), as a subquery: the database matches the households
    # against that short list once, instead of joining villages and communes to every review (30 % faster measured).
    return qs.filter(household__village__in=scope.villages().values("pk"))


def _minority() -> ExpressionWrapper:
    return ExpressionWrapper(~Q(household__head_ethnicity=KINH), output_field=BooleanField())


#: The columns the Alkire-Foster report reads for each review, with their numpy types. Every column costs the
#: database about 0.16 s per two million reviews (measured on PostgreSQL 15), so the report asks only for what it
#: uses: ``minority`` only to group by ethnicity, ``household_size`` only for person-weighted figures; a household's
#: commune comes from its village (``households.services`` keeps the two in step).
AF_COLUMNS: tuple[tuple[str, str], ...] = (
    ("household_id", "int64"),
    ("household__village_id", "int64"),
    ("deprived_mask", "int64"),
    ("year_standard", "int64"),  # standard_id · 65536 + list_year: two small numbers in one column (see _unpack)
)
YEAR_SPAN = 65536  # list_year is a PositiveSmallIntegerField: below 2¹⁵
AF_MINORITY = ("minority", "bool")
AF_SIZE = ("household_size", "int16")
_FRAME_NAMES = {"household__village_id": "village_id"}
_PG_TYPES = {"int64": "int8", "int32": "int4", "int16": "int2", "bool": "bool"}  # numpy type → PostgreSQL type
_PG_ARRAY_OIDS = (1016, 1007, 1005, 1000)  # int8[], int4[], int2[], bool[]
_PG_ELEMENT_TYPES = {20: ">i8", 23: ">i4", 21: ">i2", 16: "?"}  # element oid → big-endian numpy type


Columns = dict[str, np.ndarray]


def af_frame(*, user, years: Iterable[int]) -> pd.DataFrame:
    """One row per household and list year: the latest recognised review of each household the user serves.

    Columns: ``household_id``, ``village_id``, ``deprived_mask``, ``standard_id``, ``list_year``, ``minority`` (head
    of household not Kinh) and ``household_size``. An empty scope reads nothing.
    """
    return pd.DataFrame(_af_columns(user_scope(user), years, minority=True, sizes=True), copy=False)


def _af_columns(scope: Scope, years: Iterable[int], *, minority: bool, sizes: bool) -> Columns:
    """The report's columns as numpy arrays: one query, plus one when some households have several reviews."""
    spec = list(AF_COLUMNS) + ([AF_MINORITY] if minority else []) + ([AF_SIZE] if sizes else [])
    years = sorted(set(years))
    if scope.is_empty:
        return _unpack({_FRAME_NAMES.get(name, name): np.zeros(0, dtype=dtype) for name, dtype in spec})
    qs = _recognised(scope, years).annotate(
        year_standard=ExpressionWrapper(F("standard_id") * YEAR_SPAN + F("list_year"), output_field=BigIntegerField())
    )
    if minority:
        qs = qs.annotate(minority=_minority())
    columns = _read_columns(qs.values_list(*[name for name, _dtype in spec]), spec)
    columns = _unpack({_FRAME_NAMES.get(name, name): values for name, values in columns.items()})
    several = _several(columns)
    if not several.any():
        return columns
    return _keep_latest(columns, several, _latest_reviews(pd.unique(columns["household_id"][several]), years))


def _unpack(columns: Columns) -> Columns:
    """Split ``year_standard`` into ``standard_id`` and ``list_year`` (one array less for the database to build)."""
    packed = columns.pop("year_standard")
    columns["standard_id"] = packed // YEAR_SPAN
    columns["list_year"] = (packed % YEAR_SPAN).astype(np.int16)
    return columns


def _take(columns: Columns, rows: np.ndarray) -> Columns:
    return {name: values[rows] for name, values in columns.items()}


def _year_key(columns) -> np.ndarray:
    """One integer per (household, list year)."""
    households = np.asarray(columns["household_id"], dtype=np.int64)
    return households * 4096 + np.asarray(columns["list_year"], dtype=np.int64)


def _several(columns: Columns) -> np.ndarray:
    """Rows whose household has more than one recognised review in that list year. Vectorised.

    Dense household ids are counted with ``numpy.bincount`` (no sort, no hashing); sparse ones are hashed.
    """
    households = columns["household_id"]
    if len(households) == 0:
        return np.zeros(0, dtype=bool)
    years = columns["list_year"].astype(np.int64)
    low, year_low = int(households.min()), int(years.min())
    n_years = int(years.max()) - year_low + 1
    key = (households.astype(np.int64) - low) * n_years + (years - year_low)
    span = (int(households.max()) - low + 1) * n_years
    if span <= 16 * len(key) + 4096:
        return np.bincount(key, minlength=span)[key] > 1
    return pd.Index(key).duplicated(keep=False)


def _latest_reviews(households: np.ndarray, years: list[int]) -> pd.DataFrame:
    """For households with several recognised reviews in a list year: the latest one's mask, standard and size.

    Latest by review date, then by id, as ``households.services`` decides the household's status. These households
    are few (a regular review recognised after the periodic one), so their reviews are read as rows; the ids go to
    the database as one array parameter. Indexed by ``_year_key``.
    """
    qs = _household_in(Review.objects.filter(status=Review.Status.RECOGNISED, list_year__in=years), households)
    rows = qs.order_by("household_id", "list_year", "review_date", "id").values_list(
        "household_id", "list_year", "deprived_mask", "standard_id", "household_size"
    )
    frame = pd.DataFrame(
        list(rows), columns=["household_id", "list_year", "deprived_mask", "standard_id", "household_size"]
    )
    frame = frame.drop_duplicates(["household_id", "list_year"], keep="last")  # rows come oldest first
    return frame.set_index(_year_key(frame)).sort_index()


def _household_in(qs: QuerySet[Review], households: np.ndarray) -> QuerySet[Review]:
    """Reviews of ``households`` (thousands of ids: on PostgreSQL one array parameter, not one placeholder each)."""
    if connection.vendor != "postgresql":
        return qs.filter(household_id__in=households.tolist())
    column = f"{connection.ops.quote_name(Review._meta.db_table)}.{connection.ops.quote_name('household_id')}"
    return qs.filter(RawSQL(f"{column} = ANY(%s)", (households.tolist(),), BooleanField()))  # noqa: S611 (a parameter)


def _keep_latest(columns: Columns, several: np.ndarray, latest: pd.DataFrame) -> Columns:
    """One row per (household, list year): the rows in ``several`` collapse into one carrying ``latest``'s review.

    The household's own columns (village, ethnicity) are the same on all its rows; the review's columns (mask,
    standard, size) come from ``latest`` (indexed by ``_year_key``). Vectorised.
    """
    key = _year_key(columns)
    rows = np.flatnonzero(several)
    _unique, first = np.unique(key[rows], return_index=True)
    keep = ~several
    keep[rows[first]] = True
    out = _take(columns, np.flatnonzero(keep))
    replaced = rows[first]  # positions in ``columns``; their place in ``out`` follows
    at = np.searchsorted(np.flatnonzero(keep), replaced)
    source = latest.index.get_indexer(key[replaced])
    if (source < 0).any():  # a review recognised between the two reads: keep what the first read saw
        at, source = at[source >= 0], source[source >= 0]
    for name in ("deprived_mask", "standard_id", "household_size"):
        if name in out:
            out[name][at] = latest[name].to_numpy()[source]
    return out


def _read_columns(qs: QuerySet, spec: Sequence[tuple[str, str]]) -> dict[str, np.ndarray]:
    """Run a ``values_list`` queryset and return its columns as numpy arrays (in ``spec`` order and types).

    On PostgreSQL the rows come back as one row of arrays (``array_agg``) in the binary protocol and each array is
    decoded with one ``numpy.frombuffer``: a million rows take a fraction of the time of building a million tuples.
    Elsewhere (the SQLite demo) the rows are fetched as tuples. Either way, one query.
    """
    if connection.vendor == "postgresql":
        return _read_columns_postgresql(qs, spec)
    return _read_columns_tuples(qs, spec)


def _read_columns_tuples(qs: QuerySet, spec: Sequence[tuple[str, str]]) -> dict[str, np.ndarray]:
    rows = list(qs)
    out: dict[str, np.ndarray] = {}
    for position, (name, dtype) in enumerate(spec):
        out[name] = np.array([row[position] for row in rows], dtype=dtype)
    return out


def _read_columns_postgresql(qs: QuerySet, spec: Sequence[tuple[str, str]]) -> dict[str, np.ndarray]:
    import psycopg
    from psycopg.adapt import Loader

    class NumpyArrayLoader(Loader):
        """A one-dimensional array of fixed-width values without NULLs, in the binary format, as a numpy array."""

        format = psycopg.pq.Format.BINARY

        def load(self, data) -> np.ndarray:
            ndim, _flags, oid = struct.unpack_from(">iiI", data, 0)
            dtype = np.dtype(_PG_ELEMENT_TYPES[oid])
            if ndim == 0:
                return np.zeros(0, dtype=dtype.newbyteorder("="))
            (length,) = struct.unpack_from(">i", data, 12)
            items = np.frombuffer(data, dtype=np.dtype([("size", ">i4"), ("value", dtype)]), offset=20, count=length)
            if (items["size"] != dtype.itemsize).any():  # a NULL (-1) or another width: the query is wrong
                raise ValueError("unexpected NULL or width in a report column")
            return items["value"].astype(dtype.newbyteorder("="))

    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:  # qs.none(): nothing to ask the database
        return {name: np.zeros(0, dtype=dtype) for name, dtype in spec}
    aliases = [f"c{i}" for i in range(len(spec))]
    selects = []
    for alias, (_name, dtype) in zip(aliases, spec, strict=True):
        pg_type = _PG_TYPES[dtype]
        selects.append(f"COALESCE(array_agg({alias}::{pg_type}), '{{}}')")
    statement = f"SELECT {', '.join(selects)} FROM ({sql}) AS t({', '.join(aliases)})"  # noqa: S608 (no user text)
    with transaction.atomic(using=connection.alias), connection.cursor() as django_cursor:
        # JIT compilation costs more than it saves on a one-off report query (0.1-0.8 s measured), and the planner
        # prices handing two million rows from parallel workers to the leader so high that it never splits the join
        # between them; at a tenth of the default price it does, and the read is 15-20 % faster on two cores.
        django_cursor.execute("SET LOCAL jit = off")
        django_cursor.execute("SET LOCAL parallel_tuple_cost = 0.01")
        # Django's cursors bind parameters on the client, which rules out binary results: this one statement runs on
        # a server-binding psycopg cursor of the same connection and transaction, through Django's execute wrappers
        # and query log (so query counts in tests and the debug toolbar still see it).
        raw = psycopg.Cursor(connection.connection)
        try:
            for oid in _PG_ARRAY_OIDS:
                raw.adapters.register_loader(oid, NumpyArrayLoader)

            def run(sql, params, _many, _context):
                with connection.wrap_database_errors:
                    raw.execute(sql, params, binary=True)

            if hasattr(django_cursor, "debug_sql"):  # DEBUG, or a test capturing queries
                with django_cursor.debug_sql(statement, params):
                    django_cursor._execute_with_wrappers(statement, params, False, run)
            else:
                django_cursor._execute_with_wrappers(statement, params, False, run)
            row = raw.fetchone()
        finally:
            raw.close()
    return {name: array.astype(dtype, copy=False) for (name, dtype), array in zip(spec, row, strict=True)}


# --- bit masks and weights --------------------------------------------------------------------------------------
def deprivation_matrix(masks: np.ndarray, bits: Sequence[int], codes: Sequence[str]) -> pd.DataFrame:
    """Unpack deprivation bit masks into one boolean column per indicator (bit ``bits[j]`` → column ``codes[j]``).

    Vectorised: one numpy bit operation per indicator over all rows, written into a single block (no copy when the
    frame is built).
    """
    values = np.asarray(masks, dtype=np.int64).view(np.uint64) if len(masks) else np.zeros(0, dtype=np.uint64)
    block = np.empty((len(codes), len(values)), dtype=bool)
    for j, bit in enumerate(bits):
        np.not_equal(values & np.uint64(1 << bit), 0, out=block[j])
    return pd.DataFrame(block.T, columns=list(codes), copy=False)


def dimension_weights(indicators: Sequence[IndicatorInfo]) -> dict[str, float]:
    """Nested weights: each dimension an equal share, split equally between its indicators (OPHI's global MPI)."""
    dimensions: dict[str, list[str]] = {}
    for indicator in indicators:
        dimensions.setdefault(indicator.dimension, []).append(indicator.code)
    return {code: 1 / len(dimensions) / len(codes) for codes in dimensions.values() for code in codes}


# --- the Alkire-Foster figures ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class IndicatorInfo:
    code: str
    bit: int
    dimension: str
    dimension_vi: str
    name_vi: str
    name_en: str

    @property
    def label(self) -> str:
        """The Vietnamese name from the Indicator table (the English one when the page is in English)."""
        if (get_language() or "vi").startswith("vi") or not self.name_en:
            return self.name_vi
        return self.name_en


@dataclass(frozen=True)
class AFFigures:
    """H, A, M0 (shares, 0-1) and per-indicator shares for one group and one year.

    ``n`` and ``q`` count households (or people when person-weighted); ``headcount`` is the raw share deprived,
    ``censored`` the share poor and deprived, ``contribution`` each indicator's share of M0.
    """

    n: int | float
    q: int | float
    H: float
    A: float
    M0: float
    headcount: dict[str, float]
    censored: dict[str, float]
    contribution: dict[str, float]


@dataclass(frozen=True)
class AFRow:
    key: object
    label: str
    current: AFFigures | None
    previous: AFFigures | None
    note: str = ""

    @property
    def change(self) -> dict[str, float | None]:
        """Change of H, A and M0 from the previous year, in percentage points (None without both years)."""
        if self.current is None or self.previous is None:
            return {"H": None, "A": None, "M0": None}
        return {m: (getattr(self.current, m) - getattr(self.previous, m)) * 100 for m in ("H", "A", "M0")}

    def censored_change(self, code: str) -> float | None:
        if self.current is None or self.previous is None or code not in self.previous.censored:
            return None
        return (self.current.censored[code] - self.previous.censored[code]) * 100


@dataclass(frozen=True)
class StandardInfo:
    pk: int
    code: str
    name_vi: str


@dataclass
class AFReport:
    year: int
    previous_year: int
    k: float
    by: str
    person_weighted: bool
    weights_scheme: str
    standard: StandardInfo | None
    previous_standard: StandardInfo | None
    indicators: list[IndicatorInfo]
    weights: dict[str, float]
    total: AFRow
    groups: list[AFRow]
    excluded: dict[int, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.total.current is None

    @property
    def unit(self) -> str:
        return str(_("people")) if self.person_weighted else str(_("households"))


def _as_k(k: float | str | Fraction) -> float:
    if isinstance(k, str):
        return float(Fraction(k))
    return float(k)


def af_report(
    *,
    user,
    year: int,
    k: float | str = 1 / 3,
    by: str = BY_COMMUNE,
    weights: Mapping[str, float] | str | None = None,
    person_weighted: bool = False,
) -> AFReport:
    """The Alkire-Foster report of ``year`` over the households ``user`` serves, by group, with the previous year.

    ``k`` is the poverty cut-off (a number or a fraction such as ``"1/3"``); ``by`` is ``"commune"``, ``"village"`` or
    ``"ethnicity"``; ``weights`` is ``None`` or ``"equal"`` (equal weights), ``"dimension"`` (nested: equal per
    dimension) or ``{indicator code: weight}`` covering the indicators of the standard applied (codes of other
    standards are ignored); ``person_weighted`` counts people (household size) instead of households.
    Indicators are those of the standard the year's reviews applied; reviews under another standard (rare: a
    province's own standard) are left out and counted in ``excluded``. Queries: a fixed number (scope, one read of
    the reviews, standards and indicators, area names), whatever the number of households.
    """
    if by not in GROUPINGS:
        raise ValueError(str(ERR_BY % {"by": by}))
    if isinstance(weights, str) and weights not in ("equal", "dimension"):
        raise ValueError(str(ERR_WEIGHTS_SCHEME % {"weights": weights}))
    k_value = _as_k(k)
    scope = user_scope(user)
    started = time.perf_counter()
    columns = _af_columns(scope, [year - 1, year], minority=by == BY_ETHNICITY, sizes=person_weighted)
    read_seconds = time.perf_counter() - started

    standards = _standards(set(pd.unique(columns["standard_id"]).tolist()))
    grouping = _groups(scope, columns, by)
    compute_started = time.perf_counter()
    per_year: dict[int, tuple[StandardInfo | None, list[IndicatorInfo], dict, AFFigures | None, dict]] = {}
    excluded: dict[int, int] = {}
    scheme = weights if isinstance(weights, str) else ("custom" if weights else "equal")
    for y in (year - 1, year):
        in_year = columns["list_year"] == y
        if not in_year.any():
            per_year[y] = (None, [], {}, None, {})
            continue
        counts = pd.Series(columns["standard_id"][in_year], copy=False).value_counts()
        standard_id = int(counts.index[0])  # the standard most reviews of the year applied
        excluded[y] = int(counts.iloc[1:].sum())
        rows = _take(columns, np.flatnonzero(in_year & (columns["standard_id"] == standard_id)))
        info, indicators = standards[standard_id]
        matrix = deprivation_matrix(rows["deprived_mask"], [i.bit for i in indicators], [i.code for i in indicators])
        sizes = pd.Series(rows["household_size"].astype(np.float64), copy=False) if person_weighted else None
        result = alkire_foster(matrix, k=k_value, weights=_weights_for(indicators, weights), population=sizes)
        used_weights = result.weights.to_dict()
        groups = grouped_af(
            matrix, k=k_value, weights=used_weights, groups=_group_keys(rows, by, grouping), population=sizes
        )
        if by == BY_ETHNICITY:
            groups = {(MINORITY, KINH_GROUP)[key]: figures for key, figures in groups.items()}
        per_year[y] = (info, indicators, used_weights, _figures(result), groups)
    compute_seconds = time.perf_counter() - compute_started

    info, indicators, used_weights, total_now, groups_now = per_year[year]
    previous_info, _prev_indicators, _w, total_before, groups_before = per_year[year - 1]
    keys = sorted(set(groups_now) | set(groups_before), key=lambda key: grouping.order.get(key, (9, str(key))))
    report = AFReport(
        year=year,
        previous_year=year - 1,
        k=k_value,
        by=by,
        person_weighted=person_weighted,
        weights_scheme=scheme,
        standard=info,
        previous_standard=previous_info,
        indicators=indicators,
        weights=used_weights,
        total=AFRow("total", str(_("All households you serve")), total_now, total_before),
        groups=[
            AFRow(
                key,
                grouping.labels.get(key, str(key)),
                groups_now.get(key),
                groups_before.get(key),
                grouping.notes.get(key, ""),
            )
            for key in keys
        ],
        excluded={y: n for y, n in excluded.items() if n},
    )
    report.timings = {
        "read_seconds": round(read_seconds, 4),
        "compute_seconds": round(compute_seconds, 4),
        "rows": len(columns["household_id"]),
    }
    return report


def _weights_for(indicators: list[IndicatorInfo], weights) -> dict[str, float] | None:
    if weights is None or weights == "equal":
        return None
    if weights == "dimension":
        return dimension_weights(indicators)
    codes = {i.code for i in indicators}
    return {code: value for code, value in weights.items() if code in codes}


def _figures(result) -> AFFigures:
    return AFFigures(
        n=result.n,
        q=result.q,
        H=result.H,
        A=result.A,
        M0=result.M0,
        headcount=result.headcount.to_dict(),
        censored=result.censored_headcount.to_dict(),
        contribution=result.contribution.to_dict(),
    )


def grouped_af(
    deprivations: pd.DataFrame,
    *,
    k: float,
    weights: Mapping[str, float],
    groups: np.ndarray,
    population: pd.Series | None = None,
) -> dict[object, AFFigures]:
    """The Alkire-Foster figures of every group at once (``groups[i]`` is row ``i``'s group key).

    The same identification as :func:`households.mpi.alkire_foster` (the score summed indicator by indicator in
    column order, poor when ``score >= k - SCORE_TOLERANCE``) with normalised ``weights`` (take them from that
    function's result), then one ``numpy.bincount`` per sum: one call for 2,000 villages instead of 2,000.
    """
    columns = list(deprivations.columns)
    w = np.array([weights[code] for code in columns], dtype=np.float64)
    matrix = [deprivations[code].to_numpy(dtype=bool) for code in columns]
    score = np.zeros(len(deprivations.index), dtype=np.float64)
    for j, deprived in enumerate(matrix):
        if w[j]:
            score += w[j] * deprived
    poor = score >= k - SCORE_TOLERANCE
    inverse, keys = pd.factorize(np.asarray(groups))  # hashing: faster than sorting a million keys
    size = len(keys)
    if population is None:  # households: plain counts
        n = np.bincount(inverse, minlength=size).astype(np.float64)
        q = np.bincount(inverse[poor], minlength=size).astype(np.float64)
        poor_score = np.bincount(inverse[poor], weights=score[poor], minlength=size)
        raw = [np.bincount(inverse[d], minlength=size) for d in matrix]
        censored = [np.bincount(inverse[d & poor], minlength=size) for d in matrix]
    else:  # people: each household weighs its size
        unit = population.to_numpy(dtype=np.float64)
        poor_unit = np.where(poor, unit, 0.0)
        n = np.bincount(inverse, weights=unit, minlength=size)
        q = np.bincount(inverse, weights=poor_unit, minlength=size)
        poor_score = np.bincount(inverse, weights=poor_unit * score, minlength=size)
        raw = [np.bincount(inverse, weights=unit * d, minlength=size) for d in matrix]
        censored = [np.bincount(inverse, weights=poor_unit * d, minlength=size) for d in matrix]
    out: dict[object, AFFigures] = {}
    for g, key in enumerate(keys.tolist()):
        if n[g] <= 0:
            continue
        H = q[g] / n[g] if q[g] else 0.0
        A = poor_score[g] / q[g] if q[g] else 0.0
        M0 = H * A
        cens = {code: censored[j][g] / n[g] for j, code in enumerate(columns)}
        out[key] = AFFigures(
            n=_whole(n[g]),
            q=_whole(q[g]),
            H=float(H),
            A=float(A),
            M0=float(M0),
            headcount={code: float(raw[j][g] / n[g]) for j, code in enumerate(columns)},
            censored={code: float(v) for code, v in cens.items()},
            contribution={code: float(w[j] * cens[code] / M0) if M0 > 0 else 0.0 for j, code in enumerate(columns)},
        )
    return out


def _whole(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _standards(ids: set[int]) -> dict[int, tuple[StandardInfo, list[IndicatorInfo]]]:
    """The standards applied and their indicators, ordered by bit (two queries)."""
    if not ids:
        return {}
    infos = {
        pk: StandardInfo(pk, code, name)
        for pk, code, name in PovertyStandard.objects.filter(pk__in=ids).values_list("pk", "code", "name_vi")
    }
    indicators: dict[int, list[IndicatorInfo]] = {pk: [] for pk in infos}
    rows = (
        Indicator.objects.filter(standards__in=ids)
        .order_by("bit")
        .values_list("standards", "code", "bit", "dimension", "dimension_vi", "name_vi", "name_en")
    )
    for standard_id, code, bit, dimension, dimension_vi, name_vi, name_en in rows:
        indicators[standard_id].append(IndicatorInfo(code, bit, dimension, dimension_vi, name_vi, name_en))
    return {pk: (infos[pk], indicators[pk]) for pk in infos}


# --- groups: communes and villages (rolled up through mergers), ethnicity ----------------------------------------
def _successors(model, ids: Iterable[int]) -> dict[int, int]:
    """Each unit id → the unit it belongs to now (itself unless it merged), following up to three mergers."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    chain = ["merged_into_id"] + ["__".join(["merged_into"] * depth) + "_id" for depth in range(2, _MERGE_DEPTH + 1)]
    out = {}
    for pk, *links in model.objects.filter(pk__in=ids).values_list("pk", *chain):
        successor = pk
        for link in links:
            if link is None:
                break
            successor = link
        out[pk] = successor
    return out


@dataclass(frozen=True)
class _Groups:
    """How rows map to groups, and each group's label, note and sort key."""

    roots: dict[int, int]  # village id → its group now (its commune, or the village it merged into)
    labels: dict
    notes: dict
    order: dict


def _groups(scope: Scope, columns: Columns, by: str) -> _Groups:
    """The groups present in ``columns``, and how each village maps to its group (a few small queries)."""
    if by == BY_ETHNICITY:
        labels = {key: str(label) for key, label in GROUP_LABELS.items()}
        return _Groups({}, labels, {}, {MINORITY: (0, ""), KINH_GROUP: (1, "")})
    villages = pd.unique(columns["village_id"]).tolist()
    if not villages:
        return _Groups({}, {}, {}, {})
    if by == BY_COMMUNE:
        village_commune = dict(Village.objects.filter(pk__in=villages).values_list("pk", "commune_id"))
        communes = _successors(Commune, village_commune.values())
        rows = Commune.objects.filter(pk__in=set(communes.values())).values_list("pk", "code", "name", "province_id")
        labels, notes, order = {}, {}, {}
        for pk, code, name, province_id in rows:
            labels[pk] = name
            order[pk] = (0, code)
            if not (scope.unrestricted or pk in scope.commune_ids or province_id in scope.province_ids):
                notes[pk] = str(PARTIAL_COMMUNE)
        return _Groups({v: communes[c] for v, c in village_commune.items()}, labels, notes, order)
    roots = _successors(Village, villages)
    rows = Village.objects.filter(pk__in=set(roots.values())).values_list(
        "pk", "code", "name", "commune__name", "commune__code"
    )
    labels = {pk: f"{name} · {commune}" for pk, _code, name, commune, _commune_code in rows}
    order = {pk: (0, commune_code, code) for pk, code, _name, _commune, commune_code in rows}
    return _Groups(roots, labels, {}, order)


def _group_keys(rows: Columns, by: str, groups: _Groups) -> np.ndarray:
    """Each row's group: 0 (ethnic minority) / 1 (Kinh), or the id of its commune or village as it is now."""
    if by == BY_ETHNICITY:
        return np.where(rows["minority"], 0, 1)  # numbers group faster than strings; named in af_report
    inverse, villages = pd.factorize(rows["village_id"])
    return np.array([groups.roots.get(v, v) for v in villages.tolist()], dtype=np.int64)[inverse]


# --- official rates ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class YearRates:
    """Households with a recognised review in the year (the denominator) and how many of them are poor, near-poor."""

    households: int
    poor: int
    near_poor: int

    @property
    def poor_rate(self) -> float | None:
        return self.poor / self.households if self.households else None

    @property
    def near_poor_rate(self) -> float | None:
        return self.near_poor / self.households if self.households else None

    @property
    def combined_rate(self) -> float | None:
        return (self.poor + self.near_poor) / self.households if self.households else None


EMPTY_YEAR = YearRates(0, 0, 0)


@dataclass(frozen=True)
class RatesRow:
    key: object
    label: str
    rates: dict[int, YearRates]
    target: str = "all"  # the key of TARGETS that applies to this row
    note: str = ""

    def get(self, year: int) -> YearRates:
        return self.rates.get(year, EMPTY_YEAR)

    def reduction(self, year: int) -> float | None:
        """How far the poor-household rate fell from ``year - 1`` to ``year``, in percentage points."""
        before, now = self.get(year - 1).poor_rate, self.get(year).poor_rate
        if before is None or now is None:
            return None
        return (before - now) * 100


@dataclass(frozen=True)
class OfficialRates:
    years: list[int]
    total: RatesRow
    communes: list[RatesRow]
    ethnicity: list[RatesRow]
    disadvantaged: list[RatesRow]

    @property
    def empty(self) -> bool:
        return not any(r.households for r in self.total.rates.values())

    @property
    def rows(self) -> list[RatesRow]:
        return [self.total, *self.ethnicity, *self.disadvantaged, *self.communes]


def official_rates(*, user, years: Iterable[int]) -> OfficialRates:
    """Poor and near-poor households as a share of the households with a recognised review, per list year.

    For the households ``user`` serves: in total, per commune (merged communes counted under their successor), for
    ethnic-minority and Kinh households (head of household), and for disadvantaged and other communes. Each
    household counts once a year, by its latest recognised review. Queries: three in the database (the count, the
    households with a regular review, their reviews), plus two for the communes' names, whatever the number of
    households.
    """
    years = sorted(set(years))
    scope = user_scope(user)
    counts: list[tuple] = []
    if not scope.is_empty and years:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL jit = off")  # see _read_columns_postgresql
            counts = _rate_counts(scope, years)
    frame = pd.DataFrame(counts, columns=["year", "commune", "minority", "classification", "n"])
    roots = _successors(Commune, frame["commune"].unique().tolist())
    communes = (
        {
            pk: (code, name, disadvantaged, province_id)
            for pk, code, name, disadvantaged, province_id in Commune.objects.filter(
                pk__in=set(roots.values())
            ).values_list("pk", "code", "name", "disadvantaged", "province_id")
        }
        if roots
        else {}
    )
    frame["commune"] = frame["commune"].map(roots)
    frame["minority"] = frame["minority"].astype(bool)
    frame["disadvantaged"] = frame["commune"].map({pk: c[2] for pk, c in communes.items()}).fillna(False).astype(bool)
    frame["n"] = frame["n"].astype(np.int64)

    def rates_of(part: pd.DataFrame) -> dict[int, YearRates]:
        out = {}
        for y in years:
            rows = part[part["year"] == y]
            by_class = rows.groupby("classification")["n"].sum()
            out[y] = YearRates(
                households=int(rows["n"].sum()),
                poor=int(by_class.get(Classification.POOR, 0)),
                near_poor=int(by_class.get(Classification.NEAR_POOR, 0)),
            )
        return out

    commune_rows = []
    for pk, (_code, name, disadvantaged, province_id) in sorted(communes.items(), key=lambda item: item[1][0]):
        whole = scope.unrestricted or pk in scope.commune_ids or province_id in scope.province_ids
        commune_rows.append(
            RatesRow(
                pk,
                name,
                rates_of(frame[frame["commune"] == pk]),
                target="disadvantaged" if disadvantaged else "all",
                note="" if whole else str(PARTIAL_COMMUNE),
            )
        )
    return OfficialRates(
        years=years,
        total=RatesRow("total", str(_("All households you serve")), rates_of(frame), target="all"),
        communes=commune_rows,
        ethnicity=[
            RatesRow(MINORITY, str(GROUP_LABELS[MINORITY]), rates_of(frame[frame["minority"]]), target="minority"),
            RatesRow(KINH_GROUP, str(GROUP_LABELS[KINH_GROUP]), rates_of(frame[~frame["minority"]]), ""),
        ],
        disadvantaged=[
            RatesRow(
                "disadvantaged",
                str(_("Disadvantaged communes")),
                rates_of(frame[frame["disadvantaged"]]),
                target="disadvantaged",
            ),
            RatesRow("other", str(_("Other communes")), rates_of(frame[~frame["disadvantaged"]]), target=""),
        ],
    )


RATE_KEYS = ["year", "commune", "minority", "classification"]


def _rate_counts(scope: Scope, years: list[int]) -> list[tuple]:
    """Recognised reviews counted by (year, commune, minority, classification), one per household and year.

    Counting every recognised review is one fast aggregate; the few households with several recognised reviews in a
    list year (they all have a regular one) are then read as rows and corrected: their rows are taken out and their
    latest review put back. This avoids asking the database to compare every review with every other review of its
    household (an anti-join over all the reviews: twice as slow, measured).
    """
    base = _recognised(scope, years).annotate(minority=_minority())
    fields = ["list_year", "household__commune_id", "minority", "classification"]
    everything = pd.DataFrame(
        list(base.values(*fields).annotate(n=Count("id")).values_list(*fields, "n")), columns=[*RATE_KEYS, "n"]
    )
    # Households with a regular review (only they can have several), with their commune and ethnicity...
    households = pd.DataFrame(
        list(
            base.filter(kind=Review.Kind.REGULAR)
            .values_list("household_id", "household__commune_id", "minority")
            .distinct()
        ),
        columns=["household", "commune", "minority"],
    )
    # ... and their recognised reviews of the years, oldest first: straight from the index, no join.
    reviews = pd.DataFrame(
        list(
            _household_in(
                Review.objects.filter(status=Review.Status.RECOGNISED, list_year__in=years),
                households["household"].to_numpy(dtype=np.int64),
            )
            .order_by("household_id", "list_year", "review_date", "id")
            .values_list("household_id", "list_year", "classification")
        ),
        columns=["household", "year", "classification"],
    )
    rows = reviews.merge(households, on="household", how="inner", sort=False)[["household", *RATE_KEYS]]
    several = rows[rows.duplicated(["household", "year"], keep=False)]
    if several.empty:
        return list(everything.itertuples(index=False, name=None))
    latest = several.drop_duplicates(["household", "year"], keep="last")
    minus = several.groupby(RATE_KEYS).size().rename("minus")
    plus = latest.groupby(RATE_KEYS).size().rename("plus")
    out = everything.set_index(RATE_KEYS)["n"].to_frame().join(minus, how="outer").join(plus, how="outer").fillna(0)
    out["n"] = out["n"] - out["minus"] + out["plus"]
    out = out[out["n"] > 0].reset_index()
    return list(out[[*RATE_KEYS, "n"]].astype({"n": np.int64}).itertuples(index=False, name=None))


@dataclass(frozen=True)
class TargetProgress:
    row: RatesRow
    target: Target
    year: int
    reduction: float | None
    status: str

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


def target_progress(rates: OfficialRates) -> list[TargetProgress]:
    """For every row that has a target and every year after the first: the yearly reduction and its status.

    On track when the poor-household rate fell by at least the target's lower bound (design.md §1); behind when it
    fell less (or rose); no data without a recognised review in both years.
    """
    out = []
    for row in rates.rows:
        target = TARGETS.get(row.target)
        if target is None:
            continue
        for year in rates.years[1:]:
            reduction = row.reduction(year)
            out.append(TargetProgress(row, target, year, reduction, target_status(target, reduction)))
    return out


def target_status(target: Target, reduction: float | None) -> str:
    """On track when the poor-household rate fell by at least the target's lower bound, behind when it fell less (or
    rose), no data without a reduction."""
    if reduction is None:
        return NO_DATA
    return ON_TRACK if reduction >= target.min_points - 1e-9 else BEHIND


def report_years() -> list[int]:
    """The list years that have recognised reviews in the database, oldest first (two index lookups).

    Not scoped (years are not personal data); the reports then show what the user's areas hold for the year chosen.
    """
    bounds = Review.objects.filter(status=Review.Status.RECOGNISED).aggregate(
        first=Min("list_year"), last=Max("list_year")
    )
    if bounds["first"] is None:
        return []
    return list(range(bounds["first"], bounds["last"] + 1))
