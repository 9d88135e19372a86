"""Every number of the synthetic province's generating process, in one place (docs/synthetic-data.md explains them).

These are invented, plausible values for a northern mountainous province, tuned so that the generated rates land
on the targets of docs/synthetic-data.md §7. None of them is an estimate from real data: results computed on the
synthetic province say how the software behaves, never how poverty behaves.
"""

from __future__ import annotations

from datetime import date

# --- time ---------------------------------------------------------------------------------------------------------
#: The periodic review of each of these years is generated and recognised (list years 2022..2026).
REVIEW_YEARS: tuple[int, ...] = (2021, 2022, 2023, 2024, 2025)
#: A burn-in year simulated before the first recorded review (its classification decides 2021's subsidies only).
BURN_IN_YEAR = 2020
#: Loans are generated for these list years (disbursed during the year); 2026 has shocks but no review.
LOAN_YEARS: tuple[int, ...] = (2022, 2023, 2024, 2025, 2026)
#: The day the synthetic province "stands": no member record, loan or event is dated after it.
AS_OF = date(2026, 10, 31)
#: Periodic reviews are carried out from this day of October for about eight weeks (domain.md §2.2: 1 Sep-14 Dec).
REVIEW_WINDOW_START = (10, 1)
REVIEW_WINDOW_DAYS = 56
#: A village holds its review over a few days; the meeting, posting and recognition follow (days after the review).
VILLAGE_REVIEW_SPREAD_DAYS = 5
VILLAGE_MEETING_AFTER_DAYS = 7  # after the village's last review of the year
POSTED_AFTER_MEETING_DAYS = 1
RECOGNISED_ON = (12, 10)  # the chairman recognises the lists around 10 December

# --- areas --------------------------------------------------------------------------------------------------------
HOUSEHOLDS_PER_COMMUNE = 4_000  # a commune after the July 2025 mergers (several old communes together)
HOUSEHOLDS_PER_VILLAGE = 170
MAX_VILLAGES_PER_COMMUNE = 60
#: Profiles of the generated communes (beyond the five named ones) and their shares.
PROFILE_SHARES: dict[str, float] = {"highland": 0.40, "midland": 0.30, "lowland": 0.20, "urban": 0.10}
#: Share of generated communes formed by the July 2025 merger (each keeps 2 or 3 predecessors).
MERGED_SHARE = 0.65
#: Relative size of a commune's population by profile (urban wards are larger).
PROFILE_SIZE = {"highland": 0.85, "midland": 1.0, "lowland": 1.05, "urban": 1.3}
COMMUNE_SIZE_SIGMA = 0.25
VILLAGE_SIZE_SIGMA = 0.30

# --- ethnicity (GSO codes, households/ethnicity.py) --------------------------------------------------------------
KINH, TAY, THAI, MUONG, NUNG, MONG, DAO = "01", "02", "03", "06", "07", "08", "09"
GROUPS: tuple[str, ...] = (KINH, TAY, THAI, MUONG, NUNG, MONG, DAO)
#: The ethnic mix of a commune by profile (shares of households by the head's ethnicity), in the order of GROUPS.
ETHNIC_MIX: dict[str, tuple[float, ...]] = {
    "highland": (0.08, 0.10, 0.04, 0.03, 0.10, 0.40, 0.25),
    "midland": (0.25, 0.35, 0.03, 0.03, 0.20, 0.04, 0.10),
    "lowland": (0.65, 0.15, 0.03, 0.06, 0.08, 0.00, 0.03),
    "urban": (0.75, 0.12, 0.02, 0.02, 0.08, 0.00, 0.01),
}
#: A village is settled mostly by one group: its mix is this share of one dominant group plus the commune's mix.
VILLAGE_DOMINANT_SHARE = 0.6
#: A spouse from another group (drawn from the village mix).
MIXED_MARRIAGE = 0.08

