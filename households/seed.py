"""Load the seed standards and indicators (households/standards_data.py) into the tables.

Used by migration 0002 (with the historical models) and by :func:`standards_ensure` (after a flush, e.g. the demo's
``--reset`` or a transactional test). Idempotent: rows an administrator corrected are left as they are.
"""

from __future__ import annotations


def seed_standards(Indicator, PovertyStandard) -> None:  # noqa: N803 (model classes, possibly historical)
    from .derivation import MEMBER_DERIVED
    from .standards_data import INDICATOR_DEFS, STANDARDS

    by_code = {}
    for bit, d in enumerate(INDICATOR_DEFS):
        by_code[d.code], _ = Indicator.objects.get_or_create(
            code=d.code,
            defaults={
                "bit": bit,
                "dimension": d.dimension,
                "dimension_vi": d.dimension_vi,
                "name_vi": d.name_vi,
                "name_en": d.name_en,
                "legal_text_vi": d.legal_text_vi,
                "member_derived": d.code in MEMBER_DERIVED,
            },
        )
    for s in STANDARDS:
        row, created = PovertyStandard.objects.get_or_create(
            code=s.code,
            province=None,
            defaults={
                "name_vi": s.name_vi,
                "legal_basis": s.legal_basis,
                "valid_from": s.valid_from,
                "valid_to": s.valid_to,
                "rural_income_line": s.income_line["rural"],
                "urban_income_line": s.income_line["urban"],
                "rural_average_upper": s.average_upper["rural"],
                "urban_average_upper": s.average_upper["urban"],
                "min_deprivations_poor": s.min_deprivations_poor,
                "provisional": ",".join(sorted(s.provisional)),
            },
        )
        if created:
            row.indicators.set([by_code[c] for c in s.indicators])


def standards_ensure() -> None:
    """The seed standards exist (after a database flush)."""
    from .models import Indicator, PovertyStandard

    if not PovertyStandard.objects.exists():
        seed_standards(Indicator, PovertyStandard)
