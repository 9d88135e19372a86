"""The Alkire-Foster report, official rates and target progress (households/reports.py) and their pages.

A small hand-made province: every figure below is worked out by hand in the comments, then read back through the real
path (services record and recognise the reviews; the report reads them from PostgreSQL).

The 2022-2025 standard has 12 indicators; with equal weights each weighs 1/12 and with k = 1/3 a household is poor
when deprived in at least 4 of them (score c = count / 12).

List year 2025 (periodic reviews of 15/10/2024; h4 also has a regular review of 16/03/2025, recognised later):

    household  village        commune        head     size  deprived                                 count  poor?
    h1         a1 Thôn Một    A              Tày      4     emp, nut, hq, san, tel                   5      yes
    h2         a1 Thôn Một    A              Kinh     2     emp, nut, hq, san                        4      yes (= k)
    h3         a2 Thôn Hai    A              Kinh     3     emp, nut                                 2      no
    h4         a2 Thôn Hai    A              Mông     6     emp, nut, hq, san, water (regular)       5      yes
    h5         a3 Thôn Ba     A              Kinh     5     emp, nut, hq, san, tel, info             6      yes
    h6         old1 Thôn Cũ   Xã Cũ → A      Dao      1     emp, hq, water, san                      4      yes
    h7         b1 Thôn Bốn    B              Kinh     2     nut                                      1      no
    h8         c1 Thôn Năm    C (province 91) Kinh    3     all 12                                   12     yes

List year 2024 (periodic reviews of 15/10/2023): h1 6 (emp, nut, hq, san, tel, info), h2 4 (as 2025), h3 4 (emp, nut,
hq, san), h4 0, h6 4 (as 2025), h7 1 (nut), h8 12; h5 has no 2024 review.

(emp employment, nut nutrition, hq housing_quality, san sanitation, tel telecom, info information_access, water
drinking_water.)
"""

from __future__ import annotations

import io
from datetime import date
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.scope import forget_scope, user_scope
from households import reports
from households.models import Review
from households.mpi import alkire_foster
from households.services import StandardBook, household_create, review_advance, review_record

EMP, NUT, HQ, SAN, TEL, INFO, WATER = (
    "employment",
    "nutrition",
    "housing_quality",
    "sanitation",
    "telecom",
    "information_access",
    "drinking_water",
)
ALL_12 = {
    "employment",
    "dependants",
    "nutrition",
    "health_insurance",
    "adult_education",
    "child_schooling",
    "housing_quality",
    "housing_area",
    "drinking_water",
    "sanitation",
    "telecom",
    "information_access",
}
P2025, P2024 = date(2024, 10, 15), date(2023, 10, 15)  # periodic reviews in Sep-Dec set next year's list
REGULAR_2025 = date(2025, 3, 16)


def _recognise(household, *, on, income, deprived, by, book, kind=Review.Kind.PERIODIC):
    review = review_record(
        household=household,
        review_date=on,
        kind=kind,
        income_per_capita=income,
        deprived=set(deprived),
        by=by,
        book=book,
    )
    for step in (Review.Status.VILLAGE_AGREED, Review.Status.POSTED, Review.Status.RECOGNISED):
        review = review_advance(review=review, to=step, by=by)
    return review