# --- households and members ---------------------------------------------------------------------------------------
HEAD_AGE_MEAN, HEAD_AGE_SD, HEAD_AGE_MIN, HEAD_AGE_MAX = 47.0, 13.0, 24, 88
FEMALE_HEAD_BASE, FEMALE_HEAD_OLD, FEMALE_HEAD_URBAN = 0.12, 0.25, 0.08
#: Children ever co-resident, by group (mean of a Poisson, capped at 6).
CHILDREN_MEAN = {KINH: 2.1, TAY: 2.3, THAI: 2.5, MUONG: 2.3, NUNG: 2.3, MONG: 3.6, DAO: 3.0}
CHILDREN_URBAN_FACTOR = 0.85
#: Age of the mother at her first child (uniform low..high) and the gap between children.
FIRST_BIRTH_AGE = {MONG: (17, 23), DAO: (18, 24)}
FIRST_BIRTH_AGE_DEFAULT = (20, 28)
BIRTH_GAP = (1.5, 4.0)
#: An elder child (18-30) still lives with the parents (unmarried, studying) with this probability.
ADULT_CHILD_STAYS = 0.55
#: The eldest child lives on with the parents with spouse and children (three generations), by group.
MULTIGENERATION = {KINH: 0.22, TAY: 0.35, THAI: 0.35, MUONG: 0.3, NUNG: 0.35, MONG: 0.5, DAO: 0.45}
PARENT_CORESIDENT = {KINH: 0.12, MONG: 0.22, DAO: 0.2}
PARENT_CORESIDENT_DEFAULT = 0.16
#: Disability by age band (upper bounds): (15, 0.015), (60, 0.04), (75, 0.12), (200, 0.25).
DISABILITY_BY_AGE = ((15, 0.015), (60, 0.04), (75, 0.12), (200, 0.25))
DISABLED_UNABLE = 0.45  # share of disabled adults who cannot work
#: Yearly probability of dying by age band; heads of household do not die in the generator (see the docs).
MORTALITY_BY_AGE = ((60, 0.002), (70, 0.015), (80, 0.04), (200, 0.10))
#: A citizen ID card (12-digit personal identification number) from this age.
NATIONAL_ID_FROM_AGE = 14
#: Province codes of birth registration for the first three digits: two "home" codes, the rest from anywhere.
HOME_ID_PREFIXES = (("006", 0.55), ("020", 0.35))

# --- education (ordered probit: latent = group shift + cohort shift + 0.4 * wealth + N(0, 1)) ---------------------
EDUCATION_LEVELS = ("none", "primary", "lower_secondary", "upper_secondary", "vocational", "higher")
EDUCATION_CUTS = (-2.5, -1.9, -1.0, 0.3, 1.1)
EDUCATION_GROUP_SHIFT = {KINH: 0.0, TAY: -0.2, THAI: -0.45, MUONG: -0.3, NUNG: -0.25, MONG: -1.0, DAO: -0.75}
EDUCATION_URBAN_SHIFT = 0.35
EDUCATION_COHORT_SHIFT = ((1960, -1.2), (1975, -0.7), (1990, -0.3), (9999, 0.0))  # born before → shift
#: The age by which each level is completed when it is a person's final level.
COMPLETION_AGE = {"primary": 11, "lower_secondary": 15, "upper_secondary": 18, "vocational": 20, "higher": 22}

# --- schooling of children aged 3-15 (yearly, persistent per child) -------------------------------------------------
NOT_ATTENDING = {KINH: 0.010, TAY: 0.02, THAI: 0.025, MUONG: 0.02, NUNG: 0.02, MONG: 0.05, DAO: 0.04}
BEHIND_SHARE = 0.8  # "behind" as a multiple of "not attending"
PRESCHOOL_FACTOR = 2.0  # ages 3-5
SCHOOLING_POOR_FACTOR = 1.8
SCHOOLING_SHOCK_FACTOR = 1.6
SCHOOLING_TREND = 0.88  # multiplied in each year (schools reach further)

# --- health insurance ----------------------------------------------------------------------------------------------
INSURED_POOR, INSURED_NEAR_POOR, INSURED_EM_DISADVANTAGED = 0.99, 0.95, 0.96
INSURED_PUPIL, INSURED_PENSION, INSURED_OLD, INSURED_WAGE = 0.93, 1.0, 0.97, 0.95
#: Others buy family insurance if the household's propensity allows: base by group, rising each year.
FAMILY_INSURANCE = {KINH: 0.80, "minority": 0.70}
FAMILY_INSURANCE_URBAN = 0.08
FAMILY_INSURANCE_TREND = 0.02
FAMILY_INSURANCE_SD = 0.15
INSURED_WITHOUT_FAMILY_POLICY = 0.3

