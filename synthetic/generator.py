"""The synthetic province, generated in memory: households, members, five years of recognised reviews, shocks, loans.

Pure: numpy and the project's pure domain modules (``households.poverty``, ``households.transitions``,
``households.national_id``); no Django import, no database. ``synthetic.writer`` puts the result in the database.

Reproducible: every random draw comes from ``numpy.random.Generator`` streams derived from the seed
(``SeedSequence(seed, spawn_key=...)``): one stream for the layout, one for the province's events (floods, livestock
disease), one per commune, one for national ID numbers. The same ``(households, seed)`` gives the same province, bit
for bit (:meth:`Province.digest`), whatever order the communes are generated in.

Each rule below is described in docs/synthetic-data.md; the numbers live in ``synthetic.params``.
"""

from __future__ import annotations

import hashlib
import multiprocessing
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, fields
from datetime import date

import numpy as np

from households import poverty
from households.national_id import PROVINCE_PREFIXES
from households.standards_data import STANDARD_2022_2025, Standard
from households.transitions import transition

from . import names as N
from . import params as P
from .areas import PROVINCE_CODE, CommuneSpec, Layout, layout

RELATIONS = ("head", "spouse", "child", "parent", "grandchild", "sibling", "other")
SEXES = ("male", "female")
SCHOOLING = ("", "attending", "behind", "not_attending")
EMPLOYMENT = ("stable", "unstable", "unemployed", "student", "retired", "unable", "child")
CLASSIFICATIONS = poverty.CLASSIFICATIONS  # poor, near_poor, average, non_poor
TRANSITIONS = ("", "escaped", "escaped_near_poor", "fell_back", "fell_back_near_poor", "newly_poor", "newly_near_poor")
SHOCKS = ("illness", "death", "disaster", "livestock_disease", "job_loss")
PROGRAMMES = (
    "ethnic_minority_housing",
    "poor_household",
    "near_poor_household",
    "newly_escaped_household",
    "student",
    "clean_water_sanitation",
    "disadvantaged_area_business",
    "job_creation",
)  # in the order a household's eligibility is tried
BEHAVIOURS = ("on_time", "late", "misused")
PURPOSES = (
    "buffalo_cattle", "pigs_poultry", "tea_planting", "rice_inputs", "forest_planting", "small_trade",
    "water_works", "latrine", "house", "tuition", "vocational_start", "working_abroad",
)  # fmt: skip
ORGANISATIONS = tuple(code for code, _share in P.ORGANISATIONS)
#: The indicators the generator models: those of the 2022-2025 standard, in its order (bit i of a local mask).
LOCAL_INDICATORS: tuple[str, ...] = STANDARD_2022_2025.indicators
LOCAL_BIT = {code: i for i, code in enumerate(LOCAL_INDICATORS)}
MEMBER_DERIVED = ("dependants", "health_insurance", "child_schooling", "adult_education")
HOUSEHOLD_DECIDED = tuple(P.HOUSEHOLD_INDICATORS)
GROUP_CODES = P.GROUPS  # ethnicity index → GSO code
MINORITY = np.array([code != P.KINH for code in GROUP_CODES])
PROFILES = ("highland", "midland", "lowland", "urban")
EDU = {level: i for i, level in enumerate(P.EDUCATION_LEVELS)}
ALL_YEARS = (P.BURN_IN_YEAR, *P.REVIEW_YEARS, P.LOAN_YEARS[-1])  # 2020 (burn-in) … 2025 (reviews), 2026 (loans)
_POOR, _NEAR, _AVERAGE, _NON = range(4)
_MALE, _FEMALE = 0, 1
_EMP = {name: i for i, name in enumerate(EMPLOYMENT)}
_SCH = {name: i for i, name in enumerate(SCHOOLING)}
_REL = {name: i for i, name in enumerate(RELATIONS)}
_SLOTS = 14  # head, spouse, father, mother, 6 children, child-in-law, 3 grandchildren
_SLOT_RELATION = np.array([_REL[r] for r in ["head", "spouse", "parent", "parent", *["child"] * 6, "other"]
                           + ["grandchild"] * 3], dtype=np.int8)  # fmt: skip
_EPOCH = np.datetime64("1970-01-01", "D")
_ALIVE = np.iinfo(np.int32).max


# --- the result ---------------------------------------------------------------------------------------------------
@dataclass
class Households:
    village: np.ndarray  # index into layout.villages
    commune: np.ndarray  # index into layout.communes
    number: np.ndarray  # 1-based number within the village (the code is <village code>-NNNN)
    ethnicity: np.ndarray  # index into params.GROUPS (the head's)
    urban: np.ndarray
    primary: np.ndarray  # index into params.LIVELIHOODS
    secondary: np.ndarray
    remittance: np.ndarray  # đồng a month in 2020 (0: none)
    member_start: np.ndarray
    member_count: np.ndarray  # members ever generated (the deceased included)
    size: np.ndarray  # members at the last review
    female_headed: np.ndarray
    has_disabled_member: np.ndarray


@dataclass
class Members:
    household: np.ndarray
    relation: np.ndarray  # index into RELATIONS
    sex: np.ndarray  # 0 male, 1 female
    birth: np.ndarray  # datetime64[D]
    ethnicity: np.ndarray  # index into params.GROUPS
    family: np.ndarray  # indexes into names.NAME_PARTS
    middle: np.ndarray
    given: np.ndarray
    disabled: np.ndarray
    unable: np.ndarray  # a disability that stops the person working
    pension: np.ndarray
    final_education: np.ndarray  # the level the person reaches (or will reach)
    died: np.ndarray  # datetime64[D]; NaT for the living
    # state at the household's last review (what the Member row holds)
    insured: np.ndarray
    schooling: np.ndarray  # index into SCHOOLING
    education: np.ndarray  # index into params.EDUCATION_LEVELS
    in_training: np.ndarray
    employment: np.ndarray  # index into EMPLOYMENT
    national_id: np.ndarray  # int64, 0 when none

    @property
    def stored(self) -> np.ndarray:
        """Members written to the database: alive at their household's last review."""
        return np.isnat(self.died)


@dataclass
class Reviews:
    """One recognised periodic review per household and year of ``params.REVIEW_YEARS``: arrays of shape (H, Y)."""

    review_date: np.ndarray  # datetime64[D]
    list_year: np.ndarray
    standard: np.ndarray  # index into Province.standards
    income: np.ndarray  # đồng per person per month
    size: np.ndarray
    deprived: np.ndarray  # local mask over LOCAL_INDICATORS
    derived: np.ndarray  # local mask of member-derived indicators that the member records say are deprived
    classification: np.ndarray  # index into CLASSIFICATIONS
    transition: np.ndarray  # index into TRANSITIONS


@dataclass
class Loans:
    household: np.ndarray
    list_year: np.ndarray  # year of disbursement (the status that made the household eligible is that list's)
    programme: np.ndarray  # index into PROGRAMMES
    amount: np.ndarray
    term_months: np.ndarray
    disbursed_on: np.ndarray  # datetime64[D]
    purpose: np.ndarray  # index into PURPOSES
    organisation: np.ndarray  # index into ORGANISATIONS
    behaviour: np.ndarray  # index into BEHAVIOURS
    behaviour_from: np.ndarray  # datetime64[D]: when repayment fell behind or the misuse was found (NaT: on time)
    caught_up_on: np.ndarray  # datetime64[D]: a late borrower back on schedule (NaT: not late, or still behind)
    cause: np.ndarray  # index into SHOCKS of the shock behind "late" or "misused", -1 when none