def build_af_data(province, users) -> dict:
    """The households and reviews of the table above (also used by the browser test)."""
    p = province
    by = users["admin"]
    book = StandardBook.load()
    a = p["a"]
    a.disadvantaged = True
    a.save(update_fields=["disadvantaged"])

    def hh(code, village, ethnicity, size):
        commune = village.commune
        return household_create(
            commune=commune, village=village, code=code, head_name=f"Hộ {code}", head_ethnicity=ethnicity, size=size
        )

    h = {
        "h1": hh("H1", p["a1"], "02", 4),
        "h2": hh("H2", p["a1"], "01", 2),
        "h3": hh("H3", p["a2"], "01", 3),
        "h4": hh("H4", p["a2"], "08", 6),
        "h5": hh("H5", p["a3"], "01", 5),
        "h6": hh("H6", p["old1"], "09", 1),
        "h7": hh("H7", p["b1"], "01", 2),
        "h8": hh("H8", p["c1"], "01", 3),
    }
    r = {"by": by, "book": book}
    # List year 2024.
    _recognise(h["h1"], on=P2024, income=900_000, deprived={EMP, NUT, HQ, SAN, TEL, INFO}, **r)  # poor
    _recognise(h["h2"], on=P2024, income=1_200_000, deprived={EMP, NUT, HQ, SAN}, **r)  # poor
    _recognise(h["h3"], on=P2024, income=1_100_000, deprived={EMP, NUT, HQ, SAN}, **r)  # poor
    _recognise(h["h4"], on=P2024, income=3_000_000, deprived=set(), **r)  # non-poor
    _recognise(h["h6"], on=P2024, income=1_400_000, deprived={EMP, HQ, WATER, SAN}, **r)  # poor
    _recognise(h["h7"], on=P2024, income=1_300_000, deprived={NUT}, **r)  # near-poor
    _recognise(h["h8"], on=P2024, income=500_000, deprived=ALL_12, **r)  # poor
    # List year 2025. h2 first gets a periodic review that a correction then supersedes (only the second counts).
    _recognise(h["h1"], on=P2025, income=1_000_000, deprived={EMP, NUT, HQ, SAN, TEL}, **r)  # poor
    _recognise(h["h2"], on=P2025, income=900_000, deprived=ALL_12, **r)  # superseded below
    _recognise(h["h2"], on=date(2024, 11, 20), income=1_200_000, deprived={EMP, NUT, HQ, SAN}, **r)  # poor
    _recognise(h["h3"], on=P2025, income=1_400_000, deprived={EMP, NUT}, **r)  # near-poor
    _recognise(h["h4"], on=P2025, income=3_000_000, deprived=set(), **r)  # non-poor, then the regular review:
    _recognise(
        h["h4"], on=REGULAR_2025, income=1_000_000, deprived={EMP, NUT, HQ, SAN, WATER}, kind=Review.Kind.REGULAR, **r
    )  # poor: the latest recognised review of 2025 counts
    _recognise(h["h5"], on=P2025, income=1_000_000, deprived={EMP, NUT, HQ, SAN, TEL, INFO}, **r)  # poor
    _recognise(h["h6"], on=P2025, income=2_000_000, deprived={EMP, HQ, WATER, SAN}, **r)  # average (income > line)
    _recognise(h["h7"], on=P2025, income=1_300_000, deprived={NUT}, **r)  # near-poor
    _recognise(h["h8"], on=P2025, income=500_000, deprived=ALL_12, **r)  # poor
    # A draft review (never recognised) is not counted: it would make h7 poor.
    review_record(household=h["h7"], review_date=date(2025, 5, 16), kind=Review.Kind.REGULAR, income_per_capita=0,
                  deprived=ALL_12, by=by, book=book)  # fmt: skip
    for user in users.values():
        forget_scope(user)
    return h


@pytest.fixture
def af_data(province, users):
    return build_af_data(province, users)


def approx(value):
    return pytest.approx(float(value), abs=1e-12)


# --- the Alkire-Foster report -----------------------------------------------------------------------------------
def test_chairman_report_by_commune(af_data, users, province):
    report = reports.af_report(user=users["chairman"], year=2025)
    # The chairman serves commune A and, through the merger, Xã Cũ: h1-h6.
    # 2025 scores /12: h1 5, h2 4, h3 2, h4 5 (regular review), h5 6, h6 4 → poor: h1 h2 h4 h5 h6.
    # n = 6, q = 5, H = 5/6; A = (5+4+5+6+4)/12/5 = 24/60 = 0.4; M0 = H × A = 1/3.
    now = report.total.current
    assert (now.n, now.q) == (6, 5)
    assert now.H == approx(Fraction(5, 6))
    assert now.A == approx(Fraction(2, 5))
    assert now.M0 == approx(Fraction(1, 3))
    # Censored headcounts (poor and deprived) / 6: emp 5 (h3 is deprived but not poor), nut 4, hq 5, san 5, tel 2
    # (h1 h5), info 1 (h5), water 2 (h4 h6); the others 0. Check: sum of w·cens = 24/72 = M0.
    expected = {EMP: 5, NUT: 4, HQ: 5, SAN: 5, TEL: 2, INFO: 1, WATER: 2}
    for code in [i.code for i in report.indicators]:
        assert now.censored[code] == approx(Fraction(expected.get(code, 0), 6)), code
        # contribution = (1/12 · cens) / M0 = cens / 4: emp 5/24, nut 4/24, hq 5/24, san 5/24, tel 2/24, ...
        assert now.contribution[code] == approx(Fraction(expected.get(code, 0), 24)), code
    assert sum(now.contribution.values()) == pytest.approx(1.0)
    # Uncensored: everyone but nobody else is deprived in employment (6/6); nutrition h1 h2 h3 h4 h5 (5/6).
    assert now.headcount[EMP] == approx(1) and now.headcount[NUT] == approx(Fraction(5, 6))
    # 2024 (h5 not reviewed): scores h1 6, h2 4, h3 4, h4 0, h6 4 → q = 4, n = 5, H = 0.8, A = 18/48 = 0.375, M0 = 0.3.
    before = report.total.previous
    assert (before.n, before.q) == (5, 4)
    assert (before.H, before.A, before.M0) == (approx(0.8), approx(0.375), approx(0.3))
    # Changes in points: H (5/6 - 0.8)·100 = 3.33; A (0.4 - 0.375)·100 = 2.5; M0 (1/3 - 0.3)·100 = 3.33.
    change = report.total.change
    assert (
        change["H"] == approx(Fraction(10, 3))
        and change["A"] == approx(2.5)
        and change["M0"] == approx(Fraction(10, 3))
    )
    # Employment, censored: 2024 h1 h2 h3 h6 = 4/5; change (5/6 - 4/5)·100 = 3.33 points.
    assert report.total.censored_change(EMP) == approx(Fraction(10, 3))
    # One group: Xã Cũ merged into A, so its household counts under A (same figures as the total).
    assert [(g.key, g.label, g.note) for g in report.groups] == [(province["a"].pk, "Xã An Bình", "")]
    assert report.groups[0].current == report.total.current
    assert report.standard.code == "2022-2025" and len(report.indicators) == 12
    assert [i.name_vi for i in report.indicators][:3] == ["Việc làm", "Người phụ thuộc trong hộ gia đình", "Dinh dưỡng"]