# --- livelihoods ---------------------------------------------------------------------------------------------------
LIVELIHOODS = ("rice", "tea", "livestock", "forestry", "wage", "trade")
FARM = frozenset({"rice", "tea", "livestock", "forestry"})
#: Primary livelihood shares by profile, in the order of LIVELIHOODS.
LIVELIHOOD_MIX = {
    "highland": (0.30, 0.10, 0.30, 0.20, 0.08, 0.02),
    "midland": (0.28, 0.20, 0.15, 0.17, 0.14, 0.06),
    "lowland": (0.35, 0.10, 0.12, 0.05, 0.26, 0.12),
    "urban": (0.04, 0.02, 0.02, 0.00, 0.60, 0.32),
}
PRIMARY_SHARE = 0.65  # of earnings; the secondary livelihood the rest
REMITTANCE = {"highland": 0.12, "midland": 0.2, "lowland": 0.25, "urban": 0.1}
REMITTANCE_AMOUNT = (600_000, 2_500_000)  # per household and month (uniform), grows with GROWTH
PENSION_SHARE = {"urban": 0.35, "rural": 0.06}  # of members aged 60+
PENSION_AMOUNT = 3_500_000
SOCIAL_ALLOWANCE = 360_000  # aged 80+, or a disabled member unable to work, per month

# --- income (per worker per month, log scale) ----------------------------------------------------------------------
EARNINGS_BASE = 5_500_000  # rural lowland Kinh rice farmer, 2020
EARNINGS_PROFILE = {"highland": -0.42, "midland": -0.15, "lowland": 0.0, "urban": 0.35}
EARNINGS_GROUP = {KINH: 0.0, TAY: -0.08, THAI: -0.15, MUONG: -0.1, NUNG: -0.1, MONG: -0.35, DAO: -0.25}
EARNINGS_LIVELIHOOD = {"rice": -0.1, "tea": 0.0, "livestock": -0.05, "forestry": 0.0, "wage": 0.15, "trade": 0.25}
EARNINGS_EDUCATION = 0.07  # per education level of the head
PERMANENT_SD = 0.38  # a household's lasting advantage or disadvantage
TRANSITORY_RHO, TRANSITORY_SD = 0.75, 0.06  # AR(1) year-to-year luck
GROWTH = 0.07  # nominal growth of earnings per year (the income lines stay fixed 2022-2026)
GROWTH_HIGHLAND_EXTRA = 0.01
WORKER_WEIGHT = {"adult": 1.0, "teen": 0.5, "older": 0.6}  # 18-59, 15-17 out of school, 60-74 able
INCOME_ROUND = 1_000

# --- shocks (yearly probabilities and their effect on earnings) -----------------------------------------------------
ILLNESS = 0.04
ILLNESS_UNINSURED_EXTRA = 0.02
ILLNESS_LOSS = 0.12
ILLNESS_CHRONIC, ILLNESS_CHRONIC_LOSS = 0.3, 0.08
#: Floods and storms: the share of villages hit each year (2024: typhoon Yagi, September 2024).
DISASTER_VILLAGES = {2020: 0.05, 2021: 0.06, 2022: 0.08, 2023: 0.05, 2024: 0.15, 2025: 0.08, 2026: 0.06}
DISASTER_PROFILE_FACTOR = {"highland": 1.4, "midland": 1.1, "lowland": 0.9, "urban": 0.4}
DISASTER_HOUSEHOLD = 0.45  # households hit in a village that is hit
DISASTER_FARM_LOSS, DISASTER_NEXT_YEAR_LOSS = 0.25, 0.08
DISASTER_HOUSING, DISASTER_WATER, DISASTER_SANITATION = 0.15, 0.12, 0.10
#: Livestock disease (African swine fever and others): villages with an outbreak each year.
LIVESTOCK_OUTBREAK = {2020: 0.15, 2021: 0.12, 2022: 0.10, 2023: 0.08, 2024: 0.08, 2025: 0.10, 2026: 0.08}
LIVESTOCK_HOUSEHOLD = 0.6
LIVESTOCK_LOSS = 0.4
#: Job loss of a wage worker (2020: the pandemic; 2021 and 2023: orders fell in the industrial zones).
JOB_LOSS = {2020: 0.06, 2021: 0.05, 2022: 0.03, 2023: 0.05, 2024: 0.04, 2025: 0.04, 2026: 0.04}
JOB_LOSS_LOSS = 0.35
DEATH_WORKER_LOSS = 0.10  # on top of losing the worker's earnings
#: Minority households are more exposed (steeper land, more livestock, less savings): shock probabilities × this.
MINORITY_SHOCK_FACTOR = 1.5

# --- support -------------------------------------------------------------------------------------------------------
SUPPORT_POOR, SUPPORT_GAIN = 0.5, 0.07  # a poor household receives production support (livestock, seedlings)
SUPPORT_NEAR_OR_ESCAPED = 0.3  # near-poor and newly escaped households (off the lists ≤ 3 years) too, less often
LOAN_GAIN = 0.08  # a loan used as intended (production programmes) raises earnings
BOOST_KEEP = 0.8  # gains from support and loans last: each year keeps this share of the previous years' gains

