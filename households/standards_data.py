"""Seed data for the multidimensional poverty standards and their deprivation indicators.

This module is the single source of the seed definitions: ``households.poverty`` classifies with them, and a later
Django data migration loads the same objects into the ``PovertyStandard`` / ``Indicator`` tables by iterating
``INDICATOR_DEFS`` and ``STANDARDS``. Once loaded, the database rows are the ones an administrator edits; these
constants stay as the reference seed and as the fallback used by pure code and tests.

Pure Python: no Django import, importable without settings or a database.

Sources: ``/work/shared/docs/domain.md`` §1.1-1.3 and §1.6 (facts), §9.1 and §9.3 (canonical codes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from types import MappingProxyType
from typing import Any

#: The two kinds of area an income line is set for (domain.md §1.2, §9.1).
AREAS: tuple[str, ...] = ("rural", "urban")

#: Dimension codes with their Vietnamese labels (domain.md §1.3, §9.3).
DIMENSIONS: Mapping[str, str] = MappingProxyType(
    {
        "employment": "Việc làm",
        "health": "Y tế",
        "education": "Giáo dục",
        "housing": "Nhà ở",
        "water_sanitation": "Nước sinh hoạt và vệ sinh",
        "information": "Thông tin",
        # Only ``waste`` sits here. domain.md §9.3 and the draft of Decree 351/2025 (§1.6) group water, sanitation
        # and waste into one 2027-2030 dimension "nước, vệ sinh và môi trường"; the final grouping is UNCONFIRMED,
        # so waste gets a dimension of its own and the 2022-2025 indicators keep theirs.
        "environment": "Môi trường",
    }
)


@dataclass(frozen=True)
class IndicatorDef:
    """One deprivation indicator (domain.md §1.3, §9.3).

    ``legal_text_vi`` is the text shown to the cadre saying when a household counts as deprived. For every indicator
    it is a paraphrase from a WEAK SOURCE (domain.md §1.3), to be checked against the annex of Decree 07/2021 and
    Decree 351/2025 and corrected by an administrator in the database.
    """

    code: str
    dimension: str
    name_vi: str
    name_en: str
    legal_text_vi: str
    #: The Vietnamese label of the dimension, filled from ``DIMENSIONS`` (a real field, so ``asdict`` carries it).
    dimension_vi: str = field(init=False)

    def __post_init__(self) -> None:
        if self.dimension not in DIMENSIONS:
            raise ValueError(f"unknown dimension {self.dimension!r} for indicator {self.code!r}")
        object.__setattr__(self, "dimension_vi", DIMENSIONS[self.dimension])


#: Every known indicator, both periods. The order is stable: append new indicators at the end, never reorder or
#: remove, so that a position can serve as the indicator's bit in a review's deprivation mask.
INDICATOR_DEFS: tuple[IndicatorDef, ...] = (
    # WEAK SOURCE: the source note is vague; the legal text is believed to concern working-age members who are
    # unemployed or work without a labour contract (domain.md §1.3 #1, UNCONFIRMED).
    IndicatorDef(
        code="employment",
        dimension="employment",
        name_vi="Việc làm",
        name_en="Employment",
        legal_text_vi="Hộ gia đình có ít nhất một thành viên không có việc làm thường xuyên, tương đối ổn định.",
    ),
    IndicatorDef(
        code="dependants",
        dimension="employment",
        name_vi="Người phụ thuộc trong hộ gia đình",
        name_en="Dependants in the household",
        legal_text_vi="Hộ gia đình có tỷ lệ người phụ thuộc trên tổng số thành viên lớn hơn 50%.",
    ),
    # WEAK SOURCE: the legal text is believed to refer to stunting or underweight (UNCONFIRMED).
    IndicatorDef(
        code="nutrition",
        dimension="health",
        name_vi="Dinh dưỡng",
        name_en="Nutrition",
        legal_text_vi="Hộ gia đình có ít nhất một trẻ em dưới 16 tuổi bị suy dinh dưỡng.",
    ),
    # WEAK SOURCE: the note's wording ("a child over 6") looks garbled; "người từ đủ 6 tuổi trở lên" is the
    # believed legal wording (UNCONFIRMED).
    IndicatorDef(
        code="health_insurance",
        dimension="health",
        name_vi="Bảo hiểm y tế",
        name_en="Health insurance",
        legal_text_vi="Hộ gia đình có ít nhất một người từ đủ 6 tuổi trở lên không có bảo hiểm y tế.",
    ),
    IndicatorDef(
        code="adult_education",
        dimension="education",
        name_vi="Trình độ giáo dục của người lớn",
        name_en="Adult education level",
        legal_text_vi=(
            "Hộ gia đình có ít nhất một người từ 16 đến 30 tuổi không tham gia các khóa đào tạo và không có bằng "
            "cấp, chứng chỉ giáo dục đào tạo phù hợp với độ tuổi: từ 16 đến dưới 18 tuổi, tốt nghiệp trung học "
            "cơ sở trở lên; từ 18 đến 30 tuổi, tốt nghiệp trung học phổ thông hoặc có trình độ sơ cấp, trung "
            "cấp, cao đẳng trở lên; hoặc được đào tạo nghề tại nơi làm việc và được người sử dụng lao động "
            "chứng nhận."
        ),
    ),
    IndicatorDef(
        code="child_schooling",
        dimension="education",
        name_vi="Tình trạng đi học của trẻ em",
        name_en="School attendance of children",
        legal_text_vi=(
            "Hộ gia đình có ít nhất một trẻ em từ 3 đến dưới 16 tuổi không được học đúng bậc, cấp học phù hợp "
            "với độ tuổi."
        ),
    ),
    IndicatorDef(
        code="housing_quality",
        dimension="housing",
        name_vi="Chất lượng nhà ở",
        name_en="Housing quality",
        legal_text_vi=(
            "Hộ gia đình đang sống trong nhà ở hoặc căn hộ không bền chắc: có ít nhất 2 trong 3 kết cấu chính "
            "(tường, cột, mái) làm bằng vật liệu không bền chắc."
        ),
    ),
    IndicatorDef(
        code="housing_area",
        dimension="housing",
        name_vi="Diện tích nhà ở bình quân đầu người",
        name_en="Housing area per person",
        legal_text_vi="Diện tích nhà ở bình quân đầu người của hộ gia đình nhỏ hơn 8 m².",
    ),
    IndicatorDef(
        code="drinking_water",
        dimension="water_sanitation",
        name_vi="Nguồn nước sinh hoạt",
        name_en="Domestic water source",
        legal_text_vi=(
            "Hộ gia đình không tiếp cận được nguồn nước sinh hoạt hợp vệ sinh (nước máy, giếng khoan, giếng đào "
            "được bảo vệ, nguồn nước tự chảy được bảo vệ, nước mưa, nước đóng chai)."
        ),
    ),
    IndicatorDef(
        code="sanitation",
        dimension="water_sanitation",
        name_vi="Nhà tiêu hợp vệ sinh",
        name_en="Hygienic latrine",
        legal_text_vi=(
            "Hộ gia đình không sử dụng nhà tiêu hợp vệ sinh (tự hoại, bán tự hoại, dội nước hoặc loại tương tự)."
        ),
    ),
    # WEAK SOURCE, UNCONFIRMED: "believed to be" in domain.md §1.3 #11.
    IndicatorDef(
        code="telecom",
        dimension="information",
        name_vi="Sử dụng dịch vụ viễn thông",
        name_en="Use of telecommunication services",
        legal_text_vi="Hộ gia đình không có thành viên nào sử dụng dịch vụ Internet.",
    ),
    # WEAK SOURCE, UNCONFIRMED: "believed to be" in domain.md §1.3 #12.
    IndicatorDef(
        code="information_access",
        dimension="information",
        name_vi="Phương tiện phục vụ tiếp cận thông tin",
        name_en="Means of accessing information",
        legal_text_vi=(
            "Hộ gia đình không có phương tiện nào phục vụ tiếp cận thông tin (ti vi, radio, máy tính, điện thoại...)."
        ),
    ),
    # 2027-2030 only (domain.md §1.6, §9.3). Neither the official name nor the threshold of the two new indicators
    # was found: the names and texts below are placeholders derived from the press reports (use of digital services
    # and internet; capacity to handle domestic waste), to be replaced from the text of Decree 351/2025/NĐ-CP.
    IndicatorDef(
        code="digital_services",
        dimension="information",
        name_vi="Sử dụng dịch vụ số",
        name_en="Use of digital services",
        legal_text_vi=(
            "Hộ gia đình không có thành viên nào sử dụng dịch vụ số, dịch vụ Internet. (Diễn giải tạm thời, "
            "chưa đối chiếu Nghị định 351/2025/NĐ-CP.)"
        ),
    ),
    IndicatorDef(
        code="waste",
        dimension="environment",
        name_vi="Xử lý rác thải sinh hoạt",
        name_en="Household waste handling",
        legal_text_vi=(
            "Hộ gia đình không có khả năng thu gom, xử lý rác thải sinh hoạt. (Diễn giải tạm thời, chưa đối "
            "chiếu Nghị định 351/2025/NĐ-CP.)"
        ),
    ),
)


@dataclass(frozen=True)
class Standard:
    """A poverty standard (chuẩn nghèo) valid for a period, national or for one province (domain.md §1.1, §1.6).

    ``income_line`` and ``average_upper`` map each area of ``AREAS`` to whole đồng per person per month.
    ``provisional`` names the fields whose values are unconfirmed and must stay editable by an administrator.
    The mappings are stored read-only; they are left out of the hash.
    """

    code: str
    name_vi: str
    legal_basis: str
    valid_from: date
    valid_to: date | None
    province_code: str | None
    income_line: Mapping[str, int] = field(hash=False)
    average_upper: Mapping[str, int] = field(hash=False)
    min_deprivations_poor: int
    indicators: tuple[str, ...]
    provisional: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "income_line", MappingProxyType(dict(self.income_line)))
        object.__setattr__(self, "average_upper", MappingProxyType(dict(self.average_upper)))
        object.__setattr__(self, "indicators", tuple(self.indicators))
        object.__setattr__(self, "provisional", frozenset(self.provisional))
        if not self.code:
            raise ValueError("a standard needs a code")
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError(f"standard {self.code!r}: valid_to {self.valid_to} is before valid_from {self.valid_from}")
        for name in ("income_line", "average_upper"):
            amounts: Mapping[str, int] = getattr(self, name)
            if set(amounts) != set(AREAS):
                raise ValueError(f"standard {self.code!r}: {name} must have exactly the areas {AREAS}")
            for area, amount in amounts.items():
                if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
                    raise ValueError(f"standard {self.code!r}: {name}[{area!r}] must be a positive int, not {amount!r}")
        for area in AREAS:
            if self.average_upper[area] < self.income_line[area]:
                raise ValueError(f"standard {self.code!r}: average_upper[{area!r}] is below income_line[{area!r}]")
        known = {indicator.code for indicator in INDICATOR_DEFS}
        unknown = [code for code in self.indicators if code not in known]
        if unknown:
            raise ValueError(f"standard {self.code!r}: unknown indicator codes {unknown}")
        if not self.indicators or len(set(self.indicators)) != len(self.indicators):
            raise ValueError(f"standard {self.code!r}: indicators must be non-empty and without duplicates")
        if not 1 <= self.min_deprivations_poor <= len(self.indicators):
            raise ValueError(f"standard {self.code!r}: min_deprivations_poor {self.min_deprivations_poor} out of range")
        unknown_fields = self.provisional - {f.name for f in fields(self)}
        if unknown_fields:
            raise ValueError(f"standard {self.code!r}: unknown provisional fields {sorted(unknown_fields)}")

    def as_dict(self) -> dict[str, Any]:
        """The fields as plain built-in values (dicts, a list, a sorted list), e.g. for a data migration.

        ``dataclasses.asdict`` cannot copy the read-only mappings; use this instead.
        """
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["income_line"] = dict(self.income_line)
        values["average_upper"] = dict(self.average_upper)
        values["indicators"] = list(self.indicators)
        values["provisional"] = sorted(self.provisional)
        return values

    def __reduce__(self) -> tuple[Any, ...]:
        # Lets pickle and copy.deepcopy rebuild the standard despite its read-only mappings.
        return (_standard_from_dict, (self.as_dict(),))

    def covers(self, on: date) -> bool:
        """Whether the standard is in force on the day ``on`` (both ends inclusive; no end if ``valid_to`` is None)."""
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    def is_provisional(self, field_name: str) -> bool:
        """Whether ``field_name`` holds an unconfirmed value that an administrator must be able to correct."""
        return field_name in self.provisional


def _standard_from_dict(values: dict[str, Any]) -> Standard:
    return Standard(**values)


_SHARED_INDICATORS: tuple[str, ...] = (
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
)

STANDARD_2022_2025 = Standard(
    code="2022-2025",
    # Decree 351/2025/NĐ-CP keeps this standard in force through 31 Dec 2026 (domain.md §1.1), hence valid_to.
    name_vi="Chuẩn nghèo đa chiều quốc gia giai đoạn 2022-2025",
    legal_basis="Nghị định 07/2021/NĐ-CP",
    valid_from=date(2022, 1, 1),
    valid_to=date(2026, 12, 31),
    province_code=None,
    income_line={"rural": 1_500_000, "urban": 2_000_000},  # domain.md §1.2, CONFIRMED
    average_upper={"rural": 2_250_000, "urban": 3_000_000},  # domain.md §1.2, CONFIRMED
    min_deprivations_poor=3,
    indicators=(*_SHARED_INDICATORS, "telecom", "information_access"),
    provisional=frozenset(),
)

STANDARD_2027_2030 = Standard(
    code="2027-2030",
    # Decree 351/2025 is titled for 2026-2030, but 2026 keeps the 2022-2025 standard; these rules start in 2027.
    name_vi="Chuẩn nghèo đa chiều quốc gia giai đoạn 2027-2030",
    legal_basis="Nghị định 351/2025/NĐ-CP",
    valid_from=date(2027, 1, 1),
    valid_to=date(2030, 12, 31),
    province_code=None,
    income_line={"rural": 2_200_000, "urban": 2_800_000},  # domain.md §1.6, CONFIRMED
    # UNCONFIRMED (domain.md §1.6): no average-living-standard band was found for 2027-2030. Seeded as 1.5 x the
    # income line, the ratio of 2022-2025 (2,250,000 / 1,500,000 and 3,000,000 / 2,000,000), and marked provisional.
    average_upper={"rural": 3_300_000, "urban": 4_200_000},
    min_deprivations_poor=3,
    # UNCONFIRMED (domain.md §1.6, §9.3): the final indicator list of the issued decree was not found. Per the
    # reports: telecom replaced by digital_services, information_access removed, waste added. Marked provisional.
    indicators=(*_SHARED_INDICATORS, "digital_services", "waste"),
    provisional=frozenset({"average_upper", "indicators"}),
)

#: Every seeded standard, oldest first. All are national; a province's own standard is entered as data.
STANDARDS: tuple[Standard, ...] = (STANDARD_2022_2025, STANDARD_2027_2030)
