"""Classification under the poverty standards and the choice of standard (domain.md §9.1, §1.2, §1.6, §9.3).

Pure tests: no database.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
import re
import subprocess
import sys
from datetime import date, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from households.poverty import (
    AREAS,
    CLASSIFICATIONS,
    INDICATORS,
    MEMBER_DERIVED,
    STANDARDS,
    Standard,
    classify,
    list_year_for_review,
    national_standard,
    standard_for_review,
    standard_in_force,
)
from households.standards_data import INDICATOR_DEFS

STD_2022 = national_standard("2022-2025")
STD_2027 = national_standard("2027-2030")

# (standard, area, income line, upper band of the average living standard)
BANDS = [
    (STD_2022, "rural", 1_500_000, 2_250_000),
    (STD_2022, "urban", 2_000_000, 3_000_000),
    (STD_2027, "rural", 2_200_000, 3_300_000),
    (STD_2027, "urban", 2_800_000, 4_200_000),
]
BAND_IDS = [f"{std.code}-{area}" for std, area, _, _ in BANDS]


def _deprived(std: Standard, count: int) -> set[str]:
    return set(std.indicators[:count])


# --- seed data -------------------------------------------------------------------------------------------------------
def test_the_seed_standards_hold_the_figures_of_the_decrees():
    assert STD_2022.legal_basis == "Nghị định 07/2021/NĐ-CP"
    assert (STD_2022.valid_from, STD_2022.valid_to) == (date(2022, 1, 1), date(2026, 12, 31))
    assert dict(STD_2022.income_line) == {"rural": 1_500_000, "urban": 2_000_000}
    assert dict(STD_2022.average_upper) == {"rural": 2_250_000, "urban": 3_000_000}
    assert STD_2022.min_deprivations_poor == 3
    assert STD_2022.province_code is None
    assert STD_2022.provisional == frozenset()
    assert STD_2022.indicators == (
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
    )

    assert STD_2027.legal_basis == "Nghị định 351/2025/NĐ-CP"
    assert (STD_2027.valid_from, STD_2027.valid_to) == (date(2027, 1, 1), date(2030, 12, 31))
    assert dict(STD_2027.income_line) == {"rural": 2_200_000, "urban": 2_800_000}
    assert dict(STD_2027.average_upper) == {"rural": 3_300_000, "urban": 4_200_000}
    assert STD_2027.min_deprivations_poor == 3
    assert STD_2027.provisional == {"average_upper", "indicators"}
    assert STD_2027.is_provisional("average_upper") and not STD_2027.is_provisional("income_line")
    shared = set(STD_2022.indicators) - {"telecom", "information_access"}
    assert set(STD_2027.indicators) == shared | {"digital_services", "waste"}
    assert len(STD_2027.indicators) == 12


def test_the_periods_follow_each_other_without_gap_or_overlap():
    national = sorted((s for s in STANDARDS if s.province_code is None), key=lambda s: s.valid_from)
    for earlier, later in zip(national, national[1:], strict=False):
        assert earlier.valid_to is not None
        assert (later.valid_from - earlier.valid_to).days == 1


def test_every_indicator_of_domain_9_3_is_defined_with_its_labels():
    assert len(INDICATORS) == 14
    assert [i.code for i in INDICATOR_DEFS] == list(INDICATORS)
    for std in STANDARDS:
        assert set(std.indicators) <= set(INDICATORS)
    assert INDICATORS["dependants"].name_vi == "Người phụ thuộc trong hộ gia đình"
    assert INDICATORS["drinking_water"].dimension == "water_sanitation"
    assert INDICATORS["drinking_water"].dimension_vi == "Nước sinh hoạt và vệ sinh"
    assert INDICATORS["waste"].dimension == "environment"
    assert {i.dimension for i in INDICATORS.values()} == {
        "employment",
        "health",
        "education",
        "housing",
        "water_sanitation",
        "information",
        "environment",
    }
    for indicator in INDICATORS.values():
        assert indicator.name_vi and indicator.name_en and indicator.legal_text_vi and indicator.dimension_vi
    assert MEMBER_DERIVED == {"dependants", "health_insurance", "child_schooling", "adult_education"}
    assert MEMBER_DERIVED <= set(INDICATORS)


def test_seed_records_can_be_iterated_by_a_migration():
    # The data migration reads these as plain values; dataclasses.asdict works on indicators, as_dict on standards.
    row = dataclasses.asdict(INDICATORS["waste"])
    assert row["dimension_vi"] == "Môi trường"
    values = STD_2027.as_dict()
    assert values["income_line"] == {"rural": 2_200_000, "urban": 2_800_000}
    assert values["provisional"] == ["average_upper", "indicators"]
    assert Standard(**values) == STD_2027
    assert copy.deepcopy(STD_2027) == STD_2027
    assert pickle.loads(pickle.dumps(STD_2022)) == STD_2022  # noqa: S301 - our own bytes
    assert hash(STD_2022) != hash(STD_2027)


def test_a_seed_standard_cannot_be_changed_in_place():
    with pytest.raises(dataclasses.FrozenInstanceError):
        STD_2022.min_deprivations_poor = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        STD_2022.income_line["rural"] = 1  # type: ignore[index]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"income_line": {"rural": 1_500_000}}, "income_line must have exactly the areas"),
        ({"income_line": {"rural": 1_500_000, "urban": 2_000_000.0}}, "must be a positive int"),
        ({"average_upper": {"rural": 1_000_000, "urban": 3_000_000}}, "average_upper['rural'] is below income_line"),
        ({"indicators": ("employment", "bogus")}, "unknown indicator codes ['bogus']"),
        ({"indicators": ("employment", "employment", "nutrition")}, "without duplicates"),
        ({"min_deprivations_poor": 0}, "min_deprivations_poor 0 out of range"),
        ({"valid_to": date(2021, 12, 31)}, "is before valid_from"),
        ({"provisional": {"colour"}}, "unknown provisional fields ['colour']"),
    ],
)
def test_an_inconsistent_standard_is_refused(change, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        dataclasses.replace(STD_2022, **change)


def test_the_module_imports_without_django():
    code = (
        "import sys, households.poverty, households.mpi, households.standards_data; "
        "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


# --- classification boundaries (domain.md §9.1) ----------------------------------------------------------------------
def test_the_example_of_the_brief():
    assert (
        classify(
            STD_2022, area="rural", income_per_capita=1_500_000, deprived={"employment", "nutrition", "sanitation"}
        )
        == "poor"
    )


@pytest.mark.parametrize(("std", "area", "line", "upper"), BANDS, ids=BAND_IDS)
@pytest.mark.parametrize(
    ("offset", "count", "expected"),
    [
        # at or below the line: the count of deprivations separates poor (>= 3) from near-poor (< 3)
        ("line-1", 3, "poor"),
        ("line-1", 2, "near_poor"),
        ("line", 3, "poor"),
        ("line", 2, "near_poor"),
        ("zero", 3, "poor"),
        ("zero", 0, "near_poor"),
        # just above the line: average whatever the count
        ("line+1", 3, "average"),
        ("line+1", 2, "average"),
        ("upper-1", 3, "average"),
        ("upper", 3, "average"),
        ("upper", 0, "average"),
        # above the upper band
        ("upper+1", 3, "non_poor"),
        ("upper+1", 2, "non_poor"),
        ("upper+1", 0, "non_poor"),
    ],
)
def test_every_boundary(std, area, line, upper, offset, count, expected):
    income = {
        "zero": 0,
        "line-1": line - 1,
        "line": line,
        "line+1": line + 1,
        "upper-1": upper - 1,
        "upper": upper,
        "upper+1": upper + 1,
    }[offset]
    assert classify(std, area=area, income_per_capita=income, deprived=_deprived(std, count)) == expected


def test_the_area_decides_the_line():
    # 1,800,000 is above the rural line but below the urban one (2022-2025).
    deprived = _deprived(STD_2022, 3)
    assert classify(STD_2022, area="rural", income_per_capita=1_800_000, deprived=deprived) == "average"
    assert classify(STD_2022, area="urban", income_per_capita=1_800_000, deprived=deprived) == "poor"


def test_the_2027_standard_uses_its_own_line_and_indicators():
    deprived = {"digital_services", "waste", "employment"}
    assert classify(STD_2027, area="rural", income_per_capita=2_000_000, deprived=deprived) == "poor"
    assert classify(STD_2022, area="rural", income_per_capita=2_000_000, deprived=set()) == "average"


def test_duplicate_codes_count_once_and_any_iterable_is_accepted():
    codes = ["employment", "employment", "nutrition"]
    assert classify(STD_2022, area="rural", income_per_capita=1, deprived=codes) == "near_poor"
    assert classify(STD_2022, area="rural", income_per_capita=1, deprived=iter(STD_2022.indicators)) == "poor"


def test_a_numpy_integer_income_is_accepted():
    assert classify(STD_2022, area="urban", income_per_capita=np.int64(2_000_001), deprived=()) == "average"


# --- errors --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"deprived": {"employment", "bogus"}}, "unknown indicator code 'bogus'"),
        ({"deprived": {"waste"}}, "indicator 'waste' is not part of standard '2022-2025'"),
        ({"deprived": {"digital_services"}}, "indicator 'digital_services' is not part of standard '2022-2025'"),
        ({"deprived": "employment"}, "not the string 'employment'"),
        ({"area": "mountain"}, "unknown area 'mountain'"),
        ({"area": "Rural"}, "unknown area 'Rural'"),
        ({"income_per_capita": -1}, "must not be negative, got -1"),
        ({"income_per_capita": 1_500_000.0}, "not 1500000.0"),
        ({"income_per_capita": "1500000"}, "not '1500000'"),
        ({"income_per_capita": None}, "not None"),
        ({"income_per_capita": True}, "not True"),
        ({"income_per_capita": False}, "not False"),
    ],
)
def test_classify_refuses_bad_input_naming_it(kwargs, message):
    arguments = {"area": "rural", "income_per_capita": 1_000_000, "deprived": set()} | kwargs
    with pytest.raises(ValueError, match=re.escape(message)):
        classify(STD_2022, **arguments)


def test_an_indicator_of_the_old_standard_is_refused_under_the_new_one():
    for code in ("telecom", "information_access"):
        with pytest.raises(ValueError, match=re.escape(f"indicator '{code}' is not part of standard '2027-2030'")):
            classify(STD_2027, area="urban", income_per_capita=0, deprived={code})


# --- choice of standard ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("on", "code"),
    [
        (date(2022, 1, 1), "2022-2025"),
        (date(2025, 6, 30), "2022-2025"),
        (date(2026, 12, 31), "2022-2025"),  # extended through 2026 by Decree 351/2025
        (date(2027, 1, 1), "2027-2030"),
        (date(2027, 3, 1), "2027-2030"),
        (date(2030, 12, 31), "2027-2030"),
    ],
)
def test_national_standard_by_date(on, code):
    assert national_standard(on=on).code == code


def test_national_standard_by_code():
    assert national_standard("2027-2030") is STD_2027


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("2016-2020",), {}, "no national standard with code '2016-2020'"),
        ((), {"on": date(2021, 12, 31)}, "no standard in force on 2021-12-31"),
        ((), {"on": date(2031, 1, 1)}, "no standard in force on 2031-01-01"),
        ((), {}, "give exactly one of code or on"),
        (("2022-2025",), {"on": date(2023, 1, 1)}, "give exactly one of code or on"),
        ((), {"on": datetime(2023, 1, 1, 12, 0)}, "on must be a date (not a datetime)"),
        ((), {"on": "2023-01-01"}, "on must be a date (not a datetime), got '2023-01-01'"),
    ],
)
def test_national_standard_refuses_naming_the_value(args, kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        national_standard(*args, **kwargs)


def test_overlapping_standards_are_reported():
    clash = dataclasses.replace(STD_2027, code="clash", valid_from=date(2026, 6, 1))
    with pytest.raises(ValueError, match=re.escape("several standards in force on 2026-07-01")):
        national_standard(on=date(2026, 7, 1), standards=(*STANDARDS, clash))


@pytest.mark.parametrize(
    ("review_date", "kind", "code", "list_year"),
    [
        (date(2021, 10, 15), "periodic", "2022-2025", 2022),  # late-2021 review applied 2022-2025
        (date(2021, 9, 1), "periodic", "2022-2025", 2022),
        (date(2026, 3, 10), "regular", "2022-2025", 2026),
        (date(2026, 8, 31), "periodic", "2022-2025", 2026),  # before September: the standard of its own date
        (date(2026, 9, 1), "periodic", "2027-2030", 2027),
        (date(2026, 10, 1), "periodic", "2027-2030", 2027),  # late-2026 review applies 2027-2030
        (date(2026, 12, 14), "periodic", "2027-2030", 2027),
        (date(2026, 12, 31), "regular", "2022-2025", 2026),  # a regular review uses its own date
        (date(2027, 2, 1), "regular", "2027-2030", 2027),
        (date(2024, 11, 20), "periodic", "2022-2025", 2025),
    ],
)
def test_standard_for_review(review_date, kind, code, list_year):
    assert standard_for_review(review_date, kind).code == code
    assert list_year_for_review(review_date, kind) == list_year


def test_standard_for_review_refuses_unknown_kind_or_uncovered_date():
    with pytest.raises(ValueError, match=re.escape("unknown review kind 'monthly'")):
        standard_for_review(date(2026, 3, 1), "monthly")
    with pytest.raises(ValueError, match=re.escape("unknown review kind 'annual'")):
        list_year_for_review(date(2026, 3, 1), "annual")
    with pytest.raises(ValueError, match=re.escape("no standard in force on 2021-03-01")):
        standard_for_review(date(2021, 3, 1), "regular")
    with pytest.raises(ValueError, match=re.escape("no standard in force on 2031-01-01")):
        standard_for_review(date(2030, 10, 1), "periodic")


def test_a_province_standard_wins_in_its_province_only():
    stricter = dataclasses.replace(
        STD_2022,
        code="2024-2025-HN",
        province_code="01",
        valid_from=date(2024, 1, 1),
        valid_to=date(2025, 12, 31),
        income_line={"rural": 2_000_000, "urban": 2_500_000},
        average_upper={"rural": 3_000_000, "urban": 3_750_000},
    )
    standards = (*STANDARDS, stricter)
    assert standard_in_force(date(2024, 5, 1), province_code="01", standards=standards) is stricter
    assert standard_in_force(date(2024, 5, 1), province_code="79", standards=standards) is STD_2022
    assert standard_in_force(date(2026, 5, 1), province_code="01", standards=standards) is STD_2022
    assert national_standard(on=date(2024, 5, 1), standards=standards) is STD_2022
    assert standard_for_review(date(2023, 10, 1), "periodic", standards, province_code="01") is stricter


# --- properties ------------------------------------------------------------------------------------------------------
RANK = {code: rank for rank, code in enumerate(CLASSIFICATIONS)}  # 0 = poorest
incomes = st.integers(min_value=0, max_value=10_000_000)


@st.composite
def households(draw):
    std = draw(st.sampled_from(STANDARDS))
    area = draw(st.sampled_from(AREAS))
    deprived = draw(st.sets(st.sampled_from(std.indicators)))
    return std, area, deprived


@settings(max_examples=200, deadline=None)
@given(households(), incomes, incomes)
def test_more_income_never_makes_a_household_poorer(household, income, other):
    std, area, deprived = household
    low, high = sorted((income, other))
    poorer = classify(std, area=area, income_per_capita=low, deprived=deprived)
    richer = classify(std, area=area, income_per_capita=high, deprived=deprived)
    assert RANK[richer] >= RANK[poorer]


@settings(max_examples=200, deadline=None)
@given(households(), st.data(), incomes)
def test_more_deprivations_never_make_a_household_less_poor(household, data, income):
    std, area, deprived = household
    more = deprived | data.draw(st.sets(st.sampled_from(std.indicators)))
    before = classify(std, area=area, income_per_capita=income, deprived=deprived)
    after = classify(std, area=area, income_per_capita=income, deprived=more)
    assert RANK[after] <= RANK[before]


@settings(max_examples=200, deadline=None)
@given(households(), incomes)
def test_the_result_is_a_classification_and_poor_or_near_poor_iff_at_most_the_line(household, income):
    std, area, deprived = household
    result = classify(std, area=area, income_per_capita=income, deprived=deprived)
    assert result in CLASSIFICATIONS
    assert (result in {"poor", "near_poor"}) == (income <= std.income_line[area])
    if result in {"poor", "near_poor"}:
        assert (result == "poor") == (len(deprived) >= std.min_deprivations_poor)
    else:
        assert (result == "average") == (income <= std.average_upper[area])
