"""Indicators that member records decide (pre-filled in a review; the reviewer may override each with a reason).

Pure Python: no Django import. The rules paraphrase the thresholds of domain.md §1.3 (a WEAK SOURCE); each is written
here once, so correcting one after checking the annex of Decree 07/2021 is a one-line change.

- ``dependants``: more than half of the members are dependants. A dependant here is a member under 16, aged 60 or
  over, or unable to work (the usual provincial reading; UNCONFIRMED against the annex).
- ``health_insurance``: at least one member aged 6 or over has no health insurance.
- ``child_schooling``: at least one child aged 3 to under 16 does not attend the grade or level right for their age.
- ``adult_education``: at least one member aged 16-30 is not in training and lacks the level for their age: aged 16
  to under 18, at least lower secondary; aged 18-30, at least upper secondary or vocational.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

MEMBER_DERIVED = ("dependants", "health_insurance", "child_schooling", "adult_education")
EDUCATION_ORDER = ["none", "primary", "lower_secondary", "upper_secondary", "vocational", "higher"]


@dataclass(frozen=True)
class MemberFacts:
    birth_date: date | None
    has_health_insurance: bool = False
    schooling: str = ""  # "", attending, behind, not_attending
    education: str = "none"
    in_training: bool = False
    employment: str = ""


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _at_least(level: str, minimum: str) -> bool:
    return EDUCATION_ORDER.index(level or "none") >= EDUCATION_ORDER.index(minimum)


def derive_indicators(members: Sequence[MemberFacts], on: date) -> dict[str, bool]:
    """For each member-derived indicator that the records can decide, whether the household is deprived.

    An indicator is left out when no member's record can decide it (e.g. no birth dates): the reviewer enters it.
    """
    if not members:
        return {}
    aged = [(m, age_on(m.birth_date, on)) for m in members if m.birth_date is not None]
    result: dict[str, bool] = {}
    if len(aged) == len(members):
        dependants = sum(1 for m, a in aged if a < 16 or a >= 60 or m.employment == "unable")
        result["dependants"] = dependants * 2 > len(members)
    if aged:
        result["health_insurance"] = any(a >= 6 and not m.has_health_insurance for m, a in aged)
        result["child_schooling"] = any(3 <= a < 16 and m.schooling in ("behind", "not_attending") for m, a in aged)
        result["adult_education"] = any(
            16 <= a <= 30
            and not m.in_training
            and not (_at_least(m.education, "lower_secondary") if a < 18 else _at_least(m.education, "upper_secondary"))
            for m, a in aged
        )
    return result
