"""Classification of a household under a multidimensional poverty standard, and the choice of standard.

Pure Python: no Django import, importable without settings or a database. The seed standards and indicators live in
``households.standards_data``; callers that hold standards loaded from the database pass them as ``standards=``.

Sources: ``/work/shared/docs/domain.md`` §1.2 and §1.6 (thresholds), §9.1 (classification codes, boundaries and the
choice of standard for a review), §9.3 (indicator codes).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from datetime import date, datetime

from households import derivation as _derivation
from households.standards_data import AREAS, DIMENSIONS, INDICATOR_DEFS, STANDARDS, IndicatorDef, Standard

__all__ = [
    "AREAS",
    "CLASSIFICATIONS",
    "DIMENSIONS",
    "INDICATORS",
    "MEMBER_DERIVED",
    "REVIEW_KINDS",
    "STANDARDS",
    "IndicatorDef",
    "Standard",
    "classify",
    "list_year_for_review",
    "national_standard",
    "standard_for_review",
    "standard_in_force",
]

#: Classification codes, poorest first (domain.md §9.1).
CLASSIFICATIONS: tuple[str, ...] = ("poor", "near_poor", "average", "non_poor")

#: Every known indicator by code, both periods (domain.md §9.3).
INDICATORS: dict[str, IndicatorDef] = {indicator.code: indicator for indicator in INDICATOR_DEFS}

#: Indicators that the records of the household's members can decide (age, insurance, schooling, diplomas).
MEMBER_DERIVED: frozenset[str] = frozenset(_derivation.MEMBER_DERIVED)  # the one list lives in derivation.py

#: Kinds of review (domain.md §2.4 periodic, §2.5 regular).
REVIEW_KINDS: tuple[str, ...] = ("periodic", "regular")

#: A periodic review carried out from this month on sets the lists of the next year (domain.md §9.1).
PERIODIC_NEXT_YEAR_FROM_MONTH = 9

ERR_UNKNOWN_AREA = "unknown area {area!r}; expected one of {areas}"
ERR_INCOME_NOT_INT = "income_per_capita must be a whole number of đồng (int), not {value!r}"
ERR_INCOME_NEGATIVE = "income_per_capita must not be negative, got {value!r}"
ERR_DEPRIVED_STRING = "deprived must be a collection of indicator codes, not the string {value!r}"
ERR_UNKNOWN_INDICATOR = "unknown indicator code {code!r}"
ERR_INDICATOR_NOT_IN_STANDARD = "indicator {code!r} is not part of standard {standard!r}"
ERR_CODE_OR_DATE = "give exactly one of code or on, got code={code!r} and on={on!r}"
ERR_UNKNOWN_STANDARD = "no national standard with code {code!r}"
ERR_NOT_A_DATE = "{name} must be a date (not a datetime), got {value!r}"
ERR_NO_STANDARD_ON = "no standard in force on {on} for {scope}"
ERR_OVERLAPPING = "several standards in force on {on} for {scope}: {codes}"
ERR_UNKNOWN_KIND = "unknown review kind {kind!r}; expected one of {kinds}"


def classify(std: Standard, *, area: str, income_per_capita: int, deprived: Iterable[str]) -> str:
    """Classify a household under ``std`` (domain.md §9.1, §1.2, §1.6).

    With ``line = std.income_line[area]`` and ``count`` the number of distinct deprived indicators:

    - ``income <= line`` and ``count >= std.min_deprivations_poor`` -> ``"poor"``
    - ``income <= line`` and ``count < std.min_deprivations_poor`` -> ``"near_poor"``
    - ``line < income <= std.average_upper[area]`` -> ``"average"``
    - otherwise -> ``"non_poor"``

    The deprivation count only separates poor from near-poor; above the line it is checked but not used.
    ``income_per_capita`` is whole đồng per person per month. Raises ``ValueError`` for an unknown area, a
    non-integer (or bool) or negative income, an unknown indicator code, or an indicator not in ``std``.
    """
    if area not in AREAS or area not in std.income_line:
        raise ValueError(ERR_UNKNOWN_AREA.format(area=area, areas=AREAS))
    if not isinstance(income_per_capita, numbers.Integral) or isinstance(income_per_capita, bool):
        raise ValueError(ERR_INCOME_NOT_INT.format(value=income_per_capita))
    income = int(income_per_capita)
    if income < 0:
        raise ValueError(ERR_INCOME_NEGATIVE.format(value=income_per_capita))
    count = len(_checked_deprivations(std, deprived))

    line = std.income_line[area]
    if income <= line:
        return "poor" if count >= std.min_deprivations_poor else "near_poor"
    if income <= std.average_upper[area]:
        return "average"
    return "non_poor"


def _checked_deprivations(std: Standard, deprived: Iterable[str]) -> frozenset[str]:
    """The distinct deprived indicator codes, each known and part of ``std``; ``ValueError`` otherwise."""
    if isinstance(deprived, str):
        raise ValueError(ERR_DEPRIVED_STRING.format(value=deprived))
    codes = frozenset(deprived)
    for code in sorted(codes, key=str):
        if code not in INDICATORS:
            raise ValueError(ERR_UNKNOWN_INDICATOR.format(code=code))
        if code not in std.indicators:
            raise ValueError(ERR_INDICATOR_NOT_IN_STANDARD.format(code=code, standard=std.code))
    return codes


def national_standard(
    code: str | None = None, *, on: date | None = None, standards: Iterable[Standard] = STANDARDS
) -> Standard:
    """The national standard (``province_code is None``) with ``code``, or the one in force on the day ``on``.

    Exactly one of ``code`` and ``on`` must be given. Raises ``ValueError`` for an unknown code, a day no national
    standard covers, or a day several cover (overlapping data).
    """
    if (code is None) == (on is None):
        raise ValueError(ERR_CODE_OR_DATE.format(code=code, on=on))
    if on is not None:
        return _in_force(on, province_code=None, standards=standards)
    for std in standards:
        if std.province_code is None and std.code == code:
            return std
    raise ValueError(ERR_UNKNOWN_STANDARD.format(code=code))


def standard_in_force(
    on: date, *, province_code: str | None = None, standards: Iterable[Standard] = STANDARDS
) -> Standard:
    """The standard in force on the day ``on``: the province's own if it has one that day, else the national one.

    A province may set a stricter standard of its own (domain.md §1.6); a standard with ``province_code`` set applies
    only to that province. Raises ``ValueError`` when no standard covers the day or several overlap.
    """
    on = _as_date(on, "on")
    standards = tuple(standards)
    if province_code is not None:
        own = [std for std in standards if std.province_code == province_code and std.covers(on)]
        if own:
            return _only_one(own, on=on, scope=f"province {province_code!r}")
    return _in_force(on, province_code=None, standards=standards)


def _in_force(on: date, *, province_code: str | None, standards: Iterable[Standard]) -> Standard:
    on = _as_date(on, "on")
    scope = "the nation" if province_code is None else f"province {province_code!r}"
    matches = [std for std in standards if std.province_code == province_code and std.covers(on)]
    if not matches:
        raise ValueError(ERR_NO_STANDARD_ON.format(on=on.isoformat(), scope=scope))
    return _only_one(matches, on=on, scope=scope)


def _only_one(matches: list[Standard], *, on: date, scope: str) -> Standard:
    if len(matches) > 1:
        raise ValueError(ERR_OVERLAPPING.format(on=on.isoformat(), scope=scope, codes=[std.code for std in matches]))
    return matches[0]


def _as_date(value: object, name: str) -> date:
    # A datetime is a date subclass, but comparing it with a date raises, and its day depends on the time zone:
    # the caller must pick the local day itself.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValueError(ERR_NOT_A_DATE.format(name=name, value=value))
    return value


def _check_kind(kind: str) -> None:
    if kind not in REVIEW_KINDS:
        raise ValueError(ERR_UNKNOWN_KIND.format(kind=kind, kinds=REVIEW_KINDS))


def list_year_for_review(review_date: date, kind: str) -> int:
    """The year whose poor and near-poor lists a review sets (domain.md §9.1, §2.2).

    A periodic review carried out in September-December of year Y sets the lists of Y+1; any other review (a periodic
    one in January-August, or a regular monthly one) sets those of its own year Y. Raises ``ValueError`` for an
    unknown kind. The September cut-off is a WEAK SOURCE (reported practice for the 2021 review).
    """
    _check_kind(kind)
    review_date = _as_date(review_date, "review_date")
    if kind == "periodic" and review_date.month >= PERIODIC_NEXT_YEAR_FROM_MONTH:
        return review_date.year + 1
    return review_date.year


def standard_for_review(
    review_date: date,
    kind: str,
    standards: Iterable[Standard] = STANDARDS,
    *,
    province_code: str | None = None,
) -> Standard:
    """The standard a review applies (domain.md §9.1).

    A periodic review carried out in September-December of year Y applies the standard in force on 1 January Y+1
    (the late-2021 review applied 2022-2025; the late-2026 review applies 2027-2030). A periodic review in
    January-August, and every regular review, applies the standard in force on its own date. With ``province_code``
    the province's own standard wins over the national one where it exists (see ``standard_in_force``).
    Raises ``ValueError`` for an unknown kind or when no standard covers the day.
    """
    list_year = list_year_for_review(review_date, kind)
    on = date(list_year, 1, 1) if list_year != review_date.year else review_date
    return standard_in_force(on, province_code=province_code, standards=standards)
