"""Load the poverty standards and indicators of households/standards_data.py (the one source of the seed)."""

from django.db import migrations


def seed(apps, schema_editor):
    from households.seed import seed_standards

    seed_standards(apps.get_model("households", "Indicator"), apps.get_model("households", "PovertyStandard"))


class Migration(migrations.Migration):
    dependencies = [("households", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