def test_by_village_and_by_ethnicity(af_data, users, province):
    by_village = reports.af_report(user=users["chairman"], year=2025, by="village")
    groups = {g.key: g for g in by_village.groups}
    p = province
    assert list(groups) == [p["a1"].pk, p["a2"].pk, p["a3"].pk, p["old1"].pk]  # ordered by commune, village code
    # Thôn Một: h1 (5) and h2 (4), both poor: H = 1, A = 9/24 = 0.375, M0 = 0.375.
    a1 = groups[p["a1"].pk].current
    assert (a1.H, a1.A, a1.M0) == (approx(1), approx(0.375), approx(0.375))
    # Thôn Hai: h3 (2, not poor), h4 (5, poor): H = 1/2, A = 5/12, M0 = 5/24. In 2024: h3 4 poor, h4 0 → same H,
    # A = 4/12, M0 = 1/6; the change of M0 is (5/24 - 4/24)·100 = 4.17 points.
    a2 = groups[p["a2"].pk]
    assert (a2.current.H, a2.current.A, a2.current.M0) == (
        approx(0.5),
        approx(Fraction(5, 12)),
        approx(Fraction(5, 24)),
    )
    assert a2.change["M0"] == approx(Fraction(100, 24))
    assert groups[p["a3"].pk].previous is None and groups[p["a3"].pk].change["H"] is None  # h5: new in 2025
    assert groups[p["old1"].pk].label == "Thôn Cũ · Xã Cũ"

    by_ethnicity = reports.af_report(user=users["chairman"], year=2025, by="ethnicity")
    minority, kinh = by_ethnicity.groups
    assert (minority.key, kinh.key) == ("minority", "kinh")
    # Ethnic minority (h1 Tày, h4 Mông, h6 Dao): 5, 5, 4 → all poor: H = 1, A = 14/36 = 7/18, M0 = 7/18.
    assert (minority.current.H, minority.current.A, minority.current.M0) == (
        approx(1),
        approx(Fraction(7, 18)),
        approx(Fraction(7, 18)),
    )
    # Kinh (h2, h3, h5): 4, 2, 6 → h2 h5 poor: H = 2/3, A = 10/24 = 5/12, M0 = 10/36 = 5/18.
    assert (kinh.current.H, kinh.current.A, kinh.current.M0) == (
        approx(Fraction(2, 3)),
        approx(Fraction(5, 12)),
        approx(Fraction(5, 18)),
    )


def test_person_weighted(af_data, users):
    report = reports.af_report(user=users["chairman"], year=2025, person_weighted=True)
    now = report.total.current
    # Sizes h1 4, h2 2, h3 3, h4 6, h5 5, h6 1 → n = 21 people; the poor households hold 4+2+6+5+1 = 18 → H = 6/7.
    # A = (4·5 + 2·4 + 6·5 + 5·6 + 1·4) / 12 / 18 = 92/216 = 23/54; M0 = 6/7 · 23/54 = 23/63.
    assert (now.n, now.q) == (21, 18)
    assert now.H == approx(Fraction(6, 7)) and now.A == approx(Fraction(23, 54)) and now.M0 == approx(Fraction(23, 63))


