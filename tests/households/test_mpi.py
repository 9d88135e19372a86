"""The Alkire-Foster measure (domain.md §9.5). Pure tests: no database."""

from __future__ import annotations

import re
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from households.mpi import AFResult, alkire_foster

# A hand-computed example: five households, three indicators, weights a = 0.5, b = 0.25, c = 0.25, k = 0.5.
#
#        a      b      c      score c_i                  poor (c_i >= 0.5)?
#   h1   True   True   False  0.5 + 0.25        = 0.75   yes
#   h2   False  True   True   0.25 + 0.25       = 0.50   yes (exactly k)
#   h3   False  True   False  0.25              = 0.25   no
#   h4   True   False  False  0.5               = 0.50   yes
#   h5   False  False  False  0                 = 0      no
#
# n = 5, q = 3, H = 3/5 = 0.6, A = (0.75 + 0.5 + 0.5) / 3 = 1.75/3, M0 = H * A = 1.75/5 = 0.35
# raw headcount:      a = 2/5 (h1, h4), b = 3/5 (h1, h2, h3), c = 1/5 (h2)
# censored headcount: a = 2/5 (h1, h4), b = 2/5 (h1, h2; h3 is not poor), c = 1/5 (h2)
# contributions:      a = 0.5 * 0.4 / 0.35 = 4/7, b = 0.25 * 0.4 / 0.35 = 2/7, c = 0.25 * 0.2 / 0.35 = 1/7
#
# Person-weighted, with household sizes 2, 4, 1, 3, 5:
# n = 15, q = 2 + 4 + 3 = 9, H = 9/15 = 0.6, A = (2*0.75 + 4*0.5 + 3*0.5) / 9 = 5/9, M0 = 5/15 = 1/3
# censored headcount: a = (2 + 3)/15 = 1/3, b = (2 + 4)/15 = 2/5, c = 4/15
# contributions:      a = 0.5 * (1/3) / (1/3) = 0.5, b = 0.25 * 0.4 * 3 = 0.3, c = 0.25 * (4/15) * 3 = 0.2
EXAMPLE = pd.DataFrame(
    {
        "a": [True, False, False, True, False],
        "b": [True, True, True, False, False],
        "c": [False, True, False, False, False],
    },
    index=["h1", "h2", "h3", "h4", "h5"],
)
EXAMPLE_WEIGHTS = {"a": 0.5, "b": 0.25, "c": 0.25}
EXAMPLE_SIZES = pd.Series([2, 4, 1, 3, 5], index=EXAMPLE.index)


def test_the_hand_computed_example():
    r = alkire_foster(EXAMPLE, k=0.5, weights=EXAMPLE_WEIGHTS)
    assert isinstance(r, AFResult)
    assert (r.n, r.q) == (5, 3)
    assert r.H == pytest.approx(0.6)
    assert r.A == pytest.approx(1.75 / 3)
    assert r.M0 == pytest.approx(0.35)
    assert r.k == 0.5
    assert r.headcount.to_dict() == pytest.approx({"a": 0.4, "b": 0.6, "c": 0.2})
    assert r.censored_headcount.to_dict() == pytest.approx({"a": 0.4, "b": 0.4, "c": 0.2})
    assert r.contribution.to_dict() == pytest.approx({"a": 4 / 7, "b": 2 / 7, "c": 1 / 7})
    assert list(r.contribution.index) == ["a", "b", "c"]
    assert r.weights.to_dict() == pytest.approx(EXAMPLE_WEIGHTS)


def test_weights_are_normalised():
    # The same proportions given as 2 : 1 : 1 give the same figures.
    r = alkire_foster(EXAMPLE, k=0.5, weights={"a": 2, "b": 1, "c": 1})
    assert r.M0 == pytest.approx(0.35)
    assert r.weights.to_dict() == pytest.approx(EXAMPLE_WEIGHTS)


