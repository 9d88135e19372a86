"""Load the poverty standards and indicators of households/standards_data.py (the one source of the seed)."""

from django.db import migrations


def seed(apps, schema_editor):
    from households.derivation import MEMBER_DERIVED
    from households.standards_data import INDICATOR_DEFS, STANDARDS

    Indicator = apps.get_model("households", "Indicator")
    PovertyStandard = apps.get_model("households", "PovertyStandard")
    by_code = {}
    for bit, d in enumerate(INDICATOR_DEFS):
        by_code[d.code], _ = Indicator.objects.update_or_create(
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
        assert s.province_code is None, "the seed holds national standards only"
        row, _ = PovertyStandard.objects.update_or_create(
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
        row.indicators.set([by_code[c] for c in s.indicators])


class Migration(migrations.Migration):
    dependencies = [("households", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