def test_k_and_weights(af_data, users):
    # k = 1/2: poor only with 6 or more of 12 → h5 alone (6): q = 1, H = 1/6, A = 1/2, M0 = 1/12.
    strict = reports.af_report(user=users["chairman"], year=2025, k="1/2")
    assert (strict.total.current.q, strict.total.current.M0) == (1, approx(Fraction(1, 12)))
    # Weights only on employment and nutrition (1/2 each), k = 1/2: poor = deprived in either. emp: h1-h6, so all six
    # are poor, H = 1; scores: h1 1, h2 1, h3 1, h4 1, h5 1, h6 1/2 → A = 5.5/6 = 11/12.
    two = reports.af_report(user=users["chairman"], year=2025, k=0.5, weights={EMP: 1, NUT: 1, **dict.fromkeys(
        ALL_12 - {EMP, NUT}, 0)})  # fmt: skip
    assert two.total.current.H == approx(1) and two.total.current.A == approx(Fraction(11, 12))
    assert two.total.current.contribution[EMP] == approx(Fraction(6, 11))  # (1/2 · 1) / (11/12)
    nested = reports.af_report(user=users["chairman"], year=2025, weights="dimension")
    assert sum(nested.weights.values()) == pytest.approx(1)
    assert nested.weights[EMP] == approx(Fraction(1, 12))  # 6 dimensions of 2 indicators: 1/6 / 2
    with pytest.raises(ValueError, match="Unknown grouping"):
        reports.af_report(user=users["chairman"], year=2025, by="district")


def test_scope_decides_what_each_user_sees(af_data, users, province):
    # The cadre serves Thôn Một and Thôn Hai: h1 h2 h3 h4 → scores 5, 4, 2, 5 → q = 3 of 4; A = 14/36 = 7/18.
    cadre = reports.af_report(user=users["cadre"], year=2025)
    assert (cadre.total.current.n, cadre.total.current.q) == (4, 3)
    assert cadre.total.current.A == approx(Fraction(7, 18))
    # Their commune row holds only their villages, and says so.
    assert [(g.key, g.note) for g in cadre.groups] == [(province["a"].pk, str(reports.PARTIAL_COMMUNE))]
    # The province office: h1-h7 (h7 in commune B: 1 deprivation, not poor) → n = 7, q = 5, H = 5/7, M0 = 2/7.
    office = reports.af_report(user=users["province_officer"], year=2025)
    assert (office.total.current.n, office.total.current.q) == (7, 5)
    assert office.total.current.M0 == approx(Fraction(2, 7))
    assert [g.label for g in office.groups] == ["Xã An Bình", "Xã Bình Minh"]
    assert office.groups[1].current.H == 0 and office.groups[1].current.contribution[NUT] == 0
    # The administrator sees everything, h8 of the other province too.
    assert reports.af_report(user=users["admin"], year=2025).total.current.n == 8
    # No area, or an anonymous user: nothing, and no query for the reviews.
    for user in (users["no_area"], users["no_role"]):
        empty = reports.af_report(user=user, year=2025)
        assert empty.empty and empty.groups == [] and empty.total.previous is None
        rates = reports.official_rates(user=user, years=[2024, 2025])
        assert rates.empty and rates.communes == []


def test_only_the_latest_recognised_review_counts(af_data, users):
    frame = reports.af_frame(user=users["chairman"], years=[2025])
    by_household = frame.set_index("household_id")
    h2, h4, h7 = af_data["h2"], af_data["h4"], af_data["h7"]
    book = StandardBook.load()
    assert len(frame) == 6 and by_household.index.is_unique
    # h4: the regular review of 16/03/2025 replaces the periodic one; h2: the correction replaces the first.
    assert by_household.loc[h4.pk, "deprived_mask"] == book.mask({EMP, NUT, HQ, SAN, WATER})
    assert by_household.loc[h2.pk, "deprived_mask"] == book.mask({EMP, NUT, HQ, SAN})
    assert Review.objects.filter(household=h2, status=Review.Status.SUPERSEDED).count() == 1
    # h7's draft is not there (and h7 is not the chairman's anyway); the province office sees h7's recognised one.
    office = reports.af_frame(user=users["province_officer"], years=[2025]).set_index("household_id")
    assert office.loc[h7.pk, "deprived_mask"] == book.mask({NUT})