@dataclass
class YearAfter:
    """The year after the last review (2026, until its review): each household's income and deprivations (local mask)
    on the day its review would be held. Not written as reviews (the demo's regular reviews start from it)."""

    income: np.ndarray
    deprived: np.ndarray


@dataclass
class Province:
    seed: int
    layout: Layout
    standards: list[Standard]
    households: Households
    members: Members
    reviews: Reviews
    loans: Loans
    shocks: np.ndarray  # bool (H, len(ALL_YEARS), len(SHOCKS))
    after: YearAfter | None = None
    member_states: dict | None = None  # per review year (tests): {year: {field: array}}
    years: tuple[int, ...] = P.REVIEW_YEARS

    @property
    def n_households(self) -> int:
        return len(self.households.village)

    def household_codes(self) -> list[str]:
        """Each household's code as written: ``<village code>-NNNN``."""
        villages = [v.code for v in self.layout.villages]
        pairs = zip(self.households.village.tolist(), self.households.number.tolist(), strict=True)
        return [f"{villages[v]}-{k:04d}" for v, k in pairs]

    def digest(self) -> str:
        """sha256 over every generated array (a different value means a different province)."""
        h = hashlib.sha256()
        for part in (self.households, self.members, self.reviews, self.loans, self.after):
            for f in fields(part):
                value = np.ascontiguousarray(getattr(part, f.name))
                h.update(f.name.encode())
                h.update(str(value.dtype).encode())
                h.update(value.tobytes())
        h.update(np.ascontiguousarray(self.shocks).tobytes())
        return h.hexdigest()


# --- classification through the project's pure functions ------------------------------------------------------------
class Classifier:
    """``households.poverty.classify`` and ``households.transitions.transition``, called once per distinct input."""

    def __init__(self, standards: Sequence[Standard], province_code: str = PROVINCE_CODE) -> None:
        self.standards = list(standards)
        self.province_code = province_code
        self._by_date: dict[date, tuple[int, int]] = {}
        self._classified: dict[tuple[int, bool, int, int], int] = {}
        self._transitions: dict[tuple[int, ...], int] = {}

    def standard_for(self, review_date: date) -> tuple[int, int]:
        """(index of the standard applied, list year) of a periodic review on ``review_date``."""
        found = self._by_date.get(review_date)
        if found is None:
            std = poverty.standard_for_review(review_date, "periodic", self.standards, province_code=self.province_code)
            found = (self.standards.index(std), poverty.list_year_for_review(review_date, "periodic"))
            self._by_date[review_date] = found
        return found

    def codes(self, std_index: int, local_mask: int) -> tuple[str, ...]:
        std = self.standards[std_index]
        return tuple(c for i, c in enumerate(LOCAL_INDICATORS) if local_mask >> i & 1 and c in std.indicators)

    def classify(self, std_index: np.ndarray, urban: np.ndarray, income: np.ndarray, mask: np.ndarray) -> np.ndarray:
        key = np.stack([std_index.astype(np.int64), urban.astype(np.int64), income, mask.astype(np.int64)], axis=1)
        unique, inverse = np.unique(key, axis=0, return_inverse=True)
        result = np.empty(len(unique), dtype=np.int8)
        for i, (s, u, inc, m) in enumerate(unique.tolist()):
            k = (s, bool(u), inc, m)
            value = self._classified.get(k)
            if value is None:
                label = poverty.classify(
                    self.standards[s],
                    area="urban" if u else "rural",
                    income_per_capita=int(inc),
                    deprived=self.codes(s, m),
                )
                value = self._classified[k] = CLASSIFICATIONS.index(label)
            result[i] = value
        return result[inverse.reshape(-1)]

    def transitions(self, history: np.ndarray) -> np.ndarray:
        """The transition of the last column of ``history`` (H, k) of classification indexes."""
        if history.shape[1] < 2:
            return np.zeros(history.shape[0], dtype=np.int8)
        key = np.zeros(history.shape[0], dtype=np.int64)
        for column in range(history.shape[1]):
            key = key * 4 + history[:, column]
        unique, inverse = np.unique(key, return_inverse=True)
        result = np.empty(len(unique), dtype=np.int8)
        k = history.shape[1]
        for i, value in enumerate(unique.tolist()):
            digits = tuple((value >> (2 * (k - 1 - j))) & 3 for j in range(k))
            found = self._transitions.get(digits)
            if found is None:
                found = self._transitions[digits] = TRANSITIONS.index(transition([CLASSIFICATIONS[d] for d in digits]))
            result[i] = found
        return result[inverse.reshape(-1)]


