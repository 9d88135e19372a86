"""Reference data of VBSP credit, loaded by the data migration (one source; domain.md §3 and §9.4).

Every value the domain reference marks unconfirmed or weak is loaded with an ``unconfirmed`` note saying so: an
administrator corrects the row in the admin site (each row keeps its history) and clears the note. Nothing here is a
constant the code relies on.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

DECISION_750 = "Decision 750/QĐ-TTg (from 05/06/2015)"
DECISION_2553 = "Decision 2553/QĐ-TTg of 21/11/2025 (from 01/12/2025; applies to outstanding balances)"
RATE_CUT = date(2025, 12, 1)
RATE_2015 = date(2015, 6, 5)
MILLION = 1_000_000

PROGRAMS: list[dict] = [
    {
        "code": "poor_household",
        "name_vi": "Cho vay hộ nghèo",
        "name_en": "Loans to poor households",
        "legal_basis": "Decree 78/2002/NĐ-CP; VBSP guidance 316/2003",
        "eligible_statuses": ["poor"],
        "max_amount": 100 * MILLION,
        "max_term_months": 120,
        "collateral_rule": "none",
        "use_check_days": 30,
        "default_term_months": 60,
        "default_principal_every_months": 6,
        "unconfirmed": "max_term_months: the overall term cap is not confirmed (short ≤ 12, medium 12-60, long > 60 "
        "months). use_check_days: the loan-use check deadline is not confirmed. Principal instalment rules are "
        "not confirmed.",
        "rates": [
            (RATE_2015, Decimal("0.066"), DECISION_750, ""),
            (RATE_CUT, Decimal("0.0624"), DECISION_2553, ""),
        ],
    },
    {
        "code": "near_poor_household",
        "name_vi": "Cho vay hộ cận nghèo",
        "name_en": "Loans to near-poor households",
        "legal_basis": "Decision 15/2013/QĐ-TTg",
        "eligible_statuses": ["near_poor"],
        "max_amount": 100 * MILLION,
        "max_term_months": 120,
        "collateral_rule": "none",
        "use_check_days": 30,
        "default_term_months": 60,
        "default_principal_every_months": 6,
        "unconfirmed": "max_amount and max_term_months are not confirmed (assumed as for poor households). "
        "use_check_days is not confirmed.",
        "rates": [
            (RATE_2015, Decimal("0.0792"), DECISION_750 + " (120 % of the poor-household rate)", ""),
            (RATE_CUT, Decimal("0.07488"), DECISION_2553, ""),
        ],
    },
    {
        "code": "newly_escaped_household",
        "name_vi": "Cho vay hộ mới thoát nghèo",
        "name_en": "Loans to households newly escaped from poverty",
        "legal_basis": "Decision 28/2015/QĐ-TTg",
        "eligible_statuses": ["newly_escaped"],
        "max_amount": 100 * MILLION,
        "max_term_months": 60,
        "collateral_rule": "none",
        "use_check_days": 30,
        "default_term_months": 60,
        "default_principal_every_months": 6,
        "unconfirmed": "max_amount: 'at most the poor-household maximum for the same purpose' (VND 50M at the 2015 "
        "launch); set to the current poor-household maximum. use_check_days is not confirmed.",
        "rates": [
            (
                RATE_2015,
                Decimal("0.0825"),
                "Decision 28/2015/QĐ-TTg (125 % of the poor-household rate)",
                "valid_from: the start date of this rate is a placeholder (the programme began in 2015).",
            ),
            (RATE_CUT, Decimal("0.078"), DECISION_2553, ""),
        ],
    },
    {
        "code": "disadvantaged_area_business",
        "name_vi": "Cho vay hộ gia đình sản xuất, kinh doanh tại vùng khó khăn",
        "name_en": "Production and business households in disadvantaged areas",
        "legal_basis": "Decision 31/2007/QĐ-TTg and later",
        "eligible_statuses": [],
        "requires_disadvantaged_commune": True,
        "max_amount": 100 * MILLION,
        "max_term_months": 120,
        "collateral_rule": "none",
        "use_check_days": 30,
        "default_term_months": 60,
        "default_principal_every_months": 6,
        "unconfirmed": "max_amount: VND 50M, and up to below VND 100M with at least 20 % own capital (VBSP page); a "
        "2023 headline says up to VND 100M. max_term_months 'as poor' is not confirmed. Which household statuses "
        "qualify is not confirmed (open to any household of a disadvantaged commune here). use_check_days is not "
        "confirmed.",
        "rates": [
            (RATE_2015, Decimal("0.09"), DECISION_750, ""),
            (RATE_CUT, Decimal("0.078"), DECISION_2553, ""),
        ],
    },
    {
        "code": "clean_water_sanitation",
        "name_vi": "Cho vay nước sạch và vệ sinh môi trường nông thôn",
        "name_en": "Rural clean water and sanitation",
        "legal_basis": "Decision 10/2024/QĐ-TTg of 15/07/2024 (from 02/09/2024)",
        "eligible_statuses": [],
        "max_amount": 25 * MILLION,
        "max_term_months": 60,
        "collateral_rule": "none",
        "use_check_days": 30,
        "default_term_months": 60,
        "default_principal_every_months": 6,
        "unconfirmed": "max_amount is VND 25M per type of work (water facility, sanitation facility): one loan per "
        "work here. use_check_days is not confirmed.",
        "rates": [
            (RATE_2015, Decimal("0.09"), DECISION_750, ""),
            (RATE_CUT, Decimal("0.084"), DECISION_2553 + " (0.7 %/month)", ""),
        ],
    },
    {
        "code": "student",
        "name_vi": "Cho vay học sinh, sinh viên có hoàn cảnh khó khăn",
        "name_en": "Loans to disadvantaged students",
        "legal_basis": "Decision 157/2007/QĐ-TTg, amended by Decision 05/2022/QĐ-TTg",
        "eligible_statuses": ["poor", "near_poor", "average"],
        "requires_group_membership": True,
        "max_amount": None,
        "max_term_months": None,
        "collateral_rule": "none",
        "use_check_days": 30,
        "default_term_months": 60,
        "default_principal_every_months": 6,
        "notes": "At most VND 4M per month per student (from 19/05/2022); the first repayment is due 12 months after "
        "the course ends.",
        "unconfirmed": "max_amount: the cap is per month of study, not per loan; no per-loan maximum is recorded. "
        "max_term_months is not confirmed. The earlier rate's start date is not confirmed. use_check_days is not "
        "confirmed.",
        "rates": [
            (RATE_2015, Decimal("0.066"), DECISION_750, "valid_from is not confirmed for this programme."),
            (RATE_CUT, Decimal("0.0624"), DECISION_2553, ""),
        ],
    },
    {
        "code": "job_creation",
        "name_vi": "Cho vay hỗ trợ tạo việc làm",
        "name_en": "Job creation (National Employment Fund)",
        "legal_basis": "Decree 61/2015/NĐ-CP, amended by Decree 74/2019/NĐ-CP (from 08/11/2019)",
        "eligible_statuses": [],
        "max_amount": 100 * MILLION,
        "max_term_months": 120,
        "collateral_rule": "above_threshold",
        "collateral_threshold": 100 * MILLION,
        "use_check_days": 30,
        "default_term_months": 60,
        "default_principal_every_months": 6,
        "notes": "Workers up to VND 100M; business establishments up to VND 2bn (collateral above VND 100M).",
        "unconfirmed": "The rate: 'same as the poor and near-poor rates' (6.6 % in 2015); whether Decision 2553/2025 "
        "changed it is not confirmed, so no 2025 row is loaded. use_check_days is not confirmed.",
        "rates": [
            (
                RATE_2015,
                Decimal("0.066"),
                DECISION_750,
                "Whether Decision 2553/QĐ-TTg (01/12/2025) changed this rate is not confirmed.",
            ),
        ],
    },
    {
        "code": "ethnic_minority_housing",
        "name_vi": "Cho vay hỗ trợ nhà ở cho hộ nghèo dân tộc thiểu số",
        "name_en": "Housing support for poor ethnic-minority households (NTP 1719)",
        "legal_basis": "Decree 28/2022/NĐ-CP (National Target Programme 1719)",
        "eligible_statuses": ["poor", "near_poor"],
        "requires_ethnic_minority": True,
        "max_amount": 40 * MILLION,
        "max_term_months": 180,
        "collateral_rule": "none",
        "use_check_days": 30,
        "default_term_months": 180,
        "default_principal_every_months": 12,
        "unconfirmed": "Which statuses qualify beyond poor households is not confirmed (near-poor included here). "
        "Whether Decision 2553/2025 changed the 3 % rate is not confirmed. use_check_days is not confirmed.",
        "rates": [
            (
                date(2022, 4, 26),
                Decimal("0.03"),
                "Decree 28/2022/NĐ-CP",
                "valid_from (the decree's date) is not confirmed; whether the 01/12/2025 change covers this programme "
                "is not confirmed.",
            ),
        ],
    },
]

ORGANISATIONS: list[tuple[str, str, str]] = [
    ("farmers_union", "Hội Nông dân", "Farmers' Union"),
    ("womens_union", "Hội Liên hiệp Phụ nữ", "Women's Union"),
    ("veterans_association", "Hội Cựu chiến binh", "Veterans' Association"),
    ("youth_union", "Đoàn Thanh niên Cộng sản Hồ Chí Minh", "Ho Chi Minh Communist Youth Union"),
]

_AMENDMENT = "Decision 50/2010/QĐ-TTg as amended in 2021"
_AMENDMENT_NOTE = "The number of the 2021 amending decision is not confirmed (believed 08/2021/QĐ-TTg)."
RISK_CAUSES: list[tuple[str, str, str, str, str]] = [
    ("natural_disaster", "Thiên tai", "Natural disaster", "Decision 50/2010/QĐ-TTg", ""),
    ("epidemic", "Dịch bệnh", "Epidemic", "Decision 50/2010/QĐ-TTg", ""),
    ("fire", "Hỏa hoạn", "Fire", "Decision 50/2010/QĐ-TTg", ""),
    ("state_policy_change", "Nhà nước thay đổi chính sách", "Change in State policy", "Decision 50/2010/QĐ-TTg", ""),
    ("borrower_death", "Người vay chết", "Death of the borrower", "Decision 50/2010/QĐ-TTg", ""),
    (
        "socio_political_upheaval",
        "Biến động chính trị – xã hội",
        "Socio-political upheaval",
        _AMENDMENT,
        _AMENDMENT_NOTE,
    ),
    (
        "covid_guest_workers",
        "Người lao động đi làm việc ở nước ngoài bị ảnh hưởng bởi COVID-19",
        "COVID-19 effects on guest workers",
        _AMENDMENT,
        _AMENDMENT_NOTE,
    ),
    (
        "fatal_illness",
        "Người vay hoặc thành viên gia đình mắc bệnh hiểm nghèo",
        "Borrower or family member with a fatal illness",
        _AMENDMENT,
        _AMENDMENT_NOTE,
    ),
    (
        "lost_working_capacity",
        "Người vay suy giảm khả năng lao động từ 81 % trở lên",
        "Borrower with 81 % or more loss of working capacity",
        _AMENDMENT,
        _AMENDMENT_NOTE,
    ),
    ("missing_borrower", "Người vay mất tích", "Missing borrower", _AMENDMENT, _AMENDMENT_NOTE),
]

POLICY_UNCONFIRMED = (
    "group_min_members / group_max_members: a 3-60 range is documented (VBSP 2021); the rules in force now are not "
    "confirmed. Group quality grading criteria, the leader's commission and the entrustment fee are not confirmed."
)


def seed_reference_data(apps) -> None:
    """Load (or complete) the reference rows; existing rows are left as an administrator may have corrected them."""
    LoanProgram = apps.get_model("credit", "LoanProgram")
    RateSchedule = apps.get_model("credit", "RateSchedule")
    MassOrganization = apps.get_model("credit", "MassOrganization")
    RiskCause = apps.get_model("credit", "RiskCause")
    CreditPolicy = apps.get_model("credit", "CreditPolicy")
    for spec in PROGRAMS:
        fields = {k: v for k, v in spec.items() if k not in ("code", "rates")}
        program, _created = LoanProgram.objects.get_or_create(code=spec["code"], defaults=fields)
        for valid_from, rate, basis, note in spec["rates"]:
            RateSchedule.objects.get_or_create(
                program=program,
                valid_from=valid_from,
                defaults={"annual_rate": rate, "legal_basis": basis, "unconfirmed": note},
            )
    for code, name_vi, name_en in ORGANISATIONS:
        MassOrganization.objects.get_or_create(code=code, defaults={"name_vi": name_vi, "name_en": name_en})
    for code, name_vi, name_en, basis, note in RISK_CAUSES:
        RiskCause.objects.get_or_create(
            code=code, defaults={"name_vi": name_vi, "name_en": name_en, "legal_basis": basis, "unconfirmed": note}
        )
    CreditPolicy.objects.get_or_create(pk=1, defaults={"unconfirmed": POLICY_UNCONFIRMED})


def reference_data_ensure() -> None:
    """The same rows with the real models (after a test flush, or for a database built without migrations)."""
    from django.apps import apps

    seed_reference_data(apps)