def test_equal_weights_by_default():
    # Equal weights of 1/3 and k = 1/3: every household with at least one deprivation is poor.
    # Scores: h1 2/3, h2 2/3, h3 1/3, h4 1/3, h5 0 -> q = 4, H = 0.8, A = (2/3+2/3+1/3+1/3)/4 = 0.5, M0 = 0.4
    r = alkire_foster(EXAMPLE)
    assert r.weights.to_dict() == pytest.approx({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3})
    assert (r.q, r.H, r.A, r.M0) == (4, pytest.approx(0.8), pytest.approx(0.5), pytest.approx(0.4))


def test_population_weighting():
    r = alkire_foster(EXAMPLE, k=0.5, weights=EXAMPLE_WEIGHTS, population=EXAMPLE_SIZES)
    assert (r.n, r.q) == (15, 9)
    assert isinstance(r.n, int) and isinstance(r.q, int)
    assert r.H == pytest.approx(0.6)
    assert r.A == pytest.approx(5 / 9)
    assert r.M0 == pytest.approx(1 / 3)
    assert r.censored_headcount.to_dict() == pytest.approx({"a": 1 / 3, "b": 0.4, "c": 4 / 15})
    assert r.contribution.to_dict() == pytest.approx({"a": 0.5, "b": 0.3, "c": 0.2})


def test_population_is_aligned_by_label():
    shuffled = EXAMPLE_SIZES.iloc[::-1]
    r = alkire_foster(EXAMPLE, k=0.5, weights=EXAMPLE_WEIGHTS, population=shuffled)
    assert r.M0 == pytest.approx(1 / 3)


def test_unit_population_equals_the_unweighted_figures():
    ones = pd.Series(1, index=EXAMPLE.index)
    weighted = alkire_foster(EXAMPLE, k=0.5, weights=EXAMPLE_WEIGHTS, population=ones)
    plain = alkire_foster(EXAMPLE, k=0.5, weights=EXAMPLE_WEIGHTS)
    assert (weighted.n, weighted.q, weighted.M0) == (plain.n, plain.q, pytest.approx(plain.M0))


def test_fractional_population_gives_float_counts():
    r = alkire_foster(EXAMPLE, k=0.5, weights=EXAMPLE_WEIGHTS, population=EXAMPLE_SIZES * 0.5)
    assert r.n == 7.5 and isinstance(r.n, float)
    assert r.M0 == pytest.approx(1 / 3)


def test_nobody_poor_gives_zeros():
    r = alkire_foster(EXAMPLE, k=1.0)  # nobody is deprived in all three indicators
    assert (r.q, r.H, r.A, r.M0) == (0, 0.0, 0.0, 0.0)
    assert r.contribution.tolist() == [0.0, 0.0, 0.0]
    assert r.censored_headcount.tolist() == [0.0, 0.0, 0.0]
    assert r.headcount.to_dict() == pytest.approx({"a": 0.4, "b": 0.6, "c": 0.2})


def test_poor_households_of_size_zero_count_no_people():
    sizes = pd.Series([0, 0, 1, 0, 5], index=EXAMPLE.index)  # every poor household has size 0
    r = alkire_foster(EXAMPLE, k=0.5, weights=EXAMPLE_WEIGHTS, population=sizes)
    assert (r.n, r.q, r.H, r.A, r.M0) == (6, 0, 0.0, 0.0, 0.0)


def test_the_tolerance_counts_a_score_equal_to_k_as_poor():
    # Ten equal weights of 0.1 summed in floating point give 0.9999999999999999, not 1.0.
    frame = pd.DataFrame(np.ones((1, 10), dtype=bool), columns=[f"i{j}" for j in range(10)])
    r = alkire_foster(frame, k=1.0)
    assert (r.q, r.H) == (1, 1.0)
    assert r.A == pytest.approx(1.0)


def test_zero_one_integers_and_python_booleans_are_accepted():
    as_int = EXAMPLE.astype(int)
    as_object = EXAMPLE.astype(object)
    as_nullable = EXAMPLE.astype("boolean")
    expected = alkire_foster(EXAMPLE, k=0.5, weights=EXAMPLE_WEIGHTS)
    for frame in (as_int, as_object, as_nullable, EXAMPLE.astype("Int64")):
        r = alkire_foster(frame, k=0.5, weights=EXAMPLE_WEIGHTS)
        assert r.M0 == pytest.approx(expected.M0)
        assert r.contribution.tolist() == pytest.approx(expected.contribution.tolist())