# --- deprivations decided by the household (not by member records) --------------------------------------------------
#: Initial logit by indicator: intercept, + profile, + minority, + slope on wealth (standardised log income).
#: Yearly: recovery probability (deprived → not), onset probability (not → deprived), + support for poor households.
HOUSEHOLD_INDICATORS: dict[str, dict] = {
    "nutrition": {"base": -3.0, "highland": 0.8, "minority": 0.6, "wealth": -0.7, "recover": 0.35, "onset": 0.015},
    "housing_quality": {
        "base": -3.6, "highland": 1.2, "minority": 0.6, "wealth": -0.9, "recover": 0.12, "onset": 0.004,
        "support": 0.15,
    },
    "housing_area": {"base": -3.7, "highland": 0.5, "minority": 0.4, "wealth": -0.7, "recover": 0.06, "onset": 0.004},
    "drinking_water": {
        "base": -3.1, "highland": 1.3, "minority": 0.5, "wealth": -0.6, "recover": 0.12, "onset": 0.004,
        "support": 0.08,
    },
    "sanitation": {
        "base": -2.5, "highland": 1.5, "minority": 0.8, "wealth": -0.8, "recover": 0.10, "onset": 0.004,
        "support": 0.08,
    },
    "telecom": {"base": -2.8, "highland": 1.2, "minority": 0.6, "wealth": -0.8, "recover": 0.22, "onset": 0.005},
    "information_access": {
        "base": -3.6, "highland": 0.8, "minority": 0.5, "wealth": -0.8, "recover": 0.25, "onset": 0.003,
    },
}  # fmt: skip

# --- employment (per member aged 15-59 who is not a student and able to work) --------------------------------------
UNSTABLE = {"farm": 0.025, "wage": 0.10, "trade": 0.06}
UNEMPLOYED = {"farm": 0.01, "wage": 0.03, "trade": 0.02}

# --- borrowing (VBSP, domain.md §3.2, §9.4) -------------------------------------------------------------------------
#: Probability that an eligible household takes a new loan of the programme in a year (one new loan a year at most;
#: never a second loan of a programme while one is outstanding).
BORROW = {
    "ethnic_minority_housing": 0.10,
    "poor_household": 0.30,
    "near_poor_household": 0.22,
    "newly_escaped_household": 0.15,
    "student": 0.35,
    "clean_water_sanitation": 0.06,
    "disadvantaged_area_business": 0.04,
    "job_creation": 0.02,
}
#: Disbursements run from this day of each year for this many days (never after AS_OF).
LOAN_WINDOW_START = (2, 1)
LOAN_WINDOW_DAYS = 250
#: A programme lends only from its legal start (Decree 28/2022/NĐ-CP of 26 Apr 2022 for ethnic-minority housing).
PROGRAMME_FROM = {"ethnic_minority_housing": date(2022, 5, 1)}
#: Loan size (đồng, multiples of 5,000,000 except where noted) and term (months) by programme: (low, high).
LOAN_AMOUNT = {
    "poor_household": (30_000_000, 100_000_000),
    "near_poor_household": (30_000_000, 100_000_000),
    "newly_escaped_household": (30_000_000, 100_000_000),
    "disadvantaged_area_business": (30_000_000, 100_000_000),
    "clean_water_sanitation": (20_000_000, 25_000_000),  # one work (water facility or latrine) a loan
    "student": (4_000_000, 4_000_000),  # per month of study, 10 months a year
    "job_creation": (30_000_000, 100_000_000),
    "ethnic_minority_housing": (40_000_000, 40_000_000),
}
LOAN_TERM = {
    "poor_household": (36, 60),
    "near_poor_household": (36, 60),
    "newly_escaped_household": (36, 60),
    "disadvantaged_area_business": (36, 60),
    "clean_water_sanitation": (60, 60),
    "student": (60, 120),
    "job_creation": (36, 60),
    "ethnic_minority_housing": (180, 180),
}
MISUSE_BASE, MISUSE_AFTER_ILLNESS = 0.03, 0.25
#: A shock during the life of a loan makes repayment late with this probability (per shock-year); a late borrower
#: catches up within 1-9 months with probability LATE_CATCH_UP, else stays behind (overdue) at AS_OF.
LATE_AFTER_SHOCK = 0.25
LATE_BASE = 0.01
LATE_CATCH_UP = 0.8
#: The entrusting organisations (domain.md §3.3) and their shares of loans.
ORGANISATIONS = (("farmers_union", 0.35), ("womens_union", 0.40), ("veterans_association", 0.15), ("youth_union", 0.10))