def test_the_fallback_reader_gives_the_same_columns(af_data, users):
    """The tuple reader (SQLite demo) and the array reader (PostgreSQL) agree, row for row."""
    scope = user_scope(users["province_officer"])
    spec = [*reports.AF_COLUMNS, reports.AF_MINORITY, reports.AF_SIZE]
    qs = reports._recognised(scope, [2024, 2025]).annotate(
        minority=reports._minority(), year_standard=F("standard_id") * reports.YEAR_SPAN + F("list_year")
    )
    qs = qs.values_list(*[name for name, _dtype in spec])
    order = ["household_id", "year_standard", "deprived_mask"]
    fast = pd.DataFrame(reports._read_columns_postgresql(qs, spec)).sort_values(order).reset_index(drop=True)
    slow = pd.DataFrame(reports._read_columns_tuples(qs, spec)).sort_values(order).reset_index(drop=True)
    assert len(fast) == 14  # 2024: 6 (h5 none); 2025: 8 (h4 twice; h2's first one was superseded)
    pd.testing.assert_frame_equal(fast, slow)
    assert [str(t) for t in fast.dtypes] == ["int64", "int64", "int64", "int64", "bool", "int16"]
    empty = reports._read_columns_postgresql(qs.none(), spec)
    assert all(len(v) == 0 for v in empty.values())


def test_the_demo_path_gives_the_same_report(af_data, users, monkeypatch):
    """Off PostgreSQL (the SQLite demo) the report reads tuples and plain SQL: the figures do not change."""
    fast = reports.af_report(user=users["province_officer"], year=2025, by="village", person_weighted=True)
    fast_rates = reports.official_rates(user=users["province_officer"], years=[2024, 2025])
    monkeypatch.setattr(connection, "vendor", "sqlite")
    slow = reports.af_report(user=users["province_officer"], year=2025, by="village", person_weighted=True)
    slow_rates = reports.official_rates(user=users["province_officer"], years=[2024, 2025])
    assert slow.total == fast.total and slow.groups == fast.groups
    assert slow_rates == fast_rates


# --- the vectorised pieces --------------------------------------------------------------------------------------
def test_deprivation_matrix_unpacks_bits():
    masks = np.array([0, 1, 0b1010, (1 << 62) | 1], dtype=np.int64)
    frame = reports.deprivation_matrix(masks, [0, 1, 3, 62], ["a", "b", "c", "z"])
    assert frame.to_numpy().tolist() == [
        [False, False, False, False],
        [True, False, False, False],
        [False, True, True, False],
        [True, False, False, True],
    ]
    assert all(dtype == np.dtype(bool) for dtype in frame.dtypes)


@pytest.mark.parametrize("spread", [1, 10**9])  # dense ids (counted) and sparse ids (hashed)
def test_several_reviews_collapse_into_the_latest(spread):
    columns = {
        "household_id": np.array([1, 1, 2, 2, 2, 3, 3]) * spread,
        "village_id": np.array([7, 7, 8, 8, 8, 9, 9]),
        "list_year": np.array([2025, 2025, 2025, 2025, 2025, 2024, 2025], dtype=np.int16),
        "deprived_mask": np.array([1, 2, 3, 4, 5, 6, 7]),
        "standard_id": np.array([1, 1, 1, 1, 1, 1, 1]),
        "household_size": np.array([4, 4, 2, 2, 2, 5, 5], dtype=np.int16),
    }
    several = reports._several(columns)
    # Household 3 has one review in each year: not "several".
    assert several.tolist() == [True, True, True, True, True, False, False]
    latest = pd.DataFrame(
        {
            "household_id": [1 * spread, 2 * spread],
            "list_year": [2025, 2025],
            "deprived_mask": [20, 40],
            "standard_id": [1, 2],
            "household_size": [3, 2],
        }
    )
    latest = latest.set_index(reports._year_key(latest))
    kept = reports._keep_latest(columns, several, latest)
    rows = sorted(zip(*(kept[name].tolist() for name in columns), strict=True))
    # One row per household and year; the review's columns come from the latest review, the village stays.
    assert rows == [
        (1 * spread, 7, 2025, 20, 1, 3),
        (2 * spread, 8, 2025, 40, 2, 2),
        (3 * spread, 9, 2024, 6, 1, 5),
        (3 * spread, 9, 2025, 7, 1, 5),
    ]


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.lists(st.booleans(), min_size=4, max_size=4),
            st.integers(0, 3),
            st.integers(1, 9),
        ),
        min_size=1,
        max_size=40,
    ),
    weights=st.lists(st.integers(0, 5), min_size=4, max_size=4).filter(any),
    k=st.sampled_from([0.1, 0.25, 1 / 3, 0.5, 0.75, 1.0]),
    person=st.booleans(),
)
def test_grouped_af_equals_alkire_foster_on_each_group(rows, weights, k, person):
    frame = pd.DataFrame([r[0] for r in rows], columns=list("abcd"))
    groups = np.array([r[1] for r in rows])
    sizes = pd.Series([float(r[2]) for r in rows])
    w = dict(zip("abcd", weights, strict=True))
    total = alkire_foster(frame, k=k, weights=w, population=sizes if person else None)
    grouped = reports.grouped_af(
        frame, k=k, weights=total.weights.to_dict(), groups=groups, population=sizes if person else None
    )
    assert set(grouped) == set(groups.tolist())
    for key, figures in grouped.items():
        part = groups == key
        sub = frame[part].reset_index(drop=True)
        expected = alkire_foster(sub, k=k, weights=w, population=sizes[part].reset_index(drop=True) if person else None)
        assert (figures.n, figures.q) == (expected.n, expected.q)
        assert figures.H == pytest.approx(expected.H) and figures.A == pytest.approx(expected.A)
        assert figures.M0 == pytest.approx(expected.M0)
        for code in "abcd":
            assert figures.censored[code] == pytest.approx(expected.censored_headcount[code])
            assert figures.contribution[code] == pytest.approx(expected.contribution[code])
            assert figures.headcount[code] == pytest.approx(expected.headcount[code])