def test_a_zero_weight_indicator_contributes_nothing():
    r = alkire_foster(EXAMPLE, k=0.5, weights={"a": 1, "b": 1, "c": 0})
    # scores: h1 1.0, h2 0.5, h3 0.5, h4 0.5, h5 0 -> q = 4, M0 = 2.5/5 = 0.5
    assert r.contribution["c"] == 0.0
    assert r.M0 == pytest.approx(0.5)
    assert r.contribution.sum() == pytest.approx(1.0)


# --- errors ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("k", [0, 0.0, -0.1, 1.0000001, 2, float("nan"), float("inf"), True, "0.3", None])
def test_k_out_of_range_is_refused(k):
    with pytest.raises(ValueError, match=re.escape(f"k must be a number with 0 < k <= 1, got {k!r}")):
        alkire_foster(EXAMPLE, k=k)


def test_k_of_one_is_allowed():
    assert alkire_foster(EXAMPLE, k=1).k == 1.0


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"a": 1, "b": 1, "c": 1, "d": 1}, "weights for unknown indicators: ['d']"),
        ({"a": 1, "b": 1}, "weights missing for indicators: ['c']"),
        ({"a": 1, "b": -0.5, "c": 1}, "weight of 'b' must be a finite number >= 0, got -0.5"),
        ({"a": 1, "b": float("nan"), "c": 1}, "weight of 'b' must be a finite number >= 0, got nan"),
        ({"a": 1, "b": True, "c": 1}, "weight of 'b' must be a finite number >= 0, got True"),
        ({"a": 1, "b": "1", "c": 1}, "weight of 'b' must be a finite number >= 0, got '1'"),
        ({"a": 0, "b": 0, "c": 0}, "the weights are all zero"),
    ],
)
def test_bad_weights_are_refused(weights, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        alkire_foster(EXAMPLE, weights=weights)


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("b", [0.0, 1.0, 1.0, 0.0, 0.0]),
        ("b", [0, 1, 2, 0, 0]),
        ("b", [0, 1, -1, 0, 0]),
        ("b", ["yes", "no", "no", "no", "no"]),
        ("b", [True, None, False, False, False]),
        ("b", pd.array([True, pd.NA, False, False, False], dtype="boolean")),
        ("b", pd.array([1, pd.NA, 0, 0, 0], dtype="Int64")),
    ],
)
def test_a_non_boolean_column_is_refused_by_name(column, values):
    frame = EXAMPLE.copy()
    frame[column] = values
    with pytest.raises(ValueError, match=re.escape(f"column {column!r} must hold booleans or 0/1 only")):
        alkire_foster(frame)


def test_an_empty_frame_is_refused():
    with pytest.raises(ValueError, match="no units"):
        alkire_foster(EXAMPLE.iloc[0:0])
    with pytest.raises(ValueError, match="no indicators"):
        alkire_foster(pd.DataFrame(index=[1, 2]))


def test_other_inputs_are_refused():
    with pytest.raises(ValueError, match=re.escape("must be a pandas DataFrame, not ndarray")):
        alkire_foster(EXAMPLE.to_numpy())
    twice = pd.concat([EXAMPLE, EXAMPLE[["a"]]], axis=1)
    with pytest.raises(ValueError, match=re.escape("duplicate indicator columns: ['a']")):
        alkire_foster(twice)


