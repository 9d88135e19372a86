"""The generator in memory (no database): reproducibility, the documented targets, and the project's own rules.

Targets and tolerances (docs/synthetic-data.md, "Targets"): the tolerances are wider than the targets because a
province of 3,000 households is a small sample (a poor rate of 9 % has a standard error of about 0.5 point there).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from households import derivation
from households.national_id import national_id_problem
from households.poverty import STANDARDS, classify
from households.transitions import transition
from synthetic import areas as synthetic_areas
from synthetic import generator as G
from synthetic import params as P
from synthetic import rates as R

SMALL, SEED = 3_000, 20251001
LIST_YEARS = [y + 1 for y in P.REVIEW_YEARS]


@pytest.fixture(scope="module")
def province() -> G.Province:
    return G.generate(SMALL, SEED, keep_states=True)


@pytest.fixture(scope="module")
def large() -> G.Province:
    """20,000 households (the demo's size): enough ethnic-minority and Kinh households that fell back to compare."""
    return G.generate(20_000, SEED)


def _rates(p: G.Province) -> dict:
    return R.rates(
        p.reviews.classification, p.reviews.transition, G.MINORITY[p.households.ethnicity], LIST_YEARS, G.TRANSITIONS
    )


def test_the_same_seed_gives_the_same_province_bit_for_bit(province):
    again = G.generate(SMALL, SEED, keep_states=True)
    assert again.digest() == province.digest()
    assert G.generate(SMALL, SEED + 1).digest() != province.digest()
    assert G.generate(SMALL + 1, SEED).digest() != province.digest()


def test_communes_are_generated_independently_of_their_order():
    """Each commune draws from its own stream: its households do not change when the province grows."""
    small = G.generate(2_000, 5)
    assert len(small.layout.communes) == 5
    first = small.households.commune == 0
    again = G.generate(2_000, 5)
    assert np.array_equal(again.reviews.income[first], small.reviews.income[first])


def test_layout_scales_communes_and_villages_with_households():
    demo = synthetic_areas.layout(20_000, 1)
    assert [c.code for c in demo.communes] == [c.code for c in synthetic_areas.COMMUNES]
    assert demo.households == 20_000
    million = synthetic_areas.layout(1_000_000, 1)
    assert 240 <= len(million.communes) <= 260
    assert million.households == 1_000_000
    codes = [c.code for c in million.communes] + [code for c in million.communes for code, _n in c.predecessors]
    assert len(codes) == len(set(codes)), "commune codes are unique, predecessors included"
    assert len({v.code for v in million.villages}) == len(million.villages)
    per_village = np.array(million.village_households)
    assert 100 <= per_village.mean() <= 250 and per_village.min() >= 1
    assert sum(1 for c in million.communes if c.predecessors) > len(million.communes) / 2
    profiles = {c.profile for c in million.communes}
    assert profiles == {"highland", "midland", "lowland", "urban"}
    # the demo accounts' villages are always there, with households in them
    named = {v.code: n for v, n in zip(demo.villages, demo.village_households, strict=True)}
    for code in ("90001-01", "90001-02", "90001-03", "90001-04"):
        assert named[code] > 0


def test_rates_meet_the_documented_targets(province):
    table = _rates(province)["all"]
    poor = [table[y]["poor_rate"] for y in LIST_YEARS]
    assert 0.07 <= poor[0] <= 0.115, poor  # target 8-10 %
    fall = (poor[0] - poor[-1]) / (len(poor) - 1) * 100
    assert 0.8 <= fall <= 2.3, poor  # target 1-2 points a year
    assert all(b < a for a, b in zip(poor, poor[1:], strict=False)), poor
    for year in LIST_YEARS:
        assert 0.015 <= table[year]["near_poor_rate"] <= 0.07, (year, table[year])
    fell_back = R.pooled_fell_back_rate(table, LIST_YEARS[2:])
    assert 0.02 <= fell_back <= 0.10, fell_back  # target 3-8 % of the escaped pool a year


def test_ethnic_minority_households_are_poorer_and_fall_back_more(large):
    table = _rates(large)
    for year in LIST_YEARS:
        assert table["minority"][year]["poor_rate"] >= 2 * table["kinh"][year]["poor_rate"], year
    minority = R.pooled_fell_back_rate(table["minority"], LIST_YEARS[2:])
    kinh = R.pooled_fell_back_rate(table["kinh"], LIST_YEARS[2:])
    assert minority >= 1.3 * kinh, (minority, kinh)
    assert 0.03 <= R.pooled_fell_back_rate(table["all"], LIST_YEARS[2:]) <= 0.08


def test_every_classification_is_classify_of_the_review_data(province):
    std = STANDARDS[0]
    rv = province.reviews
    for h in range(province.n_households):
        area = "urban" if province.households.urban[h] else "rural"
        for k in range(len(LIST_YEARS)):
            codes = [c for i, c in enumerate(G.LOCAL_INDICATORS) if rv.deprived[h, k] >> i & 1]
            expected = classify(std, area=area, income_per_capita=int(rv.income[h, k]), deprived=codes)
            assert G.CLASSIFICATIONS[rv.classification[h, k]] == expected


def test_every_transition_is_transition_of_the_history(province):
    rv = province.reviews
    for h in range(province.n_households):
        history = [G.CLASSIFICATIONS[c] for c in rv.classification[h]]
        for k in range(len(LIST_YEARS)):
            assert G.TRANSITIONS[rv.transition[h, k]] == transition(history[: k + 1])


def test_member_derived_indicators_agree_with_the_members_of_each_year(province):
    """Each review's member-derived bits are households.derivation.derive_indicators of that year's members."""
    m, rv = province.members, province.reviews
    bits = {code: G.LOCAL_BIT[code] for code in G.MEMBER_DERIVED}
    for k, year in enumerate(P.REVIEW_YEARS):
        states = province.member_states[year]
        for h in range(0, province.n_households, 3):
            start, count = province.households.member_start[h], province.households.member_count[h]
            rows = [i for i in range(start, start + count) if states["here"][i]]
            facts = [
                derivation.MemberFacts(
                    birth_date=m.birth[i].astype(object),
                    has_health_insurance=bool(states["insured"][i]),
                    schooling=G.SCHOOLING[states["schooling"][i]],
                    education=P.EDUCATION_LEVELS[states["education"][i]],
                    in_training=bool(states["in_training"][i]),
                    employment=G.EMPLOYMENT[states["employment"][i]],
                )
                for i in rows
            ]
            on = rv.review_date[h, k].astype(object)
            derived = derivation.derive_indicators(facts, on)
            assert len(rows) == rv.size[h, k]
            for code, bit in bits.items():
                assert bool(rv.derived[h, k] >> bit & 1) == derived[code], (h, year, code)
                assert bool(rv.deprived[h, k] >> bit & 1) == derived[code], (h, year, code)


def test_national_ids_are_valid_and_unique(province):
    m = province.members
    stored = m.stored
    last = province.reviews.review_date[m.household, -1]
    ages = G.age_on(m.birth, last)
    needs = stored & (ages >= P.NATIONAL_ID_FROM_AGE)
    assert (m.national_id[needs] > 0).all() and (m.national_id[~needs] == 0).all()
    ids = m.national_id[needs]
    assert len(np.unique(ids)) == len(ids)
    for value, birth, sex in zip(ids.tolist(), m.birth[needs].astype(object), m.sex[needs].tolist(), strict=True):
        assert national_id_problem(G.national_id_text(value), birth_date=birth, sex=G.SEXES[sex]) is None


def test_households_and_members_are_plausible(province):
    hh, m = province.households, province.members
    assert 3.0 <= province.reviews.size[:, -1].mean() <= 4.5
    heads = m.relation[hh.member_start]
    assert (heads == G.RELATIONS.index("head")).all()
    assert (m.stored[hh.member_start]).all(), "heads of household do not die in the generator"
    minority = G.MINORITY[hh.ethnicity].mean()
    assert 0.5 <= minority <= 0.8, minority  # a northern mountainous province
    groups = {P.GROUPS[g] for g in np.unique(hh.ethnicity)}
    assert {P.KINH, P.TAY, P.NUNG, P.DAO, P.MONG} <= groups
    # ethnic-minority shares are higher in disadvantaged communes
    disadvantaged = np.array([province.layout.communes[c].disadvantaged for c in hh.commune])
    assert G.MINORITY[hh.ethnicity[disadvantaged]].mean() > G.MINORITY[hh.ethnicity[~disadvantaged]].mean() + 0.2
    assert (m.birth[m.stored] <= province.reviews.review_date[m.household[m.stored], -1]).all()


def test_loans_follow_the_households_status_and_the_programme_rules(large):
    loans, rv = large.loans, large.reviews
    assert len(loans.household) > 0.1 * large.n_households
    k = loans.list_year - LIST_YEARS[0]  # the review that set the list of the disbursement year
    status = rv.classification[loans.household, k]
    programme = np.array(G.PROGRAMMES)[loans.programme]
    assert (status[programme == "poor_household"] == 0).all()
    assert (status[programme == "near_poor_household"] == 1).all()
    assert (status[programme == "newly_escaped_household"] >= 2).all()
    student = programme == "student"
    assert (loans.amount[~student] <= 100_000_000).all() and (loans.amount > 0).all()
    assert (loans.amount[student] % 40_000_000 == 0).all()  # 4,000,000 a month, 10 months a school year
    assert (loans.amount[programme == "ethnic_minority_housing"] == 40_000_000).all()
    assert (loans.amount[programme == "clean_water_sanitation"] <= 2 * 25_000_000).all()
    assert (loans.disbursed_on <= np.datetime64(P.AS_OF)).all()
    behaviour = np.array(G.BEHAVIOURS)[loans.behaviour]
    assert set(behaviour) == {"on_time", "late", "misused"}
    late = behaviour != "on_time"
    assert np.isnat(loans.behaviour_from[~late]).all() and not np.isnat(loans.behaviour_from[late]).any()
    assert (loans.behaviour_from[late] > loans.disbursed_on[late]).all()
    assert 0.02 <= late.mean() <= 0.25
    # repayment trouble follows shocks: borrowers who were late had a shock far more often than those on time
    caught = ~np.isnat(loans.caught_up_on)
    assert (behaviour[caught] == "late").all()
    assert (loans.caught_up_on[caught] > loans.behaviour_from[caught]).all()
    assert date(2022, 1, 1) <= loans.disbursed_on.min().astype(object)