# --- official rates and targets ---------------------------------------------------------------------------------
def test_official_rates(af_data, users, province):
    rates = reports.official_rates(user=users["chairman"], years=[2024, 2025])
    # 2025, latest recognised review of h1-h6: poor h1 h2 h4 h5 (h4 by its regular review), near-poor h3, h6 average
    # (income 2,000,000 is above the line although 4 deprivations make it AF-poor): 4/6 poor, 1/6 near-poor.
    now, before = rates.total.get(2025), rates.total.get(2024)
    assert (now.households, now.poor, now.near_poor) == (6, 4, 1)
    assert now.poor_rate == approx(Fraction(2, 3)) and now.combined_rate == approx(Fraction(5, 6))
    # 2024: h1 h2 h3 h6 poor, h4 non-poor (h5 not reviewed) → 4/5 = 80 %; fall (0.8 - 2/3)·100 = 13.33 points.
    assert (before.households, before.poor, before.near_poor) == (5, 4, 0)
    assert rates.total.reduction(2025) == approx(Fraction(40, 3))
    minority, kinh = rates.ethnicity
    # Minority (h1, h4, h6): 2025 h1 h4 poor = 2/3; 2024 h1 h6 poor = 2/3 → no fall.
    assert minority.get(2025).poor_rate == approx(Fraction(2, 3)) and minority.reduction(2025) == approx(0)
    # Kinh (h2, h3, h5): 2025 2/3 poor (h2 h5), 1/3 near-poor (h3); 2024 h2 h3 = 2/2.
    assert (kinh.get(2025).poor, kinh.get(2025).near_poor, kinh.get(2024).poor_rate) == (2, 1, 1.0)
    disadvantaged, other = rates.disadvantaged  # commune A is disadvantaged; Xã Cũ counts under it
    assert disadvantaged.get(2025) == now and other.get(2025).households == 0
    assert [(c.label, c.get(2025).households) for c in rates.communes] == [("Xã An Bình", 6)]

    office = reports.official_rates(user=users["province_officer"], years=[2024, 2025])
    assert [(c.label, c.target) for c in office.communes] == [("Xã An Bình", "disadvantaged"), ("Xã Bình Minh", "all")]
    b = office.communes[1]
    assert (b.get(2025).households, b.get(2025).poor, b.get(2025).near_poor) == (1, 0, 1)  # h7 (its draft ignored)


def test_target_progress(af_data, users):
    rates = reports.official_rates(user=users["province_officer"], years=[2024, 2025])
    progress = {(p.row.key, p.year): p for p in reports.target_progress(rates)}
    # Province office, 2025: h1-h7, poor h1 h2 h4 h5 = 4/7; 2024: h1 h2 h3 h6 = 4/6 → fall (2/3 - 4/7)·100 = 9.52.
    total = progress[("total", 2025)]
    assert total.target.key == "all" and total.reduction == approx((Fraction(2, 3) - Fraction(4, 7)) * 100)
    assert total.status == reports.ON_TRACK  # ≥ 1 point
    # Minority: no fall against a target of 3-4 points → behind.
    assert progress[("minority", 2025)].status == reports.BEHIND
    assert progress[("minority", 2025)].target.text == "3-4 points a year"
    # Disadvantaged communes (A): 13.33 points ≥ 3 → on track. Commune B (target 1-1.5): 0 % both years → behind.
    assert progress[("disadvantaged", 2025)].status == reports.ON_TRACK
    b_key = rates.communes[1].key
    assert progress[(b_key, 2025)].reduction == 0 and progress[(b_key, 2025)].status == reports.BEHIND
    # Kinh and the other communes have no target of their own.
    assert ("kinh", 2025) not in progress and ("other", 2025) not in progress
    # A year without reviews gives "no data".
    later = reports.target_progress(reports.official_rates(user=users["province_officer"], years=[2025, 2026]))
    assert {p.status for p in later} == {reports.NO_DATA}
    assert reports.TARGETS["all"].min_points == 1.0 and reports.TARGETS["disadvantaged"].max_points is None
    assert "design.md" in reports.TARGETS_SOURCE