# --- helpers --------------------------------------------------------------------------------------------------------
def _parts(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, month, day) of datetime64[D] values."""
    years = days.astype("datetime64[Y]").astype(np.int64) + 1970
    months = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
    return years, months, day


def age_on(birth: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Whole years between ``birth`` and ``on`` (as households.derivation.age_on, vectorised)."""
    by, bm, bd = _parts(birth)
    oy, om, od = _parts(on)
    return oy - by - ((om * 100 + od) < (bm * 100 + bd))


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _segment_any(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return np.add.reduceat(values.astype(np.int32), starts) > 0


def _segment_sum(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return np.add.reduceat(values, starts)


def _band(values: np.ndarray, bands: Sequence[tuple[float, float]]) -> np.ndarray:
    result = np.zeros(len(values))
    lower = -np.inf
    for upper, p in bands:
        result[(values >= lower) & (values < upper)] = p
        lower = upper
    return result


def _pick(rng: np.random.Generator, weights: tuple[tuple[str, ...], tuple[float, ...]], n: int) -> np.ndarray:
    names, probs = weights
    table = np.array([N.NAME_INDEX[name] for name in names], dtype=np.int16)
    return table[rng.choice(len(names), size=n, p=np.array(probs) / sum(probs))]


def _by_group(mapping: dict, default, groups: np.ndarray) -> np.ndarray:
    table = np.array([mapping.get(code, default) for code in GROUP_CODES], dtype=float)
    return table[groups]


# --- one commune ----------------------------------------------------------------------------------------------------
@dataclass
class _CommuneResult:
    households: Households
    members: Members
    reviews: Reviews
    loans: Loans
    shocks: np.ndarray
    member_states: dict | None
    after: YearAfter


@dataclass
class _Events:
    """Province-wide events by village and year: hit by a flood or storm, livestock disease outbreak."""

    disaster: np.ndarray  # bool (villages, len(ALL_YEARS))
    outbreak: np.ndarray


def _events(plan: Layout, seed: int) -> _Events:
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
    profile_of = {c.code: c.profile for c in plan.communes}
    factor = np.array([P.DISASTER_PROFILE_FACTOR[profile_of[v.commune_code]] for v in plan.villages])
    n = len(plan.villages)
    disaster = np.stack([rng.random(n) < P.DISASTER_VILLAGES[y] * factor for y in ALL_YEARS], axis=1)
    outbreak = np.stack([rng.random(n) < P.LIVESTOCK_OUTBREAK[y] for y in ALL_YEARS], axis=1)
    return _Events(disaster=disaster, outbreak=outbreak)


def _commune(
    spec: CommuneSpec,
    commune_index: int,
    village_indexes: np.ndarray,
    village_households: np.ndarray,
    events: _Events,
    classifier: Classifier,
    seed: int,
    keep_states: bool,
) -> _CommuneResult:
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(100 + commune_index,)))
    n_villages = len(village_indexes)
    H = int(village_households.sum())
    profile = spec.profile
    urban = spec.area_type == "urban"
    highland = profile == "highland"

    # villages: the dominant group and the mix of each, the review day of each year
    mix = np.array(P.ETHNIC_MIX[profile])
    dominant = rng.choice(len(GROUP_CODES), size=n_villages, p=mix)
    village_mix = (1 - P.VILLAGE_DOMINANT_SHARE) * mix[None, :] + P.VILLAGE_DOMINANT_SHARE * np.eye(len(mix))[dominant]
    village_day = rng.integers(
        0, P.REVIEW_WINDOW_DAYS - P.VILLAGE_REVIEW_SPREAD_DAYS, size=(n_villages, len(ALL_YEARS))
    )
    local_village = np.repeat(np.arange(n_villages), village_households)
    number = np.concatenate([np.arange(1, n + 1) for n in village_households]) if H else np.zeros(0, np.int64)

    # households: ethnicity of the head, livelihoods, remittances, lasting advantage
    cumulative = village_mix[local_village].cumsum(axis=1)
    group = (rng.random(H)[:, None] > cumulative).sum(axis=1).clip(0, len(GROUP_CODES) - 1)
    minority = MINORITY[group]
    live_mix = np.array(P.LIVELIHOOD_MIX[profile])
    primary = rng.choice(len(P.LIVELIHOODS), size=H, p=live_mix)
    secondary_weights = np.tile(live_mix + 0.02, (H, 1))
    secondary_weights[np.arange(H), primary] = 0
    secondary = (
        (rng.random(H)[:, None] > (secondary_weights / secondary_weights.sum(axis=1, keepdims=True)).cumsum(axis=1))
        .sum(axis=1)
        .clip(0, len(P.LIVELIHOODS) - 1)
    )
    remittance = np.where(rng.random(H) < P.REMITTANCE[profile], rng.uniform(*P.REMITTANCE_AMOUNT, size=H), 0.0).round(
        -4
    )
    permanent = rng.normal(0, P.PERMANENT_SD, size=H)
    wealth_std = permanent / P.PERMANENT_SD
    family_policy = np.clip(
        np.where(minority, P.FAMILY_INSURANCE["minority"], P.FAMILY_INSURANCE[P.KINH])
        + (P.FAMILY_INSURANCE_URBAN if urban else 0.0)
        + rng.normal(0, P.FAMILY_INSURANCE_SD, size=H),
        0,
        1,
    )
    family_draw = rng.random(H)

    # review dates per household and year (2026: the day its review would be, for timing shocks only)
    offsets = village_day[local_village] + rng.integers(0, P.VILLAGE_REVIEW_SPREAD_DAYS, size=H)[:, None]
    window = np.array([np.datetime64(date(y, *P.REVIEW_WINDOW_START), "D") for y in ALL_YEARS])
    review_dates = window[None, :] + offsets.astype("timedelta64[D]")  # (H, len(ALL_YEARS))
    last_review = review_dates[:, ALL_YEARS.index(P.REVIEW_YEARS[-1])]

    # --- members, as slots (H, 14), ages at the last review ---------------------------------------------------------
    present = np.zeros((H, _SLOTS), dtype=bool)
    age = np.zeros((H, _SLOTS))
    sex = np.zeros((H, _SLOTS), dtype=np.int8)
    member_group = np.repeat(group[:, None], _SLOTS, axis=1)
    head_age = np.clip(rng.normal(P.HEAD_AGE_MEAN, P.HEAD_AGE_SD, size=H), P.HEAD_AGE_MIN, P.HEAD_AGE_MAX)
    female_head = rng.random(H) < (
        P.FEMALE_HEAD_BASE + P.FEMALE_HEAD_OLD * (head_age >= 65) + (P.FEMALE_HEAD_URBAN if urban else 0.0)
    )
    present[:, 0], age[:, 0], sex[:, 0] = True, head_age, female_head
    p_spouse = np.where(female_head, 0.25, np.where(head_age < 65, 0.92, np.where(head_age < 75, 0.7, 0.5)))
    has_spouse = rng.random(H) < p_spouse
    gap = rng.uniform(0, 5, size=H)
    age[:, 1] = np.where(female_head, head_age + gap, np.maximum(head_age - gap, 19))
    present[:, 1], sex[:, 1] = has_spouse, ~female_head
    other_group = (rng.random(H)[:, None] > cumulative).sum(axis=1).clip(0, len(GROUP_CODES) - 1)
    member_group[:, 1] = np.where(rng.random(H) < P.MIXED_MARRIAGE, other_group, group)
    mother_age = np.where(female_head, head_age, np.where(has_spouse, age[:, 1], head_age - 3))
    children_mean = _by_group(P.CHILDREN_MEAN, 2.0, group) * (P.CHILDREN_URBAN_FACTOR if urban else 1.0)
    n_children = np.minimum(rng.poisson(children_mean), 6)
    low = _by_group({k: v[0] for k, v in P.FIRST_BIRTH_AGE.items()}, P.FIRST_BIRTH_AGE_DEFAULT[0], group)
    high = _by_group({k: v[1] for k, v in P.FIRST_BIRTH_AGE.items()}, P.FIRST_BIRTH_AGE_DEFAULT[1], group)
    first_birth = low + (high - low) * rng.random(H)
    gaps = rng.uniform(*P.BIRTH_GAP, size=(H, 6))
    gaps[:, 0] = 0
    child_age = mother_age[:, None] - first_birth[:, None] - gaps.cumsum(axis=1)
    born = (np.arange(6)[None, :] < n_children[:, None]) & (child_age >= 0)
    multigeneration = (
        (head_age >= 48)
        & born[:, 0]
        & (child_age[:, 0] >= 20)
        & (rng.random(H) < _by_group(P.MULTIGENERATION, 0.3, group))
    )
    stays = (child_age < 18) | ((child_age <= 30) & (rng.random((H, 6)) < P.ADULT_CHILD_STAYS))
    stays[:, 0] |= multigeneration
    present[:, 4:10] = born & stays
    age[:, 4:10] = np.maximum(child_age, 0)
    sex[:, 4:10] = rng.random((H, 6)) < 0.5
    sex[:, 4] = np.where(multigeneration, _MALE, sex[:, 4])
    present[:, 10] = multigeneration
    age[:, 10] = np.maximum(child_age[:, 0] - rng.uniform(0, 4, size=H), 18)
    sex[:, 10] = _FEMALE
    member_group[:, 10] = np.where(rng.random(H) < P.MIXED_MARRIAGE, other_group, group)
    n_grand = np.where(multigeneration, np.minimum(rng.poisson(1.6, size=H), 3), 0)
    grand_gaps = rng.uniform(*P.BIRTH_GAP, size=(H, 3))
    grand_gaps[:, 0] = 0
    grand_age = age[:, 10:11] - rng.uniform(19, 27, size=(H, 1)) - grand_gaps.cumsum(axis=1)
    present[:, 11:14] = (np.arange(3)[None, :] < n_grand[:, None]) & (grand_age >= 0)
    age[:, 11:14] = np.maximum(grand_age, 0)
    sex[:, 11:14] = rng.random((H, 3)) < 0.5
    lives_with_parents = (head_age < 60) & (
        rng.random(H) < _by_group(P.PARENT_CORESIDENT, P.PARENT_CORESIDENT_DEFAULT, group)
    )
    age[:, 3] = head_age + rng.uniform(20, 34, size=H)
    age[:, 2] = age[:, 3] + rng.uniform(0, 5, size=H)
    present[:, 3] = lives_with_parents & (rng.random(H) < 0.85) & (age[:, 3] <= 95)
    present[:, 2] = lives_with_parents & (rng.random(H) < 0.6) & (age[:, 2] <= 95)
    sex[:, 2], sex[:, 3] = _MALE, _FEMALE

    # flatten the present slots into member rows, grouped by household, head first
    hh_of, slot = np.nonzero(present)
    M = len(hh_of)
    counts = present.sum(axis=1)
    starts = np.concatenate([[0], counts.cumsum()[:-1]]).astype(np.int64)
    m_age_ref = age[hh_of, slot]
    birth = last_review[hh_of] - np.round(m_age_ref * 365.25).astype("timedelta64[D]")
    m_sex = sex[hh_of, slot].astype(np.int8)
    m_group = member_group[hh_of, slot].astype(np.int8)
    m_relation = _SLOT_RELATION[slot]

    # names: the family line's name for children and grandchildren, a person's own for spouses and in-laws
    family = np.zeros(M, dtype=np.int16)
    middle = np.zeros(M, dtype=np.int16)
    given = np.zeros(M, dtype=np.int16)
    for g, code in enumerate(GROUP_CODES):
        people = N.PEOPLE[code]
        chosen = m_group == g
        family[chosen] = _pick(rng, people["family"], int(chosen.sum()))
        for s, suffix in ((_MALE, "male"), (_FEMALE, "female")):
            sub = chosen & (m_sex == s)
            middle[sub] = _pick(rng, people[f"middle_{suffix}"], int(sub.sum()))
            given[sub] = _pick(rng, people[f"given_{suffix}"], int(sub.sum()))
    head_family = family[starts]
    spouse_slot = present[:, 1]
    spouse_index = starts + 1  # the spouse, when present, is the second row
    line_family = head_family.copy()
    husband_line = female_head & spouse_slot
    line_family[husband_line] = family[spouse_index[husband_line]]
    takes_line = np.isin(slot, [2, 4, 5, 6, 7, 8, 9, 11, 12, 13])
    family[takes_line] = np.where(slot[takes_line] == 2, head_family[hh_of[takes_line]], line_family[hh_of[takes_line]])

    # disability, pensions, education
    disabled = rng.random(M) < _band(m_age_ref, P.DISABILITY_BY_AGE)
    unable = disabled & (m_age_ref >= 15) & (rng.random(M) < P.DISABLED_UNABLE)
    pension = (m_age_ref >= 60) & (rng.random(M) < P.PENSION_SHARE["urban" if urban else "rural"])
    birth_year = _parts(birth)[0]
    cohort = np.select(
        [birth_year < b for b, _s in P.EDUCATION_COHORT_SHIFT], [s for _b, s in P.EDUCATION_COHORT_SHIFT], 0.0
    )
    latent = (
        _by_group(P.EDUCATION_GROUP_SHIFT, 0.0, m_group)
        + (P.EDUCATION_URBAN_SHIFT if urban else 0.0)
        + cohort
        + 0.4 * wealth_std[hh_of]
        + rng.normal(0, 1, size=M)
    )
    final_education = np.searchsorted(np.array(P.EDUCATION_CUTS), latent).astype(np.int8)
    completion = np.array([0] + [P.COMPLETION_AGE[level] for level in P.EDUCATION_LEVELS[1:]])
    head_education = final_education[starts]

    # persistent draws per member
    u_school = rng.random(M)
    u_work = rng.random(M)
    u_insured = rng.random(M)
    u_job = rng.random(M)

    livelihood_kind = np.select(  # 0 farm, 1 wage, 2 trade
        [primary == P.LIVELIHOODS.index("wage"), primary == P.LIVELIHOODS.index("trade")], [1, 2], 0
    )
    shares = np.zeros((H, len(P.LIVELIHOODS)))
    shares[np.arange(H), primary] += P.PRIMARY_SHARE
    shares[np.arange(H), secondary] += 1 - P.PRIMARY_SHARE
    farm_share = shares[:, [P.LIVELIHOODS.index(x) for x in sorted(P.FARM)]].sum(axis=1)
    livestock_share = shares[:, P.LIVELIHOODS.index("livestock")]
    wage_share = shares[:, P.LIVELIHOODS.index("wage")]
    livelihood_effect = shares @ np.array([P.EARNINGS_LIVELIHOOD[x] for x in P.LIVELIHOODS])
    has_livestock = livestock_share > 0
    has_wage = wage_share > 0
    base_log = (
        np.log(P.EARNINGS_BASE)
        + P.EARNINGS_PROFILE[profile]
        + _by_group(P.EARNINGS_GROUP, 0.0, group)
        + livelihood_effect
        + P.EARNINGS_EDUCATION * head_education
        + permanent
    )
    growth = P.GROWTH + (P.GROWTH_HIGHLAND_EXTRA if highland else 0.0)
    shock_factor = np.where(minority, P.MINORITY_SHOCK_FACTOR, 1.0)

    # --- the years -------------------------------------------------------------------------------------------------
    Y = len(P.REVIEW_YEARS)
    rv = {
        "review_date": np.zeros((H, Y), dtype="datetime64[D]"),
        "list_year": np.zeros((H, Y), dtype=np.int16),
        "standard": np.zeros((H, Y), dtype=np.int8),
        "income": np.zeros((H, Y), dtype=np.int64),
        "size": np.zeros((H, Y), dtype=np.int16),
        "deprived": np.zeros((H, Y), dtype=np.int16),
        "derived": np.zeros((H, Y), dtype=np.int16),
        "classification": np.zeros((H, Y), dtype=np.int8),
        "transition": np.zeros((H, Y), dtype=np.int8),
    }
    shocks = np.zeros((H, len(ALL_YEARS), len(SHOCKS)), dtype=bool)
    died = np.full(M, np.datetime64("NaT"), dtype="datetime64[D]")
    status = np.full(H, _NON, dtype=np.int8)  # the list in force during the year (burn-in: nobody listed)
    on_list_years = np.zeros((H, len(ALL_YEARS)), dtype=bool)
    transitory = rng.normal(0, P.TRANSITORY_SD / np.sqrt(1 - P.TRANSITORY_RHO**2), size=H)
    indicator_state = {code: np.zeros(H, dtype=bool) for code in HOUSEHOLD_DECIDED}
    chronic = np.zeros(H, dtype=bool)
    boost = np.zeros(H)  # lasting gains from support and loans used as intended (decaying)
    outstanding_until = np.full((H, len(PROGRAMMES)), np.datetime64("1970-01-01"), dtype="datetime64[D]")
    fixed_by_loan = {code: np.zeros(H, dtype=bool) for code in ("drinking_water", "sanitation", "housing_quality")}
    insurance_deprived_prev = np.zeros(H, dtype=bool)
    loan_rows: list[dict[str, np.ndarray]] = []
    after = YearAfter(income=np.zeros(H, dtype=np.int64), deprived=np.zeros(H, dtype=np.int16))
    member_states: dict | None = {} if keep_states else None
    last_states: dict[str, np.ndarray] = {}

    for t, year in enumerate(ALL_YEARS):
        reviewed = year in P.REVIEW_YEARS
        on = review_dates[:, t]
        previous_on = review_dates[:, t - 1] if t else on - np.timedelta64(365, "D")
        tau = year - P.BURN_IN_YEAR
        u = rng.random((H, 8))

        # deaths since the previous review (never the head), up to the last review
        if year <= P.REVIEW_YEARS[-1]:
            alive = np.isnat(died) & (birth <= previous_on[hh_of]) & (slot != 0)
            mortality = _band(age_on(birth, on[hh_of]).astype(float), P.MORTALITY_BY_AGE)
            dies = alive & (rng.random(M) < mortality)
            span = (on - previous_on).astype(np.int64)[hh_of]
            died[dies] = previous_on[hh_of][dies] + (1 + (rng.random(M) * np.maximum(span - 1, 1)).astype(np.int64))[
                dies
            ].astype("timedelta64[D]")
        else:
            dies = np.zeros(M, dtype=bool)
        here = (birth <= on[hh_of]) & (np.isnat(died) | (died > on[hh_of]))
        ages = age_on(birth, on[hh_of])
        working_age_death = dies & (ages >= 18) & (ages < 60)

        # shocks of the year
        illness = u[:, 0] < np.minimum(
            P.ILLNESS * shock_factor + P.ILLNESS_UNINSURED_EXTRA * insurance_deprived_prev, 1
        )
        chronic_now = chronic & (u[:, 1] < 0.5)
        chronic = chronic_now | (illness & (u[:, 2] < P.ILLNESS_CHRONIC))
        disaster = events.disaster[village_indexes[local_village], t] & (
            u[:, 3] < np.minimum(P.DISASTER_HOUSEHOLD * shock_factor, 1)
        )
        disaster_before = shocks[:, t - 1, SHOCKS.index("disaster")] if t else np.zeros(H, dtype=bool)
        livestock = (
            events.outbreak[village_indexes[local_village], t]
            & has_livestock
            & (u[:, 4] < np.minimum(P.LIVESTOCK_HOUSEHOLD * shock_factor, 1))
        )
        job_loss = has_wage & (u[:, 5] < np.minimum(P.JOB_LOSS[year] * shock_factor, 1))
        death = _segment_any(dies, starts) if M else np.zeros(H, dtype=bool)
        death_worker = _segment_any(working_age_death, starts) if M else np.zeros(H, dtype=bool)
        shocks[:, t] = np.stack([illness, death, disaster, livestock, job_loss], axis=1)
        any_shock = shocks[:, t].any(axis=1)

        # member states on the review day
        in_school_age = (ages >= 3) & (ages < 16)
        education_now = np.minimum(final_education, (ages[:, None] >= completion[None, :]).sum(axis=1) - 1).astype(
            np.int8
        )
        in_training = (ages >= 15) & (ages < completion[final_education]) & (final_education >= EDU["upper_secondary"])
        p_not = (
            _by_group(P.NOT_ATTENDING, 0.02, m_group)
            * np.where(ages < 6, P.PRESCHOOL_FACTOR, 1.0)
            * np.where(status[hh_of] == _POOR, P.SCHOOLING_POOR_FACTOR, 1.0)
            * np.where(any_shock[hh_of], P.SCHOOLING_SHOCK_FACTOR, 1.0)
            * P.SCHOOLING_TREND**tau
        )
        dropped = (ages >= 12) & (final_education <= EDU["primary"]) | (ages >= 6) & (final_education == EDU["none"])
        schooling = np.where(
            ~in_school_age,
            _SCH[""],
            np.where(
                dropped | (u_school < p_not),
                _SCH["not_attending"],
                np.where(u_school < p_not * (1 + P.BEHIND_SHARE), _SCH["behind"], _SCH["attending"]),
            ),
        ).astype(np.int8)
        student = in_training | (in_school_age & (ages >= 15) & (schooling != _SCH["not_attending"]))
        kind = livelihood_kind[hh_of]
        p_unemployed = np.select(
            [kind == 1, kind == 2], [P.UNEMPLOYED["wage"], P.UNEMPLOYED["trade"]], P.UNEMPLOYED["farm"]
        )
        p_unstable = np.select([kind == 1, kind == 2], [P.UNSTABLE["wage"], P.UNSTABLE["trade"]], P.UNSTABLE["farm"])
        working_age = (ages >= 15) & (ages < 60)
        lost_job = job_loss[hh_of] & working_age & (u_job < 0.6) & ~student & ~unable
        farm_household = kind == 0
        employment = np.select(
            [
                ages < 15,
                student,
                unable | (ages >= 80),
                (ages >= 60) & pension,
                (ages >= 75),
                ages >= 60,
                lost_job | (u_work < p_unemployed),
                u_work < p_unemployed + p_unstable,
            ],
            [
                _EMP["child"],
                _EMP["student"],
                _EMP["unable"],
                _EMP["retired"],
                _EMP["unable"],
                np.where(farm_household, _EMP["stable"], _EMP["unstable"]),
                _EMP["unemployed"],
                _EMP["unstable"],
            ],
            _EMP["stable"],
        ).astype(np.int8)
        subsidised = np.select(
            [status[hh_of] == _POOR, status[hh_of] == _NEAR], [P.INSURED_POOR, P.INSURED_NEAR_POOR], 0.0
        )
        if spec.disadvantaged:  # ethnic-minority people in disadvantaged communes are insured by the state
            subsidised = np.where(MINORITY[m_group], np.maximum(subsidised, P.INSURED_EM_DISADVANTAGED), subsidised)
        routes = np.maximum.reduce(
            [
                subsidised,
                np.where(student | (in_school_age & (schooling != _SCH["not_attending"])), P.INSURED_PUPIL, 0.0),
                np.where(pension, P.INSURED_PENSION, 0.0),
                np.where(ages >= 80, P.INSURED_OLD, 0.0),
                np.where((kind == 1) & (employment == _EMP["stable"]), P.INSURED_WAGE, 0.0),
                np.where(
                    family_draw[hh_of] < np.minimum(family_policy + P.FAMILY_INSURANCE_TREND * tau, 1)[hh_of],
                    1.0,
                    P.INSURED_WITHOUT_FAMILY_POLICY,
                ),
            ]
        )
        insured = (ages < 6) | (u_insured < routes)

        # member-derived indicators (the rules of households.derivation, vectorised; the tests compare them)
        size = _segment_sum(here.astype(np.int32), starts)
        dependants_count = _segment_sum(
            (here & ((ages < 16) | (ages >= 60) | (employment == _EMP["unable"]))).astype(np.int32), starts
        )
        dep = dependants_count * 2 > size
        ins = _segment_any(here & (ages >= 6) & ~insured, starts)
        sch = _segment_any(here & in_school_age & np.isin(schooling, [_SCH["behind"], _SCH["not_attending"]]), starts)
        edu_ok = np.where(ages < 18, education_now >= EDU["lower_secondary"], education_now >= EDU["upper_secondary"])
        adu = _segment_any(here & (ages >= 16) & (ages <= 30) & ~in_training & ~edu_ok, starts)
        emp = _segment_any(
            here & (ages >= 16) & (ages < 60) & np.isin(employment, [_EMP["unemployed"], _EMP["unstable"]]), starts
        )
        child_here = _segment_any(here & (ages < 16), starts)

        # income per person
        workers = _segment_sum(
            np.where(
                ~here | ~np.isin(employment, [_EMP["stable"], _EMP["unstable"]]),
                0.0,
                np.where(ages >= 60, P.WORKER_WEIGHT["older"], np.where(ages < 18, P.WORKER_WEIGHT["teen"], 1.0)),
            ),
            starts,
        )
        pensions = _segment_sum(np.where(here & pension & (ages >= 60), 1.0, 0.0), starts)
        allowances = _segment_sum(np.where(here & ~pension & ((ages >= 80) | unable), 1.0, 0.0), starts)
        transitory = P.TRANSITORY_RHO * transitory + rng.normal(0, P.TRANSITORY_SD, size=H)
        loss = (
            farm_share * (P.DISASTER_FARM_LOSS * disaster + P.DISASTER_NEXT_YEAR_LOSS * disaster_before)
            + livestock_share * P.LIVESTOCK_LOSS * livestock
            + wage_share * P.JOB_LOSS_LOSS * job_loss
            + P.ILLNESS_LOSS * illness
            + P.ILLNESS_CHRONIC_LOSS * chronic_now
            + P.DEATH_WORKER_LOSS * death_worker
        )
        # production support of the poverty-reduction programme: poor households, and (less often) near-poor and
        # newly escaped ones (off the lists for at most 3 years)
        newly_escaped = (status >= _AVERAGE) & on_list_years[:, max(t - 3, 0) : t].any(axis=1)
        p_support = np.select(
            [status == _POOR, (status == _NEAR) | newly_escaped], [P.SUPPORT_POOR, P.SUPPORT_NEAR_OR_ESCAPED], 0.0
        )
        boost = P.BOOST_KEEP * boost + np.where(u[:, 6] < p_support, P.SUPPORT_GAIN, 0.0)

        # loans of the year: the status of this year's list decides who may borrow
        if year in P.LOAN_YEARS:
            new = _borrow(
                rng=rng,
                year=year,
                status=status,
                # the recorded lists only (from the first review's), as the credit app sees them
                on_list_years=on_list_years[:, ALL_YEARS.index(P.REVIEW_YEARS[0]) + 1 : t],
                minority=minority,
                spec=spec,
                indicator_state=indicator_state,
                has_student=_segment_any(here & in_training & (ages >= 18), starts),
                primary=primary,
                outstanding_until=outstanding_until,
                illness=illness,
                on=on,
            )
            if new is not None:
                loan_rows.append(new)
                productive = np.isin(
                    new["programme"],
                    [PROGRAMMES.index(p) for p in ("poor_household", "near_poor_household", "newly_escaped_household",
                                                   "disadvantaged_area_business", "job_creation")],
                ) & (new["behaviour"] != BEHAVIOURS.index("misused"))  # fmt: skip
                boost[new["household"][productive]] += P.LOAN_GAIN
                used = new["behaviour"] != BEHAVIOURS.index("misused")
                for programme, codes in (
                    ("clean_water_sanitation", ("drinking_water", "sanitation")),
                    ("ethnic_minority_housing", ("housing_quality",)),
                ):
                    chosen = new["household"][used & (new["programme"] == PROGRAMMES.index(programme))]
                    for code in codes:
                        fixed_by_loan[code][chosen] = True

        log_earnings = base_log + growth * tau + transitory + boost + np.log(np.clip(1 - loss, 0.25, 1))
        income_total = (
            workers * np.exp(log_earnings)
            + remittance * (1 + growth) ** tau
            + pensions * P.PENSION_AMOUNT * (1.04**tau)
            + allowances * P.SOCIAL_ALLOWANCE
        )
        income = (np.round(income_total / size / P.INCOME_ROUND) * P.INCOME_ROUND).astype(np.int64)
        wealth_now = (np.log(np.maximum(income, 100_000)) - np.log(2_500_000)) / 0.6

        # deprivations the household decides (Markov chains; floods break houses, water and latrines)
        for code, spec_i in P.HOUSEHOLD_INDICATORS.items():
            state = indicator_state[code]
            if t == 0:
                logit = (
                    spec_i["base"]
                    + (spec_i["highland"] if highland else 0.0)
                    + spec_i["minority"] * minority
                    + spec_i["wealth"] * wealth_now
                )
                state = rng.random(H) < _logistic(logit)
            else:
                recover = spec_i["recover"] * np.exp(0.3 * np.clip(wealth_now, -2, 2)) + np.where(
                    status == _POOR, spec_i.get("support", 0.0), 0.0
                )
                onset = spec_i["onset"] * np.exp(-0.5 * np.clip(wealth_now, -2, 2))
                draw = rng.random(H)
                state = np.where(state, draw >= recover, draw < onset)
                hit = {
                    "housing_quality": P.DISASTER_HOUSING,
                    "drinking_water": P.DISASTER_WATER,
                    "sanitation": P.DISASTER_SANITATION,
                }.get(code)
                if hit:
                    state |= disaster & (rng.random(H) < hit)
                if code in fixed_by_loan:
                    state &= ~fixed_by_loan[code]
                    fixed_by_loan[code][:] = False
            indicator_state[code] = state
        deprived_flags = {code: indicator_state[code] for code in HOUSEHOLD_DECIDED}
        deprived_flags["nutrition"] = indicator_state["nutrition"] & child_here
        deprived_flags.update(
            {"dependants": dep, "health_insurance": ins, "child_schooling": sch, "adult_education": adu}
        )
        deprived_flags["employment"] = emp

        local = np.zeros(H, dtype=np.int16)
        for code, flag in deprived_flags.items():
            local |= flag.astype(np.int16) << LOCAL_BIT[code]
        if year > P.REVIEW_YEARS[-1]:  # the year after the last review: its income and deprivations, no review
            after = YearAfter(income=income, deprived=local)
            continue
        derived = np.zeros(H, dtype=np.int16)
        for code in MEMBER_DERIVED:
            derived |= deprived_flags[code].astype(np.int16) << LOCAL_BIT[code]
        std_index = np.zeros(H, dtype=np.int8)
        list_year = np.zeros(H, dtype=np.int16)
        for day in np.unique(on):
            # the burn-in review is classified under the standard of the first recorded one (none is older)
            s, ly = classifier.standard_for(day.item() if reviewed else date(P.REVIEW_YEARS[0], *P.REVIEW_WINDOW_START))
            chosen = on == day
            std_index[chosen], list_year[chosen] = s, ly
        classification = classifier.classify(std_index, np.full(H, urban), income, local)
        insurance_deprived_prev = ins
        status = classification
        on_list_years[:, t + 1] = classification <= _NEAR
        if not reviewed:
            continue
        k = P.REVIEW_YEARS.index(year)
        rv["review_date"][:, k] = on
        rv["list_year"][:, k] = list_year
        rv["standard"][:, k] = std_index
        rv["income"][:, k] = income
        rv["size"][:, k] = size
        rv["deprived"][:, k] = local
        rv["derived"][:, k] = derived
        rv["classification"][:, k] = classification
        rv["transition"][:, k] = classifier.transitions(rv["classification"][:, : k + 1])
        states = {
            "here": here,
            "insured": insured,
            "schooling": schooling,
            "education": education_now,
            "in_training": in_training,
            "employment": employment,
        }
        if member_states is not None:
            member_states[year] = {name: value.copy() for name, value in states.items()}
        last_states = states

    # --- national ID numbers are drawn province-wide (unique); loans' repayment from the shocks of their years -----
    loans = _finish_loans(rng, loan_rows, shocks, review_dates)
    stored = np.isnat(died)
    final_size = _segment_sum(stored.astype(np.int32), starts)
    assert (final_size == rv["size"][:, -1]).all() if H else True
    disabled_stored = _segment_any(stored & disabled, starts) if M else np.zeros(H, dtype=bool)
    households = Households(
        village=village_indexes[local_village].astype(np.int32),
        commune=np.full(H, commune_index, dtype=np.int32),
        number=number.astype(np.int32),
        ethnicity=group.astype(np.int8),
        urban=np.full(H, urban),
        primary=primary.astype(np.int8),
        secondary=secondary.astype(np.int8),
        remittance=remittance.astype(np.int64),
        member_start=starts,
        member_count=counts.astype(np.int32),
        size=final_size.astype(np.int16),
        female_headed=female_head,
        has_disabled_member=disabled_stored,
    )
    members = Members(
        household=hh_of.astype(np.int64),
        relation=m_relation,
        sex=m_sex,
        birth=birth,
        ethnicity=m_group,
        family=family,
        middle=middle,
        given=given,
        disabled=disabled,
        unable=unable,
        pension=pension,
        final_education=final_education,
        died=died,
        insured=last_states.get("insured", np.zeros(M, dtype=bool)),
        schooling=last_states.get("schooling", np.zeros(M, dtype=np.int8)),
        education=last_states.get("education", np.zeros(M, dtype=np.int8)),
        in_training=last_states.get("in_training", np.zeros(M, dtype=bool)),
        employment=last_states.get("employment", np.zeros(M, dtype=np.int8)),
        national_id=np.zeros(M, dtype=np.int64),
    )
    return _CommuneResult(
        households=households,
        members=members,
        reviews=Reviews(**rv),
        loans=loans,
        shocks=shocks,
        member_states=member_states,
        after=after,
    )


