"""The 12-digit personal identification number (số định danh cá nhân, printed on the citizen ID card).

Structure (Decree 137/2015/NĐ-CP and Circular 07/2016/TT-BCA, as amended; general knowledge, not from domain.md):
digits 1-3 the province of birth registration, digit 4 the century of birth and sex, digits 5-6 the last two digits of
the year of birth, digits 7-12 a random number. Pure Python: no Django import.
"""

from __future__ import annotations

from datetime import date

# The 63 pre-2025 province codes used as the first three digits. A number issued before the 2025 mergers keeps its
# province code, so this list does not change with the mergers.
PROVINCE_PREFIXES = frozenset(
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 035 036 037 038 040 "
    "042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070 072 074 075 077 079 080 082 083 084 "
    "086 087 089 091 092 093 094 095 096".split()
)

# digit 4: (century start year, sex) — 0/1 = 20th century male/female, 2/3 = 21st, 4/5 = 22nd, 6/7 = 23rd, 8/9 = 24th.
_CENTURY_SEX = {str(d): (1900 + 100 * (d // 2), "male" if d % 2 == 0 else "female") for d in range(10)}


def national_id_problem(value: str, *, birth_date: date | None = None, sex: str | None = None) -> str | None:
    """None when ``value`` is a valid number (and agrees with the birth year and sex when given), else the reason.

    Reasons are short English phrases; callers translate them.
    """
    if len(value) != 12 or not value.isdigit():
        return "must be exactly 12 digits"
    if value[:3] not in PROVINCE_PREFIXES:
        return "the first three digits are not a province code"
    century, coded_sex = _CENTURY_SEX[value[3]]
    if birth_date is not None:
        coded_year = century + int(value[4:6])
        if coded_year != birth_date.year:
            return "digits 4-6 do not match the year of birth"
    if sex in ("male", "female") and coded_sex != sex:
        return "digit 4 does not match the sex"
    return None


def mask_national_id(value: str) -> str:
    """Shown to roles that do not need the number: only the last 4 digits."""
    if not value:
        return ""
    return "•" * (len(value) - 4) + value[-4:]