@pytest.mark.parametrize(
    ("population", "message"),
    [
        (pd.Series([1, 2, 3, 4]), "not aligned to the rows of deprivations (length 4 for 5 rows)"),
        (pd.Series([1, 2, 3, 4, 5]), "not aligned"),  # a RangeIndex, not the frame's labels
        (pd.Series([1, 2, 3, 4, 5], index=["h1", "h2", "h3", "h4", "x"]), "not aligned"),
        (pd.Series([1, 2, -1, 4, 5], index=EXAMPLE.index), "finite numbers >= 0 with no missing values (row 'h3')"),
        (pd.Series([1, 2, np.nan, 4, 5], index=EXAMPLE.index), "(row 'h3')"),
        (pd.Series([1, 2, np.inf, 4, 5], index=EXAMPLE.index), "(row 'h3')"),
        (pd.Series([0, 0, 0, 0, 0], index=EXAMPLE.index), "population sizes sum to zero"),
        (pd.Series([True] * 5, index=EXAMPLE.index), "population sizes must be numbers, got dtype bool"),
        (pd.Series(["1"] * 5, index=EXAMPLE.index), "population sizes must be numbers, got dtype object"),
        ([1, 2, 3, 4, 5], "population must be a pandas Series, not list"),
    ],
)
def test_a_bad_population_is_refused(population, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        alkire_foster(EXAMPLE, population=population)


def test_a_million_households_in_well_under_a_second():
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(rng.random((1_000_000, 12)) < 0.2, columns=[f"i{j}" for j in range(12)])
    sizes = pd.Series(rng.integers(1, 9, len(frame)), index=frame.index)
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        r = alkire_foster(frame, population=sizes)
        timings.append(time.perf_counter() - start)
    assert 0 < r.M0 <= r.H <= 1
    assert min(timings) < 1.0, timings


# --- invariants ------------------------------------------------------------------------------------------------------
@st.composite
def problems(draw):
    """A boolean frame, weights (some may be zero, not all), k in (0, 1] and maybe a population."""
    rows = draw(st.integers(min_value=1, max_value=30))
    cols = draw(st.integers(min_value=1, max_value=8))
    matrix = draw(arrays(dtype=bool, shape=(rows, cols)))
    columns = [f"i{j}" for j in range(cols)]
    frame = pd.DataFrame(matrix, columns=columns)
    raw = draw(st.lists(st.integers(min_value=0, max_value=10), min_size=cols, max_size=cols))
    assume(sum(raw) > 0)
    weights = dict(zip(columns, raw, strict=True))
    k = draw(st.sampled_from([1e-6, 0.1, 0.25, 1 / 3, 0.4, 0.5, 2 / 3, 0.75, 1.0]) | st.floats(0.01, 1.0))
    population = None
    if draw(st.booleans()):
        sizes = draw(st.lists(st.integers(min_value=0, max_value=12), min_size=rows, max_size=rows))
        assume(sum(sizes) > 0)
        population = pd.Series(sizes, index=frame.index)
    return frame, weights, k, population


@settings(max_examples=200, deadline=None)
@given(problems())
def test_the_figures_are_consistent(problem):
    frame, weights, k, population = problem
    r = alkire_foster(frame, k=k, weights=weights, population=population)
    assert 0.0 <= r.H <= 1.0
    assert 0.0 <= r.A <= 1.0 + 1e-12
    assert r.M0 == pytest.approx(r.H * r.A)
    assert r.M0 <= r.H + 1e-12
    assert 0 <= r.q <= r.n
    assert (r.censored_headcount <= r.headcount + 1e-12).all()
    assert (r.censored_headcount >= 0).all()
    if r.M0 > 0:
        assert r.A >= k - 1e-9
        assert r.contribution.sum() == pytest.approx(1.0)
        # M0 is also the weighted sum of the censored headcounts.
        assert (r.weights * r.censored_headcount).sum() == pytest.approx(r.M0)
    else:
        assert (r.contribution == 0.0).all()


@settings(max_examples=200, deadline=None)
@given(problems(), st.data())
def test_adding_a_deprivation_never_lowers_m0(problem, data):
    frame, weights, k, population = problem
    unset = np.argwhere(~frame.to_numpy())
    assume(len(unset) > 0)
    row, col = unset[data.draw(st.integers(min_value=0, max_value=len(unset) - 1))]
    worse = frame.copy()
    worse.iat[row, col] = True
    before = alkire_foster(frame, k=k, weights=weights, population=population)
    after = alkire_foster(worse, k=k, weights=weights, population=population)
    assert after.M0 >= before.M0 - 1e-12
    assert after.H >= before.H - 1e-12
