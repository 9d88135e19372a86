"""The Alkire-Foster method of multidimensional poverty measurement (domain.md §9.5).

Pure Python (numpy and pandas, no Django import), vectorised over units: one million units by twelve indicators takes
a fraction of a second.

Dual cut-off: the indicator cut-offs are already applied (the input says who is deprived in what); a unit is poor when
its weighted deprivation score ``c_i = sum_j w_j * d_ij`` reaches ``k``. Then, over the ``n`` units (or people):

- ``H = q / n``, the share poor;
- ``A``, the mean score of the poor;
- ``M0 = H * A``, the mean censored score (``c_i`` for the poor, 0 for the others);
- ``censored_headcount[j]``, the share that is poor **and** deprived in ``j``;
- ``contribution[j] = w_j * censored_headcount[j] / M0`` (they sum to 1).

Reference: Alkire & Foster (2011), "Counting and multidimensional poverty measurement", Journal of Public Economics
95(7-8); OPHI working paper 86.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["SCORE_TOLERANCE", "AFResult", "alkire_foster"]

#: Slack when comparing a float sum of weights with ``k``: with three equal weights of 1/3, a unit deprived in one
#: indicator scores 0.333...3 and must count as poor at ``k = 1/3``.
SCORE_TOLERANCE = 1e-9

ERR_NOT_FRAME = "deprivations must be a pandas DataFrame, not {type}"
ERR_NO_UNITS = "no units: the deprivation frame has no rows"
ERR_NO_INDICATORS = "no indicators: the deprivation frame has no columns"
ERR_DUPLICATE_COLUMNS = "duplicate indicator columns: {columns}"
ERR_COLUMN_NOT_BOOLEAN = "column {column!r} must hold booleans or 0/1 only (dtype {dtype}, no missing values)"
ERR_K = "k must be a number with 0 < k <= 1, got {k!r}"
ERR_WEIGHTS_UNKNOWN = "weights for unknown indicators: {keys}"
ERR_WEIGHTS_MISSING = "weights missing for indicators: {keys}"
ERR_WEIGHT_VALUE = "weight of {key!r} must be a finite number >= 0, got {value!r}"
ERR_WEIGHTS_ZERO = "the weights are all zero"
ERR_POPULATION_TYPE = "population must be a pandas Series, not {type}"
ERR_POPULATION_ALIGN = "population is not aligned to the rows of deprivations (length {length} for {rows} rows)"
ERR_POPULATION_DTYPE = "population sizes must be numbers, got dtype {dtype}"
ERR_POPULATION_VALUES = "population sizes must be finite numbers >= 0 with no missing values (row {row!r})"
ERR_POPULATION_EMPTY = "population sizes sum to zero"


@dataclass(frozen=True, eq=False)
class AFResult:
    """The Alkire-Foster figures for one frame (domain.md §9.5).

    ``n`` and ``q`` count units, or people when a population was given (int when the counts are whole numbers).
    ``headcount`` is the raw (uncensored) share deprived in each indicator, ``censored_headcount`` the share poor
    and deprived in it, ``contribution`` each indicator's share of ``M0``; all three are indexed by indicator in the
    frame's column order. ``weights`` are the normalised weights used, ``k`` the poverty cut-off.

    When nobody is poor, ``H``, ``A`` and ``M0`` are 0.0 and every contribution is 0.0 (the shares are undefined;
    zero keeps report tables printable), so the contributions then sum to 0, not 1.
    """

    H: float
    A: float
    M0: float
    n: int | float
    q: int | float
    k: float
    weights: pd.Series
    headcount: pd.Series
    censored_headcount: pd.Series
    contribution: pd.Series


def alkire_foster(
    deprivations: pd.DataFrame,
    k: float = 1 / 3,
    weights: Mapping[str, float] | None = None,
    population: pd.Series | None = None,
) -> AFResult:
    """Compute H, A, M0, censored headcounts and contributions by the Alkire-Foster method (domain.md §9.5).

    ``deprivations``: one row per unit (household), one column per indicator, bool or 0/1 values.
    ``k``: the poverty cut-off, ``0 < k <= 1``; a unit is poor when its score ``c_i >= k`` (within ``SCORE_TOLERANCE``).
    ``weights``: ``{indicator: weight}`` for exactly the frame's columns, non-negative, normalised to sum 1; ``None``
    gives equal weights.
    ``population``: optional unit sizes (e.g. household members) aligned to the rows, for person-weighted figures.

    Raises ``ValueError`` for an empty frame ("no units"), a column that is not bool or 0/1, ``k`` out of range, bad
    weights (unknown or missing keys, negative, all zero) and a misaligned or negative population.
    """
    if not isinstance(deprivations, pd.DataFrame):
        raise ValueError(ERR_NOT_FRAME.format(type=type(deprivations).__name__))
    if len(deprivations.index) == 0:
        raise ValueError(ERR_NO_UNITS)
    columns = list(deprivations.columns)
    if not columns:
        raise ValueError(ERR_NO_INDICATORS)
    if deprivations.columns.has_duplicates:
        duplicated = deprivations.columns[deprivations.columns.duplicated()]
        raise ValueError(ERR_DUPLICATE_COLUMNS.format(columns=sorted(set(duplicated), key=str)))
    k = _checked_k(k)
    w = _normalised_weights(columns, weights)
    sizes = None if population is None else _checked_population(population, deprivations.index)

    matrix = [_bool_column(deprivations, position, column) for position, column in enumerate(columns)]
    score = np.zeros(len(deprivations.index), dtype=np.float64)
    for j, deprived in enumerate(matrix):
        if w[j]:
            score += w[j] * deprived
    poor = score >= k - SCORE_TOLERANCE

    if sizes is None:
        n: int | float = len(score)
        q: int | float = int(np.count_nonzero(poor))
        poor_score_total = float(score[poor].sum())
        raw = np.array([np.count_nonzero(d) for d in matrix], dtype=np.float64)
        censored = np.array([np.count_nonzero(d & poor) for d in matrix], dtype=np.float64)
    else:
        n = _count(sizes.sum())
        poor_sizes = np.where(poor, sizes, 0.0)
        q = _count(poor_sizes.sum())
        poor_score_total = float(np.dot(poor_sizes, score))
        raw = np.array([(sizes * d).sum() for d in matrix], dtype=np.float64)
        censored = np.array([(poor_sizes * d).sum() for d in matrix], dtype=np.float64)

    index = pd.Index(columns, name="indicator")
    H = q / n if q else 0.0
    A = poor_score_total / q if q else 0.0
    M0 = H * A
    censored_headcount = censored / n
    contribution = w * censored_headcount / M0 if M0 > 0 else np.zeros(len(columns))
    return AFResult(
        H=float(H),
        A=float(A),
        M0=float(M0),
        n=n,
        q=q,
        k=k,
        weights=pd.Series(w, index=index, name="weight"),
        headcount=pd.Series(raw / n, index=index, name="headcount"),
        censored_headcount=pd.Series(censored_headcount, index=index, name="censored_headcount"),
        contribution=pd.Series(contribution, index=index, name="contribution"),
    )


def _checked_k(k: object) -> float:
    if not isinstance(k, numbers.Real) or isinstance(k, bool | np.bool_) or not math.isfinite(float(k)):
        raise ValueError(ERR_K.format(k=k))
    if not 0 < float(k) <= 1:
        raise ValueError(ERR_K.format(k=k))
    return float(k)


def _normalised_weights(columns: list, weights: Mapping[str, float] | None) -> np.ndarray:
    if weights is None:
        return np.full(len(columns), 1 / len(columns))
    unknown = [key for key in weights if key not in set(columns)]
    if unknown:
        raise ValueError(ERR_WEIGHTS_UNKNOWN.format(keys=unknown))
    missing = [column for column in columns if column not in weights]
    if missing:
        raise ValueError(ERR_WEIGHTS_MISSING.format(keys=missing))
    values = []
    for column in columns:
        value = weights[column]
        if (
            not isinstance(value, numbers.Real)
            or isinstance(value, bool | np.bool_)
            or not math.isfinite(float(value))
            or value < 0
        ):
            raise ValueError(ERR_WEIGHT_VALUE.format(key=column, value=value))
        values.append(float(value))
    w = np.array(values, dtype=np.float64)
    total = w.sum()
    if total <= 0:
        raise ValueError(ERR_WEIGHTS_ZERO)
    return w / total


def _bool_column(frame: pd.DataFrame, position: int, column: object) -> np.ndarray:
    """The column as a numpy bool array; ``ValueError`` naming it unless it holds only booleans or 0/1 integers."""
    series = frame.iloc[:, position]
    dtype = series.dtype
    error = ValueError(ERR_COLUMN_NOT_BOOLEAN.format(column=column, dtype=dtype))
    if pd.api.types.is_bool_dtype(dtype):
        if series.hasnans:  # nullable "boolean" with missing values
            raise error
        return series.to_numpy(dtype=bool)
    if pd.api.types.is_integer_dtype(dtype):
        if series.hasnans:
            raise error
        values = series.to_numpy(dtype=np.int64)
        if not ((values == 0) | (values == 1)).all():
            raise error
        return values.astype(bool)
    if pd.api.types.is_object_dtype(dtype):
        values = series.to_numpy()
        if all(isinstance(value, bool | np.bool_) for value in values):
            return values.astype(bool)
    raise error


def _checked_population(population: object, index: pd.Index) -> np.ndarray:
    """Unit sizes as a float array in row order; the Series must carry the frame's index (any order if unique)."""
    if not isinstance(population, pd.Series):
        raise ValueError(ERR_POPULATION_TYPE.format(type=type(population).__name__))
    if not population.index.equals(index):
        if (
            len(population.index) != len(index)
            or not index.is_unique
            or not population.index.is_unique
            or not population.index.isin(index).all()
        ):
            raise ValueError(ERR_POPULATION_ALIGN.format(length=len(population.index), rows=len(index)))
        population = population.reindex(index)
    if pd.api.types.is_bool_dtype(population.dtype) or not pd.api.types.is_numeric_dtype(population.dtype):
        raise ValueError(ERR_POPULATION_DTYPE.format(dtype=population.dtype))
    sizes = population.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(sizes) | (sizes < 0)
    if bad.any():
        raise ValueError(ERR_POPULATION_VALUES.format(row=population.index[int(np.argmax(bad))]))
    if sizes.sum() <= 0:
        raise ValueError(ERR_POPULATION_EMPTY)
    return sizes


def _count(total: float) -> int | float:
    """A people count as int when it is a whole number, else as float (survey weights)."""
    return int(total) if float(total).is_integer() else float(total)