# --- borrowing ------------------------------------------------------------------------------------------------------
def _borrow(
    *,
    rng: np.random.Generator,
    year: int,
    status: np.ndarray,
    on_list_years: np.ndarray,
    minority: np.ndarray,
    spec: CommuneSpec,
    indicator_state: dict[str, np.ndarray],
    has_student: np.ndarray,
    primary: np.ndarray,
    outstanding_until: np.ndarray,
    illness: np.ndarray,
    on: np.ndarray,
) -> dict[str, np.ndarray] | None:
    """Who takes a new VBSP loan this year, of which programme, how much, for what, and whether it is misused."""
    H = len(status)
    # loans are disbursed from February (the application, three weeks before, falls under the year's list)
    first_day = np.datetime64(date(year, *P.LOAN_WINDOW_START), "D")
    recently_listed = on_list_years[:, -3:].any(axis=1) if on_list_years.shape[1] else np.zeros(H, dtype=bool)
    off_list = status >= _AVERAGE
    rural = spec.area_type == "rural"
    trade_or_wage = np.isin(primary, [P.LIVELIHOODS.index("wage"), P.LIVELIHOODS.index("trade")])
    eligible = {
        "ethnic_minority_housing": minority
        & (status == _POOR)
        & indicator_state["housing_quality"]
        & spec.ethnic_minority_region,
        "poor_household": status == _POOR,
        "near_poor_household": status == _NEAR,
        "newly_escaped_household": off_list & recently_listed,
        "student": has_student & (status <= _AVERAGE),
        "clean_water_sanitation": np.full(H, rural)
        & (indicator_state["drinking_water"] | indicator_state["sanitation"]),
        "disadvantaged_area_business": np.full(H, spec.disadvantaged) & off_list & ~trade_or_wage,
        "job_creation": trade_or_wage & (status >= _NEAR),
    }
    chosen = np.full(H, -1, dtype=np.int8)
    draws = rng.random((H, len(PROGRAMMES)))
    for p, code in enumerate(PROGRAMMES):
        free = outstanding_until[:, p] < first_day
        opened = P.PROGRAMME_FROM.get(code)
        if opened is not None and date(year, *P.LOAN_WINDOW_START) < opened:
            continue  # the programme lends only from its legal start
        take = (chosen < 0) & eligible[code] & free & (draws[:, p] < P.BORROW[code])
        chosen[take] = p
    borrowers = np.nonzero(chosen >= 0)[0]
    n = len(borrowers)
    if not n:
        return None
    programme = chosen[borrowers]
    amount = np.zeros(n, dtype=np.int64)
    term = np.zeros(n, dtype=np.int16)
    purpose = np.zeros(n, dtype=np.int8)
    a = rng.random(n)
    b = rng.random(n)
    livelihood = primary[borrowers]
    by_livelihood = np.array(
        [PURPOSES.index(x) for x in ("rice_inputs", "tea_planting", "pigs_poultry", "forest_planting",
                                     "vocational_start", "small_trade")], dtype=np.int8,
    )  # fmt: skip
    for p, code in enumerate(PROGRAMMES):
        sel = programme == p
        low, high = P.LOAN_AMOUNT[code]
        t_low, t_high = P.LOAN_TERM[code]
        if code == "student":
            amount[sel] = low * 10 * (2 + (a[sel] * 3).astype(np.int64))  # 4,000,000 × 10 months × 2-4 years
            purpose[sel] = PURPOSES.index("tuition")
        elif code == "clean_water_sanitation":
            amount[sel] = np.where(a[sel] < 0.5, high, low)  # one work (a water facility or a latrine) a loan
            purpose[sel] = np.where(b[sel] < 0.5, PURPOSES.index("water_works"), PURPOSES.index("latrine"))
        elif code == "ethnic_minority_housing":
            amount[sel] = low
            purpose[sel] = PURPOSES.index("house")
        else:
            steps = (high - low) // 5_000_000
            amount[sel] = low + 5_000_000 * rng.binomial(steps, 0.35, size=int(sel.sum()))
            cattle = (livelihood[sel] == P.LIVELIHOODS.index("livestock")) & (b[sel] < 0.5)
            purpose[sel] = np.where(cattle, PURPOSES.index("buffalo_cattle"), by_livelihood[livelihood[sel]])
        term[sel] = t_low + (12 * np.floor(a[sel] * ((t_high - t_low) // 12 + 1))).astype(np.int16)
    disbursed = first_day + (rng.random(n) * P.LOAN_WINDOW_DAYS).astype(np.int64).astype("timedelta64[D]")
    disbursed = np.minimum(disbursed, np.datetime64(P.AS_OF, "D"))
    months = term.astype(np.int64) * 30
    outstanding_until[borrowers, programme] = disbursed + months.astype("timedelta64[D]")
    misused = rng.random(n) < P.MISUSE_BASE + P.MISUSE_AFTER_ILLNESS * illness[borrowers]
    organisation = rng.choice(len(ORGANISATIONS), size=n, p=[s for _c, s in P.ORGANISATIONS])
    behaviour = np.where(misused, BEHAVIOURS.index("misused"), BEHAVIOURS.index("on_time")).astype(np.int8)
    misuse_from = disbursed + (30 + (rng.random(n) * 60).astype(np.int64)).astype("timedelta64[D]")
    return {
        "household": borrowers.astype(np.int64),
        "list_year": np.full(n, year, dtype=np.int16),
        "programme": programme,
        "amount": amount,
        "term_months": term,
        "disbursed_on": disbursed,
        "purpose": purpose,
        "organisation": organisation.astype(np.int8),
        "behaviour": behaviour,
        "behaviour_from": np.where(misused, misuse_from, np.datetime64("NaT")),
        "cause": np.where(misused & illness[borrowers], SHOCKS.index("illness"), -1).astype(np.int8),
    }


def _finish_loans(
    rng: np.random.Generator, rows: list[dict[str, np.ndarray]], shocks: np.ndarray, review_dates: np.ndarray
) -> Loans:
    """Repayment: a shock in a year of the loan's life makes it late from about two months before that year's review."""
    if not rows:
        return _empty_loans()
    merged = {key: np.concatenate([r[key] for r in rows]) for key in rows[0]}
    n = len(merged["household"])
    as_of = np.datetime64(P.AS_OF, "D")
    behaviour = merged["behaviour"].copy()
    since = merged["behaviour_from"].copy()
    cause = merged["cause"].copy()
    draws = rng.random((n, len(ALL_YEARS)))
    base = rng.random(n) < P.LATE_BASE
    end = merged["disbursed_on"] + (merged["term_months"].astype(np.int64) * 30).astype("timedelta64[D]")
    for t in range(len(ALL_YEARS)):
        year_shocks = shocks[merged["household"], t]
        hit_day = review_dates[merged["household"], t] - np.timedelta64(60, "D")
        during = (hit_day > merged["disbursed_on"] + np.timedelta64(30, "D")) & (hit_day <= end) & (hit_day <= as_of)
        late = (behaviour == BEHAVIOURS.index("on_time")) & during & year_shocks.any(axis=1)
        late &= draws[:, t] < P.LATE_AFTER_SHOCK
        behaviour[late] = BEHAVIOURS.index("late")
        since[late] = hit_day[late]
        cause[late] = year_shocks[late].argmax(axis=1)
    base &= behaviour == BEHAVIOURS.index("on_time")
    base_day = merged["disbursed_on"] + (90 + (rng.random(n) * 300).astype(np.int64)).astype("timedelta64[D]")
    base &= base_day <= as_of
    behaviour[base] = BEHAVIOURS.index("late")
    since[base] = base_day[base]
    late = behaviour == BEHAVIOURS.index("late")
    back = since + (30 + (rng.random(n) * 240).astype(np.int64)).astype("timedelta64[D]")
    caught_up = late & (rng.random(n) < P.LATE_CATCH_UP) & (back <= as_of)
    merged.update(
        {
            "behaviour": behaviour,
            "behaviour_from": since,
            "caught_up_on": np.where(caught_up, back, np.datetime64("NaT")),
            "cause": cause,
        }
    )
    return Loans(**merged)


def _empty_loans() -> Loans:
    return Loans(
        household=np.zeros(0, np.int64),
        list_year=np.zeros(0, np.int16),
        programme=np.zeros(0, np.int8),
        amount=np.zeros(0, np.int64),
        term_months=np.zeros(0, np.int16),
        disbursed_on=np.zeros(0, "datetime64[D]"),
        purpose=np.zeros(0, np.int8),
        organisation=np.zeros(0, np.int8),
        behaviour=np.zeros(0, np.int8),
        behaviour_from=np.zeros(0, "datetime64[D]"),
        caught_up_on=np.zeros(0, "datetime64[D]"),
        cause=np.zeros(0, np.int8),
    )


# --- national ID numbers --------------------------------------------------------------------------------------------
def _national_ids(members: Members, last_review: np.ndarray, seed: int) -> np.ndarray:
    """12 digits: province of birth registration, century and sex, year of birth, 6 random digits; unique."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2,)))
    M = len(members.household)
    ages = age_on(members.birth, last_review[members.household])
    needs = members.stored & (ages >= P.NATIONAL_ID_FROM_AGE)
    home = [int(code) for code, _w in P.HOME_ID_PREFIXES]
    home_weights = [w for _c, w in P.HOME_ID_PREFIXES]
    others = np.array(sorted(int(c) for c in PROVINCE_PREFIXES if int(c) not in home))
    choice = rng.random(M)
    prefix = np.where(
        choice < home_weights[0],
        home[0],
        np.where(choice < home_weights[0] + home_weights[1], home[1], others[rng.integers(len(others), size=M)]),
    )
    year = _parts(members.birth)[0]
    century_sex = ((year - 1900) // 100) * 2 + members.sex
    ids = prefix * 10**9 + century_sex * 10**8 + (year % 100) * 10**6 + rng.integers(0, 10**6, size=M)
    ids = np.where(needs, ids, 0)
    for _ in range(100):  # redraw the random part of any repeated number (a handful in a million)
        taken = ids[needs]
        unique, first, count = np.unique(taken, return_index=True, return_counts=True)
        duplicated = np.ones(len(taken), dtype=bool)
        duplicated[first] = False
        if not duplicated.any():
            break
        where = np.nonzero(needs)[0][duplicated]
        ids[where] = ids[where] // 10**6 * 10**6 + rng.integers(0, 10**6, size=len(where))
    return ids


# --- the province ---------------------------------------------------------------------------------------------------
def generate(
    households: int,
    seed: int,
    *,
    standards: Iterable[Standard] | None = None,
    province_code: str = PROVINCE_CODE,
    keep_states: bool = False,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
) -> Province:
    """The synthetic province of ``households`` households for ``seed`` (deterministic; see the module docstring).

    ``standards`` are the pure standards to classify with (``StandardBook.load().pure.values()`` for those of the
    database; by default the seed standards of households/standards_data.py). ``keep_states`` keeps each review
    year's member states (for tests that re-derive the indicators of earlier reviews). ``workers`` > 1 generates
    the communes in that many processes (worth it on an idle machine with free cores); the result does not depend on
    it, each commune drawing from its own stream.
    """
    plan = layout(households, seed)
    standards = list(standards) if standards is not None else list(poverty.STANDARDS)
    events = _events(plan, seed)
    village_commune = np.array([v.commune_code for v in plan.villages])
    counts = np.array(plan.village_households, dtype=np.int64)
    jobs = []
    for index, spec in enumerate(plan.communes):
        villages = np.nonzero(village_commune == spec.code)[0]
        if counts[villages].sum():
            jobs.append((spec, index, villages, counts[villages]))
    context = (events, standards, province_code, seed, keep_states)
    parts: list[_CommuneResult] = []
    done = 0

    def collect(results) -> None:
        nonlocal done
        for part in results:
            parts.append(part)
            done += len(part.households.village)
            if progress:
                progress(done, households)

    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        # fork: the workers start at once and never touch the parent's database connection (they only compute)
        pool = ProcessPoolExecutor(workers, multiprocessing.get_context("fork"), _worker_init, context)
        with pool:
            collect(pool.map(_worker_commune, jobs))  # in commune order, whatever order they finish in
    else:
        _worker_init(*context)
        collect(_worker_commune(job) for job in jobs)
    province = _merge(parts, plan, standards, seed)
    last = province.reviews.review_date[:, -1]
    province.members.national_id = _national_ids(province.members, last, seed)
    return province


_WORKER: dict = {}


def _worker_init(events, standards, province_code, seed, keep_states) -> None:
    _WORKER.update(
        events=events,
        classifier=Classifier(standards, province_code=province_code),
        seed=seed,
        keep_states=keep_states,
    )


def _worker_commune(job) -> _CommuneResult:
    spec, index, villages, counts = job
    w = _WORKER
    return _commune(spec, index, villages, counts, w["events"], w["classifier"], w["seed"], w["keep_states"])


def _merge(parts: list[_CommuneResult], plan: Layout, standards: list[Standard], seed: int) -> Province:
    h_offsets = np.cumsum([0] + [len(p.households.village) for p in parts])
    m_offsets = np.cumsum([0] + [len(p.members.household) for p in parts])

    def cat(items, name, shift=None):
        arrays = [getattr(item, name) for item in items]
        if shift is not None:
            arrays = [a + s for a, s in zip(arrays, shift, strict=True)]
        return np.concatenate(arrays) if arrays else np.zeros(0)

    hh = [p.households for p in parts]
    households = Households(
        **{f.name: cat(hh, f.name, m_offsets[:-1] if f.name == "member_start" else None) for f in fields(Households)}
    )
    mm = [p.members for p in parts]
    members = Members(
        **{f.name: cat(mm, f.name, h_offsets[:-1] if f.name == "household" else None) for f in fields(Members)}
    )
    rr = [p.reviews for p in parts]
    reviews = Reviews(**{f.name: np.concatenate([getattr(r, f.name) for r in rr]) for f in fields(Reviews)})
    ll = [p.loans for p in parts]
    loans = Loans(**{f.name: cat(ll, f.name, h_offsets[:-1] if f.name == "household" else None) for f in fields(Loans)})
    shocks = np.concatenate([p.shocks for p in parts])
    after = YearAfter(
        income=np.concatenate([p.after.income for p in parts]),
        deprived=np.concatenate([p.after.deprived for p in parts]),
    )
    member_states = None
    if parts and parts[0].member_states is not None:
        member_states = {
            year: {
                name: np.concatenate([p.member_states[year][name] for p in parts])
                for name in parts[0].member_states[year]
            }
            for year in parts[0].member_states
        }
    return Province(
        seed=seed,
        layout=plan,
        standards=standards,
        households=households,
        members=members,
        reviews=reviews,
        loans=loans,
        shocks=shocks,
        after=after,
        member_states=member_states,
    )


# --- readable views (tests, the writer) ------------------------------------------------------------------------------
def national_id_text(value: int) -> str:
    return f"{int(value):012d}" if value else ""