def test_report_years(af_data):
    assert reports.report_years() == [2024, 2025]


# --- query counts -----------------------------------------------------------------------------------------------
def _count(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_the_data(af_data, users, province, django_assert_max_num_queries):
    officer = users["province_officer"]

    def run():
        forget_scope(officer)
        reports.af_report(user=officer, year=2025, by="commune")
        reports.af_report(user=officer, year=2025, by="village")
        reports.af_report(user=officer, year=2025, by="ethnicity")
        reports.official_rates(user=officer, years=[2024, 2025])

    run()  # warm the caches that are filled once per process (content types for the permission checks)
    before = _count(run)
    book = StandardBook.load()
    for i in range(30):  # thirty more households in two more villages, with reviews in both years
        village = province["b1"] if i % 2 else province["a3"]
        household = household_create(commune=village.commune, village=village, code=f"X{i}", head_name="Hộ thêm")
        for on in (P2024, P2025):
            _recognise(household, on=on, income=1_000_000, deprived={EMP, NUT, HQ, SAN}, by=None, book=book)
    assert _count(run) == before
    forget_scope(officer)
    # Scope (3), the reviews (1, with its savepoint and two SET LOCAL: 4 more), the households with several reviews
    # in a year (1), standards and indicators (2), villages as they are now and their names (2).
    with django_assert_max_num_queries(13):
        reports.af_report(user=officer, year=2025, by="village")
    forget_scope(officer)
    # Scope (3); the count, the households with a regular review, their reviews (with the savepoint and SET LOCAL: 6);
    # communes as they are now and their names (2).
    with django_assert_max_num_queries(11):
        reports.official_rates(user=officer, years=[2023, 2024, 2025])


# --- pages ------------------------------------------------------------------------------------------------------
@pytest.fixture
def as_user(client, users):
    def login(name):
        client.force_login(users[name])
        return client

    return login


def test_report_page_for_the_chairman(af_data, as_user):
    client = as_user("chairman")
    response = client.get(reverse("households:reports"), {"year": 2025})
    assert response.status_code == 200
    html = response.content.decode()
    assert response.templates[0].name == "households/reports/af_report.html"
    # Vietnamese by default: decimal comma. H = 83,3 %, A = 40,0 %, M0 = 33,33 %; 2024: H 80,0 %.
    assert 'data-figure="figure-h">83,3%' in html
    assert 'data-figure="figure-a">40,0%' in html
    assert 'data-figure="figure-m0">33,33%' in html
    assert "Việc làm" in html and "Dinh dưỡng" in html  # indicator names from the Indicator table
    assert html.count('class="bar"') == 12  # one bar per indicator of the standard (five of them at 0)
    assert 'id="chart-contribution"' in html and 'id="chart-rates"' in html
    assert "+3,33" in html  # change of H in points
    assert 'class="table-scroll"' in html
    assert reverse("households:reports_excel") in html


def test_report_page_bars_match_indicators(af_data, as_user):
    import xml.etree.ElementTree as ET

    html = as_user("chairman").get(reverse("households:reports"), {"year": 2025}).content.decode()
    start = html.index('<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-bar')
    svg = ET.fromstring(html[start : html.index("</svg>", start) + 6])  # noqa: S314 (our own markup)
    ns = {"s": "http://www.w3.org/2000/svg"}
    bars = svg.findall(".//s:rect[@class='bar']", ns)
    assert len(bars) == 12  # one per indicator of the 2022-2025 standard
    titles = [b.find("s:title", ns).text for b in bars]
    assert titles[0] == "Việc làm: 20,8%"  # employment: 5/24
    assert titles[1] == "Người phụ thuộc trong hộ gia đình: 0%"
    assert svg.find("s:title", ns).text and svg.find("s:desc", ns).text


def test_report_page_roles_and_scope(af_data, as_user, client, users):
    url = reverse("households:reports")
    assert as_user("credit_officer").get(url, {"year": 2025}).status_code == 403
    assert as_user("group_leader").get(url, {"year": 2025}).status_code == 403
    cadre = as_user("cadre").get(url, {"year": 2025}).content.decode()
    assert 'data-figure="figure-h">75,0%' in cadre  # h1 h2 h4 of h1-h4
    with translation.override("vi"):
        assert str(reports.PARTIAL_COMMUNE) in cadre
    office = as_user("province_officer").get(url, {"year": 2025, "by": "village"}).content.decode()
    assert "Thôn Bốn · Xã Bình Minh" in office and "Thôn Năm" not in office
    assert as_user("admin").get(url, {"year": 2025}).status_code == 200
    assert as_user("no_area").get(url).templates[0].name == "accounts/no_area.html"
    client.logout()
    assert client.get(url).status_code == 302


def test_report_page_form_errors(af_data, as_user):
    response = as_user("chairman").get(reverse("households:reports"), {"year": 1999, "k": "7/3"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Có lỗi" in html and 'class="error-summary"' in html
    assert 'href="#id_year"' in html and 'href="#id_k"' in html
    assert 'data-figure="figure-h"' not in html


def test_report_page_defaults_to_the_latest_year(af_data, as_user):
    response = as_user("chairman").get(reverse("households:reports"))
    assert response.context["params"]["year"] == 2025
    assert 'data-figure="figure-h">83,3%' in response.content.decode()


def test_report_page_query_count_is_fixed(af_data, as_user, province, django_assert_max_num_queries):
    client = as_user("province_officer")
    url = reverse("households:reports")
    client.get(url, {"year": 2025, "by": "village"})  # warm the per-process caches
    with CaptureQueriesContext(connection) as small:
        client.get(url, {"year": 2025, "by": "village"})
    book = StandardBook.load()
    for i in range(20):
        household = household_create(commune=province["b"], village=province["b1"], code=f"Y{i}", head_name="Hộ")
        _recognise(household, on=P2025, income=1_000_000, deprived={EMP, NUT, HQ, SAN}, by=None, book=book)
    with CaptureQueriesContext(connection) as large:
        client.get(url, {"year": 2025, "by": "village"})
    assert len(large.captured_queries) == len(small.captured_queries)
    with django_assert_max_num_queries(30):
        client.get(reverse("households:rates"), {"year": 2025})


def test_rates_page(af_data, as_user):
    response = as_user("province_officer").get(reverse("households:rates"), {"year": 2025})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="table-targets"' in html and 'id="chart-rates-groups"' in html
    assert "status-on_track" in html and "status-behind" in html
    assert "57,14%" in html  # 4/7 poor in 2025
    assert "design.md" in html  # the targets' source
    assert as_user("credit_officer").get(reverse("households:rates")).status_code == 403


def test_excel_export_holds_the_same_numbers(af_data, as_user):
    from openpyxl import load_workbook

    response = as_user("chairman").get(reverse("households:reports_excel"), {"year": 2025, "by": "ethnicity"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="bao-cao-ngheo-da-chieu-2025.xlsx"' in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert len(wb.sheetnames) == 8  # 4 Alkire-Foster tables, 4 rate and target tables
    summary = wb[wb.sheetnames[0]]
    rows = [[c.value for c in row] for row in summary.iter_rows()]
    header_at = 3  # row 1 the title, row 2 the note, row 4 the header
    assert summary.cell(row=4, column=1).font.b and summary.cell(row=1, column=1).font.b
    total, minority, kinh = rows[header_at + 1 : header_at + 4]
    assert total[1:6] == [6, 5, approx(Fraction(5, 6)), approx(0.4), approx(Fraction(1, 3))]
    assert minority[3:6] == [approx(1), approx(Fraction(7, 18)), approx(Fraction(7, 18))]
    assert kinh[3:6] == [approx(Fraction(2, 3)), approx(Fraction(5, 12)), approx(Fraction(5, 18))]
    assert total[8] == approx(Fraction(10, 3))  # change of H, points
    assert summary.cell(row=header_at + 2, column=4).number_format == "0.0%"
    assert summary.freeze_panes is not None
    targets = wb[wb.sheetnames[-1]]
    statuses = [r[4] for r in targets.iter_rows(values_only=True) if r[2] == "2025"]
    assert statuses  # the chairman's groups with a target
    assert as_user("credit_officer").get(reverse("households:reports_excel"), {"year": 2025}).status_code == 403
